"""The Python API for notebooks and the CLI: load a scenario, run it, compare and sweep variants.

    >>> scenario = drillsim.load("scenarios/night-shift-one-grid-worker.yaml")
    >>> night = scenario.replace({"staffing.office.shifts[1].staff": 2})
    >>> drillsim.compare(scenario, night, replications=20).frame
    >>> drillsim.sweep(scenario, vary={"staffing.office.staff": [1, 2, 3], "load": [1, 2]}).frame

Beside them, what an analyst needs to check a figure by hand, each the very
function the CLI uses: `cost` (what a staffing costs), `replication_counts`
(verdicts per replication), `hit_rate_interval` and `pooled_interval` (the
two intervals of a hit rate), `verdict` (a rate against its target: met, not
met or undecided) and `precision_sentence`. Plots are in `drillsim.plots`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillsim.distributed import resolve
from drillsim.figures import precision_report, rule_counts
from drillsim.figures import precision_sentence as _precision_sentence
from drillsim.model import Replication
from drillsim.results import Results, Tally
from drillsim.runner import KEEP, Keep, Progress, replicate, summarise
from drillsim.scenario import Scenario
from drillsim.scenario import load as _load

if TYPE_CHECKING:
    import pandas as pd

    from drillsim.comparison import Comparison
    from drillsim.sweeps import Point, SweepResult

MAX_REPLICATIONS = 1000


def load(path: str | Path) -> Scenario:
    """A validated, immutable scenario from a YAML file (raises ScenarioError on bad input)."""
    return _load(path)


def run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None, jobs: int = 1,
        load: float = 1.0, precision: float | None = None, max_replications: int = MAX_REPLICATIONS,
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
    entropy = seed if seed is not None else scenario.seed
    jobs, executor = resolve(jobs, executor, client)

    reps: list[Replication] = []
    tallies: list[Tally] | None = None if keep == "all" else []

    def more(indices: range) -> Results:
        """Run these replications too: the Results of every replication so far."""
        if tallies is None:
            reps.extend(replicate(scenario, indices, entropy, jobs=jobs, load=load, progress=progress,
                                  executor=executor))
        else:
            finished, summed = summarise(scenario, indices, entropy, jobs=jobs, load=load, progress=progress,
                                         executor=executor)
            reps.extend(finished)
            tallies.extend(summed)
        return Results(scenario, entropy, list(reps), load=load, label=label,
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


def compare(a: Scenario | Results, b: Scenario | Results, *, replications: int | None = None,
            seed: int | None = None, jobs: int = 1, load: float = 1.0,
            progress: Progress | None = None) -> Comparison:
    """Paired differences b - a of every hit rate and mean wait, on the same incidents (see drillsim.comparison)."""
    from drillsim.comparison import compare as _compare
    return _compare(a, b, replications=replications, seed=seed, jobs=jobs, load=load, progress=progress)


def sweep(scenario: Scenario, vary: Mapping[str, Sequence[Any]], *, replications: int | None = None,
          seed: int | None = None, jobs: int = 1, targets: Iterable[str] = (), out: str | Path | None = None,
          resume: bool = False, progress: Progress | None = None,
          on_point: Callable[[Point], None] | None = None, executor: Executor | None = None,
          client: Any = None) -> SweepResult:
    """Every combination of `vary` (dotted paths, and `load`) with common random numbers (see drillsim.sweeps)."""
    from drillsim.sweeps import sweep as _sweep
    return _sweep(scenario, vary, replications=replications, seed=seed, jobs=jobs, targets=targets,
                  out=Path(out) if out is not None else None, resume=resume, progress=progress, on_point=on_point,
                  executor=executor, client=client)


def cost(scenario: Scenario) -> tuple[float, str]:
    """What a scenario's staffing costs over its horizon, and in what: on-duty `staff-hours` from the schedules
    (shifts and absences), or `cost` from the scenario's `costs.staff_hour` weights, as `drillsim sweep` prices it."""
    from drillsim.sweeps import cost as _cost
    return _cost(scenario)


def replication_counts(results: Results, *, by_level: bool = False) -> pd.DataFrame:
    """Per replication and rule (and level, with `by_level`): verdicts met, decided (met or missed) and pending,
    the counts every hit-rate interval is computed from; a replication where a rule applied to nothing has zeros."""
    return rule_counts(results, by_level=by_level)


def hit_rate_interval(met: Sequence[float], decided: Sequence[float]) -> tuple[float, float]:
    """The 95 % interval drillsim gives a hit rate from per-replication counts: Wilson on the effective number
    of incidents, the replication as the independent unit (see the README's statistics notes)."""
    from drillsim.results.stats import clustered_wilson
    return clustered_wilson(met, decided)


def pooled_interval(met: int, decided: int) -> tuple[float, float]:
    """The plain Wilson interval that treats every incident as independent: too narrow when incidents share
    queues; for comparison only."""
    from drillsim.results.stats import wilson
    return wilson(met, decided)


def verdict(rate: float | None, low: float | None, high: float | None, target: float) -> str:
    """A hit rate against its target as `drillsim sweep` marks it: `met`, `not met`, or `undecided` (its `?`)
    when the 95 % interval contains the target and more replications would tell."""
    from drillsim.sweeps import Target, target_verdict
    return target_verdict({"rate": rate, "low": low, "high": high}, Target("rate", target))


def precision_sentence(report: Mapping[str, Any]) -> str:
    """`Results.precision` in the words of `drillsim run --precision`'s first line."""
    return _precision_sentence(dict(report))


def running_mean(results: Results, *, rule: str | None = None, actor: str | None = None,
                 every: int | str = "1h", window: int = 3) -> pd.DataFrame:
    """A rule's hit rate or an actor's mean wait by time since the start, pooled over replications, to choose
    a `warm_up` (Welch's method; see drillsim.figures.running_mean); draw it with drillsim.plots.running_mean."""
    from drillsim.figures import running_mean as _running_mean
    return _running_mean(results, rule=rule, actor=actor, every=every, window=window)
