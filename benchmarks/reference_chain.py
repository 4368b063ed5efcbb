"""The chain of benchmarks/chain.yaml as the smallest hand-written SimPy model: the practical limit.

The flow of the built-in plan is written out by hand here: one generator per
incident walks discover -> first report -> verify -> judge -> decide ->
activate the working group -> the group's response, and branches into
processes for what the plan runs side by side (the professional responders,
the province, the escalation, the command post, the leadership group's upward
report, publishing information, each continuation report and, for a major
class, its reports to the province and the superiors, the reserve team, the
final report once the incident is closed). Staffing, delays and tables come
from the scenario, the incidents and every drawn number from
``drillsim.model.incidents_of``, so the two models see the same incidents and
must reach the same milestones at the same seconds. Nothing else of
drillsim's model is used.

A report carries core elements (Art. 8.4), each known once its step's work is
done plus the incident's drawn delay. Sent before one it must carry is known,
the first receiver gets it after the transmission, its transit and the
follow-up call, and is answered once it is known; a sender who waits (the
practice ``wait``) holds it until then. Either way it then goes to every
receiver in turn, each transmission with the report's own transit, and one
incomplete by a human error costs each receiver a follow-up and a second
transmission.

The office and the department heads are ``simpy.Resource``s (a
``PriorityResource`` under a policy). Every other role shares people with
another or is drawn on by a team: the party secretary holds the leader's and
the commander's roles, the working groups, the command post and the reserve
team take a leader and members from the same police, security staff,
volunteers and grid workers. SimPy has no resource for that, so ``People``
below is one: each holder (a named person, or one role's anonymous staff) has
a count of free people, a task asks for parts (one leader, three members of
these roles...) and gets all of them at once or waits. Its grant rules are
drillsim's (src/drillsim/model/desk.py), or the milestones would differ:
waiting tasks in order (arrival, or the policy's priority, then arrival); a
task that must wait holds back the later tasks asking for a part it cannot
fill, and only those; holders asked in the order the plan lists their roles,
anonymous staff before named people. A busy leader's stand-in steps in after
the hand-over delay; for a role nobody holds, at once.

The model covers what the benchmark scenario uses: constant staffing, no
channel failures, no misjudged levels (the level in force never changes), no
preemption, one policy for all the roles that share people, core elements
known after steps (not after a milestone). It refuses any
other scenario rather than silently differ from drillsim.

Run on its own: ``python benchmarks/reference_chain.py`` compares it with
drillsim on every replication of the benchmark scenario;
``tests/test_reference_chain.py`` loads this file and does the same on a
shorter horizon, so the suite fails the day the two disagree.
"""

from __future__ import annotations

import bisect
import math
import sys
import time
from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import Any

import simpy

from drillsim.model import Incident, incidents_of, simulate
from drillsim.scenario import Scenario, load

SCENARIO = Path(__file__).with_name("chain.yaml")
Milestones = dict[int, dict[str, int]]
ProcessGen = Generator[simpy.Event, Any, Any]
ONCE = -1
FLOW = ["discover", "first_report", "verify", "judge", "decide", "activate_group", "group_response",
        "set_up_command_post", "command_post_report", "run_command_post", "phone_province", "escalate",
        "written_province", "continuation", "continuation_province", "continuation_superiors", "leadership_upward",
        "publish_information", "resolve", "external_response", "final_report"]
PLAIN = ("department_head", "office")
"""The roles nobody else's task draws on: a SimPy resource each."""

#: The milestones each step that waits for people reaches, itself or through the steps after it: the deadlines
#: whose end they are are the ones the earliest-deadline-first policy hurries that step for.
DOWNSTREAM = {
    "verify": {"office_received", "leadership_received", "command_post_report_received", "province_phone_received",
               "escalated", "province_written_received", "continuation_received", "continuation_province_received"},
    "judge": {"leadership_received", "command_post_report_received", "province_phone_received", "escalated",
              "province_written_received", "continuation_received", "continuation_province_received"},
    "decide": {"command_post_report_received", "leadership_upward_received"},
    "set_up_command_post": {"command_post_report_received"},
    "command_post_report": {"command_post_report_received"},
    "phone_province": {"province_phone_received"},
    "escalate": {"escalated"},
    "written_province": {"province_written_received"},
    "continuation": {"continuation_received", "continuation_province_received", "continuation_superiors_received"},
    "continuation_province": {"continuation_province_received"},
    "continuation_superiors": {"continuation_superiors_received"},
    "leadership_upward": {"leadership_upward_received"},
    "final_report": {"final_report_received"},
}
PER_CHANGE = {"change", "continuation_received", "continuation_province_received", "continuation_superiors_received"}
"""The milestones reached once per change: a rule whose clock starts at one is checked per change."""


