"""The after-action report and improvement plan: drafted for every bundled scenario, rated by HSEEP rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim import api
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.aar import RATINGS, AfterAction, draft, render_html, render_markdown
from drillsim.exercise.drilllog import read
from drillsim.exercise.evaluate import evaluate
from drillsim.scenario import load
from tests.helpers import DATA, EXAM, LOG, ROOT, SCENARIOS, drill_log_of_run

NIGHT_OFFICE = DATA / "three-level-ii-night-office-of-three.yaml"
THREE = ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml"


@pytest.fixture(scope="module")
def hand_aar() -> AfterAction:
    exam = load(EXAM)
    incidents = drill_incidents(exam, scripted=True)
    results = api.run(exam, replications=8, seed=615)
    return draft(evaluate(exam, incidents, read(LOG, exam, incidents), results, "exam-day-drill-log.csv"))


@pytest.fixture(scope="module")
def late_aar(tmp_path_factory: pytest.TempPathFactory) -> AfterAction:
    """The same drill going on to 12:30 without the fire's written report (phoned 10:25, due 12:25)."""
    exam = load(EXAM)
    log = tmp_path_factory.mktemp("late") / "drill.csv"
    log.write_text(LOG.read_text(encoding="utf-8") + "12:30,fire,,closed,,the fire's written report never sent\n",
                   encoding="utf-8")
    incidents = drill_incidents(exam, scripted=True)
    results = api.run(exam, replications=8, seed=615)
    return draft(evaluate(exam, incidents, read(log, exam, incidents), results, "drill.csv"))


def test_objectives_are_rated_by_the_hseep_rules(hand_aar: AfterAction, late_aar: AfterAction) -> None:
    ratings = {o.rule: (o.met, o.missed, o.pending, o.rating) for o in hand_aar.objectives}
    assert ratings == {
        "first_report": (1, 1, 0, "S"),  # the fire's first report 1m late: within a quarter of 5m
        "grid_to_office": (2, 0, 0, "P"),
        "office_to_leadership": (1, 1, 0, "M"),  # the leak 15m late: more than a quarter of 20m
        "command_post_upward": (1, 1, 0, "M"),  # the leak 40m late
        "province_phone": (0, 2, 0, "S"),  # 2m and 5m late, a quarter of 40m is 10m
        # 2h from the phone report (Art. 8.3(2)): the leak's due 12:12, written 11:25; the fire's due 12:25, still
        # running when the drill ends at 12:00, so not judged
        "province_written": (1, 0, 1, "P"),
        "continuation": (1, 0, 0, "P"),
        # the leak's change goes on to the province, due 10:55, never recorded: at least 65m late on 40m
        "continuation_province": (0, 1, 0, "U"),
        # the leak closed at 12:00, its final report due 14:00, still running; the fire never closed: not rated
        "final_report": (0, 0, 2, None),
    }
    late = {o.rule: (o.met, o.missed, o.pending, o.rating) for o in late_aar.objectives}
    assert late == {**ratings, "province_written": (1, 1, 0, "U")}  # by 12:30 the fire's is 5m late, never made


def test_strengths_areas_and_plan_carry_evidence_and_articles(hand_aar: AfterAction, late_aar: AfterAction) -> None:
    assert [s.rule for s in hand_aar.strengths] == ["grid_to_office", "province_written", "continuation"]
    assert [i.rule for i in hand_aar.improvements] == ["first_report", "office_to_leadership",
                                                       "command_post_upward", "province_phone",
                                                       "continuation_province"]
    assert [i.rule for i in late_aar.improvements] == ["first_report", "office_to_leadership",
                                                       "command_post_upward", "province_phone", "province_written",
                                                       "continuation_province"]
    area = next(i for i in hand_aar.improvements if i.rule == "office_to_leadership")
    assert area.article == "Art. 10.2"
    assert area.heading == "Office to the leadership group within 20m: missed for 1 of 2 clocks"
    assert area.evidence[0].startswith("Incident leak (paper leak): report at 0d 10:05, due 0d 09:50, missed, "
                                       "15m late; slower than ")
    assert "'verification (on site where needed), then report to the office' (Department head): up to 16m" \
        in area.analysis
    assert len(hand_aar.actions) == len(hand_aar.improvements)
    action = next(a for a in hand_aar.actions if a.area == "Office to the leadership group: missed 1 of 2")
    assert action.owner == "Department head" and action.protects == "Office to the leadership group (20m, Art. 10.2)"
    assert action.element in ("Training", "Planning")
    assert not any(a.protects.startswith("Written report to the province") for a in hand_aar.actions)
    never = next(a for a in late_aar.actions if a.protects.startswith("Written report to the province"))
    assert never.owner == "Office (information group)"


