"""drillsim: a discrete-event drill simulator for emergency-reporting chains.

    >>> import drillsim
    >>> scenario = drillsim.load("scenarios/baseline-week.yaml")
    >>> results = drillsim.run(scenario, replications=20, seed=1)
    >>> results.rules()
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_FUNCTIONS = ("compare", "load", "run", "sweep", "cost", "replication_counts", "hit_rate_interval",
              "pooled_interval", "verdict", "precision_sentence", "running_mean", "n_minus_one", "readings",
              "search")
_API = {*_FUNCTIONS, "Results", "Scenario", "ScenarioError", "plots"}


def __getattr__(name: str) -> Any:
    """Import the API lazily, so that `drillsim --help` does not pay for pandas and scipy."""
    if name in _FUNCTIONS:
        from drillsim import api
        return getattr(api, name)
    if name == "plots":
        import importlib
        return importlib.import_module("drillsim.plots")
    if name == "Results":
        from drillsim.results import Results
        return Results
    if name in ("Scenario", "ScenarioError"):
        from drillsim import scenario
        return getattr(scenario, name)
    raise AttributeError(f"module 'drillsim' has no attribute {name!r}")


__all__ = sorted(_API)
