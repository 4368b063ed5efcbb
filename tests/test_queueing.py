"""The office alone as an M/M/c queue agrees with Erlang C, and Little's law holds per stage.

tests/data/cases/mmc-office.yaml: Poisson arrivals at 6 per hour, exponential judgement
with mean 10 minutes (mu = 6 per hour), c = 2 office staff: rho = 0.5.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import simpy

from drillsim.model import Chain, incidents_of, simulate
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


def _probed_run(scenario: Scenario, load_factor: float) -> tuple[Chain, dict[tuple[str, str], Trail]]:
    """One replication stepped event by event, noting every crew's queue and people at work after each event.

    The probe watches the model from outside (desmod style): the chain is
    built and fed as `simulate` does, and run by hand.
    """
    env = simpy.Environment()
    chain = Chain(env, scenario, 0)
    env.process(chain.feed(incidents_of(scenario, scenario.seed, 0, load_factor)))
    crews = {(actor, unit): crew for actor, units in chain.crews.items() for unit, crew in units.items()}
    states: dict[tuple[str, str], Trail] = {key: [(0, 0, 0)] for key in crews}
    while env.peek() < scenario.horizon:
        env.step()
        now = int(env.now)
        for key, crew in crews.items():
            state = (now, len(crew.queue), crew.in_use)
            trail = states[key]
            if trail[-1][0] == now:
                trail[-1] = state
            elif trail[-1][1:] != state[1:]:
                trail.append(state)
    return chain, states


def _time_average(trail: Trail, column: int, horizon: int) -> float:
    ends = [t for t, *_ in trail[1:]] + [horizon]
    return sum(state[column] * (end - state[0]) for state, end in zip(trail, ends, strict=True)) / horizon


@pytest.mark.parametrize("stem", ["baseline-week", "earthquake-cascade"])
def test_littles_law_per_stage_of_a_bundled_scenario(stem: str) -> None:
    """At every crew: time-average number waiting (and at work), watched in the model, equals lambda x W
    from the step records.

    Integrated exactly (the state is piecewise constant between events), so
    the law holds as an identity: any difference is a record that disagrees
    with what the crew did. Times still running at the horizon are cut there.
    """
    scenario = load(Path(__file__).parent.parent / "scenarios" / f"{stem}.yaml")
    horizon = scenario.horizon
    chain, states = _probed_run(scenario, 3.0)
    checked = 0
    for (actor, unit), trail in states.items():
        waiting = [s for s in chain.steps if s.actor == actor and s.unit == unit]
        working = [s for s in chain.steps if s.served_by == actor and s.unit == unit and s.started is not None]
        rate = len(waiting) / horizon
        if waiting:
            mean_wait = float(np.mean([(s.started if s.started is not None else horizon) - s.queued
                                       for s in waiting]))
            assert _time_average(trail, 1, horizon) == pytest.approx(rate * mean_wait, rel=1e-9, abs=1e-12)
            checked += 1
        if working:
            mean_work = float(np.mean([((s.finished if s.finished is not None else horizon) - s.started) * s.units
                                       for s in working]))
            assert _time_average(trail, 2, horizon) == \
                pytest.approx(len(working) / horizon * mean_work, rel=1e-9)
    assert checked >= 5  # grid workers, department heads, office, leader, reserve team
