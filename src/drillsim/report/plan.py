"""The effective plan, as a reader sees it: roles, people and teams, the flow, the deadlines, the readings.

Plain text for the terminal and a Mermaid flowchart for documents; both are
drawn from the validated scenario, so they show exactly what a run uses. Who
holds a role (its anonymous staff, the named people) is asked of
drillsim.model.staffing, the answer the chain is built from. Each entry
shows the article it comes from and the plan's own words (its `text`), and
whether its numbers are the plan's or a default for what the plan leaves
open; which reading of the plan is in force is asked of
drillsim.scenario.readings. Every fixed word is in the language in force
(drillsim.i18n) and every entry goes by its name in it
(drillsim.scenario.names); the plan's quoted words stay as written. Columns
are counted in terminal cells, as a Chinese character takes two.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.cells import cell_len

from drillsim.i18n import _, language, ngettext
from drillsim.model.staffing import holders_of
from drillsim.scenario import readings
from drillsim.scenario.flow import FlowStep, flow_of
from drillsim.scenario.names import level_name, means_of, plan_title_of, scenario_name, title_of
from drillsim.scenario.paths import parse_path
from drillsim.scenario.schema import Person, Scenario, Staffing, Step
from drillsim.scenario.units import format_clock, format_duration, format_offset
from drillsim.text import visible

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


def _open() -> str:
    """How an entry whose numbers the plan leaves open is marked."""
    return _("open: a default, the plan leaves it open")


def _padded(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal cells: a Chinese character takes two, so `str.ljust` would not."""
    return text + " " * max(0, width - cell_len(text))


def _named(key: str, entry: Any) -> str:
    """An entry by its key, as the English lines show it; in Chinese with its name too, since the keys are English
    words (drillsim.scenario.names: a scenario written in Chinese shows its own titles)."""
    title = title_of(entry) if language() == "zh" else ""
    return f"{key} {title}" if title and title != key else key


def staffing_text(staffing: Staffing) -> str:
    """`2; 3 from 08:00 to 18:00; 1 away from 1d 08:00 to 2d 08:00`: the base count first."""
    parts = [f"{staffing.staff}"]
    parts += [_("{staff} from {start} to {end}").format(staff=s.staff, start=format_clock(s.start),
                                                       end=format_clock(s.end)) for s in staffing.shifts]
    parts += [_("{staff} away from {start} to {end}").format(staff=a.staff, start=format_offset(a.start),
                                                            end=format_offset(a.end)) for a in staffing.absences]
    if staffing.handover:
        parts.append(_("stands in after {handover}").format(handover=format_duration(staffing.handover)))
    return "; ".join(parts)


def _policy(name: str) -> str:
    """How a role's people choose their next task, in words."""
    return {"fcfs": _("first come first served"), "level": _("the most serious level first"),
            "deadline": _("the nearest open deadline first"),
            "first_reports": _("the steps earlier in the flow first")}[name]


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
        parts = [_("no anonymous staff")] + (
            [_("stands in after {handover}").format(handover=format_duration(staffing.handover))]
            if staffing.handover else [])
    held = [_("{person} in {grid}").format(person=person_id, grid=grid) if grid else person_id
            for person_id in scenario.holders(actor_id)
            for role in scenario.people[person_id].roles
            for actor, _sep, grid in [role.partition(":")] if actor == actor_id]
    if held:
        parts.append(_("held by {people}").format(people=", ".join(held)))
    policy = scenario.policy_of(actor_id)
    if policy != scenario.policy or staffing.preempt:
        serves = _("serves {policy}, pausing a worse task") if staffing.preempt else _("serves {policy}")
        parts.append(serves.format(policy=_policy(policy)))
    return "; ".join(parts)


def _stand_in(scenario: Scenario, role: str | None) -> str:
    stand_in = scenario.actors[role].stand_in if role is not None else None
    if stand_in is None:
        return ""
    return _(" (stand-in {actor} after {handover})").format(
        actor=stand_in, handover=format_duration(scenario.staffing_of(stand_in).handover))


