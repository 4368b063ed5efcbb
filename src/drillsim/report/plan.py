"""The effective plan, as a reader sees it: roles, people and teams, the flow, the deadlines, the readings.

Plain text for the terminal and a Mermaid flowchart for documents; both are
drawn from the validated scenario, so they show exactly what a run uses. Who
holds a role (its anonymous staff, the named people) is asked of
drillsim.model.staffing, the answer the chain is built from. Each entry
shows the article it comes from and the plan's own words (its `text`), and
whether its numbers are the plan's or a default for what the plan leaves
open; which reading of the plan is in force is asked of
drillsim.scenario.readings.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.cells import cell_len

from drillsim.model.staffing import holders_of
from drillsim.scenario import readings
from drillsim.scenario.flow import FlowStep, flow_of
from drillsim.scenario.paths import parse_path
from drillsim.scenario.schema import Person, Scenario, Staffing, Step
from drillsim.scenario.units import format_clock, format_duration, format_offset
from drillsim.text import visible

OPEN = "open: a default, the plan leaves it open"
"""How an entry whose numbers the plan leaves open is marked."""
TEXT_WIDTH = 100
"""Terminal cells a line of the plan's quoted text fills at most (a Chinese character takes two)."""
_TOKENS = re.compile(r"[A-Za-z0-9]+|\s+|.", re.DOTALL)
"""What a quoted line never breaks inside: a run of Latin letters or digits (`40`, `XX`, `III`)."""
_BREAKS = frozenset("。,;:、)”」,.;: ")
"""What a line of quoted text rather breaks after."""
_CLOSING = frozenset("。,;:、)”」!?")
"""What never begins a line: the character before it moves down with it."""


def wrapped(text: str, indent: int = 6, width: int = TEXT_WIDTH) -> list[str]:
    """The plan's words as lines of at most `width` terminal cells, `indent` spaces in, one paragraph per line of
    `text` and more where it is long: after a punctuation mark when one falls in the last third of the line."""
    room = max(20, width - indent)
    out: list[str] = []
    for paragraph in text.splitlines():
        tokens: list[str] = []
        for token in _TOKENS.findall(paragraph.strip()):
            tokens.append(token)
            if len(tokens) > 1 and sum(map(cell_len, tokens)) > room:
                cut = _cut(tokens, room)
                out.append("".join(tokens[:cut]).strip())
                tokens = tokens[cut:]
        if tokens:
            out.append("".join(tokens).strip())
    return [" " * indent + line for line in out if line]


def _cut(tokens: list[str], room: int) -> int:
    """How many tokens of an overfull line to keep: up to its last punctuation mark past two thirds of the line,
    else as many as fit without leaving a closing mark to begin the next line (at least one)."""
    cells, fits, mark = 0, 1, 0
    for index, token in enumerate(tokens, 1):
        cells += cell_len(token)
        if cells > room:
            break
        if index < len(tokens) and tokens[index] in _CLOSING:
            continue
        fits = index
        if token[-1] in _BREAKS and cells * 3 >= room * 2:
            mark = index
    return mark or fits


def _quoting(entry: Any, indent: int = 6) -> list[str]:
    """An entry's text, wrapped under its line (nothing for an entry without one)."""
    return wrapped(entry.text, indent) if entry.text else []


def _article(entry: Any) -> str:
    return f"  [{entry.article}]" if entry.article else ""


def staffing_text(staffing: Staffing) -> str:
    """`2; 3 from 08:00 to 18:00; 1 away from 1d 08:00 to 2d 08:00`: the base count first."""
    parts = [f"{staffing.staff}"]
    parts += [f"{s.staff} from {format_clock(s.start)} to {format_clock(s.end)}" for s in staffing.shifts]
    parts += [f"{a.staff} away from {format_offset(a.start)} to {format_offset(a.end)}" for a in staffing.absences]
    if staffing.handover:
        parts.append(f"stands in after {format_duration(staffing.handover)}")
    return "; ".join(parts)


_POLICIES = {"fcfs": "first come first served", "level": "the most serious level first",
             "deadline": "the nearest open deadline first", "first_reports": "the steps earlier in the flow first"}


