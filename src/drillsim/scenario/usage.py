"""What a scenario's names are used for: names nothing reads, ambiguous entries, and actors never on duty.

A name in a mapping (a duration, a channel, a grid, a staffed actor...) that
no part of a run reads changes nothing: `durations: {discover: 1m}` next to
the duration `discovery` is almost surely a typo, and a run that quietly
ignores it answers another question than the one asked. `unused` lists every
such name with the closest name that is used; the loader decides whom to
blame (see `drillsim.scenario.loader.validate`).

Entries that two parts of a document give alike are ambiguous (two injects
with one id, two shifts covering the same hour): `ambiguous` lists them at
the second one. An actor whom some step needs and who is never on duty
makes every such step wait until the horizon: that can be meant (a what-if
with nobody in the office), so `warnings` says it rather than refusing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from drillsim.i18n import _
from drillsim.scenario.errors import dotted
from drillsim.scenario.flow import flow_of
from drillsim.scenario.names import title_of
from drillsim.scenario.schema import Dist, IncidentSpec, Scenario, Staffing, closest, kind_name
from drillsim.scenario.units import DAY, format_clock

Path_ = tuple[str | int, ...]

MODEL_DURATIONS = ("follow_up", "acknowledge", "change_interval", "reassessment")
"""Durations the model reads by name, besides those the flow's steps take."""
LEADERSHIP_FIELDS = ("article", "text", "leader", "deputy", "members")
"""What `leadership_group` documents (nothing in a run reads it: it describes the plan)."""
_LIMITED = ("pool", "per_grid")
_DRAWN = ("team", "working_group")
"""A step of these takes people of other roles: its `units` are the members it takes."""


@dataclass(frozen=True)
class Unused:
    """A name nothing reads, where it was written, and the closest name that is read."""

    path: Path_
    message: str
    typo_of_missing: bool = False
    """Its closest used name is one the document does not give: surely a misspelling of it."""


def _hint(what: str, name: str, used: Iterable[str], *, guess: bool = True) -> tuple[str, str | None]:
    """`what` followed by the closest used name and those used."""
    names = sorted(set(used) - {name})
    close = closest(name, names) if guess else None
    listed = ", ".join(names[:30]) + (", ..." if len(names) > 30 else "")
    if close:
        return _("{problem}; did you mean {close}? (used: {names})").format(problem=what, close=repr(close),
                                                                           names=listed), close
    if names:
        return _("{problem} (used: {names})").format(problem=what, names=listed), close
    return _("{problem} (none is used)").format(problem=what), close


def _unused(path: Path_, what: str, name: str, used: Iterable[str], given: Iterable[str] | None = None, *,
            guess: bool = True) -> Unused:
    """`given`: the names the document defines, where a used name may be missing (a misspelling is then sure).

    Without `guess`, no "did you mean": a level is never a misspelling of another (`I` is not `II`).
    """
    said, close = _hint(what, name, list(used), guess=guess)
    return Unused(path, said, given is not None and close is not None and close not in set(given))


# --- who does what ------------------------------------------------------------------


def doers(s: Scenario) -> dict[str, list[str]]:
    """Actor -> the steps it does: its own, and those of `@step` for each receiver of that step's report."""
    flow = flow_of(s)
    out: dict[str, list[str]] = {}
    for node in flow:
        for actor in flow.doers(node):
            if actor != "escalation":
                out.setdefault(actor, []).append(node.id)
    return out


def working_actors(s: Scenario) -> set[str]:
    """Actors that do a step, directly, as a role a team or working group draws on, or standing in for one who does."""
    working = set(doers(s))
    for a in list(working):
        actor = s.actors.get(a)
        if actor is not None and actor.kind == "team":
            working |= {role for role in (actor.leader, *actor.members) if role is not None}
        elif actor is not None and actor.kind == "working_group":
            working |= {role for g in s.working_groups.values() for role in (g.led_by, g.deputy, *g.members) if role}
    working |= {s.actors[a].stand_in for a in working if a in s.actors and s.actors[a].stand_in}  # type: ignore[misc]
    return working


def held_roles(s: Scenario) -> set[str]:
    """The roles some named person holds (a per-grid role in any grid)."""
    return {role.partition(":")[0] for person in s.people.values() for role in person.roles}


