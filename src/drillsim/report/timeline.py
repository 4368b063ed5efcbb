"""Each incident's story, second by second, for trainers to read aloud.

Built from one replication's records: who took each task (people by their
titles, a team with who led it and who went with them, a working group by
its title, a stand-in and whom they stood in for), and when a task had to
wait, whom it waited for and where they were (leading a group on site,
commanding a post, busy with another incident, off duty); who received which
report over which channel; how the level in force changed; who took over on
site; and which deadline was met or missed by how much. Events of the same
second are told in the flow's order, so a report is received before the step
it starts is taken.

Told in the language in force: each kind of line is one message of the
catalog with named placeholders (Chinese orders its words its own way), the
plan's entries by their names in that language (drillsim.scenario.names);
English lowercases them inside a sentence and puts its articles in the
messages.
"""

from __future__ import annotations

import shlex

from drillsim.i18n import _, language, ngettext
from drillsim.model import Replication
from drillsim.model.records import IncidentRecord, StepRecord, VerdictRecord
from drillsim.model.staffing import Role, TeamSpec, crew_schedules, desks_of
from drillsim.results import Results
from drillsim.results.frames import waited
from drillsim.results.people import Share, Sharer
from drillsim.scenario.flow import flow_of, shown_change
from drillsim.scenario.names import example_of, level_name, scenario_name, title_of
from drillsim.scenario.schema import Scenario, Step
from drillsim.scenario.units import format_duration

# The order of a step's events within one second.
_WAIT, _START, _DONE, _JUDGED, _RECEIVED, _CORRECTED, _VERDICT, _CLOSED = range(8)


def story(results: Results, replication: int = 0, source: str | None = None) -> str:
    """The timeline of every incident of one replication, as plain text.

    The first line says which replication of which seed it tells and, given
    the scenario's file as `source`, the command that tells it again.
    """
    rep = next((r for r in results.replications if r.replication == replication), None)
    if rep is None:
        raise ValueError(f"the run has no replication {replication}")
    teller = _Teller(results.scenario, rep)
    blocks = [teller.tell(incident) for incident in rep.incidents]
    body = "\n\n".join(blocks) if blocks else _("No incident occurred in this replication.")
    cast = teller.cast()
    return f"{_heading(results, replication, source)}\n\n" + (f"{cast}\n\n" if cast else "") + body


def _heading(results: Results, replication: int, source: str | None) -> str:
    """`Timeline of replication 0 of seed 615 (Exam day); replay it with: drillsim run FILE --seed 615 --timeline`."""
    text = _("Timeline of replication {replication} of seed {seed} ({name})").format(
        replication=replication, seed=results.seed, name=scenario_name(results.scenario))
    if results.load != 1:
        text = _("{text}, incident rates x {load}").format(text=text, load=f"{results.load:g}")
    if replication == 0 and source is not None:
        return _("{text}; replay it with: drillsim run {source} --seed {seed} --timeline").format(
            text=text, source=shlex.quote(source), seed=results.seed)
    if replication == 0:
        return _("{text}; replay it with drillsim run SCENARIO --seed {seed} --timeline").format(
            text=text, seed=results.seed)
    return _("{text}; the same incidents in every run of this seed with more than {replication} replications "
             "(Results.replications[{replication}])").format(text=text, replication=replication)


def clock(seconds: int) -> str:
    """`95400` -> `1d 02:30:00`: drill time, to the second, in a fixed width."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"


def _and(names: list[str]) -> str:
    """`a, b and c` or `a、b和c`."""
    if len(names) == 1:
        return names[0]
    return _("{names} and {last}").format(names=_(", ").join(names[:-1]), last=names[-1])


def _lower(text: str) -> str:
    """A name inside an English sentence is lowercased; a Chinese one is shown as the plan writes it."""
    return text.lower() if language() == "en" else text


def _channel(name: str) -> str:
    """The plan's channels by their names in the language in force (another channel as written)."""
    names = {"wired": _("wired"), "wireless": _("wireless"), "satellite": _("satellite")}
    return names.get(name, name)


