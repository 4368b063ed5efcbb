"""The figures from streaming aggregates equal the figures from every record, exactly.

A Tally fed incident by incident (as the model feeds it when it keeps only
summaries) must give the same rule and actor tables, to the last bit, as the
frames of the full records; the histogram statistics behind them must equal
numpy's on the expanded values; and a run that kept only summaries must say
so when asked for what it did not keep.
"""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import drillsim
from drillsim.model import Replication, simulate
from drillsim.model.records import VerdictRecord
from drillsim.results import RecordsNotKept, Results, Tally, frames, metrics
from drillsim.results.aggregates import mean, quantile
from drillsim.scenario import Scenario
from tests.helpers import ROOT

SEED, REPLICATIONS = 7, 3


def _tallies(scenario: Scenario, reps: list[Replication]) -> list[Tally]:
    """One Tally per replication, fed each incident with its own steps and verdicts, as the model will."""
    tallies = []
    for rep in reps:
        steps, verdicts = defaultdict(list), defaultdict(list)
        for step in rep.steps:
            steps[step.incident].append(step)
        for verdict in rep.verdicts:
            verdicts[verdict.incident].append(verdict)
        tally = Tally(rep.replication, scenario.horizon)
        for incident in rep.incidents:
            tally.add(incident, steps.pop(incident.incident, []), verdicts.pop(incident.incident, []))
        assert not steps and not verdicts  # every record belongs to an incident
        tallies.append(tally)
    return tallies


def _summaries_only(reps: list[Replication]) -> list[Replication]:
    return [Replication(rep.replication, [], [], []) for rep in reps]


@pytest.fixture(scope="module", params=["baseline-week", "earthquake-cascade", "night-shift-one-grid-worker"])
def run(request: pytest.FixtureRequest) -> tuple[Scenario, list[Replication]]:
    scenario = drillsim.load(ROOT / "scenarios" / f"{request.param}.yaml")
    return scenario, [simulate(scenario, SEED, r) for r in range(REPLICATIONS)]


def test_tallies_give_the_tables_and_summary_of_the_full_records(run: tuple[Scenario, list[Replication]]) -> None:
    scenario, reps = run
    full = Results(scenario, SEED, reps)
    tallied = Results(scenario, SEED, _summaries_only(reps), tallies=_tallies(scenario, reps))
    assert full.rules()["late_p90"].notna().any()  # misses with lateness: the histograms are exercised
    assert_frame_equal(tallied.rules(), full.rules(), check_exact=True)
    assert_frame_equal(tallied.actors(), full.actors(), check_exact=True)
    assert_frame_equal(tallied.staffing, full.staffing, check_exact=True)
    expected = full.summary()
    assert expected["incidents"]["total"] == len(full.incidents)
    assert expected["incidents"]["closed"] == int(full.incidents["closed"].notna().sum())
    assert tallied.summary() == {**expected, "bottleneck": None}
    assert (full.keep, tallied.keep) == ("all", "summary")


def test_tallies_in_any_order_travel_small_and_whole(run: tuple[Scenario, list[Replication]]) -> None:
    scenario, reps = run
    tallies = _tallies(scenario, reps)
    for tally, rep in zip(tallies, reps, strict=True):
        copy = pickle.loads(pickle.dumps(tally))
        assert copy == tally
        assert len(pickle.dumps(tally)) < len(pickle.dumps(rep)) / 5
    shuffled = random.Random(1).sample(tallies, len(tallies))
    in_order = Results(scenario, SEED, _summaries_only(reps), tallies=tallies)
    out_of_order = Results(scenario, SEED, _summaries_only(reps), tallies=shuffled)
    assert_frame_equal(out_of_order.rules(), in_order.rules(), check_exact=True)
    assert_frame_equal(out_of_order.actors(), in_order.actors(), check_exact=True)


def test_a_run_that_kept_only_summaries_says_what_it_cannot_give(run: tuple[Scenario, list[Replication]]) -> None:
    scenario, reps = run
    results = Results(scenario, SEED, _summaries_only(reps), tallies=_tallies(scenario, reps))
    for frame in ("steps", "events", "incidents", "milestones", "verdicts", "stages", "workload"):
        with pytest.raises(RecordsNotKept, match=r"kept only summaries.*keep='all' \(--keep all"):
            getattr(results, frame)
    for method in (results.bottlenecks, results.bottleneck):
        with pytest.raises(ValueError, match="--keep all"):
            method()
    assert "summaries only" in repr(results)


