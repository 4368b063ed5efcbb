"""Staffing comes from the scenario alone: the same rows for every replication, and the crews the chain staffs."""

from __future__ import annotations

import pickle
from dataclasses import fields

import simpy

from drillsim.model import Chain, Replication, simulate, staffing_records
from drillsim.scenario import load
from tests.helpers import ROOT

NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"
HOUR = 3600


def test_staffing_records_are_each_crews_schedule_in_actor_order() -> None:
    scenario = load(NIGHT)
    rows = staffing_records(scenario, [2])
    assert {row.replication for row in rows} == {2}
    # Every role, in the plan's actor order: the teams (command post, reserve team) are drawn from them and have no
    # staffing of their own.
    assert list(dict.fromkeys((row.actor, row.unit) for row in rows)) == [
        ("department_head", ""), ("grid_worker", "community"), ("office", ""), ("leader", ""), ("deputy", ""),
        ("commander", ""), ("committee_member", ""), ("community_police", ""), ("property_security", ""),
        ("health_station", ""), ("volunteer", "")]
    # The party secretary holds the leader's and the commander's role: on duty in both.
    assert [(row.time, row.on_duty) for row in rows if row.actor in ("leader", "commander")] == [(0, 1), (0, 1)]
    office = [(row.time, row.on_duty) for row in rows if row.actor == "office"]
    # staff 2, 3 from 08:00 to 18:00, 1 from 22:00 to 07:00: the first day, then the same every day.
    assert office[:5] == [(0, 1), (7 * HOUR, 2), (8 * HOUR, 3), (18 * HOUR, 2), (22 * HOUR, 1)]
    assert len(office) == 1 + 4 * 7  # midnight changes nothing: the night from 22:00 goes on to 07:00
    community = [(row.time, row.on_duty) for row in rows if row.unit == "community"]
    assert community[:3] == [(0, 1), (7 * HOUR, 3), (22 * HOUR, 1)]
    assert [(r.actor, r.unit, r.time, r.on_duty) for r in staffing_records(scenario, [0])] == \
        [(r.actor, r.unit, r.time, r.on_duty) for r in rows]


def test_the_chain_staffs_its_crews_by_the_same_schedules() -> None:
    """At every change of a schedule, the chain's crew has exactly that many on duty (with no incident at all)."""
    scenario = load(NIGHT)
    env = simpy.Environment()
    chain = Chain(env, scenario, 0)
    rows = staffing_records(scenario, [0])
    assert {(a, u) for a, units in chain.crews.items() for u in units} == {(r.actor, r.unit) for r in rows}
    for time in sorted({row.time for row in rows}):
        env.run(until=time + 1)
        for row in rows:
            if row.time == time:
                assert chain.crews[row.actor][row.unit].on_duty == row.on_duty, row


def test_a_replication_carries_no_staffing_back() -> None:
    """Staffing is deterministic: a summary-only replication, what workers send back, holds no rows of it."""
    assert "staffing" not in {f.name for f in fields(Replication)}
    scenario = load(NIGHT)
    streamed = simulate(scenario, scenario.seed, 0, on_incident=lambda incident, steps, verdicts: None)
    assert pickle.loads(pickle.dumps(streamed)) == Replication(0, [], [], [])
