"""The office alone as an M/M/c queue agrees with Erlang C, and Little's law holds per stage.

tests/data/cases/mmc-office.yaml: Poisson arrivals at 6 per hour, exponential judgement
with mean 10 minutes (mu = 6 per hour), c = 2 office staff: rho = 0.5.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy

from drillsim.model import Chain, incidents_of, simulate
from drillsim.model.desk import Desk, Seat
from drillsim.results.stats import ratio_interval, t_interval
from drillsim.scenario import Scenario, load
from tests.helpers import CASES

CASE = CASES / "mmc-office.yaml"


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float]:
    """Probability of waiting and mean wait in queue of an M/M/c queue (textbook formula)."""
    a = arrival_rate / service_rate
    rho = a / servers
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait, p_wait / (servers * service_rate - arrival_rate)


@pytest.fixture(scope="module")
def office_waits() -> list[np.ndarray]:
    scenario = load(CASE)
    out = []
    for r in range(scenario.replications):
        rep = simulate(scenario, scenario.seed, r)
        out.append(np.array([(s.queued, s.started, s.finished) for s in rep.steps if s.finished is not None],
                            dtype=float))
    return out


def test_erlang_c_mean_wait_and_probability_of_waiting(office_waits: list[np.ndarray]) -> None:
    p_wait, wq_hours = erlang_c(6.0, 6.0, 2)
    assert p_wait == pytest.approx(1 / 3) and wq_hours == pytest.approx(1 / 18)
    wq = wq_hours * 3600
    # Pooled over every task, as drillsim prints mean waits (stats.ratio_interval), not a mean of means.
    totals = [float((x[:, 1] - x[:, 0]).sum()) for x in office_waits]
    mean, low, high = ratio_interval(totals, [len(x) for x in office_waits])
    assert low <= wq <= high
    assert mean == pytest.approx(wq, rel=0.03)
    probabilities = [float(((x[:, 1] - x[:, 0]) > 0).mean()) for x in office_waits]
    mean, low, high = t_interval(probabilities)
    assert low <= p_wait <= high
    assert mean == pytest.approx(p_wait, rel=0.03)


def test_littles_law_per_stage(office_waits: list[np.ndarray]) -> None:
    """Time-average number waiting and in service, sampled each minute, equals lambda times the mean time."""
    for x in office_waits:
        horizon = float(x[:, 2].max())
        grid = np.arange(0.0, horizon, 60.0)
        waiting = _count_inside(x[:, 0], x[:, 1], grid)
        serving = _count_inside(x[:, 1], x[:, 2], grid)
        rate = len(x) / horizon
        assert waiting.mean() == pytest.approx(rate * (x[:, 1] - x[:, 0]).mean(), rel=0.01)
        assert serving.mean() == pytest.approx(rate * (x[:, 2] - x[:, 1]).mean(), rel=0.01)
        assert serving.max() <= 2


def _count_inside(starts: np.ndarray, ends: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """How many intervals [start, end) contain each grid time."""
    return (np.searchsorted(np.sort(starts), grid, side="right")
            - np.searchsorted(np.sort(ends), grid, side="right"))


Trail = list[tuple[int, int, int]]


def _people_count(people: str) -> int:
    """How many people a step record names (`party_secretary+committee_member*2`: 3)."""
    return sum(int(token.rpartition("*")[2]) if "*" in token else 1 for token in people.split("+"))


def _probed_run(scenario: Scenario, load_factor: float) -> tuple[Chain, dict[object, Trail]]:
    """One replication stepped event by event, noting after each event every plain crew's queue and people at
    work, and every desk's waiting claims and people at work (the roles that share people, and the teams drawing
    on them, are served by one desk).

    The probe watches the model from outside (desmod style): the chain is
    built and fed as `simulate` does, and run by hand.
    """
    env = simpy.Environment()
    chain = Chain(env, scenario, 0)
    env.process(chain.feed(incidents_of(scenario, scenario.seed, 0, load_factor)))
    watched: dict[object, Any] = {}
    for units in chain.crews.values():
        for crew in units.values():
            watched[id(getattr(crew, "desk", crew))] = getattr(crew, "desk", crew)
    for team in chain.teams.values():
        watched[id(team.desk)] = team.desk

    def state(now: int, place: Any) -> tuple[int, int, int]:
        if isinstance(place, Desk):
            return now, len(place.waiting), sum(holder.in_use for holder in place.holders)
        return now, len(place.queue), place.in_use

    states: dict[object, Trail] = {key: [(0, 0, 0)] for key in watched}
    while env.peek() < scenario.horizon:
        env.step()
        now = int(env.now)
        for key, place in watched.items():
            current = state(now, place)
            trail = states[key]
            if trail[-1][0] == now:
                trail[-1] = current
            elif trail[-1][1:] != current[1:]:
                trail.append(current)
    return chain, states


def _time_average(trail: Trail, column: int, horizon: int) -> float:
    ends = [t for t, *_ in trail[1:]] + [horizon]
    return sum(state[column] * (end - state[0]) for state, end in zip(trail, ends, strict=True)) / horizon


@pytest.mark.parametrize("stem", ["baseline-week", "earthquake-cascade"])
def test_littles_law_per_stage_of_a_bundled_scenario(stem: str) -> None:
    """At every crew and desk: time-average number waiting (and at work), watched in the model, equals lambda x W
    from the step records.

    Integrated exactly (the state is piecewise constant between events), so
    the law holds as an identity: any difference is a record that disagrees
    with what the crew did. Times still running at the horizon are cut there.
    A desk counts claims: a task that waited past the hand-over is also asked
    of the stand-in from then until it starts (Chain._stand_in, Chain._team).
    People at work are the records' `units` at a crew, the people a record
    names at a desk, and a team keeps its people from one step to the step it
    hands them to (the command post from set-up to stand-down, its report's
    transit included).
    """
    scenario = load(Path(__file__).parent.parent / "scenarios" / f"{stem}.yaml")
    horizon = scenario.horizon
    chain, states = _probed_run(scenario, 3.0)

    def place(actor: str, unit: str) -> Any:
        units = chain.crews.get(actor, {})
        crew = units.get(unit, units.get(""))
        if crew is not None:
            return getattr(crew, "desk", crew)
        team = chain.teams.get((actor, unit)) or chain.teams.get((actor, ""))
        return team.desk if team is not None else None

    def stand_in(actor: str, unit: str) -> tuple[Any, int] | None:
        team = chain.teams.get((actor, unit)) or chain.teams.get((actor, ""))
        if team is not None:
            return (team.desk, team.stand_in[1]) if team.stand_in is not None and team.leader is not None else None
        other = scenario.actors[actor].stand_in
        return (place(other, ""), scenario.staffing_of(other).handover) if other is not None else None

    waits: dict[int, list[float]] = {}
    work: dict[int, list[float]] = {}
    for s in chain.steps:
        where = place(s.actor, s.unit)
        if where is None:
            continue  # unlimited actors and superiors: nobody waits for them
        end = s.started if s.started is not None else horizon
        waits.setdefault(id(where), []).append(end - s.queued)
        other = stand_in(s.actor, s.unit)
        if other is not None and end - s.queued > other[1]:
            waits.setdefault(id(other[0]), []).append(end - s.queued - other[1])
        if s.started is not None:
            served = place(s.served_by, s.unit) if s.served_by != s.actor and not s.people else where
            people = _people_count(s.people) if s.people else s.units
            work.setdefault(id(served), []).append(((s.finished if s.finished is not None else horizon) - s.started)
                                                   * people)
    records = {(s.incident, s.step, s.change): s for s in chain.steps}
    hands = {plan.id: plan.hands_to.id for plan in chain._structure.plans.values() if plan.hands_to is not None}
    for s in chain.steps:
        then = records.get((s.incident, hands.get(s.step, ""), s.change))
        if then is not None and s.finished is not None:
            kept = (then.started if then.started is not None else horizon) - s.finished
            work[id(place(s.actor, s.unit))].append(kept * _people_count(s.people))
    checked = desks = 0
    for key, trail in states.items():
        if key in waits:
            assert _time_average(trail, 1, horizon) == pytest.approx(sum(waits[key]) / horizon, rel=1e-9, abs=1e-12)
            checked += 1
        if key in work:
            assert _time_average(trail, 2, horizon) == pytest.approx(sum(work[key]) / horizon, rel=1e-9)
        desks += key in waits and any(isinstance(crew, Seat) and id(crew.desk) == key
                                      for units in chain.crews.values() for crew in units.values())
    # Department heads and office are crews of their own; the teams draw every other role (the people, grid
    # workers, police...) onto one desk.
    assert checked >= 3 and desks >= 1