def _actor_staffing(scenario: Scenario, actor_id: str, anonymous: list[tuple[str, str]]) -> str:
    actor = scenario.actors[actor_id]
    if actor.kind in ("unlimited", "superior"):
        return _("as many as needed") if actor.kind == "unlimited" else _("receives reports")
    if actor.kind == "team":
        led = (_("led by {leader}{stand_in}; ").format(leader=actor.leader, stand_in=_stand_in(scenario, actor.leader))
               if actor.leader else "")
        return _("team: {led}members from {members}").format(led=led, members=", ".join(actor.members))
    if actor.kind == "working_group":
        return _("the working group of the incident's category (below)")
    return role_staffing(scenario, actor_id, anonymous)


def person_text(person: Person) -> str:
    """`holds leader, commander; on duty 08:00-18:00; away from 1d 08:00 to 2d 08:00`."""
    parts = [_("holds {roles}").format(roles=", ".join(person.roles))]
    windows = [f"{format_clock(w.start)}-{format_clock(w.end)}" for w in person.shifts]
    windows += [_("from {start} to {end}").format(start=format_offset(w.start), end=format_offset(w.end))
                for w in person.duty]
    parts.append(_("on duty {windows}").format(windows=", ".join(windows)) if windows else _("on duty throughout"))
    parts += [_("away from {start} to {end}").format(start=format_offset(w.start), end=format_offset(w.end))
              for w in person.absences]
    return "; ".join(parts)


def _held(scenario: Scenario, role: str) -> str:
    """`leader (party_secretary)`: a role and the people who hold it, if any."""
    holders = scenario.holders(role)
    return f"{role} ({', '.join(holders)})" if holders else role


def _group_text(scenario: Scenario, group_id: str) -> str:
    """`led by leader (party_secretary), deputy deputy (committee_director) after 5m; members community_police,
    grid_worker; takes social_security, other`."""
    group = scenario.working_groups[group_id]
    parts = [_("led by {leader}").format(leader=_held(scenario, group.led_by))]
    if group.deputy:
        parts[0] += _(", deputy {deputy} after {handover}").format(
            deputy=_held(scenario, group.deputy), handover=format_duration(scenario.staffing_of(group.deputy).handover))
    parts.append(_("members {members}").format(members=", ".join(group.members)) if group.members
                 else _("no members"))
    taken = [name for name, category in scenario.categories.items() if category.working_group == group_id]
    parts.append(_("takes {categories}").format(categories=", ".join(taken)) if taken
                 else _("no category activates it"))
    return "; ".join(parts)


def _when(condition: str) -> str:
    """When a step runs, in words (a step that always runs says nothing)."""
    return {"command_post": _("only with a command post"), "major_class": _("only for the six major classes"),
            "external": _("only when the category calls professional responders"),
            "no_external": _("only when the category does not call professional responders")}[condition]


def _applies(applies: str) -> str:
    """Which incidents a deadline is checked for, in words."""
    return {"all": _("every incident"), "command_post": _("incidents with a command post"),
            "no_command_post": _("incidents without a command post"), "major_class": _("the six major classes"),
            "change": _("each change")}[applies]


def _receiver(scenario: Scenario, step: Step) -> str:
    assert step.report is not None
    if step.report.to == "escalation":
        return _("reports level by level to the superiors of the level in force")
    if step.report.or_ and step.report.probability:
        share = getattr(scenario.probabilities, step.report.probability)
        return _("reports to {to}, or to {other} with probability {name} ({share})").format(
            to=step.report.to, other=step.report.or_, name=step.report.probability, share=f"{share:g}")
    return _("reports to {to}").format(to=step.report.to)


def _carried(scenario: Scenario, node: FlowStep) -> str:
    """What a report must carry, how its sender sends it before then, and what else it may cost."""
    step = node.step
    report = step.report
    assert report is not None
    if report.carries == "known":
        parts = [_("carries what is known when it is sent")]
    elif report.carries == "all" or report.carries:
        names = list(scenario.core_elements) if report.carries == "all" else list(report.carries)
        senders = flow_of(scenario).doers(node)
        practices = {scenario.practice_of(sender) for sender in senders}
        practice = (_("sent at once, followed up when they are known") if practices == {"send_now"}
                    else _("waits until they are known") if practices == {"wait"}
                    else "; ".join(f"{sender}: {scenario.practice_of(sender)}" for sender in senders))
        parts = [_("must carry {elements} ({practice})").format(
            elements=_("all nine core elements") if report.carries == "all" else ", ".join(names), practice=practice)]
    else:
        parts = []
    if report.incomplete is not None:
        parts.append(_("incomplete by human error with probability {share}").format(share=f"{report.incomplete:g}"))
    if report.transit is not None:
        parts.append(_("transit {name}: {duration}").format(name=report.transit,
                                                            duration=scenario.durations[report.transit].describe()))
    return "; ".join(parts)