def role_staffing(scenario: Scenario, actor_id: str, anonymous: list[tuple[str, str]] | None = None) -> str:
    """`2; 3 from 08:00 to 18:00; held by party_secretary`: a role's anonymous staff (none when only people hold
    it), who else holds it, and how its people choose their next task when that is not the scenario's.

    `anonymous`: the roles that have anonymous staff (drillsim.model.staffing.holders_of), when already known.
    """
    if anonymous is None:
        anonymous = [holder.roles[0] for holder in holders_of(scenario) if not holder.name]
    actor = scenario.actors[actor_id]
    staffing = scenario.staffing_of(actor_id)
    if actor.kind == "per_grid":
        grids = [unit for actor, unit in anonymous if actor == actor_id]
        parts = [", ".join(f"{grid}: {staffing_text(staffing.for_grid(grid))}" for grid in grids)] if grids else []
    elif (actor_id, "") in anonymous:
        parts = [staffing_text(staffing)]
    else:
        parts = ["no anonymous staff"] + ([f"stands in after {format_duration(staffing.handover)}"]
                                          if staffing.handover else [])
    held = [f"{person_id} in {grid}" if grid else person_id for person_id in scenario.holders(actor_id)
            for role in scenario.people[person_id].roles
            for actor, _, grid in [role.partition(":")] if actor == actor_id]
    if held:
        parts.append("held by " + ", ".join(held))
    policy = scenario.policy_of(actor_id)
    if policy != scenario.policy or staffing.preempt:
        parts.append(f"serves {_POLICIES[policy]}" + (", pausing a worse task" if staffing.preempt else ""))
    return "; ".join(parts)


def _stand_in(scenario: Scenario, role: str | None) -> str:
    stand_in = scenario.actors[role].stand_in if role is not None else None
    if stand_in is None:
        return ""
    return f" (stand-in {stand_in} after {format_duration(scenario.staffing_of(stand_in).handover)})"


def _actor_staffing(scenario: Scenario, actor_id: str, anonymous: list[tuple[str, str]]) -> str:
    actor = scenario.actors[actor_id]
    if actor.kind in ("unlimited", "superior"):
        return "as many as needed" if actor.kind == "unlimited" else "receives reports"
    if actor.kind == "team":
        led = f"led by {actor.leader}{_stand_in(scenario, actor.leader)}; " if actor.leader else ""
        return f"team: {led}members from {', '.join(actor.members)}"
    if actor.kind == "working_group":
        return "the working group of the incident's category (below)"
    return role_staffing(scenario, actor_id, anonymous)


def person_text(person: Person) -> str:
    """`holds leader, commander; on duty 08:00-18:00; away from 1d 08:00 to 2d 08:00`."""
    parts = [f"holds {', '.join(person.roles)}"]
    windows = [f"{format_clock(w.start)}-{format_clock(w.end)}" for w in person.shifts]
    windows += [f"from {format_offset(w.start)} to {format_offset(w.end)}" for w in person.duty]
    parts.append(f"on duty {', '.join(windows)}" if windows else "on duty throughout")
    parts += [f"away from {format_offset(w.start)} to {format_offset(w.end)}" for w in person.absences]
    return "; ".join(parts)


def _held(scenario: Scenario, role: str) -> str:
    """`leader (party_secretary)`: a role and the people who hold it, if any."""
    holders = scenario.holders(role)
    return f"{role} ({', '.join(holders)})" if holders else role


def _group_text(scenario: Scenario, group_id: str) -> str:
    """`led by leader (party_secretary), deputy deputy (committee_director) after 5m; members community_police,
    grid_worker; takes social_security, other`."""
    group = scenario.working_groups[group_id]
    parts = [f"led by {_held(scenario, group.led_by)}"]
    if group.deputy:
        parts[0] += (f", deputy {_held(scenario, group.deputy)} after "
                     f"{format_duration(scenario.staffing_of(group.deputy).handover)}")
    parts.append(f"members {', '.join(group.members)}" if group.members else "no members")
    taken = [name for name, category in scenario.categories.items() if category.working_group == group_id]
    parts.append(f"takes {', '.join(taken)}" if taken else "no category activates it")
    return "; ".join(parts)


