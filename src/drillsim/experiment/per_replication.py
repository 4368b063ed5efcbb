"""Numbers per replication, and the hit rates and precision computed from them.

The replication is the independent unit of a run: incidents of one
replication share queues. Comparisons, sweeps and `precision=` therefore
work from per-replication counts (hits and decided verdicts per rule, waits
and tasks per actor) with the intervals of drillsim.results.stats. The
functions an analyst checks a figure with by hand (`drillsim.replication_counts`,
`hit_rate_interval`, `pooled_interval`, `precision_sentence`, `running_mean`)
are these very ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from drillsim.errors import DrillsimError
from drillsim.i18n import _
from drillsim.results import Results
from drillsim.results.metrics import ALL_LEVELS
from drillsim.results.stats import clustered_wilson, wilson
from drillsim.scenario.schema import unknown_name
from drillsim.scenario.units import HOUR, parse_duration


def replication_ids(results: Results) -> list[int]:
    return [rep.replication for rep in results.replications]


def verdict_counts(results: Results) -> pd.DataFrame:
    """Verdicts per (replication, rule, level, status): from the records, or from a summary-only run's tallies."""
    columns = ["replication", "rule", "level", "status"]
    rows = [(*key, count) for key, count in results.rule_aggregate.counts.items()]
    return pd.DataFrame(rows, columns=[*columns, "count"]).sort_values(columns, ignore_index=True)


def rule_counts(results: Results, *, by_level: bool = False) -> pd.DataFrame:
    """Per replication and rule (and level): verdicts met, decided (met or missed), pending.

    Every replication has a row for every rule, zero where the rule applied
    to nothing, because an empty replication still counts as a replication.
    """
    verdicts = verdict_counts(results)
    rules = list(results.scenario.deadlines)
    keys = ["rule", "level"] if by_level else ["rule"]
    status, count = verdicts["status"], verdicts["count"]
    counts = (verdicts.assign(met=count.where(status == "met", 0), decided=count.where(status != "pending", 0),
                              pending=count.where(status == "pending", 0))
              .groupby(["replication", *keys])[["met", "decided", "pending"]].sum())
    if by_level:
        pairs = verdicts[["rule", "level"]].drop_duplicates().sort_values(["rule", "level"])
        index = pd.MultiIndex.from_tuples([(r, *pair) for r in replication_ids(results)
                                           for pair in pairs.itertuples(index=False)],
                                          names=["replication", *keys])
    else:
        index = pd.MultiIndex.from_product([replication_ids(results), rules], names=["replication", "rule"])
    return counts.reindex(index, fill_value=0).astype(int).reset_index()


def replication_counts(results: Results, *, by_level: bool = False) -> pd.DataFrame:
    """Per replication and rule (and level, with `by_level`): verdicts met, decided (met or missed) and pending,
    the counts every hit-rate interval is computed from; a replication where a rule applied to nothing has zeros."""
    return rule_counts(results, by_level=by_level)


def hit_rate_interval(met: Sequence[float], decided: Sequence[float]) -> tuple[float, float]:
    """The 95 % interval drillsim gives a hit rate from per-replication counts: Wilson on the effective number
    of incidents, the replication as the independent unit (see the README's statistics notes)."""
    return clustered_wilson(met, decided)


def pooled_interval(met: int, decided: int) -> tuple[float, float]:
    """The plain Wilson interval that treats every incident as independent: too narrow when incidents share
    queues; for comparison only."""
    return wilson(met, decided)


_WAITED_FOR = ("pool", "per_grid", "team", "working_group")
"""The kinds of actor a task waits for: unlimited actors and superiors take every task at once."""


def wait_totals(results: Results) -> pd.DataFrame:
    """Per replication and actor a task can wait for (a role, a team, a working group): total wait (seconds) and
    tasks started, for mean waits.

    Only incidents counted (after the warm-up), from the records or the tallies alike (Results.wait_totals). A
    team's wait is for its people (the party secretary a command post waits for), so it is compared too.
    """
    actors = [a for a, actor in results.scenario.actors.items() if actor.kind in _WAITED_FOR]
    totals = results.wait_totals.set_index(["replication", "actor"])[["wait", "tasks"]]
    index = pd.MultiIndex.from_product([replication_ids(results), actors], names=["replication", "actor"])
    return totals.reindex(index, fill_value=0).reset_index()


def rule_intervals(results: Results) -> pd.DataFrame:
    """Per rule over all levels: counts, hit rate and its replication-aware Wilson interval."""
    rows = []
    counts = rule_counts(results)
    for rule, part in counts.groupby("rule", sort=False):
        met, decided = part["met"].to_numpy(), part["decided"].to_numpy()
        low, high = clustered_wilson(met, decided)
        total = int(decided.sum())
        rows.append({"rule": rule, "level": ALL_LEVELS, "applicable": total, "met": int(met.sum()),
                     "missed": total - int(met.sum()), "pending": int(part["pending"].sum()),
                     "rate": met.sum() / total if total else math.nan, "low": low, "high": high})
    return pd.DataFrame(rows)


