"""The effective plan, as a reader sees it: actors and staffing, the flow, the deadlines.

Plain text for the terminal and a Mermaid flowchart for documents; both are
drawn from the validated scenario, so they show exactly what a run uses.
"""

from __future__ import annotations

import json
from typing import Any

from drillsim.scenario.flow import FlowStep, flow_of
from drillsim.scenario.schema import Scenario, Staffing, Step
from drillsim.scenario.units import format_clock, format_duration, format_offset
from drillsim.text import visible


def staffing_text(staffing: Staffing) -> str:
    """`2; 3 from 08:00 to 18:00; 1 away from 1d 08:00 to 2d 08:00`: the base count first."""
    parts = [f"{staffing.staff}"]
    parts += [f"{s.staff} from {format_clock(s.start)} to {format_clock(s.end)}" for s in staffing.shifts]
    parts += [f"{a.staff} away from {format_offset(a.start)} to {format_offset(a.end)}" for a in staffing.absences]
    if staffing.handover:
        parts.append(f"stands in after {format_duration(staffing.handover)}")
    return "; ".join(parts)


def _actor_staffing(scenario: Scenario, actor_id: str) -> str:
    kind = scenario.actors[actor_id].kind
    if kind in ("unlimited", "superior"):
        return "as many as needed" if kind == "unlimited" else "receives reports"
    staffing = scenario.staffing_of(actor_id)
    if kind == "per_grid":
        return ", ".join(f"{grid}: {staffing_text(staffing.for_grid(grid))}" for grid in staffing.grids)
    return staffing_text(staffing)


_WHEN = {"command_post": "only with a command post", "major_class": "only for the six major classes"}
_APPLIES = {"all": "every incident", "command_post": "incidents with a command post",
            "major_class": "the six major classes", "change": "each change"}


def _receiver(scenario: Scenario, step: Step) -> str:
    assert step.report is not None
    if step.report.to == "escalation":
        return "reports level by level to the superiors of the level in force"
    if step.report.or_ and step.report.probability:
        share = getattr(scenario.probabilities, step.report.probability)
        return (f"reports to {step.report.to}, or to {step.report.or_} with probability "
                f"{step.report.probability} ({share:g})")
    return f"reports to {step.report.to}"


def _step_text(scenario: Scenario, node: FlowStep) -> str:
    step = node.step
    who = f"whoever received {step.actor[1:]}" if step.actor.startswith("@") else step.actor
    parts = [f"{step.id}: {who}", f"after {', '.join(step.after)}"]
    if step.when != "always":
        parts.append(_WHEN[step.when])
    if node.per_change:
        parts.append("once per change")
    parts.append(f"duration {step.duration}: {scenario.durations[step.duration].describe()}")
    if step.units:
        parts.append("takes " + ", ".join(f"{n} for level {level}" for level, n in step.units.items()))
    if step.report is not None:
        parts.append(_receiver(scenario, step))
    parts.append(f"reaches {step.milestone}")
    return "; ".join(parts)


_MODEL_DURATIONS = {
    "follow_up": "the call back for what an incomplete report misses",
    "acknowledge": "a superior acknowledging a report",
    "change_interval": "the time between a streamed incident's changes",
    "reassessment": "until new facts correct a misjudged level",
}
"""What each duration of drillsim.scenario.usage.MODEL_DURATIONS times."""


def text(scenario: Scenario) -> str:
    """The effective plan as plain text: one line per actor, step and deadline, with its article."""
    lines = [scenario.name, scenario.plan_title,
             f"horizon {format_duration(scenario.horizon)}; {scenario.replications} replications; "
             f"seed {scenario.seed}", ""]
    lines.append("Actors and staffing (people on duty; shifts override the base count; absences subtract)")
    for actor_id, actor in scenario.actors.items():
        stand_in = f" (stand-in: {actor.stand_in})" if actor.stand_in else ""
        lines.append(f"  {actor_id:<16} {actor.title:<44} {_actor_staffing(scenario, actor_id)}{stand_in}"
                     f"  [{actor.article}]")
    lines += ["", "Flow (each step waits for the steps it comes after, then takes its actor)"]
    lines.extend(f"  {_step_text(scenario, node)}  [{node.step.article}]" for node in flow_of(scenario))
    model = [(name, what) for name, what in _MODEL_DURATIONS.items() if name in scenario.durations]
    if model:
        lines += ["", "Durations the model itself reads (by these names)"]
        lines.extend(f"  {name}: {scenario.durations[name].describe()}; {what}" for name, what in model)
    lines += ["", "Escalation (the superiors each level reaches)"]
    lines.extend(f"  {level:<4} {', '.join(targets)}" for level, targets in scenario.escalation.levels.items())
    lines += ["", "Deadlines (limit, from the milestone that starts the clock to the one that stops it)"]
    for rule_id, rule in scenario.deadlines.items():
        levels = f", levels {', '.join(rule.levels)}" if rule.levels else ""
        open_ = "; the plan leaves the number open: a default" if rule.open else ""
        lines.append(f"  {rule_id:<22} {format_duration(rule.limit):>6}  {rule.start} -> {rule.end}; "
                     f"applies to {_APPLIES[rule.applies]}{levels}{open_}  [{rule.article}]")
    return "\n".join(lines)


