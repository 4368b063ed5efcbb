"""A name that nothing reads is refused with "did you mean"; only the user's own lines are blamed.

Every mapping keyed by names is tried with a name nothing uses; a plan entry
that a scenario leaves unused, and the effective scenario of such a run, are
accepted. Warnings (an actor never on duty) reach the API's logger and the
command line's stderr.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from drillsim.report import plan as planview
from drillsim.scenario import ScenarioError, load, loads
from drillsim.scenario.errors import Problem
from drillsim.scenario.usage import MODEL_DURATIONS
from tests.helpers import ROOT, drillsim

FLOW_WITHOUT_VERIFY = """flow:
  - {id: discover, actor: discoverer, after: [occurred], duration: discovery, milestone: discovered}
  - {id: first_report, actor: discoverer, after: [discover], duration: first_report,
     report: {to: office}, milestone: first_report_received}
  - {id: judge, actor: office, after: [first_report], duration: judge, report: {to: leader},
     milestone: leadership_received}
deadlines: {grid_to_office: null, command_post_upward: null, province_phone: null, province_written: null,
            continuation: null, continuation_province: null, final_report: null, upward_without_post: null}
core_elements: {scale: {after: judge}, measures: {after: judge}, progress: {after: judge}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads("name: names\nplan: builtin\n" + text, "s.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("body", "line", "words"), [
    ("durations: {discover: 1m}\n", "s.yaml:3: durations.discover: no step, report transit or core element takes the "
     "duration 'discover'", "did you mean 'discovery'?"),
    ("durations: {folow_up: 1m}\n", "s.yaml:3: durations.folow_up: no step, report transit or core "
     "element takes the duration 'folow_up'", "did you mean 'follow_up'?"),
    ("channels: {media: {satelite: {delay: 1m}}}\n", "s.yaml:3: channels.media.satelite: the channel 'satelite' is "
     "not in channels.order", "did you mean 'satellite'?"),
    ("staffing: {grid_worker: {grids: {grid_4: {staff: 1}}}}\nsources:\n  - {name: s, rate_per_day: 1, "
     "categories: {other: 1}, levels: {IV: 1}, grids: {grid_1: 1}}\n",
     "s.yaml:3: staffing.grid_worker.grids.grid_4: no source or inject sends incidents to 'grid_4'",
     "did you mean 'grid_1'?"),
    ("costs: {staff_hour: {ofice: 3}}\n", None, "unknown actor 'ofice'; did you mean 'office'"),
    # Roles held only by people (commander, leader) have staff-hours too: they are among the used names.
    ("costs: {staff_hour: {province: 3}}\n", "s.yaml:3: costs.staff_hour.province: 'province' has no staffing",
     "(used: commander, committee_member, community_police, department_head, deputy"),
    ("sources: []\nchanges: {mean_count: {I: 5}}\n", "s.yaml:4: changes.mean_count.I: no source draws incidents of "
     "level 'I'", "injects give their own changes) (none is used)"),
    ("leadership_group: {leadr: the secretary}\n", "s.yaml:3: leadership_group.leadr: unknown field 'leadr'",
     "did you mean 'leader'?"),
    ("durations:\n  verify:\n    by_category:\n      other: {dist: uniform, low: 1m, high: 2m, time_of_day: "
     "[{from: '22:00', to: '06:00', factor: 2}]}\n",
     "s.yaml:6: durations.verify.by_category.other.time_of_day: a variant takes no time_of_day of its own",
     "give it on the duration itself"),
    ("durations:\n  judge:\n    dist: uniform\n    low: 1m\n    high: 2m\n    by_level: {I: 5m}\n    by_category: {"
     + ", ".join(f"{c}: 1m" for c in ("social_security", "public_security_criminal", "accidents_disasters",
                                      "public_health", "natural_disasters", "network_security", "exam_security",
                                      "other")) + "}\n",
     "s.yaml:8: durations.judge.by_level: every category has its own variant in by_category", "never used"),
    ("actors: {auditor: {title: Auditor, kind: pool}}\nstaffing: {auditor: {staff: 1}}\n",
     "s.yaml:3: actors.auditor: no step, report, escalation, stand-in or working group names the actor 'auditor'",
     ""),
    ("actors: {auditor: {title: Auditor, kind: pool}}\nstaffing: {auditor: {staff: 1}}\n",
     "s.yaml:4: staffing.auditor: no step of the flow is done by 'auditor', so its staffing changes nothing", ""),
    ("probabilities: {department_head_first: 0.5}\n" + FLOW_WITHOUT_VERIFY,
     "s.yaml:3: probabilities.department_head_first: nothing uses the probability", ""),
    (FLOW_WITHOUT_VERIFY.replace("duration: judge,", "duration: judge, units: {I: 2},").replace(
        "actor: discoverer, after: [discover]", "actor: discoverer, units: {I: 2}, after: [discover]"),
     "s.yaml:5: flow[1].units: 'discoverer' is unlimited", "its units change nothing"),
])
def test_a_name_nothing_reads_is_refused_at_its_line(body: str, line: str | None, words: str) -> None:
    found = problems(body)
    matching = [text for text in found if line is None or text.startswith(line)]
    assert matching, found
    assert any(words in text for text in matching), found


