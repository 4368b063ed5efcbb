"""Invariants that hold for every bundled scenario, whatever the draws.

Three replications of each scenario: nothing is lost, no milestone goes back
in time, nobody works more than is on duty, and more staff never means longer
waits at the actor that got them (first come, first served, with every
incident's durations drawn for the incident).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from drillsim.model import Replication, incidents_of, simulate, staffing_records
from drillsim.model.records import StaffingRecord, StepRecord
from drillsim.model.staffing import roles_of
from drillsim.results import Results
from drillsim.scenario import Scenario, load
from drillsim.scenario.schema import FrozenDict, Staffing
from tests.helpers import SCENARIOS

REPLICATIONS = 3


@cache
def _scenario(stem: str) -> Scenario:
    return load(next(path for path in SCENARIOS if path.stem == stem))


@cache
def _run(stem: str, replication: int) -> Replication:
    scenario = _scenario(stem)
    return simulate(scenario, scenario.seed, replication)


STEMS = [path.stem for path in SCENARIOS]
RUNS = [(stem, r) for stem in STEMS for r in range(REPLICATIONS)]


def _reached(record: StepRecord) -> int | None:
    return record.delivered if record.delivered is not None else record.finished


@pytest.mark.parametrize(("stem", "replication"), RUNS)
def test_every_incident_that_occurred_is_closed_or_still_open(stem: str, replication: int) -> None:
    scenario = _scenario(stem)
    rep = _run(stem, replication)
    generated = incidents_of(scenario, scenario.seed, replication)
    assert [(i.id, i.occurred) for i in generated] == [(r.incident, r.occurred) for r in rep.incidents]
    assert all(0 <= i.occurred < scenario.horizon for i in generated)
    closing = [step.milestone for step in scenario.flow if step.effect == "close"]
    for record in rep.incidents:
        reached = [record.milestones[name] for name in closing if name in record.milestones]
        if record.closed is not None:
            assert record.occurred <= record.closed < scenario.horizon
            assert reached == [record.closed]  # closed by one step: the reserve team's, or the responders'
        else:
            assert reached == []
    # Every rule that applies to every incident has exactly one verdict per incident.
    for rule_id, rule in scenario.deadlines.items():
        if rule.applies == "all" and not rule.levels:
            assert sorted(v.incident for v in rep.verdicts if v.rule == rule_id) == \
                [r.incident for r in rep.incidents]


@pytest.mark.parametrize(("stem", "replication"), RUNS)
def test_every_record_carries_its_own_incident_s_facts(stem: str, replication: int) -> None:
    """The model builds its records positionally: each field must hold what its name says."""
    scenario = _scenario(stem)
    rep = _run(stem, replication)
    generated = {i.id: i for i in incidents_of(scenario, scenario.seed, replication)}
    for record in rep.incidents:
        incident = generated[record.incident]
        assert (record.replication, record.source, record.parent, record.category, record.example,
                record.description, record.grid, record.level, record.judged_level) == \
            (replication, incident.source, incident.parent, incident.category, incident.example,
             incident.description, incident.grid, incident.level, incident.judged_level)
        assert record.changes == tuple(change.time for change in incident.changes)
        assert record.final_level == (record.level_history[-1][1] if record.level_history else incident.level)
        assert record.milestones["occurred"] == record.occurred == incident.occurred
    for step in rep.steps:
        incident = generated[step.incident]
        assert step.replication == replication and step.step in {s.id for s in scenario.flow}
        assert step.actor in scenario.actors and step.served_by in scenario.actors
        if scenario.actors[step.actor].kind == "working_group":
            assert step.unit == scenario.categories[incident.category].working_group
        else:
            assert step.unit in ("", incident.grid)
        roles = {f"{actor}:{unit}" if unit else actor for actor, unit in roles_of(scenario)}
        for token in filter(None, step.people.split("+")):
            name, _, count = token.partition("*")
            assert name in scenario.people or name in roles, token
            assert not count or int(count) >= 2
        assert step.queued <= (step.started if step.started is not None else scenario.horizon)
        assert step.units >= 1 and step.incomplete in (True, False)


@pytest.mark.parametrize(("stem", "replication"), RUNS)
def test_milestones_never_go_backwards_along_the_flow(stem: str, replication: int) -> None:
    scenario = _scenario(stem)
    rep = _run(stem, replication)
    flow = {step.id: step for step in scenario.flow}
    incidents = {r.incident: r for r in rep.incidents}
    by_key = {(s.incident, s.step, s.change): s for s in rep.steps}
    assert len(by_key) == len(rep.steps)  # one record per step instance
    for s in rep.steps:
        incident = incidents[s.incident]
        assert s.queued >= incident.occurred
        for name in flow[s.step].after:
            if name == "change":
                assert s.queued >= incident.changes[s.change]
            elif name in flow:
                instances = [by_key.get((s.incident, name, k)) for k in
                             ([s.change] if flow[name].per == "change" and s.change >= 0 else
                              range(len(incident.changes)) if flow[name].per == "change" else [-1])]
                for before in instances:
                    assert before is not None and _reached(before) is not None
                    assert s.queued >= _reached(before)  # type: ignore[operator]
        times = [s.queued, s.started, s.finished, s.delivered]
        reached = [t for t in times if t is not None]
        assert times[:len(reached)] == reached, "a later event without an earlier one"
        assert reached == sorted(reached)
        assert reached[-1] < scenario.horizon
        if s.acknowledged is not None:
            assert s.delivered is not None and s.acknowledged >= s.delivered
    for incident in rep.incidents:
        for name, time in incident.milestones.items():
            assert incident.occurred <= time < scenario.horizon, name
        assert [t for t, _ in incident.level_history] == sorted(t for t, _ in incident.level_history)


def _on_duty(staffing: list[StaffingRecord], actor: str, unit: str, time: int) -> int:
    count = 0
    for row in staffing:
        if row.actor == actor and row.unit == unit and row.time <= time:
            count = row.on_duty
    return count


@pytest.mark.parametrize(("stem", "replication"), RUNS)
def test_nobody_works_more_than_is_on_duty(stem: str, replication: int) -> None:
    """Utilisation never exceeds 1.

    A task in hand when a shift ends goes on, so in the hour after a shift
    change more people can be at work than are on duty, and the utilisation of
    that window alone can pass 1. What must hold: whenever a task is taken,
    the people at work (that task included) are no more than those on duty;
    and over the whole horizon the busy person-seconds of each crew are no
    more than its on-duty person-seconds.
    """
    scenario = _scenario(stem)
    rep = _run(stem, replication)
    staffing = staffing_records(scenario, [replication])
    crews = {(row.actor, row.unit) for row in staffing}
    for actor, unit in crews:
        # A task of people who share roles, or of a team, names its people: tests/test_people.py checks each person.
        tasks = [s for s in rep.steps if s.served_by == actor and s.unit == unit and s.started is not None
                 and not s.people]
        for task in tasks:
            at = task.started
            working = sum(s.units for s in tasks if s.started <= at and (s.finished is None or s.finished > at))
            assert working <= _on_duty(staffing, actor, unit, at), (actor, unit, at)
        busy = sum(((s.finished if s.finished is not None else scenario.horizon) - s.started) * s.units
                   for s in tasks)
        schedule = sorted((row.time, row.on_duty) for row in staffing if (row.actor, row.unit) == (actor, unit))
        ends = [t for t, _ in schedule[1:]] + [scenario.horizon]
        capacity = sum((end - start) * count for (start, count), end in zip(schedule, ends, strict=True))
        assert busy <= capacity, (actor, unit)
    # The same for the figure the table prints, per actor over all its crews.
    assert (Results(scenario, scenario.seed, [rep]).actors()["utilisation"] <= 1).all()


def _plus(staffing: Staffing, extra: int, fields: frozenset[str] | None = None) -> Staffing:
    """The same staffing with `extra` more people at every hour of the day."""
    names = fields if fields is not None else frozenset({"staff", "shifts"})
    update: dict[str, object] = {}
    if "staff" in names:
        update["staff"] = staffing.staff + extra
    if "shifts" in names:
        update["shifts"] = tuple(s.model_copy(update={"staff": s.staff + extra}) for s in staffing.shifts)
    if staffing.grids:
        update["grids"] = FrozenDict({grid: _plus(own, extra, frozenset(own.model_fields_set))
                                      for grid, own in staffing.grids.items()})
    return staffing.model_copy(update=update)


def _more(scenario: Scenario, actor: str, extra: int) -> Scenario:
    staffing = dict(scenario.staffing)
    staffing[actor] = _plus(staffing[actor], extra)
    return scenario.model_copy(update={"staffing": FrozenDict(staffing)})


def _waits(rep: Replication, actor: str) -> dict[tuple[int, str, int], int]:
    return {(s.incident, s.step, s.change): s.started - s.queued for s in rep.steps
            if s.actor == actor and s.started is not None}


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("actor", ["office", "grid_worker"])
def test_more_staff_never_raises_the_mean_wait_at_that_actor(stem: str, actor: str) -> None:
    scenario = _scenario(stem)
    for replication in range(REPLICATIONS):
        base = _run(stem, replication)
        means = []
        for extra in (0, 1, 2):
            rep = simulate(_more(scenario, actor, extra), scenario.seed, replication) if extra else base
            # The extra people are on duty at every hour: the schedule rises by exactly `extra`.
            assert [(r.actor, r.unit, r.time, r.on_duty + (extra if r.actor == actor else 0))
                    for r in staffing_records(scenario, [replication])] \
                == [(r.actor, r.unit, r.time, r.on_duty) for r in staffing_records(_more(scenario, actor, extra),
                                                                                     [replication])]
            waits = _waits(rep, actor)
            means.append(float(np.mean(list(waits.values()))) if waits else 0.0)
        assert means == sorted(means, reverse=True), (replication, means)


@pytest.mark.parametrize("stem", STEMS)
def test_more_grid_workers_never_delay_any_verification(stem: str) -> None:
    """A single FIFO station whose arrivals staffing cannot change: each task, not just the mean, starts no later."""
    scenario = _scenario(stem)
    for replication in range(REPLICATIONS):
        before = _waits(_run(stem, replication), "grid_worker")
        after = _waits(simulate(_more(scenario, "grid_worker", 1), scenario.seed, replication), "grid_worker")
        assert set(after) >= set(before)
        assert all(after[key] <= wait for key, wait in before.items())
