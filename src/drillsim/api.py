"""The Python API for notebooks and the CLI: load a scenario, run it, compare and sweep variants.

    >>> scenario = drillsim.load("scenarios/night-shift-one-grid-worker.yaml")
    >>> night = scenario.replace({"staffing.office.shifts[1].staff": 2})
    >>> drillsim.compare(scenario, night, replications=20).frame
    >>> drillsim.sweep(scenario, vary={"staffing.office.staff": [1, 2, 3], "load": [1, 2]}).frame
    >>> drillsim.search(scenario, {"staffing.office.staff": [1, 2, 3]}, ["continuation>=0.8"]).best
    >>> drillsim.n_minus_one(scenario, replications=20)  # the hit rates that fall without one person
    >>> drillsim.readings(scenario).frame  # each rule's hit rate under every reading of the plan

Beside them, what an analyst needs to check a figure by hand, each the very
function the CLI uses: `cost` (what a staffing costs), `replication_counts`
(verdicts per replication), `hit_rate_interval` and `pooled_interval` (the
two intervals of a hit rate), `verdict` (a rate against its target: met, not
met or undecided) and `precision_sentence`. Plots are in `drillsim.plots`.

Only names are here: each lives in the room that owns it (drillsim.experiment
for runs, comparisons and sweeps, drillsim.results.targets for verdicts,
drillsim.scenario for loading), so this module holds no logic of its own.
"""

from __future__ import annotations

from drillsim.experiment.comparison import compare
from drillsim.experiment.n_minus_one import n_minus_one
from drillsim.experiment.per_replication import (
    hit_rate_interval,
    pooled_interval,
    precision_sentence,
    replication_counts,
    running_mean,
)
from drillsim.experiment.plan_check import check
from drillsim.experiment.readings import readings
from drillsim.experiment.replications import DEFAULT_MAX_REPLICATIONS, estimated_replications, run
from drillsim.experiment.search import search
from drillsim.experiment.sweeps import cost, sweep
from drillsim.results.targets import verdict
from drillsim.scenario.loader import load

__all__ = ["DEFAULT_MAX_REPLICATIONS", "check", "compare", "cost", "estimated_replications", "hit_rate_interval",
           "load", "n_minus_one", "pooled_interval", "precision_sentence", "readings", "replication_counts", "run",
           "running_mean", "search", "sweep", "verdict"]
