"""The MSEL and inject cards: every inject of every bundled scenario, with what the plan asks for it."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.msel import CSV_COLUMNS, cards_html, inject_rows, to_csv
from drillsim.model import simulate
from drillsim.scenario import load, loads
from tests.helpers import ROOT, SCENARIOS

EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_scripted_exam_day_msel_by_hand() -> None:
    """Leak at 09:30 to the department head, fire at 09:40, the leak's change at 10:15 to the office."""
    scenario = load(EXAM)
    rows = _csv(to_csv(inject_rows(scenario, drill_incidents(scenario, scripted=True))))
    assert [(r["inject"], r["time"], r["incident"], r["event"]) for r in rows] == [
        ("1", "0d 09:30", "leak", "occurs"), ("2", "0d 09:40", "fire", "occurs"),
        ("3", "0d 10:15", "leak", "changes (1)")]
    leak, fire, change = rows
    assert leak["delivered_to"] == "Department head"  # the inject's first_receiver
    assert leak["delivered_by"] == "Exercise control, playing the discoverer / reporter"
    assert leak["expected_action"] == "Verification (on site where needed), then report to the office"
    assert leak["deadline_rule"] == "grid_to_office" and leak["article"] == "Art. 8.2(2)"
    assert leak["due"] == ""  # its clock starts at the first report, which the players make
    assert "office to the leadership group (20m, due 0d 09:50; Art. 10.2)" in leak["also_tests"]
    assert "phone report to the province (40m, due 0d 10:10; Art. 8.3(1), Art. 8.5)" in leak["also_tests"]
    # Art. 8.3(2): 2h from the phone report, which the players make, so no due time yet
    assert ("written report to the province, within 2 hours of the phone report (2h, from province phone "
            "received; Art. 8.3(2))") in leak["also_tests"]
    assert "command post reports upward (1h, due 0d 10:30; Art. 10.2)" in leak["also_tests"]
    assert "other urgent matter of national security" in leak["controller_notes"]
    assert "command post required" in leak["controller_notes"]
    # the fire is level II of accidents_disasters: a major class by the category's rule
    assert "major accident" in fire["controller_notes"] and "due 0d 10:20" in fire["also_tests"]
    assert change["delivered_to"] == "Office (information group)"
    assert change["expected_action"] == "Continuation report after a change"
    # the clock starts at the later of the change (10:15) and the discovery, which the players make: due 10:45 if
    # the leak was discovered by 10:15
    assert (change["deadline_rule"], change["due"], change["article"]) == ("continuation", "0d 10:45", "Art. 8.1(5)")
    assert change["deadline"] == "continuation report after each change: 30m from the change (or discovered, if later)"
    assert change["what_happens"] == "Incident leak: the leaked paper is found on social media"
    # a major class: the change goes on to the province too, 40m from 10:15
    assert change["also_tests"] == ("continuation report of a major-class incident to the province (40m, due "
                                    "0d 10:55, if discovered by then; Art. 8.1(5), Art. 8.3(1))")
    # the final report's clock starts at the closure, which the players reach
    assert leak["also_tests"].endswith("; final report at closure (2h, from the closure; Art. 8.1(5))")


def test_expected_action_and_deadline_come_from_the_plan_not_from_code() -> None:
    """Rename the verification step and shorten two deadlines: the MSEL follows."""
    scenario = loads("""
name: renamed
plan: builtin
horizon: 2d
sources: []
deadlines:
  office_to_leadership: {limit: 15m, title: office tells the leader}
  grid_to_office: {limit: 10m, article: Local rule 7}
flow:
""" + _flow_with_verify_title("check the facts and phone the office") + """
injects:
  - {id: theft, at: "1d 01:00", category: social_security, level: IV, grid: grid_3,
     cascades: [{after: 1d, category: other, level: IV}]}
""")
    (row,) = inject_rows(scenario, drill_incidents(scenario, scripted=True))  # the cascade is past the horizon
    assert row.expected_action == "Check the facts and phone the office"
    assert row.deadline is not None and (row.deadline.limit, row.article) == (600, "Local rule 7")
    assert any(t.title == "office tells the leader" and t.due == 86400 + 3600 + 900 for t in row.also_tests)
    assert row.delivered_to == "Grid worker of grid_3 or department head"
    # level IV: a command post only if the leadership group decides; not a major class
    assert any(t.rule == "command_post_upward" and t.conditional for t in row.also_tests)
    assert not any(t.rule.startswith("province") for t in row.also_tests)


def _flow_with_verify_title(title: str) -> str:
    import yaml

    from drillsim.report.plan import as_data
    flow = as_data(load(EXAM))["flow"]
    for step in flow:
        if step["id"] == "verify":
            step["title"] = title
    return "\n".join("  " + line for line in yaml.safe_dump(flow, sort_keys=False).splitlines())


