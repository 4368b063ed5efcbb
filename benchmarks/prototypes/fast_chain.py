"""Prototype: drillsim's Chain with its per-step lookups done once, and fewer processes; the same records.

``FastChain`` subclasses ``drillsim.model.chain.Chain`` and keeps its flow
interpreter. Four changes, the last three switchable to measure their gain:

- lookups (always on): what ``_run``, ``_claim``, ``_send`` and ``_occur`` look up for
  every step of every incident (the actor's kind, its crew, the stand-in's
  hand-over from ``scenario.staffing_of``, which builds a pydantic model when
  the actor has no staffing entry, the channel that is up, how many signals
  each step waits for) is resolved once per scenario into a ``_StepPlan``;
  with no channel failure in the scenario a report costs the first channel's
  delay without asking every channel whether it is up.
- ``skip``: a step whose condition can never hold for an incident (no command
  post, not a major class, whatever the level becomes) gets no process; drillsim
  parks one on ``level_changed`` for the rest of the run (time, and memory that
  grows with the horizon).
- ``inline``: when a step is done, the process goes on with the first
  dependent that became ready instead of ending and starting a new process
  (two SimPy events less per step); the others still get processes. The
  order in which tasks reach the crews is unchanged, so the records are too.
- ``grant``: a task that finds a free person and nobody waiting takes them at
  once, without a Claim event to yield and come back from. The task then
  goes on before the other events of the same second instead of after them;
  that can change the order of two tasks whose work ends in the same second,
  so unlike the others this change may alter records (it alters none of
  the scenarios checked here).

``python benchmarks/prototypes/fast_chain.py`` checks that every record
(steps, incidents, verdicts, staffing) equals drillsim's on every bundled
scenario and the benchmark scenarios, then times each variant.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import simpy

from drillsim.model import Replication, incidents_of, simulate
from drillsim.model.chain import Chain, ProcessGen, _Live
from drillsim.model.clocks import verdicts
from drillsim.model.crew import Claim, Crew
from drillsim.model.incidents import Incident
from drillsim.model.records import IncidentRecord, StepRecord
from drillsim.scenario import Scenario, load
from drillsim.scenario.schema import Step


@dataclass(slots=True)
class _StepPlan:
    """One step of the flow with everything a run looks up, resolved once."""

    step: Step
    id: str
    index: int
    per_change: bool
    actor: str | None  # None: the receiver of an earlier step's report
    receiver_of: str
    kinds: dict[str, str]
    stand_ins: dict[str, tuple[str, int]]
    units: dict[str, int]
    condition: str
    milestone: str
    dependents: list[_StepPlan] = field(default_factory=list)


class _Held:
    """People taken from a crew at once, without a Claim event (the ``grant`` change)."""

    __slots__ = ("crew", "units")

    def __init__(self, crew: Crew, units: int) -> None:
        self.crew = crew
        self.units = units

    @classmethod
    def now(cls, crew: Crew, units: int) -> _Held | None:
        """Take the people if they are free and nobody waits before us, as Crew.claim would grant them."""
        taken = max(1, min(units, crew.peak)) if crew.peak else units
        if crew.queue or crew.in_use + taken > crew.on_duty:
            return None
        crew.in_use += taken
        return cls(crew, taken)


class FastChain(Chain):
    """drillsim's chain with the prototype's changes; each one can be switched off."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, replication: int, *, skip: bool = True,
                 inline: bool = True, grant: bool = False) -> None:
        super().__init__(env, scenario, replication)
        self.skip, self.inline, self.grant = skip, inline, grant
        kinds = {actor_id: actor.kind for actor_id, actor in scenario.actors.items()}
        stand_ins = {actor_id: (actor.stand_in, scenario.staffing_of(actor.stand_in).handover)
                     for actor_id, actor in scenario.actors.items() if actor.stand_in is not None}
        self._plans: dict[str, _StepPlan] = {}
        for index, step in enumerate(scenario.flow):
            self._plans[step.id] = _StepPlan(
                step, step.id, index, step.per == "change", None if step.actor.startswith("@") else step.actor,
                step.actor[1:], kinds, stand_ins, dict(step.units), step.when, step.milestone)
        for plan in self._plans.values():
            plan.dependents = [self._plans[d.id] for d in self._dependents[plan.id]]
        channels = scenario.channels
        failing = any(medium.failures for medium in channels.media.values())
        first = channels.order[0]
        self._constant_channel = None if failing else (channels.media[first].delay, first)
        self._templates: dict[int, dict[tuple[str, int], int]] = {}
        self._on_occurred = [self._plans[s.id] for s in self._on["occurred"]]
        self._on_change = [self._plans[s.id] for s in self._on["change"]]

    # --- incidents -------------------------------------------------------------------

    def _occur(self, incident: Incident) -> None:
        levels = self._true_levels(incident)
        record = IncidentRecord(
            replication=self.replication, incident=incident.id, source=incident.source, parent=incident.parent,
            category=incident.category, example=incident.example, description=incident.description,
            grid=incident.grid, level=incident.level, judged_level=incident.judged_level,
            final_level=incident.level, major_class=self._major_class(incident, levels),
            command_post_required=any(self._needs_command_post(incident, level) for level in levels),
            occurred=incident.occurred, changes=tuple(change.time for change in incident.changes))
        record.milestones["occurred"] = incident.occurred
        self.incidents.append(record)
        remaining = self._template(incident).copy()
        live = _Live(incident, record, incident.level, remaining)
        for key, count in remaining.items():
            if count == 0:
                self._start(live, self._plans[key[0]], key[1])
        for plan in self._on_occurred:
            for k in self._instances(incident, plan.step):
                self._ready(live, plan, k)
        for k, change in enumerate(incident.changes):
            self.env.process(self._change(live, k, change.time, change.level))

    def _template(self, incident: Incident) -> dict[tuple[str, int], int]:
        """How many signals each step instance waits for, by number of changes (drillsim: per incident)."""
        n = len(incident.changes)
        template = self._templates.get(n)
        if template is None:
            template = self._templates[n] = {
                (step.id, k): sum(self._signals(incident, step, name) for name in step.after)
                for step in self.scenario.flow for k in self._instances(incident, step)}
        return template

    def _change(self, live: _Live, k: int, time: int, level: str) -> ProcessGen:
        yield self.env.timeout(time - self.env.now)
        live.record.milestones[f"change#{k}"] = time
        for plan in self._on_change:
            self._ready(live, plan, k)

    def _ready(self, live: _Live, plan: _StepPlan, k: int) -> bool:
        """One signal for a step instance; True when that was the last one it waited for."""
        key = (plan.id, k)
        live.remaining[key] -= 1
        if live.remaining[key]:
            return False
        self._start(live, plan, k)
        return True

    def _start(self, live: _Live, plan: _StepPlan, k: int) -> None:
        if self.skip and plan.condition != "always" and not self._can_hold(live, plan):
            return
        self.env.process(self._steps(live, plan, k))

    def _can_hold(self, live: _Live, plan: _StepPlan) -> bool:
        """Whether the step's condition holds at some level the incident may be in from now on."""
        incident = live.incident
        levels = [live.level, incident.judged_level, *(change.level for change in incident.changes)]
        if plan.condition == "command_post":
            return any(self._needs_command_post(incident, level) for level in levels)
        return self._major_class(incident, levels) is not None

    # --- steps ---------------------------------------------------------------------------

    def _steps(self, live: _Live, plan: _StepPlan, k: int) -> ProcessGen:
        """Run a step, then (inline) the first dependent it made ready, and so on; one generator throughout."""
        env = self.env
        current: tuple[_StepPlan, int] | None = (plan, k)
        while current is not None:
            plan, k = current
            step = plan.step
            while plan.condition != "always" and not self._holds(live, step):
                if live.level_changed is None:
                    live.level_changed = env.event()
                yield live.level_changed
            incident = live.incident
            draw = incident.draws[(plan.id, k)]
            actor = plan.actor or live.receivers[plan.receiver_of]
            kind = plan.kinds[actor]
            unit = incident.grid if kind == "per_grid" else ""
            units = plan.units.get(live.level, 1) if plan.units else 1
            record = StepRecord(self.replication, incident.id, plan.id, k, actor, actor, unit, int(env.now),
                                units=units)
            self.steps.append(record)
            claim: Claim | _Held | None = None
            if kind == "pool" or kind == "per_grid":
                crew = self.crews[actor][unit]
                if self.grant:
                    claim = _Held.now(crew, units)
                if claim is None:
                    claim = crew.claim(units)
                    stand_in_of = plan.stand_ins.get(actor)
                    if claim.triggered or stand_in_of is None:
                        yield claim
                    else:
                        claim, record.served_by = yield from self._stand_in(claim, stand_in_of, actor, units)
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
            if step.effect == "apply_change" and k > live.applied_change:
                live.applied_change = k
                self._set_level(live, incident.changes[k].level)
            elif step.effect == "close":
                live.record.closed = reached
            live.record.milestones[plan.milestone if k < 0 else f"{plan.milestone}#{k}"] = reached
            current = self._finish(live, plan, k)

    def _finish(self, live: _Live, plan: _StepPlan, k: int) -> tuple[_StepPlan, int] | None:
        """drillsim's ``_done``; returns the dependent to run inline, if any."""
        ready: list[tuple[_StepPlan, int]] = []
        for dependent in plan.dependents:
            if dependent.per_change and not plan.per_change:
                ready.extend((dependent, j) for j in range(len(live.incident.changes)))
            else:
                ready.append((dependent, k if dependent.per_change else -1))
        first: tuple[_StepPlan, int] | None = None
        for dependent, j in ready:
            key = (dependent.id, j)
            live.remaining[key] -= 1
            if live.remaining[key]:
                continue
            if self.skip and dependent.condition != "always" and not self._can_hold(live, dependent):
                continue
            if self.inline and first is None:
                first = (dependent, j)
            else:
                self.env.process(self._steps(live, dependent, j))
        return first

    def _stand_in(self, claim: Claim, stand_in_of: tuple[str, int], actor: str,
                  units: int) -> Generator[simpy.Event, Any, tuple[Claim, str]]:
        """drillsim's ``_claim`` once the actor was found busy: the stand-in after the hand-over delay."""
        stand_in, handover = stand_in_of
        yield claim | self.env.timeout(handover)
        if claim.triggered:
            return claim, actor
        other = self.crews[stand_in][""].claim(units)
        yield claim | other
        if claim.triggered:
            other.withdraw()
            return claim, actor
        claim.withdraw()
        return other, stand_in

    def transmission(self, time: float) -> tuple[int, str]:
        if self._constant_channel is not None:
            return self._constant_channel
        return super().transmission(time)