def _per_level(units: Any) -> str:
    """`3 for level I, 2 for level II`."""
    return ", ".join(_("{count} for level {level}").format(count=n, level=level) for level, n in units.items())


def _step_text(scenario: Scenario, node: FlowStep) -> str:
    step = node.step
    who = (_("whoever received {step}").format(step=step.actor[1:]) if step.actor.startswith("@") else step.actor)
    if node.actor is not None and scenario.actors[node.actor].kind == "working_group":
        who += _(" (the category's)")
    parts = [f"{_named(step.id, step)}: {who}", _("after {steps}").format(steps=", ".join(step.after))]
    if step.when != "always":
        parts.append(_when(step.when))
    if node.per_change:
        parts.append(_("once per change"))
    parts.append(_("duration {name}: {duration}").format(name=step.duration,
                                                         duration=scenario.durations[step.duration].describe()))
    if step.units:
        actor = scenario.actors.get(node.actor) if node.actor is not None else None
        drawn = actor is not None and actor.kind in ("team", "working_group")
        led = actor is not None and (actor.kind == "working_group" or (actor.kind == "team" and actor.leader))
        counts = _per_level(step.units) + "".join(
            _("; for {category}: ").format(category=title_of(scenario.categories[category])) + _per_level(units)
            for category, units in step.units_by_category.items())
        taken = (_("takes members ({counts}) and its leader") if drawn and led else
                 _("takes members ({counts})") if drawn else _("takes {counts}"))
        parts.append(taken.format(counts=counts))
    if step.report is not None:
        parts.append(_receiver(scenario, step))
        if carried := _carried(scenario, node):
            parts.append(carried)
    parts.append(_("reaches {milestone}").format(milestone=step.milestone))
    return "; ".join(parts)


_MODEL_DURATIONS = ("follow_up", "acknowledge", "change_interval", "reassessment")
"""The durations of drillsim.scenario.usage.MODEL_DURATIONS, in the order the plan lists them."""


def _timed(name: str) -> str:
    """What each duration the model itself reads times."""
    return {"follow_up": _("the call back for what an incomplete report misses"),
            "acknowledge": _("a superior acknowledging a report"),
            "change_interval": _("the time between a streamed incident's changes"),
            "reassessment": _("until new facts correct a misjudged level")}[name]


