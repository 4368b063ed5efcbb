"""`drillsim readings` and the marks of `drillsim run`: each rule's hit rate under every reading of the plan.

The plan below: the office judges every incident in 10m, then the leader
decides in 10m, so an incident at T is judged at T + 10m and decided at
T + 20m (two incidents twelve hours apart: nobody waits). `judged_in_time`
(15m from the occurrence) is always met. `decided_in_time` has 15m too, from
a start the plan leaves open (the reading `decided_in_time.start`): from the
occurrence the decision comes 5m late (missed every time), from the
judgement 5m early (met every time, slack 5m). The second reading,
`decided_in_time.limit`, reads its 15m as 5m: then it is missed from either
start (20m or 10m after it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import drillsim
from drillsim.cli import main
from drillsim.errors import DrillsimError
from drillsim.experiment import readings as measure
from drillsim.experiment.readings import marks, readings, runs
from drillsim.experiment.replications import run
from drillsim.model import rechecked, simulate
from drillsim.scenario import load
from drillsim.scenario import readings as plan_readings
from tests.helpers import ONE_LEVEL, ROOT

PLAN = """\
name: Office and leader
horizon: 1d
replications: 2
seed: 5
actors:
  office: {title: Office, kind: pool}
  leader: {title: Leader, kind: pool}
staffing:
  office: {staff: 1}
  leader: {staff: 1}
working_groups:
  information: {title: Information group, led_by: leader}
""" + ONE_LEVEL + """flow:
  - {id: judge, actor: office, after: [occurred], duration: judge, milestone: judged}
  - {id: decide, actor: leader, after: [judge], duration: decide, milestone: decided}
deadlines:
  judged_in_time: {title: judged within 15 minutes, limit: 15m, start: occurred, end: judged}
  decided_in_time: {title: decided within 15 minutes, limit: 15m, start: occurred, end: decided}
durations:
  judge: 10m
  decide: 10m
injects:
  - {at: "02:00", category: any, example: any, level: IV}
  - {at: "14:00", category: any, example: any, level: IV}
"""
START = """\
  decided_in_time.start:
    title: when the leader's 15 minutes start
    article: Art. 1
    default: occurred
    alternatives:
      occurred: {means: "15 minutes of the incident", set: {deadlines.decided_in_time.start: occurred}}
      judged: {means: "the leader's own 15 minutes", set: {deadlines.decided_in_time.start: judged}}
"""
LIMIT = """\
  decided_in_time.limit:
    title: how long the leader has
    article: Art. 2
    default: 15m
    alternatives:
      15m: {means: "a quarter of an hour", set: {deadlines.decided_in_time.limit: 15m}}
      5m: {means: "at once", set: {deadlines.decided_in_time.limit: 5m}}
"""
SLACK = """\
  judged_in_time.limit:
    title: how long the office has
    article: Art. 3
    default: 15m
    alternatives:
      15m: {means: "a quarter of an hour", set: {deadlines.judged_in_time.limit: 15m}}
      30m: {means: "half an hour", set: {deadlines.judged_in_time.limit: 30m}}
