"""The trend from drill to drill: how each step's time and each deadline's verdicts moved, and whether the last
drill is what the model expects.

The drills are taken in the order of their dates. Each step's time in a drill
is the median of the spans the log timed (`exercise.observed`: exact and
to-the-minute spans; a span only bounded above or below is counted apart and
left out of the median, a step skipped in the log too). Each deadline's
verdicts are the evaluation's (`exercise.evaluate`), so the trend and
`drillsim exercise evaluate` can never disagree. The last drill's time for
each deadline is placed among the simulated runs: between their 5th and 95th
percentile it is within what the model expects.
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drillsim.exercise.aar import TrendSection
from drillsim.exercise.drilllog import DrillLog, DrillLogError, Entry
from drillsim.exercise.evaluate import Evaluation, evaluate
from drillsim.exercise.observed import observations
from drillsim.exercise.played import DrillIncident
from drillsim.i18n import _
from drillsim.report.terminal import Table
from drillsim.scenario.errors import Problem
from drillsim.scenario.names import scenario_name, step_in_chinese, title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration

if TYPE_CHECKING:
    import pandas as pd

    from drillsim.results import Results

TIMED = ("exact", "within")
LOW, HIGH = 5.0, 95.0
"""The percentiles of the simulated runs between which a drill's time is within what the model expects."""


@dataclass(frozen=True)
class Drill:
    """One drill: its log's name, the day it was played, its rows and the incidents it played."""

    name: str
    date: datetime.date
    entries: Sequence[Entry]
    incidents: Sequence[DrillIncident]

    @classmethod
    def of(cls, log: DrillLog) -> Drill:
        """A log as a drill of the trend: it must say when it was played (FILE:1: date: ... otherwise)."""
        if log.date is None:
            raise DrillLogError([Problem(log.name, 1, ("date",), _(
                "the log does not say when the drill was played; add a line such as # date: 2026-12-03 above "
                "its header"))])
        return cls(log.name, log.date, log.entries, log.incidents)


@dataclass(frozen=True)
class Trend:
    """The drills in date order, each step's and deadline's measures per drill, and the last drill's places."""

    scenario: Scenario
    drills: tuple[Drill, ...]
    steps: pd.DataFrame
    """Per drill and step: spans timed, bounded above (`at_most`) or below (`at_least`), skipped; the median of
    the timed spans in seconds and its change from the last drill before that timed the step (NaN: none did)."""
    deadlines: pd.DataFrame
    """Per drill and deadline rule: met, missed, judged (met and missed), pending (not judged)."""
    expected: pd.DataFrame
    """Per finding of the last drill: the drill's time, its percentile among the simulated runs and its place
    (`within`, `faster`, `slower`; empty when the drill did not time it)."""

    def frame(self) -> pd.DataFrame:
        """All three as one tidy table, one row per drill and measure (`measure`: step, deadline or expected)."""
        import pandas as pd
        return pd.concat([self.steps.assign(measure="step").rename(columns={"step": "name"}),
                          self.deadlines.assign(measure="deadline").rename(columns={"rule": "name"}),
                          self.expected.assign(measure="expected").rename(columns={"rule": "name"})],
                         ignore_index=True).reindex(columns=COLUMNS).astype({name: "Int64" for name in COUNTS})

    def document(self) -> dict[str, object]:
        """The trend for JSON: the logs in date order and each frame's records, a missing number as null."""
        return {"logs": [d.name for d in self.drills],
                **{name: _records(frame) for name, frame in (("steps", self.steps), ("deadlines", self.deadlines),
                                                             ("expected", self.expected))}}


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # type: ignore[no-any-return]


COLUMNS = ["measure", "log", "date", "name", "incident", "change", "timed", "at_most", "at_least", "missing",
           "median", "moved", "met", "missed", "judged", "pending", "elapsed", "percentile", "place"]


COUNTS = ("change", "timed", "at_most", "at_least", "missing", "met", "missed", "judged", "pending", "elapsed")


def place(percentile: float | None) -> str | None:
    """Where a drill's time falls among the simulated runs' times."""
    if percentile is None or math.isnan(percentile):
        return None
    if percentile < LOW:
        return "faster"
    if percentile > HIGH:
        return "slower"
    return "within"


def trend(scenario: Scenario, drills: Sequence[Drill], results: Results) -> Trend:
    """The trend of `drills` (any order), each evaluated against the simulated runs of `results`."""
    import pandas as pd
    ordered = tuple(sorted(drills, key=lambda d: (d.date, d.name)))
    evaluations = [evaluate(scenario, list(d.incidents), list(d.entries), results, d.name) for d in ordered]
    steps = pd.DataFrame([row for d in ordered for row in _steps(scenario, d)],
                         columns=["log", "date", "step", "timed", "at_most", "at_least", "missing", "median"])
    steps["moved"] = steps.groupby("step", sort=False)["median"].transform(lambda s: s.dropna().diff())
    deadlines = pd.DataFrame([row for d, ev in zip(ordered, evaluations, strict=True) for row in _verdicts(d, ev)],
                             columns=["log", "date", "rule", "met", "missed", "judged", "pending"])
    last = [(ordered[-1], evaluations[-1])] if ordered else []
    expected = pd.DataFrame([{"log": d.name, "date": d.date, "incident": f.incident, "change": f.change, "rule": f.rule,
                              "elapsed": f.elapsed, "percentile": f.percentile, "place": place(f.percentile)}
                             for d, ev in last for f in ev.findings],
                            columns=["log", "date", "incident", "change", "rule", "elapsed", "percentile", "place"])
    expected["change"] = expected["change"].astype("Int64")
    return Trend(scenario, ordered, steps, deadlines, expected)