def text(scenario: Scenario) -> str:
    """The effective plan as plain text: one line per actor, step and deadline, with its article, the plan's words
    under it and whether its numbers are open; then the readings of the plan and the one in force."""
    lines = [scenario_name(scenario), plan_title_of(scenario),
             _("horizon {horizon}; {replications} replications; seed {seed}; tasks served {policy} ({name})").format(
                 horizon=format_duration(scenario.horizon), replications=scenario.replications, seed=scenario.seed,
                 policy=_policy(scenario.policy), name=scenario.policy), ""]
    anonymous = [holder.roles[0] for holder in holders_of(scenario) if not holder.name]
    lines.append(_("Actors and staffing (anonymous staff on duty: shifts override the base count, absences "
                   "subtract; the people who hold the role)"))
    width = max(16, *(len(name) for name in scenario.actors))
    titles = max(44, *(cell_len(title_of(actor)) for actor in scenario.actors.values()))
    for actor_id, actor in scenario.actors.items():
        stand_in = _(" (stand-in: {actor})").format(actor=actor.stand_in) if actor.stand_in else ""
        lines.append(f"  {actor_id:<{width}} {_padded(title_of(actor), titles)} "
                     f"{_actor_staffing(scenario, actor_id, anonymous)}{stand_in}  [{actor.article}]")
        lines += _quoting(actor)
    if scenario.people:
        lines += ["", _("People (one person does one task at a time, whichever role it comes from)")]
        width = max(len(name) for name in scenario.people)
        titles = max(cell_len(title_of(person)) for person in scenario.people.values())
        for person_id, person in scenario.people.items():
            lines.append(f"  {person_id:<{width}} {_padded(title_of(person), titles)} {person_text(person)}"
                         f"{_article(person)}")
            lines += _quoting(person)
    lines += ["", _("Working groups (the group of the incident's category: its leader, or the deputy after the "
                    "hand-over, and members asked in this order)")]
    categories = {name: _named(name, category) for name, category in scenario.categories.items()}
    width = max(cell_len(name) for name in (*scenario.working_groups, *categories.values()))
    titles = max(cell_len(title_of(group)) for group in scenario.working_groups.values())
    for group_id, group in scenario.working_groups.items():
        lines.append(f"  {_padded(group_id, width)} {_padded(title_of(group), titles)} "
                     f"{_group_text(scenario, group_id)}  [{group.article}]")
        lines += _quoting(group)
    lines += ["", _("Categories (the working group activated; the professional responders called, who take over on "
                    "site)")]
    for name, category in scenario.categories.items():
        responders = (_("calls {responders}").format(responders=category.external) if category.external
                      else _("no professional responders"))
        lines.append(f"  {_padded(categories[name], width)} "
                     + _("group {group}; {responders}").format(group=category.working_group, responders=responders)
                     + f"  [{category.article}]")
        lines += _quoting(category)
    if scenario.core_elements:
        lines += ["", _("Core elements (when the chain can know each: after a step's work, or its milestone, and a "
                        "drawn delay; a report sent before one it must carry is known is incomplete)")]
        width = max(len(name) for name in scenario.core_elements)
        for name, element in scenario.core_elements.items():
            then = (_(", then {name}: {duration}").format(name=element.duration,
                                                          duration=scenario.durations[element.duration].describe())
                    if element.duration else "")
            lines.append(f"  {name:<{width}} "
                         + _("{title}; known after {after}").format(title=title_of(element), after=element.after)
                         + then + _article(element))
            lines += _quoting(element)
        waiting = sorted(actor for actor in scenario.actors if scenario.practice_of(actor) == "wait")
        lines.append("  " + _("practice: {practice}").format(practice=scenario.practice)
                     + (_("; waits until the elements are known: {actors}").format(actors=", ".join(waiting))
                        if waiting else ""))
    lines += ["", _("Flow (each step waits for the steps it comes after, then takes its actor)")]
    for node in flow_of(scenario):
        lines.append(f"  {_step_text(scenario, node)}{'; ' + _open() if node.step.open else ''}  "
                     f"[{node.step.article}]")
        lines += _quoting(node.step)
    model = [name for name in _MODEL_DURATIONS if name in scenario.durations]
    if model:
        lines += ["", _("Durations the model itself reads (by these names)")]
        lines.extend(f"  {name}: {scenario.durations[name].describe()}; {_timed(name)}" for name in model)
    lines += ["", _organisation_text(scenario)]
    open_ = "; " + _open() if scenario.escalation.open else ""
    lines += ["", _("Escalation (the superiors each level reaches{open})").format(open=open_)
              + _article(scenario.escalation), *_quoting(scenario.escalation, 4)]
    levels = {level: level if language() != "zh" else level_name(scenario, level)
              for level in scenario.escalation.levels}
    width = max(4, *(cell_len(label) for label in levels.values()))
    lines.extend(f"  {_padded(levels[level], width)} {', '.join(targets)}"
                 for level, targets in scenario.escalation.levels.items())
    lines += ["", _("Deadlines (limit, from the milestone that starts the clock to the one that stops it)")]
    flow = flow_of(scenario)
    rules = {rule_id: _named(rule_id, rule) for rule_id, rule in scenario.deadlines.items()}
    width = max((cell_len(label) for label in rules.values()), default=0)
    for rule_id, rule in scenario.deadlines.items():
        levels_ = _(", levels {levels}").format(levels=", ".join(rule.levels)) if rule.levels else ""
        open_ = f"; {_open()}" if rule.open else ""
        known = _(" (not before {milestone})").format(milestone=rule.not_before) if rule.not_before is not None else ""
        per_change = _(", at each change") if rule.applies != "change" and flow.rule_per_change(rule) else ""
        lines.append(f"  {_padded(rules[rule_id], width)} {format_duration(rule.limit):>6}  {rule.start}{known} -> "
                     f"{rule.end}; "
                     + _("applies to {incidents}").format(incidents=_applies(rule.applies))
                     + f"{per_change}{levels_}{open_}  [{rule.article}]")
        lines += _quoting(rule)
    if scenario.readings:
        lines += ["", _("Readings (what the plan's words leave open; {read_as} takes another, `drillsim readings` runs "
                        "each)").format(read_as="`read_as: {READING: ALTERNATIVE}`")]
        for name in scenario.readings:
            lines += _reading_text(scenario, name)
    return "\n".join(lines)