@pytest.mark.parametrize("scenario_path", SCENARIOS, ids=lambda p: p.stem)
def test_msel_and_cards_of_every_bundled_scenario(scenario_path: Path, tmp_path: Path) -> None:
    """One simulated run: every incident and every change is an inject, in time order, with its deadlines."""
    scenario = load(scenario_path)
    result = CliRunner().invoke(main, ["exercise", "msel", str(scenario_path), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = _csv((tmp_path / "msel.csv").read_text(encoding="utf-8"))
    assert rows and list(rows[0]) == list(CSV_COLUMNS)
    run = simulate(scenario, scenario.seed, 0)
    assert len(rows) == sum(1 + len(i.changes) for i in run.incidents)
    assert [r["inject"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    times = [sorted(scenario_time(r["time"]) for r in rows)]
    assert times == [[scenario_time(r["time"]) for r in rows]]
    titles = {step.title[:1].upper() + step.title[1:] for step in scenario.flow}
    for row in rows:
        assert row["expected_action"] in titles
        assert row["deadline_rule"] in scenario.deadlines
        assert row["article"] == scenario.deadlines[row["deadline_rule"]].article
        assert row["delivered_to"] and row["what_happens"]
        if row["event"] == "occurs":
            assert "office to the leadership group (20m, due" in row["also_tests"]
    for inject in scenario.injects:
        assert any(r["incident"] == inject.id and r["time"] == _offset(inject.at) for r in rows)
    html = (tmp_path / "inject-cards.html").read_text(encoding="utf-8")
    assert html.count('<section class="card"') == len(rows)
    assert "page-break-after: always" in html and "break-after: page" in html
    assert html.count("EXERCISE EXERCISE EXERCISE") == 2 * len(rows)
    for row in rows:
        assert f"Inject {row['inject']}</span>" in html


def scenario_time(text: str) -> int:
    from drillsim.scenario.units import parse_offset
    return parse_offset(text)


def _offset(seconds: int) -> str:
    from drillsim.scenario.units import format_offset
    return format_offset(seconds)


def test_scripted_msel_to_stdout_and_a_scenario_without_injects() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["exercise", "msel", str(ROOT / "scenarios" / "baseline-week.yaml"), "--scripted"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [",".join(CSV_COLUMNS)]
    scenario = load(ROOT / "scenarios" / "baseline-week.yaml")
    html = cards_html(scenario, [], "scripted injects")
    assert "has no inject to play" in html


def test_cards_escape_what_the_scenario_says() -> None:
    scenario = loads("""
name: "Drill <b>night</b>"
plan: builtin
horizon: 1d
sources: []
injects:
  - {id: x, at: "01:00", category: other, level: III, description: "fire at <script>alert(1)</script> & co"}
""")
    html = cards_html(scenario, inject_rows(scenario, drill_incidents(scenario, scripted=True)), "scripted")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "Drill &lt;b&gt;night&lt;/b&gt;" in html


def test_simulated_msel_keeps_scripted_ids_and_names_streamed_incidents() -> None:
    scenario = load(ROOT / "scenarios" / "earthquake-cascade.yaml")
    simulated = drill_incidents(scenario, 11)
    scripted = drill_incidents(scenario, scripted=True)
    assert [i.id for i in scripted] == ["quake", "quake/1", "quake/2", "quake/3", "quake/4"]
    by_id = {i.id: i for i in simulated}
    for incident in scripted:
        assert by_id[incident.id].occurred == incident.occurred and by_id[incident.id].scripted
    streamed = [i.id for i in simulated if not i.scripted]
    assert all(re.fullmatch(r"everyday-\d+", ident) for ident in streamed)
    assert by_id["quake/1"].parent == "quake"


def test_which_steps_an_incident_needs_follows_the_categorys_responders_in_the_plan() -> None:
    """The steps that run `when: external` are those of a category calling professional responders, and those of
    `when: no_external` the others: a gas leak (fire 119 in the plan) is handed over, a fight is not, and a
    scenario that gives the fight police 110 hands it over too. No step is named: the plan's conditions say."""
    from drillsim.exercise.msel import applies
    text = ("name: responders\nplan: builtin\nhorizon: 2d\nsources: []\ninjects:\n"
            "  - {id: leak, at: '01:00', category: accidents_disasters, example: gas_leak, level: III}\n"
            "  - {id: fight, at: '02:00', category: social_security, level: III}\n")
    for extra, handed in (("", {"leak"}), ("categories: {social_security: {external: police 110}}\n",
                                           {"leak", "fight"})):
        scenario = loads(text + extra)
        incidents = drill_incidents(scenario, scripted=True)
        external = [step for step in scenario.flow if step.when == "external"]
        own = [step for step in scenario.flow if step.when == "no_external"]
        assert external and own
        for incident in incidents:
            assert all(applies(scenario, step, incident) == (incident.id in handed) for step in external)
            assert all(applies(scenario, step, incident) == (incident.id not in handed) for step in own)


def test_the_working_group_a_task_goes_to_is_the_categorys_own() -> None:
    """The console's task list names the group of the plan's category, not "the working group of the category":
    category "other" goes to the social security group (a choice the plan file makes)."""
    from drillsim.exercise.msel import actor_label
    scenario = load(EXAM)
    assert actor_label(scenario, "working_group", "", "public_health") == "Public health group"
    assert actor_label(scenario, "working_group", "", "other") == scenario.working_groups["social_security"].title
    assert actor_label(scenario, "working_group", "") == scenario.actors["working_group"].title
    assert actor_label(scenario, "grid_worker", "grid_2", "other") == "Grid worker of grid_2"
