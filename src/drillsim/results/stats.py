"""Intervals that mean what they say: Wilson for hit rates, Student t for means."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def wilson(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion: honest near 0 and 1, unlike the normal approximation."""
    if trials == 0:
        return (math.nan, math.nan)
    ci = stats.binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(ci.low), float(ci.high))


def t_interval(values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student-t interval of independent values (one per replication)."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if data.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(data.mean())
    if data.size == 1:
        return (mean, math.nan, math.nan)
    half = float(stats.t.ppf((1 + confidence) / 2, data.size - 1) * stats.sem(data))
    return (mean, mean - half, mean + half)


def half_width(low: float, high: float) -> float:
    return (high - low) / 2
