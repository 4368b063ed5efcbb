"""Search: on an M/M/c office whose hit rates Erlang C gives, the cheapest option meeting the target is picked at
least as often as the stated confidence; no feasible option is said; an interrupted search resumes to the same
bytes; the same seed gives the same bytes; bad factors and targets end as `drillsim sweep`'s do."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

import drillsim
from drillsim.cli import main
from drillsim.experiment.search import DEARER, FAILS, SELECTED, SearchResult, level, schedule, search
from drillsim.scenario import DrillsimError, Scenario
from tests.helpers import CASES

MMC = CASES / "mmc-office.yaml"
STAFF = "staffing.office.staff"
VARY = {STAFF: [4, 2, 3]}
"""Not in the order of cost: the search must sort them (2 < 3 < 4 office staff)."""
TARGET = "judged_in_time>=0.795"


def erlang_c_hit_rate(servers: int, arrivals: float, service: float, limit: float) -> float:
    """P(wait + judgement <= limit) in a steady M/M/c queue: waiting with probability Erlang C, then exponentially
    at rate c*mu - lambda; the judgement exponential at mu."""
    a = arrivals / service
    top = a ** servers / math.factorial(servers) * servers / (servers - a)
    wait = top / (sum(a ** k / math.factorial(k) for k in range(servers)) + top)
    theta = servers * service - arrivals
    both = (math.exp(-service * limit) * (1 + service * limit) if math.isclose(theta, service) else
            (theta * math.exp(-service * limit) - service * math.exp(-theta * limit)) / (theta - service))
    return 1 - ((1 - wait) * math.exp(-service * limit) + wait * both)


@pytest.fixture(scope="module")
def office() -> Scenario:
    """The M/M/2 office of the coverage tests over one day after a 2-hour warm-up: 6 incidents an hour, 10 minutes'
    judgement, judged within 20 minutes."""
    return drillsim.load(MMC).replace({"horizon": "1d", "warm_up": "2h"})


@pytest.fixture(scope="module")
def office_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same office as a file, for the command line."""
    path = tmp_path_factory.mktemp("search") / "office.yaml"
    path.write_text(MMC.read_text(encoding="utf-8").replace("horizon: 200d", "horizon: 1d\nwarm_up: 2h"),
                    encoding="utf-8")
    return path


def test_the_hit_rates_of_the_office_are_erlang_cs() -> None:
    # By hand for 2 servers (a = 1, Erlang C 1/3, theta = mu): 1 - e^-2 (2/3 + 1/3 * 3) = 0.7744.
    assert erlang_c_hit_rate(2, 6, 6, 1 / 3) == pytest.approx(1 - math.exp(-2) * (2 / 3 + 1), abs=1e-12)
    assert erlang_c_hit_rate(2, 6, 6, 1 / 3) == pytest.approx(0.7744, abs=1e-4)
    assert erlang_c_hit_rate(3, 6, 6, 1 / 3) == pytest.approx(0.8540, abs=1e-4)


def test_the_procedure_picks_the_known_answer_at_least_as_often_as_it_says(office: Scenario) -> None:
    """Two office staff meet the target 77.4 % of the time, 2.1 points below 79.5 % (beyond the zone of 1 point),
    three 85.4 %: the answer is three. A sweep of 10 replications takes two on 19 seeds of 100 (its estimate over
    79.5 %)."""
    confidence, seeds = 0.9, 20
    picked = []
    for seed in range(seeds):
        outcome = search(office, VARY, [TARGET], confidence=confidence, delta=0.01, seed=seed)
        picked.append(None if outcome.best is None else outcome.best.values[STAFF])
        assert outcome.spent < outcome.full_sweep
    assert sum(p == 3 for p in picked) >= confidence * seeds, picked
    frame = outcome.frame().set_index(STAFF)
    assert frame.loc[3, "decision"] == SELECTED and frame.loc[2, "decision"] == FAILS
    assert frame.loc[4, "decision"] == DEARER and frame.loc[4, "replications"] == 0  # its cost alone decides it
    assert frame.loc[2, "judged_in_time rate"] == pytest.approx(erlang_c_hit_rate(2, 6, 6, 1 / 3), abs=0.015)
    assert frame.loc[3, "judged_in_time rate"] == pytest.approx(erlang_c_hit_rate(3, 6, 6, 1 / 3), abs=0.02)


