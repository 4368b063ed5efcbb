"""People who hold several roles, teams and working groups: hand-computed cases, invariants, and the loader's errors.

Constants (tests/helpers.py): discover 2m, first report 1m, verify 5m, judge
4m, decide 3m, activate group 2m, command post set-up 10m and report 5m,
phone 3m, escalate 2m, written 30m, resolve 2h; the wired channel delivers
in 30s. PEOPLE below adds: a working group responds for 10m, a command post
runs for 3h, professional responders for 1h; the committee director is the
only deputy (hand-over 5m), and the social security group's members are the
plan's two health-station staff, so that the group and the reserve team
draw on nobody in common. An incident of level I at 01:00 (3600) in an idle
chain reaches the leadership group at 4410 (tests/test_chain_cases.py).
"""

from __future__ import annotations

import textwrap
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from drillsim.model import Replication, simulate
from drillsim.model.records import StepRecord
from drillsim.model.staffing import HolderSpec, holders_of
from drillsim.scenario import Scenario, load
from tests.helpers import SCENARIOS, case, drillsim, milestones, run, step

PEOPLE = """
    staffing:
      deputy: {staff: 0, handover: 5m}
    working_groups:
      social_security: {members: [health_station]}
    durations:
      group_response: 10m
      run_command_post: 3h
      external_response: 1h
"""

LEVEL_I = '  - {at: "01:00", category: social_security, example: group_fight, level: I, grid: grid_1}\n'


def _people_case(extra: str) -> Replication:
    return run(case(textwrap.dedent(PEOPLE) + textwrap.dedent(extra)))


def test_the_deputy_decides_while_the_secretary_commands_a_post() -> None:
    """A level-I incident A at 01:00 and a level-II incident B at 01:30 in another grid.

    A: the secretary decides 4410-4590 and activates the group 4590-4710; the
    post's set-up waits for them (2 minutes, less than the hand-over) and runs
    4710-5310, its report 5310-5610 reaches the street at 5640, and the post
    runs 3h from 5640 to 16440, the secretary at its head.
    B: discovered 5520, first report at the grid worker 5610, verified
    5610-5910 (+30s), judged by the second office worker (the first writes
    A's report to the province until 6420) 5940-6180, at the leadership group
    at 6210. The secretary is on site: after the 5-minute hand-over the
    director decides, 6510-6690.
    """
    rep = _people_case("injects:\n" + LEVEL_I +
                       '  - {at: "01:30", category: social_security, example: cult_gathering, level: II, '
                       'grid: grid_2}\n')
    post = step(rep, 1, "run_command_post")
    assert (post.started, post.finished, post.people, post.served_by) == \
        (5640, 16440, "party_secretary+committee_member", "commander")
    assert milestones(rep, 2)["leadership_received"] == 6210
    decide = step(rep, 2, "decide")
    assert (decide.actor, decide.served_by, decide.people) == ("leader", "deputy", "committee_director")
    assert (decide.queued, decide.started, decide.finished) == (6210, 6210 + 300, 6510 + 180)
    assert post.started <= decide.queued and decide.finished <= post.finished  # who was where: on site


def test_a_working_group_whose_leader_is_busy_is_led_by_its_deputy() -> None:
    """A level-I incident alone: the group is activated at 4740 (4710 + 30s), while the secretary sets up the
    command post (4710-5310). The leadership group's upward report of this major matter, asked for at the decision
    (4590), goes to the director after the 5-minute hand-over: 4890-5070 (3m). The group's hand-over ends at 5040,
    so the director leads the group from 5070, with the two health-station staff (level I asks for three members;
    the role never has more than two), for 10m."""
    rep = _people_case("injects:\n" + LEVEL_I)
    set_up = step(rep, 1, "set_up_command_post")
    assert (set_up.started, set_up.finished, set_up.people) == (4710, 5310, "party_secretary+committee_member")
    group = step(rep, 1, "group_response")
    assert (group.actor, group.unit, group.served_by) == ("working_group", "social_security", "deputy")
    upward = step(rep, 1, "leadership_upward")
    assert (upward.queued, upward.started, upward.finished, upward.served_by) == (4590, 4890, 5070, "deputy")
    assert (group.queued, group.started, group.finished, group.delivered) == (4740, 5070, 5070 + 600, 5700)
    assert group.people == "committee_director+health_station*2"
    assert milestones(rep, 1)["group_reported"] == 5700


