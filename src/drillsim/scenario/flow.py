"""The plan's flow, compiled once: what waits for what, what runs per change, what each milestone is called.

Every part of drillsim that reads the flow asks this object (the SimPy chain, the deadline clocks, the
bottleneck attribution, the timeline, the plan's rendering, the MSEL, the drill evaluation and the loader's
cycle check), so that a new flow rule is one change here and the simulation and the drill side can never read
the plan differently.

The rules, from the plan file's `flow`:
- A step starts when every step in its `after` is done and its condition holds (`when`).
- A step run `per: change` has one instance for each change of the incident (numbered from 0); a step run once
  per incident has one instance, numbered `ONCE`.
- After a once-per-incident step, a per-change step fans out: each change's instance waits for it. After a
  per-change step, a once-per-incident step fans in: it waits for every change's instance (none when the
  incident has no changes).
- `closure` is reached once per incident, when the first step whose effect is `close` reaches its milestone: a step
  after it (the final report) follows whichever step closed the incident.
- The milestone a step instance reaches is named after the step's milestone, with `#k` for change k's instance
  of a per-change step (`continuation_received#0`); the events `occurred` and `change` (`change#k`) are named
  the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from drillsim.scenario.memo import per_scenario
from drillsim.scenario.schema import DeadlineRule, Scenario, Step

EVENTS = ("occurred", "change", "closure")
"""What happens to an incident without a step of the flow: it occurs, its situation changes, and it is closed
(`closure`: when the first step with the effect `close` reaches its milestone, whichever of them closes it)."""

ONCE = -1
"""The instance number of a step run once per incident (a per-change step's instances are 0, 1, ...)."""


def instance_key(milestone: str, change: int) -> str:
    """The recorded name of instance `change` of a milestone already known to be reached per change (ONCE: the
    bare name), for a reader such as a drill log's row that has no flow at hand; `Flow.key` decides for any."""
    return milestone if change < 0 else f"{milestone}#{change}"


def shown_change(change: int) -> int | None:
    """A change as people number it (the drill log's `change` column, the board, findings, the timeline): the
    flow's change 0 is change 1; the whole incident (ONCE) has no number."""
    return None if change < 0 else change + 1


def model_change(shown: int | None) -> int:
    """The flow's number of a change numbered for people (`shown_change` undone): None is ONCE."""
    return ONCE if shown is None else shown - 1


@dataclass(frozen=True, slots=True, eq=False)
class FlowStep:
    """One step of the flow with everything the flow's rules say about it."""

    step: Step
    position: int
    """Its place in the plan's order."""
    predecessors: tuple[str, ...]
    """The steps (not the events) it comes after, as the plan lists them."""
    on_occurred: bool
    """Whether it comes after the incident's occurrence."""
    on_change: bool
    """Whether it comes after each change (it is then run per change)."""
    on_closure: bool
    """Whether it comes after the incident's closure."""
    dependents: tuple[tuple[str, bool], ...]
    """(step, fan-out) for each step that comes after it, in the plan's order: fan-out when that step is run
    per change and this one once per incident, so that its completion starts every change's instance."""

    @property
    def id(self) -> str:
        return self.step.id

    @property
    def milestone(self) -> str:
        return self.step.milestone

    @property
    def per_change(self) -> bool:
        return self.step.per == "change"

    @property
    def condition(self) -> str:
        return self.step.when

    @property
    def actor(self) -> str | None:
        """The actor who does it; None when it is done by whoever received an earlier step's report."""
        actor = self.step.actor
        return None if actor.startswith("@") else actor

    @property
    def receiver_of(self) -> str | None:
        """For a step written `actor: "@step"`, that step: its report's receiver does this one."""
        actor = self.step.actor
        return actor[1:] if actor.startswith("@") else None


class Flow:
    """The compiled flow of a scenario; build it with `flow_of(scenario)`."""

    def __init__(self, steps: tuple[Step, ...], command_post_levels: frozenset[str] = frozenset(),
                 major_rules: Mapping[str, tuple[frozenset[str], str]] | None = None,
                 external: frozenset[str] = frozenset()) -> None:
        ids = {step.id for step in steps}
        dependents: dict[str, list[tuple[str, bool]]] = {step.id: [] for step in steps}
        for step in steps:
            for name in step.after:
                if name in ids:
                    before = next(s for s in steps if s.id == name)
                    dependents[name].append((step.id, step.per == "change" and before.per != "change"))
        self.steps: tuple[FlowStep, ...] = tuple(
            FlowStep(step, i, tuple(name for name in step.after if name in ids), "occurred" in step.after,
                     "change" in step.after, "closure" in step.after, tuple(dependents[step.id]))
            for i, step in enumerate(steps))
        self._by_id = {node.id: node for node in self.steps}
        self._by_milestone = {node.milestone: node for node in self.steps}
        self._per_change_milestones = frozenset(
            ["change", *(node.milestone for node in self.steps if node.per_change)])
        self._command_post_levels = command_post_levels
        self._major_rules = dict(major_rules or {})
        self._external = external
        """The categories that call professional responders."""
        self.rank: Mapping[str, int] = _first_ready_order(steps)
        """Each step's place in an order where every step comes after the steps it waits for (ties in the
        plan's order); a step on a cycle has none."""

    # --- the steps ------------------------------------------------------------------

    def __iter__(self) -> Iterator[FlowStep]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, step_id: str) -> FlowStep:
        return self._by_id[step_id]

    def get(self, step_id: str) -> FlowStep | None:
        return self._by_id.get(step_id)

    def reaching(self, milestone: str) -> FlowStep | None:
        """The step that reaches a milestone (None for an event or a name the flow does not have)."""
        return self._by_milestone.get(milestone)

    def step_ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def milestones(self) -> tuple[str, ...]:
        """Every milestone a step reaches, in the plan's order."""
        return tuple(self._by_milestone)

    def descendants(self, step_id: str) -> frozenset[str]:
        """The steps that wait, directly or through others, for this one."""
        found: set[str] = set()
        todo = [step_id]
        while todo:
            for after, _ in self._by_id[todo.pop()].dependents:
                if after not in found:
                    found.add(after)
                    todo.append(after)
        return frozenset(found)

    def always_runs(self, step_id: str) -> bool:
        """Whether every incident runs the step once: it runs once per incident, whatever the incident, after the
        occurrence or steps that always run (never after a change or the closure)."""
        known: dict[str, bool] = {}

        def runs(name: str) -> bool:
            node = self._by_id.get(name)
            if node is None:
                return name == "occurred"
            if name not in known:
                known[name] = False  # on a cycle of `after` (refused by the loader), a step never runs
                known[name] = node.condition == "always" and not node.per_change and all(
                    runs(before) for before in node.step.after)
            return known[name]

        return runs(step_id)

    def instances(self, node: FlowStep, changes: int) -> range | tuple[int]:
        """The instance numbers of a step for an incident with this many changes."""
        return range(changes) if node.per_change else (ONCE,)

    # --- milestones -------------------------------------------------------------------

    def per_change(self, milestone: str) -> bool:
        """Whether a milestone (or event) is reached once per change rather than once per incident."""
        return milestone in self._per_change_milestones

    def key(self, milestone: str, change: int) -> str:
        """The name under which a milestone is recorded for change `change` (ONCE: for the whole incident).

        A milestone reached once per incident has one name whatever the change (`office_received`); a
        per-change one is numbered (`continuation_received#0`).
        """
        return instance_key(milestone, change) if milestone in self._per_change_milestones else milestone

    def rule_per_change(self, rule: DeadlineRule) -> bool:
        """Whether a deadline rule is checked once per change: it applies to every change, or its clock starts at a
        milestone reached per change."""
        return rule.applies == "change" or rule.start in self._per_change_milestones

    def fans_in(self, node: FlowStep, before: FlowStep) -> bool:
        """Whether a step waits for every change's instance of a predecessor (a once-per-incident step after a
        per-change one), rather than for one instance."""
        return before.per_change and not node.per_change

    def awaited(self, node: FlowStep, change: int, changes: int) -> tuple[str, ...]:
        """The milestone keys instance `change` of a step waits for, in an incident with `changes` changes.

        The instance is ready when the last of them is reached; none (a fan-in over no changes) means ready
        at the occurrence.
        """
        out: list[str] = []
        for name in node.step.after:
            before = self._by_id.get(name)
            if before is None:
                out.append(self.key(name, change))
            elif self.fans_in(node, before):
                out.extend(instance_key(before.milestone, j) for j in range(changes))
            else:
                out.append(self.key(before.milestone, change))
        return tuple(out)

    def waits(self, node: FlowStep, changes: int) -> int:
        """How many completions an instance of a step waits for (the length of `awaited`)."""
        return sum(changes if (before := self._by_id.get(name)) is not None and self.fans_in(node, before) else 1
                   for name in node.step.after)

    def proven_by(self, key: str) -> Iterator[str]:
        """The milestone keys that a recorded milestone key proves were reached before it.

        Only what is certain: a per-change step's predecessors of the same change, and any step's
        once-per-incident predecessors. A fan-in's per-change predecessors are not inferred (how many changes
        there were is not in a key).
        """
        name, _, change = key.partition("#")
        node = self._by_milestone.get(name)
        if node is None:
            return
        for before_id in node.predecessors:
            before = self._by_id[before_id]
            if not before.per_change:
                yield before.milestone
            elif change:
                yield instance_key(before.milestone, int(change))

    def doers(self, node: FlowStep) -> tuple[str, ...]:
        """Who may do a step: its actor, or for `@step` each receiver of that step's report (none without one)."""
        if node.receiver_of is None:
            return (node.step.actor,)
        report = self._by_id[node.receiver_of].step.report
        if report is None:
            return ()
        return (report.to, report.or_) if report.or_ else (report.to,)

    def following(self, event: str) -> list[FlowStep]:
        """The steps that follow from an event (`occurred` or `change`) without leaving its instance, in the
        plan's order: for `change`, the per-change steps one change sets going."""
        per_change = event == "change"
        reached = {event}
        grew = True
        while grew:
            grew = False
            for node in self.steps:
                if node.id not in reached and node.per_change == per_change and any(
                        name in reached for name in node.step.after):
                    reached.add(node.id)
                    grew = True
        return [node for node in self.steps if node.id in reached]

    # --- conditions -------------------------------------------------------------------

    def major_class(self, category: str, levels: Iterable[str], given: str | None = None) -> str | None:
        """The major class an incident of this category is at any of these levels (or was given), else None."""
        if given is not None:
            return given
        rule = self._major_rules.get(category)
        if rule is not None and any(level in rule[0] for level in levels):
            return rule[1]
        return None

    def needs_command_post(self, levels: Iterable[str], told: bool = False) -> bool:
        """Whether an incident needs a command post at any of these levels (or was told it does)."""
        return told or not self._command_post_levels.isdisjoint(levels)

    def needs_command_post_as_judged(self, judged_level: str, change_levels: Iterable[str],
                                     told: bool = False) -> bool:
        """Whether an incident needs a command post by the levels in force from the office's judgement on (the
        judged level, then each change's): the post is set up by them, so its step and its rule follow them, in the
        model and in a drill alike, not the true level nobody knows yet."""
        return self.needs_command_post((judged_level, *change_levels), told)

    def holds(self, condition: str, category: str, levels: Iterable[str], major_class: str | None = None,
              command_post: bool = False) -> bool:
        """Whether a step's condition (`when`) holds for an incident at any of these levels: always, when it
        needs a command post (or was told so), when it is of a major class (or was given one), when its category
        calls professional responders or does not."""
        if condition == "command_post":
            return self.needs_command_post(levels, command_post)
        if condition == "major_class":
            return self.major_class(category, levels, major_class) is not None
        if condition == "external":
            return category in self._external
        if condition == "no_external":
            return category not in self._external
        return True

    # --- structure ----------------------------------------------------------------------

    def cycle(self) -> tuple[int, tuple[str, ...]] | None:
        """The first cycle of `after` found, as (position of the step it was found from, the steps on it)."""
        graph = {node.id: list(node.predecessors) for node in self.steps}
        state: dict[str, int] = {}

        def visit(name: str, trail: list[str]) -> list[str] | None:
            state[name] = 1
            for nxt in graph[name]:
                if state.get(nxt) == 1:
                    return [*trail, nxt]
                if state.get(nxt) is None:
                    found = visit(nxt, [*trail, nxt])
                    if found:
                        return found
            state[name] = 2
            return None

        for node in self.steps:
            if state.get(node.id) is None:
                found = visit(node.id, [node.id])
                if found:
                    return node.position, tuple(found)
        return None


