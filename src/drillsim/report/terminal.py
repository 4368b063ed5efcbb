"""The run's verdict as plain text for the terminal: deadlines, busiest actors, the bottleneck.

Every word is drillsim's message in the language in force (drillsim.i18n)
and every entry of the plan is named by `drillsim.scenario.names`. A column
that can hold Chinese is padded by its width in terminal cells (a Chinese
character takes two), and grows to its widest cell, so the columns stay
aligned whatever the language and whatever a scenario names things.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

from drillsim.i18n import _, ngettext, percent_text
from drillsim.results import Results
from drillsim.scenario.names import scenario_name, title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration


def _dur(seconds: float) -> str:
    return "-" if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)) else format_duration(seconds)


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else percent_text(value)


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` filled with spaces to `width` terminal cells, on the right (`<`) or the left (`>`); a text wider than
    `width` is left whole."""
    fill = " " * max(0, width - cell_len(text))
    return text + fill if align == "<" else fill + text


Column = tuple[str, int, str]
"""A table's column: its head, the least width in cells, and `<` (left) or `>` (right) alignment."""


def table(columns: Sequence[Column], rows: Sequence[Sequence[str]], gaps: Sequence[str] | None = None) -> list[str]:
    """The head and the rows, each column as wide as its widest cell in terminal cells (at least its least width),
    the columns separated by `gaps` (one space each unless told); a left-aligned last column is not filled."""
    widths = [max([least, cell_len(head), *(cell_len(row[i]) for row in rows)])
              for i, (head, least, _align) in enumerate(columns)]
    between = list(gaps) if gaps is not None else [" "] * (len(columns) - 1)

    def line(cells: Sequence[str]) -> str:
        out = ""
        for i, (cell, width, (_head, _least, align)) in enumerate(zip(cells, widths, columns, strict=True)):
            last = i == len(columns) - 1
            out += (between[i - 1] if i else "") + (cell if last and align == "<" else pad(cell, width, align))
        return out
    return [line([head for head, _least, _align in columns]), *(line(row) for row in rows)]


@dataclass(frozen=True)
class Table:
    """A captioned table of text cells: printed by `table`, and written as it is into a report's HTML or Markdown."""

    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]

    def lines(self) -> list[str]:
        return [self.caption, *table(self.columns, self.rows)]


def _stage(row: dict[str, object]) -> str:
    """A stage as the table names it; a report that lacked core elements with the one most often missing (the
    sentence names them all)."""
    actor, step, kind = str(row["actor"]), str(row["step"]), str(row["kind"])
    labels = {"wait": _("waiting for {actor} ({step})"), "work": _("{actor} working ({step})"),
              "transit": _("report of {step} in transit"), "follow-up": _("follow-up of {step}'s report"),
              "held": _("report of {step} held back"), "other": _("waiting for a condition")}
    label = labels[kind].format(actor=actor, step=step)
    missing = str(row.get("missing") or "")
    if missing and kind in ("follow-up", "held"):
        label = _("{stage} ({element})").format(stage=label, element=missing.split("+")[0])
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


def _heading(results: Results, summary: dict[str, Any]) -> list[str]:
    """What was run (replications, horizon, seed, warm-up) and how many incidents it counted."""
    inc = summary["incidents"]
    runs = ngettext("{scenario}: {count} replication of {horizon}, seed {seed}",
                    "{scenario}: {count} replications of {horizon}, seed {seed}", summary["replications"]).format(
        scenario=scenario_name(results.scenario, results.label),
        count=summary["replications"], horizon=summary["horizon"], seed=results.seed)
    if "warm_up" in summary:
        runs += _(", the first {warm_up} a warm-up").format(warm_up=summary["warm_up"])
    counted = _("{total} incidents ({per} per replication), {open} still open at the horizon").format(
        total=inc["total"], per=f"{inc['per_replication']:.1f}", open=inc["open_at_horizon"])
    if "in_warm_up" in inc:
        counted += _("; {count} more in the warm-up, simulated but not counted").format(count=inc["in_warm_up"])
    return [runs, counted]


