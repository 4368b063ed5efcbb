"""Who is on duty when, and who shares people with whom: the organisation, from the scenario alone.

A role (a pool actor, or a per-grid actor in one grid) is held by anonymous
staff (the scenario's `staffing` count) and by the named people of `people`
who hold it. A person is one resource whichever role a task comes from, and
a team's task takes its parts at once, so the roles that share a person, or
that one team's task draws from, are served together by one desk
(drillsim.model.desk); a role nobody shares, held by anonymous staff only,
is a plain crew.

Staffing draws nothing, so it is the same in every replication: it is
computed here when asked for, not recorded by each replication nor sent back
from workers. The chain builds its crews and desks from the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drillsim.model.records import StaffingRecord
from drillsim.scenario.memo import per_scenario
from drillsim.scenario.schema import Scenario, Staffing

Schedule = tuple[tuple[int, int], ...]
"""((time, on duty), ...) at each change of the count, from time 0 on."""

Role = tuple[str, str]
"""(actor, unit): a pool actor's role (unit ""), or a per-grid actor's role in one grid."""


@dataclass(frozen=True, slots=True)
class HolderSpec:
    """A named person, or one role's anonymous staff: who may be given to a task of each of its roles."""

    name: str
    """The person's id; empty for anonymous staff."""
    roles: tuple[Role, ...]
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class TeamSpec:
    """What a team's task asks for: one person of the leader's role (or, after the hand-over, of the stand-in's)
    and some of the people of the member roles."""

    name: str
    leader: Role | None
    stand_in: tuple[Role, int] | None
    """The stand-in's role and the hand-over delay before they step in."""
    members: tuple[Role, ...]


@dataclass(frozen=True, slots=True)
class DeskSpec:
    """Roles served together, and their holders in the order they are asked (anonymous staff first, then the
    people with the fewest other roles, then in the scenario's order), per role."""

    roles: tuple[Role, ...]
    holders: tuple[HolderSpec, ...]
    policy: str
    preemptive: bool
    plain: bool
    """One role held by anonymous staff only, and no team draws on it: a crew."""


def roles_of(scenario: Scenario) -> list[Role]:
    """Every role, in the scenario's actor order and, per grid, the grid order."""
    out: list[Role] = []
    for actor_id, actor in scenario.actors.items():
        if actor.kind == "pool":
            out.append((actor_id, ""))
        elif actor.kind == "per_grid":
            staffing = scenario.staffing.get(actor_id)
            out.extend((actor_id, grid) for grid in (staffing.grids if staffing is not None else ()))
    return out


def holders_of(scenario: Scenario) -> list[HolderSpec]:
    """The anonymous staff of each role that has any, then every named person."""
    horizon = scenario.horizon
    out: list[HolderSpec] = []
    for actor, unit in roles_of(scenario):
        staffing = _anonymous(scenario, actor, unit)
        if staffing is not None:
            schedule = staffing.schedule(horizon)
            if any(count for _, count in schedule) or not _held(scenario, actor, unit):
                out.append(HolderSpec("", ((actor, unit),), schedule))
    for person_id, person in scenario.people.items():
        roles = tuple((role.partition(":")[0], role.partition(":")[2]) for role in person.roles)
        out.append(HolderSpec(person_id, roles, person.schedule(horizon)))
    return out


def _held(scenario: Scenario, actor: str, unit: str) -> bool:
    """Whether a person holds the role (a grid's `staff: 0` beside its people names the grid and adds nobody)."""
    role = f"{actor}:{unit}" if unit else actor
    return any(role in scenario.people[person].roles for person in scenario.holders(actor))


def _anonymous(scenario: Scenario, actor: str, unit: str) -> Staffing | None:
    """The anonymous staff of a role: the scenario's count, or one person when neither a count nor a person is given
    (as the plan's staffing has always defaulted). When people hold the role, only a `staff` written out counts
    (`deputy: {handover: 5m}` sets the hand-over of the people who hold it)."""
    staffing = scenario.staffing.get(actor)
    if unit:
        return staffing.for_grid(unit) if staffing is not None and unit in staffing.grids else None
    if not scenario.holders(actor):
        return staffing if staffing is not None else Staffing()
    return staffing if staffing is not None and "staff" in staffing.model_fields_set else None


