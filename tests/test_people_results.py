"""Who did the work (Results.people): hand-computed per person and per role's anonymous staff, the same from a
running tally, and in the terminal, the JSON summary and the run directory.

Constants (tests/helpers.py): discover 2m, first report 1m, verify 5m, judge
4m, decide 3m, activate group 2m, escalate 2m, command post set-up 10m and
report 5m, resolve 2h; the wired channel delivers in 30s. PEOPLE adds: a
working group responds for 10m, a command post runs for 3h; the committee
director is the only deputy (hand-over 5m), and the social security group's
members are the two health-station staff. An incident at 01:00 (3600) in an
idle chain is verified 3810-4110, reaches the office at 4140, is judged
4140-4380, reaches the leadership group at 4410, is decided 4410-4590 and its
group activated 4590-4710, the group at 4740.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from drillsim import api, plots
from drillsim.cli import main
from drillsim.experiment.rundir import effective_scenario
from drillsim.results import Results
from drillsim.scenario import Scenario
from tests.helpers import CASES, case, run

PEOPLE = """
        working_groups:
          social_security: {members: [health_station]}
        durations:
          group_response: 10m
          run_command_post: 3h
"""

DAY = 86400


def _wang() -> Scenario:
    """Wang is grid 1's only worker and the reserve team's only member; two level-IV incidents in grid 1, at 01:00
    and 01:30 (no command post, nothing for the province)."""
    return case(PEOPLE + """
        actors:
          reserve_team: {members: [grid_worker]}
        staffing:
          deputy: {handover: 5m}
          grid_worker:
            grids:
              grid_1: {staff: 0}
        people:
          wang: {title: grid worker of grid 1, roles: ["grid_worker:grid_1"]}
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: IV, grid: grid_1}
          - {at: "01:30", category: social_security, example: cult_gathering, level: IV, grid: grid_1}
    """)


def _rows(results: Results) -> dict[str, dict[str, object]]:
    return {row["holder"]: row for row in results.people().to_dict("records")}


def test_each_person_and_each_roles_anonymous_staff_as_computed_by_hand() -> None:
    """Incident A: Wang verifies 3810-4110 and, on the reserve team, resolves 4740-11940. Incident B: its
    verification waits for Wang until 11940 (to 12240), at the office 12270, judged to 12510, at the leadership
    group 12540, decided to 12720, its group activated to 12840 and at the group 12870: Wang resolves 12870-20070.
    The secretary decides, activates and leads the social security group's 10m on site for each incident; one
    health-station worker goes with them; the office (a crew of its own: no people named in its records) judges
    4m, escalates 2m and, at the closure, writes the final report 30m for each."""
    scenario = _wang()
    rows = _rows(Results(scenario, 1, [run(scenario)]))
    wang = rows["wang"]
    assert (wang["title"], wang["roles"], wang["tasks"]) == ("grid worker of grid 1", "grid_worker:grid_1", 4)
    assert wang["busy_hours"] == pytest.approx((300 + 7200 + 300 + 7200) / 3600)
    assert wang["on_duty_hours"] == 24
    assert wang["utilisation"] == pytest.approx(15000 / DAY)
    secretary = rows["party_secretary"]
    assert (secretary["roles"], secretary["tasks"]) == ("leader", 6)  # the group is led by the leader's role
    assert secretary["utilisation"] == pytest.approx(2 * (180 + 120 + 600) / DAY)
    health = rows["health_station"]
    assert (health["title"], health["tasks"], health["on_duty_hours"]) == \
        ("Health service station staff (anonymous)", 2, 48)
    assert health["utilisation"] == pytest.approx(2 * 600 / (2 * DAY))
    office = rows["office"]
    assert (office["roles"], office["tasks"]) == ("office", 6)
    assert office["utilisation"] == pytest.approx(2 * (240 + 120 + 1800) / (2 * DAY))
    assert rows["committee_director"]["tasks"] == 0 and rows["committee_director"]["roles"] == ""
    # One replication gives no interval; busiest first: the office's 2.5 % before the secretary's 2.1 %.
    table = Results(scenario, 1, [run(scenario)]).people()
    assert table["utilisation_low"].isna().all()
    assert list(table["holder"][:3]) == ["wang", "office", "party_secretary"]


def test_the_commander_and_the_stand_in_count_for_the_person_and_the_role_they_filled() -> None:
    """A level-I incident alone: the secretary decides (3m) and activates the group (2m), then as commander sets up
    the post 4710-5310, reports 5310-5610 and runs it 5640-16440 with one committee member; the director, standing
    in as deputy after the 5-minute hand-over, reports this major matter upward 4890-5070 and leads the group
    5070-5670."""
    scenario = case(PEOPLE + """
        staffing:
          deputy: {handover: 5m}
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: I, grid: grid_1}
    """)
    rows = _rows(Results(scenario, 1, [run(scenario)]))
    secretary = rows["party_secretary"]
    assert (secretary["roles"], secretary["tasks"]) == ("commander, leader", 5)  # busiest role first
    assert secretary["busy_hours"] == pytest.approx((180 + 120 + 600 + 300 + 10800) / 3600)
    director = rows["committee_director"]
    assert (director["roles"], director["tasks"], director["busy_hours"]) == ("deputy", 2,
                                                                             pytest.approx((180 + 600) / 3600))
    member = rows["committee_member"]
    assert (member["roles"], member["tasks"]) == ("committee_member", 3)
    assert member["utilisation"] == pytest.approx((600 + 300 + 10800) / (2 * DAY))
    assert all(0 <= row["utilisation"] <= 1 for row in rows.values())


def test_a_summary_only_run_gives_the_same_table_with_intervals_over_replications() -> None:
    scenario = _wang().replace({"sources": [{"name": "more", "rate_per_day": 6, "grids": {"grid_1": 1.0},
                                             "categories": {"social_security": 1.0}, "levels": {"IV": 1.0}}]})
    full = api.run(scenario, replications=4, seed=5)
    summary = api.run(scenario, replications=4, seed=5, keep="summary")
    pd.testing.assert_frame_equal(full.people(), summary.people(), check_exact=True)
    wang = full.people().set_index("holder").loc["wang"]
    assert wang["utilisation_low"] < wang["utilisation"] < wang["utilisation_high"] <= 1
    assert full.summary()["people"] == summary.summary()["people"]


def test_the_terminal_json_and_run_directory_name_who_did_the_work(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Each plot as a blank picture: drawing them takes seconds, and the people are what is tested here.
    monkeypatch.setattr(plots, "render", lambda run: ((name, None) for name in plots.PLOTS))
    monkeypatch.setattr(plots, "to_bytes", lambda figure, fmt: b"<svg/>")
    scenario_file = tmp_path / "wang.yaml"
    scenario_file.write_text(effective_scenario(Results(_wang(), 1, [run(_wang())])), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(scenario_file), "-n", "1", "--out", str(tmp_path / "out"),
                                       "--report"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("busiest people"))
    assert lines[heading + 1].split()[:5] == ["grid", "worker", "of", "grid", "1"]
    assert lines[heading + 1].endswith("grid_worker:grid_1")
    assert "17.4%" in lines[heading + 1] and "4h10m" in lines[heading + 1]  # 15000 s of a day
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["people"][0]["holder"] == "wang" and summary["people"][0]["tasks"] == 4
    people = (tmp_path / "out" / "people.csv").read_text().splitlines()
    assert people[0] == "holder,title,roles,tasks,busy_hours,on_duty_hours,utilisation,utilisation_low,utilisation_high"
    assert people[1].startswith("wang,grid worker of grid 1,grid_worker:grid_1,4,")
    # A plan of one office and nobody named: its crew is the whole story, told by the actor table alone.
    plain = CliRunner().invoke(main, ["run", str(CASES / "mmc-office.yaml"), "-n", "1"], catch_exceptions=False)
    assert "busiest actors" in plain.stdout and "busiest people" not in plain.stdout
    page = (tmp_path / "out" / "report.html").read_text()
    who = page[page.index("<h3>Who did the work</h3>"):]
    assert "<tr><td>grid worker of grid 1</td><td>grid_worker:grid_1</td><td class=\"num\">17.4%</td>" in who
