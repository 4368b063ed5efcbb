"""The reporting chain as a SimPy model: the plan's flow, played by its actors.

Each incident runs the plan's flow: a step instance starts when the steps it
comes after are done and its condition holds, acquires its actor (a Crew of
people on duty, with a stand-in for the leader), works for its drawn time,
and reports over the channels. Nothing here knows about files, plots or the
command line; it records what happened and aggregates nothing.

The chain is the behaviour only: what each step instance needs to know is
in its plan (`drillsim.model.structure`, from the compiled flow), the
channels are `drillsim.model.channels`, and handing settled incidents over
is `drillsim.model.settling`. A process that finishes a step goes on with
the first step it made ready, instead of ending and starting a new process:
the order in which tasks reach the crews is the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable
from functools import partial
from typing import Any, Protocol

import simpy

from drillsim.model.channels import Channels
from drillsim.model.clocks import Clocks, applies
from drillsim.model.crew import Claim, Crew
from drillsim.model.desk import Desk, DeskClaim, Holder, Part, Seat, Team, people_of
from drillsim.model.incidents import Incident, ReportFate
from drillsim.model.records import IncidentRecord, StepRecord, incident_record, step_record
from drillsim.model.settling import Live, OnIncident, Settling
from drillsim.model.staffing import HolderSpec, TeamSpec, desks_of, team_roles, teams_of
from drillsim.model.structure import StepPlan, structure_of
from drillsim.scenario.flow import ONCE
from drillsim.scenario.schema import Scenario, Step

ProcessGen = Generator[simpy.Event, Any, Any]


class Given(Protocol):
    """What is known of incidents already under way, for a run that goes on from a drill's state (a forecast,
    drillsim.experiment.forecast); a plain run has none and draws every time itself."""

    def reached(self, incident: Incident, plan: StepPlan, change: int) -> int | None:
        """When a step instance's milestone was reached (None: not known, the chain reaches it itself)."""
        ...

    def work(self, incident: Incident, plan: StepPlan, change: int, started: int, drawn: int) -> int:
        """The work time of a step instance that has its actor at `started` (`drawn`: as drawn)."""
        ...


