"""The duty roster: a CSV of who is on duty when, read into the scenario's people, every problem at its line.

The plan below is the smallest with a per-grid role and a pool: a grid
worker reports (1m) and the office judges (10m); judged within 20m of the
incident. An idle chain judges an incident at T at T + 11m.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from drillsim.model import simulate
from drillsim.scenario import ScenarioError, load
from drillsim.scenario.schema import Person
from drillsim.scenario.units import DAY, HOUR, MINUTE
from tests.helpers import ONE_LEVEL, drillsim

PLAN = """\
name: Grid and office
horizon: 1d
replications: 1
seed: 1
actors:
  grid_worker: {title: Grid worker, kind: per_grid}
  office: {title: Office, kind: pool}
staffing:
  grid_worker: {grids: {g1: {staff: 0}}}
people:
  grid_head: {roles: ["grid_worker:g1"]}
  clerk: {roles: [office]}
working_groups:
  information: {title: Information group, led_by: office}
""" + ONE_LEVEL + """flow:
  - {id: report, actor: grid_worker, after: [occurred], duration: report, milestone: reported}
  - {id: judge, actor: office, after: [report], duration: judge, milestone: judged}
deadlines:
  judged_in_time: {title: judged within 20 minutes, limit: 20m, start: occurred, end: judged}
durations:
  report: 1m
  judge: 10m
injects:
  - {at: "02:00", category: any, example: any, level: IV, grid: g1}
  - {at: "14:00", category: any, example: any, level: IV, grid: g1}
