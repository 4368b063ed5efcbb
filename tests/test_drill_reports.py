"""The drill side follows the model's report rules: the command post by the judged level, the closure and the
final report, the rules of incidents without a post and per change, and the elements each report must carry."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Static

from drillsim import api
from drillsim.exercise import drill_incidents
from drillsim.exercise.board import DrillBoard, DrillClock
from drillsim.exercise.console import FacilitatorConsole
from drillsim.exercise.drilllog import DrillLogError, parse, read
from drillsim.exercise.evaluate import Evaluation, evaluate
from drillsim.exercise.msel import cards_html, inject_rows
from drillsim.exercise.played import to_record
from drillsim.model import simulate
from drillsim.scenario import Scenario, loads

H, M = 3600, 60
TIME = "time, to the minute"
PLACE = "place, down to building, floor, room"
SCALE = "scale (area, people involved)"
CASUALTIES = "casualties (dead, seriously and slightly injured)"

SCENARIO = """
name: judged against true
plan: builtin
horizon: 1d
seed: 18
sources: []
deadlines:
  relay:
    title: continuation report relayed to the province
    limit: 10m
    start: continuation_received
    end: continuation_province_received
    article: a drill's own rule
injects:
  # truly III, but the first information points to II: the post is set up by the judgement
  - {id: post, at: "08:00", category: social_security, level: III, judged_level: II, grid: grid_1,
     first_receiver: grid_worker}
  # III throughout: the leadership group decides on a post
  - {id: nopost, at: "08:00", category: social_security, level: III, grid: grid_2, first_receiver: grid_worker}
  # a major class with two changes: continuation reports go on to the province
  - {id: leak, at: "13:00", category: exam_security, level: II, major_class: national_security_stability,
     grid: grid_3, first_receiver: department_head,
     changes: [{after: 30m, description: first change}, {after: 1h, description: second change}]}
