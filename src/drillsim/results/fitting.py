"""A step's duration fitted to what drills measured: maximum likelihood with censoring, the family chosen by AICc.

A drill times a step only roughly, and not always:
- a span recorded to the second is an exact observation;
- a span between two times written to the minute is known to within a minute either way (interval-censored);
- a span during which the actor was busy with another incident holds waiting as well as work: the work took
  no longer than the span (left-censored);
- a step still open when the drill ended took at least as long as it had been open (right-censored).
Each family's likelihood counts every kind as what it is (a density for an exact span, a probability for a
corrected for small samples, which is what drills give) is chosen, and an empirical distribution only when every
corrected for small samples, which is what drills give) is chosen, and an empirical distribution only when every
family is rejected by its goodness-of-fit test on plenty of exact data. The interval is on the mean of the
timed spans (scipy's BCa bootstrap): what the drills measured, beside the fitted family's own mean.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from drillsim.i18n import _, ngettext
from drillsim.scenario.schema import Z90
from drillsim.scenario.units import format_duration

FAMILIES = ("exponential", "lognormal", "uniform", "triangular")
"""The scenario language's parametric families, each fitted by maximum likelihood."""
MIN_TIMED = 5
"""Fewer timed observations than this keep the plan's distribution: a two-parameter family fitted to 3 or 4
points has a spread that its interval cannot pin down, and AICc is undefined for a three-parameter family below
5 points (it needs n > k + 1)."""
MIN_EMPIRICAL = 30
"""Exact observations needed before an empirical distribution may replace the families it rejected."""
REJECT = 0.05
"""The goodness-of-fit p-value below which a family is rejected."""
FINEST_SPREAD = 60 / math.sqrt(12)
"""The standard deviation of a minute's rounding: a fit to spans timed to the minute claiming less is refused."""
RESAMPLES = 199
CONFIDENCE = 0.95
SPLIT_MARGIN = 2.0
"""How much lower the joint AICc of a fit per group must be than the pooled fit's for the data to support
splitting a duration by category or level (2: the usual threshold of substantial support)."""


@dataclass(frozen=True)
class Observations:
    """What drills measured of one duration, in seconds, by kind (see the module's docstring)."""

    exact: tuple[float, ...] = ()
    within: tuple[tuple[float, float], ...] = ()
    at_most: tuple[float, ...] = ()
    at_least: tuple[float, ...] = ()

    @property
    def timed(self) -> int:
        """Observations that time the step (exact or to the minute), not only bound it."""
        return len(self.exact) + len(self.within)

    @property
    def count(self) -> int:
        return self.timed + len(self.at_most) + len(self.at_least)

    @property
    def censored(self) -> bool:
        return bool(self.within or self.at_most or self.at_least)


@dataclass(frozen=True)
class Fit:
    """One family fitted to one duration's observations."""

    family: str
    params: tuple[float, ...]
    """scipy's parameters of the family (shape(s), loc, scale)."""
    log_likelihood: float
    aicc: float
    mean: float
    gof_pvalue: float | None
    """Kolmogorov-Smirnov p-value on the exact observations (None with fewer than MIN_TIMED of them); parameters
    estimated from the same data make it conservative: a family it rejects fits badly."""

    def document(self) -> dict[str, Any]:
        """The fitted distribution as a scenario writes it, in whole seconds (`{dist: lognormal, median: 5m12s,
        p90: 14m}`)."""
        return _DOCUMENT[self.family](self.params)


@dataclass(frozen=True)
class Fitted:
    """The outcome for one duration: every family's fit, the chosen one (None: the plan's is kept) and why."""

    observations: Observations
    fits: tuple[Fit, ...] = ()
    """By AICc, best first."""
    chosen: Fit | None = None
    empirical: tuple[float, ...] | None = None
    """The exact observations, when an empirical distribution was chosen instead of every family."""
    mean_interval: tuple[float, float] | None = None
    kept: str | None = None
    """Why the plan's distribution is kept (None when a fit replaces it)."""
    notes: tuple[str, ...] = field(default=())

    @property
    def family(self) -> str | None:
        return "empirical" if self.empirical is not None else self.chosen.family if self.chosen else None

    @property
    def mean(self) -> float | None:
        if self.empirical is not None:
            return float(np.mean(self.empirical))
        return self.chosen.mean if self.chosen else None

    def document(self) -> dict[str, Any] | None:
        """The distribution a calibrated scenario writes for this duration (None: the plan's stays)."""
        if self.empirical is not None:
            return {"dist": "empirical", "samples": [format_duration(round(x)) for x in self.empirical]}
        return self.chosen.document() if self.chosen else None


def _whole(seconds: float, at_least: int = 0) -> str:
    return format_duration(max(at_least, round(seconds)))


def _lognormal(params: Sequence[float]) -> dict[str, Any]:
    sigma, _, scale = params
    median = max(1, round(scale))
    return {"dist": "lognormal", "median": format_duration(median),
            "p90": _whole(scale * math.exp(sigma * Z90), median + 1)}


