"""The layout stays readable: module and function sizes, and who may import whom.

Limits (issue 10): no module in ``app/`` or ``geo/`` over 500 lines, no function over 80
lines, no route module over 250 lines; no route module imports another; ``geo`` never
imports ``app`` (see also ``test_layering.py``). Data tables are exempt by name below.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE, MAX_ROUTE_MODULE, MAX_FUNCTION = 500, 250, 80
EXEMPT_MODULES: set[str] = set()  # data tables only, e.g. a category lookup


def _modules() -> list[Path]:
    out = []
    for pkg in ("app", "geo"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            if "migrations" not in p.relative_to(ROOT).parts:
                out.append(p)
    return out


def _imports(tree: ast.AST, module: str) -> set[str]:
    names: set[str] = set()
    pkg = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def test_modules_and_functions_are_small() -> None:
    problems = []
    for p in _modules():
        rel = p.relative_to(ROOT).as_posix()
        if rel in EXEMPT_MODULES:
            continue
        src = p.read_text(encoding="utf-8")
        n = len(src.splitlines())
        limit = MAX_ROUTE_MODULE if rel.startswith("app/routes/") else MAX_MODULE
        if n > limit:
            problems.append(f"{rel}: {n} lines (limit {limit})")
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION:
                    problems.append(f"{rel}:{node.lineno} {node.name}() is {length} lines (limit {MAX_FUNCTION})")
    assert not problems, "\n".join(problems)


def test_route_modules_do_not_import_each_other_and_geo_not_app() -> None:
    problems = []
    for p in _modules():
        rel = p.relative_to(ROOT).with_suffix("")
        module = ".".join(rel.parts)
        imported = _imports(ast.parse(p.read_text(encoding="utf-8")), module)
        if module.startswith("app.routes.") and module != "app.routes.__init__":
            others = {i for i in imported if i.startswith("app.routes.") and not i.startswith(module)}
            others = {i for i in others if i.count(".") == 2 or i.rsplit(".", 1)[0] != "app.routes"}
            bad = sorted(i for i in others if i.split(".")[2] != rel.parts[2])
            if bad:
                problems.append(f"{module} imports {bad}")
        if module.startswith("geo.") and any(i == "app" or i.startswith(("app.", "fastapi", "starlette")) for i in imported):
            problems.append(f"{module} imports the web layer")
    assert not problems, "\n".join(problems)


def test_the_checker_sees_a_long_function(tmp_path: Path) -> None:
    src = "def f():\n" + "    x = 1\n" * 90
    lengths = [
        (n.end_lineno or 0) - n.lineno + 1 for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef)
    ]
    assert lengths == [91]