_WHEN = {"command_post": "only with a command post", "major_class": "only for the six major classes",
         "external": "only when the category calls professional responders",
         "no_external": "only when the category does not call professional responders"}
_APPLIES = {"all": "every incident", "command_post": "incidents with a command post",
            "no_command_post": "incidents without a command post", "major_class": "the six major classes",
            "change": "each change"}


def _receiver(scenario: Scenario, step: Step) -> str:
    assert step.report is not None
    if step.report.to == "escalation":
        return "reports level by level to the superiors of the level in force"
    if step.report.or_ and step.report.probability:
        share = getattr(scenario.probabilities, step.report.probability)
        return (f"reports to {step.report.to}, or to {step.report.or_} with probability "
                f"{step.report.probability} ({share:g})")
    return f"reports to {step.report.to}"


def _carried(scenario: Scenario, node: FlowStep) -> str:
    """What a report must carry, how its sender sends it before then, and what else it may cost."""
    step = node.step
    report = step.report
    assert report is not None
    if report.carries == "known":
        parts = ["carries what is known when it is sent"]
    elif report.carries == "all" or report.carries:
        names = list(scenario.core_elements) if report.carries == "all" else list(report.carries)
        senders = flow_of(scenario).doers(node)
        practices = {scenario.practice_of(sender) for sender in senders}
        practice = ("sent at once, followed up when they are known" if practices == {"send_now"}
                    else "waits until they are known" if practices == {"wait"}
                    else "; ".join(f"{sender}: {scenario.practice_of(sender)}" for sender in senders))
        parts = [f"must carry {'all nine core elements' if report.carries == 'all' else ', '.join(names)} "
                 f"({practice})"]
    else:
        parts = []
    if report.incomplete is not None:
        parts.append(f"incomplete by human error with probability {report.incomplete:g}")
    if report.transit is not None:
        parts.append(f"transit {report.transit}: {scenario.durations[report.transit].describe()}")
    return "; ".join(parts)