class Chain:
    """The actors of one replication and the flow that moves incidents through them.

    With `on_incident`, records are not kept: each incident's records go to
    it once the incident can no longer change, and are forgotten.
    """

    def __init__(self, env: simpy.Environment, scenario: Scenario, replication: int,
                 on_incident: OnIncident | None = None, given: Given | None = None) -> None:
        self.env = env
        self.scenario = scenario
        self.replication = replication
        self.steps: list[StepRecord] = []
        self.incidents: list[IncidentRecord] = []
        self.crews: dict[str, dict[str, Crew | Seat]] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        self._staff(scenario)
        structure = structure_of(scenario)
        self._structure = structure
        self._flow = structure.flow
        self._key = structure.flow.key
        self._occurred = structure.flow.key("occurred", ONCE)
        self._per_grid = structure.per_grid
        self._superiors = structure.superiors
        self._stand_ins = structure.stand_ins
        self._channels = Channels(scenario.channels)
        self._steady = self._channels.steady
        self.clocks = Clocks(scenario)
        self._keep = on_incident is None
        self._settling = Settling(self.clocks, on_incident)
        self._idle = self._settling.idle
        self._group_of = {name: category.working_group for name, category in scenario.categories.items()}
        self._level_rank = {level: rank for rank, level in enumerate(scenario.levels)}
        self._flow_length = len(scenario.flow)
        self._elements = structure.elements
        """Followed only when a report carries elements."""
        self._practice = structure.practice
        self._cadence = bool(scenario.changes.cadence)
        self._given = given
        """An instance whose milestone is known takes its actor only if free (it was done by then), works until
        then and reports in no time."""

    def _staff(self, scenario: Scenario) -> None:
        """A crew for each role nobody shares, a desk for each group of roles that share people, and each team's
        parts on its desk."""
        env = self.env
        held: dict[tuple[str, str], list[tuple[Holder, HolderSpec]]] = {}
        desk_of: dict[tuple[str, str], Desk] = {}
        for spec in desks_of(scenario):
            if spec.plain:
                (actor, unit), = spec.roles
                self.crews.setdefault(actor, {})[unit] = Crew(env, actor, spec.holders[0].schedule, spec.policy,
                                                              spec.preemptive)
                continue
            holders = [(Holder(h.name or _role_name(h.roles[0]), h.schedule), h) for h in spec.holders]
            desk = Desk(env, [(holder, h.schedule) for holder, h in holders], spec.policy)
            for role in spec.roles:
                held[role] = [(holder, h) for holder, h in holders if role in h.roles]
                desk_of[role] = desk
                self.crews.setdefault(role[0], {})[role[1]] = Seat(desk, Part(role[0], [x for x, _ in held[role]]))
        for key, spec_ in teams_of(scenario).items():
            self.teams[key] = _team(env, scenario, spec_, held, desk_of)

    # --- incidents -------------------------------------------------------------------

    def feed(self, incidents: Iterable[Incident]) -> ProcessGen:
        """Let each incident occur at its time, in order."""
        env = self.env
        for incident in incidents:
            wait = incident.occurred - env.now
            if wait > 0:
                yield env.timeout(wait)
            self._occur(incident)

    def _occur(self, incident: Incident) -> None:
        flow = self._flow
        levels = [incident.level, *[change.level for change in incident.changes]]
        record = incident_record(
            replication=self.replication, incident=incident.id, source=incident.source, parent=incident.parent,
            category=incident.category, example=incident.example, description=incident.description,
            grid=incident.grid, level=incident.level, judged_level=incident.judged_level,
            major_class=flow.major_class(incident.category, levels, incident.major_class),
            command_post_required=flow.needs_command_post_as_judged(incident.judged_level, levels[1:],
                                                                    bool(incident.command_post)),
            occurred=incident.occurred,
            changes=tuple([change.time for change in incident.changes]) if incident.changes else (),
            milestones={self._occurred: incident.occurred})
        if self._cadence:
            record.ticks = tuple([k for k, change in enumerate(incident.changes) if change.tick])
        counts, ready = self._structure.template(len(incident.changes))
        ahead = (incident.judged_level, *levels[1:])
        if self._keep:
            self.incidents.append(record)
            live = Live(incident, record, incident.level, counts.copy(), self.steps, ahead)
        else:
            live = Live(incident, record, incident.level, counts.copy(), [], ahead)
            self._settling.open(live)
        if self._elements:
            live.known = [None] * len(self._elements)
            self._learn(live, self._structure.known_at_occurrence, incident.occurred)
        for plan, k in ready:
            if plan.condition == "always" or self._may_run(live, plan):
                live.active += 1
                self.env.process(self._steps(live, plan, k))
        self._signal(live, self._structure.on_occurred, ONCE, False)
        for k, change in enumerate(incident.changes):
            live.active += 1
            self.env.timeout(change.time - self.env.now).callbacks.append(partial(self._changed, live, k, change.time))
        if live.active == 0:
            self._settling.settle(live)

    def _changed(self, live: Live, k: int, time: int, _: simpy.Event) -> None:
        """The situation changed, or a report on the cadence is due: the steps run per change can start (a callback,
        not a process of its own); once the incident is closed, the cadence calls for no report."""
        milestones = live.record.milestones
        if not live.incident.changes[k].tick or "closure" not in milestones:
            milestones[self._key("change", k)] = time
            self._signal(live, self._structure.on_change, k, False)
        self._idle(live)

    def _signal(self, live: Live, dependents: list[tuple[StepPlan, bool]], k: int,
                carry_on: bool) -> tuple[StepPlan, int] | None:
        """A completion (of instance `k` of a step, of the occurrence, of change `k`) for the instances that wait
        for it; start each it made ready that can run, but with `carry_on` return the first instead, for the
        calling process to run.

        A fan-out signals every change's instance; otherwise the dependent's
        instance of the same change, or its only one.
        """
        first: tuple[StepPlan, int] | None = None
        remaining = live.remaining
        for dependent, fan_out in dependents:
            for j in (range(len(live.incident.changes)) if fan_out else (k if dependent.per_change else ONCE,)):
                if not dependent.single:
                    key = dependent.key if j == ONCE else (dependent.id, j)
                    left = remaining[key] - 1
                    remaining[key] = left
                    if left:
                        continue
                if dependent.condition != "always" and not self._may_run(live, dependent):
                    continue
                if carry_on and first is None:
                    first = (dependent, j)
                else:
                    live.active += 1
                    self.env.process(self._steps(live, dependent, j))
        return first

    def close(self) -> None:
        """At the horizon: hand over the incidents still open, as they stand."""
        self._settling.close()

    # --- levels and conditions ---------------------------------------------------------

    def _holds(self, live: Live, plan: StepPlan) -> bool:
        """Whether the step's condition holds at the level in force."""
        incident = live.incident
        return self._flow.holds(plan.condition, incident.category, (live.level,), incident.major_class,
                                bool(incident.command_post))

    def _may_run(self, live: Live, plan: StepPlan) -> bool:
        """Whether the step's condition holds at some level the incident can be in from now on.

        A step that can never run gets no process at all, rather than one
        parked until the end of the run.
        """
        incident = live.incident
        return self._flow.holds(plan.condition, incident.category, (live.level, *live.ahead), incident.major_class,
                                bool(incident.command_post))

    def _set_level(self, live: Live, level: str) -> None:
        """Put a level in force: the judgement always, a continuation report when it differs."""
        if live.record.level_history and level == live.level:
            return
        live.record.level_history += ((int(self.env.now), level),)
        live.record.final_level = level
        if level != live.level:
            live.level = level
            if live.level_changed is not None:
                live.level_changed.succeed()
                live.level_changed = None
                self._settling.wake(live)

    def _parked(self, live: Live, plan: StepPlan) -> ProcessGen:
        """Wait until the level in force lets the step run."""
        while not self._holds(live, plan):
            if live.level_changed is None:
                live.level_changed = self.env.event()
            self._settling.park(live)
            yield live.level_changed

    # --- steps -------------------------------------------------------------------------

    def _steps(self, live: Live, plan: StepPlan, k: int) -> ProcessGen:
        """Run a step instance, then each first dependent it made ready, in one process.

        An instance waits for its condition, acquires its actor, works, and
        reports. The phases are sections of this one generator rather than
        generators of their own, so that SimPy resumes the step itself at
        each event and not a chain of generators.
        """
        env = self.env
        incident = live.incident
        current: tuple[StepPlan, int] | None = (plan, k)
        crew: Crew | Seat | Desk | None
        held: Any
        order: tuple[float, int] | None
        while current is not None:
            plan, k = current
            if plan.condition != "always" and not self._holds(live, plan):
                yield from self._parked(live, plan)
            key = plan.key if k == ONCE else (plan.id, k)
            # Acquire: the actor (or the receiver of the report the step follows) takes the task, or it queues.
            actor = plan.actor or live.receivers[plan.receiver_of]
            unit = incident.grid if actor in self._per_grid else ""
            units = (plan.by_category.get(incident.category) or plan.units).get(live.level, 1) if plan.sized else 1
            started = queued = int(env.now)
            pinned = None if self._given is None else self._given.reached(incident, plan, k)
            record = step_record(replication=self.replication, incident=incident.id, step=plan.id, change=k,
                                 actor=actor, unit=unit, queued=queued, units=units)
            live.steps.append(record)
            crew = held = order = None
            crews = self.crews.get(actor)
            if crews is not None:
                crew = crews[unit]
                held = crew.take(units)
                if not held and pinned is not None:
                    crew = None
                elif not held:
                    if crew.ordered:
                        order = crew.order(self._priority(live, plan, k, crew.policy))
                    claim = crew.claim(units, order)
                    stand_in = self._stand_ins.get(actor)
                    if claim.triggered or stand_in is None:
                        yield claim
                    else:
                        claim, record.served_by = yield from self._stand_in(claim, actor, stand_in, units, live,
                                                                            plan, k)
                    crew, held = claim.crew, claim.units
                    started = int(env.now)
            elif plan.team:
                kept = live.kept.pop(plan.id, None) if live.kept else None
                if kept is None:
                    crew, held = yield from self._team(live, plan, k, record, units, pinned is None)
                    started = int(env.now)
                else:
                    crew, held, record.served_by = kept
                    record.unit = self._group_of[incident.category] if plan.team == "group" else ""
            if held.__class__ is list:
                record.people = people_of(held)
            # Work: for the drawn time, then the people are free for the next task.
            record.started = started
            work = incident.work[key]
            if self._given is not None:
                work = self._given.work(incident, plan, k, started, work)
            if work:
                if order is not None and crew is not None and crew.preemptive:
                    crew, held = yield from self._preemptible(crew, held, order, work, record)
                else:
                    yield env.timeout(work)
            record.finished = reached = int(env.now)
            if plan.teaches:
                self._learn(live, plan.teaches, reached)
            if plan.hands_to is not None and isinstance(crew, Desk) and (
                    plan.hands_to.condition == "always" or self._may_run(live, plan.hands_to)):
                if live.kept is None:
                    live.kept = {}
                live.kept[plan.hands_to.id] = (crew, held, record.served_by)
            elif crew is not None:
                crew.release(held)
            effect = plan.effect
            if effect == "judge_level":
                self._set_level(live, incident.judged_level)
            # Report: over the channels to each receiver in turn; the milestone is reached on delivery.
            if plan.reports:
                fate = incident.reports[key]
                missing = self._carried(live, plan, record) if plan.requires or plan.carries_known else None
                if missing and pinned is None:
                    if self._practice[actor] == "wait":
                        yield from self._until_known(live, missing)
                    else:
                        yield from self._follow_up(live, plan, record, fate, missing)
                delays, receiver, channel = self._dispatch(live, plan, record, fate)
                if delays:
                    if pinned is None:
                        for delay in delays:
                            yield env.timeout(delay)
                    record.delivered = reached = int(env.now) if pinned is None else pinned
                    record.receiver, record.channel = receiver, channel
                    if live.receivers[plan.id] in self._superiors:
                        record.acknowledged = reached + fate.acknowledge
            # A report of an older change arriving after a newer one's brings stale facts: it leaves the level.
            if effect == "apply_change" and k > live.applied_change:
                live.applied_change = k
                self._set_level(live, incident.changes[k].level)
            if pinned is not None:
                reached = pinned
            milestones = live.record.milestones
            milestones[plan.milestone if k == ONCE else self._key(plan.milestone, k)] = reached
            if plan.teaches_on_delivery:
                self._learn(live, plan.teaches_on_delivery, reached)
            if effect == "close" and "closure" not in milestones:
                live.record.closed = milestones["closure"] = reached
                if self._structure.on_closure:
                    self._signal(live, self._structure.on_closure, ONCE, False)
            after = plan.after
            if after is not None:
                current = (after, k if after.per_change else ONCE)
            else:
                current = self._signal(live, plan.dependents, k, True) if plan.dependents else None
        self._idle(live)

    def _stand_in(self, claim: Claim | DeskClaim, actor: str, stand_in: tuple[str, int], units: int, live: Live,
                  plan: StepPlan, k: int) -> Generator[simpy.Event, Any, tuple[Claim | DeskClaim, str]]:
        """The actor is busy: whoever of the actor and its stand-in is free first (`_first_free`), and who that is."""
        other_actor, handover = stand_in
        role = claim.crew
        assert not isinstance(role, Desk), "a role's claim is on its crew or its seat, a team's on the desk"
        crew = self.crews[other_actor][""]
        won, stood_in = yield from self._first_free(
            claim, role.on_duty, handover,
            lambda: crew.claim(units, crew.order(self._priority(live, plan, k, crew.policy)) if crew.ordered else None))
        return won, other_actor if stood_in else actor

    def _first_free(self, claim: Claim | DeskClaim, on_duty: int, handover: int,
                    ask_stand_in: Callable[[], Claim | DeskClaim]
                    ) -> Generator[simpy.Event, Any, tuple[Claim | DeskClaim, bool]]:
        """A claim on a busy leader: after the hand-over delay the stand-in is asked too, and whichever is granted
        first takes the task (the other claim is withdrawn); with nobody holding the leader's role on duty (the
        leader on leave) the stand-in is already acting, so there is no hand-over. The winning claim, and whether it
        is the stand-in's."""
        if on_duty:
            yield claim | self.env.timeout(handover)
            if claim.triggered:
                return claim, False
        other = ask_stand_in()
        yield claim | other
        if claim.triggered:
            other.withdraw()
            return claim, False
        claim.withdraw()
        return other, True

    def _team(self, live: Live, plan: StepPlan, k: int, record: StepRecord, units: int,
              wait: bool = True) -> Generator[simpy.Event, Any, tuple[Desk | None, list[tuple[Holder, int]] | None]]:
        """A team's task: its leader (or, after the hand-over, the stand-in) and `units` members, all at once
        (without `wait`, only if they are free: nobody otherwise).

        The task is served by the role of whoever leads it (the leader's, or the stand-in's), as a role's task is
        by the stand-in: a team without a leader serves its own.
        """
        team = self.teams[(plan.actor or "", "" if plan.team == "team" else self._group_of[live.incident.category])]
        record.unit = team.name if plan.team == "group" else ""
        if team.leader is not None:
            record.served_by = team.leader.name
        desk = team.desk
        parts = team.parts(units)
        held = desk.take(parts)
        if held is not None:
            return desk, held
        if not wait:
            return None, None
        priority = self._priority(live, plan, k, desk.policy) if desk.ordered else 0.0
        claim = desk.claim(parts, desk.order(priority))
        if team.stand_in is not None and team.leader is not None:
            stand_in, handover = team.stand_in
            won, stood_in = yield from self._first_free(
                claim, team.leader.on_duty, handover,
                lambda: desk.claim(team.parts(units, stand_in), desk.order(priority)))
            assert isinstance(won, DeskClaim), "a team's claims are on its desk"
            claim = won
            if stood_in:
                record.served_by = stand_in.name
        else:
            yield claim
        return desk, claim.units

    def _preemptible(self, crew: Crew | Seat | Desk, held: Any, order: tuple[float, int] | None, work: int,
                     record: StepRecord) -> Generator[simpy.Event, Any, tuple[Crew | Seat | Desk, Any]]:
        """Work that a better task may pause: it gives its people back, waits for them with its own order, and
        resumes with the work it had left."""
        assert isinstance(crew, Crew) and order is not None, "only a crew of one role preempts"
        env = self.env
        left = work
        while True:
            task = crew.start(held, order, env.active_process)  # type: ignore[arg-type]
            began = env.now
            try:
                yield env.timeout(left)
            except simpy.Interrupt:
                left -= int(env.now - began)
                # Paused until the horizon unless resumed before it: the people are not busy meanwhile.
                record.paused += self.scenario.horizon - int(env.now)
                claim = crew.claim(held, order)
                yield claim
                record.paused -= self.scenario.horizon - int(env.now)
                held = claim.units
                continue
            crew.finish(task)
            return crew, held

    def _priority(self, live: Live, plan: StepPlan, k: int, policy: str) -> float:
        """A waiting task's priority under a policy (lower first): the level in force, the step's place in the
        flow (once-per-incident steps before continuation reports), or the time of its nearest open deadline."""
        if policy == "fcfs":
            return 0.0
        if policy == "level":
            return self._level_rank[live.level]
        if policy == "first_reports":
            return plan.rank + (self._flow_length if plan.per_change else 0)
        record = live.record
        milestones = record.milestones
        key = self._key
        nearest = math.inf
        for clock in plan.clocks:
            if not applies(clock.applies, record.command_post_required, record.major_class) or \
                    (clock.levels and live.level not in clock.levels):
                continue
            changes = (k,) if clock.per_change and k != ONCE else \
                range(len(live.incident.changes)) if clock.per_change else (ONCE,)
            known = milestones.get(clock.not_before, 0) if clock.not_before is not None else 0
            for j in changes:
                began = milestones.get(key(clock.start, j))
                if began is not None and key(clock.end, j) not in milestones:
                    nearest = min(nearest, max(began, known) + clock.limit)
        return nearest

    # --- reports -----------------------------------------------------------------------

    def _learn(self, live: Live, elements: tuple[int, ...], time: int) -> None:
        """The chain comes to know these elements, each its drawn delay after `time` (the first time only), and the
        reports waiting for one are told when."""
        known, learnt, learning = live.known, live.incident.learnt, live.learning
        assert known is not None, "an incident of a plan with elements knows which it knows"
        for i in elements:
            if known[i] is None:
                known[i] = time + learnt[i] if learnt else time
                if learning is not None and i in learning:
                    learning.pop(i).succeed()

    def _carried(self, live: Live, plan: StepPlan, record: StepRecord) -> list[int]:
        """Record which elements the report carries as it is sent and which it must carry but cannot yet; those."""
        known, now, names = live.known, self.env.now, self._elements
        assert known is not None, "a report that carries elements belongs to a plan that has them"
        if plan.carries_known:
            record.carried = "+".join([names[i] for i, at in enumerate(known) if at is not None and at <= now])
            return []
        missing = [i for i in plan.requires if (at := known[i]) is None or at > now]
        record.carried = "+".join([names[i] for i in plan.requires if i not in missing])
        record.missing = "+".join([names[i] for i in missing])
        return missing

    def _until_known(self, live: Live, missing: list[int]) -> ProcessGen:
        """Wait until the chain knows every one of these elements."""
        env, known = self.env, live.known
        assert known is not None, "only an incident with elements misses one"
        for i in missing:
            if known[i] is None:
                if live.learning is None:
                    live.learning = {}
                event = live.learning.get(i)
                if event is None:
                    event = live.learning[i] = env.event()
                yield event
            at = known[i]
            assert at is not None, "an element's event fires once it is known"
            if at > env.now:
                yield env.timeout(at - env.now)

    def _follow_up(self, live: Live, plan: StepPlan, record: StepRecord, fate: ReportFate,
                   missing: list[int]) -> ProcessGen:
        """Sent before the elements it must carry are known: the first receiver gets it, calls back for what is
        missing (`follow_up` later), and is answered once the sender knows it; the report then goes out again,
        complete, to every receiver in turn (`_dispatch`)."""
        record.incomplete = True
        delay, _ = self._channels.transmission(self.env.now)
        yield self.env.timeout(delay + fate.transit + fate.follow_up)
        yield from self._until_known(live, missing)

    def _dispatch(self, live: Live, plan: StepPlan, record: StepRecord,
                  fate: ReportFate) -> tuple[list[int], str, str]:
        """Send a report: the transit time to each receiver in turn (none: nobody to report to), receivers, channels."""
        targets = plan.targets or self._targets(live, plan.step, fate)
        if not targets:
            return [], "", ""
        live.receivers[plan.id] = targets[-1]
        steady = self._steady
        if steady is not None and len(targets) == 1 and not fate.incomplete:
            return [steady[0] + fate.transit], targets[0], steady[1]
        if fate.incomplete:
            record.incomplete = True
        delays, channels = self._channels.send(self.env.now, len(targets), fate)
        return delays, "+".join(targets), "+".join(channels)

    def _targets(self, live: Live, step: Step, fate: ReportFate) -> tuple[str, ...]:
        """Who receives a report: the escalation of the level in force, or one of two receivers."""
        report = step.report
        assert report is not None
        if report.to == "escalation":
            return tuple(self.scenario.escalation.levels[live.level])
        alternative = report.or_
        assert alternative is not None, "a report to one fixed receiver has it in its step plan"
        first = live.incident.first_receiver
        if first is not None and first in (report.to, alternative):
            return (first,)
        return (alternative if fate.alternative else report.to,)