def teams_of(scenario: Scenario) -> dict[tuple[str, str], TeamSpec]:
    """Each team actor's parts (key (actor, "")) and each working group's (key ("working_group actor", group))."""
    roles = roles_of(scenario)

    def expand(actors: Iterable[str]) -> tuple[Role, ...]:
        """The roles of these actors in the order listed (a per-grid actor's in every grid)."""
        return tuple(role for actor in actors for role in roles if role[0] == actor)

    def stand_in(leader: str | None, deputy: str | None = None) -> tuple[Role, int] | None:
        other = deputy if deputy is not None else (scenario.actors[leader].stand_in if leader is not None else None)
        return ((other, ""), scenario.staffing_of(other).handover) if other is not None else None

    out: dict[tuple[str, str], TeamSpec] = {}
    for actor_id, actor in scenario.actors.items():
        if actor.kind == "team":
            out[(actor_id, "")] = TeamSpec(actor_id, (actor.leader, "") if actor.leader else None,
                                           stand_in(actor.leader), expand(actor.members))
        elif actor.kind == "working_group":
            for group_id, group in scenario.working_groups.items():
                out[(actor_id, group_id)] = TeamSpec(group_id, (group.led_by, ""), stand_in(group.led_by, group.deputy),
                                                     expand(group.members))
    return out


def team_roles(team: TeamSpec) -> list[Role]:
    """Every role a team's task may draw on: its leader's, the stand-in's, its members'."""
    return [*([team.leader] if team.leader else []), *([team.stand_in[0]] if team.stand_in else []), *team.members]


@per_scenario
def desks_of(scenario: Scenario) -> tuple[DeskSpec, ...]:
    """The roles served together (sharing a person, or drawn on by one team's task), in the order of their first
    role; a plain crew is a desk of one role and its anonymous staff (every replication of a run asks again)."""
    roles = roles_of(scenario)
    parent: dict[Role, Role] = {role: role for role in roles}

    def find(role: Role) -> Role:
        while parent[role] != role:
            parent[role] = parent[parent[role]]
            role = parent[role]
        return role

    def join(group: Iterable[Role]) -> None:
        group = [role for role in group if role in parent]
        for role in group[1:]:
            parent[find(role)] = find(group[0])

    holders = holders_of(scenario)
    for holder in holders:
        join(holder.roles)
    drawn: set[Role] = set()
    for team in teams_of(scenario).values():
        drawn_on = team_roles(team)
        drawn.update(drawn_on)
        join(drawn_on)
    out: list[DeskSpec] = []
    for root in dict.fromkeys(find(role) for role in roles):
        members = tuple(role for role in roles if find(role) == root)
        own = sorted((h for h in holders if not set(h.roles).isdisjoint(members)),
                     key=lambda h: (bool(h.name), len(h.roles), holders.index(h)))
        policies = {scenario.policy_of(actor) for actor, _ in members}
        out.append(DeskSpec(members, tuple(own), min(policies),
                            any(scenario.staffing_of(actor).preempt for actor, _ in members),
                            len(members) == 1 and len(own) == 1 and not own[0].name and members[0] not in drawn))
    return tuple(out)


def _sum(schedules: list[Schedule]) -> Schedule:
    """The on-duty count of several holders together, at each change of it."""
    points = sorted({time for schedule in schedules for time, _ in schedule} | {0})
    out: list[tuple[int, int]] = []
    for time in points:
        count = sum(count_at(schedule, time) for schedule in schedules)
        if not out or out[-1][1] != count:
            out.append((time, count))
    return tuple(out)


def count_at(schedule: Schedule, time: int) -> int:
    """How many are on duty at `time` by a schedule ((time, count) at each change)."""
    count = 0
    for start, value in schedule:
        if start > time:
            break
        count = value
    return count


def crew_schedules(scenario: Scenario) -> list[tuple[str, str, Schedule]]:
    """(actor, unit, schedule) of every role: how many of its holders are on duty (a person who holds several roles
    counts in each), in the scenario's actor order and, per grid, the grid order.

    Unlimited actors, superiors and teams are nobody's role and are not listed.
    """
    holders = holders_of(scenario)
    return [(actor, unit, _sum([h.schedule for h in holders if (actor, unit) in h.roles]))
            for actor, unit in roles_of(scenario)]


def person_schedules(scenario: Scenario) -> list[tuple[str, Schedule]]:
    """(person, schedule) of every named person, in the scenario's order."""
    return [(person_id, person.schedule(scenario.horizon)) for person_id, person in scenario.people.items()]


def staffing_records(scenario: Scenario, replications: Iterable[int]) -> list[StaffingRecord]:
    """Every role's on-duty count from each change on, as rows of each of these replications.

    The schedules are computed once: every replication has the same.
    """
    schedules = crew_schedules(scenario)
    return [StaffingRecord(replication=replication, actor=actor, unit=unit, time=time, on_duty=count)
            for replication in replications for actor, unit, schedule in schedules for time, count in schedule]


__all__ = ["DeskSpec", "HolderSpec", "Role", "Schedule", "TeamSpec", "count_at", "crew_schedules", "desks_of",
           "holders_of", "person_schedules", "roles_of", "staffing_records", "team_roles", "teams_of"]