def _step_text(scenario: Scenario, node: FlowStep) -> str:
    step = node.step
    who = f"whoever received {step.actor[1:]}" if step.actor.startswith("@") else step.actor
    if node.actor is not None and scenario.actors[node.actor].kind == "working_group":
        who += " (the category's)"
    parts = [f"{step.id}: {who}", f"after {', '.join(step.after)}"]
    if step.when != "always":
        parts.append(_WHEN[step.when])
    if node.per_change:
        parts.append("once per change")
    parts.append(f"duration {step.duration}: {scenario.durations[step.duration].describe()}")
    if step.units:
        actor = scenario.actors.get(node.actor) if node.actor is not None else None
        drawn = actor is not None and actor.kind in ("team", "working_group")
        led = actor is not None and (actor.kind == "working_group" or (actor.kind == "team" and actor.leader))
        counts = ", ".join(f"{n} for level {level}" for level, n in step.units.items())
        own = "".join(f"; for {scenario.categories[category].title}: "
                      + ", ".join(f"{n} for level {level}" for level, n in units.items())
                      for category, units in step.units_by_category.items())
        parts.append(f"takes members ({counts}{own}){' and its leader' if led else ''}" if drawn
                     else f"takes {counts}{own}")
    if step.report is not None:
        parts.append(_receiver(scenario, step))
        if carried := _carried(scenario, node):
            parts.append(carried)
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
    """The effective plan as plain text: one line per actor, step and deadline, with its article, the plan's words
    under it and whether its numbers are open; then the readings of the plan and the one in force."""
    lines = [scenario.name, scenario.plan_title,
             f"horizon {format_duration(scenario.horizon)}; {scenario.replications} replications; "
             f"seed {scenario.seed}; tasks served {_POLICIES[scenario.policy]} ({scenario.policy})", ""]
    anonymous = [holder.roles[0] for holder in holders_of(scenario) if not holder.name]
    lines.append("Actors and staffing (anonymous staff on duty: shifts override the base count, absences subtract; "
                 "the people who hold the role)")
    width = max(16, *(len(name) for name in scenario.actors))
    for actor_id, actor in scenario.actors.items():
        stand_in = f" (stand-in: {actor.stand_in})" if actor.stand_in else ""
        lines.append(f"  {actor_id:<{width}} {actor.title:<44} {_actor_staffing(scenario, actor_id, anonymous)}"
                     f"{stand_in}  [{actor.article}]")
        lines += _quoting(actor)
    if scenario.people:
        lines += ["", "People (one person does one task at a time, whichever role it comes from)"]
        width = max(len(name) for name in scenario.people)
        titles = max(len(person.title) for person in scenario.people.values())
        for person_id, person in scenario.people.items():
            lines.append(f"  {person_id:<{width}} {person.title:<{titles}} {person_text(person)}{_article(person)}")
            lines += _quoting(person)
    lines += ["", "Working groups (the group of the incident's category: its leader, or the deputy after the "
                  "hand-over, and members asked in this order)"]
    width = max(len(name) for name in (*scenario.working_groups, *scenario.categories))
    titles = max(len(group.title) for group in scenario.working_groups.values())
    for group_id, group in scenario.working_groups.items():
        lines.append(f"  {group_id:<{width}} {group.title:<{titles}} {_group_text(scenario, group_id)}  "
                     f"[{group.article}]")
        lines += _quoting(group)
    lines += ["", "Categories (the working group activated; the professional responders called, who take over on site)"]
    for name, category in scenario.categories.items():
        lines.append(f"  {name:<{width}} group {category.working_group}; "
                     f"{'calls ' + category.external if category.external else 'no professional responders'}"
                     f"  [{category.article}]")
        lines += _quoting(category)
    if scenario.core_elements:
        lines += ["", "Core elements (when the chain can know each: after a step's work, or its milestone, and a drawn "
                      "delay; a report sent before one it must carry is known is incomplete)"]
        width = max(len(name) for name in scenario.core_elements)
        for name, element in scenario.core_elements.items():
            lines.append(f"  {name:<{width}} {element.title}; known after {element.after}"
                         + (f", then {element.duration}: {scenario.durations[element.duration].describe()}"
                            if element.duration else "") + _article(element))
            lines += _quoting(element)
        waiting = sorted(actor for actor in scenario.actors if scenario.practice_of(actor) == "wait")
        lines.append(f"  practice: {scenario.practice}"
                     + (f"; waits until the elements are known: {', '.join(waiting)}" if waiting else ""))
    lines += ["", "Flow (each step waits for the steps it comes after, then takes its actor)"]
    for node in flow_of(scenario):
        lines.append(f"  {_step_text(scenario, node)}{'; ' + OPEN if node.step.open else ''}  [{node.step.article}]")
        lines += _quoting(node.step)
    model = [(name, what) for name, what in _MODEL_DURATIONS.items() if name in scenario.durations]
    if model:
        lines += ["", "Durations the model itself reads (by these names)"]
        lines.extend(f"  {name}: {scenario.durations[name].describe()}; {what}" for name, what in model)
    lines += ["", _organisation_text(scenario)]
    lines += ["", f"Escalation (the superiors each level reaches{'; ' + OPEN if scenario.escalation.open else ''})"
                  f"{_article(scenario.escalation)}", *_quoting(scenario.escalation, 4)]
    lines.extend(f"  {level:<4} {', '.join(targets)}" for level, targets in scenario.escalation.levels.items())
    lines += ["", "Deadlines (limit, from the milestone that starts the clock to the one that stops it)"]
    flow = flow_of(scenario)
    width = max((len(rule_id) for rule_id in scenario.deadlines), default=0)
    for rule_id, rule in scenario.deadlines.items():
        levels = f", levels {', '.join(rule.levels)}" if rule.levels else ""
        open_ = f"; {OPEN}" if rule.open else ""
        known = f" (not before {rule.not_before})" if rule.not_before is not None else ""
        per_change = ", at each change" if rule.applies != "change" and flow.rule_per_change(rule) else ""
        lines.append(f"  {rule_id:<{width}} {format_duration(rule.limit):>6}  {rule.start}{known} -> {rule.end}; "
                     f"applies to {_APPLIES[rule.applies]}{per_change}{levels}{open_}  [{rule.article}]")
        lines += _quoting(rule)
    if scenario.readings:
        lines += ["", "Readings (what the plan's words leave open; `read_as: {READING: ALTERNATIVE}` takes another, "
                      "`drillsim readings` runs each)"]
        for name in scenario.readings:
            lines += _reading_text(scenario, name)
    return "\n".join(lines)


