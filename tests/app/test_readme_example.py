"""The README's Boghall example is what the demo returns."""

import json
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


def test_readme_tasking_cycle_runs(tmp_path, boundaries) -> None:
    """Every request of the README's tasking cycle succeeds, in order, on the demo."""
    import shlex

    block = README.split("### A tasking cycle on the demo data", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    svc = make_service("sqlite", tmp_path, boundaries, demo_end="2026-12-01")
    load_demo(svc)
    lines = [ln for ln in block.splitlines() if not ln.lstrip().startswith("#") and not ln.startswith("H=")]
    commands = [c.strip() for c in re.split(r"\n(?=curl )", "\n".join(lines)) if c.strip().startswith("curl")]
    assert len(commands) >= 6
    with TestClient(create_app(service=svc)) as c:
        c.headers["X-API-Key"] = "test-admin-key-123"
        for cmd in commands:
            parts = shlex.split(cmd.replace("$API", "http://x/api/v1").replace('"$H"', "'content-type: application/json'"))
            url = next(p for p in parts if p.startswith("http://x"))[len("http://x"):]
            data = parts[parts.index("-d") + 1] if "-d" in parts else None
            method = "POST" if "-X" in parts else "GET"
            r = c.request(method, url, json=json.loads(data) if data else None)
            assert r.status_code in (200, 201), (cmd, r.text[:300])
        view = c.get("/api/v1/tasking/meetings/2").json()
        due = view["actions_due"][0]
        assert due["title"] == "Boghall high-visibility patrols" and due["status"] == "in_progress"
