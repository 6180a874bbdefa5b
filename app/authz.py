"""Who may call what: the declared rule of every route (checked by tests/app/test_authz_matrix.py).

Each OpenAPI operation id maps to the weakest role that may call it (``public`` = no key).
The role check itself is the route's dependency (``PrincipalDep`` = viewer,
``PartnerDep``, ``AnalystDep``, ``AdminDep`` in app/deps.py); this table is the promise the
test holds them to, so a new route cannot ship without a rule. Object-level rules
(``OBJECT_RULES``) are enforced in the service functions named there.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "health-health": "public",
    "incidents-post_incidents": "analyst",
    "incidents-list_incidents": "partner",
    "incidents-upload": "analyst",
    "geography-wards": "viewer",
    "geography-datazones": "viewer",
    "stats-ward_stats": "viewer",
    "stats-datazone_stats": "viewer",
    "hotspots-gistar": "viewer",
    "hotspots-kde": "viewer",
    "hotspots-get_hotspots": "viewer",
    "hotspots-get_overlap": "viewer",
    "deprivation-deprivation_concentration": "viewer",
    "evaluations-create_evaluation": "partner",
    "evaluations-get_evaluation": "partner",
    "tasking-list_groups": "viewer",
    "tasking-create_meeting": "analyst",
    "tasking-list_meetings": "viewer",
    "tasking-get_meeting": "viewer",
    "tasking-create_action": "analyst",
    "tasking-list_actions": "viewer",
    "tasking-get_action": "viewer",
    "tasking-update_action": "partner",
    "tasking-add_update": "partner",
    "tasking-meeting_pack": "viewer",
    "audit-get_audit": "admin",
    "keys-create_api_key": "admin",
    "keys-get_api_keys": "admin",
    "keys-revoke_api_key": "admin",
    "maps-tasking_png": "viewer",
    "maps-tasking": "viewer",
    "feeds-get_feeds": "analyst",
    "assessments-strategic_assessment": "viewer",
    "hotspots-get_backtest": "viewer",
    "hotspots-emerging": "viewer",
    "patterns-near_repeat": "viewer",
    "patterns-temporal": "viewer",
    "patterns-repeat_locations": "viewer",
}

# Object-level rules on top of the role: where they are enforced.
OBJECT_RULES: dict[str, str] = {
    "evaluations-get_evaluation": "a partner reads only its own agency's evaluations (app.evaluation_service.read_evaluation)",
    "evaluations-create_evaluation": "a partner evaluates only its own agency's incidents",
    "tasking-update_action": "a partner changes only actions owned by its own organisation (app.tasking.store.may_change)",
    "tasking-add_update": "a partner updates only actions owned by its own organisation (app.tasking.store.may_change)",
    "incidents-list_incidents": "a partner reads only its own agency's records",
}