def _organisation_text(scenario: Scenario) -> str:
    """The command post rule, the channels and the changes: what they set, whether the plan set it, its words."""
    post, channels, changes = scenario.command_post, scenario.channels, scenario.changes
    p_post = scenario.probabilities.command_post_low_level
    lines = [f"Command post: set up at once for level{'s' if len(post.levels) != 1 else ''} "
             f"{', '.join(post.levels) or 'none'}; for the others with probability command_post_low_level "
             f"({p_post:g}){_article(post)}", *_quoting(post, 4)]
    media = "; ".join(f"{name} {format_duration(channels.media[name].delay)} (fallback "
                      f"{format_duration(channels.media[name].fallback_delay)})" for name in channels.order)
    lines += [f"Channels, tried in order: {media}{'; ' + OPEN if channels.open else ''}{_article(channels)}",
              *_quoting(channels, 4)]
    if changes.mean_count or changes.text:
        counts = ", ".join(f"{n:g} for level {level}" for level, n in changes.mean_count.items()) or "none"
        lines += [f"Changes calling for a continuation report, on average: {counts}"
                  f"{'; ' + OPEN if changes.open else ''}{_article(changes)}", *_quoting(changes, 4)]
    return "\n".join(lines)


def _reading_text(scenario: Scenario, name: str, indent: int = 2) -> list[str]:
    """A reading: its title and article, its words, and each alternative with why the text allows it, the one in
    force marked `*` (and whether it is the plan file's default)."""
    reading = scenario.readings[name]
    in_force = readings.in_force(scenario)[name]
    open_to = {choice.alternative for choice in readings.choices(scenario).get(name, ())}
    pad = " " * indent
    if in_force == readings.OWN:
        force = "in force: the scenario's own values, none of the alternatives"
    else:
        force = f"in force: {in_force}" + (" (the plan's default)" if in_force == reading.default
                                            else f" (the plan's default is {reading.default})")
    lines = [f"{pad}{name}: {reading.title}; {force}{_article(reading)}", *_quoting(reading, indent + 4)]
    for alternative, values in reading.alternatives.items():
        mark = "*" if alternative == in_force else " "
        unavailable = "" if alternative in open_to or alternative == in_force else " (changes nothing here)"
        lines.append(f"{pad}  {mark} {alternative}: {values.means}{unavailable}")
        lines += _quoting(values, indent + 6)
    return lines


def rule_readings(scenario: Scenario, rule_id: str) -> list[tuple[str, str]]:
    """The readings that can move a rule's hit rate (drillsim.scenario.readings.relevant), each with how: `clock`
    when an alternative sets or removes the rule itself, `chain` when it changes what the chain does."""
    return [(name, "clock" if rule_id in readings.rules_moved(scenario.readings[name]) else "chain")
            for name in readings.relevant(scenario, rule_id)]


def removed_by(scenario: Scenario, rule_id: str) -> str | None:
    """`upward_without_post=none`: the reading in force that removes a rule the scenario does not have, if one does."""
    for name, alternative in readings.in_force(scenario).items():
        values = scenario.readings[name].alternatives.get(alternative)
        if values is not None and any(value is None and parse_path(path) == ("deadlines", rule_id)
                                      for path, value in values.set.items()):
            return f"{name}={alternative}"
    return None


_HOW = {"clock": "sets its clock or removes it", "chain": "changes what the chain does, so it may move every rule"}


