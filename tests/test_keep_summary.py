"""Runs that keep only running totals (`keep="summary"`, `--keep summary`) give the full run's figures.

What differs is only what needs every record: the frames, the plots, the
bottleneck. Everything else, from the API to the command line and a sweep's
points, must equal the full run's to the last digit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import drillsim
from drillsim.cli import main
from drillsim.experiment.per_replication import rule_counts, rule_intervals, wait_totals
from drillsim.results import RecordsNotKept
from tests.helpers import ROOT

EARTHQUAKE = ROOT / "scenarios" / "earthquake-cascade.yaml"
BASELINE = ROOT / "scenarios" / "baseline-week.yaml"


def _without_bottleneck(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "bottleneck"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_api_figures_equal_the_full_run(jobs: int) -> None:
    scenario = drillsim.load(EARTHQUAKE)
    full = drillsim.run(scenario, replications=6, seed=3)
    summary = drillsim.run(scenario, replications=6, seed=3, jobs=jobs, keep="summary")
    assert (full.keep, summary.keep) == ("all", "summary")
    pd.testing.assert_frame_equal(full.rules(), summary.rules(), check_exact=True)
    pd.testing.assert_frame_equal(full.actors(), summary.actors(), check_exact=True)
    pd.testing.assert_frame_equal(full.staffing, summary.staffing, check_exact=True)
    for figure in (rule_counts, rule_intervals, wait_totals):
        pd.testing.assert_frame_equal(figure(full), figure(summary), check_exact=True)
    assert _without_bottleneck(full.summary()) == _without_bottleneck(summary.summary())
    assert summary.summary()["bottleneck"] is None
    with pytest.raises(RecordsNotKept, match="keep='all'"):
        _ = summary.steps


def test_precision_runs_add_batches_of_tallies_like_batches_of_records() -> None:
    scenario = drillsim.load(BASELINE)
    full = drillsim.run(scenario, replications=4, precision=0.2, max_replications=12)
    summary = drillsim.run(scenario, replications=4, precision=0.2, max_replications=12, keep="summary")
    assert full.precision == summary.precision
    assert len(summary.replications) == len(summary.tallies or []) == len(full.replications)
    pd.testing.assert_frame_equal(full.rules(), summary.rules(), check_exact=True)


def test_an_unknown_keep_is_refused() -> None:
    with pytest.raises(ValueError, match="keep='everything': one of all, summary"):
        drillsim.run(drillsim.load(BASELINE), replications=1, keep="everything")  # type: ignore[arg-type]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


def test_cli_table_differs_only_in_the_bottleneck() -> None:
    full = invoke(str(BASELINE), "-n", "3", "-q").output.splitlines()
    summary = invoke(str(BASELINE), "-n", "3", "-q", "--keep", "summary").output.splitlines()
    cut = full.index(next(line for line in full if line.startswith("where the misses")))
    assert summary[:cut] == full[:cut]
    assert summary[cut].startswith("Bottleneck: not sought") and "--keep all" in summary[cut]


def test_cli_out_writes_the_summary_but_no_records(tmp_path: Path) -> None:
    result = invoke(str(BASELINE), "-n", "2", "-q", "--keep", "summary", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0
    assert {p.name for p in (tmp_path / "run").iterdir()} == {"people.csv", "summary.json", "scenario.yaml",
                                                              "provenance.json"}
    assert json.loads((tmp_path / "run" / "provenance.json").read_text())["keep"] == "summary"
    full = json.loads(invoke(str(BASELINE), "-n", "2", "-q", "--format", "json").output)
    written = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert _without_bottleneck(written) == _without_bottleneck(full)


@pytest.mark.parametrize("flag", [["--timeline"], ["--report", "--out", "ignored"]])
def test_cli_refuses_what_needs_every_record(flag: list[str]) -> None:
    result = invoke(str(BASELINE), "--keep", "summary", *flag)
    assert result.exit_code == 2
    assert f"{flag[0]} needs every record: run with --keep all" in result.output


def test_a_sweep_keeps_tallies_and_reruns_a_point_asked_for_in_full() -> None:
    scenario = drillsim.load(BASELINE)
    swept = drillsim.sweep(scenario, {"staffing.office.staff": [1, 2]}, replications=3, seed=5)
    point = swept.results(1)
    assert point.keep == "all" and len(point.steps) > 0
    alone = drillsim.run(scenario.replace({"staffing.office.staff": 2}), replications=3, seed=5)
    pd.testing.assert_frame_equal(point.rules(), alone.rules(), check_exact=True)
    recorded = [row["rate"] for row in swept.records[1]["rules"]]
    assert recorded == pytest.approx(list(rule_intervals(point)["rate"]), nan_ok=True)
