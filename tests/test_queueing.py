"""The office alone as an M/M/c queue agrees with Erlang C, and Little's law holds per stage.

tests/cases/mmc-office.yaml: Poisson arrivals at 6 per hour, exponential judgement
with mean 10 minutes (mu = 6 per hour), c = 2 office staff: rho = 0.5.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from drillsim.model import simulate
from drillsim.results.stats import t_interval
from drillsim.scenario import load

CASE = Path(__file__).parent / "cases" / "mmc-office.yaml"


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
    means = [float((x[:, 1] - x[:, 0]).mean()) for x in office_waits]
    probabilities = [float(((x[:, 1] - x[:, 0]) > 0).mean()) for x in office_waits]
    mean, low, high = t_interval(means)
    assert low <= wq <= high
    assert mean == pytest.approx(wq, rel=0.03)
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
