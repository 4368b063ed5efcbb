"""The effective plan, as a reader sees it: actors and staffing, the flow, the deadlines.

Plain text for the terminal and a Mermaid flowchart for documents; both are
drawn from the validated scenario, so they show exactly what a run uses.
"""

from __future__ import annotations

import json
from typing import Any

from drillsim.scenario.schema import Scenario, Staffing, Step
from drillsim.scenario.units import format_clock, format_duration


def staffing_text(staffing: Staffing) -> str:
    parts = [f"{staffing.staff}"]
    parts += [f"{s.staff} from {format_clock(s.start)} to {format_clock(s.end)}" for s in staffing.shifts]
    parts += [f"{a.staff} away {a.start}s-{a.end}s" for a in staffing.absences]
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


def _receiver(step: Step) -> str:
    if step.report is None:
        return ""
    if step.report.or_:
        return f"{step.report.to} or {step.report.or_} (p={step.report.probability})"
    return step.report.to


def text(scenario: Scenario) -> str:
    """The effective plan as aligned plain text."""
    lines = [scenario.name, scenario.plan_title, ""]
    lines.append("Actors and staffing")
    for actor_id, actor in scenario.actors.items():
        stand_in = f" (stand-in: {actor.stand_in})" if actor.stand_in else ""
        lines.append(f"  {actor_id:<16} {actor.title:<44} {_actor_staffing(scenario, actor_id)}{stand_in}"
                     f"  [{actor.article}]")
    lines += ["", "Flow"]
    for step in scenario.flow:
        cond = f" when {step.when}" if step.when != "always" else ""
        per = " per change" if step.per == "change" else ""
        to = f" -> {_receiver(step)}" if step.report else ""
        dist = scenario.durations[step.duration].describe()
        lines.append(f"  {step.id:<20} {step.actor:<14} after {', '.join(step.after)}{cond}{per}{to}; "
                     f"{dist}; reaches {step.milestone}  [{step.article}]")
    lines += ["", "Deadlines"]
    for rule_id, rule in scenario.deadlines.items():
        levels = f" levels {', '.join(rule.levels)}" if rule.levels else ""
        open_ = " (plan leaves the number open; default)" if rule.open else ""
        lines.append(f"  {rule_id:<22} {format_duration(rule.limit):>6}  {rule.start} -> {rule.end}; "
                     f"applies to {rule.applies}{levels}{open_}  [{rule.article}]")
    return "\n".join(lines)


def _node(actor_id: str, title: str) -> str:
    return f'{actor_id}["{title}"]'


def _doers(flow: dict[str, Step], step: Step) -> list[str]:
    """Who does a step: its actor, or whoever received the report it names with `@`."""
    if step.actor.startswith("@"):
        report = flow[step.actor[1:]].report
        assert report is not None
        return [report.to, *([report.or_] if report.or_ else [])]
    return [step.actor]


def _receivers(scenario: Scenario, step: Step) -> list[str]:
    """Who a step hands the incident to: its report's receivers, or its own actor(s)."""
    if step.report is None:
        return [step.actor] if not step.actor.startswith("@") else []
    if step.report.to == "escalation":
        return sorted({t for targets in scenario.escalation.levels.values() for t in targets})
    return [step.report.to, *([step.report.or_] if step.report.or_ else [])]


def mermaid(scenario: Scenario) -> str:
    """A Mermaid flowchart: every actor a node, every report an edge labelled with its deadline."""
    deadline_by_end: dict[str, list[str]] = {}
    for rule_id, rule in scenario.deadlines.items():
        deadline_by_end.setdefault(rule.end, []).append(f"{rule_id} {format_duration(rule.limit)}")
    lines = ["flowchart TD"]
    for actor_id, actor in scenario.actors.items():
        lines.append(f"    {_node(actor_id, actor.title)}")
    lines.append('    incident(("incident occurs"))')
    lines.append("    incident --> discoverer")
    flow = {step.id: step for step in scenario.flow}
    edges: list[tuple[str, str, str]] = []
    for step in scenario.flow:
        label = step.id + "".join(f"; {d}" for d in deadline_by_end.get(step.milestone, []))
        doers = _doers(flow, step)
        before = [flow[name] for name in step.after if name in flow]
        handed = {who for prev in before for who in _receivers(scenario, prev)}
        continuing = {who for prev in before for who in _doers(flow, prev)}
        edges.extend((src, doer, label) for src in sorted(handed) for doer in doers
                     if doer not in handed and doer not in continuing)
        edges.extend((doer, target, label) for doer in doers for target in _receivers(scenario, step)
                     if step.report is not None)
    seen = set()
    for src, target, label in edges:
        if (src, target, label) not in seen:
            seen.add((src, target, label))
            lines.append(f'    {src} -->|"{label}"| {target}')
    for actor_id, actor in scenario.actors.items():
        if actor.stand_in:
            handover = format_duration(scenario.staffing_of(actor.stand_in).handover)
            lines.append(f'    {actor.stand_in} -.->|"stands in for a busy {actor_id} after {handover}"| {actor_id}')
    groups = [f'{gid}["{g.title}"]' for gid, g in scenario.working_groups.items()]
    lines.append('    subgraph working_groups["eight working groups, each led by the leader"]')
    lines.extend(f"        {g}" for g in groups)
    lines.append("    end")
    for gid, group in scenario.working_groups.items():
        lines.append(f"    {group.led_by} -.->|leads| {gid}")
    return "\n".join(lines)


def as_data(scenario: Scenario) -> dict[str, Any]:
    """The effective scenario as plain data (durations written with units)."""
    data: dict[str, Any] = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    return data


def as_json(scenario: Scenario) -> str:
    return json.dumps(as_data(scenario), indent=2, ensure_ascii=False)
