"""`drillsim n-1`: each person taken away in turn, on the same incidents, and the hit rates that fall.

The plan below: the office (one clerk) judges in 10m, then the leader (boss,
or spare, who holds the same role) decides in 10m and the archive (one
anonymous person) files in 10m. Two incidents twelve hours apart: with
everyone each is judged at T + 10m, decided and filed at T + 20m, every rule
met. Without the clerk nothing is ever judged, so no rule is met; without the
archive's one person nothing is filed; without boss, spare decides as soon.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import drillsim
from drillsim.experiment.n_minus_one import absences
from drillsim.model import simulate
from drillsim.model.pairing import differences
from drillsim.scenario import Scenario, load
from tests.helpers import ONE_LEVEL
from tests.helpers import drillsim as cli

PLAN = """\
name: Office, leader and archive
horizon: 1d
replications: 2
seed: 5
actors:
  office: {title: Office, kind: pool}
  leader: {title: Leader, kind: pool}
  archive: {title: Archive, kind: pool}
staffing:
  archive: {staff: 1}
people:
  clerk: {roles: [office]}
  boss: {roles: [leader]}
  spare: {roles: [leader]}
working_groups:
  information: {title: Information group, led_by: leader}
""" + ONE_LEVEL + """flow:
  - {id: judge, actor: office, after: [occurred], duration: judge, milestone: judged}
  - {id: decide, actor: leader, after: [judge], duration: decide, milestone: decided}
  - {id: file, actor: archive, after: [judge], duration: file, milestone: filed}
deadlines:
  judged_in_time: {title: judged within 20 minutes, limit: 20m, start: occurred, end: judged}
  decided_in_time: {title: decided within 30 minutes, limit: 30m, start: occurred, end: decided}
  filed_in_time: {title: filed within an hour, limit: 1h, start: occurred, end: filed}
durations:
  judge: 10m
  decide: 10m
  file: 10m
"""
INJECTS = """\
injects:
  - {at: "02:00", category: any, example: any, level: IV}
  - {at: "14:00", category: any, example: any, level: IV}
"""
STREAM = """\
sources:
  - {name: arrivals, rate_per_day: 12, categories: {any: 1}, levels: {IV: 1}}
