"""Joint tasking: meetings, actions and their updates, the meeting review and the pack.

A meeting belongs to a group (``east``, ``west``, ``tactical``, ``strategic``; their
area, cadence and membership are configuration, ``geo/data/tasking_config.json``) and
analyses a period. Actions set at a meeting name a place (a hotspot id, a ward or data
zones), an owner (a person and a member organisation of the group), a due date and a
status; updates record what was reported and every change. A meeting's view lists the
group's actions due for review with the before/after change in each action's area since
it was set (the evaluation engine, :func:`geo.evaluation.evaluate_operation`), and the
hotspots of the meeting's period that are new against the previous meeting's period.
The pack is one HTML document (or PDF via headless Chromium) for the meeting.

Modules: :mod:`.config` (groups), :mod:`.schemas` (request bodies), :mod:`.docs` (rows
as JSON), :mod:`.store` (database), :mod:`.review` (the meeting view), :mod:`.pack`
(templates, PDF). Routes (``app/routes/tasking.py``, ``app/routes/meeting_pages.py``)
call these.
"""

from app.tasking.config import (
    CONFIG_FILE,
    GroupConfig,
    TaskingConfig,
    load_tasking_config,
    tasking_config,
)
from app.tasking.pack import SECTION_TITLES, meeting_pack, pack_html, render_pdf
from app.tasking.review import meeting_view

__all__ = [
    "CONFIG_FILE",
    "SECTION_TITLES",
    "GroupConfig",
    "TaskingConfig",
    "load_tasking_config",
    "meeting_pack",
    "meeting_view",
    "pack_html",
    "render_pdf",
    "tasking_config",
]
