"""Mean waits that cover, and a warm-up counted in no figure.

A burst of incidents: a Poisson number N (mean 20) of incidents arrives
within the first minute, and one office clerk judges each in exactly 10
minutes, first come first served. The k-th waits about (k - 1) x 10m, so
the mean wait over every task is E[N(N - 1)] / (2 E[N]) x 10m = 100m (less
a few seconds for the arrivals' spread within the minute, computed below),
while a replication's own mean, (N - 1) / 2 x 10m, averages 5 minutes less:
the mean of per-replication means is biased low, as on any queue where a
busy replication has more tasks and longer waits. Judged within 35 minutes
are exactly the first three, so the true hit rate is E[min(N, 3)] / E[N].
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from drillsim.experiment.runner import replicate, summarise
from drillsim.model import simulate
from drillsim.results import Results
from drillsim.results.stats import clustered_wilson, ratio_interval, t_interval
from drillsim.scenario import ScenarioError, load, loads
from drillsim.scenario.errors import DrillsimError
from tests.helpers import CASES

MMC = CASES / "mmc-office.yaml"
BURST_MEAN, WINDOW, JUDGE = 20, 60, 600

BURST = f"""
name: A burst at the office
horizon: 1d
actors:
  office: {{title: Office, kind: pool}}
staffing:
  office: {{staff: 1}}
working_groups:
  information: {{title: Information group, led_by: office}}
categories:
  any: {{title: Any incident, working_group: information, examples: {{any: any incident}}}}
levels:
  IV: {{colour: blue, title: general}}
major_classes: {{}}
core_elements: {{time: time}}
command_post: {{levels: []}}
escalation: {{levels: {{IV: []}}}}
channels:
  order: [wired]
  media: {{wired: {{delay: 0s}}}}
flow:
  - {{id: judge, actor: office, after: [occurred], duration: judge, milestone: judged}}
deadlines:
  in_time: {{title: judged within 35 minutes, limit: 35m, start: occurred, end: judged}}