def supported(scenario: Scenario) -> list[str]:
    """Why the reference cannot reproduce this scenario (empty when it can)."""
    why = []
    if scenario.probabilities.misjudged_level:
        why.append("misjudged levels change the level in force")
    for actor, staffing in scenario.staffing.items():
        units = [staffing, *staffing.grids.values()]
        if any(s.shifts or s.absences for s in units):
            why.append(f"{actor} has shifts or absences")
        if any(s.preempt for s in units):
            why.append(f"{actor} preempts")
    for person_id, person in scenario.people.items():
        if person.shifts or person.duty or person.absences:
            why.append(f"{person_id} is not always on duty")
        if any(role.partition(":")[0] in PLAIN for role in person.roles):
            why.append(f"{person_id} holds a role of {', '.join(PLAIN)}")
    if len({scenario.policy_of(actor) for actor in _roles(scenario) if actor not in PLAIN}) > 1:
        why.append("roles that share people have different policies")
    if any(medium.failures for medium in scenario.channels.media.values()):
        why.append("a channel fails")
    if scenario.injects:
        why.append("scripted injects")
    if [step.id for step in scenario.flow] != FLOW:
        why.append("the flow is not the built-in plan's")
    for name, element in scenario.core_elements.items():
        if element.after != "occurred" and element.after not in FLOW:
            why.append(f"the element {name} is known after a milestone")
    return why


def _roles(scenario: Scenario) -> list[str]:
    return [actor for actor, a in scenario.actors.items() if a.kind in ("pool", "per_grid")]


# --- people who hold several roles ----------------------------------------------------


class Part:
    """Who may fill one part of a task (holder numbers, asked in order) and how many they are at most."""

    __slots__ = ("holders", "peak")

    def __init__(self, holders: list[int], counts: list[int]) -> None:
        self.holders = holders
        self.peak = sum(counts[h] for h in holders)

    def capped(self, units: int) -> int:
        return max(1, min(units, self.peak)) if self.peak else units


Parts = tuple[tuple[Part, int], ...]
Grant = list[tuple[int, int]]


class Request(simpy.Event):
    """A task's parts; triggered when all are granted (`grant`: which holders, how many of each)."""

    __slots__ = ("grant", "key", "parts", "people")

    def __init__(self, people: People, parts: Parts, key: tuple[float, int]) -> None:
        simpy.Event.__init__(self, people.env)
        self.people = people
        self.parts = parts
        self.key = key
        self.grant: Grant = []

    def withdraw(self) -> None:
        if self.triggered:
            self.people.release(self.grant)
        else:
            self.people.waiting.remove(self)
            self.people.serve()


