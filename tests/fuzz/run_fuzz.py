"""Fuzz a LIVE server: every operation of its OpenAPI document, plus hostile uploads.

Starts ``hotspots serve --migrate`` on a free 127.0.0.1 port with a fresh SQLite database
(a few thousand seeded incidents, a fake Chromium that writes a tiny PNG/PDF so that
renders are quick), then

1. sends property-based requests (schemathesis strategies driven by hypothesis, seeded)
   to every operation, valid (``positive``) and invalid (``negative``) inputs, as an admin
   and as a viewer, each operation getting an equal share of the time budget;
2. uploads every hostile file of :mod:`tests.fuzz.hostile` in every ingest format.

Prints the request count and the number of server errors (5xx, or no answer within the
request timeout), one line per error with a curl command to reproduce it, and exits 1
when there was any. Usage::

    .venv/bin/python tests/fuzz/run_fuzz.py [--budget 100] [--seed 1] [-v]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hseed  # noqa: E402
from hypothesis.errors import FlakyFailure, Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from tests.conftest import BOUNDARIES  # noqa: E402
from tests.fuzz.hostile import hostile_files  # noqa: E402

ADMIN = "fuzz-admin-key-0001"
FAKE_CHROMIUM = """#!/bin/sh
for a in "$@"; do
  case "$a" in
    --screenshot=*) printf '\\211PNG\\r\\n\\032\\n' > "${a#--screenshot=}" ;;
    --print-to-pdf=*) printf '%%PDF-1.4\\n%%%%EOF\\n' > "${a#--print-to-pdf=}" ;;
  esac
done
exit 0
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """A live `hotspots serve` on 127.0.0.1 (stopped by :func:`stop_server`)."""
    exe = tmp / "fake-chromium"
    exe.write_text(FAKE_CHROMIUM)
    exe.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTSPOTS_")} | {
        "HOTSPOTS_DATA_DIR": str(tmp / "data"), "HOTSPOTS_BOUNDARIES_DIR": str(BOUNDARIES),
        "HOTSPOTS_ADMIN_KEY": ADMIN, "HOTSPOTS_RATE_LIMIT_PER_MINUTE": "0", "HOTSPOTS_AUTH_FAILURES_PER_MINUTE": "0",
        "HOTSPOTS_CHROMIUM": str(exe), "HOTSPOTS_TILE_URL": "none", "HOTSPOTS_MAX_PERMUTATIONS": "199",
        "HOTSPOTS_DEFAULT_PERMUTATIONS": "99", "HOTSPOTS_MAX_RENDERS": "4",
    }
    port = _free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "hotspots"), "serve", "--migrate", "--port", str(port)],
                                env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit("server exited:\n" + log.read_text(errors="replace"))
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return proc, base, log
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not start:\n" + log.read_text(errors="replace"))


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def seed_data(base: str) -> str:
    """Load seeded incidents and a meeting; returns a viewer key."""
    from tests.app.test_workers import big_csv

    h = {"X-API-Key": ADMIN}
    r = httpx.post(base + "/api/v1/incidents/upload", files={"file": ("seed.csv", big_csv(3000, seed=5, prefix="FZ"))},
                   headers=h, timeout=120)
    r.raise_for_status()
    r = httpx.post(base + "/api/v1/keys", json={"role": "viewer", "name": "fuzz viewer"}, headers=h, timeout=30)
    r.raise_for_status()
    return str(r.json()["key"])


class OutOfTime(Exception):
    """A run's share of the time budget is spent (stops hypothesis generating more)."""


class Tally:
    """Requests sent and server errors seen."""

    def __init__(self) -> None:
        self.requests = 0
        self.errors: list[str] = []

    def note(self, status: int | None, what: str) -> None:
        self.requests += 1
        if status is None or status >= 500:
            self.errors.append(f"{'no answer' if status is None else status}  {what}")


