"""The chain's structure for one scenario: what every step instance of every incident would otherwise look up.

Built from the compiled flow (`drillsim.scenario.flow`) before the first
incident occurs: each step's actor kind, stand-in, units and receivers in a
`StepPlan` wired to the plans that follow it, and for each number of changes
the `Template` of an incident's step instances. The chain's behaviour reads
these and derives nothing about the flow itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from drillsim.scenario.flow import ONCE, Flow, FlowStep, flow_of
from drillsim.scenario.memo import per_scenario
from drillsim.scenario.schema import Scenario, Step


@dataclass(slots=True, eq=False)
class StepPlan:
    """One step of the flow with what a run looks up for it."""

    step: Step
    id: str
    key: tuple[str, int]
    """The step's key in an incident's work times and report fates when it runs once per incident."""
    per_change: bool
    actor: str | None
    """None: the receiver of an earlier step's report (`actor: "@step"`)."""
    receiver_of: str
    units: dict[str, int]
    by_category: dict[str, dict[str, int]]
    """The units of each category that has its own, with `units` for the levels it leaves out."""
    sized: bool
    """Whether it takes more than one person for some incident (`units` or `by_category`)."""
    condition: str
    milestone: str
    """The name its milestone is recorded under when it runs once per incident."""
    effect: str | None
    reports: bool
    targets: tuple[str, ...] | None
    """The receivers of a plain report; None when they depend on the incident (escalation, either-or)."""
    team: str
    """"" for a role's step; "team" for a team actor's; "group" for the working group of the incident's category."""
    rank: int
    """The step's place in the flow (`Flow.rank`), for the policy that serves the steps earlier in the flow first."""
    clocks: tuple[Clock, ...]
    """The deadline rules this step or a step after it stops, for the earliest-deadline-first policy."""
    dependents: list[tuple[StepPlan, bool]] = field(default_factory=list)
    """(step, fan-out) for each step that comes after this one: fan-out when every change's instance of it
    waits for this one."""
    single: bool = False
    """It waits for one completion only, whatever the number of changes: made ready by it without counting."""
    after: StepPlan | None = None
    """Its only dependent when that one waits for it alone and always runs: the step the process goes on with,
    without counting or checking (drillsim.model.chain)."""
    requires: tuple[int, ...] = ()
    """The core elements (their places in the plan's list) its report must carry: sent before one is known, it is
    incomplete."""
    carries_known: bool = False
    """Its report carries whatever is known when it is sent (`carries: known`)."""
    teaches: tuple[int, ...] = ()
    """The elements the chain knows once this step's work is done (their delays after it drawn per incident)."""
    teaches_on_delivery: tuple[int, ...] = ()
    """The elements the chain knows once this step's milestone is reached (an element `after` its milestone)."""
    hands_to: StepPlan | None = None
    """The team's next step, to which its people go on without being let go (the command post that was set up
    reports and runs with the same commander): a step of the same team actor that waits for this one alone."""


class Clock(NamedTuple):
    """A deadline rule as the earliest-deadline-first policy reads it."""

    start: str
    limit: int
    per_change: bool
    end: str
    applies: str
    levels: tuple[str, ...]
    not_before: str | None


class Template(NamedTuple):
    """The step instances of an incident with a given number of changes."""

    counts: dict[tuple[str, int], int]
    """How many completions each step instance waits for (a copy goes to each incident)."""
    ready: list[tuple[StepPlan, int]]
    """The instances that wait for none."""


