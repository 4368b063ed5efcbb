"""Intervals that mean what they say: Wilson for hit rates, ratios for mean waits, replications as the unit.

Incidents of one replication share the same queues, so their verdicts are not
independent: a pooled interval that treats every incident as a separate coin
toss is too narrow whenever the chain is busy (on the M/M/2 office of
tests/data/cases/mmc-office.yaml the pooled Wilson interval covers the true hit
rate about 65 % of the time, not 95 %). The replication is the independent
unit, so the functions taking per-replication counts estimate the variance
between replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

CONFIDENCE = 0.95

Values = Sequence[float] | np.ndarray


def _z(confidence: float) -> float:
    """Two-sided normal quantile, without scipy (importing scipy.stats costs half a second)."""
    return NormalDist().inv_cdf((1 + confidence) / 2)


def wilson(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion: honest near 0 and 1, unlike the normal approximation.

    Newcombe's (1998) closed form, as scipy's binomtest(...).proportion_ci(method="wilson").
    """
    if trials == 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    rate = successes / trials
    denominator = 2 * (trials + z * z)
    centre = (2 * trials * rate + z * z) / denominator
    half = z / denominator * math.sqrt(4 * trials * rate * (1 - rate) + z * z)
    return (0.0 if successes == 0 else centre - half, 1.0 if successes == trials else centre + half)


def wilson_score(rate: float, size: float, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's formula for an effective (not necessarily whole) sample size; `wilson` for whole counts."""
    if size <= 0 or math.isnan(rate):
        return (math.nan, math.nan)
    z2 = _z(confidence) ** 2
    centre = (rate + z2 / (2 * size)) / (1 + z2 / size)
    half = math.sqrt(z2 * rate * (1 - rate) / size + z2 * z2 / (4 * size * size)) / (1 + z2 / size)
    return (0.0 if rate == 0 else max(0.0, centre - half), 1.0 if rate == 1 else min(1.0, centre + half))


def clustered_wilson(successes: Values, trials: Values, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson interval of a hit rate pooled over replications, honest when a replication's incidents interact.

    The pooled rate's variance is estimated between replications (ratio
    estimator), turned into an effective number of incidents (Kish's design
    effect, never below 1), and shrunk for having only R - 1 degrees of
    freedom (Korn & Graubard 1998). Wilson's formula on that effective size
    keeps the interval inside [0, 1] and honest near 0 and 1. With a single
    replication nothing can be estimated between replications: plain Wilson.
    """
    met = np.asarray(successes, dtype=float)
    size = np.asarray(trials, dtype=float)
    total = float(size.sum())
    if total == 0:
        return (math.nan, math.nan)
    rate = float(met.sum()) / total
    if met.size < 2:
        return wilson(round(met.sum()), round(total), confidence)
    between = ratio_variance(met, size)
    binomial = rate * (1 - rate) / total
    effective = total if between <= binomial or binomial == 0 else rate * (1 - rate) / between
    from scipy.special import stdtrit  # Student's t quantile, without the half second scipy.stats costs

    t = stdtrit(met.size - 1, (1 + confidence) / 2)
    return wilson_score(rate, effective * (_z(confidence) / t) ** 2, confidence)


def ratio_variance(numerators: Values, denominators: Values) -> float:
    """Variance of sum(numerators) / sum(denominators) over replications, by linearisation."""
    return float(np.var(_linearised(np.asarray(numerators, float), np.asarray(denominators, float)), ddof=1)
                 / len(numerators))


def _linearised(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Each replication's contribution to the error of the pooled ratio (zero-sized replications included)."""
    total = den.sum()
    if total == 0:
        return np.full(num.shape, math.nan)
    return (num - num.sum() / total * den) / den.mean()


def ratio_interval(numerators: Values, denominators: Values,
                   confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """A mean over every task (total wait / total tasks) pooled over replications, with a log-scale interval.

    The pooled ratio weighs every task alike; the mean of per-replication
    means does not (a busy replication has more tasks and longer waits, each
    counted less) and is biased low. Its variance comes from linearisation
    (`ratio_variance`, the delta method) with R - 1 degrees of freedom, on the
    log scale: waits are positive and their replication totals skewed to the
    right, so the interval reaches further above the estimate than below it
    (benchmarks/coverage.py measures what that buys). A ratio of zero (nobody
    waited) has no spread to estimate: (0, 0, 0).
    """
    num, den = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    if den.sum() == 0:
        return (math.nan, math.nan, math.nan)
    estimate = float(num.sum() / den.sum())
    if den.size < 2:
        return (estimate, math.nan, math.nan)
    if estimate <= 0:
        return (estimate, estimate, estimate)
    from scipy.special import stdtrit

    spread = float(stdtrit(den.size - 1, (1 + confidence) / 2) * math.sqrt(ratio_variance(num, den)) / estimate)
    return (estimate, estimate * math.exp(-spread), estimate * math.exp(spread))


def t_interval(values: Values, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student-t interval of independent values (one per replication)."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if data.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(data.mean())
    if data.size == 1:
        return (mean, math.nan, math.nan)
    from scipy.special import stdtrit

    half = float(stdtrit(data.size - 1, (1 + confidence) / 2) * data.std(ddof=1) / np.sqrt(data.size))
    return (mean, mean - half, mean + half)


def ratio_difference(num_a: Values, den_a: Values, num_b: Values, den_b: Values, *, paired: bool = True,
                     confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Difference b - a of two pooled ratios (hit rates, mean waits) and its t-interval over replications.

    Paired: replication r of a and of b saw the same incidents (common random
    numbers), so the interval comes from the per-replication differences and
    whatever both share cancels. Unpaired (Welch) treats the two runs as
    independent; on paired data it is wider, which is the point of pairing.
    """
    arrays = [np.asarray(x, dtype=float) for x in (num_a, den_a, num_b, den_b)]
    if arrays[1].sum() == 0 or arrays[3].sum() == 0:
        return (math.nan, math.nan, math.nan)
    estimate = float(arrays[2].sum() / arrays[3].sum() - arrays[0].sum() / arrays[1].sum())
    u_a, u_b = _linearised(arrays[0], arrays[1]), _linearised(arrays[2], arrays[3])
    if u_a.size < 2:
        return (estimate, math.nan, math.nan)
    if paired:
        _, low, high = t_interval(u_b - u_a, confidence)
        half = (high - low) / 2
    elif np.ptp(u_a) == 0 and np.ptp(u_b) == 0:
        half = 0.0
    else:
        from scipy import stats

        ci = stats.ttest_ind(u_b, u_a, equal_var=False).confidence_interval(confidence)
        half = float(ci.high - ci.low) / 2
    return (estimate, estimate - half, estimate + half)