def test_a_misspelt_deadline_rule_is_one_unknown_name_not_three_missing_fields() -> None:
    found = problems("deadlines:\n  office_to_leader: {limit: 30m}\n")
    assert found == ["s.yaml:4: deadlines.office_to_leader: unknown deadline rule 'office_to_leader'; did you mean "
                     "'office_to_leadership'? (a new deadline rule needs title, limit, start, end)"]


def test_a_new_entry_named_like_no_other_still_lists_its_missing_fields() -> None:
    found = problems("deadlines:\n  weekly_review: {limit: 7d}\n")
    assert {text.split(": ")[1] for text in found} == {f"deadlines.weekly_review.{f}" for f in ("title", "start",
                                                                                                 "end")}


def test_a_misspelt_channel_or_actor_says_unknown_name() -> None:
    assert problems("channels: {media: {wird: {fallback_delay: 1m}}}\n") == [
        "s.yaml:3: channels.media.wird: unknown channel 'wird'; did you mean 'wired'? (a new channel needs delay)"]
    assert problems("actors: {ofice: {kind: pool}}\n")[0].startswith(
        "s.yaml:3: actors.ofice: unknown actor 'ofice'; did you mean 'office'?")


def test_a_plan_entry_the_scenario_leaves_unused_is_not_blamed(tmp_path: Path) -> None:
    """Removing verify leaves the plan's durations verify, decide... and the leader's staffing unused: accepted."""
    scenario = loads("name: short\nplan: builtin\nhorizon: 1d\n" + FLOW_WITHOUT_VERIFY, "short.yaml")
    assert "verify" in scenario.durations
    # ... and so is its effective scenario, a whole plan that carries those entries.
    from drillsim import api
    from drillsim.experiment.rundir import write_run
    path = tmp_path / "short.yaml"
    path.write_text("name: short\nplan: builtin\nhorizon: 1d\n" + FLOW_WITHOUT_VERIFY, encoding="utf-8")
    write_run(api.run(load(path), replications=1), tmp_path / "out")
    again = load(tmp_path / "out" / "scenario.yaml")
    assert again.flow == scenario.flow and "extends" not in (tmp_path / "out" / "scenario.yaml").read_text()


def test_a_whole_plan_is_refused_only_a_name_that_misspells_one_the_run_reads(tmp_path: Path) -> None:
    text = (ROOT / "src" / "drillsim" / "scenario" / "plans" / "lanzhou-community.yaml").read_text(encoding="utf-8")
    spare = tmp_path / "spare.yaml"
    spare.write_text(text.replace("  follow_up:", "  spare_step: {dist: uniform, low: 3m, high: 10m}\n  follow_up:"),
                     encoding="utf-8")
    assert "spare_step" in load(spare).durations
    typo = tmp_path / "typo.yaml"
    typo.write_text(text.replace("  follow_up:", "  folow_up:"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"durations\.folow_up: .*did you mean 'follow_up'"):
        load(typo)


def test_replace_refuses_a_name_it_sets_that_nothing_reads_but_not_one_it_leaves_unused() -> None:
    base = load(ROOT / "scenarios" / "baseline-week.yaml")
    with pytest.raises(ScenarioError) as caught:
        base.replace({"durations.discover": "1m"})
    assert [(p.path, "did you mean 'discovery'?" in p.message) for p in caught.value.problems] == [
        (("durations", "discover"), True)]
    shorter = loads("name: short\nplan: builtin\n" + FLOW_WITHOUT_VERIFY, "short.yaml")
    assert shorter.replace({"durations.judge": "5m"}).durations["judge"].mean() == 300


def test_plan_shows_each_steps_duration_name_in_text_and_json() -> None:
    scenario = load(ROOT / "scenarios" / "baseline-week.yaml")
    text = planview.text(scenario)
    assert "discover: discoverer; after occurred; duration discovery: lognormal(median 3m, p90 12m)" in text
    assert all(f"  {name}: " in text for name in MODEL_DURATIONS)
    data = json.loads(planview.as_json(scenario))
    assert [step["duration"] for step in data["flow"]][:3] == ["discovery", "first_report", "verify"]


def test_the_plan_text_names_every_duration_the_model_reads() -> None:
    assert set(planview._MODEL_DURATIONS) == set(MODEL_DURATIONS)


NOBODY = "name: nobody\nplan: builtin\nhorizon: 1d\nstaffing:\n  office: {staff: 0, shifts: null}\n"


def test_an_actor_never_on_duty_is_a_warning_for_the_api(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):
        loads(NOBODY, "nobody.yaml")
    assert [r.getMessage() for r in caplog.records] == [
        "nobody.yaml:5: staffing.office: nobody is on duty at any time of the drill; every step of office "
        "(judge, phone_province, escalate, written_province, continuation, continuation_province, "
        "continuation_superiors, publish_information, final_report) will wait until the horizon"]


def test_an_absence_covering_every_shift_and_an_empty_grid_are_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    text = ("name: away\nplan: builtin\nhorizon: 2d\nstaffing:\n  leader: {staff: 1}\n  deputy: {staff: 1, "
            "absences: [{from: '0s', to: '2d', staff: 1}]}\n  grid_worker:\n    grids:\n      grid_2: {staff: 0}\n")
    with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):
        loads(text, "away.yaml")
    assert [r.getMessage().split(": ")[1] for r in caplog.records] == ["staffing.grid_worker.grids.grid_2"]
    # Shifts at 0 and a base count of 0 leave nobody either.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):
        loads(text + "  office: {staff: 0, shifts: [{from: '08:00', to: '18:00', staff: 0}]}\n", "away.yaml")
    assert any("staffing.office: nobody is on duty" in r.getMessage() for r in caplog.records)
    # The leader is on duty, so the deputy being away all the time leaves no step waiting for nobody; the party
    # secretary holds the leader's role, so with no anonymous leader nobody is on duty only while they are away.
    with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):
        caplog.clear()
        loads(text.replace("leader: {staff: 1}", "leader: {staff: 0}"), "away.yaml")
    assert not any("leader" in r.getMessage() for r in caplog.records)
    away = ("people:\n  party_secretary: {absences: [{from: '0s', to: '2d'}]}\n"
            "  committee_director: {absences: [{from: '0s', to: '2d'}]}\n")
    with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):
        caplog.clear()
        loads(text.replace("leader: {staff: 1}", "leader: {staff: 0}") + away, "away.yaml")
    assert any("staffing.leader: nobody is on duty" in r.getMessage() for r in caplog.records)
    with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):  # the role has no staffing: at its holder
        caplog.clear()
        loads("name: away\nplan: builtin\nhorizon: 2d\n" + away, "away.yaml")
    assert [r.getMessage().split(": ")[1] for r in caplog.records] == [
        "people.party_secretary", "actors.working_group", "actors.command_post"]  # the teams they lead, too


