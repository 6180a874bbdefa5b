"""Batteries included: the wheel carries the boundaries and the browser assets.

- ``pip wheel .`` (what ``pip install .`` runs) builds a wheel holding ``data/boundaries/``
  byte for byte and every browser file of ``app/static/vendor_files.json`` (checked against
  ``node_modules/`` and against the files the shipped CSS refers to);
- that wheel, installed into a fresh venv (the dependencies come from this venv's
  site-packages through a ``.pth`` line, so nothing is downloaded), runs ``hotspots demo``
  from another folder with no ``HOTSPOTS_BOUNDARIES_DIR``, and serves ``/api/v1/health``, a
  tasking map and ``/docs`` with their assets; in headless Chromium no request leaves
  127.0.0.1;
- a copy of the source tree with nothing beside it (no ``../shared``) runs the demo from
  its own ``data/boundaries``;
- a build without ``node_modules`` stops naming ``npm ci``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.app.test_maps_browser import ASSETS, CHROMIUM, Browser, free_port

ROOT = Path(__file__).resolve().parent.parent
PY = Path(sys.executable)
SITE = Path(sysconfig.get_paths()["purelib"])
VENDOR = json.loads((ROOT / "app" / "static" / "vendor_files.json").read_text())["files"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (ASSETS and CHROMIUM) and not os.environ.get("CI"),
        reason="needs node_modules (npm ci) and chromium",
    ),
]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTSPOTS_", "PYTHON"))}
    return env | extra


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run(
        [str(PY), "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False, env=_env(),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    (whl,) = out.glob("wl_hotspots-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv with only the wheel installed (dependencies through a .pth line)."""
    v = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(v)], check=True, timeout=60)
    py = v / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "_deps_from_test_venv.pth").write_text(f"{SITE}\n")
    r = subprocess.run(
        [str(PY), "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-compile", "-q", str(wheel)],
        capture_output=True, text=True, timeout=120, check=False, env=_env(),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return v


def test_wheel_holds_boundaries_and_every_browser_file(wheel) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for f in sorted((ROOT / "data" / "boundaries").iterdir()):
            assert z.read(f"geo/data/boundaries/{f.name}") == f.read_bytes(), f.name
        vendor = {n[len("app/static/vendor/"):] for n in names if n.startswith("app/static/vendor/")}
        for pat in VENDOR:
            folder, _, glob = pat.rpartition("/")
            hits = sorted((ROOT / "node_modules" / folder).glob(glob))
            assert hits, pat
            for h in hits:
                rel = h.relative_to(ROOT / "node_modules").as_posix()
                assert z.read(f"app/static/vendor/{rel}") == h.read_bytes(), rel
        # independent of the manifest: every file a shipped stylesheet refers to is shipped
        for css in [n for n in vendor if n.endswith(".css")]:
            text = z.read(f"app/static/vendor/{css}").decode()
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
                if ref.startswith(("data:", "#", "http")):
                    continue
                target = os.path.normpath(os.path.join(os.path.dirname(css), ref.split("?")[0].split("#")[0]))
                assert target in vendor, (css, ref)
        # each npm package whose files are shipped ships its licence
        packages = {re.match(r"(@[^/]+/[^/]+|[^/]+)", n).group(1) for n in vendor}  # type: ignore[union-attr]
        for p in packages:
            assert any(n.startswith(p + "/") and re.search(r"LICEN[CS]E", n) for n in vendor), p
        size = sum(z.getinfo(f"app/static/vendor/{n}").file_size for n in vendor)
        assert size < 8_000_000, size  # 4.9 MB when written
        assert all(z.getinfo(f"app/static/vendor/{n}").file_size < 2_000_000 for n in vendor)
        assert "app/templates/home.html.j2" in names


def _wait_health(base: str, proc: subprocess.Popen[str], timeout: float = 90) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "exited"
        try:
            r = httpx.get(f"{base}/api/v1/health", timeout=5)
            if r.status_code == 200:
                return dict(r.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the installed service did not answer /api/v1/health")


def test_installed_wheel_serves_demo_maps_and_docs_offline(venv, tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = _env(HOTSPOTS_DATA_DIR=str(elsewhere / "data"), HOTSPOTS_AUTH="off", HOTSPOTS_TILE_URL="none")
    proc = subprocess.Popen(
        [str(venv / "bin" / "hotspots"), "demo", "--port", str(port)],
        cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    browser = None
    try:
        health = _wait_health(base, proc)
        assert health["datazones"] == 239 and health["wards"] == 9 and int(health["incidents"]) > 1000  # type: ignore[call-overload]
        # the installed code, not the source tree, answers
        where = subprocess.run([str(venv / "bin" / "python"), "-c", "import app, geo.boundaries as b; "
                                "print(app.__file__); print(b.packaged_boundaries_dir())"],
                               cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert str(ROOT) not in where and str(venv) in where, where
        page = httpx.get(f"{base}/api/v1/maps/tasking/west", timeout=120)
        assert page.status_code == 200, page.text[:500]
        docs = httpx.get(f"{base}/docs", timeout=30)
        assert docs.status_code == 200
        for html in (page.text, docs.text):
            local = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
            assert local
            for u in local:
                assert httpx.get(base + u, timeout=30).status_code == 200, u
        browser = Browser(tmp_path / "profile")
        for url, ready in (
            (f"{base}/api/v1/maps/tasking/west", "document.querySelectorAll('.leaflet-wards-pane path').length"),
            (f"{base}/docs", "document.querySelectorAll('.opblock').length > 10"),
            (f"{base}/", "document.querySelectorAll('a.map-link').length"),
        ):
            s = browser.page()
            browser.send("Page.navigate", {"url": url}, session=s)
            browser.wait_js(s, ready, timeout=90)
        reqs = browser.requests()
        assert any(u.startswith(f"{base}/static/vendor/leaflet/") for u in reqs)
        assert any("swagger-ui-bundle.js" in u for u in reqs)
        outside = [u for u in reqs if not u.startswith((base + "/", "data:", "blob:", "about:"))]
        assert not outside, outside
        assert not browser.failures(), browser.failures()
    finally:
        if browser is not None:
            browser.close()
        os.killpg(proc.pid, signal.SIGTERM)  # the server this test started, and only it
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _source_copy(dest: Path, *, node_modules: bool) -> Path:
    """The project's files (tracked and new, not ignored) copied to ``dest/wl``."""
    r = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True)
    root = dest / "wl"
    for rel in r.stdout.splitlines():
        src = ROOT / rel
        if src.is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / rel)
    if node_modules:
        (root / "node_modules").symlink_to(ROOT / "node_modules")
    return root


def test_fresh_clone_with_nothing_beside_it_runs_the_demo(tmp_path) -> None:
    clone = _source_copy(tmp_path, node_modules=False)
    assert not (clone.parent / "shared").exists()
    env = _env(PYTHONPATH=str(clone), HOTSPOTS_AUTH="off")  # the copy's app/ and geo/, not this checkout's
    cmd = [str(PY), "-c", "from app.cli import main; main()"]
    r = subprocess.run([*cmd, "boundaries", "check"], cwd=clone, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert f"boundaries in {clone / 'data' / 'boundaries'} (shipped with the package" in r.stdout
    assert "data zones: 239, population 181,310" in r.stdout
    r = subprocess.run([*cmd, "demo", "--no-serve"], cwd=clone, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert r.returncode == 0 and "SYNTHETIC" in r.stdout and "0 rejected" in r.stdout, r.stdout + r.stderr


def test_readme_command_1_needs_nothing_beside_the_clone() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## On a fresh machine", 1)[1].split("```", 2)[1]
    cmd1 = next(line for line in block.splitlines()[1:] if line.strip() and not line.startswith("#"))
    assert "../shared" not in cmd1 and "HOTSPOTS_BOUNDARIES_DIR" not in cmd1, cmd1
    assert "hotspots demo" in cmd1


def test_build_without_node_modules_stops_naming_npm_ci(tmp_path) -> None:
    src = _source_copy(tmp_path, node_modules=False)
    r = subprocess.run(
        [str(PY), "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "out"), str(src)],
        capture_output=True, text=True, timeout=300, check=False, env=_env(),
    )  # fmt: skip
    assert r.returncode != 0
    assert "npm ci --ignore-scripts" in r.stdout + r.stderr
    assert not list((tmp_path / "out").glob("*.whl")) if (tmp_path / "out").exists() else True