"""
"""A reading that moves nothing: the office judges in 10m, within 15m or 30m alike."""
BASELINE = ROOT / "scenarios" / "baseline-week.yaml"


def _write(tmp_path: Path, *readings_yaml: str, extra: str = "") -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN + extra + ("readings:\n" + "".join(readings_yaml) if readings_yaml else ""),
                    encoding="utf-8")
    return path


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    return _write(tmp_path, START)


def _rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [(row.rule, row.reading, row.alternative, row.in_force, row.hit_rate, row.difference, row.spread)
            for row in frame.itertuples(index=False)]


def test_a_clock_reading_turns_every_miss_of_its_rule_into_a_hit_and_leaves_the_other_rule_alone(
        plan: Path) -> None:
    scenario = load(plan)
    other = plan_readings.variant(scenario, "decided_in_time.start", "judged")
    base, read = simulate(scenario, 5, 0), simulate(other, 5, 0)
    verdicts = {(v.incident, v.rule): (v.status, v.slack) for v in base.verdicts}
    assert verdicts == {(1, "judged_in_time"): ("met", 300), (2, "judged_in_time"): ("met", 300),
                        (1, "decided_in_time"): ("missed", -300), (2, "decided_in_time"): ("missed", -300)}
    assert {(v.incident, v.rule): (v.status, v.slack) for v in read.verdicts} == {
        **verdicts, (1, "decided_in_time"): ("met", 300), (2, "decided_in_time"): ("met", 300)}
    assert rechecked(other, base) == read

    result = readings(scenario)
    assert _rows(result.frame) == [
        ("decided_in_time", "decided_in_time.start", "occurred", True, 0.0, 0.0, 1.0),
        ("decided_in_time", "decided_in_time.start", "judged", False, 1.0, 1.0, 1.0),
        ("judged_in_time", "decided_in_time.start", "occurred", True, 1.0, 0.0, 0.0),
        ("judged_in_time", "decided_in_time.start", "judged", False, 1.0, 0.0, 0.0)]
    moved = result.frame.iloc[1]
    assert (moved.low, moved.high) == (1.0, 1.0)  # every replication moves by the same +1: no doubt left
    assert (moved.article, moved.relevant, moved.present) == ("Art. 1", True, True)
    assert not result.frame.iloc[3].relevant  # the reading sets no clock of judged_in_time
    assert result.spreads().to_dict("records") == [
        {"rule": "decided_in_time", "hit_rate": 0.0, "low": 0.0, "high": 1.0, "spread": 1.0},
        {"rule": "judged_in_time", "hit_rate": 1.0, "low": 1.0, "high": 1.0, "spread": 0.0}]


def test_each_difference_and_its_interval_are_those_of_a_paired_comparison() -> None:
    scenario = load(BASELINE).replace(horizon="2d")
    frame = readings(scenario, replications=4).frame
    row = frame[(frame["rule"] == "office_to_leadership") & (frame["alternative"] == "discovered")].iloc[0]
    other = plan_readings.variant(scenario, "office_to_leadership.start", "discovered")
    paired = drillsim.compare(scenario, other, replications=4).frame
    expected = paired[(paired["name"] == "office_to_leadership") & (paired["level"] == "all")].iloc[0]
    assert (row.hit_rate, row.difference, row.low, row.high) == (expected.b, expected.difference, expected.low,
                                                                expected.high)
    assert expected.low > 0  # the 20m from the discovery, not the occurrence: met more often


def test_under_the_other_alternative_in_force_the_difference_is_minus_one(tmp_path: Path) -> None:
    scenario = load(_write(tmp_path, START, extra="read_as: {decided_in_time.start: judged}\n"))
    frame = readings(scenario).frame
    occurred = frame[(frame["rule"] == "decided_in_time") & (frame["alternative"] == "occurred")].iloc[0]
    assert (occurred.in_force, occurred.default, occurred.hit_rate, occurred.difference) == (False, True, 0.0, -1.0)


def test_readings_that_move_no_rule_report_zero_spread_everywhere(tmp_path: Path) -> None:
    result = readings(load(_write(tmp_path, SLACK)))
    assert set(result.frame["spread"]) == {0.0} and set(result.frame["difference"]) == {0.0}
    assert list(result.spreads()["spread"]) == [0.0, 0.0]
    nothing = readings(load(_write(tmp_path)))  # no reading at all
    assert nothing.frame.empty and nothing.tried == ()
    assert nothing.spreads().to_dict("records") == [
        {"rule": "judged_in_time", "hit_rate": 1.0, "low": 1.0, "high": 1.0, "spread": 0.0},
        {"rule": "decided_in_time", "hit_rate": 0.0, "low": 0.0, "high": 0.0, "spread": 0.0}]


def test_every_combination_counts_the_alternatives_of_the_readings_relevant_to_each_rule(tmp_path: Path) -> None:
    scenario = load(_write(tmp_path, START, LIMIT, SLACK))
    result = readings(scenario, every_combination=True)
    # decided_in_time: 2 starts x 2 limits; judged_in_time: its own reading's 2 limits; nothing else sets them.
    assert dict(result.combinations) == {"judged_in_time": 2, "decided_in_time": 4}
    both = result.frame[result.frame["reading"] == "decided_in_time.start + decided_in_time.limit"]
    assert list(zip(both["rule"], both["alternative"], both["hit_rate"], strict=True)) == [
        ("decided_in_time", "judged + 5m", 0.0)]  # 10m after the judgement: late for 5m
    assert runs(scenario, every_combination=True) == 1  # clocks only: every combination re-checked
    one_at_a_time = readings(scenario, only=["decided_in_time.limit"])
    assert one_at_a_time.tried == ("decided_in_time.limit",)
    assert one_at_a_time.not_tried == ("decided_in_time.start", "judged_in_time.limit")


def test_every_combination_above_the_cap_is_refused_with_how_to_narrow_it(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "MAX_COMBINATIONS", 3)
    scenario = load(_write(tmp_path, START, LIMIT))
    with pytest.raises(DrillsimError, match=r"decided_in_time is 4 combinations, more than 3: "
                                                                  r"narrow them .* --reading NAME"):
        readings(scenario, every_combination=True)
    assert readings(scenario, every_combination=True, only=["decided_in_time.start"]).combinations == {
        "judged_in_time": 1, "decided_in_time": 2}


def test_a_rule_an_alternative_removes_has_no_hit_rate_there(tmp_path: Path) -> None:
    gone = """\
  decided_in_time:
    title: whether the leader has a deadline
    default: kept
    alternatives:
      kept: {means: "as written", set: {deadlines.decided_in_time.limit: 15m}}
      none: {means: "no deadline", set: {deadlines.decided_in_time: null}}
