"""Sweeps: every combination on the same incidents, costs from the schedules, the cheapest option, the headroom,
and a resumed sweep that ends with the bytes of an uninterrupted one."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import drillsim
from drillsim.cli import main
from drillsim.cli.sweep import parse_vary
from drillsim.experiment.sweeps import SweepResult, cost, staff_hours
from drillsim.scenario import DrillsimError, Scenario
from tests.helpers import CASES, ROOT

NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"
CASE = CASES / "night-one-grid-worker.yaml"
VARY = {"office.shifts[1].staff": [1, 2], "load": [1, 3]}
SEED, REPLICATIONS = 8, 3
TARGETS = ("continuation>=0.85", "grid_to_office>=0.9")


@pytest.fixture(scope="module")
def night() -> Scenario:
    return drillsim.load(NIGHT).replace(horizon="1d")


@pytest.fixture(scope="module")
def uninterrupted(night: Scenario, tmp_path_factory: pytest.TempPathFactory) -> tuple[SweepResult, Path]:
    out = tmp_path_factory.mktemp("sweep") / "whole"
    return drillsim.sweep(night, VARY, replications=REPLICATIONS, seed=SEED, targets=TARGETS, out=out), out


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_parse_vary_reads_ranges_lists_and_values_as_written() -> None:
    assert parse_vary("staffing.office.staff=1..4") == ("staffing.office.staff", [1, 2, 3, 4])
    assert parse_vary("load=1,2.5,4") == ("load", [1, 2.5, 4])
    assert parse_vary("deadlines.grid_to_office.limit=15m, 30m") == ("deadlines.grid_to_office.limit",
                                                                     ["15m", "30m"])
    assert parse_vary("staffing.office.preempt=false,true") == ("staffing.office.preempt", [False, True])
    assert parse_vary("policy=fcfs,deadline") == ("policy", ["fcfs", "deadline"])
    for bad in ("staffing.office.staff", "x=4..1", "x=1,,2", "x=a..b", "=1"):
        with pytest.raises(SystemExit):
            parse_vary(bad)


def test_cost_is_the_on_duty_staff_hours_of_the_schedules(night: Scenario) -> None:
    hours = staff_hours(night)
    # Office: 2 by default, 3 from 08:00 to 18:00, 1 from 22:00 to 07:00: 2 + 30 + 8 + 9 a day.
    assert hours["office"] == 49
    # The one grid: 3 by day, 1 from 22:00 to 07:00.
    assert hours["grid_worker"] == 15 * 3 + 9
    sick = night.replace({"office.absences": [{"from": "10:00", "to": "12:00", "staff": 1}]})
    assert staff_hours(sick)["office"] == 47
    assert cost(night) == (sum(hours.values()), "staff-hours")
    priced = night.replace({"costs.staff_hour": {"office": 30.0, "grid_worker": 20.0}})
    assert cost(priced) == (30 * 49 + 20 * 54, "cost")
    # The party secretary holds the leader's and the commander's roles: one person's 24 hours, paid once, at the
    # dearer of the two rates.
    assert hours["party_secretary"] == 24 and "leader" not in hours and "commander" not in hours
    paid = night.replace({"costs.staff_hour": {"office": 30.0, "leader": 50.0, "commander": 80.0}})
    assert cost(paid) == (30 * 49 + 80 * 24, "cost")


def test_a_sweep_runs_every_combination_on_the_same_incidents(uninterrupted: tuple[SweepResult, Path]) -> None:
    outcome, _ = uninterrupted
    assert [p.values for p in outcome.points] == [{"office.shifts[1].staff": s, "load": x}
                                                   for s in (1, 2) for x in (1, 3)]
    frame = outcome.frame
    rules = list(outcome.scenario.deadlines)
    assert len(frame) == 4 * len(rules) and list(frame["rule"][:len(rules)]) == rules
    assert {"point", "office.shifts[1].staff", "load", "cost", "rate", "low", "high", "target", "meets",
            "meets_all", "cheapest"} <= set(frame.columns)
    # Grid workers (3 by day, 1 from 22:00 to 07:00), department heads, committee members, police, property
    # security, health station, volunteers (4 by day, 1 from 22:00 to 07:00: 60 + 9), the party secretary (leader
    # and commander, counted once) and the committee director (deputy).
    others = 54 + 4 * 24 + 2 * 24 + 2 * 24 + 3 * 24 + 2 * 24 + 69 + 24 + 24
    assert frame.groupby("point")["cost"].first().tolist() == [49 + others] * 2 + [49 + 9 + others] * 2
    drawn = ["replication", "incident", "occurred", "category", "level", "grid"]
    for a, b in ((0, 2), (1, 3)):  # the same load, one or two office workers at night
        assert outcome.results(a).incidents[drawn].equals(outcome.results(b).incidents[drawn])
    assert len(outcome.results(1).incidents) > 1.5 * len(outcome.results(0).incidents)  # load 3


def test_cheapest_and_headroom_follow_the_targets(uninterrupted: tuple[SweepResult, Path]) -> None:
    outcome, _ = uninterrupted
    frame = outcome.frame
    meets = {p.index: outcome.meets_all(p.index) for p in outcome.points}
    for point, part in frame.groupby("point"):
        targeted = part[part["target"].notna()]
        assert meets[point] == bool((targeted["rate"] >= targeted["target"]).all())
    for load in (1.0, 3.0):
        ok = [p for p in outcome.points if p.load == load and meets[p.index]]
        expected = [min(ok, key=lambda p: (p.cost, p.index)).index] if ok else []
        assert [i for i in outcome.cheapest_points() if outcome.points[i].load == load] == expected
    headroom = outcome.headroom()
    assert len(headroom) == 2 * len(TARGETS)
    for row in headroom.to_dict("records"):
        rule, rate = row["target"].split(">=")
        holds = [outcome.rates(p.index)[rule]["rate"] >= float(rate) for p in outcome.points
                 if p.values["office.shifts[1].staff"] == row["office.shifts[1].staff"]]
        if all(holds):
            assert (row["headroom"], math.isnan(row["fails_at"])) == (3.0, True)
        elif holds[0]:
            assert (row["headroom"], row["fails_at"]) == (1.0, 3.0)
        else:
            assert math.isnan(row["headroom"]) and row["fails_at"] == 1.0


def test_a_deterministic_case_picks_the_second_grid_worker() -> None:
    """tests/data/cases/night-one-grid-worker.yaml: with one grid worker the second report waits 3 minutes and misses
    the 15-minute office deadline by 90 s; with two it does not wait, and three cost more."""
    case = drillsim.load(CASE)
    outcome = drillsim.sweep(case, {"staffing.grid_worker.grids.grid_1.staff": [1, 2, 3]}, replications=2,
                             targets=["office_to_leadership>=1"])
    rates = [outcome.rates(p.index)["office_to_leadership"]["rate"] for p in outcome.points]
    assert rates == [0.5, 1.0, 1.0]
    assert outcome.cheapest_points() == [1]
    best = outcome.cheapest()
    assert best.to_dict("records") == [{
        "point": 1, "staffing.grid_worker.grids.grid_1.staff": 2, "load": 1.0, "cost": outcome.points[1].cost,
        "verdict": "undecided", "office_to_leadership target": 1.0, "office_to_leadership rate": 1.0,
        "office_to_leadership low": outcome.rates(1)["office_to_leadership"]["low"],
        "office_to_leadership high": 1.0}]  # a rate of 100 % can never be known to be at least 100 %
    with pytest.raises(DrillsimError, match="unknown deadline rule 'office_to_leadrship'"):
        drillsim.sweep(case, {"load": [1]}, targets=["office_to_leadrship>=0.9"])


def test_an_interrupted_sweep_resumed_ends_with_the_bytes_of_an_uninterrupted_one(
        night: Scenario, uninterrupted: tuple[SweepResult, Path], tmp_path: Path) -> None:
    _, whole = uninterrupted
    out = tmp_path / "cut"

    def stop_after_two(point: object) -> None:
        if len(list((out / "points").glob("*.json"))) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        drillsim.sweep(night, VARY, replications=REPLICATIONS, seed=SEED, targets=TARGETS, out=out,
                       on_point=stop_after_two)
    assert sorted(_tree(out)) == ["points/0000.json", "points/0001.json", "sweep-spec.json"]
    ran: list[int] = []
    resumed = drillsim.sweep(night, VARY, replications=REPLICATIONS, seed=SEED, targets=TARGETS, out=out,
                             resume=True, on_point=lambda p: ran.append(p.index))  # type: ignore[attr-defined]
    assert ran == [2, 3]
    assert _tree(out) == _tree(whole)
    assert resumed.frame.equals(uninterrupted[0].frame)


def test_a_directory_holding_another_sweep_is_refused(night: Scenario, uninterrupted: tuple[SweepResult, Path],
                                                     tmp_path: Path) -> None:
    _, whole = uninterrupted
    with pytest.raises(DrillsimError, match="holds a sweep already"):
        drillsim.sweep(night, VARY, replications=REPLICATIONS, seed=SEED, out=whole)
    with pytest.raises(DrillsimError, match=r"holds a different sweep .*replications"):
        drillsim.sweep(night, VARY, replications=REPLICATIONS + 1, seed=SEED, targets=TARGETS, out=whole,
                       resume=True)
    edited = night.replace({"deadlines.continuation.limit": "25m"})
    with pytest.raises(DrillsimError, match=r"holds a different sweep .*fingerprint"):
        drillsim.sweep(edited, VARY, replications=REPLICATIONS, seed=SEED, targets=TARGETS, out=whole, resume=True)


def test_cli_sweep_prints_a_row_per_combination_and_marks_the_cheapest(
        uninterrupted: tuple[SweepResult, Path], tmp_path: Path) -> None:
    outcome, whole = uninterrupted
    scenario = tmp_path / "night.yaml"
    scenario.write_text(NIGHT.read_text(encoding="utf-8").replace("horizon: 7d", "horizon: 1d"), encoding="utf-8")
    args = ["sweep", str(scenario), "--vary", "office.shifts[1].staff=1..2", "--vary", "load=1,3",
            "-n", str(REPLICATIONS), "--seed", str(SEED), *(f"--target={t}" for t in TARGETS)]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # The load draws more incidents: the header must not claim the same incidents for every combination.
    assert lines[0] == "Night shift with one grid worker: 4 combinations x 3 replications, seed 7, " \
                       "different incidents between combinations (the load differs: 1 vs 3)".replace("seed 7",
                                                                                                   f"seed {SEED}")
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("#"))
    rows = lines[header + 1:header + 5]
    assert [row.split()[:3] for row in rows] == [["0", "1", "1"], ["1", "1", "3"], ["2", "2", "1"], ["3", "2", "3"]]
    marked = [int(row.split()[0]) for row in rows if row.endswith("<- cheapest")]
    assert marked == outcome.cheapest_points() == list(outcome.cheapest()["point"])
    # "?" marks a rate whose interval contains its target: met or not, the replications cannot yet tell.
    unsure = [any(r["low"] < t.rate <= r["high"] for t in outcome.targets for r in [outcome.rates(p.index)[t.rule]])
              for p in outcome.points]
    assert [" ? " in row + " " for row in rows] == unsure
    assert any(line.startswith("? the 95% interval contains the target") for line in lines) == any(unsure)
    assert any(line.startswith("Headroom") for line in lines)
    assert (tmp_path / "cli" / "sweep.csv").read_bytes() == (whole / "sweep.csv").read_bytes()
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).stdout)
    assert [p["cheapest"] for p in data["points"]] == [p.index in outcome.cheapest_points() for p in outcome.points]


def test_cli_sweep_refuses_bad_factors_with_their_path() -> None:
    result = CliRunner().invoke(main, ["sweep", str(CASE), "--vary", "staffing.grid_worker.staff=1,2"])
    assert result.exit_code == 2
    assert "staffing.grid_worker.staff: every grid of 'grid_worker' sets its own staff" in result.stderr
    result = CliRunner().invoke(main, ["sweep", str(CASE), "--vary", "grid_workers=2,4"])
    assert result.exit_code == 2 and "grid_workers: unknown field" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_stops_a_sweep_with_one_line_and_resume_finishes_it(tmp_path: Path) -> None:
    """A user's Ctrl-C: one line on stderr, exit 130, finished combinations kept; --resume completes the sweep."""
    out = tmp_path / "sweep"
    scenario = tmp_path / "night.yaml"
    scenario.write_text(NIGHT.read_text(encoding="utf-8").replace("horizon: 7d", "horizon: 2d"), encoding="utf-8")
    args = [sys.executable, "-m", "drillsim.cli", "sweep", str(scenario), "--vary", "load=1,1.5,2,2.5,3,3.5,4,4.5",
            "-n", "6", "--out", str(out)]
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "points" / "0000.json").exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGINT)
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == 130, stderr
    assert len(stderr.strip().splitlines()) == 1 and "--resume continues" in stderr
    done = sorted(p.name for p in (out / "points").iterdir())
    assert 1 <= len(done) < 8 and all(not name.startswith(".") for name in done)
    assert not (out / "sweep.csv").exists()
    finished = subprocess.run([*args, "--resume", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                              check=False)
    assert finished.returncode == 0, finished.stderr
    assert len(list((out / "points").iterdir())) == 8 and (out / "sweep.csv").exists()


def test_a_point_keeps_the_mean_waits_of_teams_and_working_groups_too(uninterrupted: tuple[SweepResult, Path],
                                                                      night: Scenario) -> None:
    """A command post waits for its commander's person like a role's task for its staff: its wait is compared."""
    outcome, out = uninterrupted
    point = json.loads((out / "points" / "0000.json").read_text(encoding="utf-8"))
    waited = {a for a, actor in night.actors.items() if actor.kind in ("pool", "per_grid", "team", "working_group")}
    assert set(point["mean_waits"]) == waited and {"command_post", "reserve_team", "working_group"} <= waited
    results = outcome.results(0)
    steps = results.steps[results.steps["started"].notna() & (results.steps["actor"] == "command_post")]
    assert len(steps) and point["mean_waits"]["command_post"] == pytest.approx(
        float((steps["started"] - steps["queued"]).sum()) / len(steps))