def _deadlines(results: Results, marked: dict[str, str]) -> list[str]:
    """Each rule's verdict over all levels and per level, a rule whose verdict depends on the reading marked."""
    rules = results.rules()
    rows = []
    for row in rules.itertuples(index=False):
        label = (row.rule + (MARK if row.rule in marked else "")) if row.level == "all" else ""
        interval = "-" if math.isnan(row.low) else f"{_pct(row.low)}-{_pct(row.high)}"
        rows.append([label, format_duration(row.limit) if label else "", _("all") if row.level == "all" else row.level,
                     str(row.applicable), str(row.met), _pct(row.rate), interval, _dur(row.late_median),
                     _dur(row.late_p90), _dur(row.worst_late)])
    lines = table([(_("deadline rule"), 22, "<"), (_("limit"), 6, ">"), (_("level"), 5, ">"), (_("applied"), 8, ">"),
                   (_("met"), 7, ">"), (_("hit rate"), 8, ">"), (_("95% interval"), 15, ">"),
                   (_("late median"), 11, ">"), (_("late p90"), 9, ">"), (_("worst"), 8, ">")], rows)
    pending = int(rules[rules["level"] == "all"]["pending"].sum())
    if pending:
        lines.append(_("({count} clocks were still running at the horizon and are not counted)").format(count=pending))
    return lines


def _actors(results: Results) -> list[str]:
    scenario = results.scenario
    rows = [[title_of(scenario.actors[row.actor]),
             _pct(row.utilisation), _dur(row.mean_wait), _wait_interval(row.mean_wait_low, row.mean_wait_high),
             _dur(row.p90_wait), str(row.tasks)] for row in results.actors().head(6).itertuples(index=False)]
    return table([(_("busiest actors"), 40, "<"), (_("utilisation"), 11, ">"), (_("mean wait"), 10, ">"),
                  (_("95% interval"), 17, ">"), (_("p90 wait"), 9, ">"), (_("tasks"), 7, ">")], rows)


def _holder(scenario: Scenario, holder: str) -> str:
    """A person by their name in the language in force (their id when they have none); anonymous staff by their
    role's (of a grid), as the people table of the results names them in English."""
    if holder in scenario.people:
        return title_of(scenario.people[holder]) or holder
    actor, _sep, unit = holder.partition(":")
    role = title_of(scenario.actors[actor])
    return (_("{role} of {unit} (anonymous)").format(role=role, unit=unit) if unit
            else _("{role} (anonymous)").format(role=role))


def _people(results: Results) -> list[str]:
    rows = []
    for row in results.people().head(6).itertuples(index=False):
        interval = ("-" if math.isnan(row.utilisation_low)
                    else f"{_pct(row.utilisation_low)}-{_pct(row.utilisation_high)}")
        rows.append([_holder(results.scenario, row.holder), _pct(row.utilisation), interval, _hours(row.busy_hours),
                     _hours(row.on_duty_hours), str(row.tasks), row.roles or "-"])
    lines = table([(_("busiest people"), 40, "<"), (_("utilisation"), 11, ">"), (_("95% interval"), 15, ">"),
                   (_("busy"), 7, ">"), (_("on duty"), 7, ">"), (_("tasks"), 7, ">"), (_("roles worked in"), 0, "<")],
                  rows, gaps=[" "] * 5 + ["  "])
    return [*lines, _("(busy and on-duty time per replication; a person is one resource whichever role a task "
                      "comes from)")]


def _stages(stages: list[dict[str, Any]]) -> list[str]:
    rows = [[str(row["rule"]), str(row["missed"]), _stage(row), percent_text(row["share"], 0),
             "-" if row["utilisation"] is None else percent_text(row["utilisation"], 0), _num(row["queue"], ".1f")]
            for row in stages if row["share"] >= 0.1]
    return table([(_("where the misses lost most time"), 31, "<"), (_("missed"), 6, ">"), (_("stage"), 50, "<"),
                  (_("share"), 6, ">"), (_("busy"), 5, ">"), (_("queue"), 5, ">")], rows,
                 gaps=[" ", "  ", " ", " ", " "])


def render_summary(results: Results) -> str:
    """Deadline table per rule and level, the busiest actors, and the bottleneck in a sentence."""
    summary = results.summary()
    marked = reading_marks(summary.get("readings"))
    lines = [*_heading(results, summary), "", *_deadlines(results, marked)]
    if "readings" in summary:
        lines += ["", *(f"{MARK} {sentence}" for sentence in marked.values())]
        lines += [summary["readings"]["sentence"]] if summary["readings"]["sentence"] else []
    lines += ["", *_actors(results)]
    if _has_people(results):
        lines += ["", *_people(results)]
    if summary["bottleneck"] is None:
        lines += ["", _("Bottleneck: not sought: this run kept only running totals (--keep summary); run with "
                        "--keep all to find where the misses lost their time.")]
        return "\n".join(lines)
    lines += ["", *_stages(summary["bottleneck"]["stages"])]
    lines += ["", _("Bottleneck: {sentence}").format(sentence=summary["bottleneck"]["sentence"])]
    return "\n".join(lines)