class People:
    """The holders of the roles that share people: free counts, and the tasks waiting for them, best first."""

    def __init__(self, env: simpy.Environment, counts: list[int], policy: str) -> None:
        self.env = env
        self.free = list(counts)
        self.waiting: list[Request] = []
        self.policy = policy
        self.ordered = policy != "fcfs"
        self.arrivals = 0

    def take(self, parts: Parts) -> Grant | None:
        """The parts at once, if free and no waiting task holds any of them back; None: request and wait."""
        if self.waiting and not self._held_back().isdisjoint(part for part, _ in parts):
            return None
        grant, missing = self._fill(parts)
        return None if missing else grant

    def _give_back(self, grant: Grant) -> None:
        for holder, count in grant:
            self.free[holder] += count

    def request(self, parts: Parts, priority: float = 0.0) -> Request:
        self.arrivals += 1
        request = Request(self, parts, (priority, self.arrivals))
        bisect.insort(self.waiting, request, key=_key)
        self.serve()
        return request

    def release(self, grant: Grant) -> None:
        free = self.free
        for holder, count in grant:
            free[holder] += count
        if self.waiting:
            self.serve()

    def serve(self) -> None:
        """Grant waiting tasks in order. One that must wait holds back the later ones asking for a part it cannot
        fill (a team of six is not starved by one-person tasks), and only those: its stand-in's request, which
        shares the members' part, may still be granted."""
        held: set[Part] = set()
        waiting = self.waiting
        i = 0
        while i < len(waiting):
            request = waiting[i]
            if not held.isdisjoint(part for part, _ in request.parts):
                i += 1
                continue
            grant, missing = self._fill(request.parts)
            if missing:
                held.update(missing)
                i += 1
                continue
            del waiting[i]
            request.grant = grant
            request.succeed()

    def _held_back(self) -> set[Part]:
        held: set[Part] = set()
        for request in self.waiting:
            if held.isdisjoint(part for part, _ in request.parts):
                grant, missing = self._fill(request.parts)
                self._give_back(grant)  # nothing: a request that could be filled would not be waiting
                held.update(missing)
        return held

    def _fill(self, parts: Parts) -> tuple[Grant, list[Part]]:
        """Take the people of every part (a person fills one part of a task), or, when a part cannot be filled,
        nobody and the parts that cannot."""
        free = self.free
        grant: Grant = []
        missing: list[Part] = []
        for part, units in parts:
            for holder in part.holders:
                if free[holder] > 0:
                    count = min(free[holder], units)
                    free[holder] -= count
                    grant.append((holder, count))
                    units -= count
                    if not units:
                        break
            if units:
                missing.append(part)
        if missing:
            self._give_back(grant)
            return [], missing
        return grant, missing


def _key(request: Request) -> tuple[float, int]:
    return request.key


class Team:
    """A team's parts: its leader's (or, after the hand-over, the stand-in's) and its members'."""

    __slots__ = ("handover", "leader", "members", "stand_in")

    def __init__(self, leader: Part | None, stand_in: Part | None, handover: int, members: Part | None) -> None:
        self.leader = leader
        self.stand_in = stand_in
        self.handover = handover
        self.members = members

    def parts(self, units: int, leader: Part | None) -> Parts:
        return (*(((leader, 1),) if leader is not None else ()),
                *(((self.members, self.members.capped(units)),) if self.members is not None else ()))


# --- the chain ---------------------------------------------------------------------------