_MERMAID_CODES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}
"""Mermaid's entity codes: a quote ends the label, `<` and `&` are read as HTML, a backtick as Markdown."""


def _quoted(label: str) -> str:
    """A Mermaid string that shows its text as written: one line (a newline ends the statement), entities coded."""
    one_line = visible(" ".join(label.split()))
    return '"' + "".join(_MERMAID_CODES.get(char, char) for char in one_line) + '"'


def _node(actor_id: str, title: str) -> str:
    return f"{actor_id}[{_quoted(title)}]"


def _receivers(scenario: Scenario, step: Step) -> list[str]:
    """Who a step hands the incident to: its report's receivers, or its own actor(s)."""
    if step.report is None:
        return [step.actor] if not step.actor.startswith("@") else []
    if step.report.to == "escalation":
        return sorted({t for targets in scenario.escalation.levels.values() for t in targets})
    return [step.report.to, *([step.report.or_] if step.report.or_ else [])]


def _levels_reaching(scenario: Scenario, step: Step, target: str) -> str:
    """`; levels I, II` on an escalation edge: which levels in force send the report there."""
    if step.report is None or step.report.to != "escalation":
        return ""
    levels = [level for level, targets in scenario.escalation.levels.items() if target in targets]
    return f"; level{'s' if len(levels) > 1 else ''} {', '.join(levels)}"


def mermaid(scenario: Scenario) -> str:
    """A Mermaid flowchart: every actor a node, every report an edge labelled with its deadline."""
    deadline_by_end: dict[str, list[str]] = {}
    for rule_id, rule in scenario.deadlines.items():
        deadline_by_end.setdefault(rule.end, []).append(f"{rule_id} within {format_duration(rule.limit)}")
    lines = ["flowchart TD"]
    for actor_id, actor in scenario.actors.items():
        lines.append(f"    {_node(actor_id, actor.title)}")
    lines.append('    incident(("incident occurs"))')
    lines.append("    incident --> discoverer")
    flow = flow_of(scenario)
    edges: list[tuple[str, str, str]] = []
    for node in flow:
        step = node.step
        label = step.id + "".join(f"; {d}" for d in deadline_by_end.get(step.milestone, []))
        doers = flow.doers(node)
        before = [flow[name] for name in node.predecessors]
        handed = {who for prev in before for who in _receivers(scenario, prev.step)}
        continuing = {who for prev in before for who in flow.doers(prev)}
        edges.extend((src, doer, label) for src in sorted(handed) for doer in doers
                     if doer not in handed and doer not in continuing)
        if step.report is not None:
            edges.extend((doer, target, label + _levels_reaching(scenario, step, target))
                         for doer in doers for target in _receivers(scenario, step))
    seen = set()
    for src, target, label in edges:
        if (src, target, label) not in seen:
            seen.add((src, target, label))
            lines.append(f"    {src} -->|{_quoted(label)}| {target}")
    for actor_id, actor in scenario.actors.items():
        if actor.stand_in:
            handover = format_duration(scenario.staffing_of(actor.stand_in).handover)
            label = _quoted(f"stands in for a busy {actor_id} after {handover}")
            lines.append(f"    {actor.stand_in} -.->|{label}| {actor_id}")
    # Working groups get a prefix: a plan may name a group like an actor (`office`).
    groups = scenario.working_groups
    lines.append(f"    subgraph working_groups[{_quoted(f'{len(groups)} working groups')}]")
    lines.extend(f"        {_node(f'group_{gid}', group.title)}" for gid, group in groups.items())
    lines.append("    end")
    lines.extend(f"    {group.led_by} -.->|leads| group_{gid}" for gid, group in groups.items())
    return "\n".join(lines)


def as_data(scenario: Scenario) -> dict[str, Any]:
    """The effective scenario as plain data (durations written with units), every field written out.

    A grid's staffing is written as the grid has it, with what it inherits
    from its actor filled in: written out, an inherited field would
    otherwise read back as the grid's own default.
    """
    data: dict[str, Any] = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    for actor, staffing in scenario.staffing.items():
        if scenario.holders(actor) and "staff" not in staffing.model_fields_set:
            del data["staffing"][actor]["staff"]  # written out, it would add anonymous staff to the people's role
        data["staffing"][actor]["grids"] = {
            grid: staffing.for_grid(grid).model_dump(mode="json", by_alias=True) for grid in staffing.grids}
    return data


def as_json(scenario: Scenario) -> str:
    return json.dumps(as_data(scenario), indent=2, ensure_ascii=False)
