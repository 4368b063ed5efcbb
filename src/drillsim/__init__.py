"""drillsim: a discrete-event drill simulator for emergency-reporting chains.

    >>> import drillsim
    >>> scenario = drillsim.load("scenarios/baseline-week.yaml")
    >>> results = drillsim.run(scenario, replications=20, seed=1)
    >>> results.rules()
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {"compare", "load", "run", "sweep", "Results", "Scenario", "ScenarioError"}


def __getattr__(name: str) -> Any:
    """Import the API lazily, so that `drillsim --help` does not pay for pandas and scipy."""
    if name in ("compare", "load", "run", "sweep"):
        from drillsim import api
        return getattr(api, name)
    if name == "Results":
        from drillsim.results import Results
        return Results
    if name in ("Scenario", "ScenarioError"):
        from drillsim import scenario
        return getattr(scenario, name)
    raise AttributeError(f"module 'drillsim' has no attribute {name!r}")


__all__ = sorted(_API)