"""


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN + INJECTS, encoding="utf-8")
    return path


def test_the_person_the_plan_cannot_do_without_comes_first_and_one_who_changes_nothing_is_not_listed(
        plan: Path) -> None:
    frame = drillsim.n_minus_one(load(plan), replications=2)
    rows = [(row.absent, row.kind, row.rule, row.everyone, row.without, row.change, row.significant)
            for row in frame.itertuples(index=False)]
    assert rows == [
        ("clerk", "person", "judged_in_time", 1.0, 0.0, -1.0, True),
        ("clerk", "person", "decided_in_time", 1.0, 0.0, -1.0, True),
        ("clerk", "person", "filed_in_time", 1.0, 0.0, -1.0, True),
        ("archive (one of 1)", "anonymous", "filed_in_time", 1.0, 0.0, -1.0, True),
    ]
    assert frame.attrs == {"seed": 5, "replications": 2, "absences": 4}


def test_each_absence_is_the_whole_drill_and_one_of_a_roles_anonymous_staff_at_every_time_of_day(
        tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("  archive: {staff: 1}", "  archive:\n    staff: 2\n    shifts:\n"
                                 "      - {from: \"08:00\", to: \"18:00\", staff: 3}\n"
                                 "      - {from: \"22:00\", to: \"07:00\", staff: 1}") + INJECTS, encoding="utf-8")
    tried = {absence.absent: absence for absence in absences(load(path))}
    assert list(tried) == ["clerk", "boss", "spare", "archive (one of 3)"]
    away = tried["clerk"].scenario.people["clerk"]
    assert [(w.start, w.end) for w in away.absences] == [(0, 86400)]
    assert tried["clerk"].scenario.people["boss"] == load(path).people["boss"]
    fewer = tried["archive (one of 3)"].scenario.staffing["archive"]
    assert (fewer.staff, [shift.staff for shift in fewer.shifts]) == (1, [2, 0])


def test_every_absence_runs_on_the_incidents_of_everyone(tmp_path: Path) -> None:
    path = tmp_path / "stream.yaml"
    path.write_text(PLAN + STREAM, encoding="utf-8")
    base = load(path)

    def incidents(scenario: Scenario) -> list[tuple[int, int]]:
        return [(i.incident, i.milestones["occurred"]) for i in simulate(scenario, seed=9, replication=1).incidents]

    assert len(incidents(base)) > 3
    for absence in absences(base):
        assert differences(base, absence.scenario) == []
        assert incidents(absence.scenario) == incidents(base)


def test_the_command_says_who_costs_most_and_gives_the_table_as_json(plan: Path) -> None:
    table = cli("n-1", str(plan), "-n", "2")
    as_json = cli("n-1", str(plan), "-n", "2", "--format", "json")
    assert (table.returncode, as_json.returncode) == (0, 0), table.stderr + as_json.stderr
    lines = table.stdout.splitlines()
    assert lines[2] == ("The plan can least do without clerk: without them, judged_in_time falls from 100.0% to "
                        "0.0% (-100.0%).")
    assert lines[5].split() == ["clerk", "judged_in_time", "100.0%", "0.0%", "-100.0%", "-100.0%", "to", "-100.0%",
                                "yes"]
    assert not any(line.startswith(("boss", "spare")) for line in lines)
    records = json.loads(as_json.stdout)
    assert [(r["absent"], r["rule"]) for r in records] == [
        ("clerk", "judged_in_time"), ("clerk", "decided_in_time"), ("clerk", "filed_in_time"),
        ("archive (one of 1)", "filed_in_time")]
    assert records[0] == {"absent": "clerk", "kind": "person", "rule": "judged_in_time", "everyone": 1.0,
                          "without": 0.0, "change": -1.0, "low": -1.0, "high": -1.0, "significant": True}


GRIDS = """\
name: Two grids
horizon: 1d
actors:
  grid_worker: {title: Grid worker, kind: per_grid}
  office: {title: Office, kind: pool}
staffing:
  grid_worker: {staff: 2, grids: {g1: {}, g2: {staff: 1}}}
people:
  li.qiang: {roles: [office]}
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
  - {at: "14:00", category: any, example: any, level: IV, grid: g2}
"""


def test_a_grid_loses_one_of_its_own_or_inherited_staff_and_a_dotted_name_is_still_made_absent(
        tmp_path: Path) -> None:
    path = tmp_path / "grids.yaml"
    path.write_text(GRIDS, encoding="utf-8")
    tried = {absence.absent: absence.scenario for absence in absences(load(path))}
    assert list(tried) == ["li.qiang", "grid_worker:g1 (one of 2)", "grid_worker:g2 (one of 1)"]
    assert [(w.start, w.end) for w in tried["li.qiang"].people["li.qiang"].absences] == [(0, 86400)]
    staff = {name: {grid: scenario.staffing["grid_worker"].for_grid(grid).staff for grid in ("g1", "g2")}
             for name, scenario in tried.items()}
    assert staff == {"li.qiang": {"g1": 2, "g2": 1}, "grid_worker:g1 (one of 2)": {"g1": 1, "g2": 1},
                     "grid_worker:g2 (one of 1)": {"g1": 2, "g2": 0}}


def test_when_no_absence_lowers_a_hit_rate_the_command_says_so(plan: Path) -> None:
    from drillsim.cli.n_minus_one import render
    scenario = load(plan)
    frame = drillsim.n_minus_one(scenario, replications=2,
                                 absent=[a for a in absences(scenario) if a.absent in ("boss", "spare")])
    assert frame.empty and frame.attrs["absences"] == 2
    assert render(frame, scenario.name, 0.01).splitlines()[2] == (
        "No single absence lowers a hit rate significantly or by more than 1 point.")
