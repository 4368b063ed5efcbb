"""A scenario merged over its plan: mappings merge, lists replace, `key: null` deletes.

Every problem of the merged document points at the file that wrote the value:
the scenario for what it overrides, the plan for the rest.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from drillsim import api
from drillsim.scenario import ScenarioError, load, loads
from drillsim.scenario.errors import Problem
from drillsim.scenario.schema import Constant, Exponential, LogNormal
from tests.helpers import ROOT

PLAN = ROOT / "src" / "drillsim" / "scenario" / "plans" / "lanzhou-community.yaml"
PLAN_TEXT = PLAN.read_text(encoding="utf-8")
PLAN_LINES = PLAN_TEXT.splitlines()


def scenario(body: str) -> str:
    return "name: merged\nplan: builtin\n" + body


def problems(call: object) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        call()  # type: ignore[operator]
    return caught.value.problems


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the only line of `text` that contains `needle`."""
    found = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, (needle, found)
    return found[0]


def test_mappings_merge_key_by_key() -> None:
    s = loads(scenario("staffing:\n  office: {staff: 5}\n"))
    assert s.staffing["office"].staff == 5
    assert [shift.staff for shift in s.staffing["office"].shifts] == [3, 1]  # the plan's shifts stay
    assert s.staffing["department_head"].staff == 4
    assert s.name == "merged" and s.horizon == 7 * 86400


def test_lists_replace_the_plans_list() -> None:
    s = loads(scenario('staffing:\n  office:\n    shifts:\n      - {from: "22:00", to: "06:00", staff: 1}\n'
                       "sources: []\n"))
    assert [(sh.start, sh.end, sh.staff) for sh in s.staffing["office"].shifts] == [(22 * 3600, 6 * 3600, 1)]
    assert s.sources == ()


def test_null_removes_the_plans_entry() -> None:
    s = loads(scenario("staffing:\n  office:\n    shifts: null\n  grid_worker:\n    grids:\n      grid_1: null\n"
                       "probabilities:\n  misjudged_level: null\n"))
    assert s.staffing["office"].shifts == ()
    assert s.grids == ("grid_2", "grid_3")
    assert s.probabilities.misjudged_level == 0.0


def test_a_distribution_replaces_the_plans_whole() -> None:
    s = loads(scenario("durations:\n  judge: {dist: exponential, mean: 5m}\n  verify: 10m\n"
                       "  discovery: {dist: lognormal, median: 2m, p90: 4m}\n"))
    assert s.durations["judge"] == Exponential(dist="exponential", mean="5m")
    assert isinstance(s.durations["verify"], Constant) and s.durations["verify"].value == 600
    assert s.durations["verify"].resolve("network_security", "II") is s.durations["verify"]
    discovery = s.durations["discovery"]
    assert isinstance(discovery, LogNormal) and not discovery.by_category and not discovery.time_of_day


def test_errors_point_at_the_scenario_line_for_what_it_wrote() -> None:
    text = scenario("staffing:\n  office:\n    staff: -1\n")
    found = problems(lambda: loads(text, "s.yaml"))
    assert [(p.file, p.line, p.path) for p in found] == [("s.yaml", 5, ("staffing", "office", "staff"))]


def test_errors_point_at_the_plan_line_for_what_the_plan_wrote(tmp_path: Path) -> None:
    """A plan file with a bad shift and a bad distribution, under a scenario that touches the same mappings."""
    plan_text = (PLAN_TEXT.replace('{from: "08:00", to: "18:00", staff: 3}', '{from: "08:00", to: "08:00", staff: 3}')
                 .replace("judge: {dist: triangular, low: 2m, mode: 4m, high: 8m}",
                          "judge: {dist: triangular, low: 2m, mode: 9m, high: 8m}"))
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_text, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nplan: plan.yaml\nstaffing:\n  office:\n    staff: 5\nhorizon: 7\n", encoding="utf-8")
    found = {(p.file, p.line, p.path) for p in problems(lambda: load(path))}
    assert found == {
        (str(plan), line_of(plan_text, 'to: "08:00"'), ("staffing", "office", "shifts", 0)),
        (str(plan), line_of(plan_text, "mode: 9m"), ("durations", "judge")),
        (str(path), 6, ("horizon",)),
    }


