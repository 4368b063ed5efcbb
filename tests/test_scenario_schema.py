"""The validated scenario: immutable, picklable, and its staffing schedule computed by hand."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from drillsim.report.plan import as_data
from drillsim.scenario import Scenario, load, loads
from drillsim.scenario.schema import FrozenDict, Staffing
from drillsim.scenario.units import DAY, HOUR
from tests.helpers import CASES, ROOT, SCENARIOS


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """Loaded once: every test here either only reads it or shows that a change is refused."""
    return load(ROOT / "scenarios" / "baseline-week.yaml")


CHANGES: list[Callable[[FrozenDict[str, Any]], object]] = [
    lambda d: d.__setitem__("office", None),
    lambda d: d.__delitem__("office"),
    lambda d: d.update(office=None),
    lambda d: d.pop("office"),
    lambda d: d.popitem(),
    lambda d: d.setdefault("nobody", None),
    lambda d: d.clear(),
    lambda d: d.__ior__({"nobody": None}),
]


@pytest.mark.parametrize("change", CHANGES, ids=["setitem", "delitem", "update", "pop", "popitem", "setdefault",
                                                 "clear", "ior"])
def test_a_validated_scenario_cannot_be_changed_in_place(scenario: Scenario,
                                                         change: Callable[[FrozenDict[str, Any]], object]) -> None:
    before = dict(scenario.staffing)
    with pytest.raises(TypeError, match="cannot be changed in place"):
        change(scenario.staffing)
    assert dict(scenario.staffing) == before


def test_fields_are_frozen_too(scenario: Scenario) -> None:
    with pytest.raises(ValidationError):
        scenario.horizon = 1  # type: ignore[misc]
    with pytest.raises(ValidationError):
        scenario.staffing["office"].staff = 9  # type: ignore[misc]


def test_mappings_are_frozen_all_the_way_down(scenario: Scenario) -> None:
    assert isinstance(scenario.staffing, FrozenDict)
    assert isinstance(scenario.staffing["grid_worker"].grids, FrozenDict)
    assert isinstance(scenario.durations["discovery"].by_category, FrozenDict)
    assert isinstance(scenario.sources[0].categories, FrozenDict)
    assert isinstance(scenario.flow, tuple) and isinstance(scenario.staffing["office"].shifts, tuple)


def test_a_scenario_pickles_to_an_equal_frozen_scenario(scenario: Scenario) -> None:
    copy = pickle.loads(pickle.dumps(scenario))
    assert copy == scenario and copy is not scenario
    assert type(copy.staffing) is FrozenDict
    with pytest.raises(TypeError):
        copy.staffing["office"] = None


def test_frozen_dicts_hash_by_content_and_merge_into_new_dicts() -> None:
    a, b = FrozenDict({"x": 1, "y": 2}), FrozenDict({"y": 2, "x": 1})
    assert hash(a) == hash(b) and a == b
    assert a | {"z": 3} == {"x": 1, "y": 2, "z": 3} and a == {"x": 1, "y": 2}


def staffing(**fields: Any) -> Staffing:
    return Staffing.model_validate(fields)


OFFICE = {"staff": 2, "shifts": [{"from": "08:00", "to": "18:00", "staff": 3},
                                 {"from": "22:00", "to": "07:00", "staff": 1}]}


def test_schedule_of_the_plans_office_over_one_day() -> None:
    # 00:00 the night shift (1), 07:00 the base count (2), 08:00-18:00 day shift (3), 18:00 base, 22:00 night.
    assert staffing(**OFFICE).schedule(DAY) == ((0, 1), (7 * HOUR, 2), (8 * HOUR, 3), (18 * HOUR, 2), (22 * HOUR, 1))


def test_schedule_runs_the_night_shift_on_past_midnight_without_a_change_point() -> None:
    schedule = staffing(**OFFICE).schedule(2 * DAY)
    assert schedule[:5] == staffing(**OFFICE).schedule(DAY)
    assert schedule[5:] == ((DAY + 7 * HOUR, 2), (DAY + 8 * HOUR, 3), (DAY + 18 * HOUR, 2), (DAY + 22 * HOUR, 1))


def test_absences_subtract_and_never_go_below_zero() -> None:
    office = staffing(**OFFICE, absences=[{"from": "10:00", "to": "12:00", "staff": 1},
                                          {"from": "23:00", "to": "1d 01:00", "staff": 2}])
    assert office.schedule(DAY + 6 * HOUR) == (
        (0, 1), (7 * HOUR, 2), (8 * HOUR, 3), (10 * HOUR, 2), (12 * HOUR, 3), (18 * HOUR, 2), (22 * HOUR, 1),
        (23 * HOUR, 0), (DAY + HOUR, 1))


def test_a_constant_staff_is_one_point_and_the_horizon_cuts_the_schedule() -> None:
    assert staffing(staff=4).schedule(7 * DAY) == ((0, 4),)
    assert staffing(**OFFICE).schedule(8 * HOUR) == ((0, 1), (7 * HOUR, 2))


def test_a_grid_inherits_what_it_does_not_set() -> None:
    actor = staffing(staff=3, shifts=[{"from": "22:00", "to": "07:00", "staff": 1}], handover="5m",
                     grids={"north": {"staff": 2}, "south": {"shifts": []}, "east": {}})
    north, south, east = actor.for_grid("north"), actor.for_grid("south"), actor.for_grid("east")
    assert (north.staff, north.shifts, north.handover) == (2, actor.shifts, 300)
    assert (south.staff, south.shifts) == (3, ())
    assert east.schedule(DAY) == ((0, 1), (7 * HOUR, 3), (22 * HOUR, 1))
    assert north.schedule(DAY) == ((0, 1), (7 * HOUR, 2), (22 * HOUR, 1))


@pytest.mark.parametrize("path", [*SCENARIOS, *sorted(CASES.glob("*.yaml"))], ids=lambda p: p.stem)
def test_the_effective_scenario_loads_back_as_a_whole_plan(path: Path) -> None:
    """What `run --out` writes as scenario.yaml: the merged document, without `plan`, so it is not merged again."""
    original = load(path)
    data = as_data(original)
    assert data.pop("plan") == original.plan
    again = loads(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "scenario.yaml")
    assert again == original


def test_the_effective_scenario_keeps_what_a_grid_inherits(scenario: Scenario) -> None:
    """A grid that sets only its shifts keeps its actor's staff of 3 by day once written out and read back."""
    night = [{"from": "22:00", "to": "07:00", "staff": 1}]
    variant = scenario.replace({"staffing.grid_worker.staff": 3, "staffing.grid_worker.grids.grid_1": {"shifts": night},
                                "staffing.grid_worker.grids.grid_2": {}})
    data = as_data(variant)
    data.pop("plan")
    again = loads(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "scenario.yaml")
    written, read = variant.staffing_of("grid_worker"), again.staffing_of("grid_worker")
    assert written.for_grid("grid_1").schedule(DAY) == read.for_grid("grid_1").schedule(DAY) == \
        ((0, 1), (7 * HOUR, 3), (22 * HOUR, 1))
    assert written.for_grid("grid_2").schedule(DAY) == read.for_grid("grid_2").schedule(DAY) == ((0, 3),)
    rewritten = as_data(again)
    rewritten.pop("plan")
    assert rewritten == data