def referenced_actors(s: Scenario) -> set[str]:
    """Every actor some part of the plan names (not counting staffing and costs, which only describe it); a role a
    person holds is named by that person."""
    names = set(working_actors(s)) | held_roles(s)
    for step in s.flow:
        if step.report is not None:
            names.update(a for a in (step.report.to, step.report.or_) if a not in (None, "escalation"))
    names.update(a for targets in s.escalation.levels.values() for a in targets)
    names.update(a.stand_in for a in s.actors.values() if a.stand_in is not None)
    names.update(g.led_by for g in s.working_groups.values())
    names.update(spec.first_receiver for spec in _specs(s) if spec.first_receiver is not None)
    return names


def _specs(s: Scenario) -> Iterator[IncidentSpec]:
    def walk(spec: IncidentSpec) -> Iterator[IncidentSpec]:
        yield spec
        for cascade in spec.cascades:
            yield from walk(cascade)
    for inject in s.injects:
        yield from walk(inject)


def used_grids(s: Scenario) -> set[str]:
    """Grids some incident can reach: a source's grid mix (all grids when it gives none), a scripted grid."""
    grids: set[str] = set()
    for source in s.sources:
        grids |= set(s.grids) if source.grids is None else {g for g, share in source.grids.items() if share > 0}
    grids |= {spec.grid for spec in _specs(s) if spec.grid is not None}
    if any(spec.grid is None for spec in _specs(s)):
        grids |= set(s.grids)  # a scripted incident without a grid is sent to one drawn among all
    return grids


def used_probabilities(s: Scenario) -> set[str]:
    """The probabilities a run draws with: a misjudged level always (it brings a correcting change)."""
    used = {step.report.probability for step in s.flow if step.report is not None and step.report.probability}
    used.add("misjudged_level")
    if any(step.report is not None and step.report.incomplete is None for step in s.flow):
        used.add("incomplete_report")
    if any(step.when == "command_post" for step in s.flow) or \
            any(rule.applies == "command_post" for rule in s.deadlines.values()):
        used.add("command_post_low_level")
    return used  # type: ignore[return-value]


# --- names nothing reads ------------------------------------------------------------


def unused(s: Scenario) -> list[Unused]:
    """Every name of a mapping that no part of a run reads, with the closest name that is read."""
    out: list[Unused] = []
    out += _durations(s)
    used_p = used_probabilities(s)
    for name in sorted(s.probabilities.model_fields_set - used_p):
        out.append(_unused(("probabilities", name), _("nothing uses the probability {name} in this flow").format(
            name=repr(name)), name, used_p))
    for name in s.channels.media:
        if name not in s.channels.order:
            out.append(_unused(("channels", "media", name), _("the channel {name} is not in channels.order, so no "
                                                              "report is ever sent over it").format(name=repr(name)),
                               name, s.channels.order, s.channels.media))
    working = working_actors(s)
    staffed = [a for a in s.staffing if s.actors[a].kind in _LIMITED]
    held = held_roles(s)
    for actor in s.staffing:
        if actor not in working and s.actors[actor].kind in _LIMITED:
            out.append(_unused(("staffing", actor), _("no step of the flow is done by {actor}, so its staffing "
                                                      "changes nothing").format(actor=repr(actor)),
                               actor, [a for a in staffed if a in working]))
    grids = used_grids(s)
    for actor, staffing in s.staffing.items():
        for grid in staffing.grids:
            if grid not in grids:
                out.append(_unused(("staffing", actor, "grids", grid), _(
                    "no source or inject sends incidents to {grid}, so its staffing changes nothing").format(
                        grid=repr(grid)), grid, grids))
    for actor in s.costs.staff_hour:
        if actor not in staffed and actor not in held:
            out.append(_unused(("costs", "staff_hour", actor), _(
                "{actor} has no staffing and no person holds it, so no staff-hour of it is counted").format(
                    actor=repr(actor)), actor, {*staffed, *held}))
    drawn = {level for source in s.sources for level, share in source.levels.items() if share > 0}
    for level in s.changes.mean_count:
        if level not in drawn:
            out.append(_unused(("changes", "mean_count", level), _(
                "no source draws incidents of level {level}, so its mean count of changes is never used (injects "
                "give their own changes)").format(level=repr(level)), level, drawn, guess=False))
    for node in flow_of(s):
        takes = node.step.units or node.step.units_by_category
        if takes and node.actor is not None and s.actors[node.actor].kind not in (*_LIMITED, *_DRAWN):
            out.append(Unused(("flow", node.position, "units"), _(
                "{actor} is {kind}: a step of it takes no people from a crew, so its units change nothing").format(
                    actor=repr(node.actor), kind=s.actors[node.actor].kind)))
    referenced = referenced_actors(s)
    for actor in s.actors:
        if actor not in referenced:
            out.append(_unused(("actors", actor), _("no step, report, escalation, stand-in or working group names "
                                                    "the actor {actor}").format(actor=repr(actor)), actor, referenced))
    for key in s.leadership_group:
        if key not in LEADERSHIP_FIELDS:
            out.append(_unused(("leadership_group", key), _("unknown field {key} of the leadership group").format(
                key=repr(key)), key, LEADERSHIP_FIELDS, s.leadership_group))
    return out