def test_an_actor_never_on_duty_is_a_warning_on_stderr_for_validate_and_run(tmp_path: Path) -> None:
    path = tmp_path / "nobody.yaml"
    path.write_text(NOBODY, encoding="utf-8")
    for args in (["validate", str(path)], ["run", str(path), "-n", "1", "--keep", "summary"]):
        result = drillsim(*args)
        assert result.returncode == 0, result.stderr
        assert f"WARNING: {path}:5: staffing.office: nobody is on duty at any time of the drill" in result.stderr


def test_no_bundled_scenario_is_refused_or_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):
        for path in sorted((ROOT / "scenarios").glob("*.yaml")):
            load(path)
    assert not caplog.records


def test_problems_keep_their_type() -> None:
    with pytest.raises(ScenarioError) as caught:
        loads("name: x\nplan: builtin\ndurations: {discover: 1m}\n", "x.yaml")
    assert all(isinstance(p, Problem) for p in caught.value.problems)


def test_a_team_or_working_group_nobody_can_staff_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    """A team takes its leader (or the stand-in) and its members at once: with nobody ever on duty for a part, its
    steps wait until the horizon. A part somebody can fill (the reserve team without volunteers) is no warning."""
    head = "name: team\nplan: builtin\nhorizon: 2d\n"
    cases = [
        ("staffing:\n  committee_member: {staff: 0}\n", ["actors.command_post"], "has no members"),
        ("staffing:\n  health_station: {staff: 0}\n  property_security: {staff: 0}\n  grid_worker:\n    grids:\n"
         "      grid_1: {staff: 0}\n      grid_2: {staff: 0}\n      grid_3: {staff: 0}\n",
         [f"staffing.grid_worker.grids.{g}" for g in ("grid_1", "grid_2", "grid_3")] + ["working_groups.public_health"],
         "the Public health group has no members"),
        ("people:\n  party_secretary: {absences: [{from: '0s', to: '2d'}]}\n"
         "  committee_director: {absences: [{from: '0s', to: '2d'}]}\n",
         ["people.party_secretary", "actors.working_group", "actors.command_post"],
         "nobody holding leader or deputy is on duty at any time of the drill, so no working group has a leader"),
        ("staffing:\n  volunteer: {staff: 0, shifts: null}\n", [], ""),
    ]
    for body, paths, words in cases:
        with caplog.at_level(logging.WARNING, logger="drillsim.scenario"):
            caplog.clear()
            loads(head + body, "team.yaml")
        found = [r.getMessage() for r in caplog.records]
        assert [text.split(": ")[1] for text in found] == paths, found
        assert not paths or any(words in text for text in found), found
