"""Paired comparison of two staffing options on the same incidents.

Both options run with the same seed, so replication r of each sees the same
incidents (common random numbers). The difference b - a of every hit rate
and mean wait is then estimated from per-replication differences, in which
the luck of the draw (a busy night, a cluster of level-II incidents) cancels:
the paired interval is much narrower than comparing two independent runs.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from drillsim.errors import DrillsimError
from drillsim.experiment.per_replication import replication_ids, rule_counts, wait_totals
from drillsim.experiment.replications import run
from drillsim.experiment.runner import Progress
from drillsim.i18n import _
from drillsim.model.pairing import differences
from drillsim.results import Results
from drillsim.results.metrics import ALL_LEVELS
from drillsim.results.stats import ratio_difference
from drillsim.scenario import Scenario
from drillsim.scenario.names import scenario_name

log = logging.getLogger(__name__)

COLUMNS = ["kind", "name", "level", "a", "b", "difference", "low", "high", "unpaired_low", "unpaired_high",
           "distinguishable"]


@dataclass(frozen=True)
class Comparison:
    """The paired differences b - a, one row per hit rate (rule and level) and per mean wait (actor)."""

    a: Results
    b: Results

    @cached_property
    def frame(self) -> pd.DataFrame:
        """kind (`hit rate` / `mean wait`), name, level, a, b, difference with its paired 95 % interval,
        the unpaired interval of the same data, and whether the difference is distinguishable from zero."""
        return pd.DataFrame(_hit_rates(self.a, self.b) + _waits(self.a, self.b), columns=COLUMNS)

    @cached_property
    def differences(self) -> tuple[str, ...]:
        """What makes the two draw different incidents (drillsim.model.pairing); empty: paired on the same ones."""
        return tuple(differences(self.a.scenario, self.b.scenario, seeds=(self.a.seed, self.b.seed),
                                 loads=(self.a.load, self.b.load)))

    def heading(self, a: str, b: str) -> list[str]:
        """Which two were compared (their files `a` and `b`), on how many replications, and how paired."""
        paired = _("B - A on the same incidents, 95% paired intervals") if not self.differences else _(
            "B - A on DIFFERENT incidents ({differences}): not paired on the same incidents, 95% unpaired "
            "intervals").format(differences=_("; ").join(self.differences))
        return [_("A: {path} ({label})").format(path=a, label=scenario_name(self.a.scenario, self.a.label)),
                _("B: {path} ({label})").format(path=b, label=scenario_name(self.b.scenario, self.b.label)),
                _("{replications} replications, seed {seed}: {paired}").format(
                    replications=len(self.a.replications), seed=self.a.seed, paired=paired)]

    def columns(self, kind: str) -> tuple[str, ...]:
        """The headings of `rows(kind)`."""
        return (_("hit rate") if kind == "hit rate" else _("mean wait"), "A", "B", "B - A", _("95% interval"),
                _("distinguishable"))

    def rows(self, kind: str) -> list[tuple[str, str, str, str, str, str]]:
        """Over all levels, per rule (`hit rate`) or actor (`mean wait`): its name, A, B, B - A, the 95 % interval
        (paired, unless the two draw different incidents) and whether B - A is told apart from zero."""
        from drillsim.scenario.names import title_of
        from drillsim.scenario.units import format_duration

        def dur(value: float, sign: bool = False) -> str:
            if value is None or math.isnan(value):
                return "-"
            return ("+" if sign and value > 0 else "") + format_duration(value)

        def pct(value: float, sign: bool = False) -> str:
            return "-" if value is None or math.isnan(value) else f"{value:+.1%}" if sign else f"{value:.1%}"

        fmt_value = pct if kind == "hit rate" else dur
        frame = self.frame
        out = []
        for row in frame[(frame["kind"] == kind) & (frame["level"] == ALL_LEVELS)].itertuples(index=False):
            name = row.name if kind == "hit rate" else title_of(self.a.scenario.actors[row.name])
            low, high = (row.unpaired_low, row.unpaired_high) if self.differences else (row.low, row.high)
            interval = _("{low} to {high}").format(low=fmt_value(low, True), high=fmt_value(high, True))
            told = (low > 0 or high < 0) if self.differences else row.distinguishable
            out.append((str(name), fmt_value(row.a), fmt_value(row.b), fmt_value(row.difference, True), interval,
                        _("yes") if told else _("no")))
        return out

    def summary(self) -> dict[str, Any]:
        """Plain data for JSON: who was compared, on what, and every row."""
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in self.frame.to_dict("records")]
        return {"a": self.a.label, "b": self.b.label, "seed": self.a.seed, "replications": len(self.a.replications),
                "load": [self.a.load, self.b.load], "rows": rows}


def compare(a: Scenario | Results, b: Scenario | Results, *, replications: int | None = None,
            seed: int | None = None, jobs: int = 1, load: float = 1.0,
            progress: Progress | None = None) -> Comparison:
    """Compare two options: scenarios are run with one seed (a's unless given); results must share theirs.

    Two options that draw different incidents (another horizon, other
    sources or injects: drillsim.model.pairing) are still compared, since
    replications stay independent pairs and the intervals stay valid; but
    they are not paired on the same incidents, so what differs is logged as
    a warning, and `drillsim compare` says so and shows the unpaired
    intervals. Refusing them would forbid a fair question (an exam day
    against an ordinary week); calling them paired would claim what is not true.
    """
    if isinstance(a, Scenario):
        a = run(a, replications=replications, seed=seed, jobs=jobs, load=load, progress=progress)
    if isinstance(b, Scenario):
        b = run(b, replications=len(a.replications), seed=a.seed, jobs=jobs, load=load, progress=progress)
    if a.seed != b.seed or replication_ids(a) != replication_ids(b):
        raise DrillsimError(_("a paired comparison needs the same seed and replications: {a} and {b} differ").format(
            a=repr(a), b=repr(b)))
    differ = differences(a.scenario, b.scenario, seeds=(a.seed, b.seed), loads=(a.load, b.load))
    if differ:
        log.warning(_("{a} and {b} draw different incidents ({differences}): the comparison is not paired on the same "
                      "incidents").format(a=scenario_name(a.scenario, a.label), b=scenario_name(b.scenario, b.label),
                                         differences=_("; ").join(differ)))
    return Comparison(a, b)


def _row(kind: str, name: str, level: str, num_a: Any, den_a: Any, num_b: Any, den_b: Any) -> dict[str, Any]:
    estimate, low, high = ratio_difference(num_a, den_a, num_b, den_b)
    _, unpaired_low, unpaired_high = ratio_difference(num_a, den_a, num_b, den_b, paired=False)
    return {"kind": kind, "name": name, "level": level,
            "a": num_a.sum() / den_a.sum() if den_a.sum() else math.nan,
            "b": num_b.sum() / den_b.sum() if den_b.sum() else math.nan,
            "difference": estimate, "low": low, "high": high, "unpaired_low": unpaired_low,
            "unpaired_high": unpaired_high, "distinguishable": bool(low > 0 or high < 0)}


def _hit_rates(a: Results, b: Results) -> list[dict[str, Any]]:
    rows = []
    overall = [rule_counts(a).assign(level=ALL_LEVELS), rule_counts(b).assign(level=ALL_LEVELS)]
    by_level = [rule_counts(a, by_level=True), rule_counts(b, by_level=True)]
    order = {level: i for i, level in enumerate((ALL_LEVELS, *a.scenario.level_order))}
    keys = pd.concat([frame[["rule", "level"]] for frame in (*overall, *by_level)]).drop_duplicates()
    keys = keys.assign(_rule=keys["rule"].map({r: i for i, r in enumerate(a.scenario.deadlines)}),
                       _level=keys["level"].map(order)).sort_values(["_rule", "_level"])
    ids = replication_ids(a)
    for rule, level in keys[["rule", "level"]].itertuples(index=False):
        pair = [_per_replication(frames[0] if level == ALL_LEVELS else frames[1], ids, rule, level)
                for frames in zip(overall, by_level, strict=True)]
        rows.append(_row("hit rate", rule, level, pair[0]["met"], pair[0]["decided"],
                         pair[1]["met"], pair[1]["decided"]))
    return rows


def _per_replication(counts: pd.DataFrame, ids: list[int], rule: str, level: str) -> pd.DataFrame:
    """One row per replication (zero where the rule never applied at that level)."""
    part = counts[(counts["rule"] == rule) & (counts["level"] == level)].set_index("replication")
    return part[["met", "decided"]].reindex(ids, fill_value=0)


def _waits(a: Results, b: Results) -> list[dict[str, Any]]:
    rows = []
    totals = [wait_totals(a), wait_totals(b)]
    for actor in totals[0]["actor"].unique():
        pair = [t[t["actor"] == actor] for t in totals]
        rows.append(_row("mean wait", actor, ALL_LEVELS, pair[0]["wait"].to_numpy(), pair[0]["tasks"].to_numpy(),
                         pair[1]["wait"].to_numpy(), pair[1]["tasks"].to_numpy()))
    return rows
