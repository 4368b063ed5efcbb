"""The drill log: one CSV row per milestone the players reached, written the moment it is recorded.

The facilitator's console appends to it and syncs every row to disk; a
trainer can also write it by hand. The evaluation reads exactly this file,
and reports every problem of a malformed one as `FILE:LINE: column: message`.

Format (a header row, then one row per record; blank lines and lines starting
with `#` are ignored):

    time,incident,change,milestone,level,note
    0d 09:30,leak,,occurred,,
    0d 09:41,leak,,office_received,,grid worker phoned the office
    0d 09:52,leak,,leadership_received,II,
    0d 10:21,leak,1,continuation_received,,

- `time`: drill time, as in a scenario: `0d 09:41`, `09:41`, `09:41:30`, or a
  duration from the start such as `9h41m`. An empty time withdraws the
  earlier record of the same incident, change and milestone.
- `incident`: the id of the incident in the MSEL (`leak`, `quake/2`, `everyday-3`).
- `change`: for the milestones of a change (`change`, `continuation_received`),
  the change's number (1 for the first); empty otherwise.
- `milestone`: a milestone of the plan's flow, `occurred` or `change` (the
  incident's closure is no row of its own: it is reached with the first
  milestone recorded of a step that closes the incident, `closed` or
  `closed_by_responders` in the built-in plan).
- `level`: optional, the level the office judged (with the judging step's
  milestone) or a continuation report brought; otherwise the MSEL's level.
- `note`: free text.
- `elements`: optional column, the core elements a report carried, by their
  names in the plan joined with `+` (`time+place+scale`), as the players' report
  form records them; empty: the log does not say. A log without the column
  reads as before; the room server (`drillsim exercise serve`) writes it.

Only `time`, `incident` and `milestone` are required columns. A later row for
the same incident, change and milestone replaces an earlier one, which is how
the console corrects a record without rewriting the file. An occurrence or a
change that falls due without a row is taken at its time in the MSEL.

Above the header, `# incidents: seed 7` (or `# incidents: scripted`) and
`# date: 2026-12-03` say which incidents the drill played and when; the
console writes them, and `drillsim calibrate` reads each log's own.
"""

from __future__ import annotations

import datetime
import functools
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from drillsim.exercise.played import DrillIncident, drill_incidents, milestone_key
from drillsim.files import (
    UnreadableFile,
    UnwritableFile,
    atomic_write,
    csv_rows,
    csv_text,
    read_text,
    write_reason,
)
from drillsim.i18n import _, ngettext
from drillsim.scenario.errors import DrillsimError, Problem
from drillsim.scenario.flow import EVENTS, flow_of
from drillsim.scenario.schema import Scenario, unknown_name
from drillsim.scenario.units import UnitError, format_offset, parse_offset

COLUMNS = ("time", "incident", "change", "milestone", "level", "note")
"""The columns the console writes."""
ELEMENTS = "elements"
"""The optional column of the core elements a report carried (the room's report form writes it)."""
KNOWN = (*COLUMNS, ELEMENTS)
REQUIRED = ("time", "incident", "milestone")


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the log: a milestone an incident reached (or, with no time, a withdrawn record)."""

    time: int | None
    incident: str
    milestone: str
    change: int | None = None
    level: str | None = None
    note: str = ""
    line: int = 0
    elements: tuple[str, ...] | None = None
    """The core elements the report carried (None: the log does not say)."""

    @property
    def key(self) -> str:
        return milestone_key(self.milestone, self.change)

    def cells(self, columns: Sequence[str] = COLUMNS) -> list[str]:
        """The row under the header `columns` (COLUMNS, or KNOWN with the elements)."""
        cells = ["" if self.time is None else format_offset(self.time), self.incident,
                 "" if self.change is None else str(self.change), self.milestone, self.level or "", self.note]
        if ELEMENTS in columns:
            cells.append("" if self.elements is None else "+".join(self.elements))
        return cells


class DrillLogError(DrillsimError):
    """Every problem of a drill log, each as `FILE:LINE: column: message`."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.line or 0, str(p.path), p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class Record:
    """What the log says of one incident: milestone times and recorded levels, corrections applied."""

    reached: dict[str, int]
    levels: dict[str, str]
    elements: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The core elements each report carried, where the log says."""


def replay(entries: Iterable[Entry]) -> dict[str, Record]:
    """Each incident's milestones after every correction and withdrawal, in log order."""
    out: dict[str, Record] = {}
    for entry in entries:
        record = out.setdefault(entry.incident, Record({}, {}))
        record.levels.pop(entry.key, None)
        record.elements.pop(entry.key, None)
        if entry.time is None:
            record.reached.pop(entry.key, None)
            continue
        record.reached[entry.key] = entry.time
        if entry.level:
            record.levels[entry.key] = entry.level
        if entry.elements is not None:
            record.elements[entry.key] = entry.elements
    return out


