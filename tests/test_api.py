"""The Python API analysts call from notebooks: load, replace, run (with precision=), compare."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import drillsim
from drillsim.cli import main
from drillsim.experiment.comparison import Comparison
from drillsim.experiment.per_replication import precision_report, rule_intervals
from drillsim.experiment.readings import marks
from drillsim.scenario import DrillsimError, Scenario, ScenarioError
from drillsim.scenario.schema import FrozenDict
from tests.helpers import CASES, ROOT

NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"
BASELINE = ROOT / "scenarios" / "baseline-week.yaml"


@pytest.fixture(scope="module")
def night() -> Scenario:
    return drillsim.load(NIGHT).replace(horizon="2d")


def test_the_api_names_stay_functions_after_every_module_is_imported() -> None:
    """`drillsim.run` is a function: a submodule of that name would replace it once imported."""
    code = ("import drillsim, drillsim.api, drillsim.experiment.runner, drillsim.experiment.sweeps, "
            "drillsim.experiment.comparison, drillsim.experiment.replications, drillsim.cli\n"
            f"s = drillsim.load({str(NIGHT)!r})\n"
            "assert drillsim.run is drillsim.api.run and drillsim.sweep is drillsim.api.sweep\n"
            "assert drillsim.compare is drillsim.api.compare and drillsim.load is drillsim.api.load\n"
            "print(sorted(drillsim.__all__))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert {"compare", "load", "run", "sweep"} <= set(eval(done.stdout))


# --- replace ------------------------------------------------------------------------


def test_replace_makes_a_validated_variant_and_leaves_the_original_alone(night: Scenario) -> None:
    variant = night.replace({"staffing.office.staff": 3, "deadlines.office_to_leadership.limit": "15m"},
                            horizon="1d")
    assert (variant.staffing["office"].staff, variant.deadlines["office_to_leadership"].limit, variant.horizon) == \
        (3, 900, 86400)
    assert (night.staffing["office"].staff, night.deadlines["office_to_leadership"].limit, night.horizon) == \
        (2, 1200, 2 * 86400)
    assert night.replace({}) == night
    with pytest.raises(TypeError, match=r"Scenario.replace\(\)"):
        night.staffing["office"] = night.staffing["grid_worker"]  # type: ignore[index]
    assert isinstance(variant.staffing, FrozenDict)


def test_replace_reaches_list_entries_every_grid_and_an_actors_staffing_by_its_name(night: Scenario) -> None:
    variant = night.replace({"staffing.office.shifts[1].staff": 2, "office.shifts.0.staff": 4})
    assert [shift.staff for shift in variant.staffing["office"].shifts] == [4, 2]
    baseline = drillsim.load(BASELINE)
    every = baseline.replace({"staffing.grid_worker.grids.*.staff": 2})
    assert [every.staffing["grid_worker"].for_grid(g).staff for g in every.grids] == [2, 2, 2]
    shifted = night.replace({"staffing.grid_worker.grids.community.shifts": [
        {"from": "22:00", "to": "07:00", "staff": 2}]})
    assert shifted.staffing["grid_worker"].for_grid("community").on_duty(3600) == 2


def test_a_per_grid_actors_own_field_reaches_the_grids_that_inherit_it(night: Scenario) -> None:
    inherit = night.replace({"staffing.grid_worker.grids.community": {"shifts": []}, "staffing.grid_worker.staff": 4})
    assert inherit.staffing["grid_worker"].for_grid("community").staff == 4
    # Every grid sets its own staff: the actor's would change nothing, and is refused.
    with pytest.raises(ScenarioError, match=r"staffing\.grid_worker\.staff: every grid .*grids\.\*\.staff"):
        night.replace({"staffing.grid_worker.staff": 2})


def test_a_dump_and_revalidation_keeps_grid_inheritance(night: Scenario) -> None:
    """A grid that set only its shifts keeps inheriting the actor's staff after a replace."""
    inherit = night.replace({"staffing.grid_worker.grids.community": {"shifts": []}, "staffing.grid_worker.staff": 4})
    again = inherit.replace({"staffing.office.staff": 2})
    assert again.staffing["grid_worker"].grids["community"].model_fields_set == {"shifts"}
    assert again.replace({"staffing.grid_worker.staff": 5}).staffing["grid_worker"].for_grid("community").staff == 5


