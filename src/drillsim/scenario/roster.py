"""The duty roster: a CSV file of who is on duty when, read into the scenario's people before validation.

A community's duty office keeps its roster as a table, one row per duty
interval of a person (`person,roles,from,to`, optionally `title`; the README,
"The duty roster"). A scenario names it with `roster: FILE` (relative to the
file that writes the key), or `drillsim ... --roster FILE` gives it; its
people replace the plan's and the scenario's `people:`, each with the roles
and the duty windows of their rows, and the whole is then validated as a
scenario is. Every problem is said at the roster's own line and column
(`roster.csv:3: roles: unknown actor 'ofice'; ...`), the header being line 1,
as a spreadsheet numbers its rows. The model never sees the file: only the
people it became.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillsim.files import UnreadableFile, csv_rows, read_text
from drillsim.i18n import _
from drillsim.scenario.errors import Problem, ScenarioError
from drillsim.scenario.schema import Scenario, unknown_name
from drillsim.scenario.units import UnitError, format_offset, parse_offset
from drillsim.scenario.yamlsource import SourceMap

KEY = "roster"
"""The scenario's key that names a roster file."""
COLUMNS = ("person", "roles", "from", "to", "title")
REQUIRED = COLUMNS[:4]
ROLE_SEPARATOR = ";"
_Path = tuple[str | int, ...]
Validate = Callable[[dict[str, Any], SourceMap], Scenario]


@dataclass
class Rostered:
    """One person as their rows give them: the first row's roles and title, and every row's duty interval."""

    line: int
    roles: tuple[str, ...]
    title: str = ""
    title_line: int = 0
    windows: list[tuple[int, int, int]] = field(default_factory=list)
    """(from, to, line) of each row."""


class _Given(str):
    """A roster given on the command line (`--roster`), as the scenario's `roster` value: the absolute path, since
    it was typed relative to the working directory, not to the scenario; messages name it as it was typed."""

    typed: str


def given(path: str | Path) -> str:
    """The `roster` value of a roster given on the command line, which replaces the one the scenario names."""
    value = _Given(os.path.abspath(path))
    value.typed = str(path)
    return value


def validated(doc: dict[str, Any], where: SourceMap, validate: Validate) -> Scenario:
    """The document with its `roster` read into `people`, validated by `validate`; its problems said at the roster's
    lines and columns."""
    named = doc.get(KEY)
    rest = {key: value for key, value in doc.items() if key != KEY}
    if named is None:  # `roster: null` in a scenario takes away the roster of the one it extends
        return validate(rest, where)
    key_file, key_line = where.locate((KEY,))
    if not isinstance(named, str) or not named.strip() or "\0" in named:
        raise ScenarioError([Problem(key_file, key_line, (KEY,), _(
            "expected the path to a duty roster (a CSV file), relative to this file; got {given}").format(
                given=repr(named)))])
    path = Path(named)
    if not path.is_absolute():
        path = Path(key_file).parent / path
    shown = named.typed if isinstance(named, _Given) else str(path)
    try:
        text = read_text(path, what=_("a duty roster (CSV text)"))
    except UnreadableFile as exc:
        if exc.line is not None or isinstance(named, _Given):
            raise ScenarioError([Problem(shown, exc.line, (), exc.reason)]) from None
        raise ScenarioError([Problem(key_file, key_line, (KEY,),
                                     _("the duty roster {file} cannot be read: {reason}").format(
                                         file=shown, reason=exc.reason))]) from None
    people = read(text.removeprefix("\ufeff"), shown)
    lines = {at: line for at, line in where.lines.items() if at[:1] != ("people",)}
    origins = {at: file for at, file in where.origins.items() if at[:1] != ("people",)}
    for person_path, line in _lines(people):
        lines[person_path] = line
        origins[person_path] = shown
    rest["people"] = {person_id: _entry(person) for person_id, person in people.items()}
    try:
        return validate(rest, SourceMap(where.file, lines, origins))
    except ScenarioError as exc:
        raise ScenarioError([_in_columns(problem, shown) for problem in exc.problems]) from None


def read(text: str, file: str) -> dict[str, Rostered]:
    """The people of a roster's text, in the order of their first rows; raises ScenarioError with every problem."""
    problems: list[Problem] = []
    people: dict[str, Rostered] = {}
    header: list[str] | None = None
    try:
        for line, cells in _rows(text, file):
            if header is None:
                header = _header(cells, file, line, problems)
                if header is None:
                    break
                continue
            if not "".join(cells).strip():
                continue
            if len(cells) > len(header):
                problems.append(Problem(file, line, (), _(
                    "{cells} cells, but the header names {columns} columns (quote a cell that contains a "
                    "comma)").format(cells=len(cells), columns=len(header))))
                continue
            _row(dict(zip(header, [cell.strip() for cell in cells], strict=False)), line, file, people, problems)
    except UnreadableFile as exc:
        problems.append(Problem(file, exc.line, (), exc.reason))
    if header is None and not problems:
        problems.append(Problem(file, None, (), _("the duty roster is empty; it needs the header {header} (and "
                                                  "optionally title)").format(header=",".join(REQUIRED))))
    elif not people and not problems:
        problems.append(Problem(file, None, (), _("the duty roster has a header but no rows; expected one row per "
                                                  "duty interval of a person")))
    if problems:
        raise ScenarioError(problems)
    return people


