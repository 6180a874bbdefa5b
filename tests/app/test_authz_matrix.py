"""The route × role matrix, derived from the OpenAPI document.

Every operation must have a declared rule in ``app.authz.RULES`` (so a new route cannot
ship unprotected), and each rule holds: a weaker caller gets 401/403, the declared role
and stronger ones get past authorisation (any other status, e.g. 422 for the dummy
parameters this test sends).
"""

from __future__ import annotations

import re

import pytest

from app.authz import RULES
from app.security import RANK, create_key

ROLES = ["none", "viewer", "partner", "analyst", "admin"]


def _operations(client) -> list[tuple[str, str, str]]:
    spec = client.get("/openapi.json").json()
    ops = []
    for path, items in spec["paths"].items():
        for method, op in items.items():
            if method in ("get", "post", "patch", "put", "delete"):
                ops.append((method.upper(), path, op["operationId"]))
    return ops


def test_every_route_has_a_declared_rule(client) -> None:
    ops = _operations(client)
    assert ops
    missing = sorted(op for _, _, op in ops if op not in RULES)
    assert not missing, f"routes with no declared authorisation rule in app/authz.py: {missing}"
    stale = sorted(set(RULES) - {op for _, _, op in ops})
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_each_rule_holds_for_each_role(client, service, role) -> None:
    key = ""  # no key: the client's default admin key is replaced by an empty header
    if role != "none":
        kw = {"agency": "police"} if role == "partner" else {}
        key = create_key(service.engine, role=role, name=f"matrix-{role}", **kw)
    wrong = []
    for method, path, op in _operations(client):
        rule = RULES[op]
        url = re.sub(r"\{[^}]+\}", "0", path)
        r = client.request(method, url, headers={"X-API-Key": key})
        allowed = rule == "public" or (role != "none" and RANK[role] >= RANK[rule])
        denied = r.status_code in (401, 403)
        if allowed == denied:
            wrong.append(f"{method} {path} as {role}: {r.status_code} (rule {rule})")
        if denied:
            assert r.headers["content-type"].startswith("application/problem+json")
    assert not wrong, "\n".join(wrong)