def test_decisions_follow_the_intervals_at_the_bonferroni_level(office: Scenario) -> None:
    outcome = search(office, VARY, [TARGET], delta=0.01, seed=3)
    assert schedule(10, 200) == [10, 20, 40, 80, 160, 200] and schedule(10, 30) == [10, 20, 30]
    assert level(0.95, 3, 1, 6) == pytest.approx(1 - 0.05 / 18)
    frame = outcome.frame().set_index(STAFF)
    # Three staff: the whole interval above the target at its first stage; two: the interval below it.
    assert frame.loc[3, "judged_in_time low"] >= 0.795 and frame.loc[3, "judged_in_time decided by"] == "interval"
    assert frame.loc[2, "judged_in_time high"] < 0.795
    assert frame.loc[2, "replications"] in schedule(10, 200)
    assert outcome.runner_up is not None and outcome.runner_up.values[STAFF] == 2
    assert outcome.why(outcome.runner_up).startswith(f"fails {TARGET}")
    gap = outcome.gap()
    assert gap is not None and gap["rule"] == "judged_in_time" and gap["high"] < 0  # paired: two below three
    assert outcome.spent == sum(frame["replications"])
    assert "Bonferroni over 3 options x 1 targets x 6 looks" in outcome.probability()


def test_no_feasible_option_is_said(office: Scenario, office_file: Path) -> None:
    """No staffing reaches 95 %: even unlimited staff only judge in time 1 - e^-2 = 86.5 % of incidents."""
    outcome = search(office, VARY, ["judged_in_time>=0.95"], seed=1)
    assert outcome.best is None
    assert set(outcome.frame()["decision"]) == {FAILS}
    assert outcome.summary()["best"] is None
    result = CliRunner().invoke(main, ["search", str(office_file), "--vary", "staffing.office.staff=2..3",
                                       "--target", "judged_in_time>=0.95", "--max-replications", "20"])
    assert result.exit_code == 0, result.output  # as `drillsim sweep` does when nothing meets every target
    assert "No combination meets every target." in result.stdout


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


class Interrupted(Exception):
    pass


def test_an_interrupted_search_resumes_to_the_same_answer_and_bytes(office: Scenario, tmp_path: Path) -> None:
    whole = search(office, VARY, [TARGET], delta=0.01, seed=5, out=tmp_path / "whole")
    assert len(whole.looks) >= 3

    def stop(number: int) -> None:
        if number == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        search(office, VARY, [TARGET], delta=0.01, seed=5, out=tmp_path / "cut", on_look=stop)
    assert not (tmp_path / "cut" / "search.json").exists()
    assert sorted(p.name for p in (tmp_path / "cut").iterdir()) == ["looks", "search-spec.json"]
    assert sorted(p.name for p in (tmp_path / "cut" / "looks").iterdir()) == ["001.json", "002.json"]
    with pytest.raises(DrillsimError, match="holds a search already"):
        search(office, VARY, [TARGET], delta=0.01, seed=5, out=tmp_path / "cut")
    with pytest.raises(DrillsimError, match="its seed differ"):
        search(office, VARY, [TARGET], delta=0.01, seed=6, out=tmp_path / "cut", resume=True)
    ran: list[int] = []
    resumed = search(office, VARY, [TARGET], delta=0.01, seed=5, out=tmp_path / "cut", resume=True,
                     progress=ran.append)
    assert resumed.best == whole.best
    assert sum(ran) == whole.spent - sum(to - start for look in whole.looks[:2] for _, start, to in look["runs"])
    assert _tree(tmp_path / "cut") == _tree(tmp_path / "whole")
    (tmp_path / "cut" / "search.json").unlink()  # killed while writing the end: the looks give it again
    search(office, VARY, [TARGET], delta=0.01, seed=5, out=tmp_path / "cut", resume=True)
    assert _tree(tmp_path / "cut") == _tree(tmp_path / "whole")