durations:
  judge: {JUDGE // 60}m
sources:
  - {{name: burst, rate_per_day: {BURST_MEAN * 1440}, end: 1m, categories: {{any: 1}}, levels: {{IV: 1}}}}
"""


def _burst_truth() -> tuple[float, float]:
    """The hit rate and the mean wait (seconds) over every task, summed over N's Poisson distribution.

    Given N arrivals uniform in the window, task k starts at t_(1) + (k - 1) JUDGE, so the waits sum to
    JUDGE N (N - 1) / 2 + N (E t_(1) - mean t) = JUDGE N (N - 1) / 2 + N WINDOW (1 / (N + 1) - 1 / 2).
    """
    n = np.arange(0, 200)
    p = stats.poisson.pmf(n, BURST_MEAN)
    waits = JUDGE * n * (n - 1) / 2 + n * WINDOW * (1 / (n + 1) - 0.5)
    return float((p * np.minimum(n, 3)).sum() / BURST_MEAN), float((p * waits).sum() / BURST_MEAN)


def test_the_mean_wait_and_hit_rate_intervals_cover_and_the_old_t_interval_does_not() -> None:
    """200 independent runs of 20 replications; each interval must cover at least 95 % less 3.29 binomial
    standard errors (a 95 % interval fails that bound by chance once in a thousand or less)."""
    scenario = loads(BURST)
    hit, wait = _burst_truth()
    runs, size = 200, 20
    floor = 0.95 - 3.29 * math.sqrt(0.95 * 0.05 / runs)
    covered = {"ratio": 0, "old t": 0, "hit rate": 0}
    for run in range(runs):
        totals, tasks, met, decided = (np.zeros(size) for _ in range(4))
        for r in range(size):
            rep = simulate(scenario, 90_000 + run, r)
            waits = [s.started - s.queued for s in rep.steps if s.started is not None]
            totals[r], tasks[r] = sum(waits), len(waits)
            met[r] = sum(v.status == "met" for v in rep.verdicts)
            decided[r] = sum(v.status != "pending" for v in rep.verdicts)
        _, low, high = ratio_interval(totals, tasks)
        covered["ratio"] += low <= wait <= high
        _, low, high = t_interval(totals[tasks > 0] / tasks[tasks > 0])
        covered["old t"] += low <= wait <= high
        low, high = clustered_wilson(met, decided)
        covered["hit rate"] += low <= hit <= high
    rates = {name: count / runs for name, count in covered.items()}
    assert rates["ratio"] >= floor and rates["hit rate"] >= floor, rates
    assert rates["old t"] < floor, rates


def test_ratio_interval_is_the_pooled_mean_with_a_log_scale_delta_interval() -> None:
    totals, tasks = np.array([100.0, 400.0, 250.0, 50.0]), np.array([10.0, 20.0, 15.0, 5.0])
    estimate, low, high = ratio_interval(totals, tasks)
    assert estimate == 800 / 50
    u = (totals - estimate * tasks) / tasks.mean()
    spread = stats.t.ppf(0.975, 3) * u.std(ddof=1) / 2 / estimate
    assert (low, high) == pytest.approx((estimate * math.exp(-spread), estimate * math.exp(spread)), rel=1e-12)
    assert low < estimate < high and high - estimate > estimate - low
    assert ratio_interval([0, 0], [3, 4]) == (0.0, 0.0, 0.0)
    assert ratio_interval([5], [2])[0] == 2.5 and math.isnan(ratio_interval([5], [2])[1])
    assert all(math.isnan(x) for x in ratio_interval([0, 0], [0, 0]))


def test_the_actor_table_prints_that_interval_with_every_record_or_only_summaries() -> None:
    scenario = load(MMC).replace(horizon="1d", warm_up="3h")
    full = Results(scenario, 3, replicate(scenario, range(6), 3))
    reps, tallies = summarise(scenario, range(6), 3)
    summary = Results(scenario, 3, reps, tallies=tallies)
    assert {**full.summary(), "bottleneck": None} == summary.summary()
    office = full.actors().set_index("actor").loc["office"]
    steps = full.steps.merge(full.incidents[["replication", "incident", "occurred"]])
    steps = steps[steps["occurred"] >= 3 * 3600]
    per = steps.assign(wait=steps["started"] - steps["queued"]).groupby("replication")["wait"].agg(["sum", "count"])
    assert (office["mean_wait"], office["mean_wait_low"], office["mean_wait_high"]) == \
        pytest.approx(ratio_interval(per["sum"].to_numpy(float), per["count"].to_numpy(float)))


def test_a_warm_up_counts_only_the_incidents_after_it_and_measures_time_from_it() -> None:
    base = load(MMC).replace(horizon="1d")
    warm = base.replace(warm_up="6h")
    cold, hot = (Results(s, 5, replicate(s, range(3), 5)) for s in (base, warm))
    # The same incidents are simulated, and every record is kept, those of the warm-up marked.
    assert cold.steps.drop(columns="scenario").equals(hot.steps.drop(columns="scenario"))
    early = hot.incidents["occurred"] < 6 * 3600
    assert hot.incidents["warm_up"].equals(early) and "warm_up" not in cold.incidents
    late = set(map(tuple, hot.incidents.loc[~early, ["replication", "incident"]].to_numpy()))
    verdicts = cold.verdicts[[key in late for key in zip(cold.verdicts["replication"], cold.verdicts["incident"],
                                                         strict=True)]]
    rule = hot.rules().iloc[0]
    assert (rule["met"], rule["applicable"]) == ((verdicts["status"] == "met").sum(),
                                                 verdicts["status"].isin(["met", "missed"]).sum())
    summary = hot.summary()
    assert summary["warm_up"] == "6h" and summary["incidents"]["in_warm_up"] == int(early.sum())
    assert summary["incidents"]["total"] == int((~early).sum())
    # Busy time from the warm-up on, over on-duty time from the warm-up on (2 staff x 18 h x 3 replications).
    started = hot.steps[hot.steps["started"].notna()]
    busy = (started["finished"].fillna(86400).clip(upper=86400).astype(float)
            - started["started"].astype(float).clip(lower=6 * 3600)).clip(lower=0).sum()
    office = hot.actors().set_index("actor").loc["office"]
    assert office["utilisation"] == pytest.approx(busy / (2 * 18 * 3600 * 3))
    assert office["tasks"] == int(started.merge(hot.incidents.loc[~early, ["replication", "incident"]]).shape[0])
    reps, tallies = summarise(warm, range(3), 5)
    assert Results(warm, 5, reps, tallies=tallies).summary() == {**summary, "bottleneck": None}
    # A scenario without a warm-up writes none, and its figures are unchanged.
    assert "warm_up" not in base.model_dump(mode="json") and "warm_up" not in cold.summary()


def test_a_warm_up_as_long_as_the_horizon_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(MMC.read_text(encoding="utf-8") + "warm_up: 200d\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load(path)
    message = str(caught.value)
    assert f"{path}:{len(MMC.read_text(encoding='utf-8').splitlines()) + 1}: warm_up:" in message
    assert "shorter than the horizon of 200d" in message


def test_running_mean_pools_replications_by_time_and_finds_the_empty_start() -> None:
    import drillsim

    scenario = load(MMC).replace(horizon="2d")
    results = drillsim.run(scenario, replications=4, seed=2)
    curve = drillsim.running_mean(results, actor="office", every="2h", window=2)
    assert list(curve.columns) == ["time", "observations", "mean", "moving", "cumulative"]
    assert curve["time"].tolist() == list(range(0, 2 * 86400, 7200))
    steps = results.steps[results.steps["started"].notna()]
    first = steps[steps["queued"] < 7200]
    assert curve["observations"].sum() == len(steps) and curve["observations"][0] == len(first)
    assert curve["mean"][0] == pytest.approx((first["started"] - first["queued"]).mean())
    assert curve["cumulative"].iloc[-1] == pytest.approx((steps["started"] - steps["queued"]).mean())
    within = slice(0, 5)  # bin 2 averages bins 0-4 (two each side), pooled over their tasks
    assert curve["moving"][2] == pytest.approx(
        (curve["mean"] * curve["observations"])[within].sum() / curve["observations"][within].sum())
    rule = drillsim.running_mean(results, rule="judged_in_time", every="1d")
    assert rule.attrs["unit"] == "rate" and 0 < rule["mean"][0] < 1
    with pytest.raises(DrillsimError, match="did you mean"):
        drillsim.running_mean(results, actor="ofice")