def simulate_fast(scenario: Scenario, entropy: int, replication: int, incidents: list[Incident] | None = None,
                  **options: bool) -> Replication:
    """``drillsim.model.simulate`` with FastChain."""
    env = simpy.Environment()
    chain = FastChain(env, scenario, replication, **options)
    if incidents is None:
        incidents = incidents_of(scenario, entropy, replication)
    env.process(chain.feed(incidents))
    env.run(until=scenario.horizon)
    changes = {record.incident: record.changes for record in chain.incidents}
    checked = [v for v in verdicts(scenario, chain.incidents, scenario.horizon)
               if v.change < 0 or changes[v.incident][v.change] < scenario.horizon]
    return Replication(replication, chain.steps, chain.incidents, checked, chain.staffing)


VARIANTS: dict[str, dict[str, bool]] = {
    "lookups": {"skip": False, "inline": False},
    "lookups+skip": {"skip": True, "inline": False},
    "lookups+skip+inline": {"skip": True, "inline": True},
    "lookups+skip+inline+grant": {"skip": True, "inline": True, "grant": True},
}


def _model_time(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times)


def _drillsim_model(scenario: Scenario, incidents: list[Incident]) -> None:
    env = simpy.Environment()
    chain = Chain(env, scenario, 0)
    env.process(chain.feed(incidents))
    env.run(until=scenario.horizon)


