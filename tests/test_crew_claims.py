"""The crew's claims at their edges: the stand-in race, schedules that start late or never, claims above the headcount.

Each case is small enough to follow by hand; the expected headcounts and
times are read off the schedule, not from a run.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from drillsim.model.crew import Crew


def test_withdrawing_a_granted_claim_gives_its_people_to_the_next_in_line() -> None:
    """The stand-in race: a claim granted in the same instant its stand-in won is given back whole."""
    env = simpy.Environment()
    crew = Crew(env, "office", ((0, 2),))
    won = crew.claim(2)
    waiting = crew.claim(1)
    assert won.triggered and not waiting.triggered and crew.in_use == 2
    won.withdraw()
    assert waiting.triggered and crew.in_use == 1


def test_a_crew_whose_first_shift_starts_later_has_nobody_until_then() -> None:
    env = simpy.Environment()
    crew = Crew(env, "night", ((1, 2),))
    assert crew.on_duty == 0
    granted: list[float] = []

    def task() -> Generator[simpy.Event, Any, None]:
        yield crew.claim()
        granted.append(env.now)

    env.process(task())
    env.run(until=10)
    assert granted == [1] and crew.on_duty == 2 and crew.in_use == 1


def test_a_crew_whose_headcount_never_changes_schedules_nothing() -> None:
    env = simpy.Environment()
    crew = Crew(env, "office", ((0, 2),))
    assert env.peek() == math.inf
    assert crew.name == "office" and crew.on_duty == 2 and crew.peak == 2


def test_a_crew_without_a_schedule_has_nobody_and_caps_nothing() -> None:
    env = simpy.Environment()
    crew = Crew(env, "nobody", ())
    assert crew.on_duty == 0 and crew.peak == 0
    claim = crew.claim(3)
    env.run(until=100)
    assert claim.units == 3 and not claim.triggered
    assert crew.take(3) == 0


def test_a_multi_person_claim_on_a_one_person_crew_takes_that_person() -> None:
    env = simpy.Environment()
    crew = Crew(env, "deputy", ((0, 1),))
    claim = crew.claim(2)
    assert claim.units == 1 and claim.triggered and crew.in_use == 1
    crew.release(claim.units)
    assert Crew(env, "deputy", ((0, 1),)).take(2) == 1


def test_a_claim_is_for_one_person_unless_told_and_never_for_none() -> None:
    env = simpy.Environment()
    crew = Crew(env, "reserve", ((0, 3),))
    assert crew.claim().units == 1
    assert crew.claim(0).units == 1
    assert crew.in_use == 2


def test_take_adds_to_the_people_in_hand_and_stops_at_the_headcount() -> None:
    env = simpy.Environment()
    crew = Crew(env, "office", ((0, 2),))
    assert crew.take() == 1 and crew.take() == 1 and crew.in_use == 2
    assert crew.take() == 0 and crew.in_use == 2
    crew.release(2)
    assert crew.take(5) == 2 and crew.in_use == 2  # five asked of a crew of two: both
