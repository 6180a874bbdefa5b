"""The notebooks run top to bottom (so they cannot rot)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import BOUNDARIES

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOTSPOTS_BOUNDARIES_DIR", str(BOUNDARIES))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("SYNTHETIC" in str(o) for o in outputs)


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS
    assert os.path.basename(NOTEBOOKS[0]) == "01_ward_statistics.ipynb"
