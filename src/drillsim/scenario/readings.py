"""Readings of the plan: what its text leaves open, the alternatives the text allows, and which one a scenario takes.

The plan says "immediately", "within the prescribed time", "within 1 hour"
without saying from what. Each such choice is a named reading in the plan
file (`readings:`), with alternatives that each set values by dotted path
(drillsim.scenario.paths) and say in one line why the text allows them. The
plan file's own values are its `default`; a scenario takes another with
`read_as: {NAME: ALTERNATIVE}`, applied as it is loaded, so the model only
ever sees values. Everything else asks this module which reading is in force
and what a scenario would be under another.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drillsim.i18n import _
from drillsim.scenario.errors import Problem, ScenarioError
from drillsim.scenario.memo import per_scenario
from drillsim.scenario.paths import Path, entry_index, parse_path, set_at
from drillsim.scenario.schema import Reading, Scenario, unknown_name

OWN = "(own)"
"""What `in_force` says of a reading whose values match none of its alternatives: the scenario's own choice."""


@dataclass(frozen=True)
class Choice:
    """One alternative of one reading, and the scenario under it (the scenario itself for the one in force)."""

    reading: str
    alternative: str
    scenario: Scenario
    in_force: bool
    default: bool


def apply(doc: dict[str, Any], located: Any) -> tuple[dict[str, Any], list[Problem]]:
    """The document with the values of the alternatives its `read_as` names; problems at their lines.

    `located(path) -> (file, line)` says where a path of the document was
    written. A name that is not a reading, or an alternative of it, is a
    problem at its own line. A value of an entry the scenario
    does not have (a rule it removed) is not set: the reading reads what is
    there (the plan's own paths are checked by its tests). Applying twice
    changes nothing, so
    a validated scenario's own document (which keeps its `read_as`) can be
    validated again.
    """
    chosen, readings = doc.get("read_as"), doc.get("readings")
    if not isinstance(chosen, Mapping) or not chosen or not isinstance(readings, Mapping):
        return doc, []
    doc = dict(doc)
    problems: list[Problem] = []
    for name, alternative in chosen.items():
        reading = readings.get(name)
        alternatives = reading.get("alternatives") if isinstance(reading, Mapping) else None
        values = alternatives.get(alternative) if isinstance(alternatives, Mapping) and isinstance(
            alternative, str) else None
        if isinstance(alternatives, Mapping) and values is None:
            file, line = located(("read_as", name))
            problems.append(Problem(file, line, ("read_as", name), unknown_name(
                _("alternative of {reading}").format(reading=name), alternative, alternatives)))
            continue
        if reading is None:
            file, line = located(("read_as", name))
            problems.append(Problem(file, line, ("read_as", name), unknown_name("reading", name, readings)))
            continue
        if not isinstance(values, Mapping) or not isinstance(values.get("set"), Mapping):
            continue
        for text, value in values["set"].items():
            try:
                path = parse_path(str(text))
                if not _present(doc, path[:-1] if value is not None else path):
                    continue  # the entry it sets is not in this scenario (a rule it removed)
                _own_along(doc, path)
                set_at(doc, path, copy.deepcopy(value))
            except ScenarioError as exc:
                file, line = located(("readings", name, "alternatives", alternative, "set", text))
                problems += [Problem(file, line, ("readings", name, "alternatives", alternative, "set", text),
                                     _("reading {reading}={alternative} cannot set {path}: {problem}").format(
                                         reading=name, alternative=alternative, path=text, problem=p.message))
                             for p in exc.problems]
    return doc, problems


def _own_along(doc: dict[str, Any], path: Path) -> None:
    """Copy the mappings and lists on the way to `path`, so that setting it leaves the caller's document as it
    was (copying the whole document would cost more than validating it)."""
    node: Any = doc
    for key in path[:-1]:
        if isinstance(node, dict) and isinstance(node.get(str(key)), (dict, list)):
            node[str(key)] = node = copy.copy(node[str(key)])
        elif isinstance(node, list) and (index := entry_index(node, key)) is not None and isinstance(
                node[index], (dict, list)):
            node[index] = node = copy.copy(node[index])
        else:
            return


_MISSING = object()


def _present(doc: Any, path: Path) -> bool:
    return _value(doc, path) is not _MISSING


def _value(doc: Any, path: Path) -> Any:
    node = doc
    for key in path:
        if isinstance(node, Mapping) and str(key) in node:
            node = node[str(key)]
        elif isinstance(node, list) and entry_index(node, key) is not None:
            node = node[entry_index(node, key)]  # type: ignore[index]
        else:
            return _MISSING
    return node


def variant(scenario: Scenario, reading: str, alternative: str) -> Scenario:
    """The scenario read the other way: the same file with `read_as: {reading: alternative}`."""
    if scenario.read_as.get(reading) == alternative or (
            reading not in scenario.read_as and in_force(scenario).get(reading) == alternative):
        return scenario
    return scenario.replace({"read_as": {**scenario.read_as, reading: alternative}})