def test_a_grid_worker_on_the_reserve_team_cannot_verify_in_their_grid() -> None:
    """Wang is grid 1's only worker and the reserve team's only member. Incident A (level IV, grid 1, 01:00):
    Wang verifies 3810-4110; the group is activated at 4740 and the reserve team takes Wang for 2h, to 11940.
    Incident B (level IV, grid 1, 01:30): its first report reaches grid 1 at 5610, and its verification waits
    for Wang until 11940, then 5m: at the office at 12270."""
    rep = _people_case("""
        actors:
          reserve_team: {members: [grid_worker]}
        staffing:
          grid_worker:
            grids:
              grid_1: {staff: 0}
        people:
          wang: {title: grid worker of grid 1, roles: ["grid_worker:grid_1"]}
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: IV, grid: grid_1}
          - {at: "01:30", category: social_security, example: cult_gathering, level: IV, grid: grid_1}
    """)
    resolve = step(rep, 1, "resolve")
    assert (resolve.queued, resolve.started, resolve.finished, resolve.people) == (4740, 4740, 11940, "wang")
    verify = step(rep, 2, "verify")
    assert (verify.unit, verify.queued, verify.started, verify.finished, verify.people) == \
        ("grid_1", 5610, 11940, 12240, "wang")
    assert milestones(rep, 2)["office_received"] == 12270


def test_a_gas_leak_is_closed_by_the_professional_responders() -> None:
    """A gas leak (accidents and disasters: fire 119, medical 120) at 01:00: the responders are called at the
    first report (3810) and close it 1h later, at 7410; the reserve team is never called (it would have closed
    it at 4740 + 2h = 11940)."""
    rep = _people_case("""
        injects:
          - {at: "01:00", category: accidents_disasters, example: gas_leak, level: III, grid: grid_1}
    """)
    responders = step(rep, 1, "external_response")
    assert (responders.actor, responders.queued, responders.started, responders.finished) == \
        ("professional_responders", 3810, 3810, 7410)
    record = rep.incidents[0]
    assert record.closed == 7410 and record.milestones["closed_by_responders"] == 7410
    assert "closed" not in record.milestones
    assert not [s for s in rep.steps if s.step == "resolve" or s.actor == "reserve_team"]
    assert milestones(rep, 1)["group_activated"] == 4740  # the community's own group still responds


# --- invariants over every bundled scenario ------------------------------------------------

REPLICATIONS = 2
STEMS = [path.stem for path in SCENARIOS]


@cache
def _bundled(stem: str) -> Scenario:
    return load(next(path for path in SCENARIOS if path.stem == stem))


def _tasks(rep: Replication, horizon: int) -> dict[str, list[tuple[int, int, int, StepRecord]]]:
    """(started, end, how many, record) of every task that names its people, per holder as `people` names them."""
    out: dict[str, list[tuple[int, int, int, StepRecord]]] = {}
    for record in rep.steps:
        if not record.people or record.started is None:
            continue
        end = record.finished if record.finished is not None else horizon
        for token in record.people.split("+"):
            name, _, count = token.partition("*")
            out.setdefault(name, []).append((record.started, end, int(count or 1), record))
    return out


def _holder_name(holder: HolderSpec) -> str:
    actor, unit = holder.roles[0]
    return holder.name or (f"{actor}:{unit}" if unit else actor)


def _at(schedule: tuple[tuple[int, int], ...], time: int) -> int:
    return next((count for start, count in reversed(schedule) if start <= time), 0)


def _on_duty_seconds(schedule: tuple[tuple[int, int], ...], horizon: int) -> int:
    ends = [time for time, _ in schedule[1:]] + [horizon]
    return sum((end - start) * count for (start, count), end in zip(schedule, ends, strict=True))