"""


def _write(folder: Path, roster: str | None, *, name: str = "scenario.yaml", csv: str = "roster.csv",
           encoding: str = "utf-8") -> Path:
    """The plan above as a scenario file in `folder`, naming the roster `csv` written beside it."""
    key = f"roster: {csv}\n" if roster is not None else ""
    path = folder / name
    path.write_text(PLAN + key, encoding="utf-8")
    if roster is not None:
        (folder / csv).write_text(textwrap.dedent(roster), encoding=encoding)
    return path


def _windows(person: Person) -> list[tuple[int, int]]:
    return [(window.start, window.end) for window in person.duty]


def test_rows_become_people_with_their_roles_and_the_union_of_their_duty(tmp_path: Path) -> None:
    scenario = load(_write(tmp_path, """\
        person,roles,from,to,title
        clerk,office,08:00,12:00,Office clerk
        grid_head,grid_worker:g1,0,1d 00:00,
        clerk,office,11:00,14:00,
        clerk,office,14:00,18:00,Office clerk

        night_clerk,office;grid_worker:g1,22:00,1d 07:00,
    """))
    assert list(scenario.people) == ["clerk", "grid_head", "night_clerk"]  # the roster's, not the plan's
    clerk = scenario.people["clerk"]
    assert (clerk.title, clerk.roles, _windows(clerk)) == ("Office clerk", ("office",), [(8 * HOUR, 18 * HOUR)])
    assert _windows(scenario.people["grid_head"]) == [(0, DAY)]
    assert scenario.people["night_clerk"].roles == ("office", "grid_worker:g1")
    assert _windows(scenario.people["night_clerk"]) == [(22 * HOUR, DAY + 7 * HOUR)]
    assert scenario.holders("office") == ("clerk", "night_clerk")


def test_a_chinese_roster_with_a_bom_keeps_its_names(tmp_path: Path) -> None:
    scenario = load(_write(tmp_path, """\
        \ufeffperson,roles,from,to,title
        王芳,office,0,1d 00:00,办公室主任
        李强,grid_worker:g1,0,1d 00:00,网格员
    """))
    assert scenario.people["王芳"].title == "办公室主任"
    assert scenario.holders("grid_worker") == ("李强",)


def test_the_roster_takes_the_office_away_at_night_so_the_night_incident_waits_for_the_day(tmp_path: Path) -> None:
    everyone = load(_write(tmp_path, None, name="plan.yaml"))
    rostered = load(_write(tmp_path, """\
        person,roles,from,to
        grid_head,grid_worker:g1,0,1d 00:00
        clerk,office,08:00,18:00
    """))

    def judged(scenario: object) -> list[tuple[int, str]]:
        rep = simulate(scenario, seed=1, replication=0)  # type: ignore[arg-type]
        times = sorted((i.milestones["occurred"], i.incident) for i in rep.incidents)
        by_incident = {i.incident: i.milestones["judged"] for i in rep.incidents}
        status = {v.incident: v.status for v in rep.verdicts}
        return [(by_incident[incident], status[incident]) for _, incident in times]

    assert judged(everyone) == [(2 * HOUR + 11 * MINUTE, "met"), (14 * HOUR + 11 * MINUTE, "met")]
    # 02:01 the report is in and nobody is in the office until 08:00: judged at 08:10, 6h10m after the incident.
    assert judged(rostered) == [(8 * HOUR + 10 * MINUTE, "missed"), (14 * HOUR + 11 * MINUTE, "met")]


def test_the_command_line_roster_replaces_the_scenarios_and_a_scenario_may_take_a_bases_away(tmp_path: Path) -> None:
    _write(tmp_path, "person,roles,from,to\nclerk,office,0,1h\ngrid_head,grid_worker:g1,0,1h\n")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "night.csv").write_text("person,roles,from,to\nowl,office;grid_worker:g1,22:00,1d 00:00\n",
                                     encoding="utf-8")
    assert list(load(tmp_path / "scenario.yaml").people) == ["clerk", "grid_head"]
    assert list(load(tmp_path / "scenario.yaml", roster=other / "night.csv").people) == ["owl"]
    (tmp_path / "no-roster.yaml").write_text("extends: scenario.yaml\nroster: null\n", encoding="utf-8")
    assert list(load(tmp_path / "no-roster.yaml").people) == ["grid_head", "clerk"]  # the plan's own


def test_a_roster_the_scenario_names_is_read_beside_it_and_one_it_cannot_read_is_blamed_on_its_key(
        tmp_path: Path) -> None:
    path = _write(tmp_path, None)
    path.write_text(PLAN + "roster: missing.csv\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value) == (f"{tmp_path}/scenario.yaml:{PLAN.count(chr(10)) + 1}: roster: the duty roster "
                                 f"{tmp_path}/missing.csv cannot be read: no such file")


def test_every_roster_problem_is_said_at_its_line_and_column_with_exit_status_2(tmp_path: Path) -> None:
    _write(tmp_path, "person,roles,from\nclerk,office,0\n", name="header.yaml", csv="header.csv")
    _write(tmp_path, """\
        person,roles,from,to
        clerk,office,0,1d 00:00
        ,office,0,1h
        grid_head,grid_worker:g1,soon,1h
        grid_head,grid_worker:g1,08:00,07:00
        clerk,office;grid_worker:g1,10:00,11:00
        night,,0,1h
    """, name="rows.yaml", csv="rows.csv")
    _write(tmp_path, "person,roles,from,to\nclerk,office,0,1h\nhead,ofice;grid_worker:g1,0,1h\n",
           name="unknown.yaml", csv="unknown.csv")
    _write(tmp_path, "person,roles,from,to\nclerk,office;grid_worker:g1,0,1h\nhead,grid_worker,0,1h\n",
           name="grid.yaml", csv="grid.csv")
    _write(tmp_path, "person,roles,from,to\n王芳,office,0,1h\n王芳,grid_worker:g1,1h,2h\n",
           name="chinese.yaml", csv="chinese.csv")
    result = drillsim("validate", "header.yaml", "rows.yaml", "unknown.yaml", "grid.yaml", "chinese.yaml",
                      cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    said = result.stderr.splitlines()
    assert said[0] == "header.csv:1: to: missing column; the header is person,roles,from,to (and optionally title)"
    assert said[1:7] == [
        "rows.csv:3: person: empty; write the person's id (a name, one line)",
        "rows.csv:4: from: 'soon' is not a time in the drill, e.g. \"02:10\" (day 0), \"2d 02:10\", or a duration "
        "such as 26h",
        "rows.csv:5: to: 'to' must come after 'from' (from 0d 08:00, to 0d 07:00)",
        "rows.csv:6: roles: 'clerk' holds office on line 2; expected the same roles on every row of a person",
        "rows.csv:7: roles: empty; write the roles the person holds, separated by ';' (e.g. leader;commander, "
        "grid_worker:grid_1)",
        "unknown.csv:3: roles: unknown actor 'ofice'; did you mean 'office'? (expected one of: grid_worker, office)",
    ]
    assert said[7] == "grid.csv:3: roles: 'grid_worker' is per grid; expected grid_worker:GRID (one of: g1)"
    assert said[8] == ("chinese.csv:3: roles: '王芳' holds office on line 2; expected the same roles on every row "
                       "of a person")
    assert len(said) == 9


def test_run_takes_a_roster_on_the_command_line(tmp_path: Path) -> None:
    _write(tmp_path, None)
    (tmp_path / "day.csv").write_text("person,roles,from,to\n李强,grid_worker:g1,0,1d 00:00\n王芳,office,08:00,18:00\n",
                                      encoding="utf-8")
    everyone = drillsim("run", "scenario.yaml", "--format", "json", cwd=tmp_path)
    day_only = drillsim("run", "scenario.yaml", "--roster", "day.csv", "--format", "json", cwd=tmp_path)
    assert (everyone.returncode, day_only.returncode) == (0, 0), everyone.stderr + day_only.stderr
    assert '"rate": 1.0' in everyone.stdout
    assert '"rate": 0.5' in day_only.stdout


def test_a_name_or_title_is_one_line_and_a_blank_row_still_counts_as_a_row(tmp_path: Path) -> None:
    path = _write(tmp_path, 'person,roles,from,to,title\n"cl\nerk",office,0,1h,\n\ngrid_head,grid_worker:g1,0,1h,'
                            '"head\tof grid"\n')
    with pytest.raises(ScenarioError) as caught:
        load(path)
    said = [str(problem) for problem in caught.value.problems]
    one_line = "expected one line of text without control characters (a description may have several lines)"
    assert said == [f"{tmp_path}/roster.csv:2: person: a line break is not allowed in a name, id or title; {one_line}",
                    f"{tmp_path}/roster.csv:4: title: a tab is not allowed in a name, id or title; {one_line}"]