def test_overriding_the_plans_bad_value_fixes_it(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN_TEXT.replace("mode: 4m", "mode: 9m"), encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nplan: plan.yaml\ndurations:\n  judge: 5m\n", encoding="utf-8")
    assert load(path).durations["judge"].mean() == 300


def test_cross_reference_errors_in_the_plan_point_at_the_plan(tmp_path: Path) -> None:
    plan_text = PLAN_TEXT.replace("end: leadership_received", "end: leadership_recieved")
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_text, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nplan: plan.yaml\ndeadlines:\n  office_to_leadership:\n    limit: 15m\n",
                    encoding="utf-8")
    [problem] = problems(lambda: load(path))
    assert (problem.file, problem.line) == (str(plan), line_of(plan_text, "end: leadership_recieved"))
    assert problem.path == ("deadlines", "office_to_leadership", "end")
    assert "did you mean 'leadership_received'" in problem.message


def test_a_plan_file_that_cannot_be_parsed_is_reported_at_its_own_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("name: broken\nflow: [\n  {id: a\n", encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nplan: plan.yaml\n", encoding="utf-8")
    found = problems(lambda: load(path))
    assert [(p.file, p.line, p.path) for p in found if p.file == str(path)] == [(str(path), 2, ("plan",))]
    [own] = [p for p in found if p.file == str(plan)]
    assert own.line is not None and own.line >= 3 and "YAML syntax error" in own.message


def test_a_missing_plan_names_the_file_and_what_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nplan: nowhere.yaml\n", encoding="utf-8")
    [problem] = problems(lambda: load(path))
    assert (problem.file, problem.line, problem.path) == (str(path), 2, ("plan",))
    assert f"{tmp_path / 'nowhere.yaml'}: no such file" in problem.message
    assert "builtin, lanzhou-community or the path to a plan file" in problem.message


def test_a_scenario_that_only_replaces_the_flow_is_still_merged_over_the_plan() -> None:
    flow = PLAN_TEXT[PLAN_TEXT.index("\nflow:\n") + 1:PLAN_TEXT.index("\ndeadlines:\n") + 1]
    s = loads("name: own flow\n" + flow)
    assert s.name == "own flow" and "office" in s.actors and len(s.flow) == flow.count("\n  - id: ") == 21


NEW_STEPS = ("continuation_province", "continuation_superiors", "leadership_upward", "publish_information",
             "final_report")
"""The steps the plan gained with its new reports: a flow written before them lacks them."""


def test_a_flow_written_before_the_plans_new_reports_is_told_which_rules_to_remove_and_then_runs() -> None:
    steps = [step for step in yaml.safe_load(PLAN_TEXT)["flow"] if step["id"] not in NEW_STEPS]
    old = "name: old flow\n" + yaml.safe_dump({"flow": steps}, sort_keys=False)
    known = ("change, closed, closed_by_responders, closure, command_post_report_received, command_post_set_up, "
             "command_post_stood_down, continuation_received, decided, discovered, escalated, first_report_received, "
             "group_activated, group_reported, leadership_received, occurred, office_received, "
             "province_phone_received, province_written_received")
    continuation_end = PLAN_LINES.index("    end: continuation_province_received") + 1
    final_end = PLAN_LINES.index("    end: final_report_received") + 1
    assert [str(p) for p in problems(lambda: loads(old, "old.yaml"))] == [
        f"<plan lanzhou-community>:{continuation_end}: deadlines.continuation_province.end: unknown milestone "
        f"'continuation_province_received'; did you mean 'continuation_received'? (expected one of: {known}); the "
        f"flow at old.yaml:2 replaces the plan's and no step of it reaches that milestone: expected such a step, or "
        f"`deadlines: {{continuation_province: null}}` in the scenario to remove the rule",
        f"<plan lanzhou-community>:{final_end}: deadlines.final_report.end: unknown milestone 'final_report_received'; "
        f"did you mean 'first_report_received'? (expected one of: {known}); the flow at old.yaml:2 replaces the "
        f"plan's and no step of it reaches that milestone: expected such a step, or `deadlines: {{final_report: "
        f"null}}` in the scenario to remove the rule",
    ]
    s = loads(old + "horizon: 2d\ndeadlines: {continuation_province: null, final_report: null}\n", "old.yaml")
    assert len(s.flow) == 16 and "upward_without_post" in s.deadlines
    judged = set(api.run(s, replications=1).verdicts["rule"])
    assert judged and judged <= set(s.deadlines)