class _Rules:
    """What a row may say, read from the plan: milestones, which belong to a change, which carry a level."""

    def __init__(self, scenario: Scenario, incidents: Iterable[DrillIncident]) -> None:
        self.scenario = scenario
        self.incidents = {incident.id: incident for incident in incidents}
        self.milestones = set(scenario.milestones())
        self.flow = flow_of(scenario)
        self.with_level = {s.milestone for s in scenario.flow if s.effect in ("judge_level", "apply_change")}
        self.step_milestone = {s.id: s.milestone for s in scenario.flow}
        self.closing = tuple(s.milestone for s in scenario.flow if s.effect == "close")
        self.reporting = {s.milestone for s in scenario.flow if s.report is not None}


ABOUT = ("incidents", "date")
"""What a log may say of its drill in `# key: value` lines above its header: the incidents it played (`scripted`, or
`seed 7`: those of one simulated run) and the day it was played (`2026-12-03`). The console writes both."""


@dataclass(frozen=True, slots=True)
class About:
    """A drill log's own account of its drill (None: the log does not say)."""

    seed: int | None = None
    scripted: bool | None = None
    date: datetime.date | None = None

    def lines(self) -> list[str]:
        """The `# key: value` lines that say it, as a log's first lines."""
        out = []
        if self.scripted:
            out.append("# incidents: scripted\n")
        elif self.seed is not None:
            out.append(f"# incidents: seed {self.seed}\n")
        if self.date is not None:
            out.append(f"# date: {self.date.isoformat()}\n")
        return out


def about(path: str | Path) -> About:
    """What the `# key: value` lines above a log's header say of its drill; a value it cannot read is a
    DrillLogError at its line."""
    return about_text(_text(Path(path)), str(path))


def about_text(text: str, file: str) -> About:
    found: dict[str, Any] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            break
        key, colon, value = line.lstrip("#").partition(":")
        key, value = key.strip().lower(), value.strip()
        if not colon or key not in ABOUT:
            continue
        if key == "date":
            try:
                found["date"] = datetime.date.fromisoformat(value)
            except ValueError:
                problems.append(Problem(file, number, ("date",), _(
                    "{value} is not a date; expected the day the drill was played, such as 2026-12-03").format(
                        value=repr(value))))
        elif value.lower() == "scripted":
            found["scripted"] = True
        elif value.lower().startswith("seed ") and value[5:].strip().isdigit():
            found["seed"], found["scripted"] = int(value[5:].strip()), False
        else:
            problems.append(Problem(file, number, ("incidents",), _(
                "{value} says no incidents; expected 'scripted' or 'seed N'").format(value=repr(value))))
    if problems:
        raise DrillLogError(problems)
    return About(**found)


@dataclass(frozen=True)
class DrillLog:
    """One drill as its log tells it: the log's name, the day it was played (None: the log does not say), its rows
    and the incidents it played."""

    name: str
    entries: Sequence[Entry]
    incidents: Sequence[DrillIncident]
    date: datetime.date | None = None


def played_log(path: str | Path, scenario: Scenario, seed: int | None = None, *, scripted: bool = False) -> DrillLog:
    """A log read with the incidents it played: those its `# incidents:` line names (the console writes it), else
    those of `seed` or the scripted injects, as for a log that does not say."""
    told = about(path)
    incidents = drill_incidents(scenario, told.seed if told.scripted is False else seed,
                                scripted=told.scripted if told.scripted is not None else scripted)
    return DrillLog(str(path), read(path, scenario, incidents), incidents, told.date)


