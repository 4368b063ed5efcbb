"""The run's verdict as plain text for the terminal: deadlines, busiest actors, the bottleneck."""

from __future__ import annotations

import math
from typing import Any

from drillsim.results import Results
from drillsim.scenario.units import format_duration


def _dur(seconds: float) -> str:
    return "-" if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)) else format_duration(seconds)


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


STAGE_LABEL = {"wait": "waiting for {actor} ({step})", "work": "{actor} working ({step})",
               "transit": "report of {step} in transit", "follow-up": "follow-up of {step}'s report",
               "held": "report of {step} held back", "other": "waiting for a condition"}


def _stage(row: dict[str, object]) -> str:
    """A stage as the table names it; a report that lacked core elements with the one most often missing (the
    sentence names them all)."""
    label = STAGE_LABEL[str(row["kind"])].format(**row)
    missing = str(row.get("missing") or "")
    if missing and row["kind"] in ("follow-up", "held"):
        label += f" ({missing.split('+')[0]})"
    return label


def _wait_interval(low: float, high: float) -> str:
    """A mean wait's 95 % interval, to the second ("-" when one replication cannot give one)."""
    if math.isnan(low):
        return "-"
    return f"{format_duration(math.floor(low))}-{format_duration(math.ceil(high))}"


def _num(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _hours(hours: float) -> str:
    """Hours of a person's time to the minute (`7h31m`)."""
    return format_duration(round(hours * 60) * 60)


def _has_people(results: Results) -> bool:
    """Whether the scenario names people or staffs teams: then who did the work is not the actor table's roles."""
    scenario = results.scenario
    return bool(scenario.people) or any(actor.kind in ("team", "working_group") for actor in scenario.actors.values())


MARK = "*"
"""After a rule in the deadline table: its hit rate depends on the reading of the plan (a footnote says which)."""


def reading_marks(readings: dict[str, Any] | None) -> dict[str, str]:
    """Rule -> the sentence saying which reading of the plan its hit rate depends on, for the rules marked (the
    run's `readings`: drillsim.experiment.readings `ReadingsResult.marks`)."""
    rules = readings.get("rules", []) if isinstance(readings, dict) else []
    return {str(rule["rule"]): str(rule["sentence"]) for rule in rules if rule.get("marked")}


def render_summary(results: Results) -> str:
    """Deadline table per rule and level, the busiest actors, and the bottleneck in a sentence."""
    summary = results.summary()
    inc = summary["incidents"]
    lines = [
        f"{results.label}: {summary['replications']} replication{'' if summary['replications'] == 1 else 's'} "
        f"of {summary['horizon']}, seed {results.seed}"
        + (f", the first {summary['warm_up']} a warm-up" if "warm_up" in summary else ""),
        f"{inc['total']} incidents ({inc['per_replication']:.1f} per replication), "
        f"{inc['open_at_horizon']} still open at the horizon"
        + (f"; {inc['in_warm_up']} more in the warm-up, simulated but not counted" if "in_warm_up" in inc else ""),
    ]
    marked = reading_marks(summary.get("readings"))
    width = max([22, *(len(rule) + len(MARK) for rule in marked)])
    lines += ["", f"{'deadline rule':<{width}} {'limit':>6} {'level':>5} {'applied':>8} {'met':>7} {'hit rate':>8} "
              f"{'95% interval':>15} {'late median':>11} {'late p90':>9} {'worst':>8}"]
    rules = results.rules()
    for row in rules.itertuples(index=False):
        label = (row.rule + (MARK if row.rule in marked else "")) if row.level == "all" else ""
        interval = "-" if math.isnan(row.low) else f"{row.low:.1%}-{row.high:.1%}"
        lines.append(f"{label:<{width}} {format_duration(row.limit) if label else '':>6} {row.level:>5} "
                     f"{row.applicable:>8} {row.met:>7} {_pct(row.rate):>8} {interval:>15} "
                     f"{_dur(row.late_median):>11} {_dur(row.late_p90):>9} {_dur(row.worst_late):>8}")
    pending = int(rules[rules["level"] == "all"]["pending"].sum())
    if pending:
        lines.append(f"({pending} clocks were still running at the horizon and are not counted)")
    if "readings" in summary:
        lines += ["", *(f"{MARK} {sentence}" for sentence in marked.values())]
        lines += [summary["readings"]["sentence"]] if summary["readings"]["sentence"] else []
    lines += ["", f"{'busiest actors':<40} {'utilisation':>11} {'mean wait':>10} {'95% interval':>17} "
              f"{'p90 wait':>9} {'tasks':>7}"]
    for row in results.actors().head(6).itertuples(index=False):
        lines.append(f"{row.title:<40} {_pct(row.utilisation):>11} {_dur(row.mean_wait):>10} "
                     f"{_wait_interval(row.mean_wait_low, row.mean_wait_high):>17} {_dur(row.p90_wait):>9} "
                     f"{row.tasks:>7}")
    if _has_people(results):
        lines += ["", f"{'busiest people':<40} {'utilisation':>11} {'95% interval':>15} {'busy':>7} {'on duty':>7} "
                  f"{'tasks':>7}  roles worked in"]
        for row in results.people().head(6).itertuples(index=False):
            interval = "-" if math.isnan(row.utilisation_low) else \
                f"{row.utilisation_low:.1%}-{row.utilisation_high:.1%}"
            lines.append(f"{row.title:<40} {_pct(row.utilisation):>11} {interval:>15} {_hours(row.busy_hours):>7} "
                         f"{_hours(row.on_duty_hours):>7} {row.tasks:>7}  {row.roles or '-'}")
        lines.append("(busy and on-duty time per replication; a person is one resource whichever role a task "
                     "comes from)")
    if summary["bottleneck"] is None:
        lines += ["", "Bottleneck: not sought: this run kept only running totals (--keep summary); "
                  "run with --keep all to find where the misses lost their time."]
        return "\n".join(lines)
    lines += ["", f"{'where the misses lost most time':<31} {'missed':>6}  {'stage':<50} {'share':>6} {'busy':>5} "
              f"{'queue':>5}"]
    for row in summary["bottleneck"]["stages"]:
        if row["share"] >= 0.1:
            stage = _stage(row)
            lines.append(f"{row['rule']:<31} {row['missed']:>6}  {stage:<50} {row['share']:>6.0%} "
                         f"{_num(row['utilisation'], '.0%'):>5} {_num(row['queue'], '.1f'):>5}")
    lines += ["", "Bottleneck: " + summary["bottleneck"]["sentence"]]
    return "\n".join(lines)
