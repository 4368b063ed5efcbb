"""The chain of benchmarks/chain.yaml as the smallest hand-written SimPy model: the practical limit.

The flow of the built-in plan is written out by hand here: one generator per
incident walks discover -> first report -> verify -> judge, then branches into
processes for what the plan runs side by side (the province, the escalation,
the command post, each continuation report) while the main line goes on to
decide -> activate the working group -> resolve. Each limited actor is a
``simpy.Resource`` (the reserve team, whose tasks take several people, a
``simpy.Container``), and the only thing recorded is each incident's milestone
times. Staffing, delays and tables come from the scenario, the incidents and
every drawn number from ``drillsim.model.incidents_of``, so the two models see
the same incidents and must reach the same milestones at the same seconds.

The model covers what the benchmark scenario uses: constant staffing, no
channel failures, no misjudged levels (the level in force never changes). It
refuses any other scenario rather than silently differ from drillsim.

Run on its own: ``python benchmarks/reference_chain.py`` compares it with
drillsim on every replication of the benchmark scenario;
``tests/test_reference_chain.py`` loads this file and does the same on a
shorter horizon, so the suite fails the day the two disagree.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import simpy

from drillsim.model import Incident, incidents_of, simulate
from drillsim.model.incidents import ReportFate
from drillsim.scenario import Scenario, load

SCENARIO = Path(__file__).with_name("chain.yaml")
Milestones = dict[int, dict[str, int]]
ProcessGen = Generator[simpy.Event, Any, None]


def supported(scenario: Scenario) -> list[str]:
    """Why the reference cannot reproduce this scenario (empty when it can)."""
    why = []
    if scenario.probabilities.misjudged_level:
        why.append("misjudged levels change the level in force")
    for actor, staffing in scenario.staffing.items():
        units = [staffing, *staffing.grids.values()]
        if any(s.shifts or s.absences for s in units):
            why.append(f"{actor} has shifts or absences")
    if any(medium.failures for medium in scenario.channels.media.values()):
        why.append("a channel fails")
    if scenario.injects:
        why.append("scripted injects")
    expected = ["discover", "first_report", "verify", "judge", "decide", "activate_group", "set_up_command_post",
                "command_post_report", "phone_province", "escalate", "written_province", "continuation", "resolve"]
    if [step.id for step in scenario.flow] != expected:
        why.append("the flow is not the built-in plan's")
    return why


class ReferenceChain:
    """The actors of one replication as bare SimPy resources, and the flow as plain generators."""

    def __init__(self, env: simpy.Environment, scenario: Scenario) -> None:
        problems = supported(scenario)
        if problems:
            raise ValueError("the reference chain cannot run this scenario: " + "; ".join(problems))
        self.env = env
        staff = {actor: s.staff for actor, s in scenario.staffing.items()}
        grid_staffing = scenario.staffing_of("grid_worker")
        self.grid_workers = {grid: simpy.Resource(env, grid_staffing.for_grid(grid).staff)
                             for grid in grid_staffing.grids}
        self.department_head = simpy.Resource(env, staff["department_head"])
        self.office = simpy.Resource(env, staff["office"])
        self.leader = simpy.Resource(env, staff["leader"])
        self.deputy = simpy.Resource(env, staff["deputy"])
        self.handover = scenario.staffing_of("deputy").handover
        reserve = staff["reserve_team"]
        self.reserve_team = simpy.Container(env, capacity=reserve, init=reserve)
        resolve = next(step for step in scenario.flow if step.id == "resolve")
        self.team_size = {level: max(1, min(resolve.units.get(level, 1), reserve)) for level in scenario.levels}
        self.channel_delay = scenario.channels.media[scenario.channels.order[0]].delay
        self.escalation = {level: len(targets) for level, targets in scenario.escalation.levels.items()}
        self.command_post_levels = set(scenario.command_post.levels)
        self.major_levels = {name: set(c.major_class.levels) if c.major_class else set()
                             for name, c in scenario.categories.items()}
        self.milestones: Milestones = {}

    def feed(self, incidents: list[Incident]) -> ProcessGen:
        """Let each incident occur at its time; its changes run on their own clocks."""
        env = self.env
        for incident in incidents:
            if incident.occurred > env.now:
                yield env.timeout(incident.occurred - env.now)
            reached = self.milestones[incident.id] = {"occurred": incident.occurred}
            state = _State(incident, reached)
            env.process(self.incident(state))
            for k, change in enumerate(incident.changes):
                env.process(self.change(state, k, change.time))

    # --- the main line of the flow --------------------------------------------------

    def incident(self, s: _State) -> ProcessGen:
        env, work, reports, reached = self.env, s.incident.work, s.incident.reports, s.reached
        if work[("discover", -1)]:
            yield env.timeout(work[("discover", -1)])
        reached["discovered"] = int(env.now)

        if work[("first_report", -1)]:
            yield env.timeout(work[("first_report", -1)])
        yield from self.send(reports[("first_report", -1)], 1)
        reached["first_report_received"] = int(env.now)

        receiver = self.department_head if draw_alternative(s) else self.grid_workers[s.incident.grid]
        request = receiver.request()
        yield request
        if work[("verify", -1)]:
            yield env.timeout(work[("verify", -1)])
        receiver.release(request)
        yield from self.send(reports[("verify", -1)], 1)
        reached["office_received"] = int(env.now)

        request = self.office.request()
        yield request
        if work[("judge", -1)]:
            yield env.timeout(work[("judge", -1)])
        self.office.release(request)
        yield from self.send(reports[("judge", -1)], 1)
        reached["leadership_received"] = int(env.now)

        # After the judgement the plan runs four things side by side; drillsim starts them in
        # the flow's order (decide, phone, escalate, continuations), so the same order is kept.
        request = self.leader.request()
        level, category = s.incident.level, s.incident.category
        if level in self.major_levels[category]:
            env.process(self.province(s))
        env.process(self.escalate(s))
        s.judged = True
        for k in range(s.changed):
            env.process(self.continuation(s, k))
        yield from self.lead(s, "decide", request)
        reached["decided"] = int(env.now)

        request = self.leader.request()
        if level in self.command_post_levels or s.incident.command_post:
            env.process(self.command_post(s))
        yield from self.lead(s, "activate_group", request)
        yield from self.send(reports[("activate_group", -1)], 1)
        reached["group_activated"] = int(env.now)

        team = self.team_size[level]
        yield self.reserve_team.get(team)
        if work[("resolve", -1)]:
            yield env.timeout(work[("resolve", -1)])
        self.reserve_team.put(team)
        reached["closed"] = int(env.now)

    def lead(self, s: _State, step: str, request: simpy.Event) -> ProcessGen:
        """The leader's task; after the hand-over delay the deputy takes it if free first."""
        env = self.env
        resource = self.leader
        if not request.triggered:
            yield request | env.timeout(self.handover)
            if not request.triggered:
                other = self.deputy.request()
                yield request | other
                if request.triggered:
                    _withdraw(self.deputy, other)
                else:
                    _withdraw(self.leader, request)
                    request, resource = other, self.deputy
        else:
            yield request
        work = s.incident.work[(step, -1)]
        if work:
            yield env.timeout(work)
        resource.release(request)

    # --- the branches ----------------------------------------------------------------

    def office_task(self, s: _State, step: tuple[str, int], targets: int) -> ProcessGen:
        request = self.office.request()
        yield request
        if s.incident.work[step]:
            yield self.env.timeout(s.incident.work[step])
        self.office.release(request)
        yield from self.send(s.incident.reports[step], targets)

    def province(self, s: _State) -> ProcessGen:
        yield from self.office_task(s, ("phone_province", -1), 1)
        s.reached["province_phone_received"] = int(self.env.now)
        yield from self.office_task(s, ("written_province", -1), 1)
        s.reached["province_written_received"] = int(self.env.now)

    def escalate(self, s: _State) -> ProcessGen:
        yield from self.office_task(s, ("escalate", -1), self.escalation[s.incident.level])
        s.reached["escalated"] = int(self.env.now)

    def command_post(self, s: _State) -> ProcessGen:
        env, work = self.env, s.incident.work
        if work[("set_up_command_post", -1)]:
            yield env.timeout(work[("set_up_command_post", -1)])
        s.reached["command_post_set_up"] = int(env.now)
        if work[("command_post_report", -1)]:
            yield env.timeout(work[("command_post_report", -1)])
        yield from self.send(s.incident.reports[("command_post_report", -1)], 1)
        s.reached["command_post_report_received"] = int(env.now)

    def change(self, s: _State, k: int, at: int) -> ProcessGen:
        yield self.env.timeout(at - self.env.now)
        s.reached[f"change#{k}"] = at
        s.changed += 1
        if s.judged:
            self.env.process(self.continuation(s, k))

    def continuation(self, s: _State, k: int) -> ProcessGen:
        yield from self.office_task(s, ("continuation", k), 1)
        s.reached[f"continuation_received#{k}"] = int(self.env.now)

    # --- reports -----------------------------------------------------------------------

    def send(self, fate: ReportFate, targets: int) -> ProcessGen:
        """One transmission per receiver; an incomplete report costs a follow-up and a second one."""
        delay = self.channel_delay
        if fate.incomplete:
            delay += fate.follow_up + self.channel_delay
        for _ in range(targets):
            yield self.env.timeout(delay)


class _State:
    """What an incident's processes share: its milestones, whether it was judged, changes so far."""

    __slots__ = ("changed", "incident", "judged", "reached")

    def __init__(self, incident: Incident, reached: dict[str, int]) -> None:
        self.incident = incident
        self.reached = reached
        self.judged = False
        self.changed = 0


def draw_alternative(s: _State) -> bool:
    """Whether the first report went to the department head instead of the grid worker."""
    return s.incident.reports[("first_report", -1)].alternative


def _withdraw(resource: simpy.Resource, request: simpy.Event) -> None:
    if request.triggered:
        resource.release(request)
    else:
        request.cancel()


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
