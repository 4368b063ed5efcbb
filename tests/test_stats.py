"""Intervals that mean what they say, checked against models whose true values are known exactly.

Coverage checks run the model directly (no frames, no subprocess) many times
over ("meta-replications") and count how often the 95 % interval contains
the truth. Two models:

- one random branch: each of 8 scripted incidents, an hour apart, is judged
  in a constant 5 minutes and reported within a 10-minute deadline, unless
  its report is incomplete (probability 0.3): the 10-minute follow-up then
  makes it miss. Incidents never meet, so each is an independent coin with
  P(hit) = 0.7 exactly; an unlimited clerk files each one in an exponential
  time of mean 5 minutes, a mean known exactly for the t-interval.
- the Erlang C office (M/M/2, rho = 0.5, limit twice the mean service
  time): P(sojourn > t) = e^(-mu t) (1 + C mu t) when c mu - lambda = mu,
  with C = 1/3 the probability of waiting, so P(hit) = 1 - e^-2 (1 + 2/3).
  Incidents of a replication share the queue, so they are not independent.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from drillsim.model import simulate
from drillsim.results import Results
from drillsim.results.stats import clustered_wilson, ratio_difference, t_interval, wilson, wilson_score
from drillsim.scenario import Scenario, loads
from tests.helpers import ONE_LEVEL

_OFFICE_ONLY = """
actors:
  office: {title: Office, kind: pool}
  clerk: {title: Clerk, kind: unlimited}
  chief: {title: Chief, kind: superior}
staffing:
  office: {staff: OFFICE_STAFF}
working_groups:
  information: {title: Information group, led_by: office}
""" + ONE_LEVEL

ONE_BRANCH = "name: One random branch\nhorizon: 1d\n" + _OFFICE_ONLY.replace("OFFICE_STAFF", "1") + """
probabilities: {incomplete_report: 0.3}
flow:
  - {id: judge, actor: office, after: [occurred], duration: judge, report: {to: chief}, milestone: reported}
  - {id: file, actor: clerk, after: [judge], duration: filing, milestone: filed}
deadlines:
  in_time: {title: reported within 10 minutes, limit: 10m, start: occurred, end: reported}
durations:
  judge: 5m
  follow_up: 10m
  filing: {dist: exponential, mean: 5m}
injects:
""" + "".join(f"  - {{at: \"{h:02d}:00\", category: any, level: IV}}\n" for h in range(8))

ERLANG = "name: M/M/2 office\nhorizon: 40m\n" + _OFFICE_ONLY.replace("OFFICE_STAFF", "2") + """
flow:
  - {id: judge, actor: office, after: [occurred], duration: judge, milestone: judged}
deadlines:
  in_time: {title: judged within 2 minutes, limit: 2m, start: occurred, end: judged}
durations:
  judge: {dist: exponential, mean: 1m}
sources:
  - {name: arrivals, rate_per_day: 1440, categories: {any: 1}, levels: {IV: 1}}
"""

ONE_BRANCH_TRUTH = 0.7
FILING_MEAN = 300.0
ERLANG_TRUTH = 1 - math.exp(-2) * (1 + 2 / 3)


def _hits(scenario: Scenario, seed: int, replications: int, warm_up: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: deadlines met, and deadlines decided among incidents after the warm-up."""
    met, decided = [], []
    for r in range(replications):
        verdicts = [v for v in simulate(scenario, seed, r).verdicts
                    if v.start is not None and warm_up <= v.start and v.status != "pending"]
        met.append(sum(v.status == "met" for v in verdicts))
        decided.append(len(verdicts))
    return np.array(met), np.array(decided)


def test_wilson_is_scipys_binomtest_interval() -> None:
    for n in (1, 2, 7, 50, 400):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            for confidence in (0.8, 0.95, 0.99):
                ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
                assert wilson(k, n, confidence) == pytest.approx((ci.low, ci.high), rel=0, abs=1e-12)


def test_wilson_score_is_scipys_wilson_for_whole_counts() -> None:
    for k, n in [(0, 5), (3, 10), (10, 10), (37, 50), (999, 1000)]:
        assert wilson_score(k / n, n) == pytest.approx(wilson(k, n), abs=1e-12)


def test_clustered_wilson_is_plain_wilson_for_one_replication_and_honest_at_the_edges() -> None:
    assert clustered_wilson([7], [10]) == pytest.approx(wilson(7, 10))
    low, high = clustered_wilson([10, 10, 10, 10], [10, 10, 10, 10])
    assert high == 1.0 and 0.7 < low < 1.0  # every deadline met: still an interval, never [1, 1]
    low, high = clustered_wilson([0, 0, 0], [10, 10, 10])
    assert low == 0.0 and 0.0 < high < 0.5  # three replications say little: t with 2 degrees of freedom
    assert all(math.isnan(x) for x in clustered_wilson([0, 0], [0, 0]))


