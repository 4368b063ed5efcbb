"""Plans and scenarios: the input side of drillsim, validated once into immutable objects.

The loader (and with it PyYAML) is imported on first use, so that the model,
which imports `drillsim.scenario.schema`, never pulls in an I/O library.
Importing this package gives `Scenario.replace` its variants (the schema
cannot import them: they are validated by the loader, which builds Scenarios).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drillsim.scenario import variants
from drillsim.scenario.errors import DrillsimError, Problem, ScenarioError
from drillsim.scenario.schema import Scenario

Scenario.make_variant = variants.replace

if TYPE_CHECKING:
    from drillsim.scenario.loader import BUILTIN_PLAN, builtin_plans, load, loads

_LOADER = {"BUILTIN_PLAN", "builtin_plans", "load", "loads"}


def __getattr__(name: str) -> Any:
    if name in _LOADER:
        from drillsim.scenario import loader
        return getattr(loader, name)
    raise AttributeError(f"module 'drillsim.scenario' has no attribute {name!r}")


__all__ = ["BUILTIN_PLAN", "DrillsimError", "Problem", "Scenario", "ScenarioError", "builtin_plans", "load",
           "loads"]