def _first_ready_order(steps: tuple[Step, ...]) -> dict[str, int]:
    """Repeatedly the first step in the plan's order whose predecessors all have a place (for `closure`: every step
    that can close the incident)."""
    ids = {step.id for step in steps}
    closing = [step.id for step in steps if step.effect == "close"]
    rank: dict[str, int] = {}
    pending = list(steps)

    def placed(name: str) -> bool:
        if name == "closure":
            return all(step in rank for step in closing)
        return name in rank or name not in ids

    while pending:
        ready = next((step for step in pending if all(placed(name) for name in step.after)), None)
        if ready is None:
            break
        rank[ready.id] = len(rank)
        pending.remove(ready)
    return rank


@per_scenario
def flow_of(scenario: Scenario) -> Flow:
    """The scenario's compiled flow (compiled once for each distinct flow and its conditions; asked again for the
    same scenario, without hashing the flow: readers that check one incident at a time ask once per incident)."""
    majors = tuple((name, frozenset(c.major_class.levels), c.major_class.class_)
                   for name, c in scenario.categories.items() if c.major_class is not None)
    external = frozenset(name for name, c in scenario.categories.items() if c.external)
    return _compiled(scenario.flow, frozenset(scenario.command_post.levels), majors, external)


@lru_cache(maxsize=64)
def _compiled(steps: tuple[Step, ...], command_post_levels: frozenset[str],
              majors: tuple[tuple[str, frozenset[str], str], ...], external: frozenset[str]) -> Flow:
    return Flow(steps, command_post_levels, {name: (levels, class_) for name, levels, class_ in majors}, external)


__all__ = ["EVENTS", "ONCE", "Flow", "FlowStep", "flow_of", "instance_key", "model_change", "shown_change"]
