"""The reporting chain as a SimPy model, interpreted from the plan's flow.

Each incident runs the plan's flow: a step starts when the steps it comes
after are done and its condition holds, waits for its actor (a Crew of
people on duty, with a stand-in for the leader), works for its drawn time,
and sends its report over the channels. Nothing here knows about files,
plots or the command line; it records what happened and aggregates nothing.

What every step of every incident would otherwise look up (its actor's
kind, the stand-in, the signals it waits for, whether a channel can fail) is
resolved once per replication into a `_StepPlan`. A process that finishes a
step goes on with the first step it made ready, instead of ending and
starting a new process: the order in which tasks reach the crews is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import simpy

from drillsim.model.clocks import incident_verdicts
from drillsim.model.crew import Claim, Crew
from drillsim.model.incidents import Incident, ReportFate
from drillsim.model.records import IncidentRecord, StepRecord, VerdictRecord
from drillsim.model.staffing import crew_schedules
from drillsim.scenario.schema import Scenario, Step

ProcessGen = Generator[simpy.Event, Any, Any]

OnIncident = Callable[[IncidentRecord, list[StepRecord], list[VerdictRecord]], None]
"""Receives each incident's records once nothing can change them any more (summary-only runs)."""


@dataclass(slots=True)
class _Live:
    """An incident while it is being handled: its level in force, who received what, what can still move it."""

    incident: Incident
    record: IncidentRecord
    level: str
    remaining: dict[tuple[str, int], int]
    steps: list[StepRecord]
    """Where its step records go: the chain's own list, or the incident's until it is handed over."""
    receivers: dict[str, str] = field(default_factory=dict)
    level_changed: simpy.Event | None = None
    applied_change: int = -1
    active: int = 0
    """Processes that can still move the incident on: steps at work or in a queue, changes yet to come."""
    parked: int = 0
    """Step processes waiting for the level to change: only an active process can wake them."""


@dataclass(slots=True, eq=False)
class _StepPlan:
    """One step of the flow with what a run looks up for it, resolved once."""

    step: Step
    id: str
    key: tuple[str, int]
    """The step's key in an incident's work times and report fates when it runs once per incident."""
    per_change: bool
    actor: str | None
    """None: the receiver of an earlier step's report (`actor: "@step"`)."""
    receiver_of: str
    units: dict[str, int]
    condition: str
    milestone: str
    effect: str | None
    reports: bool
    targets: tuple[str, ...] | None
    """The receivers of a plain report; None when they depend on the incident (escalation, either-or)."""
    dependents: list[tuple[_StepPlan, bool]] = field(default_factory=list)
    """(step, fan-out): fan-out when a per-change step follows a per-incident one, one instance per change."""


class _Template(NamedTuple):
    """The step instances of an incident with a given number of changes, resolved once per number."""

    counts: dict[tuple[str, int], int]
    """How many completions each step instance waits for (a copy goes to each incident)."""
    ready: list[tuple[_StepPlan, int]]
    """The instances that wait for none."""
    on_occurred: list[tuple[_StepPlan, int]]
    """The instances the incident's occurrence signals."""