def precision_report(results: Results, target: float, cap: int) -> dict[str, Any]:
    """Whether every rule's hit rate is known to within `target` (95 % half-width), and the widest."""
    table = rule_intervals(results)
    table = table[table["rate"].notna()]
    half = (table["high"] - table["low"]) / 2
    widest = None if table.empty else table.loc[half.idxmax()]
    return {
        "half_width": target,
        "reached": bool(half.le(target).all()),
        "replications": len(results.replications),
        "max_replications": cap,
        "interval": "Wilson with replications as the unit (Korn-Graubard effective size)",
        "widest": None if widest is None else {"rule": str(widest["rule"]),
                                               "half_width": float(half.max())},
        "half_widths": {str(rule): float(h) for rule, h in zip(table["rule"], half, strict=True)},
    }


def precision_sentence(report: Mapping[str, Any]) -> str:
    """`Results.precision` in the words of `drillsim run --precision`'s first line."""
    n, target = report["replications"], f"{report['half_width']:.1%}"
    widest = report["widest"]
    if widest is None:
        return _("Precision ±{target}: no deadline applied to any incident in {count} replications.").format(
            target=target, count=n)
    if report["reached"]:
        return _("Precision ±{target} reached after {count} replications: every rule's 95 % half-width is at most "
                 "{widest} (widest {rule}).").format(target=target, count=n, widest=f"{widest['half_width']:.1%}",
                                                     rule=widest["rule"])
    return _("Precision ±{target} NOT reached: stopped at the cap of {cap} replications with {rule} still at "
             "±{widest}.").format(target=target, cap=report["max_replications"], rule=widest["rule"],
                                  widest=f"{widest['half_width']:.1%}")


def running_mean(results: Results, *, rule: str | None = None, actor: str | None = None,
                 every: int | str = HOUR, window: int = 3) -> pd.DataFrame:
    """A measure by time since the start, pooled over replications, to choose a warm-up (Welch's method).

    The measure is a rule's hit rate (verdicts by when their clock started)
    or an actor's mean wait (tasks by when they were queued), from every
    record, warm-up included. Per bin of `every`: the observations, their
    pooled mean over every replication (`mean`), Welch's moving average over
    2 x `window` + 1 bins (fewer near the start, as Welch shrinks it there)
    and the cumulative mean from the start (`cumulative`). The warm-up to
    choose is where `moving` stops drifting; `attrs` hold the measure's name,
    its unit and the scenario's warm-up.
    """
    if (rule is None) == (actor is None):
        raise DrillsimError("running_mean: give one measure, rule=... (a hit rate) or actor=... (a mean wait)")
    if isinstance(every, str):
        every = parse_duration(every)
    if every < 1 or window < 0:
        raise DrillsimError(f"running_mean: every={every} s and window={window}: expected a bin of at least 1s and "
                            "a window of 0 bins or more")
    scenario = results.scenario
    if rule is not None:
        if rule not in scenario.deadlines:
            raise DrillsimError(f"running_mean: {unknown_name('deadline rule', rule, scenario.deadlines)}")
        verdicts = results.verdicts
        decided = verdicts[(verdicts["rule"] == rule) & verdicts["status"].isin(["met", "missed"])]
        times, values = decided["start"], (decided["status"] == "met").astype(float)
        measure, unit = f"hit rate of {rule}", "rate"
    else:
        if actor not in scenario.actors:
            raise DrillsimError(f"running_mean: {unknown_name('actor', str(actor), scenario.actors)}")
        steps = results.steps
        started = steps[(steps["actor"] == actor) & steps["started"].notna()]
        times, values = started["queued"], (started["started"] - started["queued"]).astype(float)
        measure, unit = f"mean wait for {actor}", "seconds"
    bins = max(1, math.ceil(scenario.horizon / every))
    which = (times.astype("int64") // every).clip(upper=bins - 1).to_numpy()
    totals = np.bincount(which, weights=values.to_numpy(float), minlength=bins)
    counts = np.bincount(which, minlength=bins).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        moving = np.array([totals[i - w:i + w + 1].sum() / counts[i - w:i + w + 1].sum()
                           for i, w in ((i, min(i, window)) for i in range(bins))])
        frame = pd.DataFrame({"time": np.arange(bins) * every, "observations": counts.astype(int),
                              "mean": totals / counts, "moving": moving,
                              "cumulative": np.cumsum(totals) / np.cumsum(counts)})
    frame.attrs.update({"measure": measure, "unit": unit, "warm_up": scenario.warm_up, "every": every})
    return frame