def read(path: str | Path, scenario: Scenario, incidents: Iterable[DrillIncident]) -> list[Entry]:
    """The entries of a drill log file, checked against the plan and the drill's incidents."""
    return parse(_text(Path(path)), str(path), scenario, incidents)


def continued(path: str | Path, scenario: Scenario, incidents: Iterable[DrillIncident]) -> list[Entry]:
    """The entries of a log the console continues: none for a log not written yet (or still empty)."""
    return read(path, scenario, incidents) if _written(Path(path)) else []


def _written(path: Path) -> bool:
    """Whether there is a log to continue at `path`; a path no log can be written to raises UnwritableFile."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise UnwritableFile(path, write_reason(exc, path)) from None
    return info.st_size > 0 or not stat.S_ISREG(info.st_mode)


def _text(path: Path) -> str:
    """A drill log's text, read as every user's file is (drillsim.files.read_text), a leading BOM dropped."""
    try:
        text = read_text(path, what=_("a drill log (CSV text)"))
    except UnreadableFile as exc:
        reason = exc.reason if exc.line is not None else _("cannot read the drill log: {reason}").format(
            reason=exc.reason)
        raise DrillLogError([Problem(str(path), exc.line, (), reason)]) from None
    return text.removeprefix("\ufeff")


def parse(text: str, file: str, scenario: Scenario, incidents: Iterable[DrillIncident]) -> list[Entry]:
    """Entries of a drill log's text; raises DrillLogError with every problem found."""
    rules = _Rules(scenario, incidents)
    problems: list[Problem] = []
    header: list[str] | None = None
    entries: list[Entry] = []
    for line, cells in _rows(text, file):
        if header is None:
            header = _header(cells, file, line, problems)
            if header is None:
                break
            continue
        if len(cells) > len(header):
            problems.append(Problem(file, line, (), _("{cells} cells, but the header names {columns} columns (quote "
                                                      "a note that contains a comma)").format(cells=len(cells),
                                                                                              columns=len(header))))
            continue
        row = dict(zip(header, [c.strip() for c in cells], strict=False))
        entry = _entry(row, line, file, rules, problems)
        if entry is not None:
            entries.append(entry)
    if header is None and not problems:
        problems.append(Problem(file, None, (), _("the drill log is empty; it needs the header {header}").format(
            header=",".join(COLUMNS))))
    problems.extend(_sequence(entries, file, rules))
    if problems:
        raise DrillLogError(problems)
    return entries


def _rows(text: str, file: str) -> Iterable[tuple[int, list[str]]]:
    """The log's rows in drillsim's CSV dialect (drillsim.files), blank and `#` lines skipped.

    A field of any length is read (the file itself is capped at
    drillsim.files.MAX_INPUT_BYTES); a malformed row is named with its line.
    """
    try:
        for line, cells in csv_rows(text, file):
            if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
                continue
            yield line, cells
    except UnreadableFile as exc:
        raise DrillLogError([Problem(file, exc.line, (), exc.reason)]) from None


def _header(cells: list[str], file: str, line: int, problems: list[Problem]) -> list[str] | None:
    """The header's column names, or None with one problem that says everything wrong with it.

    One line, however many columns are wrong: a file that is no drill log
    (a run's incidents.csv) would otherwise be a screenful of unknown columns.
    """
    names = [c.strip().lower() for c in cells]
    unknown = [_short(name) for name in names if name not in KNOWN]
    said = []
    if len(unknown) == 1:
        said.append(unknown_name("column", unknown[0], KNOWN))
    elif unknown:
        shown = {"columns": ", ".join(map(repr, unknown[:3])), "more": len(unknown) - 3,
                 "names": ", ".join(sorted(KNOWN))}
        said.append((_("unknown columns {columns} and {more} more, so not a drill log (expected one of: {names})")
                     if len(unknown) > 3 else
                     _("unknown columns {columns}, so not a drill log (expected one of: {names})")).format(**shown))
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        said.append(ngettext("missing the column {columns} (the header is {header})",
                             "missing the columns {columns} (the header is {header})", len(missing)).format(
                                 columns=", ".join(map(repr, missing)), header=",".join(COLUMNS)))
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        said.append(_("column {column} appears twice").format(column=repr(_short(duplicates[0]))))
    if said:
        problems.append(Problem(file, line, ("header",), "; ".join(said)))
        return None
    return names