def fuzz_operations(base: str, keys: dict[str, str], budget: float, seed: int, tally: Tally, *, verbose: bool = False) -> None:
    """Property-based requests to every operation, an equal time share each."""
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    ops = [r.ok() for r in schema.get_all_operations()]
    runs = [(op, mode, role) for op in ops for mode in GenerationMode for role in keys
            if mode == GenerationMode.POSITIVE or _has_inputs(op)]
    share = budget / max(1, len(runs))
    print(f"fuzz: {len(ops)} operations, {len(runs)} runs, {share:.2f} s each", flush=True)
    session = httpx.Client(timeout=30)
    for op, mode, role in runs:
        run = _runner(op, mode, role, base=base, headers={"X-API-Key": keys[role]}, until=time.monotonic() + share,
                      session=session, tally=tally, seed=seed)
        t_run, n_before = time.monotonic(), tally.requests
        try:
            run()
        except (OutOfTime, FlakyFailure):  # this run's share of the budget is spent (also mid-replay)
            pass
        except Unsatisfiable:  # no invalid input exists (an operation without parameters)
            pass
        except Exception as exc:  # a strategy that cannot be built is not a server error
            print(f"  skipped {op.label} [{mode.value}]: {type(exc).__name__}: {str(exc)[:120]}", flush=True)
        if verbose:
            print(f"  {op.label} [{mode.value}, {role}]: {tally.requests - n_before} requests, "
                  f"{time.monotonic() - t_run:.1f} s", flush=True)
    session.close()


def _has_inputs(op: Any) -> bool:
    """Whether an operation takes any parameter or body (else no invalid input exists)."""
    return bool(list(op.iter_parameters()) or op.get_request_payload_content_types())


def _runner(op: Any, mode: GenerationMode, role: str, *, base: str, headers: dict[str, str], until: float,
            session: httpx.Client, tally: Tally, seed: int) -> Any:
    """The hypothesis test that sends generated requests to one operation until ``until``."""

    @hseed(seed)
    @settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        if time.monotonic() > until:
            raise OutOfTime
        kw = case.as_transport_kwargs(base_url=base, headers=headers)
        try:
            r = session.request(kw["method"], kw["url"], params=kw.get("params"), headers=kw.get("headers"),
                                content=_content(kw))
            status: int | None = r.status_code
        except httpx.TimeoutException:
            status = None
        if status is None or status >= 500:
            tally.note(status, f"{op.label} [{mode.value}, {role}]: {case.as_curl_command(headers=headers)}")
        else:
            tally.note(status, "")

    return run


def _content(kw: dict) -> bytes | None:  # type: ignore[type-arg]
    """The request body of schemathesis' transport kwargs, as bytes for httpx."""
    if kw.get("data") is not None:
        d = kw["data"]
        return d if isinstance(d, bytes) else str(d).encode()
    if kw.get("json") is not None:
        import json

        kw["headers"] = {**(kw.get("headers") or {}), "content-type": "application/json"}
        return json.dumps(kw["json"]).encode()
    return None


def fuzz_uploads(base: str, tally: Tally) -> None:
    """Every hostile file in every ingest format."""
    from geo.ingest import FORMATS

    with httpx.Client(timeout=60, headers={"X-API-Key": ADMIN}) as c:
        for fmt in FORMATS:
            for what, name, data in hostile_files(fmt):
                try:
                    status: int | None = c.post(base + "/api/v1/incidents/upload", params={"format": fmt},
                                                files={"file": (name, data, "text/csv")}).status_code
                except httpx.TimeoutException:
                    status = None
                tally.note(status, f"upload format={fmt}: {what} ({name!r}, {len(data)} bytes)")


def main() -> int:
    """Run the fuzzer; exit status 1 when the server answered any request with a 5xx."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=100.0, help="seconds for the property-based part")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per operation run")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on `timeout` too
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotspots-fuzz-") as d:
        proc, base, log = start_server(Path(d))
        try:
            viewer = seed_data(base)
            tally = Tally()
            fuzz_uploads(base, tally)
            fuzz_operations(base, {"admin": ADMIN, "viewer": viewer}, args.budget, args.seed, tally,
                            verbose=args.verbose)
        finally:
            stop_server(proc)
            server_log = log.read_text(errors="replace")
    for e in tally.errors[:50]:
        print("SERVER ERROR", e)
    if tally.errors:
        tracebacks = [ln for ln in server_log.splitlines() if "Error" in ln or "error" in ln][-40:]
        print("\n".join(tracebacks))
    print(f"fuzz: {tally.requests} requests, {len(tally.errors)} server errors, {time.monotonic() - t0:.0f} s")
    return 1 if tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