"""
    frame = readings(load(_write(tmp_path, gone))).frame
    removed = frame[(frame["rule"] == "decided_in_time") & (frame["alternative"] == "none")].iloc[0]
    assert not removed.present and math.isnan(removed.hit_rate)


def test_rechecked_records_equal_a_new_simulation_under_every_clock_reading_of_the_baseline() -> None:
    scenario = load(BASELINE)
    base = [simulate(scenario, 11, r) for r in range(2)]
    tried = 0
    for name, alternatives in plan_readings.choices(scenario).items():
        if not plan_readings.recheckable(scenario, name):
            continue
        for choice in alternatives:
            for replication in base:
                again = simulate(choice.scenario, 11, replication.replication)
                assert rechecked(choice.scenario, replication) == again, (name, choice.alternative)
                tried += 1
    assert tried >= 2 * 20  # every alternative of the dozen clock readings


def test_with_a_deadline_policy_nothing_is_rechecked_every_alternative_is_simulated(tmp_path: Path) -> None:
    scenario = load(_write(tmp_path, START, LIMIT, extra="policy: deadline\n"))
    assert not any(plan_readings.recheckable(scenario, name) for name in scenario.readings)
    assert runs(scenario) == 3 and runs(scenario, every_combination=True) == 4
    simulated: list[int] = []
    result = readings(scenario, progress=simulated.append)
    assert sum(simulated) == 3 * 2  # the reading in force and each other alternative, two replications each
    assert result.frame[result.frame["alternative"] == "judged"]["hit_rate"].tolist() == [1.0, 1.0]


def test_marks_of_a_run_that_kept_only_summaries_simulate_what_they_cannot_recheck(plan: Path) -> None:
    scenario = load(plan)
    summary_only = run(scenario, keep="summary")
    simulated: list[int] = []
    marked = marks(summary_only, progress=simulated.append).marks()
    assert sum(simulated) == 2 and runs(scenario, mode="clocks", kept=False) == 2
    assert marked == marks(run(scenario)).marks()


# --- the CLI ------------------------------------------------------------------------------------------------------

def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_readings_table_says_what_is_in_force_and_how_far_each_rule_moves(plan: Path) -> None:
    result = _cli("readings", str(plan))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("Office and leader: readings of the plan, not findings: the plan's text leaves these open, "
                        "and each alternative is one way to read it; the plan's defaults are in force.")
    assert lines[1].startswith("1 reading, each alternative one at a time, on the same incidents (2 replications, "
                               "seed 5)")
    at = lines.index("decided_in_time: 0.0% as read; spread 100.0 points (0.0% to 100.0%)")
    assert lines[at + 2].split() == ["decided_in_time.start", "occurred", "0.0%", "in", "force", "Art.", "1"]
    assert lines[at + 3].split() == ["judged", "100.0%", "+100.0%", "+100.0%", "to", "+100.0%"]
    assert "judged_in_time: 100.0% as read; no reading tried can move it" in lines
    assert at < lines.index("judged_in_time: 100.0% as read; no reading tried can move it")


def test_the_readings_json_carries_every_row_and_each_rules_spread(plan: Path) -> None:
    result = _cli("readings", str(plan), "--format", "json")
    data = json.loads(result.stdout)
    assert (data["scenario"], data["seed"], data["replications"]) == ("Office and leader", 5, 2)
    assert data["in_force"] == {"decided_in_time.start": "occurred"}
    assert [(r["rule"], r["spread"]) for r in data["rules"]] == [("decided_in_time", 1.0), ("judged_in_time", 0.0)]
    assert {(r["rule"], r["alternative"]): r["hit_rate"] for r in data["rows"]} == {
        ("decided_in_time", "occurred"): 0.0, ("decided_in_time", "judged"): 1.0,
        ("judged_in_time", "occurred"): 1.0, ("judged_in_time", "judged"): 1.0}


def test_an_unknown_reading_is_one_line_and_exit_2(plan: Path) -> None:
    result = _cli("readings", str(plan), "--reading", "decided_in_time.stat")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "unknown reading 'decided_in_time.stat'; did you mean 'decided_in_time.start'? "
        "(expected one of: decided_in_time.start)")


def test_run_marks_the_rule_that_depends_on_the_reading_and_not_the_other(plan: Path) -> None:
    result = _cli("run", str(plan))
    lines = result.stdout.splitlines()
    assert next(line for line in lines if line.startswith("decided_in_time")).split()[0] == "decided_in_time*"
    assert next(line for line in lines if line.startswith("judged_in_time")).split()[0] == "judged_in_time"
    assert ("* decided_in_time depends on the reading of Art. 1 (decided_in_time.start): 0% to 100%; see "
            "`drillsim readings`") in lines
    assert not any(line.startswith("* judged_in_time") for line in lines)
    skipped = _cli("run", str(plan), "--readings", "none").stdout
    assert "decided_in_time*" not in skipped and "depends on the reading" not in skipped


def test_run_json_summary_carries_the_readings(plan: Path) -> None:
    summary = json.loads(_cli("run", str(plan), "--format", "json").stdout)
    readings_of = summary["readings"]
    assert readings_of["in_force"] == {"decided_in_time.start": {
        "alternative": "occurred", "article": "Art. 1", "title": "when the leader's 15 minutes start"}}
    rules = {rule["rule"]: rule for rule in readings_of["rules"]}
    assert (rules["decided_in_time"]["marked"], rules["decided_in_time"]["low"], rules["decided_in_time"]["high"],
            rules["decided_in_time"]["spread"]) == (True, 0.0, 1.0, 1.0)
    assert [(r["reading"], r["alternatives"]) for r in rules["decided_in_time"]["readings"]] == [
        ("decided_in_time.start", {"occurred": 0.0, "judged": 1.0})]
    assert (rules["judged_in_time"]["marked"], rules["judged_in_time"]["spread"],
            rules["judged_in_time"]["readings"]) == (False, 0.0, [])


def test_the_html_report_from_a_run_directory_shows_the_marks(plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert _cli("run", str(plan), "--out", str(out)).exit_code == 0
    (out / "report.html").unlink(missing_ok=True)
    assert _cli("report", str(out)).exit_code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count('<a class="reading-mark" href="#readings"') == 1
    assert "<strong>decided within 15 minutes</strong> <a class=\"reading-mark\"" in page
    assert "<h2>Depends on the reading of the plan</h2>" in page
    assert "when its hit rate moves by more than\n     5 points across them." in page
    assert ("<li>decided_in_time depends on the reading of Art. 1 (decided_in_time.start): 0% to 100%; see "
            "`drillsim readings`</li>") in page
    assert "when the leader&#39;s 15 minutes start" in page  # escaped, as all scenario text


def test_a_scenario_without_a_reading_that_moves_anything_is_marked_nowhere(tmp_path: Path) -> None:
    lines = _cli("run", str(_write(tmp_path, SLACK))).stdout.splitlines()
    assert not any("*" in line for line in lines)
    assert "No hit rate moves by more than 5 points across the 1 reading of the plan tried." in lines
