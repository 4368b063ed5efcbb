"""What an entry of the plan is called in the language drillsim speaks: the one place that says so.

Every titled entry (an actor, a working group, a person, a category and its
examples, a level, a major class, a core element, a step, a deadline, a
reading, unmodelled text) has its English `title` and may carry `zh`, its
name in Chinese in the plan's own words (首报, 研判, 领导小组...): the built-in
plan carries one for every entry. A scenario written in Chinese simply writes
Chinese in `title` (and in `examples`): it then needs no `zh`, and its names
show as written in either language (also where it renames an entry of the
built-in plan, whose `zh` it then need not clear).

The plan's explanations follow the same rule: a reading's alternative has its
`means` and may carry `means_zh`, an unmodelled passage its `why` and
`why_zh`, and the scenario its `name` and `name_zh` (the plan its
`plan_title` and `plan_title_zh`). A later file that rewrites the English
without the Chinese drops the earlier file's Chinese (drillsim.scenario.loader),
so the Chinese shown is always that of the English it stands beside.

A level's colour is one of the plan's four warning colours, named here
through the catalog (drillsim.i18n), so a plan file writes `colour: red` once.
"""

from __future__ import annotations

import re
from typing import Protocol

from drillsim.i18n import _, language
from drillsim.scenario.schema import Alternative, Scenario, Unmodelled

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
"""The CJK unified ideographs (and extension A, and the compatibility ones)."""


class Titled(Protocol):
    """An entry with a name: its `title`, and its `zh`, the name in Chinese."""

    @property
    def title(self) -> str: ...

    @property
    def zh(self) -> str: ...


def written_in_chinese(text: str) -> bool:
    """Whether a name has Chinese characters (a title written in Chinese is shown as written)."""
    return _HAN.search(text) is not None


def step_in_chinese(scenario: Scenario, step: str) -> str | None:
    """A flow step by its name in the plan's words when drillsim speaks Chinese and the plan gives one (None:
    the caller shows the step as it shows ids)."""
    if language() != "zh":
        return None
    entry = next((s for s in scenario.flow if s.id == step), None)
    name = title_of(entry) if entry is not None else ""
    return name if written_in_chinese(name) else None


def title_of(entry: Titled) -> str:
    """The entry's `zh` when drillsim speaks Chinese and the entry has one, else its `title` (which may be empty: a
    person or a step without one; the caller shows its id). A title written in Chinese wins over `zh`: a scenario
    that renames a plan's entry in Chinese over the built-in plan is shown by its own name."""
    if language() == "zh" and entry.zh and not written_in_chinese(entry.title):
        return entry.zh
    return entry.title


def _in_force(english: str, chinese: str) -> str:
    """`chinese` when drillsim speaks Chinese and there is one, else `english`."""
    return chinese if language() == "zh" and chinese else english


def means_of(alternative: Alternative) -> str:
    """Why the plan's text allows an alternative reading, in the language in force."""
    return _in_force(alternative.means, alternative.means_zh)


def why_of(passage: Unmodelled) -> str:
    """Why drillsim does not simulate a passage of the plan, in the language in force."""
    return _in_force(passage.why, passage.why_zh)


def scenario_name(scenario: Scenario, label: str | None = None) -> str:
    """The scenario's name in the language in force; a run's `label` other than that name (a sweep's point, a
    comparison's side) is shown as given."""
    if label is not None and label != scenario.name:
        return label
    return _in_force(scenario.name, scenario.name_zh)


def plan_title_of(scenario: Scenario) -> str:
    """The title of the plan the scenario runs, in the language in force (empty when it has none)."""
    return _in_force(scenario.plan_title, scenario.plan_title_zh)


def example_of(scenario: Scenario, category: str, example: str) -> str:
    """An example of a category by its name in the language in force (its name as written when it has none)."""
    entry = scenario.categories[category]
    if language() == "zh" and example in entry.examples_zh:
        return str(entry.examples_zh[example])
    return str(entry.examples.get(example, example))


def colour_name(colour: str) -> str:
    """`red` -> `red` or `红色`: the plan's warning colours in the language in force (another colour as written)."""
    names = {"red": _("red"), "orange": _("orange"), "yellow": _("yellow"), "blue": _("blue")}
    return names.get(colour, colour)


def level_name(scenario: Scenario, level: str) -> str:
    """`I (red, especially major)` or `I级(红色)特别重大`: a level with its colour and title, as the plan names it."""
    entry = scenario.levels[level]
    return _("{level} ({colour}, {title})").format(level=level, colour=colour_name(entry.colour),
                                                   title=title_of(entry))


__all__ = ["Titled", "colour_name", "example_of", "level_name", "means_of", "plan_title_of", "scenario_name",
           "title_of", "why_of", "written_in_chinese"]
