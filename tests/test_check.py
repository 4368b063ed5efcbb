"""`drillsim check`: what a plan cannot keep, each finding checked against numbers worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

from drillsim.experiment.plan_check import Finding, check, fastest, kinds_of, median
from drillsim.scenario import Scenario, loads
from tests.helpers import DIST_SPECS, ONE_LEVEL, case, dist, drillsim

CONSISTENT = """\
name: A plan that keeps what it promises
horizon: 2d
actors:
  office: {title: Office, kind: pool}
  chief: {title: Chief, kind: superior}
staffing:
  office: {staff: 1}
working_groups:
  information: {title: Information group, led_by: office}
""" + ONE_LEVEL + """\
flow:
  - {id: judge, actor: office, after: [occurred], duration: judge, report: {to: chief}, milestone: reported}
deadlines:
  in_time: {title: reported within 10 minutes, limit: 10m, start: occurred, end: reported, article: Art. 1,
            text: "辦公室應在10分鐘內報告"}
durations:
  judge: 5m
injects:
  - {at: "01:00", category: any, level: IV}
"""
"""One office worker always on duty reports to the chief in 5 minutes, and has 10: nothing to find."""


def _plan(text: str = CONSISTENT) -> Scenario:
    return loads(text)


def _only(findings: tuple[Finding, ...], kind: str) -> list[Finding]:
    return [f for f in findings if f.kind == kind]


def test_the_built_in_plan_s_30_minutes_for_the_grid_worker_cannot_coexist_with_the_office_s_20() -> None:
    # Fastest, for every category but those with a discovery of its own: discovery (lognormal) 0s, first report
    # 30s (uniform's low end) + 30s wired = 1m to first_report_received; the grid worker's 30m; judge 2m (the
    # triangular's low end) + 30s to leadership_received: 33m30s after the occurrence, 13m30s past the 20m.
    findings = check(loads("name: the built-in plan\nplan: builtin\nhorizon: 1d\n"))
    clash, = (f for f in findings if f.subject == "grid_to_office/office_to_leadership")
    assert clash.kind == "contradiction" and clash.rules == ("grid_to_office", "office_to_leadership")
    figures = dict(clash.figures)
    assert (figures["before"], figures["allowance"], figures["after"]) == (60, 1800, 150)
    assert (figures["forced"], figures["limit"]) == (2010, 1200)
    assert "33m30s" in clash.message and "13m30s past" in clash.message and "every incident" in clash.message
    assert "grid_to_office.limit=30m" in clash.readings
    # 10m: 1m + 10m + 2m30s = 13m30s keeps the 20m; the office's 20m from its own receipt no longer follow the
    # grid worker's clock; the 20m from the discovery still do (30s + 30s + 30m + 2m30s = 33m30s).
    assert "grid_to_office.limit=10m" in clash.resolved_by
    assert "office_to_leadership.start=office_received" in clash.resolved_by
    assert "office_to_leadership.start=discovered" not in clash.resolved_by
    assert clash.article == "Art. 8.2(2) / Art. 10.2"
    # Every rule can be met when every step is fastest: the longest, command_post_upward, needs 1m + verify 30s +
    # judge 2m30s + decide 2m + set-up 10m + report 5m + 30s = 21m30s of its hour.
    assert not _only(findings, "infeasible")


def test_a_planted_deadline_shorter_than_its_chain_is_infeasible_with_the_chain_s_least_time() -> None:
    # helpers.case: discover 2m, first report 1m + 30s, verify 5m + 30s, judge 4m + 30s = 13m30s, whatever the kind.
    scenario = case("""
    deadlines:
      planted: {title: leadership within a minute, limit: 1m, start: occurred, end: leadership_received}
    """)
    findings = check(scenario)
    planted, = (f for f in findings if f.subject == "planted")
    assert planted.kind == "infeasible"
    assert dict(planted.figures)["lower_bound"] == 810 and dict(planted.figures)["limit"] == 60
    assert "at least 13m30s" in planted.message and "every incident" in planted.message
    assert "discover 2m + first_report 1m30s + verify 5m30s + judge 4m30s" in planted.message
    assert not any(f.subject == "continuation" for f in findings)  # 5m + 30s of its 30m


def test_a_per_change_deadline_is_bounded_from_the_change_not_from_the_occurrence() -> None:
    # The continuation report's clock starts at the change (not before the discovery): continuation 5m + 30s.
    scenario = case("deadlines: {continuation: {limit: 1m}}")
    late, = (f for f in check(scenario) if f.subject == "continuation")
    assert late.kind == "infeasible" and dict(late.figures)["lower_bound"] == 330
    assert late.readings == ("continuation.start=change", "continuation.limit=(own)")  # 1m is the scenario's own
    assert set(late.resolved_by) == {"continuation.limit=30m", "continuation.limit=20m", "continuation.limit=1h"}


def test_a_deadline_kept_only_by_fast_steps_is_tight_with_its_median_path() -> None:
    # A lognormal of median 8m can take any time above 0s: the 5m can be met, but not by the median 8m.
    scenario = _plan(CONSISTENT.replace("judge: 5m", "judge: {dist: lognormal, median: 8m, p90: 20m}")
                     .replace("limit: 10m", "limit: 5m"))
    tight, = check(scenario)
    assert tight.kind == "tight" and tight.subject == "in_time"
    assert dict(tight.figures) == {"limit": 300, "lower_bound": 0, "median_path": 480, "kinds": "every incident"}
    assert tight.article == "Art. 1" and tight.text == "辦公室應在10分鐘內報告"


def test_a_plan_written_to_be_consistent_has_no_findings_and_exits_0(tmp_path: Path) -> None:
    assert check(_plan()) == ()
    path = tmp_path / "consistent.yaml"
    path.write_text(CONSISTENT, encoding="utf-8")
    done = drillsim("check", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("A plan that keeps what it promises: 0 findings")


def test_an_actor_nobody_holds_at_night_is_off_duty_in_those_hours() -> None:
    night = CONSISTENT.replace("office: {staff: 1}", 'office: {staff: 1, shifts: [{from: "22:00", to: "07:00", '
                                                     'staff: 0}]}')
    off, = check(_plan(night))
    assert off.kind == "off_duty" and off.subject == "office"
    assert dict(off.figures)["hours"] == "0,1,2,3,4,5,6,22,23"
    assert dict(off.figures)["off_duty"] == 2 * 9 * 3600  # two nights of nine hours in the 2-day drill
    assert "every day from 22:00 to 07:00" in off.message and "judge" in off.message


def test_an_absence_of_a_whole_day_is_off_duty_all_of_that_day() -> None:
    away = CONSISTENT.replace("office: {staff: 1}", 'office: {staff: 1, absences: [{from: "1d 00:00", to: "2d 00:00", '
                                                    'staff: 1}]}')
    off, = check(_plan(away))
    assert "from 1d 00:00 to 2d 00:00" in off.message
    assert dict(off.figures)["hours"] == ",".join(str(h) for h in range(24))


def test_a_stand_in_on_duty_covers_the_hours_the_actor_is_away() -> None:
    covered = CONSISTENT.replace("  office: {title: Office, kind: pool}",
                                 "  office: {title: Office, kind: pool, stand_in: night_desk}\n"
                                 "  night_desk: {title: Night desk, kind: pool}").replace(
        "office: {staff: 1}", 'office: {staff: 1, shifts: [{from: "22:00", to: "07:00", staff: 0}]}\n'
                              '  night_desk: {staff: 1}')
    assert check(_plan(covered)) == ()


def test_a_rule_whose_end_the_flow_never_reaches_and_one_that_applies_to_nothing() -> None:
    scenario = _plan(CONSISTENT.replace(
        "deadlines:\n", "  - {id: post, actor: office, after: [judge], when: command_post, duration: judge, "
                        "milestone: posted}\ndeadlines:\n"
                        "  posted: {title: posted, limit: 1h, start: occurred, end: posted}\n"
                        "  with_post: {title: with a post, limit: 1h, start: occurred, end: posted, "
                        "applies: command_post}\n"))
    findings = check(scenario)
    assert [(f.kind, f.subject) for f in findings] == [("never_applies", "with_post"), ("never_reached", "posted")]
    assert "missed for every one of them" in findings[1].message


def test_incidents_with_no_upward_deadline_of_the_plan_s_own() -> None:
    scenario = _plan(CONSISTENT.replace("kind: superior", "kind: unlimited"))
    bare, = check(scenario)
    assert bare.kind == "no_upward_deadline" and "the plan sets none). No rule covers them." in bare.message
    assert bare.subject == "every incident"


def test_kinds_are_the_categories_and_levels_the_scenario_brings() -> None:
    scenario = loads("name: two injects\nplan: builtin\nhorizon: 1d\nsources: []\ninjects:\n"
                     "  - {at: '01:00', category: exam_security, level: II}\n"
                     "  - {at: '02:00', category: other, level: IV, command_post: true}\n")
    # The plan's misjudged_level (0.1) judges a level one more or less serious; new facts then correct it.
    assert [(k.category, k.true_level, k.level, k.command_post, k.levels) for k in kinds_of(scenario)] == [
        ("exam_security", "II", "I", True, {"I", "II"}), ("exam_security", "II", "II", True, {"II"}),
        ("exam_security", "II", "III", True, {"II", "III"}), ("other", "IV", "III", True, {"III", "IV"}),
        ("other", "IV", "IV", True, {"IV"})]
    assert all(k.major_class is None for k in kinds_of(scenario))  # exam security is a major class at level I only


def test_plan_text_not_simulated_is_listed_but_does_not_make_the_exit_status_1(tmp_path: Path) -> None:
    path = tmp_path / "unmodelled.yaml"
    path.write_text(CONSISTENT + "unmodelled:\n  Art. 12: {title: training, why: no drill of training, "
                                 "text: 定期培訓}\n", encoding="utf-8")
    done = drillsim("check", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["counted"] == 0 and data["informational"] == 1
    listed, = data["findings"]
    assert listed == {"kind": "not_simulated", "subject": "Art. 12", "message": "training: no drill of training",
                      "article": "Art. 12", "text": "定期培訓", "rules": [], "readings": [], "resolved_by": [],
                      "figures": {}, "informational": True}
    twice = tmp_path / "two.yaml"
    twice.write_text(CONSISTENT + "unmodelled:\n  Art. 12: {title: training, why: not drilled}\n"
                                  "  Art. 13: {title: supplies, why: not stocked}\n", encoding="utf-8")
    table = drillsim("check", str(twice)).stdout
    assert table.count("Informational: plan text the model does not simulate (2)") == 1
    assert table.index("Art. 12") < table.index("Art. 13")


def test_cli_exit_1_with_findings_json_shape_and_hit_rates(tmp_path: Path) -> None:
    path = tmp_path / "tight.yaml"
    path.write_text(CONSISTENT.replace("limit: 10m", "limit: 4m"), encoding="utf-8")
    done = drillsim("check", str(path), "--format", "json", "-n", "2")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["counted"] == 1
    found, = data["findings"]
    assert found["kind"] == "infeasible" and found["figures"]["lower_bound"] == 300
    assert found["hit_rates"] == {"in_time": 0.0}  # 5m of work against 4m: never met
    table = drillsim("check", str(path))
    assert table.returncode == 1
    assert "infeasible  in_time" in table.stdout and "Art. 1: 辦公室應在10分鐘內報告" in table.stdout


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(CONSISTENT.replace("limit: 10m", "limt: 10m"), encoding="utf-8")
    done = drillsim("check", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "limt" in done.stderr
    missing = drillsim("check", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1


def test_each_distribution_s_fastest_and_median_and_the_fastest_hour_of_the_day() -> None:
    least = {name: fastest(dist(spec), "any", "IV") for name, spec in DIST_SPECS.items()}
    assert least == {"constant": 240, "exponential": 0, "uniform": 60, "triangular": 60, "lognormal": 0,
                     "empirical": 60}
    middle = {name: median(dist(spec), "any", "IV") for name, spec in DIST_SPECS.items()}
    # exponential: 30m ln 2 = 1247.7s; triangular(1m, 2m, 9m): 9m - sqrt(8m * 7m / 2) = 222.5s
    assert middle == {"constant": 240, "exponential": 1248, "uniform": 300, "triangular": 223, "lognormal": 600,
                      "empirical": 180}
    halved = dist({**DIST_SPECS["uniform"], "time_of_day": [{"from": "02:00", "to": "04:00", "factor": 0.5}]})
    assert fastest(halved, "any", "IV") == 30 and median(halved, "any", "IV") == 150
    slower = dist({**DIST_SPECS["uniform"], "time_of_day": [{"from": "00:00", "to": "12:00", "factor": 2},
                                                            {"from": "12:00", "to": "00:00", "factor": 3}]})
    assert fastest(slower, "any", "IV") == 120  # no hour of the day is faster than twice


def test_a_step_that_takes_two_people_when_one_is_on_duty_is_short_handed() -> None:
    two = CONSISTENT.replace("office: {staff: 1}", 'office: {staff: 2, shifts: [{from: "22:00", to: "07:00", '
                                                   'staff: 1}]}').replace(
        "duration: judge,", "duration: judge, units: {IV: 2},")
    short, = check(_plan(two))
    assert short.kind == "short_handed" and short.subject == "judge:office"
    assert dict(short.figures) == {"takes": 2, "on_duty": 1, "hours": "0,1,2,3,4,5,6,22,23"}
    assert "only 1 of them is on duty every day from 22:00 to 07:00" in short.message
    # three at once from a crew that is never more than two: the model takes the two, as it caps a claim
    assert check(_plan(two.replace("units: {IV: 2}", "units: {IV: 3}"))) == (short,)