def _short(name: str) -> str:
    """A column name short enough for a one-line message (a header cell may be megabytes long)."""
    return name if len(name) <= 40 else name[:37] + "..."


def _entry(row: Mapping[str, str], line: int, file: str, rules: _Rules, problems: list[Problem]) -> Entry | None:
    def problem(column: str, message: str) -> None:
        problems.append(Problem(file, line, (column,), message))

    before = len(problems)
    time: int | None = None
    if row.get("time"):
        try:
            time = parse_offset(row["time"])
        except UnitError:
            problem("time", _("{value} is not a drill time such as 0d 02:14, 02:14, 02:14:30 or 2h14m").format(
                value=repr(_short(row["time"]))))
    incident = rules.incidents.get(row.get("incident", ""))
    if not row.get("incident"):
        problem("incident", _("missing: write the id of an incident of the MSEL"))
    elif incident is None:
        problem("incident", unknown_name("incident", row["incident"], rules.incidents))
    milestone = row.get("milestone", "")
    if not milestone:
        problem("milestone", _("missing: write a milestone of the plan's flow"))
    elif milestone in rules.step_milestone and milestone not in rules.milestones:
        problem("milestone", _("{step} is a step of the flow; write the milestone it reaches, {milestone}").format(
            step=repr(milestone), milestone=repr(rules.step_milestone[milestone])))
    elif milestone == "closure" and rules.closing:
        problem("milestone", _("the closure is reached with the first of {milestones} recorded; write that "
                               "one").format(milestones=", ".join(map(repr, rules.closing))))
    elif milestone not in rules.milestones:
        problem("milestone", unknown_name("milestone", milestone, rules.milestones))
    change = _change(row.get("change", ""), milestone, incident, rules, problem)
    level = row.get("level") or None
    if level is not None and level not in rules.scenario.levels:
        problem("level", unknown_name("level", level, rules.scenario.levels))
    elif level is not None and milestone in rules.milestones and milestone not in rules.with_level:
        problem("level", _("a level is recorded only with {milestones}, not with {milestone}").format(
            milestones=functools.reduce(lambda first, second: _("{first} or {second}").format(
                first=first, second=second), sorted(map(repr, rules.with_level))), milestone=repr(milestone)))
    elements = _elements(row.get(ELEMENTS, ""), milestone, rules, problem)
    if len(problems) > before:
        return None
    return Entry(time, row["incident"], milestone, change, level, row.get("note", ""), line, elements)


def _elements(value: str, milestone: str, rules: _Rules, report: Callable[[str, str], None]) -> tuple[str, ...] | None:
    """The core elements a report carried, in the plan's order; None for an empty cell."""
    if not value:
        return None
    if milestone in rules.milestones and milestone not in rules.reporting:
        report(ELEMENTS, _("{milestone} is reached by no report, so it carries no core elements; leave 'elements' "
                           "empty").format(milestone=repr(milestone)))
        return None
    names = [name.strip() for name in value.split("+")]
    unknown = [name for name in names if name not in rules.scenario.core_elements]
    if unknown:
        report(ELEMENTS, unknown_name("core element", _short(unknown[0]), rules.scenario.core_elements))
        return None
    return tuple(name for name in rules.scenario.core_elements if name in names)


def _change(value: str, milestone: str, incident: DrillIncident | None, rules: _Rules,
            report: Callable[[str, str], None]) -> int | None:
    if not rules.flow.per_change(milestone):
        if value:
            report("change", _("{milestone} is a milestone of the incident, not of a change; leave 'change' "
                               "empty").format(milestone=repr(milestone)))
        return None
    if not value:
        report("change", _("{milestone} belongs to a change: write the change's number (1 for the first)").format(
            milestone=repr(milestone)))
        return None
    if not value.isdigit() or int(value) < 1:
        report("change", _("{value} is not a change number (1 for the first change)").format(value=repr(value)))
        return None
    if incident is not None and int(value) > len(incident.changes):
        count = len(incident.changes)
        report("change", ngettext("incident {incident} has {count} change in the MSEL, not {value}",
                                  "incident {incident} has {count} changes in the MSEL, not {value}", count).format(
                                      incident=incident.id, count=count, value=value))
        return None
    return int(value)