class ReferenceChain:
    """The actors of one replication, and the flow as plain generators."""

    def __init__(self, env: simpy.Environment, scenario: Scenario) -> None:
        problems = supported(scenario)
        if problems:
            raise ValueError("the reference chain cannot run this scenario: " + "; ".join(problems))
        self.env = env
        self.scenario = scenario
        self.plain = {actor: _resource(env, scenario, actor) for actor in PLAIN}
        self.plain_parts = {actor: ((Part([0], [scenario.staffing_of(actor).staff]), 1),) for actor in PLAIN}
        self._organise(scenario)
        self.channel_delay = scenario.channels.media[scenario.channels.order[0]].delay
        self.escalation = {level: len(targets) for level, targets in scenario.escalation.levels.items()}
        self.command_post_levels = set(scenario.command_post.levels)
        self.major_levels = {name: set(c.major_class.levels) if c.major_class else set()
                             for name, c in scenario.categories.items()}
        self.external = {name for name, c in scenario.categories.items() if c.external}
        self.group_of = {name: c.working_group for name, c in scenario.categories.items()}
        self.level_rank = {level: rank for rank, level in enumerate(scenario.levels)}
        self.step_rank = {step: rank for rank, step in enumerate(FLOW)}
        self.units = {step.id: dict(step.units) for step in scenario.flow}
        self.units_by_category = {step.id: {category: {**step.units, **own}
                                            for category, own in step.units_by_category.items()}
                                  for step in scenario.flow}
        ends = {rule.end for rule in scenario.deadlines.values()}
        self.clocks = {step: [rule for rule in scenario.deadlines.values() if rule.end in reached]
                       for step, reached in DOWNSTREAM.items() if ends & reached}
        names = list(scenario.core_elements)
        self.at_occurrence = [i for i, e in enumerate(scenario.core_elements.values()) if e.after == "occurred"]
        self.teaches = {step: [i for i, e in enumerate(scenario.core_elements.values()) if e.after == step]
                        for step in FLOW}
        self.teaches = {step: elements for step, elements in self.teaches.items() if elements}
        self.requires = {step.id: list(range(len(names))) if step.report.carries == "all" else
                         sorted(names.index(name) for name in step.report.carries)
                         for step in scenario.flow if step.report is not None and step.report.carries != "known"}
        self.waits = {actor: scenario.practice_of(actor) == "wait" for actor in scenario.actors}
        self.milestones: Milestones = {}

    def _organise(self, scenario: Scenario) -> None:
        """Every holder of the shared roles, a part per role, and each team's parts."""
        grid_staffing = scenario.staffing.get("grid_worker")
        grids = list(dict.fromkeys([*(grid_staffing.grids if grid_staffing is not None else ()),
                                    *scenario.grids]))
        roles: list[str] = []
        for actor in _roles(scenario):
            if actor not in PLAIN:
                roles += [f"{actor}:{grid}" for grid in grids] if scenario.actors[actor].kind == "per_grid" else [actor]
        counts: list[int] = []
        held: dict[str, list[tuple[tuple[bool, int, int], int]]] = {role: [] for role in roles}
        for role in roles:
            staff = _anonymous(scenario, role)
            if staff is not None:
                held[role].append(((False, 1, len(counts)), len(counts)))
                counts.append(staff)
        for person in scenario.people.values():
            for role in person.roles:
                held[role].append(((True, len(person.roles), len(counts)), len(counts)))
            counts.append(1)
        self.people = People(self.env, counts, scenario.policy_of(roles[0]) if roles else "fcfs")
        order = {role: [h for _, h in sorted(holders)] for role, holders in held.items()}

        def part(*of: str) -> Part:
            return Part(list(dict.fromkeys(h for role in of for h in order[role])), counts)

        self.seats = {role: part(role) for role in roles}
        self.stand_ins = {role: (stand_in, scenario.staffing_of(stand_in).handover) for role in roles
                          if (stand_in := scenario.actors[role.partition(":")[0]].stand_in) is not None}

        def expand(actors: tuple[str, ...]) -> list[str]:
            return [role for actor in actors for role in roles if role.partition(":")[0] == actor]

        def team(leader: str | None, deputy: str | None, members: tuple[str, ...]) -> Team:
            return Team(part(leader) if leader else None, part(deputy) if leader and deputy else None,
                        scenario.staffing_of(deputy).handover if deputy else 0,
                        part(*expand(members)) if members else None)

        post, reserve = scenario.actors["command_post"], scenario.actors["reserve_team"]
        self.command_post = team(post.leader, scenario.actors[post.leader].stand_in if post.leader else None,
                                 post.members)
        self.reserve_team = team(reserve.leader, scenario.actors[reserve.leader].stand_in if reserve.leader else None,
                                 reserve.members)
        self.groups = {name: team(g.led_by, g.deputy if g.deputy is not None else scenario.actors[g.led_by].stand_in,
                                  g.members) for name, g in scenario.working_groups.items()}

    def feed(self, incidents: list[Incident]) -> ProcessGen:
        """Let each incident occur at its time; its changes arrive on their own clocks."""
        env = self.env
        for incident in incidents:
            if incident.occurred > env.now:
                yield env.timeout(incident.occurred - env.now)
            reached = self.milestones[incident.id] = {"occurred": incident.occurred}
            s = _State(incident, reached, len(self.scenario.core_elements))
            self.learn(s, self.at_occurrence)
            env.process(self.incident(s))
            for k, change in enumerate(incident.changes):
                env.timeout(change.time - env.now).callbacks.append(partial(self.change, s, k, change.time))

    # --- the main line of the flow --------------------------------------------------

    def incident(self, s: _State) -> ProcessGen:
        env, incident, reached = self.env, s.incident, s.reached
        work = incident.work
        if work[("discover", ONCE)]:
            yield env.timeout(work[("discover", ONCE)])
        reached["discovered"] = int(env.now)
        self.learn(s, self.teaches.get("discover", []))

        yield from self.work(s, ("first_report", ONCE))
        fate = incident.reports[("first_report", ONCE)]
        yield from self.send(s, ("first_report", ONCE), "discoverer", 1)
        reached["first_report_received"] = int(env.now)
        if incident.category in self.external:
            env.process(self.responders(s))

        if fate.alternative:
            yield from self.office_task(s, "department_head", ("verify", ONCE), 1)
        else:
            yield from self.seat_task(s, f"grid_worker:{incident.grid}", ("verify", ONCE))
            yield from self.send(s, ("verify", ONCE), "grid_worker", 1)
        reached["office_received"] = int(env.now)

        yield from self.office_task(s, "office", ("judge", ONCE), 1)
        reached["leadership_received"] = int(env.now)

        # After the judgement the plan runs five things side by side (the written report may start with the phone
        # call, Art. 8.3(2)); drillsim starts them in the flow's order (decide, phone, escalate, written report,
        # continuations), so the same order is kept.
        level, category = incident.level, incident.category
        major = level in self.major_levels[category]
        if major:
            env.process(self.phone(s))
        env.process(self.escalate(s))
        if major:
            env.process(self.written(s))
        s.judged = True
        for k in range(s.changed):
            env.process(self.continuation(s, k))
        yield from self.seat_task(s, "leader", ("decide", ONCE))
        reached["decided"] = int(env.now)

        # After the decision: the command post, the leadership group's own upward report, publishing information.
        post = level in self.command_post_levels or incident.command_post
        if post:
            env.process(self.command_post_steps(s))
        if major:
            env.process(self.leadership_upward(s))
        if post:
            env.process(self.publish(s))
        yield from self.seat_task(s, "leader", ("activate_group", ONCE))
        yield from self.send(s, ("activate_group", ONCE), "leader", 1)
        reached["group_activated"] = int(env.now)

        if category not in self.external:
            env.process(self.resolve(s))
        yield from self.team_task(s, self.groups[self.group_of[category]], ("group_response", ONCE))
        yield from self.send(s, ("group_response", ONCE), "working_group", 1)
        reached["group_reported"] = int(env.now)

    # --- acquiring people -------------------------------------------------------------

    def seat_task(self, s: _State, role: str, step: tuple[str, int]) -> ProcessGen:
        """A task for one person of a shared role; the leader's goes, after the hand-over delay, to the stand-in
        if free first."""
        people, part = self.people, self.seats[role]
        parts = ((part, 1),)
        grant = people.take(parts)
        if grant is None:
            request = people.request(parts, self.priority(s, step, people.policy) if people.ordered else 0.0)
            stand_in = self.stand_ins.get(role)
            if request.triggered or stand_in is None:
                yield request
            else:
                if part.peak:  # with nobody holding the role, the stand-in is acting already: no hand-over
                    yield request | self.env.timeout(stand_in[1])
                if not request.triggered:
                    other = people.request(((self.seats[stand_in[0]], 1),),
                                           self.priority(s, step, people.policy) if people.ordered else 0.0)
                    yield request | other
                    if request.triggered:
                        other.withdraw()
                    else:
                        request.withdraw()
                        request = other
            grant = request.grant
        yield from self.work(s, step)
        people.release(grant)

    def team_task(self, s: _State, team: Team, step: tuple[str, int]) -> ProcessGen:
        grant = yield from self.team(s, team, step)
        yield from self.work(s, step)
        self.people.release(grant)

    def team(self, s: _State, team: Team, step: tuple[str, int]) -> Generator[simpy.Event, Any, Grant]:
        """A team's people for a task: its leader (or, after the hand-over, the stand-in) and its members, all at
        once."""
        people = self.people
        table = self.units_by_category[step[0]].get(s.incident.category) or self.units[step[0]]
        units = table.get(s.incident.level, 1) if table else 1
        parts = team.parts(units, team.leader)
        grant = people.take(parts)
        if grant is None:
            priority = self.priority(s, step, people.policy) if people.ordered else 0.0
            request = people.request(parts, priority)
            if team.stand_in is not None and team.leader is not None:
                if team.leader.peak:
                    yield request | self.env.timeout(team.handover)
                if not request.triggered:
                    other = people.request(team.parts(units, team.stand_in), priority)
                    yield request | other
                    if request.triggered:
                        other.withdraw()
                    else:
                        request.withdraw()
                        request = other
            else:
                yield request
            grant = request.grant
        return grant

    def office_task(self, s: _State, actor: str, step: tuple[str, int], targets: int | None) -> ProcessGen:
        """A task of the office or a department head, then its report (None: a step that does not report)."""
        resource = self.plain[actor]
        if isinstance(resource, simpy.Resource):
            request = resource.request()
            if not request.triggered:
                yield request
            yield from self.work(s, step)
            resource.release(request)
        else:
            parts = self.plain_parts[actor]
            grant = resource.take(parts)
            if grant is None:
                waiting = resource.request(parts, self.priority(s, step, resource.policy))
                yield waiting
                grant = waiting.grant
            yield from self.work(s, step)
            resource.release(grant)
        if targets is not None:
            yield from self.send(s, step, actor, targets)

    def work(self, s: _State, step: tuple[str, int]) -> ProcessGen:
        """A step's work; the elements it makes known are known once it is done."""
        if s.incident.work[step]:
            yield self.env.timeout(s.incident.work[step])
        elements = self.teaches.get(step[0])
        if elements:
            self.learn(s, elements)

    def priority(self, s: _State, step: tuple[str, int], policy: str) -> float:
        """A waiting task's priority under the policy (lower first): the level, the step's place in the flow (a
        continuation report after every step run once), or the time of its nearest open deadline."""
        if policy == "level":
            return self.level_rank[s.incident.level]
        if policy == "first_reports":
            return self.step_rank[step[0]] + (len(FLOW) if step[1] != ONCE else 0)
        incident, reached = s.incident, s.reached
        post = incident.level in self.command_post_levels or incident.command_post
        nearest = math.inf
        for rule in self.clocks.get(step[0], ()):
            if (rule.applies == "command_post" and not post) or (rule.applies == "no_command_post" and post) or \
                    (rule.applies == "major_class" and incident.level not in self.major_levels[incident.category]) or \
                    (rule.levels and incident.level not in rule.levels):
                continue
            known = reached.get(rule.not_before, 0) if rule.not_before is not None else 0
            if rule.applies == "change" or rule.start in PER_CHANGE:
                changes = (step[1],) if step[1] != ONCE else range(len(incident.changes))
                for j in changes:
                    began = reached.get(f"{rule.start}#{j}")
                    if began is not None and f"{rule.end}#{j}" not in reached:
                        nearest = min(nearest, max(began, known) + rule.limit)
            else:
                began = reached.get(rule.start)
                if began is not None and rule.end not in reached:
                    nearest = min(nearest, max(began, known) + rule.limit)
        return nearest

    # --- the branches ----------------------------------------------------------------

    def responders(self, s: _State) -> ProcessGen:
        yield from self.work(s, ("external_response", ONCE))
        s.reached["closed_by_responders"] = int(self.env.now)
        self.closure(s)

    def phone(self, s: _State) -> ProcessGen:
        yield from self.office_task(s, "office", ("phone_province", ONCE), 1)
        s.reached["province_phone_received"] = int(self.env.now)

    def written(self, s: _State) -> ProcessGen:
        yield from self.office_task(s, "office", ("written_province", ONCE), 1)
        s.reached["province_written_received"] = int(self.env.now)

    def escalate(self, s: _State) -> ProcessGen:
        yield from self.office_task(s, "office", ("escalate", ONCE), self.escalation[s.incident.level])
        s.reached["escalated"] = int(self.env.now)

    def leadership_upward(self, s: _State) -> ProcessGen:
        yield from self.seat_task(s, "leader", ("leadership_upward", ONCE))
        yield from self.send(s, ("leadership_upward", ONCE), "leader", self.escalation[s.incident.level])
        s.reached["leadership_upward_received"] = int(self.env.now)

    def publish(self, s: _State) -> ProcessGen:
        yield from self.office_task(s, "office", ("publish_information", ONCE), None)
        s.reached["information_published"] = int(self.env.now)

    def command_post_steps(self, s: _State) -> ProcessGen:
        """The post is set up, reports (holding its people while it is followed up) and runs with the same people,
        lets them go and reports to the leader that it stands down."""
        env = self.env
        grant = yield from self.team(s, self.command_post, ("set_up_command_post", ONCE))
        yield from self.work(s, ("set_up_command_post", ONCE))
        s.reached["command_post_set_up"] = int(env.now)
        yield from self.work(s, ("command_post_report", ONCE))
        yield from self.send(s, ("command_post_report", ONCE), "command_post", 1)
        s.reached["command_post_report_received"] = int(env.now)
        yield from self.work(s, ("run_command_post", ONCE))
        self.people.release(grant)
        yield from self.send(s, ("run_command_post", ONCE), "command_post", 1)
        s.reached["command_post_stood_down"] = int(env.now)

    def resolve(self, s: _State) -> ProcessGen:
        yield from self.team_task(s, self.reserve_team, ("resolve", ONCE))
        s.reached["closed"] = int(self.env.now)
        self.closure(s)

    def closure(self, s: _State) -> None:
        """The first step that closes the incident is its closure: the final report follows."""
        if "closure" not in s.reached:
            s.reached["closure"] = int(self.env.now)
            self.env.process(self.final_report(s))

    def final_report(self, s: _State) -> ProcessGen:
        yield from self.office_task(s, "office", ("final_report", ONCE), self.escalation[s.incident.level])
        s.reached["final_report_received"] = int(self.env.now)

    def change(self, s: _State, k: int, at: int, _: simpy.Event) -> None:
        s.reached[f"change#{k}"] = at
        s.changed += 1
        if s.judged:
            self.env.process(self.continuation(s, k))

    def continuation(self, s: _State, k: int) -> ProcessGen:
        """The continuation report to the leader; for a major class, then to the province and to the superiors."""
        env, reached = self.env, s.reached
        yield from self.office_task(s, "office", ("continuation", k), 1)
        reached[f"continuation_received#{k}"] = int(env.now)
        if s.incident.level in self.major_levels[s.incident.category]:
            env.process(self.continuation_superiors(s, k))
            yield from self.office_task(s, "office", ("continuation_province", k), 1)
            reached[f"continuation_province_received#{k}"] = int(env.now)

    def continuation_superiors(self, s: _State, k: int) -> ProcessGen:
        yield from self.office_task(s, "office", ("continuation_superiors", k), self.escalation[s.incident.level])
        s.reached[f"continuation_superiors_received#{k}"] = int(self.env.now)

    # --- what the chain knows, and reports ------------------------------------------------

    def learn(self, s: _State, elements: list[int]) -> None:
        """These elements become known, each its drawn delay from now (the first time only); a report waiting for
        one is told."""
        now, known, learnt = int(self.env.now), s.known, s.incident.learnt
        for i in elements:
            if known[i] is None:
                known[i] = now + learnt[i] if learnt else now
                if s.learning is not None and i in s.learning:
                    s.learning.pop(i).succeed()

    def until_known(self, s: _State, missing: list[int]) -> ProcessGen:
        env, known = self.env, s.known
        for i in missing:
            if known[i] is None:
                if s.learning is None:
                    s.learning = {}
                event = s.learning.get(i)
                if event is None:
                    event = s.learning[i] = env.event()
                yield event
            at = known[i]
            assert at is not None
            if at > env.now:
                yield env.timeout(at - env.now)

    def send(self, s: _State, step: tuple[str, int], actor: str, targets: int) -> ProcessGen:
        """A report sent before an element it must carry is known is followed up by its first receiver (after the
        transmission, its transit and the call back) and answered once known; or, when its sender waits, it waits
        for them. Then one transmission per receiver, each with the report's transit; a report incomplete for a
        human error costs each receiver a follow-up and a second transmission."""
        env, fate = self.env, s.incident.reports[step]
        required = self.requires.get(step[0])
        if required:
            known, now = s.known, env.now
            missing = [i for i in required if (at := known[i]) is None or at > now]
            if missing:
                if not self.waits[actor]:
                    yield env.timeout(self.channel_delay + fate.transit + fate.follow_up)
                yield from self.until_known(s, missing)
        delay = self.channel_delay + fate.transit
        if fate.incomplete:
            delay += fate.follow_up + self.channel_delay + fate.transit
        for _ in range(targets):
            yield env.timeout(delay)