def _role_name(role: tuple[str, str]) -> str:
    """How a role's anonymous staff are named in a step's people: `office`, `grid_worker:grid_1`."""
    return f"{role[0]}:{role[1]}" if role[1] else role[0]


def _team(env: simpy.Environment, scenario: Scenario, spec: TeamSpec,
          held: dict[tuple[str, str], list[tuple[Holder, HolderSpec]]],
          desk_of: dict[tuple[str, str], Desk]) -> Team:
    """A team's parts on the desk of its roles: its leader's role, the stand-in's, and its members' roles together."""
    desk = next((desk_of[role] for role in team_roles(spec) if role in desk_of), None)
    if desk is None:  # nobody holds any of its roles: its tasks wait for ever, as a crew of nobody's does
        desk = Desk(env, [], scenario.policy)

    def part(name: str, of: list[tuple[str, str]]) -> Part:
        """The holders of these roles, asked in the order the roles are listed (the plan lists first whom it would
        call first), each role's in the desk's order."""
        return Part(name, list(dict.fromkeys(holder for role in of for holder, _ in held.get(role, []))))

    return Team(spec.name, desk, part(spec.leader[0], [spec.leader]) if spec.leader else None,
                (part(spec.stand_in[0][0], [spec.stand_in[0]]), spec.stand_in[1]) if spec.stand_in else None,
                part(f"{spec.name} members", list(spec.members)) if spec.members else None)


__all__ = ["Chain", "Given", "OnIncident"]
