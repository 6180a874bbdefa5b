"""geo is a library: importing it never pulls in the web layer."""

import subprocess
import sys


def test_geo_never_imports_app_fastapi_or_pydantic() -> None:
    code = (
        "import sys, pkgutil, importlib, geo\n"
        "for m in pkgutil.iter_modules(geo.__path__):\n"
        "    importlib.import_module('geo.' + m.name)\n"
        "bad = [m for m in ('fastapi', 'pydantic', 'app', 'starlette') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