def _organisation_text(scenario: Scenario) -> str:
    """The command post rule, the channels and the changes: what they set, whether the plan set it, its words."""
    post, channels, changes = scenario.command_post, scenario.channels, scenario.changes
    p_post = scenario.probabilities.command_post_low_level
    lines = [ngettext("Command post: set up at once for level {levels}; for the others with probability "
                      "command_post_low_level ({share})",
                      "Command post: set up at once for levels {levels}; for the others with probability "
                      "command_post_low_level ({share})", len(post.levels)).format(
                          levels=", ".join(post.levels) or _("none"), share=f"{p_post:g}") + _article(post),
             *_quoting(post, 4)]
    media = "; ".join(_("{name} {delay} (fallback {fallback})").format(
        name=name, delay=format_duration(channels.media[name].delay),
        fallback=format_duration(channels.media[name].fallback_delay)) for name in channels.order)
    lines += [_("Channels, tried in order: {media}").format(media=media)
              + ("; " + _open() if channels.open else "") + _article(channels), *_quoting(channels, 4)]
    if changes.mean_count or changes.text:
        counts = ", ".join(_("{count} for level {level}").format(count=f"{n:g}", level=level)
                           for level, n in changes.mean_count.items()) or _("none")
        lines += [_("Changes calling for a continuation report, on average: {counts}").format(counts=counts)
                  + ("; " + _open() if changes.open else "") + _article(changes), *_quoting(changes, 4)]
    return "\n".join(lines)


def _reading_text(scenario: Scenario, name: str, indent: int = 2) -> list[str]:
    """A reading: its title and article, its words, and each alternative with why the text allows it, the one in
    force marked `*` (and whether it is the plan file's default)."""
    reading = scenario.readings[name]
    in_force = readings.in_force(scenario)[name]
    open_to = {choice.alternative for choice in readings.choices(scenario).get(name, ())}
    pad = " " * indent
    if in_force == readings.OWN:
        force = _("in force: the scenario's own values, none of the alternatives")
    elif in_force == reading.default:
        force = _("in force: {alternative} (the plan's default)").format(alternative=in_force)
    else:
        force = _("in force: {alternative} (the plan's default is {default})").format(alternative=in_force,
                                                                                      default=reading.default)
    lines = [f"{pad}{name}: {title_of(reading)}; {force}{_article(reading)}", *_quoting(reading, indent + 4)]
    for alternative, values in reading.alternatives.items():
        mark = "*" if alternative == in_force else " "
        unavailable = "" if alternative in open_to or alternative == in_force else _(" (changes nothing here)")
        lines.append(f"{pad}  {mark} {alternative}: {means_of(values)}{unavailable}")
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


def _how(moves: str) -> str:
    """How a reading moves a rule, in words."""
    return {"clock": _("Readings that move it: each sets its clock or removes it"),
            "chain": _("Readings that move it: each changes what the chain does, so it may move every rule")}[moves]


