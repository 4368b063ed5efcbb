"""`drillsim run` as a user calls it: files written, JSON schema, exit status, timeline, verbosity.

Most checks use tests/data/cases/night-one-grid-worker.yaml, whose figures are computed
by hand (constant durations, plan's channels: wired 30s):

  incident 1 at 01:00: discovered 01:02, first report (1m + 30s) 01:03:30, grid worker verifies
      01:03:30-01:08:30, office receives 01:09:00, judges 4m, leadership receives 01:13:30 (13m30s: met
      the scenario's 15m limit with 1m30s to spare);
  incident 2 at 01:02: first report 01:05:30, waits 3m for the one grid worker (busy with incident 1),
      verifies 01:08:30-01:13:30, office 01:14:00, leadership 01:18:30 (16m30s: missed by 1m30s); the party
      secretary decides 01:18:30-01:21:30, and is then on site leading incident 1's social security group (its
      on-site time drawn, longer than the hand-over): the director activates the group after the 5-minute
      hand-over, 01:26:30-01:28:30, at the group 01:29:00; the reserve team closes it 2h later, 03:29:00.
  Each incident, level III, has no command post: the office escalates it to the street office (2m + 30s) within
  the open 1h for incidents without one, and sends its final report 30m from the closure (incident 1's reserve
  team closes it at 03:19:00), at the street office 30s later (03:49:30 and 03:59:30: met, 1h29m30s to spare).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from drillsim.cli import main
from drillsim.report.timeline import story
from drillsim.results import Results
from tests.helpers import CASES, ROOT, case, drillsim, run

CASE = CASES / "night-one-grid-worker.yaml"
PLOTS = {f"{name}.{ext}" for name in ("hit-rates", "bottleneck", "actor-load", "worst-incident", "time-to-report")
         for ext in ("png", "svg")}
FILES = {"events.csv", "steps.csv", "incidents.csv", "verdicts.csv", "people.csv", "summary.json", "scenario.yaml",
         "provenance.json"} | PLOTS


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


def test_out_writes_every_file_and_its_scenario_repeats_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = invoke(str(ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml"), "-n", "3", "--seed", "9",
                    "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == FILES  # no temporary file left behind
    assert json.loads((out / "summary.json").read_text()) == json.loads(result.stdout)
    provenance = json.loads((out / "provenance.json").read_text())
    assert (provenance["seed_entropy"], provenance["replications"]) == (9, 3)
    assert {"python", "drillsim", "simpy", "numpy"} <= set(provenance["versions"])
    events = (out / "events.csv").read_text().splitlines()
    assert events[0] == "scenario,replication,incident,step,change,actor,served_by,unit,event,time"
    assert {line.split(",")[-2] for line in events[1:]} == {"queued", "started", "finished", "delivered"}
    assert (out / "verdicts.csv").read_text().splitlines()[0].split(",")[3:6] == ["rule", "change", "level"]
    # The effective scenario carries its seed and replications: it repeats the run to the byte.
    again = invoke(str(out / "scenario.yaml"), "--format", "json")
    assert again.exit_code == 0, again.output
    assert again.stdout == (out / "summary.json").read_text()


def test_json_summary_follows_the_documented_schema_with_hand_computed_figures() -> None:
    result = invoke(str(CASE), "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == {"scenario", "seed", "replications", "horizon", "load", "incidents", "rules", "actors",
                            "people", "bottleneck", "readings"}
    assert (summary["scenario"], summary["seed"], summary["replications"], summary["horizon"]) == \
        ("One grid worker, two incidents", 1, 1, "1d")
    assert summary["incidents"] == {"total": 2, "per_replication": 2.0, "closed": 2, "open_at_horizon": 0}
    rule_keys = {"rule", "title", "limit", "level", "applicable", "met", "missed", "pending", "rate", "low", "high",
                 "late_median", "late_p90", "worst_late"}
    assert all(set(row) == rule_keys for row in summary["rules"])
    rows = {(row["rule"], row["level"]): row for row in summary["rules"]}
    office = rows[("office_to_leadership", "all")]
    assert (office["limit"], office["applicable"], office["met"], office["missed"], office["pending"]) == \
        (900, 2, 1, 1, 0)
    assert office["rate"] == 0.5 and office["low"] < 0.5 < office["high"]
    assert (office["late_median"], office["late_p90"], office["worst_late"]) == (90, 90, 90)
    assert rows[("office_to_leadership", "III")]["met"] == 1
    assert rows[("first_report", "all")]["rate"] == 1.0
    # No command post at level III: nothing it applies to, no rate and no interval.
    post = rows[("command_post_upward", "all")]
    assert (post["applicable"], post["rate"], post["low"], post["high"]) == (0, None, None, None)
    actors = {row["actor"]: row for row in summary["actors"]}
    assert all(set(row) == {"actor", "title", "utilisation", "mean_wait", "mean_wait_low", "mean_wait_high",
                            "p90_wait", "tasks"} for row in summary["actors"])
    # Grid workers: 2 x 5m of work over 3 grids x 1 worker x 1 day; waits 0 and 3m.
    assert actors["grid_worker"]["utilisation"] == pytest.approx(600 / (3 * 86400))
    assert (actors["grid_worker"]["mean_wait"], actors["grid_worker"]["tasks"]) == (90, 2)
    # Office: 2 judgements (4m), 2 escalations (2m) and 2 final reports (30m, from 03:19 and 03:29) by 2 people
    # over a day; nobody waited.
    assert actors["office"]["utilisation"] == pytest.approx(4320 / (2 * 86400))
    assert actors["office"]["mean_wait"] == 0
    assert set(summary["bottleneck"]) >= {"rule", "actor", "kind", "step", "share", "sentence"}
    assert summary["bottleneck"]["rule"] == "office_to_leadership"


@pytest.mark.parametrize(("gate", "status"), [
    ("office_to_leadership=0.5", 0),        # 1 of 2 met: exactly the threshold
    ("office_to_leadership=0.51", 1),
    ("first_report=1", 0),
    ("office_to_leadership=0.4", 0),
    ("first_report=1.0", 0),
])
def test_fail_under_exits_1_only_when_a_rate_is_below_its_threshold(gate: str, status: int) -> None:
    result = invoke(str(CASE), "--fail-under", gate, "--fail-under", "grid_to_office=1")
    assert result.exit_code == status, result.output
    assert result.stdout.startswith("One grid worker, two incidents")  # the table is printed either way
    if status:
        assert "office_to_leadership: hit rate 0.500 is below 0.510" in result.stderr


@pytest.mark.parametrize(("gate", "message"), [
    ("office_to_leader=0.9", "office_to_leadership"),   # unknown rule: suggests the near one
    ("office_to_leadership", "RULE=RATE"),
    ("office_to_leadership=1.5", "between 0 and 1"),
    ("office_to_leadership=often", "a number"),
])
def test_fail_under_with_a_bad_rule_or_rate_is_bad_input(gate: str, message: str) -> None:
    result = invoke(str(CASE), "--fail-under", gate)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""  # refused before running




def test_a_scenario_that_does_not_exist_or_does_not_validate_is_exit_2(tmp_path: Path) -> None:
    assert invoke(str(tmp_path / "missing.yaml")).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nhorizon: 7\n")
    result = invoke(str(bad))
    assert result.exit_code == 2
    assert "bad.yaml:2" in result.stderr


def test_timeline_tells_who_waited_for_whom_and_the_missed_deadline() -> None:
    result = invoke(str(CASE), "--timeline")
    assert result.exit_code == 0, result.output
    heading, _, first, second = result.stdout.split("\n\n")
    assert heading.startswith("Timeline of replication 0 of seed ")
    assert first.splitlines()[0] == "Incident 1: group fight arising from disputes"
    assert "  0d 01:13:30  deadline met: office to the leadership group (15m), 1m30s to spare" in first
    # first report, grid to office, office to leadership, the escalation within 1h, the final report
    assert "deadlines: 5 met, 0 missed" in first
    lines = second.splitlines()
    assert lines[0] == "Incident 2: illegal cult gathering"
    assert lines[1] == "  Social security; level III (yellow); grid_1"
    wait = lines.index("  0d 01:05:30  verification (on site where needed), then report to the office: "
                       "waits for the grid worker of grid_1, busy with incident 1 (1 on duty)")
    assert lines[wait + 1] == ("  0d 01:08:30  the grid worker of grid_1 takes it after waiting 3m: "
                               "verification (on site where needed), then report to the office")
    received = lines.index("  0d 01:18:30  the leadership group leader receives the report over wired (carried "
                           "time, place, scale, casualties, cause, assessment, other): "
                           "the office gathers, analyses and judges nature and level, reports to the leadership group")
    # The verdict follows the report it judges, and comes before the steps that report starts.
    assert lines[received + 1] == "  0d 01:18:30  DEADLINE MISSED: office to the leadership group (15m), 1m30s late"
    assert lines[received + 2] == ("  0d 01:18:30  the community party secretary, as leadership group leader, "
                                   "starts: the leadership group decides and activates the level's response plan")
    # Who waited for whom, and where they were: the secretary on site, the director standing in.
    activate = "the leader activates the working group of the category"
    wait = lines.index(f"  0d 01:21:30  {activate}: waits for the community party secretary, leading the social "
                       "security group on site for incident 1")
    assert lines[wait + 1] == (f"  0d 01:26:30  the residents' committee director, standing in for the busy "
                               f"community party secretary, takes it after waiting 5m: {activate}")
    closed = lines.index("  0d 03:29:00  the incident is closed")
    assert lines[closed - 1] == ("  0d 03:29:00  first response by the reserve team, sized to the level, until the "
                                 "incident is closed (took 2h)")
    # The office's final report starts at the closure, after it, and reaches the street office at 03:59:30.
    assert lines[closed + 1].startswith("  0d 03:29:00  the office (information group) starts: ")
    assert lines[-3].startswith("  0d 03:59:30  the street office receives the report over wired (carried every "
                                "core element): ")
    assert lines[-2] == "  0d 03:59:30  deadline met: final report at closure (2h), 1h29m30s to spare"
    assert lines[-1] == "  deadlines: 4 met, 1 missed"


SECRETARY_AT_THE_POST = """
    working_groups:
      social_security: {members: [health_station]}
    durations:
      group_response: 10m
      run_command_post: 3h
    staffing:
      deputy: {handover: 5m}
    injects:
      - {at: "01:00", category: social_security, example: group_fight, level: I, grid: grid_1}
      - {at: "01:30", category: social_security, example: cult_gathering, level: II, grid: grid_2}
