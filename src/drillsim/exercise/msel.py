"""The master scenario events list (MSEL): every inject of a drill, what it asks for, which deadline it tests.

An inject is an incident occurring or its situation changing. Who receives
it, the expected action and the deadlines it tests are read from the plan's
flow and deadline rules: the inject goes to the first staffed actor the flow
reaches from the event (the grid worker or department head who gets the
discoverer's first report; the office for a change), its expected action is
that actor's step, and the deadlines are the rules the model would check for
the incident, found by running the model's own rule logic. Each inject also
lists the reports it sets going (for an occurrence, the final report after
the closure too) and the core elements each must carry (Art. 8.4).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from drillsim.exercise.played import DrillIncident, to_record
from drillsim.exercise.render import capitalize_first as _capital
from drillsim.files import csv_text
from drillsim.i18n import _, language
from drillsim.model.clocks import verdicts
from drillsim.model.incidents import CADENCE, CORRECTED, DEVELOPS
from drillsim.model.records import VerdictRecord
from drillsim.scenario.flow import ONCE, flow_of, shown_change
from drillsim.scenario.names import example_of, title_of
from drillsim.scenario.schema import Scenario, Step
from drillsim.scenario.units import format_duration, format_offset

CSV_COLUMNS = ("inject", "time", "incident", "event", "what_happens", "category", "level", "grid",
               "controller_notes", "delivered_by", "delivered_to", "expected_action", "deadline_rule", "deadline",
               "due", "article", "also_tests", "reports")

COUNTS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
"""How many core elements a plan has, in words: `all nine core elements`."""


@dataclass(frozen=True, slots=True)
class Tested:
    """A deadline an inject starts (or may start): the clock players race against."""

    rule: str
    title: str
    limit: int
    start: str
    due: int | None
    article: str
    conditional: str = ""

    def text(self) -> str:
        when = _("due {due}").format(due=format_offset(self.due)) if self.due is not None \
            else _("from {start}").format(start=self.start)
        cond = f", {self.conditional}" if self.conditional else ""
        return f"{self.title} ({format_duration(self.limit)}, {when}{cond}; {self.article})"


@dataclass(frozen=True, slots=True)
class ReportDue:
    """A report an inject sets going, whom it goes to and the core elements it must carry."""

    step: str
    title: str
    to: str
    carries: str
    after_closure: bool
    conditional: str = ""

    def text(self) -> str:
        when = _("after the closure: ") if self.after_closure else ""
        cond = f" ({self.conditional})" if self.conditional else ""
        return f"{when}{self.title}{cond} -> {self.to}: {self.carries}"


@dataclass(frozen=True, slots=True)
class InjectRow:
    """One line of the MSEL, and one inject card."""

    number: int
    time: int
    incident: str
    change: int | None
    event: str
    what_happens: str
    category: str
    level: str
    grid: str
    controller_notes: str
    delivered_by: str
    delivered_to: str
    expected_action: str
    deadline: Tested | None
    article: str
    also_tests: tuple[Tested, ...]
    reports: tuple[ReportDue, ...] = ()


def start_label(scenario: Scenario, milestone: str) -> str:
    """How a deadline's clock start reads: `first report received`, `occurrence`; in Chinese a step's milestone
    by the name of the step that reaches it (`首报`), as the plan names the moment."""
    events = {"occurred": _("occurrence"), "change": _("the change"), "closure": _("the closure")}
    if milestone in events:
        return events[milestone]
    reaching = next((step for step in scenario.flow if step.milestone == milestone), None)
    if language() == "zh" and reaching is not None and title_of(reaching):
        return title_of(reaching)
    return milestone.replace("_", " ")


def reachable(scenario: Scenario, event: str) -> list[Step]:
    """The flow's steps that follow from an event, in the plan's order."""
    return [node.step for node in flow_of(scenario).following(event)]


def conditions(scenario: Scenario, step: Step) -> frozenset[str]:
    """The conditions (`when`) a step runs under: its own and those of every step it comes after (the post's
    report needs the post)."""
    flow = flow_of(scenario)
    node = flow[step.id]
    before = (c for name in node.predecessors for c in conditions(scenario, flow[name].step))
    return frozenset((node.condition, *before))


def applies(scenario: Scenario, step: Step, incident: DrillIncident) -> bool:
    """Whether a step can happen for an incident (a command post unless the script rules one out; professional
    responders when the plan's category calls them), as the flow's conditions say."""
    return all(_holds(scenario, condition, incident) for condition in conditions(scenario, step))


def _holds(scenario: Scenario, condition: str, incident: DrillIncident) -> bool:
    if condition == "major_class":
        return incident.major_class is not None
    if condition == "command_post":
        return incident.command_post is not False
    return flow_of(scenario).holds(condition, incident.category, incident.levels)


def doers(scenario: Scenario, step: Step, incident: DrillIncident) -> list[str]:
    """Who does a step: its actor, or whoever received the report it names with `@`."""
    flow = flow_of(scenario)
    options = list(flow.doers(flow[step.id]))
    if step.actor.startswith("@") and incident.first_receiver in options:
        return [incident.first_receiver]
    return options


def actor_label(scenario: Scenario, actor: str, grid: str, category: str = "") -> str:
    """`Grid worker of grid_2`, `Office (information group)`; the working group of the incident's category by its
    own title (`Public health group`), as the plan names the group that responds."""
    spec = scenario.actors[actor]
    if spec.kind == "working_group" and category in scenario.categories:
        return title_of(scenario.working_groups[scenario.categories[category].working_group])
    return _("{actor} of {grid}").format(actor=title_of(spec), grid=grid) if spec.kind == "per_grid" and grid \
        else title_of(spec)


def player_step(scenario: Scenario, event: str, incident: DrillIncident) -> Step | None:
    """The first step after the event that a staffed actor does: the one the inject is handed to."""
    for step in reachable(scenario, event):
        if applies(scenario, step, incident) and any(scenario.actors[a].kind != "unlimited"
                                           for a in doers(scenario, step, incident)):
            return step
    return None


def carries_text(scenario: Scenario, step: Step) -> str:
    """What a report step must carry, in the plan's words: its elements' titles, all of them, or what is known
    when it is sent; empty for a step that names none."""
    report = step.report
    if report is None or not report.carries:
        return ""
    if report.carries == "known":
        return _("what is known")
    if report.carries == "all":
        count = len(scenario.core_elements)
        words = language() == "en" and count < len(COUNTS)
        return _("all {count} core elements").format(count=COUNTS[count] if words else count)
    return "; ".join(title_of(scenario.core_elements[name]) for name in report.carries)


def receivers_label(scenario: Scenario, step: Step, incident: DrillIncident, level: str) -> str:
    """Whom a step reports to: its receiver (the incident's own first receiver of two), or the superiors the
    escalation table names for the level."""
    report = step.report
    assert report is not None, "only a report step has receivers"
    options = [name for name in (report.to, report.or_) if name is not None]
    if incident.first_receiver in options:
        options = [incident.first_receiver]
    labels = [_(", ").join(title_of(scenario.actors[s]).lower() for s in scenario.escalation.levels[level])
              if name == "escalation" else actor_label(scenario, name, incident.grid, incident.category).lower()
              for name in options]
    return _(" or ").join(labels)


def reports_of(scenario: Scenario, incident: DrillIncident, change: int) -> tuple[ReportDue, ...]:
    """The reports the occurrence (ONCE) or a change sets going for an incident, with the elements each must
    carry: for the occurrence, the final report after the closure too. The superiors are those of the level in
    force when the report goes: the judged one, the change's, at the closure the last."""
    flow = flow_of(scenario)
    if change == ONCE:
        last = incident.changes[-1].level if incident.changes else incident.judged_level
        nodes = [*((node, incident.judged_level, False) for node in flow.following("occurred")),
                 *((node, last, True) for node in flow.following("closure"))]
    else:
        nodes = [(node, incident.changes[change].level, False) for node in flow.following("change")]
    undecided = _("if a command post is set up") if incident.command_post is None else ""
    return tuple(ReportDue(node.id, title_of(node.step) or node.id,
                           receivers_label(scenario, node.step, incident, level), carries_text(scenario, node.step),
                           after_closure,
                           undecided if "command_post" in conditions(scenario, node.step) else "")
                 for node, level, after_closure in nodes
                 if carries_text(scenario, node.step) and applies(scenario, node.step, incident))


def deadlines_of(scenario: Scenario, incident: DrillIncident) -> dict[int, list[Tested]]:
    """Every deadline the model would check for the incident, by change (-1: the incident's own); for an incident
    whose command post the leadership group decides, the rules of either choice, each saying which."""
    last = max((incident.occurred, *(change.time for change in incident.changes)))
    record = to_record(scenario, incident, {}, {}, horizon=last)
    choices = (True, False) if incident.command_post is None else (record.command_post_required,)
    found: dict[tuple[str, int], tuple[VerdictRecord, set[bool]]] = {}
    for command_post in choices:
        record.command_post_required = command_post
        for verdict in verdicts(scenario, [record], record.occurred):
            found.setdefault((verdict.rule, verdict.change), (verdict, set()))[1].add(command_post)
    order = {rule: i for i, rule in enumerate(scenario.deadlines)}
    flow = flow_of(scenario)
    out: dict[int, list[Tested]] = {}
    for (rule_id, _change), (verdict, posts) in sorted(found.items(), key=lambda item: (order[item[0][0]], item[0][1])):
        rule = scenario.deadlines[rule_id]
        conditional = "" if len(posts) == len(choices) else \
            _("if a command post is set up") if True in posts else _("if no command post is set up")
        start, due = start_label(scenario, rule.start), verdict.deadline
        if rule.not_before is not None:
            # the players make the not_before milestone (the discovery): the due holds if they reach it first
            start = _("{start} (or {other}, if later)").format(start=start,
                                                                other=start_label(scenario, rule.not_before))
            began = record.milestones.get(flow.key(rule.start, verdict.change))
            if due is None and began is not None and rule.not_before not in record.milestones:
                due = began + rule.limit
                conditional = ", ".join(filter(None, (conditional, _("if {milestone} by then").format(
                    milestone=start_label(scenario, rule.not_before)))))
        out.setdefault(verdict.change, []).append(Tested(
            verdict.rule, title_of(rule), rule.limit, start, due, rule.article, conditional))
    return out


def inject_rows(scenario: Scenario, incidents: list[DrillIncident]) -> list[InjectRow]:
    """The MSEL of a drill, injects numbered in the order they fall due."""
    events = sorted(_events(scenario, incidents), key=lambda e: (e[0], e[1].number, e[2]))
    return [_row(scenario, n + 1, time, incident, k, tested)
            for n, (time, incident, k, tested) in enumerate(events)]


def _events(scenario: Scenario,
            incidents: list[DrillIncident]) -> Iterator[tuple[int, DrillIncident, int, list[Tested]]]:
    for incident in incidents:
        tested = deadlines_of(scenario, incident)
        yield incident.occurred, incident, ONCE, tested.get(ONCE, [])
        for k, change in enumerate(incident.changes):
            yield change.time, incident, k, tested.get(k, [])


def _row(scenario: Scenario, number: int, time: int, incident: DrillIncident, k: int,
         tested: list[Tested]) -> InjectRow:
    event = "occurred" if k < 0 else "change"
    step = player_step(scenario, event, incident)
    receivers = doers(scenario, step, incident) if step is not None else []
    primary = next((t for t in tested if step is not None and scenario.deadlines[t.rule].end == step.milestone),
                   None)
    category = title_of(scenario.categories[incident.category])
    level = incident.level if k < 0 else incident.changes[k].level
    notes = [_("{category}, level {level} ({title})").format(category=category, level=level,
                                                              title=title_of(scenario.levels[level]))]
    if k < 0:
        what = _capital(described(scenario, incident))
        if incident.parent:
            what = _("{what} (follows from incident {parent})").format(what=what, parent=incident.parent)
        if incident.judged_level != incident.level:
            notes.append(_("first information points to level {level}").format(level=incident.judged_level))
    else:
        change = incident.changes[k]
        what = _("Incident {incident}: {change}").format(incident=incident.id,
                                                         change=_change_text(change.description))
        if change.level != incident.levels[k]:
            what = _("{what}; the incident is now level {level}").format(what=what, level=change.level)
    if incident.major_class is not None:
        notes.append(_("one of the six major classes: {title}").format(
            title=title_of(scenario.major_classes[incident.major_class])))
    notes.append({True: _("command post required"), False: _("no command post (scripted)"),
                  None: _("command post if the leadership group decides")}[incident.command_post])
    article = primary.article if primary is not None else (step.article if step is not None else "")
    first = reachable(scenario, event)[:1]
    played = [s.actor for s in first if scenario.actors.get(s.actor) and scenario.actors[s.actor].kind == "unlimited"]
    by = _("Exercise control, playing the {actor}").format(actor=title_of(scenario.actors[played[0]]).lower()) \
        if played else _("Exercise control")
    return InjectRow(
        number=number, time=time, incident=incident.id, change=shown_change(k),
        event="occurs" if k < 0 else "changes", what_happens=what, category=category, level=level,
        grid=incident.grid, controller_notes="; ".join(notes), delivered_by=by,
        delivered_to=_capital(_(" or ").join(actor_label(scenario, a, incident.grid, incident.category).lower()
                                          for a in receivers)),
        expected_action=_capital(title_of(step) or step.id) if step is not None else "",
        deadline=primary, article=article, also_tests=tuple(t for t in tested if t is not primary),
        reports=reports_of(scenario, incident, k))


def described(scenario: Scenario, incident: DrillIncident) -> str:
    """What happens, named in the language in force when it is the plan's example (or, without one, its category);
    a script's own description as written."""
    category = scenario.categories[incident.category]
    if incident.example and incident.description == category.examples.get(incident.example):
        return example_of(scenario, incident.category, incident.example)
    if not incident.example and incident.description == category.title:
        return title_of(category)
    return incident.description


def _change_text(description: str) -> str:
    """A change as the script describes it, or the model's own words for the changes it draws, from the catalog."""
    drawn = {DEVELOPS: _("the situation develops"), CORRECTED: _("new facts correct the level"),
             CADENCE: _("the continuation report on the cadence")}
    return drawn.get(description, description) or _("the situation changes")


def to_csv(rows: list[InjectRow]) -> str:
    """The MSEL as CSV, one inject a line, times as drill times (`0d 09:30`), written by drillsim.files."""
    return csv_text((_csv_row(row) for row in rows), CSV_COLUMNS)


def _csv_row(row: InjectRow) -> list[object]:
    deadline = row.deadline
    return [
        row.number, format_offset(row.time), row.incident, row.event if row.change is None
        else f"{row.event} ({row.change})", row.what_happens, row.category, row.level, row.grid,
        row.controller_notes, row.delivered_by, row.delivered_to, row.expected_action,
        deadline.rule if deadline else "",
        _("{title}: {limit} from {start}").format(title=deadline.title, limit=format_duration(deadline.limit),
                                                  start=deadline.start) if deadline else "",
        format_offset(deadline.due) if deadline and deadline.due is not None else "", row.article,
        "; ".join(t.text() for t in row.also_tests), " | ".join(r.text() for r in row.reports)]


def cards_html(scenario: Scenario, rows: list[InjectRow], source: str) -> str:
    """Printable inject cards, one per page, for controllers to hand to players."""
    from drillsim.exercise.render import environment
    return environment().get_template("cards.html").render(
        scenario=scenario, rows=rows, source=source, offset=format_offset, duration=format_duration)
