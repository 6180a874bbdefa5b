"""The README's Boghall example is what the demo returns."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.demo import load_demo
from app.main import create_app
from tests.conftest import make_service

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_boghall_numbers_match_demo(tmp_path, boundaries) -> None:
    svc = make_service("sqlite", tmp_path, boundaries, demo_end="2026-12-01")
    load_demo(svc)
    body = re.search(r"-d '(\{.*?\})'", README, re.S)
    assert body
    import json

    req = json.loads(body.group(1))
    with TestClient(create_app(service=svc)) as c:
        c.headers["X-API-Key"] = "test-admin-key-123"
        for cats in (req["categories"], ["vandalism"]):
            doc = c.post("/api/v1/evaluations", json=req | {"categories": cats}).json()
            t = doc["all_selected"]["counts"]["target"]
            verdict = doc["all_selected"]["verdict"]
            assert f"({t['before']}\nbefore, {t['after']} after)" in README or f"({t['before']} before, {t['after']} after)" in README.replace("\n", " ")
            assert verdict.split(".")[0] in README.replace("\n", " ")