class Chain:
    """The actors of one replication and the flow that moves incidents through them.

    With `on_incident`, records are not kept: each incident's records go to
    it once the incident can no longer change, and are forgotten.
    """

    def __init__(self, env: simpy.Environment, scenario: Scenario, replication: int,
                 on_incident: OnIncident | None = None) -> None:
        self.env = env
        self.scenario = scenario
        self.replication = replication
        self.on_incident = on_incident
        self.steps: list[StepRecord] = []
        self.incidents: list[IncidentRecord] = []
        self.crews: dict[str, dict[str, Crew]] = {}
        self._open: dict[int, _Live] = {}
        self._build_crews()
        self._plan_flow()

    def _build_crews(self) -> None:
        for actor_id, unit, schedule in crew_schedules(self.scenario):
            self.crews.setdefault(actor_id, {})[unit] = Crew(self.env, actor_id, schedule)

    def _plan_flow(self) -> None:
        scenario = self.scenario
        self._per_grid = {a for a, actor in scenario.actors.items() if actor.kind == "per_grid"}
        self._superiors = {a for a, actor in scenario.actors.items() if actor.kind == "superior"}
        self._stand_ins = {a: (actor.stand_in, scenario.staffing_of(actor.stand_in).handover)
                           for a, actor in scenario.actors.items() if actor.stand_in is not None}
        self._command_post_levels = frozenset(scenario.command_post.levels)
        self._major_rules = {name: (frozenset(c.major_class.levels), c.major_class.class_)
                             for name, c in scenario.categories.items() if c.major_class is not None}
        plans: dict[str, _StepPlan] = {}
        for step in scenario.flow:
            report = step.report
            plain = report is not None and report.to != "escalation" and report.or_ is None
            plans[step.id] = _StepPlan(
                step, step.id, (step.id, -1), step.per == "change", None if step.actor.startswith("@") else step.actor,
                step.actor[1:], dict(step.units), step.when, step.milestone, step.effect, report is not None,
                (report.to,) if plain and report is not None else None)
        self._on_occurred: list[_StepPlan] = []
        self._on_change: list[_StepPlan] = []
        for step in scenario.flow:
            plan = plans[step.id]
            for name in step.after:
                if name == "occurred":
                    self._on_occurred.append(plan)
                elif name == "change":
                    self._on_change.append(plan)
                else:
                    before = plans[name]
                    before.dependents.append((plan, plan.per_change and not before.per_change))
        self._plans = plans
        self._templates: dict[int, _Template] = {}
        channels = scenario.channels
        first = channels.order[0]
        failing = any(medium.failures for medium in channels.media.values())
        self._steady_channel = None if failing else (channels.media[first].delay, first)

    # --- incidents -------------------------------------------------------------------

    def feed(self, incidents: Iterable[Incident]) -> ProcessGen:
        """Let each incident occur at its time, in order."""
        for incident in incidents:
            if incident.occurred > self.env.now:
                yield self.env.timeout(incident.occurred - self.env.now)
            self._occur(incident)

    def _occur(self, incident: Incident) -> None:
        levels = self._true_levels(incident)
        change_times = tuple([change.time for change in incident.changes]) if incident.changes else ()
        # Positional, in the record's field order: keywords would cost as much again, once per incident.
        record = IncidentRecord(
            self.replication, incident.id, incident.source, incident.parent,
            incident.category, incident.example, incident.description, incident.grid,
            incident.level, incident.judged_level, incident.level,  # level, judged_level, final_level (so far)
            self._major_class(incident, levels), self._needs_command_post(incident, levels),
            incident.occurred, None, change_times,  # occurred, closed, changes
            {"occurred": incident.occurred})  # milestones
        counts, ready, on_occurred = self._template(incident)
        if self.on_incident is not None:
            self._open[incident.id] = live = _Live(incident, record, incident.level, counts.copy(), [])
        else:
            self.incidents.append(record)
            live = _Live(incident, record, incident.level, counts.copy(), self.steps)
        for plan, k in ready:
            self._start(live, plan, k)
        for plan, k in on_occurred:
            self._signal(live, plan, k)
        for k, change in enumerate(incident.changes):
            live.active += 1
            self.env.timeout(change.time - self.env.now).callbacks.append(partial(self._changed, live, k, change.time))
        if live.active == 0:
            self._settle(live)

    def _instances(self, incident: Incident, plan: _StepPlan) -> range | tuple[int]:
        return range(len(incident.changes)) if plan.per_change else (-1,)

    def _template(self, incident: Incident) -> _Template:
        """The step instances of an incident with this many changes, and what each waits for.

        A step run once per incident after a per-change step waits for every
        change's instance of it (none when the incident has no changes).
        """
        n = len(incident.changes)
        template = self._templates.get(n)
        if template is None:
            counts = {(plan.id, k): sum(n if self._plans.get(name) is not None and self._plans[name].per_change
                                        and not plan.per_change else 1 for name in plan.step.after)
                      for plan in self._plans.values() for k in self._instances(incident, plan)}
            ready = [(self._plans[step], k) for (step, k), count in counts.items() if count == 0]
            on_occurred = [(plan, k) for plan in self._on_occurred for k in self._instances(incident, plan)]
            template = self._templates[n] = _Template(counts, ready, on_occurred)
        return template

    def _changed(self, live: _Live, k: int, time: int, _: simpy.Event) -> None:
        """The situation changed: the steps run per change can start (a callback, not a process of its own)."""
        live.record.milestones[f"change#{k}"] = time
        for plan in self._on_change:
            self._signal(live, plan, k)
        self._idle(live)

    def _signal(self, live: _Live, plan: _StepPlan, k: int) -> None:
        """One of the completions a step instance waits for; the last one starts it."""
        key = plan.key if k < 0 else (plan.id, k)
        left = live.remaining[key] - 1
        live.remaining[key] = left
        if left == 0:
            self._start(live, plan, k)

    def _start(self, live: _Live, plan: _StepPlan, k: int) -> None:
        if plan.condition == "always" or self._may_run(live, plan):
            live.active += 1
            self.env.process(self._steps(live, plan, k))

    def _idle(self, live: _Live) -> None:
        live.active -= 1
        if live.active == 0:
            self._settle(live)

    def _settle(self, live: _Live) -> None:
        """Nothing can move this incident any more: hand its records over (summary-only runs)."""
        if self.on_incident is not None and self._open.pop(live.record.incident, None) is not None:
            self.on_incident(live.record, live.steps, incident_verdicts(self.scenario, live.record))

    def close(self) -> None:
        """At the horizon: hand over the incidents still open, as they stand."""
        for live in list(self._open.values()):
            self._settle(live)

    # --- levels and conditions ---------------------------------------------------------

    def _true_levels(self, incident: Incident) -> list[str]:
        return [incident.level, *[change.level for change in incident.changes]]

    def _major_class(self, incident: Incident, levels: Iterable[str]) -> str | None:
        if incident.major_class is not None:
            return incident.major_class
        rule = self._major_rules.get(incident.category)
        if rule is not None and any(level in rule[0] for level in levels):
            return rule[1]
        return None

    def _needs_command_post(self, incident: Incident, levels: Iterable[str]) -> bool:
        """Whether the incident needs a command post at any of these levels (or was told it does)."""
        return bool(incident.command_post) or not self._command_post_levels.isdisjoint(levels)

    def _holds(self, live: _Live, condition: str) -> bool:
        if condition == "command_post":
            return self._needs_command_post(live.incident, (live.level,))
        if condition == "major_class":
            return self._major_class(live.incident, (live.level,)) is not None
        return True

    def _may_run(self, live: _Live, plan: _StepPlan) -> bool:
        """Whether the step's condition holds at some level the incident can be in from now on.

        A step that can never run gets no process at all, rather than one
        parked until the end of the run.
        """
        if plan.condition == "always":
            return True
        incident = live.incident
        levels = [live.level, incident.judged_level, *(change.level for change in incident.changes)]
        if plan.condition == "command_post":
            return self._needs_command_post(incident, levels)
        return self._major_class(incident, levels) is not None

    def _set_level(self, live: _Live, level: str) -> None:
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
                live.active += live.parked
                live.parked = 0

    # --- steps -------------------------------------------------------------------------

    def _steps(self, live: _Live, plan: _StepPlan, k: int) -> ProcessGen:
        """Run a step instance, then each first dependent it made ready, in one process.

        The step's body is written out here rather than in helpers: a nested
        generator would cost a frame on every event of every step.
        """
        env = self.env
        incident = live.incident
        current: tuple[_StepPlan, int] | None = (plan, k)
        while current is not None:
            plan, k = current
            while plan.condition != "always" and not self._holds(live, plan.condition):
                if live.level_changed is None:
                    live.level_changed = env.event()
                live.parked += 1
                self._idle(live)
                yield live.level_changed
            key = plan.key if k < 0 else (plan.id, k)
            actor = plan.actor or live.receivers[plan.receiver_of]
            unit = incident.grid if actor in self._per_grid else ""
            units = plan.units.get(live.level, 1) if plan.units else 1
            record = StepRecord(self.replication, incident.id, plan.id, k, actor, actor, unit, int(env.now),  # queued
                                None, None, None, None, "", "", False, units)  # positional, as above
            live.steps.append(record)
            crew: Crew | None = None
            crews = self.crews.get(actor)
            if crews is not None:
                crew = crews[unit]
                held = crew.take(units)
                if not held:
                    claim = crew.claim(units)
                    stand_in = self._stand_ins.get(actor)
                    if claim.triggered or stand_in is None:
                        yield claim
                    else:
                        claim, record.served_by = yield from self._stand_in(claim, actor, stand_in, units)
                    crew, held = claim.crew, claim.units
            record.started = int(env.now)
            work = incident.work[key]
            if work:
                yield env.timeout(work)
            record.finished = reached = int(env.now)
            if crew is not None:
                crew.release(held)
            effect = plan.effect
            if effect == "judge_level":
                self._set_level(live, incident.judged_level)
            if plan.reports:
                fate = incident.reports[key]
                delays, receiver, channel = self._dispatch(live, plan, record, fate)
                if delays:
                    for delay in delays:
                        yield env.timeout(delay)
                    record.delivered = reached = int(env.now)
                    record.receiver, record.channel = receiver, channel
                    if live.receivers[plan.id] in self._superiors:
                        record.acknowledged = reached + fate.acknowledge
            # A report of an older change arriving after a newer one's brings stale facts: it leaves the level.
            if effect == "apply_change" and k > live.applied_change:
                live.applied_change = k
                self._set_level(live, incident.changes[k].level)
            elif effect == "close":
                live.record.closed = reached
            live.record.milestones[plan.milestone if k < 0 else f"{plan.milestone}#{k}"] = reached
            current = self._done(live, plan, k) if plan.dependents else None
        self._idle(live)

    def _done(self, live: _Live, plan: _StepPlan, k: int) -> tuple[_StepPlan, int] | None:
        """Signal the steps that come after this one; return the first made ready, to run in this process."""
        first: tuple[_StepPlan, int] | None = None
        remaining = live.remaining
        for dependent, fan_out in plan.dependents:
            for j in (range(len(live.incident.changes)) if fan_out else (k if dependent.per_change else -1,)):
                key = dependent.key if j < 0 else (dependent.id, j)
                left = remaining[key] - 1
                remaining[key] = left
                if left or (dependent.condition != "always" and not self._may_run(live, dependent)):
                    continue
                if first is None:
                    first = (dependent, j)
                else:
                    live.active += 1
                    self.env.process(self._steps(live, dependent, j))
        return first

    def _stand_in(self, claim: Claim, actor: str, stand_in: tuple[str, int],
                  units: int) -> Generator[simpy.Event, Any, tuple[Claim, str]]:
        """The actor is busy: after the hand-over delay, whoever of the actor and the stand-in is free first."""
        other_actor, handover = stand_in
        yield claim | self.env.timeout(handover)
        if claim.triggered:
            return claim, actor
        other = self.crews[other_actor][""].claim(units)
        yield claim | other
        if claim.triggered:
            other.withdraw()
            return claim, actor
        claim.withdraw()
        return other, other_actor

    # --- reports over the channels -----------------------------------------------------

    def _dispatch(self, live: _Live, plan: _StepPlan, record: StepRecord,
                  fate: ReportFate) -> tuple[list[int], str, str]:
        """Send a report: the transit time to each receiver in turn (none: nobody to report to), receivers, channels.

        A channel's state is a function of time alone, so every transmission
        is known when the report leaves; an incomplete report costs a
        follow-up call and a second transmission.
        """
        targets = plan.targets or self._targets(live, plan.step, fate)
        if not targets:
            return [], "", ""
        live.receivers[plan.id] = targets[-1]
        steady = self._steady_channel
        if steady is not None and len(targets) == 1 and not fate.incomplete:
            return [steady[0]], targets[0], steady[1]
        now = self.env.now
        delays, channels = [], []
        for _ in targets:
            delay, channel = self.transmission(now)
            if fate.incomplete:
                record.incomplete = True
                second, _ = self.transmission(now + delay + fate.follow_up)
                delay += fate.follow_up + second
            delays.append(delay)
            channels.append(channel)
            now += delay
        return delays, "+".join(targets), "+".join(channels)

    def _targets(self, live: _Live, step: Step, fate: ReportFate) -> tuple[str, ...]:
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

    def transmission(self, time: float) -> tuple[int, str]:
        """Delay of a report sent at `time` over the first channel found up.

        The sender tries the channels in the plan's order, losing each failed
        one's fallback delay, and keeps cycling through them while all are down
        (every failure window ends, so it gets through eventually).
        """
        if self._steady_channel is not None:
            return self._steady_channel
        channels = self.scenario.channels
        lost = 0
        while True:
            cycle_start = lost
            for name in channels.order:
                medium = channels.media[name]
                if medium.up(time + lost):
                    return lost + medium.delay, name
                lost += medium.fallback_delay
            if lost == cycle_start:
                lost = min(w.end for name in channels.order for w in channels.media[name].failures
                           if w.end > time + lost) - int(time)