def rule_text(scenario: Scenario, rule_id: str) -> str:
    """One deadline rule as plain text: what it asks, whether its number is the plan's own, the plan's words, and
    the readings that move it with their alternatives (the one in force marked `*`)."""
    rule = scenario.deadlines[rule_id]
    known = _(", not before {milestone}").format(milestone=rule.not_before) if rule.not_before is not None else ""
    levels = _(", levels {levels}").format(levels=", ".join(rule.levels)) if rule.levels else ""
    per_change = (_(", at each change") if rule.applies != "change" and flow_of(scenario).rule_per_change(rule)
                  else "")
    lines = [f"{rule_id}: {title_of(rule)}",
             "  " + _("limit {limit}; {whose}").format(limit=format_duration(rule.limit),
                                                      whose=_open() if rule.open else _("the plan's own number")),
             "  " + _("clock from {start}{known} to {end}").format(start=rule.start, known=known, end=rule.end),
             "  " + _("applies to {incidents}").format(incidents=_applies(rule.applies)) + per_change + levels,
             "  " + (rule.article or _("no article")), *_quoting(rule, 4)]
    moving = rule_readings(scenario, rule_id)
    if not moving:
        lines += ["", _("No reading of the plan moves it.")]
    for how in ("clock", "chain"):
        names = [name for name, moves in moving if moves == how]
        if names:
            lines += ["", _how(how)]
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
        moving.append({"reading": name, "moves": how, "title": reading.title, "zh": reading.zh,
                       "article": reading.article, "text": reading.text, "in_force": in_force[name],
                       "default": reading.default,
                       "alternatives": {alt: {"means": values.means, "means_zh": values.means_zh,
                                              "text": values.text}
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
        deadline_by_end.setdefault(rule.end, []).append(
            _("{rule} within {limit}").format(rule=rule_id, limit=format_duration(rule.limit)))
    lines = ["flowchart TD"]
    for actor_id, actor in scenario.actors.items():
        lines.append(f"    {_node(actor_id, title_of(actor))}")
    occurs = _quoted(_("incident occurs"))
    lines.append(f"    incident(({occurs}))")
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
            label = _quoted(_("stands in for a busy {actor} after {handover}").format(actor=actor_id,
                                                                                      handover=handover))
            lines.append(f"    {actor.stand_in} -.->|{label}| {actor_id}")
    # Working groups and people get a prefix: a plan may name a group like an actor (`office`).
    groups = scenario.working_groups
    count = ngettext("{count} working group", "{count} working groups", len(groups)).format(count=len(groups))
    lines.append(f"    subgraph working_groups[{_quoted(count)}]")
    lines.extend(f"        {_node(f'group_{gid}', title_of(group))}" for gid, group in groups.items())
    lines.append("    end")
    leads = _label(_("leads"))
    lines.extend(f"    {group.led_by} -.->|{leads}| group_{gid}" for gid, group in groups.items())
    lines.extend(_organisation(scenario))
    return "\n".join(lines)


def _label(text: str) -> str:
    """An edge label: a plain word as it is, anything else (spaces, Chinese) quoted."""
    return text if text.isascii() and text.isalpha() else _quoted(text)


def _organisation(scenario: Scenario) -> list[str]:
    """Dotted edges for who staffs whom: a team's leader and members, a working group's deputy and members (one
    edge to the subgraph for a role that every group has alike), and each person to the roles they hold."""
    lines = []
    leads, member, deputy = _label(_("leads")), _label(_("member")), _label(_("deputy"))
    for actor_id, actor in scenario.actors.items():
        if actor.kind == "team":
            lines.extend([f"    {actor.leader} -.->|{leads}| {actor_id}"] if actor.leader else [])
            lines.extend(f"    {role} -.->|{member}| {actor_id}" for role in actor.members)
    groups = scenario.working_groups
    related: dict[tuple[str, str], list[str]] = {}
    for gid, group in groups.items():
        for role, relation in [*([(group.deputy, "deputy")] if group.deputy else []),
                               *((role, "member") for role in group.members)]:
            related.setdefault((role, relation), []).append(gid)
    for (role, relation), gids in related.items():
        if len(gids) == len(groups) > 1:
            every = (_("deputy of every group") if relation == "deputy" else _("member of every group"))
            lines.append(f"    {role} -.->|{_quoted(every)}| working_groups")
        else:
            lines.extend(f"    {role} -.->|{deputy if relation == 'deputy' else member}| group_{gid}" for gid in gids)
    holds = _label(_("holds"))
    for person_id, person in scenario.people.items():
        lines.append(f"    person_{person_id}([{_quoted(title_of(person) or person_id)}])")
        for role in person.roles:
            actor, _sep, grid = role.partition(":")
            label = _quoted(_("holds in {grid}").format(grid=grid)) if grid else holds
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
