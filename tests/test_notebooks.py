"""Every notebook in notebooks/ runs clean on a fresh kernel, as an analyst would run it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
from nbclient import NotebookClient

from tests.helpers import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_the_five_notebooks() -> None:
    assert [p.stem for p in NOTEBOOKS] == ["01-quick-start", "02-night-shift-staffing", "03-choosing-replications",
                                           "04-warm-up", "05-search"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_clean_on_a_fresh_kernel(path: Path) -> None:
    """The native kernel runs this interpreter (jupyter_client puts sys.executable for `python`), afresh per
    notebook; a first cell checks that it is the test's environment."""
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "commit notebooks without outputs"
    notebook.cells.insert(0, nbformat.v4.new_code_cell(f"import sys\nassert sys.prefix == {sys.prefix!r}"))
    client = NotebookClient(notebook, kernel_name=NATIVE_KERNEL_NAME, timeout=120, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    assert time.perf_counter() - started < 60
    images = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
              if "image/png" in output.get("data", {})]
    assert images, "each notebook shows its plots inline"