"""


def test_timeline_tells_who_was_where_and_who_waited_for_whom() -> None:
    """Constants of tests/helpers.py, the social security group's members the two health-station staff, the
    group on site 10m, the post run 3h. A, level I at 01:00, a major class: at the leadership group 01:13:30, the
    secretary decides to 01:16:30 and activates the group to 01:18:30, at the group 01:19:00; the secretary sets up
    the post 01:18:30-01:28:30 (queued at the decision, as the upward report of the major matter is, and before
    it), so the upward report (3m) waits for them and, after the 5-minute hand-over, the director makes it
    01:21:30-01:24:30; the group waits for the secretary at the post and, from the hand-over on, for the director,
    who leads it with both health-station staff (level I asks for three) from 01:24:30; the post reports
    01:28:30-01:33:30 and runs, commanded by the secretary, from 01:34:00 to past the horizon (04:34:00). B, level
    II at 01:30: at the leadership group 01:43:30, while the secretary commands A's post; the director decides
    after the hand-over, from 01:48:30. B's reserve team waits for the people A's holds, and B is still open at
    03:30."""
    text = story(Results(case(SECRETARY_AT_THE_POST, horizon="3h30m"), 1,
                         [run(case(SECRETARY_AT_THE_POST, horizon="3h30m"))]))
    blocks = text.split("\n\n")
    assert blocks[1].splitlines() == [
        "Who holds which role:",
        "  the community party secretary (party_secretary): leadership group leader and command-post commander",
        "  the residents' committee director (committee_director): deputy leader"]
    first, second = blocks[2].splitlines(), blocks[3].splitlines()
    group = "the working group of the category responds on site and reports to the leadership group"
    assert any(line.startswith("  0d 01:21:30  the residents' committee director, standing in for the busy "
                               "community party secretary, takes it after waiting 5m: ") for line in first)
    assert f"  0d 01:19:00  {group}: waits for the community party secretary, commanding the on-site command post " \
           "of this incident; and from the 5m hand-over on, for the stand-in, the residents' committee director, " \
           "busy with this incident" in first
    assert ("  0d 01:24:30  the social security group, led by the residents' committee director (standing in for "
            "the community party secretary), with 2 health service station staff, takes it after waiting 5m30s: "
            f"{group}") in first
    assert ("  0d 01:34:00  the on-site command post, led by the community party secretary, with a residents' "
            "committee member, starts: the command post directs the response on site") in first
    decide = "the leadership group decides and activates the level's response plan"
    waits = second.index(f"  0d 01:43:30  {decide}: waits for the community party secretary, commanding the "
                         "on-site command post of incident 1")
    assert second.index(f"  0d 01:48:30  the residents' committee director, standing in for the busy community "
                        f"party secretary, takes it after waiting 5m: {decide}") > waits
    assert second[-2].startswith("  0d 03:30:00  end of the drill: the incident is still open; still at work: ")


def test_timeline_tells_the_professional_responders_taking_over() -> None:
    """A gas leak at 01:00 (fire 119, medical 120): the responders are called at the first report, 01:03:30, and
    are done on site 1h30m later, which closes the incident; the office's final report starts with the closure,
    told after it."""
    scenario = case("""
        injects:
          - {at: "01:00", category: accidents_disasters, example: gas_leak, level: III, grid: grid_1}
    """)
    lines = story(Results(scenario, 1, [run(scenario)])).splitlines()
    called = lines.index("  0d 01:03:30  the professional responders (fire 119, medical 120) are called and take "
                         "over on site")
    done = lines.index("  0d 02:33:30  the professional responders (fire 119, medical 120) are done on site "
                       "(took 1h30m)")
    assert called < done and lines[done + 1] == "  0d 02:33:30  the incident is closed"
    assert lines[done + 2].startswith("  0d 02:33:30  the office (information group) starts: ")


def test_table_names_every_rule_and_the_busiest_actors() -> None:
    result = invoke(str(CASE))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "One grid worker, two incidents: 1 replication of 1d, seed 1"
    row = next(line for line in lines if line.startswith("office_to_leadership"))
    # Marked: from the office's receipt (a reading of Art. 10.2) both incidents meet the 15m (tests/test_readings.py).
    assert row.split() == ["office_to_leadership*", "15m", "all", "2", "1", "50.0%", "9.5%-90.5%", "1m30s", "1m30s",
                           "1m30s"]
    assert any(line.startswith("Grid worker") and "1m30s" in line for line in lines)
    assert lines[-1].startswith("Bottleneck: ")


def test_verbose_works_after_the_command_as_before_it(tmp_path: Path) -> None:
    after = drillsim("run", str(CASE), "-v", "--out", str(tmp_path / "a"))
    assert after.returncode == 0, after.stderr
    assert "INFO: 1 replications in" in after.stderr
    assert after.stderr.count("INFO: wrote ") == len(FILES)
    # A gate on a rule that applied to nothing warns and passes.
    before = drillsim("-v", "run", str(CASE), "--fail-under", "command_post_upward=0.9")
    assert before.returncode == 0
    assert "INFO: 1 replications in" in before.stderr
    assert "WARNING: command_post_upward: no incident it applies to; nothing to gate\n" in before.stderr


def test_quiet_keeps_only_errors_on_stderr() -> None:
    quiet = drillsim("run", str(CASE), "-q", "--fail-under", "command_post_upward=0.9")
    assert (quiet.returncode, quiet.stderr) == (0, "")
    assert quiet.stdout.startswith("One grid worker, two incidents")
    failing = drillsim("-q", "run", str(CASE), "--fail-under", "office_to_leadership=0.9")
    assert failing.returncode == 1
    assert failing.stderr == "office_to_leadership: hit rate 0.500 is below 0.900\n"


def test_jobs_give_the_same_summary_as_one_process() -> None:
    scenario = str(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml")
    serial = invoke(scenario, "-n", "6", "--format", "json")
    parallel = invoke(scenario, "-n", "6", "-j", "2", "--format", "json")
    assert serial.exit_code == parallel.exit_code == 0
    assert parallel.stdout == serial.stdout


def test_timeline_says_which_channel_was_down() -> None:
    scenario = case("""
        channels:
          media:
            wired: {failures: [{from: "01:00", to: "02:00"}]}
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: III, grid: grid_1}
    """)
    text = story(Results(scenario, 1, [run(scenario)]))
    # First report sent at 01:03: 2m lost on the wired channel, 1m over wireless.
    assert ("  0d 01:06:00  the grid worker of grid_1 receives the report over wireless (wired was down; carried "
            "time, place): "
            "first report, immediately, to a grid worker or department head") in text.splitlines()