def test_clustered_wilson_widens_when_replications_disagree_more_than_coin_tosses_would() -> None:
    alike = clustered_wilson([50, 50, 50, 50], [100, 100, 100, 100])
    apart = clustered_wilson([10, 90, 20, 80], [100, 100, 100, 100])
    pooled = wilson(200, 400)
    assert pooled[1] - pooled[0] <= alike[1] - alike[0] < apart[1] - apart[0]
    assert (apart[1] - apart[0]) > 5 * (pooled[1] - pooled[0])


def test_ratio_difference_paired_is_exact_for_identical_options_and_narrower_on_common_draws() -> None:
    rng = np.random.default_rng(3)
    den = rng.integers(20, 40, size=12)
    busy = rng.beta(2, 2, size=12)  # how hard each replication's draw was, the same for both options
    a = rng.binomial(den, busy)
    assert ratio_difference(a, den, a, den) == (0.0, 0.0, 0.0)
    b = a + rng.binomial(den - a, 0.3)  # b meets everything a meets, and some more
    estimate, low, high = ratio_difference(a, den, b, den)
    _, unpaired_low, unpaired_high = ratio_difference(a, den, b, den, paired=False)
    assert estimate == pytest.approx(b.sum() / den.sum() - a.sum() / den.sum())
    assert low < estimate < high
    assert (high - low) < 0.5 * (unpaired_high - unpaired_low)


def test_the_run_table_uses_these_intervals() -> None:
    scenario = loads(ONE_BRANCH)
    results = Results(scenario, 5, [simulate(scenario, 5, r) for r in range(3)])
    row = results.rules().iloc[0]
    decided = results.verdicts[(results.verdicts["rule"] == row["rule"]) & (results.verdicts["status"] != "pending")]
    met = [int((decided[decided["replication"] == r]["status"] == "met").sum()) for r in range(3)]
    trials = [int((decided["replication"] == r).sum()) for r in range(3)]
    assert (row["low"], row["high"]) == pytest.approx(clustered_wilson(met, trials))
    low, high = wilson(int(row["met"]), int(row["applicable"]))
    assert row["low"] <= low and row["high"] >= high  # never narrower than the pooled interval


def test_coverage_with_one_random_branch() -> None:
    """300 meta-replications of 11 replications x 8 independent incidents; 6 of them again with p = 0.5.

    Hits are Binomial(88, 0.7): the Wilson interval's exact coverage there is
    95.2 %, so the simulated coverage must be close to that too.
    """
    scenario = loads(ONE_BRANCH)
    worse = scenario.replace({"probabilities.incomplete_report": 0.5})
    meta, replications, paired = 300, 11, 6
    covered = {"pooled Wilson": 0, "clustered Wilson": 0, "t, mean filing time": 0, "paired difference": 0}
    for m in range(meta):
        seed = 10_000 + m
        runs = [simulate(scenario, seed, r) for r in range(replications)]
        met = np.array([sum(v.status == "met" for v in run.verdicts) for run in runs])
        decided = np.array([len(run.verdicts) for run in runs])
        assert decided.sum() == 8 * replications
        low, high = wilson(int(met.sum()), int(decided.sum()))
        covered["pooled Wilson"] += low <= ONE_BRANCH_TRUTH <= high
        low, high = clustered_wilson(met, decided)
        covered["clustered Wilson"] += low <= ONE_BRANCH_TRUTH <= high
        filing = [np.mean([s.finished - s.started for s in run.steps if s.step == "file"]) for run in runs]
        _, low, high = t_interval(filing)
        covered["t, mean filing time"] += low <= FILING_MEAN <= high
        # The same uniforms decide both options' reports: b misses whatever a misses, and a fifth more.
        met_b, decided_b = _hits(worse, seed, paired)
        _, low, high = ratio_difference(met[:paired], decided[:paired], met_b, decided_b)
        covered["paired difference"] += low <= -0.2 <= high
    rates = {name: count / meta for name, count in covered.items()}
    exact = sum(stats.binom.pmf(k, 88, ONE_BRANCH_TRUTH) for k in range(89)
                if wilson(k, 88)[0] <= ONE_BRANCH_TRUTH <= wilson(k, 88)[1])
    assert exact == pytest.approx(0.9516, abs=1e-4)
    for name in ("pooled Wilson", "t, mean filing time", "paired difference"):
        assert 0.92 <= rates[name] <= 0.98, rates
    # Independent incidents: replications as the unit costs width, never coverage.
    assert rates["clustered Wilson"] >= 0.92, rates


def test_coverage_on_the_erlang_c_office() -> None:
    """300 meta-replications of 5 replications of 40 minutes, about 30 incidents each after a 5-minute warm-up.

    The pooled Wilson interval treats incidents that share a queue as
    independent and covers far less than 95 %; the replication-clustered one
    holds.
    """
    scenario = loads(ERLANG)
    meta = 300
    pooled = clustered = 0
    for m in range(meta):
        met, decided = _hits(scenario, 20_000 + m, 5, warm_up=300)
        low, high = wilson(int(met.sum()), int(decided.sum()))
        pooled += low <= ERLANG_TRUTH <= high
        low, high = clustered_wilson(met, decided)
        clustered += low <= ERLANG_TRUTH <= high
    assert 0.92 <= clustered / meta <= 0.98
    assert pooled / meta < 0.85