def rule_text(scenario: Scenario, rule_id: str) -> str:
    """One deadline rule as plain text: what it asks, whether its number is the plan's own, the plan's words, and
    the readings that move it with their alternatives (the one in force marked `*`)."""
    rule = scenario.deadlines[rule_id]
    known = f", not before {rule.not_before}" if rule.not_before is not None else ""
    levels = f", levels {', '.join(rule.levels)}" if rule.levels else ""
    per_change = ", at each change" if rule.applies != "change" and flow_of(scenario).rule_per_change(rule) else ""
    lines = [f"{rule_id}: {rule.title}",
             f"  limit {format_duration(rule.limit)}; " + (OPEN if rule.open else "the plan's own number"),
             f"  clock from {rule.start}{known} to {rule.end}",
             f"  applies to {_APPLIES[rule.applies]}{per_change}{levels}",
             f"  {rule.article or 'no article'}", *_quoting(rule, 4)]
    moving = rule_readings(scenario, rule_id)
    if not moving:
        lines += ["", "No reading of the plan moves it."]
    for how in ("clock", "chain"):
        names = [name for name, moves in moving if moves == how]
        if names:
            lines += ["", f"Readings that move it: each {_HOW[how]}"]
            for name in names:
                lines += _reading_text(scenario, name)
    return "\n".join(lines)


def rule_data(scenario: Scenario, rule_id: str) -> dict[str, Any]:
    """One deadline rule as plain data: the rule as the scenario file writes it, and the readings that move it,
    each with how, its alternatives, the one in force and the plan's default."""
    rule = scenario.deadlines[rule_id]
    in_force = readings.in_force(scenario)
    moving = []
    for name, how in rule_readings(scenario, rule_id):
        reading = scenario.readings[name]
        moving.append({"reading": name, "moves": how, "title": reading.title, "article": reading.article,
                       "text": reading.text, "in_force": in_force[name], "default": reading.default,
                       "alternatives": {alt: {"means": values.means, "text": values.text}
                                        for alt, values in reading.alternatives.items()}})
    return {"rule": rule_id, **rule.model_dump(mode="json", by_alias=True, exclude_defaults=False),
            "readings": moving}


def rule_json(scenario: Scenario, rule_id: str) -> str:
    return json.dumps(rule_data(scenario, rule_id), indent=2, ensure_ascii=False)


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
    # Working groups and people get a prefix: a plan may name a group like an actor (`office`).
    groups = scenario.working_groups
    lines.append(f"    subgraph working_groups[{_quoted(f'{len(groups)} working groups')}]")
    lines.extend(f"        {_node(f'group_{gid}', group.title)}" for gid, group in groups.items())
    lines.append("    end")
    lines.extend(f"    {group.led_by} -.->|leads| group_{gid}" for gid, group in groups.items())
    lines.extend(_organisation(scenario))
    return "\n".join(lines)


def _organisation(scenario: Scenario) -> list[str]:
    """Dotted edges for who staffs whom: a team's leader and members, a working group's deputy and members (one
    edge to the subgraph for a role that every group has alike), and each person to the roles they hold."""
    lines = []
    for actor_id, actor in scenario.actors.items():
        if actor.kind == "team":
            lines.extend([f"    {actor.leader} -.->|leads| {actor_id}"] if actor.leader else [])
            lines.extend(f"    {role} -.->|member| {actor_id}" for role in actor.members)
    groups = scenario.working_groups
    related: dict[tuple[str, str], list[str]] = {}
    for gid, group in groups.items():
        for role, relation in [*([(group.deputy, "deputy")] if group.deputy else []),
                               *((role, "member") for role in group.members)]:
            related.setdefault((role, relation), []).append(gid)
    for (role, relation), gids in related.items():
        if len(gids) == len(groups) > 1:
            lines.append(f"    {role} -.->|{_quoted(f'{relation} of every group')}| working_groups")
        else:
            lines.extend(f"    {role} -.->|{relation}| group_{gid}" for gid in gids)
    for person_id, person in scenario.people.items():
        lines.append(f"    person_{person_id}([{_quoted(person.title or person_id)}])")
        for role in person.roles:
            actor, _, grid = role.partition(":")
            label = _quoted(f"holds in {grid}") if grid else "holds"
            lines.append(f"    person_{person_id} -.->|{label}| {actor}")
    return lines


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
    """The effective scenario as JSON, its `read_as` naming the alternative in force of every reading whose values
    match one (a reading it leaves out has the scenario's own values), so that a tool need not work it out."""
    data = as_data(scenario)
    data["read_as"] = {name: alternative for name, alternative in readings.in_force(scenario).items()
                       if alternative != readings.OWN}
    return json.dumps(data, indent=2, ensure_ascii=False)