@pytest.mark.parametrize("replication", range(REPLICATIONS))
@pytest.mark.parametrize("stem", STEMS)
def test_nobody_does_two_things_at_once(stem: str, replication: int) -> None:
    """From the step records' people: a named person's tasks never overlap, and start only while they are on
    duty; a role's anonymous staff are, whenever a task takes some, no more at work than are on duty (a shift
    change never interrupts a task in hand, so only the moment of taking is bounded) and never more than the
    role ever has; and each holder's busy time is at most their on-duty time (utilisation at most 1)."""
    scenario = _bundled(stem)
    horizon = scenario.horizon
    rep = simulate(scenario, scenario.seed, replication)
    holders = {_holder_name(holder): holder for holder in holders_of(scenario)}
    tasks = _tasks(rep, horizon)
    assert tasks, "the bundled scenarios run on the plan's people and teams"
    assert set(tasks) <= set(holders)
    for name, held in tasks.items():
        schedule = holders[name].schedule
        peak = max(count for _, count in schedule)
        held.sort(key=lambda task: task[:2])
        for started, _, count, record in held:
            at_work = sum(n for s, e, n, _ in held if s <= started < e)
            assert at_work <= _at(schedule, started), (name, record)
            assert count <= peak
        if holders[name].name:
            for (_, end, _, first), (started, _, _, second) in pairwise(held):
                assert end <= started, (name, first, second)
        busy = sum((end - started) * count for started, end, count, _ in held)
        assert busy <= _on_duty_seconds(schedule, horizon), name
        assert all(record.paused == 0 for *_, record in held)  # a person who shares roles is never paused


# --- the loader's errors about people -------------------------------------------------------

HEAD = "name: bad people\nplan: builtin\n"


@pytest.mark.parametrize(("body", "expected"), [
    ("people:\n  zhang:\n    roles: [leadr]\n",
     "b.yaml:5: people.zhang.roles[0]: unknown actor 'leadr'; did you mean 'leader'?"),
    ("people:\n  li:\n    roles: [grid_worker]\n",
     "b.yaml:5: people.li.roles[0]: 'grid_worker' is per grid; expected grid_worker:GRID (one of: grid_1, grid_2, "
     "grid_3)"),
    ("staffing:\n  office: {policy: level}\npeople:\n  chen:\n    roles: [office, deputy]\n",
     "b.yaml:4: staffing.office.policy: 'office' shares people with other roles ('chen' holds them: office: level, "
     "deputy: fcfs), and roles that share people take their tasks from one queue; expected the same policy for "
     "each, or the scenario's `policy` for all"),
    ("staffing:\n  office: {preempt: yes}\npeople:\n  chen:\n    roles: [office, deputy]\n",
     "b.yaml:4: staffing.office.preempt: 'office' cannot preempt: 'chen' holds them, and a task of people who "
     "share roles is not paused; expected preempt only for a role held by its own staff alone"),
    ("staffing:\n  volunteer: {preempt: yes}\n",
     "b.yaml:4: staffing.volunteer"),
    ("staffing:\n  property_security: {policy: level}\n",
     "b.yaml:4: staffing.property_security"),
    ("people:\n  office:\n    roles: [volunteer]\n",
     "b.yaml:4: people.office: 'office' cannot name a person: a step's people name each person and each role's "
     "anonymous staff (`grid_worker:grid_1`), joined with '+' (and '*' for how many); expected an id that is not "
     "an actor and has none of ':', '+', '*'"),
    ("people:\n  \"grid_worker:grid_1\":\n    roles: [volunteer]\n",
     "b.yaml:4: people.grid_worker:grid_1: 'grid_worker:grid_1' cannot name a person"),
], ids=["unknown-role", "per-grid-without-grid", "two-policies", "preempt-shared-by-a-person",
        "preempt-drawn-by-a-team", "policy-drawn-by-teams", "person-named-like-an-actor",
        "person-named-like-a-role"])
def test_a_problem_with_people_is_reported_at_its_line(tmp_path: Path, body: str, expected: str) -> None:
    """Each at the line the user wrote, exit status 2. Preempting the volunteers is refused because the reserve
    team draws on them, and a policy for property security because the reserve team and every working group
    do: the user wrote that line in their file, so that is where the message must point, not at the plan's
    teams."""
    path = tmp_path / "b.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    result = drillsim("validate", "b.yaml", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines() + result.stdout.splitlines()
    assert any(line.startswith(expected) for line in lines), result.stderr
