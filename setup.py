"""Build hooks: the wheel carries the boundary files and the browser assets.

``pip install .`` (and ``pip wheel .`` / ``python -m build``) copies

- ``data/boundaries/*`` (the West Lothian boundary files, OGL, with PROVENANCE.md and
  README.md) into ``geo/data/boundaries/`` of the wheel, and
- the browser files listed in ``app/static/vendor_files.json`` (Leaflet and plugins for
  the maps, Swagger UI and ReDoc for ``/docs`` and ``/redoc``, each with its licence)
  from ``node_modules/`` into ``app/static/vendor/`` of the wheel.

``node_modules/`` comes from ``npm ci --ignore-scripts`` (the committed lockfile pins
every version and checksum); a non-editable build without it stops with that command. An
sdist carries the copied files itself, so a wheel builds from it without npm. An editable
install (``pip install -e .``) copies nothing: the service then reads ``data/boundaries/``
and ``node_modules/`` of the source tree.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
VENDOR_MANIFEST = HERE / "app" / "static" / "vendor_files.json"
BOUNDARIES = HERE / "data" / "boundaries"
AREAS = HERE / "data" / "areas"  # the other area packs' boundary files (data/areas/<name>/)
NODE_MODULES = HERE / "node_modules"
PREBUILT = HERE / "app" / "static" / "vendor"  # present in an sdist only
NPM_HINT = "run `npm ci --ignore-scripts --no-audit --no-fund` in the project folder first"


def vendor_files(base: Path) -> list[str]:
    """The manifest's files under ``base`` (globs expanded); SystemExit naming what lacks."""
    patterns = json.loads(VENDOR_MANIFEST.read_text(encoding="utf-8"))["files"]
    found: list[str] = []
    missing: list[str] = []
    for pat in patterns:
        folder, _, name = pat.rpartition("/")
        d = base / folder
        hits = sorted(p.name for p in d.iterdir() if fnmatch.fnmatch(p.name, name) and p.is_file()) if d.is_dir() else []
        if not hits:
            missing.append(pat)
        found += [f"{folder}/{h}" for h in hits]
    if missing:
        msg = (
            f"error: the browser assets are missing from {base} ({len(missing)} of {len(patterns)}, "
            f"e.g. {missing[0]}): {NPM_HINT}"
        )
        raise SystemExit(msg)
    return found


def vendor_source() -> Path:
    """Where the browser files come from: node_modules, or an sdist's prebuilt copy."""
    if NODE_MODULES.is_dir():
        return NODE_MODULES
    if PREBUILT.is_dir():
        return PREBUILT
    msg = f"error: cannot build the wheel: no {NODE_MODULES} (the maps' and /docs' JavaScript and CSS): {NPM_HINT}"
    raise SystemExit(msg)


def copy_assets(dest_root: Path) -> None:
    """Copy the boundary files and the browser files into ``dest_root`` (a package tree)."""
    if not (BOUNDARIES / "west_lothian_datazones_2011.geojson").is_file():
        msg = f"error: cannot build the wheel: the boundary files are missing from {BOUNDARIES}"
        raise SystemExit(msg)
    target = dest_root / "geo" / "data" / "boundaries"
    target.mkdir(parents=True, exist_ok=True)
    for f in sorted(BOUNDARIES.iterdir()):
        if f.is_file():
            shutil.copy2(f, target / f.name)
    for f in sorted(AREAS.glob("*/*")):  # next to each pack's area.json in geo/data/areas/<name>/
        if f.is_file():
            (dest_root / "geo" / "data" / "areas" / f.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest_root / "geo" / "data" / "areas" / f.parent.name / f.name)
    src = vendor_source()
    vendor = dest_root / "app" / "static" / "vendor"
    for rel in vendor_files(src):
        out = vendor / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel, out)


class BuildPy(build_py):
    """build_py that also puts the boundaries and the browser files into the wheel."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable: served from data/boundaries and node_modules of the tree
        copy_assets(Path(self.build_lib))


class Sdist(sdist):
    """sdist that carries the browser files, so its wheel builds without npm."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        src = vendor_source()
        vendor = Path(base_dir) / "app" / "static" / "vendor"
        for rel in vendor_files(src):
            (vendor / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, vendor / rel)


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
