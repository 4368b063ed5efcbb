"""Shared test helpers: paths, and running the CLI as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def drillsim(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `drillsim ARGS` in a fresh interpreter and capture what a user would see."""
    return subprocess.run([sys.executable, "-m", "drillsim.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, check=False)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
