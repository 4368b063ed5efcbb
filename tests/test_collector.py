"""The cyclic garbage collector may be paused during a replication: the model leaves no garbage cycles behind.

With the collector off, every garbage reference cycle stays in memory until
it is back on, so the pause is safe only because the model creates none per
incident. What a finished replication leaves for the collector is only the
environment and the processes still in flight at the horizon.
"""

from __future__ import annotations

import gc
import threading
import types
from collections.abc import Iterator

import pytest
import simpy
from pydantic import BaseModel

from drillsim.model import Chain, simulate
from drillsim.model.collector import collector_paused
from drillsim.results.tally import Tally
from drillsim.scenario import Scenario, load
from tests.helpers import ROOT


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.parametrize("name", ["baseline-week", "night-shift-one-grid-worker"])
@pytest.mark.parametrize("keep", ["all", "summary"])
def test_a_replication_leaves_no_garbage_cycles_per_incident(name: str, keep: str, collector_on: None) -> None:
    scenario = load(ROOT / "scenarios" / f"{name}.yaml")
    scenario = scenario.model_copy(update={"horizon": scenario.horizon * 8})
    tally = Tally(0, scenario.horizon)
    gc.collect()
    gc.disable()
    try:
        replication = simulate(scenario, 11, 0, load=5.0, on_incident=tally.add if keep == "summary" else None)
        garbage = gc.collect()
    finally:
        gc.enable()
    incidents = len(replication.incidents) if keep == "all" else tally.incidents
    assert incidents > 300
    structure = _structure(scenario)
    assert garbage < incidents / 10 + structure, \
        f"{garbage} objects in garbage cycles after {incidents} incidents (the chain itself has {structure})"


def _structure(scenario: Scenario) -> int:
    """How many objects a chain is made of before its first incident: what a process still in flight at the
    horizon keeps in a cycle with it (its frame holds the chain), however many incidents came before.

    About 5,700 for the built-in plan: an incident's records and its Live state are some dozens of objects, so
    a cycle per incident still passes the bound after the first few hundred incidents.
    """
    chain = Chain(simpy.Environment(), scenario, 0)
    seen: set[int] = set()
    todo: list[object] = [chain]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (BaseModel, type, types.ModuleType)) or not gc.is_tracked(obj):
            continue
        seen.add(id(obj))
        todo.extend(gc.get_referents(obj))
    return len(seen)


def test_a_replication_leaves_the_collector_as_it_found_it(collector_on: None) -> None:
    scenario = load(ROOT / "scenarios" / "baseline-week.yaml")
    simulate(scenario, 1, 0)
    assert gc.isenabled()
    gc.disable()
    try:
        simulate(scenario, 1, 0)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_after_an_error(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_overlapping_pauses_restore_the_collector_when_the_last_ends(collector_on: None) -> None:
    """A replication that began first and ends first must not switch the collector on under another one."""
    first_in, may_leave, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with collector_paused():
            first_in.set()
            may_leave.wait(timeout=10)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(timeout=10)
    with collector_paused():
        may_leave.set()
        assert first_out.wait(timeout=10)
        still_paused = not gc.isenabled()
    thread.join(timeout=10)
    assert still_paused
    assert gc.isenabled()