def _uniform(params: Sequence[float]) -> dict[str, Any]:
    loc, scale = params
    low = max(0, round(loc))
    return {"dist": "uniform", "low": format_duration(low), "high": _whole(loc + scale, low + 1)}


def _triangular(params: Sequence[float]) -> dict[str, Any]:
    c, loc, scale = params
    low = max(0, round(loc))
    high = max(low + 1, round(loc + scale))
    mode = min(high, max(low, round(loc + c * scale)))
    return {"dist": "triangular", "low": format_duration(low), "mode": format_duration(mode),
            "high": format_duration(high)}


_DOCUMENT: dict[str, Callable[[Sequence[float]], dict[str, Any]]] = {
    "exponential": lambda p: {"dist": "exponential", "mean": _whole(p[1], 1)},
    "lognormal": _lognormal, "uniform": _uniform, "triangular": _triangular,
}
_SCIPY = {"exponential": stats.expon, "lognormal": stats.lognorm, "uniform": stats.uniform,
          "triangular": stats.triang}
_FIXED = {"exponential": {"floc": 0}, "lognormal": {"floc": 0}, "uniform": {}, "triangular": {}}
_PARAMETERS = {"exponential": 1, "lognormal": 2, "uniform": 2, "triangular": 3}


def _start(family: str, points: np.ndarray) -> tuple[float, ...]:
    """Where the likelihood is maximised from: scipy's fit to the points where it is closed-form, and for the
    triangle (whose scipy fit is itself a slow search) one drawn around the data by their mean."""
    if family != "triangular":
        return tuple(float(p) for p in _SCIPY[family].fit(points, **_FIXED[family]))
    low, high = float(points.min()), float(points.max())
    spread = max(high - low, 1.0)
    low, high = max(0.0, low - spread / len(points)), high + spread / len(points)
    mode = min(max(3 * float(points.mean()) - low - high, low), high)
    return ((mode - low) / (high - low), low, high - low)


def _log_likelihood(family: str, params: Sequence[float], obs: Observations) -> float:
    """Unfrozen calls: freezing a scipy distribution costs more than the evaluation."""
    dist = _SCIPY[family]
    total = float(np.sum(dist.logpdf(np.asarray(obs.exact, dtype=float), *params)))
    if obs.within:
        low, high = np.asarray(obs.within, dtype=float).T
        total += float(np.sum(np.log(np.maximum(
            dist.cdf(high, *params) - dist.cdf(np.maximum(low, 0.0), *params), 0.0))))
    if obs.at_most:
        total += float(np.sum(dist.logcdf(np.asarray(obs.at_most, dtype=float), *params)))
    if obs.at_least:
        total += float(np.sum(dist.logsf(np.asarray(obs.at_least, dtype=float), *params)))
    return total


_FREE: dict[str, tuple[Callable[[Sequence[float]], list[float]], Callable[[Sequence[float]], tuple[float, ...]]]] = {
    "exponential": (lambda p: [math.log(p[1])], lambda x: (0.0, float(np.exp(x[0])))),
    "lognormal": (lambda p: [math.log(p[0]), math.log(p[2])],
                  lambda x: (float(np.exp(x[0])), 0.0, float(np.exp(x[1])))),
    "uniform": (lambda p: [p[0], math.log(p[1])], lambda x: (float(x[0]), float(np.exp(x[1])))),
    "triangular": (lambda p: [float(special.logit(min(max(p[0], 1e-6), 1 - 1e-6))), p[1], math.log(p[2])],
                   lambda x: (float(special.expit(x[0])), float(x[1]), float(np.exp(x[2])))),
}
"""Each family's parameters as unbounded numbers for the optimiser (logs of scales, the logit of the mode's place),
and back."""


def _points(obs: Observations) -> np.ndarray:
    """Every observation as a number (a to-the-minute span's middle, a bound as itself): the fit to start from."""
    points = np.asarray([*obs.exact, *(sum(pair) / 2 for pair in obs.within), *obs.at_most, *obs.at_least],
                        dtype=float)
    return np.maximum(points, 0.5)


def fit_family(family: str, obs: Observations) -> Fit | None:
    """One family's maximum-likelihood fit (None when no finite likelihood is found).

    scipy fits the family to the observations taken as exact; with censored
    ones (and for the triangle always), the likelihood of every kind is then
    maximised from there by Nelder-Mead (scipy's own censored fit gives the
    same answer tens of times slower).
    """
    scipy_dist = _SCIPY[family]
    points = _points(obs)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            params = _start(family, points)
        except (ValueError, RuntimeError, stats.FitError):
            return None
        if family == "triangular" or obs.censored or (points != np.asarray(obs.exact, dtype=float)).any():
            free, back = _FREE[family]
            found = optimize.minimize(lambda x: -_log_likelihood(family, back(x), obs), free(params),
                                      method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6})
            params = back(found.x)
        loglik = _log_likelihood(family, params, obs)
    if not math.isfinite(loglik) or (family in ("uniform", "triangular") and params[-2] < 0):
        return None  # a family that puts some of its durations below zero cannot describe a step
    if obs.within and float(scipy_dist.std(*params)) < FINEST_SPREAD:
        return None  # spans timed to the minute cannot show a spread of a few seconds: a likelihood's artefact
    n, k = obs.count, _PARAMETERS[family]
    aicc = 2 * k - 2 * loglik + (2 * k * (k + 1) / (n - k - 1) if n > k + 1 else math.inf)
    pvalue = None
    if len(obs.exact) >= MIN_TIMED:
        pvalue = float(stats.kstest(np.asarray(obs.exact, dtype=float), scipy_dist.cdf, args=params).pvalue)
    return Fit(family, params, loglik, aicc, float(scipy_dist.mean(*params)), pvalue)


