"""Evaluating a drill: verdicts worked out by hand from a small log, and the model's verdicts reproduced."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim import api
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.drilllog import read
from drillsim.exercise.evaluate import Evaluation, evaluate, render_text, verdict_text
from drillsim.scenario import Scenario, load
from tests.helpers import EXAM, LOG, SCENARIOS, drill_log_of_run

M = 60

# Worked out by hand from tests/data/exam-day-drill-log.csv (leak occurs 09:30, its change 10:15; fire 09:40;
# the drill ends with the last record, 12:00): rule -> (status, slack in seconds or None, late_at_least).
# The written report's clock runs 2h from the phone report (Art. 8.3(2)), not from the occurrence.
EXPECTED = {
    ("leak", None, "first_report"): ("met", 2 * M, None),  # discovered 09:33, due 09:38, received 09:36
    ("leak", None, "grid_to_office"): ("met", 14 * M, None),  # 09:36 + 30m = 10:06, office 09:52
    ("leak", None, "office_to_leadership"): ("missed", -15 * M, None),  # due 09:50, reached 10:05
    ("leak", None, "command_post_upward"): ("missed", -40 * M, None),  # due 10:30, report 11:10
    ("leak", None, "province_phone"): ("missed", -2 * M, None),  # due 10:10, phoned 10:12
    ("leak", None, "province_written"): ("met", 47 * M, None),  # phoned 10:12, due 12:12, written 11:25
    ("leak", 1, "continuation"): ("met", 5 * M, None),  # change 10:15, due 10:45, corrected record 10:40
    # a major class: the change goes on to the province, 40m from 10:15, due 10:55, never recorded by 12:00
    ("leak", 1, "continuation_province"): ("missed", None, 65 * M),
    ("leak", None, "final_report"): ("pending", None, None),  # closed 12:00 (the closure), due 14:00, after 12:00
    ("fire", None, "first_report"): ("missed", -1 * M, None),  # discovered 09:41, due 09:46, received 09:47
    ("fire", None, "grid_to_office"): ("met", 22 * M, None),  # 09:47 + 30m = 10:17, office 09:55
    ("fire", None, "office_to_leadership"): ("met", 30, None),  # due 10:00, reached 09:59:30
    ("fire", None, "command_post_upward"): ("met", 2 * M, None),  # due 10:40, report 10:38
    ("fire", None, "province_phone"): ("missed", -5 * M, None),  # due 10:20, phoned 10:25
    ("fire", None, "province_written"): ("pending", None, None),  # phoned 10:25, due 12:25, after 12:00
    ("fire", None, "final_report"): ("pending", None, None),  # never closed: its clock has not started
}


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


@pytest.fixture(scope="module")
def hand_drill(exam: Scenario) -> Evaluation:
    incidents = drill_incidents(exam, scripted=True)
    results = api.run(exam, replications=8, seed=615)
    return evaluate(exam, incidents, read(LOG, exam, incidents), results, str(LOG))


def test_verdicts_match_the_hand_computed_ones(hand_drill: Evaluation) -> None:
    got = {(f.incident, f.change, f.rule): (f.status, f.slack, f.late_at_least) for f in hand_drill.findings}
    assert got == EXPECTED
    assert (hand_drill.begin, hand_drill.end) == (9 * 3600 + 30 * M, 12 * 3600)


def test_recorded_level_is_the_level_in_force(hand_drill: Evaluation) -> None:
    """The office judged the fire level III at 09:59:30: from then on its clocks run at level III."""
    levels = {(f.incident, f.rule): f.level for f in hand_drill.findings}
    assert levels[("fire", "first_report")] == "II"
    assert levels[("fire", "office_to_leadership")] == "III"
    assert levels[("leak", "office_to_leadership")] == "II"


def test_costliest_stage_by_hand(hand_drill: Evaluation) -> None:
    by = {(f.incident, f.rule): f for f in hand_drill.findings}
    # leak, office to leadership, 09:30 -> 10:05: discover 3m, first report 3m, verify 16m, judge 13m
    late = by[("leak", "office_to_leadership")]
    assert (late.stage, late.stage_seconds) == ("verify", 16 * M)
    assert late.stage_share == pytest.approx(16 / 35)
    # leak, written report, 10:12 -> 11:25: writing began with the judgement (10:05, Art. 8.3(2)), so the whole
    # 73m window from the phone report is the writing
    written = by[("leak", "province_written")]
    assert (written.stage, written.stage_seconds, written.stage_share) == ("written_province", 73 * M, 1.0)
    # fire, written report never made: open from the phone report (10:25) to the end, its end never recorded,
    # so how long it took is not known (not the 95m to the end of the drill)
    never = by[("fire", "province_written")]
    assert (never.stage, never.stage_recorded, never.stage_seconds, never.stage_share) == \
        ("written_province", False, None, None)
    assert late.stage_recorded is True


def test_percentile_is_the_share_of_simulated_runs_faster_than_the_drill(exam: Scenario,
                                                                        hand_drill: Evaluation) -> None:
    results = api.run(exam, replications=8, seed=615)
    inc = results.incidents
    leaks = inc[(inc["source"] == "inject") & (inc["occurred"] == 9 * 3600 + 30 * M)][["replication", "incident"]]
    v = results.verdicts.merge(leaks)  # the leak's number varies with the background incidents before it
    leak = v[v["rule"] == "office_to_leadership"]
    elapsed = (leak["end"] - leak["start"]).astype(float).fillna(float("inf")).tolist()
    drill = next(f for f in hand_drill.findings if (f.incident, f.rule) == ("leak", "office_to_leadership"))
    assert drill.elapsed == 35 * M and drill.simulated == len(elapsed) == 8
    below = sum(e < 35 * M for e in elapsed) + sum(e == 35 * M for e in elapsed) / 2
    assert drill.percentile == pytest.approx(100 * below / 8)
    assert drill.sim_rate == pytest.approx(sum(e <= 20 * M for e in elapsed) / 8)
    assert drill.compared_with == "the same inject"


def test_text_report_names_every_incident_and_verdict(hand_drill: Evaluation) -> None:
    text = render_text(hand_drill)
    # leak: the continuation report to the province never made; the final report's clock runs from the 12:00 closure
    assert "Incident leak: paper leak (Exam security, level II): 4 met, 4 missed, 1 not judged" in text
    # fire: the written report's clock (phoned 10:25, due 12:25) still runs when the drill ends at 12:00, and the
    # fire was never closed, so its final report's clock has not started
    assert ("Incident fire: fire in the school canteen during the exam (Accidents and disasters, level II): "
            "3 met, 2 missed, 2 not judged") in text
    assert "missed, 15m late" in text and "running at the end of the drill" in text
    assert "missed, no report (at least 1h5m late)" in text
    assert "not started (start not recorded)" in text
    never = next(f for f in hand_drill.findings if (f.incident, f.rule) == ("fire", "province_written"))
    assert verdict_text(replace(never, status="missed", late_at_least=20 * M)) == \
        "missed, no report (at least 20m late)"
    assert "verify 16m" in text


@pytest.mark.parametrize("scenario_path", SCENARIOS, ids=lambda p: p.stem)
def test_a_drill_that_played_exactly_like_the_model_gets_the_models_verdicts(scenario_path: Path,
                                                                             tmp_path: Path) -> None:
    """A log of replication 0 read back through the console's format gives the model's own verdicts."""
    scenario = load(scenario_path)
    seed = scenario.seed
    path = tmp_path / "drill.csv"
    incidents = drill_log_of_run(scenario, seed, path)
    results = api.run(scenario, replications=2, seed=seed)
    ev = evaluate(scenario, incidents, read(path, scenario, incidents), results)
    ids = {incident.number: incident.id for incident in incidents}
    model = {(ids[v.incident], v.change + 1 if v.change >= 0 else None, v.rule): (v.status, v.slack, v.level)
             for v in results.replications[0].verdicts if v.end is not None}
    drill = {(f.incident, f.change, f.rule): (f.status, f.slack, f.level) for f in ev.findings
             if f.end is not None}
    assert drill == model


def test_evaluate_command_text_csv_and_json() -> None:
    runner = CliRunner()
    args = ["exercise", "evaluate", str(EXAM), str(LOG), "--scripted", "-n", "3"]
    text = runner.invoke(main, args)
    assert text.exit_code == 0, text.output
    assert "Compared with 3 simulated runs of the scenario, seed 615" in text.output
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    statuses = {(d["incident"], d["rule"]): d["status"] for d in data}
    assert (statuses[("fire", "province_written")], statuses[("fire", "province_phone")]) == ("pending", "missed")
    csv_out = runner.invoke(main, [*args, "--format", "csv"]).output
    assert csv_out.splitlines()[0].startswith("incident,change,rule,level,status,start,deadline,end,slack")
    assert len(csv_out.splitlines()) == 1 + len(EXPECTED)


def test_a_change_whose_incident_has_no_recorded_discovery_is_not_started(exam: Scenario, tmp_path: Path) -> None:
    """Without the leak's 09:33 discovery its continuation clock (the later of the 10:15 change and the discovery)
    has no start: shown as not started, not left out, and its 10:40 report is not judged."""
    path = tmp_path / "drill.csv"
    path.write_text("".join(line for line in LOG.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith("09:33,leak,,discovered")), encoding="utf-8")
    incidents = drill_incidents(exam, scripted=True)
    ev = evaluate(exam, incidents, read(path, exam, incidents), api.run(exam, replications=1, seed=615))
    by = {(f.incident, f.change, f.rule): f for f in ev.findings}
    continuation = by[("leak", 1, "continuation")]
    assert (continuation.status, continuation.start, continuation.end) == ("pending", None, 10 * 3600 + 40 * M)
    assert verdict_text(continuation) == "not started (start not recorded)"
    assert by[("leak", None, "first_report")].start is None