"""

LOG = """time,incident,change,milestone,level,note
08:00,post,,occurred,,
08:02,post,,discovered,,
08:04,post,,first_report_received,,
08:15,post,,office_received,,
08:25,post,,leadership_received,,
08:30,post,,decided,,
08:40,post,,escalated,,
09:30,post,,closed,,
10:15,post,,final_report_received,,
08:00,nopost,,occurred,,
08:03,nopost,,discovered,,
08:05,nopost,,first_report_received,,
08:20,nopost,,office_received,,
08:30,nopost,,leadership_received,,
08:50,nopost,,escalated,,
13:00,leak,,occurred,,
13:02,leak,,discovered,,
13:31,leak,1,continuation_received,,
13:39,leak,1,continuation_province_received,,
14:05,leak,2,continuation_received,,
14:17,leak,2,continuation_province_received,,
"""


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return loads(SCENARIO)


@pytest.fixture(scope="module")
def drill(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    path = tmp_path_factory.mktemp("log") / "drill.csv"
    path.write_text(LOG, encoding="utf-8")
    incidents = drill_incidents(scenario, scripted=True)
    return evaluate(scenario, incidents, read(path, scenario, incidents), api.run(scenario, replications=1, seed=18))


def _findings(ev: Evaluation, incident: str) -> dict[tuple[int | None, str], tuple[str, int | None, int | None]]:
    return {(f.change, f.rule): (f.status, f.slack, f.late_at_least) for f in ev.of(incident)}


# --- the command post by the judged level -----------------------------------------------------------------------


def test_judged_ii_truly_iii_needs_its_post_as_the_model_says(scenario: Scenario) -> None:
    post, nopost, _ = drill_incidents(scenario, scripted=True)
    assert (post.command_post, nopost.command_post) == (True, None)
    model = {r.incident: r.command_post_required for r in simulate(scenario, 18, 0).incidents}
    assert model[post.number] is True


def test_the_msel_gives_the_judged_ii_incident_its_post_and_the_undecided_one_either_choice(
        scenario: Scenario) -> None:
    rows = {row.incident: row for row in inject_rows(scenario, drill_incidents(scenario, scripted=True))
            if row.change is None}
    post, nopost = rows["post"], rows["nopost"]
    assert "command post required" in post.controller_notes
    tests = {t.rule: t for t in post.also_tests}
    assert (tests["command_post_upward"].due, tests["command_post_upward"].conditional) == (9 * H, "")
    assert "upward_without_post" not in tests
    assert [(r.step, r.conditional) for r in post.reports if r.step.startswith("command_post")] == [
        ("command_post_report", "")]
    undecided = {t.rule: t for t in nopost.also_tests}
    assert undecided["command_post_upward"].conditional == "if a command post is set up"
    assert (undecided["upward_without_post"].due, undecided["upward_without_post"].conditional) == (
        9 * H, "if no command post is set up")
    assert [(r.step, r.conditional) for r in nopost.reports if r.step.startswith("command_post")] == [
        ("command_post_report", "if a command post is set up")]


def test_the_evaluation_judges_the_post_of_the_judged_ii_incident_and_the_office_of_the_other(
        drill: Evaluation) -> None:
    assert _findings(drill, "post") == {
        (None, "first_report"): ("met", 3 * M, None),  # discovered 08:02, due 08:07, received 08:04
        (None, "grid_to_office"): ("met", 19 * M, None),  # 08:04 + 30m = 08:34, office 08:15
        (None, "office_to_leadership"): ("missed", -5 * M, None),  # due 08:20, reached 08:25
        # the post was required by the judged II and never reported: due 09:00, at least 5h17m late when the drill
        # ends with its last record, 14:17
        (None, "command_post_upward"): ("missed", None, 317 * M),
        (None, "final_report"): ("met", 75 * M, None),  # closed 09:30, due 11:30, reported 10:15
    }
    assert _findings(drill, "nopost") == {
        (None, "first_report"): ("met", 3 * M, None),  # discovered 08:03, due 08:08, received 08:05
        (None, "grid_to_office"): ("met", 15 * M, None),  # 08:05 + 30m = 08:35, office 08:20
        (None, "office_to_leadership"): ("missed", -10 * M, None),  # due 08:20, reached 08:30
        (None, "upward_without_post"): ("met", 10 * M, None),  # no post: escalated 08:50, due 09:00
        (None, "final_report"): ("pending", None, None),  # never closed: its clock has not started
    }


# --- the closure ------------------------------------------------------------------------------------------------


def test_the_closure_is_the_first_closing_milestone_recorded(scenario: Scenario) -> None:
    post = drill_incidents(scenario, scripted=True)[0]
    both = to_record(scenario, post, {"closed": 10 * H, "closed_by_responders": 9 * H + 50 * M}, {}, 11 * H)
    assert (both.milestones["closure"], both.closed) == (9 * H + 50 * M, 9 * H + 50 * M)
    assert "closure" not in to_record(scenario, post, {"escalated": 9 * H}, {}, 11 * H).milestones


def test_a_log_cannot_record_the_closure_itself(scenario: Scenario) -> None:
    with pytest.raises(DrillLogError, match="the closure is reached with the first of 'closed', "
                                            "'closed_by_responders' recorded; write that one"):
        parse("time,incident,change,milestone,level,note\n09:30,post,,closure,,\n", "drill.csv", scenario,
              drill_incidents(scenario, scripted=True))


def test_the_final_report_comes_after_the_closure_in_the_msel(scenario: Scenario) -> None:
    row = next(r for r in inject_rows(scenario, drill_incidents(scenario, scripted=True)) if r.incident == "post")
    final = row.reports[-1]
    assert (final.step, final.after_closure, final.to, final.carries) == (
        "final_report", True, "street office, district government", "all nine core elements")
    assert not any(r.after_closure for r in row.reports[:-1])
    assert final.text() == ("after the closure: final report at closure, with all nine elements, to the superiors of "
                            "the level -> street office, district government: all nine core elements")
    assert any(t.rule == "final_report" and t.start == "the closure" and t.due is None for t in row.also_tests)


# --- rules per change -------------------------------------------------------------------------------------------


def test_a_rule_from_a_per_change_milestone_is_judged_per_change(drill: Evaluation) -> None:
    found = _findings(drill, "leak")
    assert found[(1, "relay")] == ("met", 2 * M, None)  # received 13:31, relayed 13:39, due 13:41
    assert found[(2, "relay")] == ("missed", -2 * M, None)  # received 14:05, relayed 14:17, due 14:15
    # continuation_province starts at the change (major class): 13:30 + 40m, 14:00 + 40m
    assert found[(1, "continuation_province")] == ("met", 31 * M, None)
    assert found[(2, "continuation_province")] == ("met", 23 * M, None)
    assert (None, "relay") not in found


# --- the elements each report must carry -----------------------------------------------------------------------


def test_inject_cards_and_msel_name_the_elements_of_each_report(scenario: Scenario) -> None:
    rows = inject_rows(scenario, drill_incidents(scenario, scripted=True))
    post = next(r for r in rows if r.incident == "post")
    carries = {r.step: (r.to, r.carries) for r in post.reports}
    assert carries["first_report"] == ("grid worker of grid_1", f"{TIME}; {PLACE}")
    assert carries["verify"] == ("office (information group)", f"{TIME}; {PLACE}; {SCALE}; {CASUALTIES}")
    assert carries["judge"] == ("leadership group leader", "what is known")
    assert "written_province" not in carries  # no major class
    change = next(r for r in rows if r.incident == "leak" and r.change == 1)
    assert [(r.step, r.carries) for r in change.reports] == [
        ("continuation", "what is known"), ("continuation_province", "what is known"),
        ("continuation_superiors", "what is known")]
    html = cards_html(scenario, rows, "scripted injects")
    assert html.count("Reports it sets going, and the core elements each must carry") == len(rows)
    assert f'<span class="carries">{TIME}; {PLACE}</span>' in html
    assert "After the closure: final report at closure" in html


def test_the_console_shows_what_the_selected_report_must_carry_within_80_columns(scenario: Scenario) -> None:
    incidents = drill_incidents(scenario, scripted=True)
    board = DrillBoard(scenario, incidents, inject_rows(scenario, incidents), lambda entry: None)
    board.deliver(8 * H)
    tasks = {t.milestone: t.carries for t in board.tasks(8 * H) if t.incident == "post"}
    assert tasks["office_received"] == f"{TIME}; {PLACE}; {SCALE}; {CASUALTIES}"
    assert tasks["decided"] == ""

    async def drive() -> None:
        app = FacilitatorConsole(board, DrillClock(8 * H, 60), log_name="drill.csv")
        async with app.run_test(size=(80, 30)) as pilot:
            await pilot.press("n")
            shown = app.query_one("#carries", Static)
            assert str(shown.render()) == "discovered: no report of core elements"
            await pilot.press("down", "down")
            assert str(shown.render()).replace("\n", " ") == (
                f"office_received: its report must carry {TIME}; {PLACE}; {SCALE}; {CASUALTIES}")
            # 170 characters wrapped in the 76 columns inside the padding: three whole lines, none cut off
            assert (shown.size.width, shown.size.height) == (76, 3)
            await pilot.press("q")

    asyncio.run(drive())

