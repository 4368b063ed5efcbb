"""The intervals of drillsim.results.stats on numbers small enough to work out by hand.

Two and three replications keep Student's t in closed form: with one degree
of freedom it is Cauchy's, t(p) = tan(pi (p - 1/2)); with two,
t(p) = (2p - 1) / sqrt(2 p (1 - p)). The expected values below are built
from those and the textbook formulas, not from the module under test.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from statistics import NormalDist

import pytest

from drillsim.results.stats import (
    clustered_wilson,
    ratio_difference,
    ratio_interval,
    ratio_variance,
    t_interval,
    wilson,
    wilson_score,
)

NAN3 = (math.nan, math.nan, math.nan)


def t1(confidence: float = 0.95) -> float:
    """Student's t quantile with one degree of freedom (two replications)."""
    return math.tan(math.pi * confidence / 2)


def t2(confidence: float = 0.95) -> float:
    """Student's t quantile with two degrees of freedom (three replications)."""
    p = (1 + confidence) / 2
    return (2 * p - 1) / math.sqrt(2 * p * (1 - p))


def z(confidence: float = 0.95) -> float:
    return NormalDist().inv_cdf((1 + confidence) / 2)


def same(actual: tuple[float, ...], expected: tuple[float, ...]) -> bool:
    """Equal to rounding, NaN where NaN is expected."""
    return len(actual) == len(expected) and all(
        math.isnan(e) and math.isnan(a) if math.isnan(e) else a == pytest.approx(e, rel=1e-12, abs=1e-15)
        for a, e in zip(actual, expected, strict=True))


@contextmanager
def no_warning() -> Iterator[None]:
    """A degenerate input is answered, not computed through a division by zero."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def wilson_formula(rate: float, size: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's interval, as in Newcombe (1998), for an effective sample size."""
    q = z(confidence) ** 2
    centre = (rate + q / (2 * size)) / (1 + q / size)
    half = math.sqrt(q * rate * (1 - rate) / size + q * q / (4 * size * size)) / (1 + q / size)
    return (centre - half, centre + half)


def test_a_t_interval_of_two_and_of_three_values() -> None:
    # 2 and 4: mean 3, standard deviation sqrt(2), so the half-width is t1 * sqrt(2) / sqrt(2).
    assert same(t_interval([2.0, 4.0]), (3.0, 3.0 - t1(), 3.0 + t1()))
    assert same(t_interval([2.0, 4.0], 0.8), (3.0, 3.0 - t1(0.8), 3.0 + t1(0.8)))
    # 1, 2 and 6: mean 3, squared deviations 4 + 1 + 9 = 14, variance 7.
    half = t2() * math.sqrt(7) / math.sqrt(3)
    assert same(t_interval([1.0, 2.0, 6.0, math.nan]), (3.0, 3.0 - half, 3.0 + half))


def test_a_t_interval_of_one_value_has_a_mean_but_no_width() -> None:
    assert same(t_interval([5.0]), (5.0, math.nan, math.nan))
    assert same(t_interval([math.nan, 5.0]), (5.0, math.nan, math.nan))
    assert same(t_interval([]), NAN3)


def test_the_variance_of_a_pooled_ratio_between_replications() -> None:
    # 1/2 and 5/6 pool to 6/8 = 0.75; each replication's error is (num - 0.75 den) / mean(den) = -/+ 0.5 / 4,
    # whose variance (one degree of freedom) is 2 * 0.125^2 = 1/32, over 2 replications: 1/64.
    assert ratio_variance([1, 5], [2, 6]) == pytest.approx(1 / 64, rel=1e-12)
    # 1 of 1 and 0 of 0 pool to 1 exactly: nothing varies.
    assert ratio_variance([1, 0], [1, 0]) == 0.0
    with no_warning():
        assert math.isnan(ratio_variance([0, 0], [0, 0]))


def test_a_ratio_interval_of_two_replications_on_the_log_scale() -> None:
    spread = t1() * math.sqrt(1 / 64) / 0.75
    assert same(ratio_interval([1, 5], [2, 6]), (0.75, 0.75 * math.exp(-spread), 0.75 * math.exp(spread)))
    spread = t1(0.8) * math.sqrt(1 / 64) / 0.75
    assert same(ratio_interval([1, 5], [2, 6], 0.8), (0.75, 0.75 * math.exp(-spread), 0.75 * math.exp(spread)))


def test_a_ratio_interval_without_tasks_of_one_replication_or_of_no_wait() -> None:
    with no_warning():
        assert same(ratio_interval([0, 0], [0, 0]), NAN3)
        assert same(ratio_interval([3], [4]), (0.75, math.nan, math.nan))
        assert ratio_interval([0, 0], [3, 4]) == (0.0, 0.0, 0.0)


def test_wilson_starts_at_exactly_zero_and_ends_at_exactly_one() -> None:
    """0 of 2 and 9 of 9: the formula rounds to -6e-17 and to 1 - 1e-16; the interval says 0 and 1."""
    assert wilson(0, 2)[0] == 0.0
    assert wilson(9, 9)[1] == 1.0
    assert wilson_score(0.0, 52.25)[0] == 0.0  # the formula rounds to +7e-18
    assert wilson_score(1.0, 6.25)[1] == 1.0
    assert wilson_score(1 - 1e-9, 11)[1] == 1.0  # a hair below 1: the formula rounds past 1


