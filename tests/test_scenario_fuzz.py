"""Mutated scenarios are either loaded or refused with drillsim's own error, never a crash.

Hypothesis deletes, replaces, renames and adds keys anywhere in the bundled
scenarios, the built-in plan and a few small scenarios, then loads the result
through the public loader. Every refusal must be a ScenarioError whose
problems each name a file and a line.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillsim.scenario import ScenarioError, load, loads
from drillsim.scenario.loader import BUILTIN_PLAN
from tests.helpers import ROOT

PLAN = yaml.safe_load((ROOT / "src/drillsim/scenario/plans" / f"{BUILTIN_PLAN}.yaml").read_text(encoding="utf-8"))
SMALL = [
    {"name": "small", "plan": "builtin", "horizon": "1d",
     "injects": [{"at": "02:00", "category": "other", "example": "public_order", "level": "II",
                  "changes": [{"after": "30m", "level": "I"}],
                  "cascades": [{"after": "5m", "category": "accidents_disasters", "level": "III"}]}]},
    {"name": "staffing", "plan": "builtin",
     "staffing": {"office": {"staff": 1, "absences": [{"from": "0d 08:00", "to": "1d 08:00", "staff": 1}]},
                  "grid_worker": {"grids": {"grid_1": None, "north": {"shifts": [{"from": "22:00", "to": "07:00",
                                                                                   "staff": 1}]}}}},
     "durations": {"verify": {"dist": "empirical", "samples": ["4m", "7m"]}, "judge": "5m"},
     "channels": {"media": {"wired": {"failures": [{"from": "01:00", "to": "03:00"}]}}}},
]
DOCUMENTS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
DOCUMENTS += [PLAN, *SMALL]

# Words the schema knows, so that mutations often reach deep validation instead of stopping at the first name.
NAMES = ["dist", "value", "mean", "median", "p90", "low", "mode", "high", "samples", "by_category", "by_level",
         "time_of_day", "from", "to", "staff", "shifts", "absences", "grids", "handover", "at", "after", "level",
         "category", "example", "grid", "changes", "cascades", "actor", "report", "or", "probability", "milestone",
         "start", "end", "limit", "applies", "levels", "order", "media", "delay", "kind", "stand_in", "units",
         "office", "leader", "deputy", "grid_worker", "escalation", "change", "occurred", "judge", "@first_report",
         "@judge", "superior", "per_grid", "pool", "unlimited", "lognormal", "empirical", "constant", "I", "II",
         "grid_1", "wired", "satellite", "other", "earthquake", "major_class", "command_post", "per", "when"]
scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=12) | st.sampled_from(NAMES)
           | st.sampled_from(["20m", "0s", "-1h", "1.5h", "02:10", "24:00", "1d 02:10", "1" * 400 + "d",
                              "999999d 02:00", "0d 00:00", "7d"]))
yaml_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), children, max_size=3),
    max_leaves=6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], how: str, value: Any, name: str) -> Any:
    """A copy of `doc` with one change at `path`; the original is left alone."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        copy = dict(doc)
        if rest:
            copy[head] = _mutate(doc[head], rest, how, value, name)
        elif how == "delete":
            copy.pop(head, None)
        elif how == "rename":
            copy[name] = copy.pop(head)
        elif how == "add" and isinstance(doc[head], dict):
            copy[head] = {**doc[head], name: value}
        else:
            copy[head] = value
        return copy
    copy_list = list(doc)
    if rest:
        copy_list[head] = _mutate(doc[head], rest, how, value, name)
    elif how == "delete":
        del copy_list[head]
    else:
        copy_list[head] = value
    return copy_list


@st.composite
def mutated(draw: st.DrawFn) -> str:
    doc = draw(st.sampled_from(DOCUMENTS))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        how = draw(st.sampled_from(["delete", "replace", "rename", "add"]))
        doc = _mutate(doc, draw(st.sampled_from(paths)), how, draw(yaml_values),
                      draw(st.sampled_from(NAMES) | st.text(min_size=1, max_size=10)))
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _loads_or_explains(text: str, file: str) -> None:
    try:
        loads(text, file)
    except ScenarioError as exc:
        _explained(exc)


def _explained(exc: ScenarioError) -> None:
    assert exc.problems
    for problem in exc.problems:
        assert problem.line is not None, problem
        assert problem.message and "\n" not in str(problem), problem


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_scenarios_load_or_raise_scenario_error(text: str) -> None:
    _loads_or_explains(text, "<mutated>")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_raises_scenario_error(text: str) -> None:
    try:
        loads(text, "<text>")
    except ScenarioError as exc:
        assert exc.problems


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_files_load_or_raise_scenario_error(data: bytes) -> None:
    handle, name = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        load(Path(name))
    except ScenarioError as exc:
        assert all(problem.file == name for problem in exc.problems)
    finally:
        os.unlink(name)