def test_tallies_must_match_the_replications(run: tuple[Scenario, list[Replication]]) -> None:
    scenario, reps = run
    tallies = _tallies(scenario, reps)
    with pytest.raises(ValueError, match="one tally per replication"):
        Results(scenario, SEED, _summaries_only(reps), tallies=tallies[1:])
    with pytest.raises(ValueError, match="horizon"):
        Results(scenario, SEED, _summaries_only(reps), tallies=[Tally(t.replication, 60) for t in tallies])


def test_tables_are_computed_once_and_handed_out_as_copies(run: tuple[Scenario, list[Replication]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    scenario, reps = run
    calls: Counter[str] = Counter()

    def counted(name: str) -> Callable[..., Any]:
        original = getattr(metrics, name)

        def aggregate(*args: Any) -> Any:
            calls[name] += 1
            return original(*args)
        return aggregate

    for name in ("rule_aggregate", "actor_aggregate"):
        monkeypatch.setattr(metrics, name, counted(name))
    results = Results(scenario, SEED, reps)
    rules, actors = results.rules(), results.actors()
    rules["rate"] = actors["utilisation"] = -1.0
    results.summary()
    assert (results.rules()["rate"] != -1.0).all() and (results.actors()["utilisation"] != -1.0).all()
    assert calls == {"rule_aggregate": 1, "actor_aggregate": 1}


def test_rule_table_edge_cases_from_the_frame() -> None:
    """A level with only pending clocks has a row; a report never made is late by at least its lower bound."""
    scenario = drillsim.load(ROOT / "scenarios" / "baseline-week.yaml")
    rule = next(iter(scenario.deadlines))
    first, second = scenario.level_order[:2]

    def verdict(rep: int, level: str, status: str, slack: int | None = None, late: int | None = None) -> VerdictRecord:
        return VerdictRecord(rep, 0, rule, -1, level, "c", 0, 60, None, slack, status, late)

    verdicts = [verdict(0, first, "met", 10), verdict(0, first, "missed", -30), verdict(1, first, "missed", None, 90),
                verdict(1, first, "missed", -60), verdict(1, first, "missed"), verdict(1, second, "pending")]
    reps = [Replication(r, [], [], [v for v in verdicts if v.replication == r]) for r in (0, 1)]
    table = metrics.rule_table(scenario, frames.verdicts(reps), [0, 1]).set_index(["rule", "level"])
    assert table.loc[(rule, second), ["applicable", "pending"]].tolist() == [0, 1]
    assert np.isnan(table.loc[(rule, second), "rate"]) and np.isnan(table.loc[(rule, second), "late_median"])
    row = table.loc[(rule, first)]
    assert row[["applicable", "met", "missed", "pending"]].tolist() == [5, 1, 4, 0]
    assert row[["late_median", "late_p90", "worst_late"]].tolist() == [60.0, float(np.quantile([30, 60, 90], 0.9)),
                                                                       90.0]
    assert table.loc[(rule, "all"), "pending"] == 1
    assert not any(level in table.loc[rule].index for level in scenario.level_order[2:])


@given(st.lists(st.integers(min_value=-10**6, max_value=10**9), min_size=1, max_size=300),
       st.floats(min_value=0, max_value=1))
def test_histogram_statistics_are_numpys_on_the_expanded_values(values: list[int], q: float) -> None:
    histogram = Counter(values)
    data = np.asarray(values, dtype=float)
    assert mean(histogram) == float(data.mean())
    for level in (q, 0.9, 0.5, 0.0, 1.0):
        assert quantile(histogram, level) == float(np.quantile(data, level))


def test_tallies_need_no_pandas_and_the_api_no_scipy_at_import() -> None:
    code = ("import sys, drillsim.results.tally\n"
            "assert 'pandas' not in sys.modules, 'pandas'\n"
            "import drillsim.api\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'scipy'], 'scipy'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@given(st.lists(st.lists(st.integers(min_value=-10**6, max_value=10**9), max_size=60), min_size=1, max_size=4),
       st.floats(min_value=0, max_value=1))
def test_the_order_statistics_of_samples_kept_apart_are_numpys_on_them_together(samples: list[list[int]],
                                                                                  q: float) -> None:
    from array import array

    from drillsim.results.aggregates import Ordered
    together = np.asarray([value for sample in samples for value in sample], dtype=float)
    ordered = Ordered([array("q", sample) for sample in samples])
    assert ordered.size == together.size
    if together.size:
        assert ordered.median() == float(np.median(together))
        assert ordered.max() == float(together.max())
        for level in (q, 0.9, 0.5, 0.0, 1.0):
            assert ordered.quantile(level) == float(np.quantile(together, level))
