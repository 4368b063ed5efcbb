"""Imports flow one way: the model never imports an I/O library (checked in a fresh interpreter), and the
import contracts of pyproject.toml hold (the layers, no circle; CI runs lint-imports too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

IO_LIBRARIES = ("pandas", "matplotlib", "click", "yaml")


def modules_after_import(module: str) -> set[str]:
    """The top-level modules loaded by importing `module` alone, in a fresh interpreter."""
    code = (f"import json, sys; import {module}; "
            "print(json.dumps(sorted({name.partition('.')[0] for name in sys.modules})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", ["drillsim.model", "drillsim.scenario", "drillsim.scenario.schema"])
def test_the_model_and_the_schema_import_no_io_library(module: str) -> None:
    loaded = modules_after_import(module)
    assert "drillsim" in loaded
    assert not loaded & set(IO_LIBRARIES), sorted(loaded & set(IO_LIBRARIES))


def test_the_check_can_fail_the_loader_does_import_yaml() -> None:
    assert "yaml" in modules_after_import("drillsim.scenario.loader")


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout
