"""The incidents a drill plays, and the IncidentRecord a drill's recorded times make of each.

A tabletop drill plays either the scenario's scripted injects (with their
cascades) or the incidents of one simulated run. Each gets a stable id that
trainers can write in a drill log: the inject's own `id`, `inject-N` for an
unnamed inject, `PARENT/K` for its K-th cascade, and `SOURCE-N` for the N-th
incident of a stream in a simulated run. Scripted incidents keep their id in
both, so a log of a scripted drill reads the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from drillsim.i18n import _
from drillsim.model.incidents import ChangeSpec, with_cadence
from drillsim.model.records import IncidentRecord
from drillsim.scenario.errors import DrillsimError
from drillsim.scenario.flow import flow_of, instance_key, model_change
from drillsim.scenario.schema import IncidentSpec, Scenario


@dataclass(frozen=True, slots=True)
class DrillIncident:
    """One incident of a drill, with what the plan's rules need to know about it.

    `major_class` is resolved as the model resolves it (the inject's own, or
    the category's rule at any level the incident reaches); `command_post` is
    True when the levels in force from the office's judgement on (the judged
    level, then each change's, as in the model) or the script require a command
    post, False when the script rules one out, None when the leadership group
    decides.
    """

    id: str
    number: int
    occurred: int
    category: str
    example: str
    description: str
    grid: str
    level: str
    judged_level: str
    major_class: str | None
    command_post: bool | None
    first_receiver: str | None
    parent: str | None
    changes: tuple[ChangeSpec, ...]
    scripted: bool

    @property
    def levels(self) -> tuple[str, ...]:
        """Every true level the incident goes through."""
        return (self.level, *(change.level for change in self.changes))


def drill_incidents(scenario: Scenario, seed: int | None = None, *, scripted: bool = False) -> list[DrillIncident]:
    """The scripted injects alone, or every incident of replication 0 of a simulated run with `seed`."""
    specs = list(_scripted_specs(scenario))
    if scripted:
        return [_from_spec(scenario, i + 1, spec, ident, parent, at) for i, (spec, ident, parent, at) in
                enumerate(specs)]
    return _simulated(scenario, scenario.seed if seed is None else seed, specs)


def _scripted_specs(scenario: Scenario) -> list[tuple[IncidentSpec, str, str | None, int]]:
    """Injects and cascades in the model's order: by occurrence, then by their place in the file."""
    found: list[tuple[int, tuple[int, ...], IncidentSpec, str, str | None]] = []

    def visit(spec: IncidentSpec, ident: str, parent: str | None, at: int, order: tuple[int, ...]) -> None:
        found.append((at, order, spec, ident, parent))
        for k, cascade in enumerate(spec.cascades):
            visit(cascade, cascade.id or f"{ident}/{k + 1}", ident, at + cascade.after, (*order, k))

    for i, inject in enumerate(scenario.injects):
        visit(inject, inject.id or f"inject-{i + 1}", None, inject.at, (i,))
    found = sorted((f for f in found if f[0] < scenario.horizon), key=lambda f: (f[0], f[1]))
    seen: set[str] = set()
    for ident in (f[3] for f in found):
        if ident in seen:
            raise DrillsimError(_("two injects of {scenario} have the id {id}; give each a distinct id").format(
                scenario=repr(scenario.name), id=repr(ident)))
        seen.add(ident)
    return [(spec, ident, parent, at) for at, _order, spec, ident, parent in found]


def _command_post(scenario: Scenario, judged_level: str, changes: Iterable[ChangeSpec],
                  scripted: bool | None) -> bool | None:
    """True when the levels in force from the judgement on or the script require a command post, else what the
    script says (None: undecided)."""
    required = flow_of(scenario).needs_command_post_as_judged(judged_level, (c.level for c in changes),
                                                             scripted is True)
    return True if required else scripted


def _from_spec(scenario: Scenario, number: int, spec: IncidentSpec, ident: str, parent: str | None,
               at: int) -> DrillIncident:
    level = spec.level
    changes = []
    for change in spec.changes:
        level = change.level or level
        changes.append(ChangeSpec(at + change.after, level, change.description))
    changes = list(with_cadence(scenario, at, spec.level, tuple(changes)))
    category = scenario.categories[spec.category]
    example = spec.example or ""
    description = spec.description or category.examples.get(example, category.title)
    levels = (spec.level, *(c.level for c in changes))
    judged_level = spec.judged_level or spec.level
    return DrillIncident(
        id=ident, number=number, occurred=at, category=spec.category, example=example, description=description,
        grid=spec.grid or "", level=spec.level, judged_level=judged_level,
        major_class=flow_of(scenario).major_class(spec.category, levels, spec.major_class),
        command_post=_command_post(scenario, judged_level, changes, spec.command_post),
        first_receiver=spec.first_receiver,
        parent=parent, changes=tuple(changes), scripted=True)


def _simulated(scenario: Scenario, seed: int,
               specs: list[tuple[IncidentSpec, str, str | None, int]]) -> list[DrillIncident]:
    from drillsim.model import incidents_of, simulate
    drawn = incidents_of(scenario, seed, 0)
    run = simulate(scenario, seed, 0)
    records = {record.incident: record for record in run.incidents}
    alternatives = {step.id for step in scenario.flow if step.report is not None and step.report.or_}
    receivers = {s.incident: s.receiver for s in run.steps if s.step in alternatives and s.receiver}
    scripted = iter(specs)
    counts: dict[str, int] = {}
    ids: dict[int, str] = {}
    out = []
    for incident in drawn:
        spec: IncidentSpec | None = None
        if incident.source in ("inject", "cascade"):
            spec, ident, _parent, at = next(scripted)
            assert at == incident.occurred, "scripted incidents must come in the model's order"
        else:
            counts[incident.source] = counts.get(incident.source, 0) + 1
            ident = f"{incident.source}-{counts[incident.source]}"
        ids[incident.id] = ident
        changes = tuple(ChangeSpec(c.time, c.level, c.description, c.tick) for c in incident.changes)
        levels = (incident.level, *(c.level for c in changes))
        record = records.get(incident.id)
        out.append(DrillIncident(
            id=ident, number=incident.id, occurred=incident.occurred, category=incident.category,
            example=incident.example, description=incident.description, grid=incident.grid, level=incident.level,
            judged_level=incident.judged_level,
            major_class=record.major_class if record is not None else flow_of(scenario).major_class(
                incident.category, levels, incident.major_class),
            command_post=_command_post(scenario, incident.judged_level, changes,
                                       spec.command_post if spec is not None else None),
            first_receiver=receivers.get(incident.id, incident.first_receiver),
            parent=ids.get(incident.parent) if incident.parent is not None else None,
            changes=changes, scripted=spec is not None))
    return out


def milestone_key(milestone: str, change: int | None) -> str:
    """The model's name of a milestone recorded for a change numbered for people: `continuation_received#0`
    for change 1 (the log accepts a change only for a per-change milestone)."""
    return instance_key(milestone, model_change(change))


def to_record(scenario: Scenario, incident: DrillIncident, reached: Mapping[str, int], levels: Mapping[str, str],
              horizon: int) -> IncidentRecord:
    """The IncidentRecord the model would have written for what the drill recorded by `horizon`.

    `reached` maps milestone keys (as in the model: `office_received`,
    `continuation_received#0`) to drill times; the occurrence and every change
    due by the horizon default to their scripted times (a change not yet due
    leaves its clocks unstarted, so the model calls them pending). The level in force
    follows the model: the office's judgement from the judging step on, each
    change's level from its continuation report on; `levels` holds levels the
    drill recorded instead. The incident's `closure` is reached, as in the
    model, with the first recorded milestone of a step that closes it.
    """
    flow = flow_of(scenario)
    milestones = dict(reached)
    milestones.setdefault("occurred", incident.occurred)
    closed = [milestones[node.milestone] for node in flow
              if node.step.effect == "close" and node.milestone in milestones]
    if closed:
        milestones["closure"] = min(closed)
    closure = milestones.get("closure")
    for k, change in enumerate(incident.changes):
        # A report on the cadence falls due only while the incident is open, as in the model.
        if change.time <= horizon and not (change.tick and closure is not None and change.time >= closure):
            milestones.setdefault(flow.key("change", k), change.time)
    history = tuple(sorted(_level_history(scenario, incident, milestones, levels)))
    command_post = incident.command_post is True or any(
        key in milestones for key in _keys_of(scenario, incident, when="command_post"))
    return IncidentRecord(
        replication=0, incident=incident.number, source="drill", parent=None, category=incident.category,
        example=incident.example, description=incident.description, grid=incident.grid, level=incident.level,
        judged_level=incident.judged_level, final_level=history[-1][1] if history else incident.level,
        major_class=incident.major_class, command_post_required=command_post, occurred=milestones["occurred"],
        changes=tuple(change.time for change in incident.changes), milestones=milestones, level_history=history,
        closed=milestones.get("closure"), ticks=tuple(k for k, change in enumerate(incident.changes) if change.tick))


def _level_history(scenario: Scenario, incident: DrillIncident, milestones: Mapping[str, int],
                   levels: Mapping[str, str]) -> Iterator[tuple[int, str]]:
    flow = flow_of(scenario)
    for node in flow:
        if node.step.effect == "judge_level" and node.milestone in milestones:
            yield milestones[node.milestone], levels.get(node.milestone, incident.judged_level)
        elif node.step.effect == "apply_change" and node.per_change:
            for k, change in enumerate(incident.changes):
                key = flow.key(node.milestone, k)
                if key in milestones:
                    yield milestones[key], levels.get(key, change.level)


def _keys_of(scenario: Scenario, incident: DrillIncident, when: str) -> Iterator[str]:
    """The milestone keys of every instance of the steps run under a condition."""
    flow = flow_of(scenario)
    for node in flow:
        if node.condition == when:
            yield from (flow.key(node.milestone, k) for k in flow.instances(node, len(incident.changes)))