def _sequence(entries: list[Entry], file: str, rules: _Rules) -> list[Problem]:
    """Problems only the whole log shows: a withdrawal of nothing, a time before the incident occurred."""
    problems = []
    seen: set[tuple[str, str]] = set()
    occurred = {incident.id: incident.occurred for incident in rules.incidents.values()}
    for entry in entries:
        if entry.milestone == "occurred" and entry.time is not None:
            occurred[entry.incident] = entry.time
    for entry in entries:
        where = (entry.incident, entry.key)
        if entry.time is None and where not in seen:
            problems.append(Problem(file, entry.line, ("time",), _(
                "an empty time withdraws a record, but no earlier row records {milestone} of incident "
                "{incident}").format(milestone=repr(entry.milestone), incident=entry.incident)))
        seen.add(where)
        start = occurred[entry.incident]
        if entry.time is not None and entry.milestone not in EVENTS and entry.time < start:
            problems.append(Problem(file, entry.line, ("time",), _(
                "{time} is before incident {incident} occurred ({occurred})").format(
                    time=format_offset(entry.time), incident=entry.incident, occurred=format_offset(start))))
    return problems


def _with_elements(path: Path, text: str) -> str:
    """The log `text` with the elements column added to its header, written back in one atomic step; every row
    and comment as it was."""
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#"))
    body = lines[at].rstrip("\r\n")
    lines[at] = body + "," + ELEMENTS + lines[at][len(body):]
    upgraded = "".join(lines)
    try:
        atomic_write(path, upgraded)
    except OSError as exc:
        raise UnwritableFile(path, write_reason(exc, path)) from None
    return upgraded


class DrillLogWriter:
    """Appends entries to a drill log, each flushed and synced to disk before `append` returns.

    An existing log is continued, not replaced, so a drill resumes after a
    crash with every earlier record in place.
    """

    def __init__(self, path: str | Path, drill: About | None = None, columns: Sequence[str] = COLUMNS) -> None:
        """`drill`: what a new log says of its drill above its header (a continued log keeps its own);
        `columns`: a new log's header, COLUMNS or KNOWN (with the elements); a continued log keeps its own, but
        for KNOWN gains the elements column (its rows stay as they are: a row may leave its last cells out)."""
        self.path = Path(path)
        existing = _text(self.path) if _written(self.path) else ""
        first = next((cells for _, cells in _rows(existing, str(self.path))), None)
        header = None if first is None else [c.strip().lower() for c in first]
        if header is not None and header not in (list(COLUMNS), list(KNOWN)):
            raise DrillLogError([Problem(str(self.path), 1, ("header",),
                                         _("the console continues only logs with the header {header}; name a new "
                                           "log file").format(header=",".join(COLUMNS)))])
        if header == list(COLUMNS) and tuple(columns) == KNOWN:
            existing = _with_elements(self.path, existing)
            header = list(KNOWN)
        self.columns = tuple(columns if header is None else header)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8", newline="")
        except OSError as exc:
            raise UnwritableFile(self.path, write_reason(exc, self.path)) from None
        if existing and not existing.endswith("\n"):
            self._file.write("\n")
        if first is None:
            self._file.write("".join(drill.lines() if drill is not None and not existing else []))
            self._file.write(csv_text([], self.columns))
        self._sync()

    def append(self, entry: Entry) -> None:
        if entry.elements is not None and ELEMENTS not in self.columns:
            raise DrillLogError([Problem(str(self.path), 1, ("header",), _(
                "this log has no elements column, so a report's core elements cannot be kept; name a new log "
                "file"))])
        self._file.write(csv_text([entry.cells(self.columns)]))
        self._sync()

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DrillLogWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