def _durations(s: Scenario) -> Iterator[Unused]:
    taken = {step.duration for step in s.flow}
    taken |= {step.report.transit for step in s.flow if step.report is not None and step.report.transit}
    taken |= {element.duration for element in s.core_elements.values() if element.duration}
    used = taken | set(MODEL_DURATIONS)
    for name, dist in s.durations.items():
        if name not in used:
            yield _unused(("durations", name), _("no step, report transit or core element takes the duration {name} "
                                                 "(the model itself reads only {durations})").format(
                                                   name=repr(name), durations=", ".join(MODEL_DURATIONS)),
                          name, used, s.durations)
        yield from _variants(("durations", name), dist, s)


def _own(field: str) -> str:
    """Why a variant's own refinement changes nothing, and where to give it instead."""
    if field == "time_of_day":
        return _("a variant takes no time_of_day of its own, so this changes nothing; give it on the duration "
                 "itself, where it applies to every variant")
    return _("a variant takes no {field} of its own, so this changes nothing; the variant is used as it is; give "
             "{field} on the duration itself").format(field=field)


def _variants(at: Path_, dist: Dist, s: Scenario) -> Iterator[Unused]:
    """A variant is used as it is: its own refinements are never looked at."""
    for kind, variants in (("by_category", dist.by_category), ("by_level", dist.by_level)):
        for key, variant in variants.items():
            for field in ("by_category", "by_level", "time_of_day"):
                if field in variant.model_fields_set:
                    yield Unused((*at, kind, key, field), _own(field))
    if dist.by_level and set(s.categories) <= set(dist.by_category):
        yield Unused((*at, "by_level"), _("every category has its own variant in by_category, which wins over "
                                          "by_level, so by_level is never used"))


# --- ambiguous entries --------------------------------------------------------------


def ambiguous(s: Scenario) -> list[tuple[Path_, str]]:
    """Two entries given alike (ids, names, overlapping windows of the day): the second is refused."""
    out: list[tuple[Path_, str]] = []
    out += _twice([(("sources", i, "name"), src.name) for i, src in enumerate(s.sources)], "source name")
    out += _twice(list(_spec_ids(s)), "incident id")
    out += _twice([(("channels", "order", i), c) for i, c in enumerate(s.channels.order)], "channel")
    out += _twice([(("command_post", "levels", i), lv) for i, lv in enumerate(s.command_post.levels)], "level")
    for level, targets in s.escalation.levels.items():
        out += _twice([(("escalation", "levels", level, k), t) for k, t in enumerate(targets)], "superior")
    for i, step in enumerate(s.flow):
        out += _twice([(("flow", i, "after", k), a) for k, a in enumerate(step.after)], "step")
    for rule_id, rule in s.deadlines.items():
        out += _twice([(("deadlines", rule_id, "levels", k), lv) for k, lv in enumerate(rule.levels)], "level")
    for name, category in s.categories.items():
        if category.major_class is not None:
            out += _twice([(("categories", name, "major_class", "levels", k), lv)
                           for k, lv in enumerate(category.major_class.levels)], "level")
    for actor, staffing in s.staffing.items():
        out += _overlaps(("staffing", actor, "shifts"), staffing.shifts, "shift")
        for grid, own in staffing.grids.items():
            out += _overlaps(("staffing", actor, "grids", grid, "shifts"), own.shifts, "shift")
    for i, source in enumerate(s.sources):
        out += _overlaps(("sources", i, "time_of_day"), source.time_of_day, "window")
    for name, dist in s.durations.items():
        out += _overlaps(("durations", name, "time_of_day"), dist.time_of_day, "window")
    return out