class Structure:
    """The step plans of a scenario's flow, the actors' kinds, and a template per number of changes."""

    def __init__(self, scenario: Scenario) -> None:
        flow = flow_of(scenario)
        self.flow: Flow = flow
        actors = scenario.actors
        self.per_grid = frozenset(a for a, actor in actors.items() if actor.kind == "per_grid")
        self.superiors = frozenset(a for a, actor in actors.items() if actor.kind == "superior")
        self.stand_ins = {a: (actor.stand_in, scenario.staffing_of(actor.stand_in).handover)
                          for a, actor in actors.items() if actor.stand_in is not None}
        """The stand-in of each actor that has one, and the hand-over delay before the stand-in steps in."""
        kinds = {a: actor.kind for a, actor in actors.items()}
        clocks = _clocks(scenario, flow)
        self.plans = {node.id: _plan(flow, node, kinds, clocks[node.id]) for node in flow}
        for node in flow:
            plan = self.plans[node.id]
            if len(node.dependents) == 1 and not node.dependents[0][1]:
                only = self.plans[node.dependents[0][0]]
                if only.condition == "always" and len(only.step.after) == 1 and not flow.fans_in(flow[only.id], node):
                    plan.after = only
            before = flow.get(node.step.after[0])
            plan.single = len(node.step.after) == 1 and (before is None or not flow.fans_in(node, before))
            plan.dependents.extend((self.plans[after], fan_out) for after, fan_out in node.dependents)
            if plan.team:
                plan.hands_to = next((self.plans[after] for after, _ in node.dependents
                                      if self.plans[after].actor == plan.actor and not plan.per_change
                                      and not self.plans[after].per_change
                                      and flow[after].step.after == (node.id,)), None)
        self.on_occurred = [(self.plans[node.id], node.per_change) for node in flow if node.on_occurred]
        """(step, fan-out) for each step the occurrence signals, as a step's `dependents`: it happens once per
        incident, so every change's instance of a per-change step waits for it."""
        self.on_change = [(self.plans[node.id], False) for node in flow if node.on_change]
        """(step, fan-out) for each step a change signals: its instance of the same change."""
        self.on_closure = [(self.plans[node.id], node.per_change) for node in flow if node.on_closure]
        """(step, fan-out) for each step the closure signals (the final report)."""
        self.elements = tuple(scenario.core_elements) if any(
            step.report is not None and step.report.carries for step in scenario.flow) else ()
        """The core elements in the plan's order, a step plan naming them by their place in it; none when no report
        carries any (nothing to follow then)."""
        self.known_at_occurrence = tuple(i for i, element in enumerate(scenario.core_elements.values())
                                         if element.after == "occurred")
        self.practice = {actor: scenario.practice_of(actor) for actor in actors}
        """How each actor's people send a report that lacks a required element (`send_now` or `wait`)."""
        if self.elements:
            _teach(scenario, flow, self.plans)
        self._templates: dict[int, Template] = {}

    def template(self, changes: int) -> Template:
        """The step instances of an incident with this many changes, what each waits for (built once per number)."""
        template = self._templates.get(changes)
        if template is None:
            flow = self.flow
            counts = {(node.id, k): flow.waits(node, changes) for node in flow for k in flow.instances(node, changes)}
            ready = [(self.plans[step], k) for (step, k), count in counts.items() if count == 0]
            template = self._templates[changes] = Template(counts, ready)
        return template


def _teach(scenario: Scenario, flow: Flow, plans: dict[str, StepPlan]) -> None:
    """Which elements each report must carry, and which step's work (or milestone) makes each known."""
    index = {name: i for i, name in enumerate(scenario.core_elements)}
    for i, element in enumerate(scenario.core_elements.values()):
        if element.after in plans:
            plans[element.after].teaches += (i,)
        elif (source := flow.reaching(element.after)) is not None:
            plans[source.id].teaches_on_delivery += (i,)
    for plan in plans.values():
        report = plan.step.report
        if report is None:
            continue
        if report.carries == "known":
            plan.carries_known = True
        elif report.carries == "all":
            plan.requires = tuple(range(len(index)))
        else:
            plan.requires = tuple(sorted(index[name] for name in report.carries))


def _plan(flow: Flow, node: FlowStep, kinds: dict[str, str], clocks: tuple[Clock, ...]) -> StepPlan:
    step = node.step
    report = step.report
    plain = report is not None and report.to != "escalation" and report.or_ is None
    kind = kinds.get(node.actor or "")
    return StepPlan(
        step=step, id=node.id, key=(node.id, ONCE), per_change=node.per_change,
        actor=node.actor, receiver_of=node.receiver_of or "", units=dict(step.units),
        by_category={category: {**step.units, **own} for category, own in step.units_by_category.items()},
        sized=bool(step.units or step.units_by_category),
        condition=node.condition, milestone=flow.key(node.milestone, ONCE), effect=step.effect,
        reports=report is not None, targets=(report.to,) if plain and report is not None else None,
        team={"team": "team", "working_group": "group"}.get(kind or "", ""), rank=flow.rank.get(node.id, 0),
        clocks=clocks)


def _clocks(scenario: Scenario, flow: Flow) -> dict[str, tuple[Clock, ...]]:
    """For each step, the deadline rules whose end milestone it or a step after it reaches."""
    by_milestone = {node.milestone: node.id for node in flow}
    after: dict[str, set[str]] = {}
    for node in sorted(flow, key=lambda n: -flow.rank.get(n.id, 0)):
        after[node.id] = {node.id}.union(*(after.get(d, set()) for d, _ in node.dependents))
    rules = [(by_milestone.get(rule.end), Clock(rule.start, rule.limit, flow.rule_per_change(rule), rule.end,
                                               rule.applies, rule.levels, rule.not_before))
             for rule in scenario.deadlines.values()]
    return {node.id: tuple(clock for end, clock in rules if end in after[node.id]) for node in flow}


@per_scenario
def structure_of(scenario: Scenario) -> Structure:
    """The scenario's structure (a run's replications all ask for the same): nothing in it changes while a
    replication runs."""
    return Structure(scenario)


__all__ = ["StepPlan", "Structure", "Template", "structure_of"]