def _called(text: str) -> str:
    """The professional responders the built-in plan's categories call, in the language in force (others as
    written)."""
    names = {"police 110": _("police 110"), "fire 119, medical 120": _("fire 119, medical 120"),
             "medical 120": _("medical 120")}
    return names.get(text, text)


def _role(text: str) -> Role:
    """A person's role as the scenario writes it (`grid_worker:grid_1`)."""
    actor, _, unit = text.partition(":")
    return (actor, unit)


def _at(schedule: tuple[tuple[int, int], ...], time: int) -> int:
    """How many of a holder are on duty at a time."""
    count = 0
    for when, value in schedule:
        if when > time:
            break
        count = value
    return count


def _whose(incident: int, this: int) -> str:
    """`this incident` or `incident 3`."""
    return _("this incident") if incident == this else _("incident {incident}").format(incident=incident)


class _Teller:
    """Turns one replication's records into lines of text, incident by incident."""

    def __init__(self, scenario: Scenario, rep: Replication) -> None:
        self.scenario = scenario
        self.rep = rep
        self.compiled = flow_of(scenario)
        self.flow = {node.id: node.step for node in self.compiled}
        self.rank = self.compiled.rank
        self.closing_rank = max((self.rank[s.id] for s in scenario.flow if s.effect == "close" and s.id in self.rank),
                                default=10**6)
        """The closure is told after the step that closed the incident and before the steps that come after it (the
        final report), which start in the same second."""
        self.schedules = {(actor, unit): schedule for actor, unit, schedule in crew_schedules(scenario)}
        """Every crew's ((time, on duty), ...) in time order, computed once from the scenario."""
        self.steps: dict[int, list[StepRecord]] = {}
        self.order = {id(record): i for i, record in enumerate(rep.steps)}
        for record in rep.steps:
            self.steps.setdefault(record.incident, []).append(record)
        self.verdicts: dict[int, list[VerdictRecord]] = {}
        for verdict in rep.verdicts:
            self.verdicts.setdefault(verdict.incident, []).append(verdict)
        self.judging = next((s.id for s in scenario.flow if s.effect == "judge_level"), None)
        self.correcting = next((s.id for s in scenario.flow if s.effect == "apply_change"), None)
        self.sharer = Sharer(scenario)
        self.plain = {spec.roles[0] for spec in desks_of(scenario) if spec.plain}
        """The roles of a crew of their own staff: a wait for them is told by the crew's count, not by person."""
        self.doing: dict[str, list[tuple[StepRecord, Share]]] = {}
        """Per holder, every task they were given, with the role they filled."""
        for record in rep.steps:
            if record.started is not None:
                for share in self._shares(record):
                    self.doing.setdefault(share[0], []).append((record, share))

    def _shares(self, record: StepRecord) -> list[Share]:
        return self.sharer.shares((record.people, record.actor, record.served_by, record.unit, record.units))

    # --- who is who --------------------------------------------------------------------

    def cast(self) -> str:
        """Who holds which role, for the scenario's named people: the story names them by their titles."""
        lines = ["  " + _("{person} ({id}): {roles}").format(
                     person=self.person(person_id), id=person_id,
                     roles=_and([self.role_title(_role(role)) for role in person.roles]))
                 for person_id, person in self.scenario.people.items()]
        return "\n".join([_("Who holds which role:"), *lines]) if lines else ""

    def person(self, name: str, count: int = 1) -> str:
        """A holder as the story names them: a person by their title, anonymous staff by how many of which role."""
        holder = self.sharer.holders[name]
        if holder.name:
            title = title_of(self.scenario.people[name])
            return _("the {title}").format(title=title) if title else name
        title = self.role_title(holder.roles[0])
        if count > 1:
            return _("{count} {title}").format(count=count, title=title)
        return (_("an {title}") if title[:1] in "aeiou" else _("a {title}")).format(title=title)

    def holder_of(self, role: Role) -> str:
        """Whom a role means in the story: the one person who holds it by their title, else the role."""
        named = [name for name, holder in self.sharer.holders.items() if role in holder.roles]
        if len(named) == 1 and self.sharer.holders[named[0]].name:
            return self.person(named[0])
        return _("the {title}").format(title=self.role_title(role))

    def role_title(self, role: Role) -> str:
        actor, unit = role
        title = _lower(title_of(self.scenario.actors[actor]))
        return _("{title} of {unit}").format(title=title, unit=unit) if unit else title

    def team_of(self, record: StepRecord) -> TeamSpec | None:
        """The team a step's record was served by (a working group's by its id in `unit`), or None."""
        actor = self.scenario.actors.get(record.actor)
        if actor is None or actor.kind not in ("team", "working_group"):
            return None
        return self.sharer.teams.get((record.actor, record.unit if actor.kind == "working_group" else ""))

    def team_name(self, record: StepRecord) -> str:
        """A team as the plan names it: a working group by its title (the public health group)."""
        if self.scenario.actors[record.actor].kind == "working_group" and record.unit in self.scenario.working_groups:
            return _("the {title}").format(title=_lower(title_of(self.scenario.working_groups[record.unit])))
        return self.who(record.actor)

    def _leads(self, team: TeamSpec, share: Share) -> bool:
        return team.leader is not None and share[2] in (team.leader, team.stand_in[0] if team.stand_in else None)

    def taker(self, record: StepRecord) -> str:
        """Who took a task: a person by title (and role, when they hold several), a team with who led it and who
        went with them, a crew by its role."""
        shares = self._shares(record)
        team = self.team_of(record)
        if team is None:
            if not record.people or not shares:
                return self.who(record.served_by, record.unit)
            name, count, role = shares[0]
            holder = self.sharer.holders[name]
            if not holder.name:
                return self.who(record.served_by, record.unit)
            if len(holder.roles) > 1:
                return _("{person}, as {role},").format(person=self.person(name, count), role=self.role_title(role))
            return self.person(name, count)
        lead = [share for share in shares if self._leads(team, share)][:1]
        others = [self.person(n, c) for n, c, _r in shares if (n, c, _r) not in lead]
        members = _and(others) if others else ""
        team_name = self.team_name(record)
        if not lead:
            return _("{team}, with {members},").format(team=team_name, members=members) if members else team_name
        name, count, role = lead[0]
        leader = self.person(name, count)
        if team.leader is not None and role != team.leader:
            whom = self.holder_of(team.leader)
            if members:
                return _("{team}, led by {leader} (standing in for {whom}), with {members},").format(
                    team=team_name, leader=leader, whom=whom, members=members)
            return _("{team}, led by {leader} (standing in for {whom}),").format(
                team=team_name, leader=leader, whom=whom)
        if members:
            return _("{team}, led by {leader}, with {members},").format(team=team_name, leader=leader,
                                                                        members=members)
        return _("{team}, led by {leader},").format(team=team_name, leader=leader)

    def _holding(self, name: str, time: int) -> list[tuple[StepRecord, Share]]:
        return [(record, share) for record, share in self.doing.get(name, ())
                if record.started is not None and record.started <= time
                and (record.finished is None or record.finished > time)]

    def where(self, name: str, time: int, incident: int) -> str:
        """Where a holder is at a time: off duty, or at each task they hold then (on site with a group...)."""
        holder = self.sharer.holders[name]
        on = _at(holder.schedule, time)
        if on == 0:
            return _("off duty") if holder.name else _("nobody on duty")
        tasks = self._holding(name, time)
        doing = list(dict.fromkeys(self.activity(record, share, incident) for record, share in tasks))
        if holder.name:
            return _and(doing) if doing else _("free")
        if doing:
            return _("{doing} ({on} on duty)").format(doing=_and(doing), on=on)
        return _("{on} on duty").format(on=on)

    def activity(self, record: StepRecord, share: Share, incident: int) -> str:
        """What a holder is doing in a task, and for which incident."""
        whose = _whose(record.incident, incident)
        team = self.team_of(record)
        if team is None:
            return _("busy with {whose}").format(whose=whose)
        leading = self._leads(team, share)
        name = self.team_name(record)
        if self.scenario.actors[record.actor].kind == "working_group":
            return (_("leading {team} on site for {whose}") if leading
                    else _("with {team} on site for {whose}")).format(team=name, whose=whose)
        if leading:
            return _("commanding {team} of {whose}").format(team=name, whose=whose)
        if team.leader is not None:
            return _("at {team} of {whose}").format(team=name, whose=whose)
        return _("with {team} at {whose}").format(team=name, whose=whose)

    def waiting_for(self, record: StepRecord) -> str | None:
        """Whom a task of people who share roles, or of a team, waits for, and where they are; None for a crew of
        its own staff (busy_with tells that)."""
        team = self.team_of(record)
        stand_in: tuple[Role, int] | None
        if team is None:
            actor = self.scenario.actors.get(record.actor)
            if actor is None or actor.kind not in ("pool", "per_grid"):
                return None
            role = (record.actor, record.unit if actor.kind == "per_grid" else "")
            if role in self.plain:
                return None
            parts: list[tuple[list[Role], int]] = [([role], 1)]
            other = actor.stand_in
            stand_in = ((other, ""), self.scenario.staffing_of(other).handover) if other is not None else None
        else:
            parts = ([([team.leader], 1)] if team.leader is not None else []) + \
                ([(list(team.members), record.units)] if team.members else [])
            stand_in = team.stand_in if team.leader is not None else None
        time = record.queued
        said = [text for text in (self._short(roles, units, time, record.incident) for roles, units in parts)
                if text]
        if not said:
            return _("waits behind earlier tasks for the same people")
        text = _("waits for {whom}").format(whom=_("; and for ").join(said))
        if stand_in is not None:
            role, handover = stand_in
            later = time + handover
            if record.started is None or record.started > later:
                taken = self._short([role], 1, later, record.incident)
                if taken:
                    text = _("{waits}; and from the {handover} hand-over on, for the stand-in, {taken}").format(
                        waits=text, handover=format_duration(handover), taken=taken)
        return text

    def _short(self, roles: list[Role], units: int, time: int, incident: int) -> str:
        """The holders of these roles who have nobody free, and where they are, when fewer than `units` people of
        the roles are free (a task asks for no more than the roles ever have); else ""."""
        names = [name for name, holder in self.sharer.holders.items() if not set(holder.roles).isdisjoint(roles)]
        if not names:
            return _("the {roles} (nobody holds the role)").format(roles=_and([self.role_title(role)
                                                                                for role in roles]))
        free = {name: max(0, _at(self.sharer.holders[name].schedule, time)
                          - sum(share[1] for _, share in self._holding(name, time))) for name in names}
        units = min(units, sum(self.sharer.peak[name] for name in names)) or units
        if sum(free.values()) >= units:
            return ""
        text = _and([_("{holder}, {where}").format(holder=self._named(name), where=self.where(name, time, incident))
                     for name in names if not free[name]])
        if units > 1:
            return _("{holders} ({free} of the {units} needed free)").format(holders=text, free=sum(free.values()),
                                                                              units=units)
        return text

    def _named(self, name: str) -> str:
        holder = self.sharer.holders[name]
        return self.person(name) if holder.name else _("the {title}").format(title=self.role_title(holder.roles[0]))

    # --- who ---------------------------------------------------------------------------

    def who(self, actor: str, unit: str = "", incident: IncidentRecord | None = None) -> str:
        """An actor as a trainer names them: the working group of the category by its own name."""
        if actor == "working_group" and incident is not None:
            group = self.scenario.categories[incident.category].working_group
            return _("the {title}").format(title=_lower(title_of(self.scenario.working_groups[group])))
        if incident is not None and actor in self.scenario.actors and self.scenario.actors[actor].kind == "per_grid":
            unit = incident.grid
        title = _lower(title_of(self.scenario.actors[actor])) if actor in self.scenario.actors else actor
        if unit:
            return _("the {title} of {unit}").format(title=title, unit=unit)
        return _("the {title}").format(title=title)

    def on_duty(self, actor: str, unit: str, time: int) -> int:
        count = 0
        for when, on_duty in self.schedules.get((actor, unit), ()):
            if when <= time:
                count = on_duty
        return count

    def busy_with(self, record: StepRecord) -> str:
        """Why a task waits: who is off duty, or which incidents hold the actor's people."""
        time = record.queued
        staff = self.on_duty(record.actor, record.unit, time)
        if staff == 0:
            return _("nobody of {who} is on duty").format(who=self.who(record.actor))
        holding = sorted({s.incident for s in self.rep.steps
                          if s is not record and s.served_by == record.actor and s.unit == record.unit
                          and s.started is not None and s.started <= time
                          and (s.finished is None or s.finished > time)})
        ahead = sum(1 for s in self.rep.steps
                    if s is not record and s.actor == record.actor and s.unit == record.unit
                    and s.queued <= time and (s.started is None or s.started > time)
                    and self.order[id(s)] < self.order[id(record)])
        names = [_whose(i, record.incident) for i in holding]
        busy = _("busy with {whose}").format(whose=_and(names)) if names else _("busy")
        if record.units > 1 and ahead:
            return ngettext("{busy} ({staff} on duty, {units} needed, {ahead} task ahead)",
                            "{busy} ({staff} on duty, {units} needed, {ahead} tasks ahead)", ahead).format(
                busy=busy, staff=staff, units=record.units, ahead=ahead)
        if record.units > 1:
            return _("{busy} ({staff} on duty, {units} needed)").format(busy=busy, staff=staff, units=record.units)
        if ahead:
            return ngettext("{busy} ({staff} on duty, {ahead} task ahead)",
                            "{busy} ({staff} on duty, {ahead} tasks ahead)", ahead).format(
                busy=busy, staff=staff, ahead=ahead)
        return _("{busy} ({staff} on duty)").format(busy=busy, staff=staff)

    # --- the story ---------------------------------------------------------------------

    def tell(self, incident: IncidentRecord) -> str:
        events: list[tuple[int, int, int, str]] = [(incident.occurred, -1, 0, _("the incident occurs"))]
        for k, time in enumerate(incident.changes):
            if time < self.scenario.horizon:
                events.append((time, -1, 1, _("the situation changes (change {change}): a continuation report is "
                                              "due").format(change=shown_change(k))))
        for record in self.steps.get(incident.incident, []):
            events.extend(self._step(incident, record))
        events.extend(self._levels(incident))
        verdicts = self.verdicts.get(incident.incident, [])
        events.extend(self._verdict(verdict) for verdict in verdicts if verdict.status != "pending")
        if incident.closed is not None:
            events.append((incident.closed, self.closing_rank, _CLOSED, _("the incident is closed")))
        events.sort(key=lambda e: e[:3])
        lines = self._header(incident)
        lines += [f"  {clock(time)}  {text}" for time, _rank, _order, text in events]
        if incident.closed is None:
            lines.append(f"  {clock(self.scenario.horizon)}  " + _("end of the drill: the incident is still "
                                                                   "open{more}").format(
                more=self._still_running(incident, verdicts)))
        met = sum(v.status == "met" for v in verdicts)
        missed = sum(v.status == "missed" for v in verdicts)
        pending = len(verdicts) - met - missed
        tally = _("deadlines: {met} met, {missed} missed, {pending} still running") if pending \
            else _("deadlines: {met} met, {missed} missed")
        return "\n".join([*lines, "  " + tally.format(met=met, missed=missed, pending=pending)])

    def _header(self, incident: IncidentRecord) -> list[str]:
        scenario = self.scenario
        level = scenario.levels[incident.level]
        named = level_name(scenario, incident.level) if language() == "zh" \
            else _("level {level} ({colour})").format(level=incident.level, colour=level.colour)
        facts = [title_of(scenario.categories[incident.category]), named]
        if incident.judged_level != incident.level:
            facts.append(_("judged {level} at first").format(level=incident.judged_level))
        if incident.major_class is not None:
            title = title_of(scenario.major_classes[incident.major_class]) if incident.major_class in \
                scenario.major_classes else incident.major_class
            facts.append(_("a major class for the province: {title}").format(title=title))
        if incident.grid:
            facts.append(incident.grid)
        if incident.parent is not None:
            facts.append(_("set off by incident {incident}").format(incident=incident.parent))
        description = example_of(scenario, incident.category, incident.example) if language() == "zh" \
            else incident.description
        return [_("Incident {incident}: {description}").format(incident=incident.incident, description=description),
                "  " + _("; ").join(facts)]

    def level_at(self, incident: IncidentRecord, time: int) -> str:
        """The level in force at `time`: the last one set by then (the office's judgement, a correction)."""
        level = incident.judged_level
        for when, value in incident.level_history:
            if when <= time:
                level = value
        return level

    def superiors(self, incident: IncidentRecord, record: StepRecord) -> tuple[str, list[str]]:
        """An escalation's level and superiors, from the records: those it reached once delivered, else those
        of the level in force when it was sent (or, not yet sent, as the level stands)."""
        time = next(t for t in (record.finished, record.started, record.queued) if t is not None)
        level = self.level_at(incident, time)
        if record.receiver:
            return level, record.receiver.split("+")
        return level, list(self.scenario.escalation.levels.get(level, ()))

    def _what(self, incident: IncidentRecord, record: StepRecord, step: Step) -> str:
        """A step as the story names it; a report level by level with the superiors it is actually for."""
        title = title_of(step) or step.id
        if record.change >= 0:
            title = _("{step} (change {change})").format(step=title, change=shown_change(record.change))
        if step.report is None or step.report.to != "escalation":
            return title
        level, targets = self.superiors(incident, record)
        whom = _and([self.who(t) for t in targets]) if targets else _("nobody (no superior for this level)")
        return _("{step}: level {level}, to {whom}").format(step=title, level=level, whom=whom)

    def _step(self, incident: IncidentRecord, record: StepRecord) -> list[tuple[int, int, int, str]]:
        step = self.flow[record.step]
        rank = self.rank[step.id]
        what = self._what(incident, record, step)
        limited = record.actor in self.scenario.staffing
        out = []
        if record.started is None:
            out.append((record.queued, rank, _WAIT, _("{step}: {wait}; still waiting at the end of the drill").format(
                step=what, wait=self._wait(record))))
            return out
        taker = self.taker(record)
        team = self.team_of(record)
        if record.started > record.queued:
            out.append((record.queued, rank, _WAIT, _("{step}: {wait}").format(step=what, wait=self._wait(record))))
            waiting = format_duration(record.started - record.queued)
            if record.served_by != record.actor and team is None:
                taking = _("{taker}, standing in for {whom}, takes it after waiting {wait}: {step}").format(
                    taker=taker, whom=self._stood_in_for(record), wait=waiting, step=what)
            else:
                taking = _("{taker} takes it after waiting {wait}: {step}").format(taker=taker, wait=waiting, step=what)
            out.append((record.started, rank, _START, taking))
        elif step.when == "external":
            out.append((record.started, rank, _START, _("{responders} are called and take over on site").format(
                responders=self._responders(incident, record))))
        elif limited or step.report is not None or team is not None or record.people:
            out.append((record.started, rank, _START, _("{taker} starts: {step}").format(taker=taker, step=what)))
        if record.finished is not None and step.report is None:
            work = format_duration(record.finished - record.started)
            done = _("{responders} are done on site").format(responders=self._responders(incident, record)) \
                if step.when == "external" else what
            out.append((record.finished, rank, _DONE, _("{done} (took {work})").format(done=done, work=work)))
        if record.delivered is not None:
            said = _("{step} (level {level})").format(step=title_of(step) or step.id,
                                                      level=self.superiors(incident, record)[0]) \
                if step.report is not None and step.report.to == "escalation" else what
            out.append((record.delivered, rank, _RECEIVED, _("{receipt}: {step}").format(
                receipt=self._receipt(incident, record), step=said)))
        elif self._on_its_way(incident, record) and step.report is not None and step.report.to == "escalation":
            out.append((record.finished or 0, rank, _RECEIVED, _("the report is sent level by level; it has not "
                        "reached them all by the end of the drill: {step}").format(step=what)))
        elif self._on_its_way(incident, record):
            out.append((record.finished or 0, rank, _RECEIVED, _("the report is sent; it has not arrived by the end "
                        "of the drill: {step}").format(step=what)))
        return out

    def _responders(self, incident: IncidentRecord, record: StepRecord) -> str:
        """The professional responders with whom the category calls (police 110)."""
        called = self.scenario.categories[incident.category].external
        return _("{who} ({called})").format(who=self.who(record.actor), called=_called(called)) if called \
            else self.who(record.actor)

    def _stood_in_for(self, record: StepRecord) -> str:
        """Whom a stand-in stood in for: the person who holds the busy role, or the role."""
        whom = self.holder_of((record.actor, "")) if self.scenario.actors[record.actor].kind == "pool" \
            else self.who(record.actor)
        return _("the busy {whom}").format(whom=whom.removeprefix("the "))

    def _wait(self, record: StepRecord) -> str:
        """Whom a task waits for: the people it needs and where they are, or a crew's count and whom it serves."""
        people = self.waiting_for(record)
        if people is not None:
            return people
        return _("waits for {who}, {busy}").format(who=self.who(record.actor, record.unit), busy=self.busy_with(record))

    def _on_its_way(self, incident: IncidentRecord, record: StepRecord) -> bool:
        """A report sent but not delivered by the horizon (an escalation only when it has superiors to reach)."""
        report = self.flow[record.step].report
        if report is None or record.finished is None or record.delivered is not None:
            return False
        return report.to != "escalation" or bool(self.superiors(incident, record)[1])

    def _receipt(self, incident: IncidentRecord, record: StepRecord) -> str:
        receivers = [self.who(name, incident=incident) for name in record.receiver.split("+")]
        channels = list(dict.fromkeys(record.channel.split("+")))
        over = _(" and ").join(_channel(c) for c in channels)
        text = (_("{receivers} receive the report over {channels}") if len(receivers) > 1
                else _("{receivers} receives the report over {channels}")).format(receivers=_and(receivers),
                                                                                  channels=over)
        order = self.scenario.channels.order
        down = [_channel(c) for c in order[:min((order.index(c) for c in channels if c in order), default=0)]]
        notes = [(_("{channels} was down") if len(down) == 1 else _("{channels} were down")).format(
            channels=_and(down))] if down else []
        notes += [elements] if (elements := self._elements(record)) else []
        if notes:
            text = _("{receipt} ({notes})").format(receipt=text, notes=_("; ").join(notes))
        if record.incomplete and not (record.missing and not waited(self.scenario, record)):
            text = _("{receipt} after a follow-up round trip for missing core elements").format(receipt=text)
        return text

    def _elements(self, record: StepRecord) -> str:
        """The core elements a report carried when first sent and those it lacked: followed up, or waited for
        (the practice `wait`); empty for a report that carries none."""
        carried = self._element_names(record.carried)
        if carried and len(record.carried.split("+")) == len(self.scenario.core_elements):
            return _("carried every core element")
        text = _("carried {elements}").format(elements=carried) if carried else _("carried none of its core elements")
        if not record.missing:
            return text if carried else ""
        missing = self._element_names(record.missing)
        if waited(self.scenario, record):
            return _("{carried}; waited for {missing}").format(carried=text, missing=missing)
        return _("{carried}; missing {missing}: followed up").format(carried=text, missing=missing)

    def _element_names(self, elements: str) -> str:
        """`time+place` -> `time, place` in English (the plan's ids), `时间、地点` in Chinese (their names)."""
        if language() == "en" or not elements:
            return elements.replace("+", ", ")
        named = self.scenario.core_elements
        return _(", ").join(title_of(named[e]) if e in named else e for e in elements.split("+"))

    def _levels(self, incident: IncidentRecord) -> list[tuple[int, int, int, str]]:
        out = []
        for i, (time, level) in enumerate(incident.level_history):
            if i == 0:
                rank = self.rank.get(self.judging or "", 0)
                verdict = _("correct") if level == incident.level \
                    else _("wrong: the true level is {level}").format(level=incident.level)
                out.append((time, rank, _JUDGED, _("the office judges the incident level {level} ({verdict})").format(
                    level=level, verdict=verdict)))
            else:
                rank = self.rank.get(self.correcting or "", 0)
                before = incident.level_history[i - 1][1]
                becomes = _("the level in force becomes {level}, correcting the office's judgement") \
                    if i == 1 and before != incident.level == level else _("the level in force becomes {level}")
                out.append((time, rank, _CORRECTED, becomes.format(level=level)))
        return out

    def _verdict(self, verdict: VerdictRecord) -> tuple[int, int, int, str]:
        rule = self.scenario.deadlines[verdict.rule]
        name = _("{rule} ({limit})").format(rule=title_of(rule), limit=format_duration(rule.limit))
        if verdict.change >= 0:
            name = _("{rule}, change {change}").format(rule=name, change=shown_change(verdict.change))
        ender = self.compiled.reaching(rule.end)
        rank = self.rank.get(ender.id, 10**6) if ender is not None else 10**6
        if verdict.status == "met":
            assert verdict.end is not None and verdict.slack is not None
            return (verdict.end, rank, _VERDICT, _("deadline met: {rule}, {slack} to spare").format(
                rule=name, slack=format_duration(verdict.slack)))
        if verdict.end is not None and verdict.slack is not None:
            return (verdict.end, rank, _VERDICT, _("DEADLINE MISSED: {rule}, {late} late").format(
                rule=name, late=format_duration(-verdict.slack)))
        assert verdict.deadline is not None
        return (verdict.deadline, rank, _VERDICT, _("DEADLINE MISSED: {rule}: no report by the deadline").format(
            rule=name))

    def _still_running(self, incident: IncidentRecord, verdicts: list[VerdictRecord]) -> str:
        """What the drill ends in the middle of: work in hand, and deadline clocks not yet decided."""
        working = sorted({self.taker(s).rstrip(",") for s in self.steps.get(incident.incident, [])
                          if s.started is not None and s.finished is None})
        running = [title_of(self.scenario.deadlines[v.rule]) for v in verdicts
                   if v.status == "pending" and v.start is not None]
        on_the_way = [self._what(incident, s, self.flow[s.step]) for s in self.steps.get(incident.incident, [])
                      if self._on_its_way(incident, s)]
        text = _("; still at work: {work}").format(work=_("; ").join(working)) if working else ""
        if on_the_way:
            text += _("; reports still on their way: {reports}").format(reports=_("; ").join(on_the_way))
        if running:
            text += _("; clocks still running: {clocks}").format(clocks=_("; ").join(running))
        return text