def _rows(text: str, file: str) -> Iterator[tuple[int, list[str]]]:
    """Each row with its number as a spreadsheet shows it (a blank line is a row too; a quoted line break is not)."""
    for number, (_line, cells) in enumerate(csv_rows(text, file), start=1):
        yield number, cells


def _header(cells: list[str], file: str, line: int, problems: list[Problem]) -> list[str] | None:
    names = [cell.strip().lower() for cell in cells]
    before = len(problems)
    seen: set[str] = set()
    for name in names:
        if name not in COLUMNS:
            problems.append(Problem(file, line, (_short(name),), unknown_name("column", _short(name), COLUMNS)))
        elif name in seen:
            problems.append(Problem(file, line, (name,), _("the column appears twice; expected each column once")))
        seen.add(name)
    for name in REQUIRED:
        if name not in names:
            problems.append(Problem(file, line, (name,), _("missing column; the header is {header} (and optionally "
                                                           "title)").format(header=",".join(REQUIRED))))
    return names if len(problems) == before else None


def _short(text: str) -> str:
    """A cell short enough for a one-line message (a cell may be megabytes long)."""
    return text if len(text) <= 40 else text[:37] + "..."


def _row(row: dict[str, str], line: int, file: str, people: dict[str, Rostered], problems: list[Problem]) -> None:
    """One duty interval: checked, and added to its person."""
    before = len(problems)

    def problem(column: str, message: str) -> None:
        problems.append(Problem(file, line, (column,), message))

    person_id = row.get("person", "")
    if not person_id:
        problem("person", _("empty; write the person's id (a name, one line)"))
    roles = tuple(role.strip() for role in row.get("roles", "").split(ROLE_SEPARATOR) if role.strip())
    if not roles:
        problem("roles", _("empty; write the roles the person holds, separated by '{separator}' (e.g. "
                           "leader;commander, grid_worker:grid_1)").format(separator=ROLE_SEPARATOR))
    times = {}
    for column in ("from", "to"):
        try:
            times[column] = _offset(row.get(column, ""))
        except UnitError as exc:
            problem(column, _("empty; write {syntax}").format(syntax=_time_syntax()) if not row.get(column)
                    else str(exc))
    if len(times) == 2 and times["to"] <= times["from"]:
        problem("to", _("'to' must come after 'from' (from {start}, to {end})").format(
            start=format_offset(times["from"]), end=format_offset(times["to"])))
    known = people.get(person_id)
    if known is not None and roles and set(roles) != set(known.roles):
        problem("roles", _("{person} holds {roles} on line {line}; expected the same roles on every row of a "
                           "person").format(person=repr(_short(person_id)), roles=ROLE_SEPARATOR.join(known.roles),
                                            line=known.line))
    title = row.get("title", "")
    if known is not None and title and known.title and title != known.title:
        problem("title", _("{person} is titled {title} on line {line}; expected one title for a person (or none "
                           "on the other rows)").format(person=repr(_short(person_id)), title=repr(_short(known.title)),
                                                        line=known.title_line))
    if len(problems) > before:
        return
    if known is None:
        known = people[person_id] = Rostered(line, roles)
    if title and not known.title:
        known.title, known.title_line = title, line
    known.windows.append((times["from"], times["to"], line))


def _time_syntax() -> str:
    """How a roster writes a time, in the language in force."""
    return _("a time in the drill: 0 (its start), 08:00 (day 0), 1d 08:00, or a duration such as 26h")


def _offset(text: str) -> int:
    """A drill time as a scenario writes it (drillsim.scenario.units), or `0`: the start of the drill, which is the
    same in every unit, so a roster may write it bare as a spreadsheet does."""
    return 0 if text == "0" else parse_offset(text)


def _duty(person: Rostered) -> list[tuple[int, int, int]]:
    """The union of a person's rows: overlapping or touching intervals as one, each with its first row's line."""
    out: list[tuple[int, int, int]] = []
    for start, end, line in sorted(person.windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end), out[-1][2])
        else:
            out.append((start, end, line))
    return out


def _entry(person: Rostered) -> dict[str, Any]:
    """A person as a scenario file writes them."""
    entry: dict[str, Any] = {"roles": list(person.roles),
                             "duty": [{"from": format_offset(start), "to": format_offset(end)}
                                      for start, end, _first in _duty(person)]}
    if person.title:
        entry["title"] = person.title
    return entry


def _lines(people: dict[str, Rostered]) -> Iterator[tuple[_Path, int]]:
    """Where each value of each person was written: their first row, a title's row, each interval's first row."""
    for person_id, person in people.items():
        at = ("people", person_id)
        yield at, person.line
        yield (*at, "roles"), person.line
        for k in range(len(person.roles)):
            yield (*at, "roles", k), person.line
        if person.title:
            yield (*at, "title"), person.title_line
        for k, (_start, _end, line) in enumerate(_duty(person)):
            yield (*at, "duty", k), line


_FIELD_COLUMN = {"roles": "roles", "title": "title", "duty": "from"}
"""The roster's column that wrote a field of a person."""


def _in_columns(problem: Problem, file: str) -> Problem:
    """A problem with a person of the roster said at the roster's column (`roles`), not the scenario's field path."""
    if problem.file != file or problem.path[:1] != ("people",):
        return problem
    field_name = problem.path[2] if len(problem.path) > 2 else None
    column = _FIELD_COLUMN.get(str(field_name), "person") if len(problem.path) > 1 else ""
    return Problem(file, problem.line, (column,) if column else (), problem.message)


__all__ = ["COLUMNS", "KEY", "REQUIRED", "Rostered", "given", "read", "validated"]