class _State:
    """What an incident's processes share: its milestones, whether it was judged, changes so far, when each core
    element is known (None: not yet) and the events of the reports waiting for one."""

    __slots__ = ("changed", "incident", "judged", "known", "learning", "reached")

    def __init__(self, incident: Incident, reached: dict[str, int], elements: int) -> None:
        self.incident = incident
        self.reached = reached
        self.judged = False
        self.changed = 0
        self.known: list[int | None] = [None] * elements
        self.learning: dict[int, simpy.Event] | None = None


def _resource(env: simpy.Environment, scenario: Scenario, actor: str) -> simpy.Resource | People:
    """A Resource first come, first served; under a policy, People of one holder. SimPy's PriorityResource hands
    a freed place over only when its Release event is processed, so that a better task asking in the same second
    would take it first; drillsim's crews, and People, hand it over at once to the best task waiting."""
    staff = scenario.staffing_of(actor).staff
    if scenario.policy_of(actor) == "fcfs":
        return simpy.Resource(env, staff)
    return People(env, [staff], scenario.policy_of(actor))


def _anonymous(scenario: Scenario, role: str) -> int | None:
    """How many anonymous staff hold a role: the scenario's count; one when neither a count nor a person is given;
    when people hold it, only a count written out."""
    actor, _, grid = role.partition(":")
    staffing = scenario.staffing.get(actor)
    if grid:
        return staffing.for_grid(grid).staff if staffing is not None and grid in staffing.grids else None
    if not scenario.holders(actor):
        return staffing.staff if staffing is not None else 1
    return staffing.staff if staffing is not None and "staff" in staffing.model_fields_set else None


