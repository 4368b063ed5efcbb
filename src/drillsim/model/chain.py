"""The reporting chain as a SimPy model, interpreted from the plan's flow.

Each incident runs the plan's flow: a step starts when the steps it comes
after are done and its condition holds, waits for its actor (a Crew of
people on duty, with a stand-in for the leader), works for its drawn time,
and sends its report over the channels. Nothing here knows about files,
plots or the command line; it records what happened and aggregates nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

import simpy

from drillsim.model.crew import Claim, Crew
from drillsim.model.incidents import Draw, Incident
from drillsim.model.records import IncidentRecord, StaffingRecord, StepRecord
from drillsim.scenario.schema import Scenario, Step

ProcessGen = Generator[simpy.Event, Any, Any]


@dataclass(slots=True)
class _Live:
    """An incident while it is being handled: its level in force, who received what."""

    incident: Incident
    record: IncidentRecord
    level: str
    remaining: dict[tuple[str, int], int]
    receivers: dict[str, str] = field(default_factory=dict)
    level_changed: simpy.Event | None = None
    applied_change: int = -1


class Chain:
    """The actors of one replication and the flow that moves incidents through them."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, replication: int) -> None:
        self.env = env
        self.scenario = scenario
        self.replication = replication
        self.steps: list[StepRecord] = []
        self.incidents: list[IncidentRecord] = []
        self.staffing: list[StaffingRecord] = []
        self.crews: dict[str, dict[str, Crew]] = {}
        self._flow = {step.id: step for step in scenario.flow}
        self._dependents: dict[str, list[Step]] = {step.id: [] for step in scenario.flow}
        self._on: dict[str, list[Step]] = {"occurred": [], "change": []}
        for step in scenario.flow:
            for name in step.after:
                (self._on if name in self._on else self._dependents)[name].append(step)
        self._build_crews()

    def _build_crews(self) -> None:
        horizon = self.scenario.horizon
        for actor_id, actor in self.scenario.actors.items():
            if actor.kind == "pool":
                units = {"": self.scenario.staffing_of(actor_id)}
            elif actor.kind == "per_grid":
                staffing = self.scenario.staffing_of(actor_id)
                units = {grid: staffing.for_grid(grid) for grid in staffing.grids}
            else:
                continue
            self.crews[actor_id] = {}
            for unit, staffing in units.items():
                schedule = staffing.schedule(horizon)
                self.crews[actor_id][unit] = Crew(self.env, actor_id, schedule)
                self.staffing.extend(StaffingRecord(self.replication, actor_id, unit, time, count)
                                     for time, count in schedule)

    # --- incidents -------------------------------------------------------------------

    def feed(self, incidents: Iterable[Incident]) -> ProcessGen:
        """Let each incident occur at its time, in order."""
        for incident in incidents:
            if incident.occurred > self.env.now:
                yield self.env.timeout(incident.occurred - self.env.now)
            self._occur(incident)

    def _occur(self, incident: Incident) -> None:
        record = IncidentRecord(
            replication=self.replication, incident=incident.id, source=incident.source, parent=incident.parent,
            category=incident.category, example=incident.example, description=incident.description,
            grid=incident.grid, level=incident.level, judged_level=incident.judged_level,
            final_level=incident.level, major_class=self._major_class(incident, self._true_levels(incident)),
            command_post_required=self._command_post_required(incident), occurred=incident.occurred,
            changes=tuple(change.time for change in incident.changes))
        record.milestones["occurred"] = incident.occurred
        self.incidents.append(record)
        remaining = {}
        for step in self.scenario.flow:
            for k in self._instances(incident, step):
                remaining[(step.id, k)] = sum(self._signals(incident, step, name) for name in step.after)
        live = _Live(incident, record, incident.level, remaining)
        for key, count in remaining.items():
            if count == 0:
                self.env.process(self._run(live, self._flow[key[0]], key[1]))
        for step in self._on["occurred"]:
            for k in self._instances(incident, step):
                self._satisfy(live, step, k)
        for k, change in enumerate(incident.changes):
            self.env.process(self._change(live, k, change.time, change.level))

    def _instances(self, incident: Incident, step: Step) -> range | tuple[int]:
        return range(len(incident.changes)) if step.per == "change" else (-1,)

    def _signals(self, incident: Incident, step: Step, name: str) -> int:
        """How many completions of `name` one instance of `step` waits for.

        A step run once per incident after a per-change step waits for every
        change's instance of it (none when the incident has no changes).
        """
        before = self._flow.get(name)
        if before is not None and before.per == "change" and step.per == "incident":
            return len(incident.changes)
        return 1

    def _change(self, live: _Live, k: int, time: int, level: str) -> ProcessGen:
        yield self.env.timeout(time - self.env.now)
        live.record.milestones[f"change#{k}"] = time
        for step in self._on["change"]:
            self._satisfy(live, step, k)

    def _satisfy(self, live: _Live, step: Step, k: int) -> None:
        key = (step.id, k)
        live.remaining[key] -= 1
        if live.remaining[key] == 0:
            self.env.process(self._run(live, step, k))

    def _done(self, live: _Live, step: Step, k: int) -> None:
        for dependent in self._dependents[step.id]:
            if dependent.per == "change" and step.per == "incident":
                for j in self._instances(live.incident, dependent):
                    self._satisfy(live, dependent, j)
            else:
                self._satisfy(live, dependent, k if dependent.per == "change" else -1)

    # --- levels and conditions ---------------------------------------------------------

    def _true_levels(self, incident: Incident) -> list[str]:
        return [incident.level, *(change.level for change in incident.changes)]

    def _major_class(self, incident: Incident, levels: Iterable[str]) -> str | None:
        if incident.major_class is not None:
            return incident.major_class
        rule = self.scenario.categories[incident.category].major_class
        if rule is not None and any(level in rule.levels for level in levels):
            return rule.class_
        return None

    def _needs_command_post(self, incident: Incident, level: str) -> bool:
        return level in self.scenario.command_post.levels or bool(incident.command_post)

    def _command_post_required(self, incident: Incident) -> bool:
        return any(self._needs_command_post(incident, level) for level in self._true_levels(incident))

    def _holds(self, live: _Live, step: Step) -> bool:
        if step.when == "command_post":
            return self._needs_command_post(live.incident, live.level)
        if step.when == "major_class":
            return self._major_class(live.incident, (live.level,)) is not None
        return True

    def _set_level(self, live: _Live, level: str) -> None:
        """Put a level in force: the judgement always, a continuation report when it differs."""
        if live.record.level_history and level == live.level:
            return
        live.record.level_history.append((int(self.env.now), level))
        live.record.final_level = level
        if level != live.level:
            live.level = level
            if live.level_changed is not None:
                live.level_changed.succeed()
                live.level_changed = None

    # --- one step ----------------------------------------------------------------------

    def _run(self, live: _Live, step: Step, k: int) -> ProcessGen:
        env = self.env
        while not self._holds(live, step):
            if live.level_changed is None:
                live.level_changed = env.event()
            yield live.level_changed
        incident = live.incident
        draw = incident.draws[(step.id, k)]
        actor = live.receivers[step.actor[1:]] if step.actor.startswith("@") else step.actor
        unit = incident.grid if self.scenario.actors[actor].kind == "per_grid" else ""
        units = step.units.get(live.level, 1)
        record = StepRecord(self.replication, incident.id, step.id, k, actor, actor, unit, int(env.now), units=units)
        self.steps.append(record)
        claim: Claim | None = None
        if actor in self.crews:
            claim, record.served_by = yield from self._claim(actor, unit, units)
        record.started = int(env.now)
        if draw.work:
            yield env.timeout(draw.work)
        record.finished = int(env.now)
        if claim is not None:
            claim.crew.release(claim.units)
        if step.effect == "judge_level":
            self._set_level(live, incident.judged_level)
        reached = record.finished
        if step.report is not None:
            reached = yield from self._send(live, step, record, draw)
        # A report of an older change arriving after a newer one's brings stale facts: it leaves the level.
        if step.effect == "apply_change" and k > live.applied_change:
            live.applied_change = k
            self._set_level(live, incident.changes[k].level)
        elif step.effect == "close":
            live.record.closed = reached
        live.record.milestones[step.milestone if k < 0 else f"{step.milestone}#{k}"] = reached
        self._done(live, step, k)

    def _claim(self, actor: str, unit: str, units: int) -> Generator[simpy.Event, Any, tuple[Claim, str]]:
        """Take people of the actor's crew; a busy leader's stand-in takes over after the hand-over delay."""
        claim = self.crews[actor][unit].claim(units)
        stand_in = self.scenario.actors[actor].stand_in
        if claim.triggered or stand_in is None:
            yield claim
            return claim, actor
        yield claim | self.env.timeout(self.scenario.staffing_of(stand_in).handover)
        if claim.triggered:
            return claim, actor
        other = self.crews[stand_in][""].claim(units)
        yield claim | other
        if claim.triggered:
            other.withdraw()
            return claim, actor
        claim.withdraw()
        return other, stand_in

    # --- reports over the channels -----------------------------------------------------

    def _send(self, live: _Live, step: Step, record: StepRecord, draw: Draw) -> ProcessGen:
        report = step.report
        assert report is not None
        incident = live.incident
        if report.to == "escalation":
            targets: tuple[str, ...] = tuple(self.scenario.escalation.levels[live.level])
        elif report.or_ is not None:
            chosen = report.or_ if draw.alternative else report.to
            if incident.first_receiver in (report.to, report.or_):
                chosen = incident.first_receiver
            targets = (chosen,)
        else:
            targets = (report.to,)
        if not targets:
            return record.finished
        live.receivers[step.id] = targets[-1]
        channels = []
        for _ in targets:
            delay, channel = self.transmission(self.env.now)
            if draw.incomplete:
                record.incomplete = True
                second, _ = self.transmission(self.env.now + delay + draw.follow_up)
                delay += draw.follow_up + second
            channels.append(channel)
            yield self.env.timeout(delay)
        record.delivered = int(self.env.now)
        record.receiver = "+".join(targets)
        record.channel = "+".join(channels)
        if self.scenario.actors[targets[-1]].kind == "superior":
            record.acknowledged = record.delivered + draw.acknowledge
        return record.delivered

    def transmission(self, time: float) -> tuple[int, str]:
        """Delay of a report sent at `time` over the first channel found up.

        The sender tries the channels in the plan's order, losing each failed
        one's fallback delay, and keeps cycling through them while all are down
        (every failure window ends, so it gets through eventually).
        """
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
