"""Mutated scenarios are either loaded or refused with drillsim's own error, never a crash.

Hypothesis deletes keys, replaces values with arbitrary YAML values and renames
keys anywhere in the bundled scenarios (merged over the built-in plan), then
loads the result through the public loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillsim.scenario import ScenarioError, loads
from drillsim.scenario.loader import BUILTIN_PLAN

ROOT = Path(__file__).resolve().parent.parent
PLAN = yaml.safe_load((ROOT / "src/drillsim/scenario/plans" / f"{BUILTIN_PLAN}.yaml").read_text(encoding="utf-8"))
DOCUMENTS = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
DOCUMENTS.append(PLAN)

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
    | st.text(max_size=12) | st.sampled_from(["20m", "0s", "-1h", "02:10", "1d 02:10", "grid_1", "II", "dist"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
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


def _mutate(doc: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        copy = dict(doc)
        if not rest and how == "delete":
            copy.pop(head, None)
        elif not rest and how == "rename":
            copy[str(value)[:10] + "_"] = copy.pop(head)
        else:
            copy[head] = _mutate(doc[head], rest, how, value)
        return copy
    copy_list = list(doc)
    if not rest and how == "delete":
        del copy_list[head]
    else:
        copy_list[head] = _mutate(doc[head], rest, how, value)
    return copy_list


@st.composite
def mutated(draw: st.DrawFn) -> str:
    doc = draw(st.sampled_from(DOCUMENTS))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["delete", "replace", "rename"]))
        doc = _mutate(doc, path, how, draw(yaml_values))
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_scenarios_load_or_raise_scenario_error(text: str) -> None:
    try:
        loads(text, "<mutated>")
    except ScenarioError as exc:
        assert exc.problems
        assert all(str(p).startswith("<") for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_raises_scenario_error(text: str) -> None:
    try:
        loads(text, "<text>")
    except ScenarioError:
        pass