@per_scenario
def choices(scenario: Scenario) -> dict[str, tuple[Choice, ...]]:
    """Every reading the scenario can be read by (two alternatives or more that make a valid scenario, and
    differ in it), each alternative with its scenario, in the plan's order; the in-force one is the scenario."""
    read = _read(scenario)
    out: dict[str, tuple[Choice, ...]] = {}
    for name, reading in scenario.readings.items():
        current, others = read[name]
        found: list[Choice] = []
        for alternative, values in reading.alternatives.items():
            if alternative == current:
                found.append(Choice(name, alternative, scenario, True, alternative == reading.default))
                continue
            built = others.get(alternative)
            if built is None:
                continue  # it cannot be read so here
            other, other_doc = built
            if all(_value(read.doc, path) == _value(other_doc, path) for path in _paths(values.set)):
                continue  # the same values here: it sets what this scenario does not have (a rule it removed)
            found.append(Choice(name, alternative, other, False, alternative == reading.default))
        if len(found) >= 2:
            out[name] = tuple(found)
    return out


def in_force(scenario: Scenario) -> dict[str, str]:
    """Reading -> the alternative whose values the scenario has (`OWN` when none has them)."""
    return {name: current for name, (current, _) in _read(scenario).items()}


class _Read(dict[str, tuple[str, dict[str, tuple[Scenario, dict[str, Any]]]]]):
    """Reading -> (the alternative in force, every other alternative's scenario and document), and the
    scenario's own document."""

    doc: dict[str, Any]


@per_scenario
def _read(scenario: Scenario) -> _Read:
    """Each alternative's scenario built once, for both `in_force` and `choices`: a variant is a validation."""
    out = _Read()
    out.doc = doc = _document(scenario)
    for name, reading in scenario.readings.items():
        others: dict[str, tuple[Scenario, dict[str, Any]]] = {}
        for alternative in reading.alternatives:
            if scenario.read_as.get(name) == alternative:
                continue
            try:
                other = scenario.replace({"read_as": {**scenario.read_as, name: alternative}})
            except ScenarioError:
                continue
            others[alternative] = (other, _document(other))
        out[name] = (_matching(scenario, doc, name, reading, others), others)
    return out


def _document(scenario: Scenario) -> dict[str, Any]:
    return scenario.model_dump(mode="json", by_alias=True)


def _paths(values: Mapping[str, Any]) -> list[Path]:
    return [parse_path(text) for text in values]


def _matching(scenario: Scenario, doc: dict[str, Any], name: str, reading: Reading,
              others: Mapping[str, tuple[Scenario, dict[str, Any]]]) -> str:
    """The alternative whose values the scenario's document has, as they read once validated (`others`: each
    alternative's document): the values it removes are absent, and those it sets are there, in every entry the
    scenario has (at least one)."""
    if name in scenario.read_as:
        return scenario.read_as[name]
    for alternative, values in reading.alternatives.items():
        removed = [parse_path(text) for text, value in values.set.items() if value is None]
        kept = [parse_path(text) for text, value in values.set.items() if value is not None]
        if any(_value(doc, path) not in (_MISSING, None) for path in removed):  # a field left out reads None
            continue
        there = [path for path in kept if _present(doc, path[:-1])]
        if not there:
            if not kept:
                return alternative
            continue
        if alternative in others and all(_value(doc, path) == _value(others[alternative][1], path)
                                         for path in there):
            return alternative
    return OWN


def clock_only(reading: Reading) -> bool:
    """Whether every alternative only moves deadline rules: the chain then runs the same under each, unless its
    people choose their tasks by the nearest deadline (`reads_deadlines`)."""
    return all(parse_path(text)[0] == "deadlines" for alt in reading.alternatives.values() for text in alt.set)


def rules_moved(reading: Reading) -> frozenset[str]:
    """The deadline rules a clock reading's alternatives set or remove."""
    return frozenset(str(path[1]) for alt in reading.alternatives.values() for text in alt.set
                     for path in [parse_path(text)] if path[0] == "deadlines" and len(path) > 1)


def reads_deadlines(scenario: Scenario) -> bool:
    """Whether some role's people choose their next task by the nearest open deadline: moving a clock then moves
    the whole chain, and a reading must be simulated again, not only checked again."""
    return scenario.policy == "deadline" or any(own.policy == "deadline" for own in scenario.staffing.values())


def recheckable(scenario: Scenario, reading: str) -> bool:
    """Whether a reading's verdicts can be checked again on the records of a run under another of its
    alternatives (the same milestones, other clocks), without simulating again."""
    return clock_only(scenario.readings[reading]) and not reads_deadlines(scenario)


def relevant(scenario: Scenario, rule: str) -> tuple[str, ...]:
    """The readings that can move a rule's hit rate: those that set its clock, and those that change the chain."""
    return tuple(name for name in choices(scenario)
                 if not recheckable(scenario, name) or rule in rules_moved(scenario.readings[name]))


__all__ = ["OWN", "Choice", "apply", "choices", "clock_only", "in_force", "reads_deadlines", "recheckable",
           "relevant", "rules_moved", "variant"]