def fit(obs: Observations, rng: np.random.Generator, *, families: Sequence[str] = FAMILIES,
        resamples: int = RESAMPLES, confidence: float = CONFIDENCE) -> Fitted:
    """Every family fitted, the best by AICc chosen, and a bootstrap interval on the timed spans' mean.

    `rng` feeds the bootstrap alone: the same observations and stream give the same interval.
    """
    if obs.timed < MIN_TIMED:
        return Fitted(obs, kept=ngettext("{count} timed span, fewer than {least}: the plan's distribution is kept",
                                         "{count} timed spans, fewer than {least}: the plan's distribution is kept",
                                         obs.timed).format(count=obs.timed, least=MIN_TIMED))
    fits = tuple(sorted((f for f in (fit_family(family, obs) for family in families) if f is not None),
                        key=lambda f: (f.aicc, families.index(f.family))))
    interval = _interval(obs, rng, resamples, confidence)
    if not fits:
        return Fitted(obs, kept=_("no family could be fitted: the plan's distribution is kept"),
                      mean_interval=interval)
    chosen = fits[0]
    rejected = all(f.gof_pvalue is not None and f.gof_pvalue < REJECT for f in fits)
    if rejected and not obs.censored and len(obs.exact) >= MIN_EMPIRICAL:
        return Fitted(obs, fits, chosen, empirical=tuple(sorted(obs.exact)), mean_interval=interval,
                      notes=(_("every family rejected by its goodness-of-fit test: the spans themselves are drawn"),))
    notes = (_("every family rejected by its goodness-of-fit test; the best of them is used"),) if rejected else ()
    return Fitted(obs, fits, chosen, mean_interval=interval, notes=notes)


def joint_aicc(parts: Sequence[Fitted], rest: Observations = Observations(), common: Fit | None = None) -> float:
    """The AICc of one model on all the observations: a fit per part, and the `common` fit (the pooled one, its
    parameters counted once) for the `rest`, the groups too small for their own; inf when a part has no family."""
    if any(part.chosen is None or part.empirical is not None for part in parts):
        return math.inf
    chosen = [part.chosen for part in parts if part.chosen is not None]
    loglik = sum(c.log_likelihood for c in chosen)
    k = sum(_PARAMETERS[c.family] for c in chosen)
    n = sum(part.observations.count for part in parts)
    if rest.count:
        if common is None:
            return math.inf
        loglik += _log_likelihood(common.family, common.params, rest)
        k += _PARAMETERS[common.family]
        n += rest.count
    return 2 * k - 2 * loglik + (2 * k * (k + 1) / (n - k - 1) if n > k + 1 else math.inf)


def supports_split(pooled: Fitted, parts: Sequence[Fitted], rest: Observations = Observations()) -> bool:
    """Whether the data support a fit of their own for the `parts` (groups timed at least MIN_TIMED times each;
    the pooled fit stays for the `rest`) over the pooled fit for all: their joint AICc is SPLIT_MARGIN below it.
    The pooled parameters were estimated on the parts too: the comparison leans, slightly, towards not splitting."""
    if not parts or pooled.chosen is None or pooled.empirical is not None:
        return False
    if any(part.observations.timed < MIN_TIMED for part in parts) or (len(parts) < 2 and not rest.count):
        return False
    return joint_aicc(parts, rest, pooled.chosen) < pooled.chosen.aicc - SPLIT_MARGIN


def _interval(obs: Observations, rng: np.random.Generator, resamples: int,
              confidence: float) -> tuple[float, float] | None:
    """scipy's BCa bootstrap interval of the timed spans' mean (exact ones, and the middles of those to the
    minute); bounds only are left out: they shape the family, not this interval."""
    timed = np.asarray([*obs.exact, *(sum(pair) / 2 for pair in obs.within)], dtype=float)
    if len(timed) < 2 or np.ptp(timed) == 0:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        found = stats.bootstrap((timed,), np.mean, n_resamples=resamples, confidence_level=confidence,
                                method="BCa", rng=rng).confidence_interval
    low, high = float(found.low), float(found.high)
    return (low, high) if math.isfinite(low) and math.isfinite(high) else None


__all__ = ["CONFIDENCE", "FAMILIES", "MIN_EMPIRICAL", "MIN_TIMED", "SPLIT_MARGIN", "Fit", "Fitted", "Observations",
           "fit", "fit_family", "joint_aicc", "supports_split"]
