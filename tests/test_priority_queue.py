"""One office worker under the level policy is an M/M/1 non-preemptive priority queue: Cobham's formulas hold.

tests/data/cases/mm1-two-classes.yaml: Poisson arrivals at lambda = 3.6 per
hour, half of level I (class 1) and half of level IV (class 2), exponential
judgement with mean 1/mu = 10 minutes for both: rho_1 = rho_2 = 0.3.
Cobham (non-preemptive priority, M/G/1): W_k = W0 / ((1 - s_{k-1})(1 - s_k))
with W0 = sum_i lambda_i E[S_i^2] / 2 and s_k = rho_1 + ... + rho_k. Here
E[S^2] = 2 / mu^2, so W0 = lambda / mu^2 = 0.1 h = 6 min; W_1 = 6 / 0.7 =
8.57 min, W_2 = 6 / (0.7 x 0.4) = 21.4 min. First come, first served, both
classes wait as in an M/M/1 queue: rho / (mu - lambda) = 0.25 h = 15 min.
"""

from __future__ import annotations

import pytest

from drillsim.model import simulate
from drillsim.results.stats import ratio_interval
from drillsim.scenario import Scenario, load
from tests.helpers import CASES

CASE = CASES / "mm1-two-classes.yaml"


def cobham(rates: list[float], mean_service: list[float], second_moments: list[float]) -> list[float]:
    """Mean wait in queue of each class of an M/G/1 non-preemptive priority queue, class 1 served first."""
    w0 = sum(rate * moment for rate, moment in zip(rates, second_moments, strict=True)) / 2
    out, below = [], 0.0
    for rate, mean in zip(rates, mean_service, strict=True):
        above = below + rate * mean
        out.append(w0 / ((1 - below) * (1 - above)))
        below = above
    return out


def _waits(scenario: Scenario, replications: int) -> dict[str, tuple[float, float, float]]:
    """Per level: the mean wait for the office in minutes with its interval, pooled over every judgement (as
    drillsim prints mean waits: stats.ratio_interval, not a mean of means)."""
    totals: dict[str, list[float]] = {level: [] for level in scenario.levels}
    counts: dict[str, list[int]] = {level: [] for level in scenario.levels}
    for r in range(replications):
        rep = simulate(scenario, scenario.seed, r)
        level = {incident.incident: incident.level for incident in rep.incidents}
        for name in scenario.levels:
            waits = [s.started - s.queued for s in rep.steps if s.started is not None and level[s.incident] == name]
            totals[name].append(float(sum(waits)))
            counts[name].append(len(waits))
    out = {}
    for name in scenario.levels:
        mean, low, high = ratio_interval(totals[name], counts[name])
        out[name] = (mean / 60, low / 60, high / 60)
    return out


def test_cobham_formulas_for_two_classes() -> None:
    w1, w2 = cobham([1.8, 1.8], [1 / 6, 1 / 6], [2 / 36, 2 / 36])
    assert (w1 * 60, w2 * 60) == (pytest.approx(6 / 0.7), pytest.approx(6 / 0.28))


def test_level_policy_waits_agree_with_cobham_and_first_come_first_served_does_not() -> None:
    """Each class's mean wait is within its interval of Cobham's W_k under `level`. Under `fcfs` (fewer
    replications: the classes are far apart) both classes wait the M/M/1 mean and Cobham's W_k fall outside
    the intervals: the test tells the two policies apart."""
    scenario = load(CASE)
    w1, w2 = (60 * w for w in cobham([1.8, 1.8], [1 / 6, 1 / 6], [2 / 36, 2 / 36]))
    waits = _waits(scenario, scenario.replications)
    for name, expected in (("I", w1), ("IV", w2)):
        mean, low, high = waits[name]
        assert low <= expected <= high, (name, expected, waits[name])
        assert mean == pytest.approx(expected, rel=0.1)
    fcfs = _waits(scenario.replace({"policy": "fcfs"}), 4)
    for name, expected in (("I", w1), ("IV", w2)):
        _, low, high = fcfs[name]
        assert not low <= expected <= high, (name, expected, fcfs[name])
        assert low <= 15 <= high, (name, fcfs[name])
