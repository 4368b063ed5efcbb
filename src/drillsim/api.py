"""The Python API for notebooks and the CLI: load a scenario, run it, get Results."""

from __future__ import annotations

from pathlib import Path

from drillsim.results import Results
from drillsim.run import Progress, replicate
from drillsim.scenario import Scenario
from drillsim.scenario import load as _load


def load(path: str | Path) -> Scenario:
    """A validated, immutable scenario from a YAML file (raises ScenarioError on bad input)."""
    return _load(path)


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None, jobs: int = 1,
        load: float = 1.0, progress: Progress | None = None) -> Results:
    """Run a scenario's replications (its own count and seed unless given)."""
    count = replications if replications is not None else scenario.replications
    entropy = seed if seed is not None else scenario.seed
    reps = replicate(scenario, range(count), entropy, jobs=jobs, load=load, progress=progress)
    return Results(scenario, entropy, reps, load=load)
