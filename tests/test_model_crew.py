"""The shifted FIFO crew, SimPy style: processes log (name, time) and the test asserts the exact list."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from drillsim.model.crew import Crew


def _task(env: simpy.Environment, crew: Crew, name: str, arrive: int, work: int, log: list[tuple[str, int]],
          units: int = 1) -> Generator[simpy.Event, Any, None]:
    yield env.timeout(arrive)
    claim = crew.claim(units)
    yield claim
    log.append((name, int(env.now)))
    yield env.timeout(work)
    crew.release(claim.units)


def test_tasks_are_taken_first_come_first_served_by_whoever_is_on_duty() -> None:
    env = simpy.Environment()
    log: list[tuple[str, int]] = []
    # One on duty until 100, two from then on, none from 300.
    crew = Crew(env, "office", ((0, 1), (100, 2), (300, 0)))
    for name, arrive, work in [("a", 0, 150), ("b", 10, 20), ("c", 20, 20), ("d", 290, 100), ("e", 310, 5)]:
        env.process(_task(env, crew, name, arrive, work, log))
    env.run(until=1000)
    # b waits for the second person (100); c waits for b (120); a's task continues past no change;
    # d starts at 290 and keeps working after the crew goes off duty at 300; e (310) is never served.
    assert log == [("a", 0), ("b", 100), ("c", 120), ("d", 290)]


def test_a_withdrawn_claim_lets_the_next_in_line_through() -> None:
    env = simpy.Environment()
    log: list[tuple[str, int]] = []
    crew = Crew(env, "reserve", ((0, 2),))
    claims = []

    def big() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1)
        claims.append(crew.claim(2))  # needs both people: blocks the queue behind it
        yield env.timeout(29)
        claims[0].withdraw()

    env.process(_task(env, crew, "first", 0, 100, log))

    env.process(_task(env, crew, "small", 10, 5, log))
    env.process(big())
    env.run(until=200)
    # small (1 person, one is free) waits behind the two-person claim until it is withdrawn at 30.
    assert log == [("first", 0), ("small", 30)]
    assert not claims[0].triggered


def test_a_claim_for_more_people_than_the_crew_ever_has_is_capped_at_its_peak() -> None:
    env = simpy.Environment()
    crew = Crew(env, "reserve", ((0, 3), (50, 10)))
    assert crew.claim(6).units == 6
    assert Crew(env, "small", ((0, 2),)).claim(6).units == 2


def test_take_grants_at_once_only_what_a_claim_would_grant_at_once() -> None:
    """A free person goes to a task without an event, but never past someone already waiting."""
    env = simpy.Environment()
    crew = Crew(env, "office", ((0, 2),))
    assert crew.take() == 1 and crew.in_use == 1
    waiting = crew.claim(2)  # two people, only one free: waits
    assert not waiting.triggered
    assert crew.take() == 0 and crew.in_use == 1  # one is free, but the claim came first
    crew.release(1)
    assert waiting.triggered and crew.in_use == 2
    assert crew.take(5) == 0  # capped at the peak of 2, and both are busy