def test_the_same_seed_gives_the_same_bytes(office: Scenario, office_file: Path, tmp_path: Path) -> None:
    first, again = (search(office, VARY, [TARGET], seed=9, out=tmp_path / name) for name in ("a", "b"))
    assert isinstance(first, SearchResult)
    assert json.dumps(first.summary()) == json.dumps(again.summary())
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    result = CliRunner().invoke(main, ["search", str(office_file), "--vary", "staffing.office.staff=2..3", "--target",
                                       "judged_in_time>=0.7", "--format", "json", "--max-replications", "20"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["best"]["values"] == {STAFF: 2} and data["spent"] <= data["full_sweep"] == 40


def test_the_text_says_the_answer_the_runner_up_the_probability_and_the_replications(office_file: Path) -> None:
    result = CliRunner().invoke(main, ["search", str(office_file), "--vary", "staffing.office.staff=4,2,3",
                                       "--target", TARGET, "--delta", "0.01", "--seed", "3"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("3 combinations, seed 3, the same incidents for every combination")
    assert any(line.startswith("Answer: #2 staffing.office.staff=3 (") for line in lines)
    assert any(line.startswith("Runner-up: #1 staffing.office.staff=2 (") and f"fails {TARGET}" in line
               for line in lines)
    assert any(line.startswith("With probability at least 95%") for line in lines)
    assert lines[-1].startswith("Replications: ") and "against 600 for a sweep" in lines[-1]


def test_cli_refuses_bad_factors_and_targets_as_sweep_does() -> None:
    for args, said in ((["--vary", "staffing.office.staff"], "--vary 'staffing.office.staff': expected PATH=VALUES"),
                       (["--vary", "staffing.office.staff=4..1"], "the range is empty"),
                       (["--vary", "office_staff=1,2"], "office_staff"),
                       (["--vary", "staffing.office.staff=1,2", "--target", "judged>=0.9"], "target 'judged>=0.9'"),
                       (["--vary", "staffing.office.staff=1,2", "--target", "judged_in_time>=1.5"],
                        "the rate must be between 0 and 1"),
                       (["--vary", "load=1,2", "--target", "judged_in_time>=0.5"], "the load is not one")):
        for command in ("search", "sweep"):
            if command == "sweep" and "load" in args[1]:
                continue
            extra = [] if command == "sweep" or "--target" in args else ["--target", "judged_in_time>=0.5"]
            result = CliRunner().invoke(main, [command, str(MMC), *args, *extra])
            assert result.exit_code == 2, (command, args, result.output)
            assert said in result.stderr and "Traceback" not in result.output, (command, result.stderr)


def test_search_is_the_apis_function() -> None:
    assert drillsim.search is drillsim.api.search is search
    assert "search" in drillsim.__all__


def test_a_budget_stops_the_search_and_the_statement_says_what_it_does_not_cover(office: Scenario) -> None:
    with pytest.raises(DrillsimError, match="the first look alone runs 3 options x 10 replications = 30"):
        search(office, VARY, [TARGET], budget=29)
    whole = search(office, VARY, [TARGET], delta=0.01, seed=5)
    cut = search(office, VARY, [TARGET], delta=0.01, seed=5, budget=40)
    assert whole.spent > 40 >= cut.spent
    assert cut.best is not None and cut.best.values[STAFF] == 3  # two staff: its estimate below the target
    assert cut.options[1].decided["judged_in_time"] == ("not met", "cap")
    assert "the budget of 40 replications" in cut.probability() and "#1" in cut.probability()


def test_worker_processes_give_the_same_search(office: Scenario) -> None:
    """Replication r is the same wherever it runs (runner), so the looks, decisions and bytes are too."""
    here = search(office, VARY, [TARGET], seed=2, max_replications=40)
    there = search(office, VARY, [TARGET], seed=2, max_replications=40, jobs=2)
    assert json.dumps(there.summary()) == json.dumps(here.summary())


def test_a_search_on_a_dask_scheduler_prints_what_a_local_one_does(office_file: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    args = ["search", str(office_file), "--vary", "staffing.office.staff=4,2,3", "--target", TARGET, "--seed", "4",
            "--max-replications", "40", "--format", "json"]
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=logging.CRITICAL) as cluster:
        remote = CliRunner().invoke(main, [*args, "--scheduler", cluster.scheduler_address])
    local = CliRunner().invoke(main, args)
    assert remote.exit_code == local.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