def run(scenario: Scenario, entropy: int, replication: int, incidents: list[Incident] | None = None) -> Milestones:
    """One replication: the milestone times of every incident, by incident id."""
    env = simpy.Environment()
    chain = ReferenceChain(env, scenario)
    if incidents is None:
        incidents = incidents_of(scenario, entropy, replication)
    env.process(chain.feed(incidents))
    env.run(until=scenario.horizon)
    return chain.milestones


def drillsim_milestones(scenario: Scenario, entropy: int, replication: int) -> Milestones:
    rep = simulate(scenario, entropy, replication)
    return {record.incident: dict(record.milestones) for record in rep.incidents}


def differences(ours: Milestones, theirs: Milestones, limit: int = 5) -> list[str]:
    """The first incidents whose milestones differ, described; empty when the runs agree."""
    out = []
    for ident in sorted(set(ours) | set(theirs)):
        a, b = ours.get(ident, {}), theirs.get(ident, {})
        if a != b:
            diff = {name: (a.get(name), b.get(name)) for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)}
            out.append(f"incident {ident}: (reference, drillsim) {diff}")
            if len(out) >= limit:
                break
    return out


def main() -> int:
    scenario = load(SCENARIO)
    status = 0
    for r in range(scenario.replications):
        started = time.perf_counter()
        ours = run(scenario, scenario.seed, r)
        middle = time.perf_counter()
        theirs = drillsim_milestones(scenario, scenario.seed, r)
        ended = time.perf_counter()
        diff = differences(ours, theirs)
        reached = sum(len(m) for m in ours.values())
        print(f"replication {r}: {len(ours)} incidents, {reached} milestones, reference {middle - started:.3f} s, "
              f"drillsim {ended - middle:.3f} s: {'same milestones' if not diff else 'DIFFERENT'}")
        for line in diff:
            print("  " + line)
        status |= bool(diff)
    return status


if __name__ == "__main__":
    sys.exit(main())
