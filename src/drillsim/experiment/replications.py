"""A run of a scenario: its replications, all at once or in batches until the hit rates are precise enough.

Replication r is the same whatever the batches (drillsim.experiment.runner),
so a run with `precision=` equals a plain run of as many replications.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from typing import Any

from drillsim.experiment.distributed import resolve
from drillsim.experiment.per_replication import precision_report
from drillsim.experiment.runner import KEEP, Keep, Progress, replicate, summarise
from drillsim.model import Replication
from drillsim.results import Results, Tally
from drillsim.scenario import Scenario

DEFAULT_MAX_REPLICATIONS = 1000
"""Where a run with `precision=` stops unless told (`--max-replications`); the hard cap is drillsim.limits'."""


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None, jobs: int = 1,
        load: float = 1.0, precision: float | None = None, max_replications: int = DEFAULT_MAX_REPLICATIONS,
        progress: Progress | None = None, label: str | None = None, executor: Executor | None = None,
        client: Any = None, keep: Keep = "all") -> Results:
    """Run a scenario's replications (its own count and seed unless given).

    `keep="summary"` keeps per-replication tallies instead of every record:
    the same rule and actor figures (and summary()) in memory that does not
    grow with the horizon, without the frames, plots and bottleneck that need
    every record.

    `executor` (any concurrent.futures one) or a dask `client` runs the
    replications there instead of in `jobs` local processes, with the same result.

    With `precision=H`, replications run in batches (the first of
    `replications`) until every rule's hit rate has a 95 % half-width of at
    most H, or `max_replications` is reached; `Results.precision` says which
    (and, when the cap stopped it, `estimated_replications`: about how many
    would reach H).
    Replication r is the same whatever the batches, so the result equals a
    plain run of as many replications.
    """
    if keep not in KEEP:
        raise ValueError(f"keep={keep!r}: one of {', '.join(KEEP)}")
    count = replications if replications is not None else scenario.replications
    seed = seed if seed is not None else scenario.seed
    jobs, executor = resolve(jobs, executor, client)

    reps: list[Replication] = []
    tallies: list[Tally] | None = None if keep == "all" else []

    def more(indices: range) -> Results:
        """Run these replications too: the Results of every replication so far."""
        if tallies is None:
            reps.extend(replicate(scenario, indices, seed, jobs=jobs, load=load, progress=progress,
                                  executor=executor))
        else:
            finished, summed = summarise(scenario, indices, seed, jobs=jobs, load=load, progress=progress,
                                         executor=executor)
            reps.extend(finished)
            tallies.extend(summed)
        return Results(scenario, seed, list(reps), load=load, label=label,
                       tallies=None if tallies is None else list(tallies))

    if precision is None:
        return more(range(count))
    if not 0 < precision < 0.5:
        raise ValueError(f"precision={precision}: a half-width between 0 and 0.5, e.g. 0.02 for ±2 %")
    done = 0
    total = min(max(count, 2), max_replications)
    while True:
        so_far = more(range(done, total))
        done = total
        report = precision_report(so_far, precision, max_replications)
        widest = report["widest"]
        if report["reached"] or widest is None or done >= max_replications:
            if not report["reached"] and widest is not None:
                report["estimated_replications"] = estimated_replications(done, widest["half_width"], precision)
            so_far.precision = report
            return so_far
        total = min(max_replications, _next_total(done, widest["half_width"], precision))


def estimated_replications(done: int, widest: float, target: float) -> int:
    """About how many replications would bring a half-width of `widest` after `done` down to `target`.

    An estimate: half-widths shrink as 1/sqrt(n) when the replications are alike.
    """
    return max(done + 1, math.ceil(done * (widest / target) ** 2))


def _next_total(done: int, widest: float, target: float) -> int:
    """Half-widths shrink as 1/sqrt(n): aim there, growing by at least a tenth and at most fourfold."""
    aim = math.ceil(done * (widest / target) ** 2)
    return min(4 * done, max(aim, done + math.ceil(done / 10)))