def _spec_ids(s: Scenario) -> Iterator[tuple[Path_, str]]:
    def walk(spec: IncidentSpec, at: Path_) -> Iterator[tuple[Path_, str]]:
        if spec.id is not None:
            yield (*at, "id"), spec.id
        for k, cascade in enumerate(spec.cascades):
            yield from walk(cascade, (*at, "cascades", k))
    for i, inject in enumerate(s.injects):
        yield from walk(inject, ("injects", i))


def _twice(entries: Sequence[tuple[Path_, str]], kind: str) -> list[tuple[Path_, str]]:
    first: dict[str, Path_] = {}
    out = []
    for path, name in entries:
        if name in first:
            out.append((path, _("the {kind} {name} is given twice (first at {first}); expected each once").format(
                kind=kind_name(kind), name=repr(name), first=dotted(first[name]))))
        else:
            first[name] = path
    return out


def _spans(window: Any) -> list[tuple[int, int]]:
    """A window of the day as spans of seconds after midnight (two when it wraps)."""
    if window.start < window.end:
        return [(window.start, window.end)]
    return [(window.start, DAY), (0, window.end)]


def _overlaps(at: Path_, windows: Sequence[Any], kind: str) -> list[tuple[Path_, str]]:
    out = []
    for j, later in enumerate(windows):
        for i, earlier in enumerate(windows[:j]):
            common = [(max(a, c), min(b, d)) for a, b in _spans(earlier) for c, d in _spans(later)
                      if max(a, c) < min(b, d)]
            if common:
                start, end = common[0]
                said = {"later": j, "later_window": _window(later), "earlier": i, "earlier_window": _window(earlier),
                        "span": f"{format_clock(start)}-{format_clock(end % DAY)}"}
                out.append(((*at, j), (_(
                    "shift {later} ({later_window}) overlaps shift {earlier} ({earlier_window}): both cover {span}, "
                    "and only the first listed would count; expected shifts that do not overlap") if kind == "shift"
                    else _("window {later} ({later_window}) overlaps window {earlier} ({earlier_window}): both cover "
                           "{span}, and only the first listed would count; expected windows that do not overlap")
                ).format(**said)))
                break
    return out


def _window(window: Any) -> str:
    return f"{format_clock(window.start)}-{format_clock(window.end)}"


# --- what cannot work ---------------------------------------------------------------


def warnings(s: Scenario) -> list[tuple[Path_, str]]:
    """Actors some step needs who are never on duty over the whole drill (nor their stand-in): neither anonymous
    staff nor a person who holds the role."""
    out: list[tuple[Path_, str]] = []
    grids = used_grids(s)
    for actor, steps in doers(s).items():
        kind = s.actors[actor].kind
        if kind in _DRAWN:
            out += _team_warnings(s, actor, steps)
        if kind not in _LIMITED:
            continue
        staffing = s.staffing_of(actor)
        stand_in = s.actors[actor].stand_in
        if stand_in is not None and _ever(s, stand_in, ""):
            continue
        listed = ", ".join(steps)
        if kind == "pool":
            holders = s.holders(actor)
            at: Path_ = ("staffing", actor) if actor in s.staffing or not holders else ("people", holders[0])
            if not _ever(s, actor, ""):
                out.append((at, _("nobody is on duty at any time of the drill; every step of {actor} ({steps}) "
                                  "will wait until the horizon").format(actor=actor, steps=listed)))
            continue
        for grid in staffing.grids:
            if grid in grids and not _ever(s, actor, grid):
                out.append((("staffing", actor, "grids", grid),
                            _("nobody is on duty at any time of the drill in {grid}; every step of {actor} ({steps}) "
                              "for an incident there will wait until the horizon").format(grid=grid, actor=actor,
                                                                                          steps=listed)))
    return out