def _fast_model(scenario: Scenario, incidents: list[Incident], options: dict[str, bool]) -> None:
    env = simpy.Environment()
    chain = FastChain(env, scenario, 0, **options)
    env.process(chain.feed(incidents))
    env.run(until=scenario.horizon)


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    files = [root / "benchmarks" / "chain.yaml", root / "benchmarks" / "tandem.yaml",
             *sorted((root / "scenarios").glob("*.yaml"))]
    for path in files:
        scenario = load(path)
        if path.name == "tandem.yaml":
            scenario = scenario.model_copy(update={"horizon": 10 * 86400})
        for r in range(4):
            theirs = simulate(scenario, scenario.seed, r)
            for name, options in VARIANTS.items():
                if simulate_fast(scenario, scenario.seed, r, **options) != theirs:
                    print(f"{path.name}: replication {r}, {name}: records differ")
                    return 1
        print(f"{path.name}: the same records (4 replications, every variant)")
    repeats = 5
    for path in files[:2]:
        scenario = load(path)
        incidents = incidents_of(scenario, scenario.seed, 0)
        base = _model_time(partial(_drillsim_model, scenario, incidents), repeats)
        print(f"{path.name}: model only, {len(incidents)} incidents, median of {repeats}: drillsim {base:.3f} s")
        for name, options in VARIANTS.items():
            seconds = _model_time(partial(_fast_model, scenario, incidents, options), repeats)
            print(f"  {name:26s} {seconds:.3f} s ({1 - seconds / base:.0%} less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