def test_html_and_markdown_say_the_same(hand_aar: AfterAction, late_aar: AfterAction) -> None:
    html = render_html(hand_aar)
    md = render_markdown(hand_aar)
    for text in (html, md):
        assert "Exam day with a paper leak and a fire" in text
        for objective in hand_aar.objectives:
            assert objective.title in text
        for action in hand_aar.actions:
            assert action.protects in text
    assert html.count('class="observation improve"') == 5 and html.count('class="observation"') == 3
    assert html.count('<span class="rating U"') == 1  # the continuation report to the province
    assert html.count('<span class="rating none"') == 1  # the final report, its clocks still running or not started
    late = render_html(late_aar)
    assert late.count('<span class="rating U"') == 2  # and the fire's written report
    assert late.count('class="observation improve"') == 6 and late.count('class="observation"') == 2
    assert '<span class="rating U"' in late and RATINGS["U"] in late
    _check_markdown_tables(md)
    assert "## 5. Improvement plan" in md and "Simulated staffing comparison" not in md


def _check_markdown_tables(md: str) -> None:
    """Every row of a Markdown table has as many cells as its header (no stray pipe in a cell)."""
    table: list[str] = []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table}
            assert len(widths) == 1, table
            table = []


def test_staffing_comparison_proposes_the_staffing_that_lifts_a_missed_deadline(tmp_path: Path) -> None:
    scenario = load(THREE)
    drill_log_of_run(scenario, scenario.seed, tmp_path / "drill.csv")
    result = CliRunner().invoke(main, ["exercise", "aar", str(THREE), str(tmp_path / "drill.csv"), "--compare",
                                       str(NIGHT_OFFICE), "-n", "6", "--out", str(tmp_path / "aar")])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "aar" / "aar.md").read_text(encoding="utf-8")
    html = (tmp_path / "aar" / "aar.html").read_text(encoding="utf-8")
    _check_markdown_tables(md)
    assert "## 5. Simulated staffing comparison" in md and "## 6. Improvement plan" in md
    change = ("Office (information group): 2; 3 from 08:00 to 18:00; 1 from 22:00 to 07:00 → "
              "2; 3 from 08:00 to 18:00; 3 from 22:00 to 07:00")
    assert change in md and change in html
    plan = md[md.index("## 6. Improvement plan"):]
    assert "Adopt the staffing of 'Three level-II incidents, an office of three at night'" in plan
    assert "| Organization (staffing) |" in plan


@pytest.mark.parametrize("scenario_path", SCENARIOS, ids=lambda p: p.stem)
def test_aar_of_every_bundled_scenario(scenario_path: Path, tmp_path: Path) -> None:
    """A drill that played like one simulated run: every judged deadline is an objective, every miss an area."""
    scenario = load(scenario_path)
    incidents = drill_log_of_run(scenario, scenario.seed, tmp_path / "drill.csv")
    result = CliRunner().invoke(main, ["exercise", "aar", str(scenario_path), str(tmp_path / "drill.csv"),
                                       "-n", "2", "--out", str(tmp_path / "aar")])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "aar" / "aar.md").read_text(encoding="utf-8")
    html = (tmp_path / "aar" / "aar.html").read_text(encoding="utf-8")
    _check_markdown_tables(md)
    entries = read(tmp_path / "drill.csv", scenario, incidents)
    ev = evaluate(scenario, incidents, entries, api.run(scenario, replications=2))
    report = draft(ev)
    assert f"{len(report.strengths)} strengths, {len(report.improvements)} areas" in result.output
    judged = {f.rule for f in ev.findings if f.status in ("met", "missed")}
    missed = {f.rule for f in ev.findings if f.status == "missed"}
    assert {o.rule for o in report.strengths} | {o.rule for o in report.improvements} == judged
    assert {o.rule for o in report.improvements} == missed
    for area in report.improvements:
        rule = scenario.deadlines[area.rule]
        assert area.heading in md and f"({rule.article})" in md
        assert sum(1 for f in ev.findings if f.rule == area.rule and f.status == "missed") == \
            sum("missed" in e for e in area.evidence)
    plan = md[md.index("Improvement plan"):]
    assert plan.count("\n| ") - 1 == max(len(report.actions), 1)
    for incident in ev.incidents:
        assert f"{incident.id} (" in html


def test_staffing_changes_say_what_the_other_scenario_varies_for_roles_held_by_people() -> None:
    """A second deputy as anonymous staff, the party secretary away on the first day and a new person in the
    office: each is listed as drillsim plan describes it, and a role held only by people is not shown as one
    anonymous person (the schema's default count)."""
    from drillsim.exercise.aar import _staffing_changes
    base = load(THREE)
    other = base.replace({"staffing.deputy.staff": 1,
                          "people.party_secretary.absences": [{"from": "0s", "to": "1d"}],
                          "people.clerk": {"title": "night clerk", "roles": ["office"],
                                           "shifts": [{"from": "22:00", "to": "07:00"}]}})
    changes = _staffing_changes(base, other)
    assert "Deputy leader: no anonymous staff; stands in after 5m; held by committee_director → 1; stands in " \
           "after 5m; held by committee_director" in changes
    office = next(line for line in changes if line.startswith("Office (information group): "))
    assert office.endswith("; held by clerk")
    assert "community party secretary (party_secretary): holds leader, commander; on duty throughout → holds " \
           "leader, commander; on duty throughout; away from 0d 00:00 to 1d 00:00" in changes
    assert "night clerk (clerk): not in the plan → holds office; on duty 22:00-07:00" in changes
    assert len(changes) == 4
    assert _staffing_changes(base, base) == []