def _team_warnings(s: Scenario, actor: str, steps: list[str]) -> list[tuple[Path_, str]]:
    """A team (or a working group) takes its leader (or the stand-in) and its members at once: with nobody ever
    on duty in the leader's and the stand-in's roles, or in every member role, its steps wait until the horizon."""
    spec = s.actors[actor]
    if spec.kind == "team":
        stand_in = s.actors[spec.leader].stand_in if spec.leader is not None else None
        teams: list[tuple[Path_, str | None, str | None, str | None, tuple[str, ...]]] = [
            (("actors", actor), None, spec.leader, stand_in, spec.members)]
    else:
        used = {category.working_group for category in s.categories.values()}
        teams = [(("working_groups", group_id), title_of(group), group.led_by, group.deputy, group.members)
                 for group_id, group in s.working_groups.items() if group_id in used]
    listed = ", ".join(steps)
    out: list[tuple[Path_, str]] = []
    unled: list[str] = []
    for at, group, leader, stand_in, members in teams:
        said = {"team": actor, "group": group, "steps": listed}
        if leader is not None and not any(_held_ever(s, role) for role in (leader, stand_in) if role is not None):
            roles = _("{first} or {second}").format(first=leader, second=stand_in) if stand_in is not None else leader
            unled.append(roles)
            out.append((at, (_("nobody holding {roles} is on duty at any time of the drill, so nobody leads team "
                               "{team}; its steps ({steps}) will wait until the horizon") if group is None else
                             _("nobody holding {roles} is on duty at any time of the drill, so nobody leads the "
                               "{group}; its steps ({steps}) will wait until the horizon")).format(roles=roles,
                                                                                                     **said)))
        elif members and not any(_held_ever(s, role) for role in members):
            out.append((at, (_("nobody holding {roles} is on duty at any time of the drill, so team {team} has no "
                               "members; its steps ({steps}) will wait until the horizon") if group is None else
                             _("nobody holding {roles} is on duty at any time of the drill, so the {group} has no "
                               "members; its steps ({steps}) will wait until the horizon")).format(
                                 roles=", ".join(members), **said)))
    if len(teams) > 1 and len(unled) == len(teams) and len(set(unled)) == 1:  # every group's: say it once
        return [(("actors", actor), _("nobody holding {roles} is on duty at any time of the drill, so no working "
                                      "group has a leader; its steps ({steps}) will wait until the horizon").format(
                                        roles=unled[0], steps=listed))]
    return out


def _held_ever(s: Scenario, actor: str) -> bool:
    """Someone holds the role on duty at some time (in some grid, for a per-grid role)."""
    if s.actors[actor].kind != "per_grid":
        return _ever(s, actor, "")
    staffing = s.staffing.get(actor)
    grids = [*(staffing.grids if staffing is not None else ()),
             *(role.partition(":")[2] for person in s.people.values() for role in person.roles
               if role.partition(":")[0] == actor)]
    return any(_ever(s, actor, grid) for grid in grids)


def _ever(s: Scenario, actor: str, grid: str) -> bool:
    """Someone holds the role (in the grid) on duty at some time: its anonymous staff or a person.

    The anonymous staff are counted as drillsim.model.staffing counts them: when people hold a role, only a
    `staff` the scenario writes out adds anonymous staff to them.
    """
    role = f"{actor}:{grid}" if grid else actor
    people = [person for person in s.people.values() if role in person.roles]
    if any(on for person in people for _, on in person.schedule(s.horizon)):
        return True
    staffing = s.staffing.get(actor)
    if grid:
        anonymous = staffing.for_grid(grid) if staffing is not None and grid in staffing.grids else None
    elif people:
        anonymous = staffing if staffing is not None and "staff" in staffing.model_fields_set else None
    else:
        anonymous = staffing if staffing is not None else Staffing()
    return anonymous is not None and any(count > 0 for _, count in anonymous.schedule(s.horizon))


__all__ = ["MODEL_DURATIONS", "Unused", "ambiguous", "doers", "unused", "used_grids", "warnings"]