def _steps(scenario: Scenario, drill: Drill) -> list[dict[str, object]]:
    found = observations(scenario, drill.incidents, drill.entries, drill.name)
    rows = []
    for step in dict.fromkeys(node.id for node in scenario.flow):
        spans = [o for o in found if o.step == step]
        if not spans:
            continue
        timed = sorted(o.seconds for o in spans if o.kind in TIMED)
        rows.append({"log": drill.name, "date": drill.date, "step": step, "timed": len(timed),
                     "at_most": sum(o.kind == "at_most" for o in spans),
                     "at_least": sum(o.kind == "at_least" for o in spans),
                     "missing": sum(o.kind == "missing" for o in spans),
                     "median": _median(timed)})
    return rows


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def _verdicts(drill: Drill, ev: Evaluation) -> list[dict[str, object]]:
    rows = []
    for rule in dict.fromkeys(f.rule for f in ev.findings):
        statuses = [f.status for f in ev.findings if f.rule == rule]
        met, missed = statuses.count("met"), statuses.count("missed")
        rows.append({"log": drill.name, "date": drill.date, "rule": rule, "met": met, "missed": missed,
                     "judged": met + missed, "pending": len(statuses) - met - missed})
    return rows


# --- presentation -----------------------------------------------------------------


def step_title(scenario: Scenario, step: str) -> str:
    """A step as the plan names it in Chinese (its id where the plan gives no Chinese name); its id in English."""
    return step_in_chinese(scenario, step) or step


def _minutes(seconds: float) -> str:
    return "-" if math.isnan(seconds) else format_duration(round(seconds))


def _moved(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    return ("+" if seconds > 0 else "-" if seconds < 0 else "±") + format_duration(round(abs(seconds)))


def place_text(value: str | None) -> str:
    labels = {"within": _("within"), "faster": _("faster than expected"), "slower": _("slower than expected")}
    return labels[value] if value is not None else _("not timed")


def tables(found: Trend) -> list[Table]:
    """The trend's tables, as the terminal prints them and the after-action report writes them: each step's
    median per drill, each deadline's verdicts per drill, and the last drill against the model."""
    s = found.scenario
    dates = [d.date.isoformat() for d in found.drills]
    columns = ((_("step"), 0, "<"), *[(date, 0, ">") for date in dates], (_("last change"), 0, ">"),
               (_("timed/≤/≥/skipped"), 0, ">"))
    rows = []
    for step, group in found.steps.groupby("step", sort=False):
        by_date = dict(zip(group["date"], group["median"], strict=True))
        moved = group["moved"].dropna()
        counts = f"{group['timed'].sum()}/{group['at_most'].sum()}/{group['at_least'].sum()}/{group['missing'].sum()}"
        rows.append((step_title(s, str(step)), *[_minutes(by_date.get(d.date, math.nan)) for d in found.drills],
                     _moved(moved.iloc[-1]) if len(moved) else "-", counts))
    out = [Table(_("Median time of each step per drill (timed spans only):"), columns, tuple(rows))]
    columns = ((_("deadline rule"), 0, "<"), *[(date, 0, ">") for date in dates])
    rows = []
    for rule, group in found.deadlines.groupby("rule", sort=False):
        by_date = {date: f"{met}/{judged}" for date, met, judged in zip(group["date"], group["met"], group["judged"],
                                                                         strict=True)}
        rows.append((title_of(s.deadlines[str(rule)]), *[by_date.get(d.date, "-") for d in found.drills]))
    out.append(Table(_("Deadlines met of those judged, per drill:"), columns, tuple(rows)))
    if found.drills:
        last = found.drills[-1]
        columns = ((_("incident"), 0, "<"), (_("deadline rule"), 0, "<"), (_("drill"), 0, ">"),
                   (_("pctile"), 0, ">"), (_("place"), 0, "<"))
        rows = [(str(row.incident),
                 title_of(s.deadlines[str(row.rule)]) + ("" if _nan(row.change) else f" ({row.change})"),
                 _minutes(float(row.elapsed)) if not _nan(row.elapsed) else "-",
                 "-" if _nan(row.percentile) else f"p{row.percentile:.0f}",
                 place_text(None if _nan(row.place) else str(row.place)))
                for row in found.expected.itertuples(index=False)]
        out.append(Table(_("The last drill ({date}) against the model's simulated runs (within: between their 5th "
                           "and 95th percentile):").format(date=last.date.isoformat()), columns, tuple(rows)))
    return out


def heading(found: Trend) -> list[str]:
    """What the trend is of: the scenario, and the drills in date order."""
    return [_("Trend over {count} drills: {scenario}").format(count=len(found.drills),
                                                              scenario=scenario_name(found.scenario)),
            *[_("  {date}  {log}").format(date=d.date.isoformat(), log=d.name) for d in found.drills]]


def aar_section(found: Trend, figure: str | None = None) -> TrendSection:
    """The trend as the after-action report writes it, its plot in the file `figure` beside the report."""
    return TrendSection(tuple(heading(found)), tuple(tables(found)), figure)


def render_text(found: Trend) -> str:
    """The trend as plain text: a table per step, one per deadline, and the last drill against the model."""
    lines = [*heading(found), ""]
    for i, found_table in enumerate(tables(found)):
        lines += [*([""] if i else []), *found_table.lines()]
    return "\n".join(lines)


def _nan(value: object) -> bool:
    """None, NaN or pandas' NA (a change of a clock of the whole incident)."""
    import pandas as pd
    return value is None or bool(pd.isna(value))


__all__ = ["Drill", "Trend", "aar_section", "heading", "place", "render_text", "step_title", "tables", "trend"]