@pytest.mark.parametrize(("changes", "message"), [
    ({"staffing.office.staff": -1}, r"<replace>: staffing\.office\.staff: .*-1"),
    ({"staffing.ofice.staff": 2}, r"staffing\.ofice: unknown actor 'ofice'; did you mean 'office'"),
    ({"horizon": 86400}, r"horizon: the bare number 86400 has no unit"),
    ({"deadlines.office_to_leadership.limit": "soon"}, r"deadlines\.office_to_leadership\.limit: 'soon' is not"),
    ({"staffing.office.shifts[7].staff": 1}, r"staffing\.office\.shifts\[7\]: expected an index from 0 to 1"),
    ({"name.first": "x"}, r"name\.first: name is a single value"),
    ({"staffing..staff": 1}, r"not a dotted path"),
    ({"sources.*.rate_per_dy": 2}, r"sources\[0\]\.rate_per_dy: unknown field 'rate_per_dy'; did you mean"),
    ({"injects.*.at": "1d"}, r"injects\.\*\.at: matches no entry"),
])
def test_replace_errors_name_the_path(night: Scenario, changes: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        night.replace(changes)


# --- run ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(night: Scenario) -> drillsim.Results:
    return drillsim.run(night, replications=4, seed=3)


def test_run_frames_carry_scenario_and_replication_columns(results: drillsim.Results) -> None:
    for frame in (results.events, results.incidents, results.verdicts):
        assert list(frame.columns[:2]) == ["scenario", "replication"]
        assert set(frame["scenario"]) == {"Night shift with one grid worker"}
        assert set(frame["replication"]) == {0, 1, 2, 3}


def test_summary_gives_the_clis_figures(results: drillsim.Results, tmp_path: Path) -> None:
    path = tmp_path / "night.yaml"
    path.write_text(NIGHT.read_text(encoding="utf-8").replace("horizon: 7d", "horizon: 2d"), encoding="utf-8")
    cli = CliRunner().invoke(main, ["run", str(path), "-n", "4", "--seed", "3", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    summary = json.loads(cli.stdout)
    assert summary.pop("readings") == json.loads(json.dumps(marks(results).marks()))
    assert summary == json.loads(json.dumps(results.summary()))


def test_precision_adds_replications_until_every_rate_is_known_well_enough(night: Scenario) -> None:
    rough = drillsim.run(night, replications=4, seed=3, precision=0.15)
    report = rough.precision
    assert report is not None and report["reached"]
    n = len(rough.replications)
    assert n > 4 and report["replications"] == n == rough.summary()["replications"]
    assert max(report["half_widths"].values()) <= 0.15 < max(
        precision_report(drillsim.run(night, replications=4, seed=3), 0.15, 9)
        ["half_widths"].values())
    # Batches change nothing: the same figures as a plain run of as many replications.
    plain = drillsim.run(night, replications=n, seed=3)
    assert plain.verdicts.equals(rough.verdicts) and plain.rules().equals(rough.rules())
    assert rough.summary()["precision"] == report and "precision" not in plain.summary()


def test_precision_stops_at_the_cap_and_says_so(night: Scenario) -> None:
    capped = drillsim.run(night, replications=3, seed=3, precision=0.01, max_replications=5)
    assert len(capped.replications) == 5
    assert capped.precision is not None and not capped.precision["reached"]
    widest = capped.precision["widest"]
    assert widest["half_width"] > 0.01
    row = rule_intervals(capped).set_index("rule").loc[widest["rule"]]
    assert widest["half_width"] == pytest.approx((row["high"] - row["low"]) / 2)


def test_cli_precision_reports_the_replications_in_the_header_and_json() -> None:
    args = ["run", str(CASES / "night-one-grid-worker.yaml"), "--precision", "0.3", "-n", "2"]
    table = CliRunner().invoke(main, args)
    assert table.exit_code == 0, table.output
    summary = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).stdout)
    n = summary["replications"]
    assert n > 2 and summary["precision"]["replications"] == n and summary["precision"]["reached"]
    assert table.stdout.splitlines()[0].startswith(f"Precision ±30.0% reached after {n} replications")
    assert table.stdout.splitlines()[1].startswith(f"One grid worker, two incidents: {n} replications")


# --- compare ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def night_comparison(night: Scenario) -> Comparison:
    second_office = night.replace({"staffing.office.shifts[1].staff": 2})
    return drillsim.compare(night, second_office, replications=12, seed=5)


def test_compare_gives_b_minus_a_of_every_hit_rate_and_mean_wait(night: Scenario, night_comparison: Comparison) -> None:
    frame = night_comparison.frame
    overall = frame[frame["level"] == "all"]
    assert list(overall[overall["kind"] == "hit rate"]["name"]) == list(night.deadlines)
    assert {"office", "grid_worker", "leader"} <= set(overall[overall["kind"] == "mean wait"]["name"])
    assert np.allclose(overall["difference"], overall["b"] - overall["a"], equal_nan=True)
    office = overall.set_index(["kind", "name"]).loc[("mean wait", "office")]
    assert office["difference"] < 0 and office["high"] < 0 and office["distinguishable"]
    # The first report comes before the office: the same in both, exactly.
    first = overall.set_index(["kind", "name"]).loc[("hit rate", "first_report")]
    assert (first["difference"], first["low"], first["high"], first["distinguishable"]) == (0.0, 0.0, 0.0, False)


def test_paired_intervals_are_narrower_than_unpaired_on_the_same_data(night_comparison: Comparison) -> None:
    frame = night_comparison.frame
    varied = frame[(frame["level"] == "all") & (frame["unpaired_high"] > frame["unpaired_low"])]
    assert {"office_to_leadership", "continuation", "office"} <= set(varied["name"])
    paired = varied["high"] - varied["low"]
    unpaired = varied["unpaired_high"] - varied["unpaired_low"]
    assert (paired < unpaired).all()
    assert (paired / unpaired).median() < 0.5


def test_compare_refuses_results_without_common_random_numbers(night: Scenario) -> None:
    a = drillsim.run(night, replications=3, seed=1)
    with pytest.raises(DrillsimError, match="same seed and replications"):
        drillsim.compare(a, drillsim.run(night, replications=3, seed=2))
    same = drillsim.compare(a, night)  # a scenario is run with a's seed and replications
    assert (same.b.seed, len(same.b.replications)) == (1, 3)
    assert not same.frame["distinguishable"].any()


def test_cli_compare_prints_the_paired_differences(tmp_path: Path) -> None:
    text = NIGHT.read_text(encoding="utf-8").replace("horizon: 7d", "horizon: 2d")
    night_office = '\n      - {from: "22:00", to: "07:00", staff: %d}'
    assert text.count(night_office % 1) == 1
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text.replace(night_office % 1, night_office % 2), encoding="utf-8")
    args = ["compare", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "-n", "6"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2].startswith("6 replications, seed 7: B - A on the same incidents")
    office = next(line for line in lines if line.startswith("Office (information group)")).split()
    assert office[5].startswith("-") and office[-1] in ("yes", "no")  # B - A: a shorter wait at night
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).stdout)
    assert data["replications"] == 6 and {row["kind"] for row in data["rows"]} == {"hit rate", "mean wait"}
