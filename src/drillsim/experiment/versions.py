"""Installed versions of the packages that decide a run's numbers, for provenance and cluster checks."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from importlib import metadata

PACKAGES = ("drillsim", "simpy", "numpy", "pandas", "scipy", "matplotlib", "pydantic")
"""What shapes a run's numbers and pictures, as its provenance records them."""


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Each package's installed version, or "not installed"."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a run's numbers."""
    return {"python": platform.python_version(), **package_versions(PACKAGES)}