def test_wilson_score_needs_a_sample_and_a_rate() -> None:
    assert same(wilson_score(0.5, 0), (math.nan, math.nan))
    assert same(wilson_score(math.nan, 10), (math.nan, math.nan))
    assert wilson_score(1.0, 1) == pytest.approx(wilson(1, 1), abs=1e-15)  # one incident is a sample


def _clustered(rate: float, effective: float, t: Callable[[float], float], confidence: float = 0.95
               ) -> tuple[float, float]:
    """Wilson's formula on the effective size, shrunk by (z / t)^2 for R - 1 degrees of freedom."""
    return wilson_formula(rate, effective * (z(confidence) / t(confidence)) ** 2, confidence)


def test_clustered_wilson_of_two_replications() -> None:
    # 3 of 10 and 7 of 10: rate 0.5; errors (3 - 5) / 10 and (7 - 5) / 10, variance 0.08 / 2 = 0.04 between
    # replications, above the binomial 0.25 / 20: the effective size is 0.25 / 0.04 = 6.25 incidents.
    assert same(clustered_wilson([3, 7], [10, 10]), _clustered(0.5, 6.25, t1))
    assert same(clustered_wilson([3, 7], [10, 10], 0.8), _clustered(0.5, 6.25, t1, 0.8))
    # 8 of 20 and 12 of 20: errors -/+ 2 / 20, variance 0.01, between the binomial 0.25 / 40 = 0.00625 and three
    # times it: effective size 0.25 / 0.01 = 25 of the 40 incidents.
    assert same(clustered_wilson([8, 12], [20, 20]), _clustered(0.5, 25, t1))
    # Replications that agree exactly: the binomial variance stands, all 40 incidents count.
    assert same(clustered_wilson([10, 10], [20, 20]), _clustered(0.5, 40, t1))


def test_clustered_wilson_of_one_replication_is_wilson_at_the_confidence_asked() -> None:
    assert clustered_wilson([7], [10], 0.8) == pytest.approx(wilson(7, 10, 0.8), abs=1e-15)
    assert same(clustered_wilson([7], [10], 0.8), wilson_formula(0.7, 10, 0.8))


def test_a_paired_difference_of_two_replications() -> None:
    # a: 1/2 and 5/6 (0.75, errors -/+ 0.125); b: nothing met (0, errors 0). The differences +/- 0.125 have a
    # standard deviation of 0.125 * sqrt(2): half-width t1 * 0.125 * sqrt(2) / sqrt(2).
    assert same(ratio_difference([1, 5], [2, 6], [0, 0], [2, 6]), (-0.75, -0.75 - t1() * 0.125,
                                                                    -0.75 + t1() * 0.125))
    assert same(ratio_difference([1, 5], [2, 6], [0, 0], [2, 6], confidence=0.8),
                (-0.75, -0.75 - t1(0.8) * 0.125, -0.75 + t1(0.8) * 0.125))


def test_an_unpaired_difference_is_welchs_not_the_pooled_variance() -> None:
    # a: 1/2 twice (0.5, no spread); b: 1/2 and 5/6 (0.75, errors -/+ 0.125, variance 1/32). Welch: standard
    # error sqrt(1/32 / 2) = 0.125 on (1/64)^2 / ((1/64)^2 / 1) = 1 degree of freedom. (Pooled, it would be
    # t2 * 0.125 on two.)
    assert same(ratio_difference([1, 1], [2, 2], [1, 5], [2, 6], paired=False),
                (0.25, 0.25 - t1() * 0.125, 0.25 + t1() * 0.125))


def test_an_unpaired_difference_of_two_options_without_spread_is_exact() -> None:
    """15 of 22 twice against 13 of 23 twice: rounding leaves every error 8e-17 from zero, but alike on each side."""
    estimate = 26 / 46 - 30 / 44
    with no_warning():
        assert ratio_difference([1, 1], [2, 2], [3, 3], [4, 4], paired=False) == (0.25, 0.25, 0.25)
        assert ratio_difference([15, 15], [22, 22], [13, 13], [23, 23], paired=False) == pytest.approx(
            (estimate, estimate, estimate), rel=1e-15)
        low, high = ratio_difference([15, 15], [22, 22], [13, 13], [23, 23], paired=False)[1:]
        assert low == high


def test_a_difference_needs_decided_incidents_on_both_sides() -> None:
    with no_warning():
        assert same(ratio_difference([0, 0], [0, 0], [1, 2], [3, 3]), NAN3)
        assert same(ratio_difference([1, 2], [3, 3], [0, 0], [0, 0]), NAN3)
        assert same(ratio_difference([1], [3], [2], [3]), (1 / 3, math.nan, math.nan))
    # One decided incident on each side is enough for an estimate: 1 of 1 against 1 of 1, no spread.
    assert ratio_difference([1, 0], [1, 0], [0, 1], [0, 1]) == (0.0, 0.0, 0.0)
    assert ratio_difference([1, 0], [1, 0], [0, 1], [0, 1], paired=False) == (0.0, 0.0, 0.0)
