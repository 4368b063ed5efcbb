"""Whether two scenarios draw the same incidents: what a paired comparison may claim.

Replication r of two scenarios run with one seed sees the same incidents
(common random numbers, `drillsim.model.streams`) only when every field that
`drillsim.model.incidents.generate` reads to draw them is the same: the
horizon, the sources, the injects, the grids incidents are sent to, the
examples and the order of levels, the mean counts of changes and the
durations between them, the misjudgement and command-post probabilities,
the seed and the load; and the warm-up, which draws the same incidents but
counts others. Staffing, shifts, the flow's step durations,
channels and deadlines only change how the chain handles the incidents:
each step draws from a stream of its own, so varying them leaves every
incident as it was. `differences` says, in a planner's words, which of the
incident-shaping fields differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from drillsim.i18n import _
from drillsim.scenario.schema import Scenario, Source
from drillsim.scenario.units import format_duration

INCIDENT_DURATIONS = ("change_interval", "reassessment")
"""Durations drawn into an incident's changes (when its situation changes), not into its handling."""
INCIDENT_PROBABILITIES = ("misjudged_level", "command_post_low_level")


def differences(a: Scenario, b: Scenario, *, seeds: tuple[int, int] | None = None,
                loads: tuple[float, float] | None = None) -> list[str]:
    """What makes the incidents of `a` and `b` differ (empty: the same incidents, replication by replication).

    `seeds` and `loads` are those the two runs use (the scenarios' own seeds
    when not given, and a load of 1).
    """
    out: list[str] = []
    sa, sb = seeds if seeds is not None else (a.seed, b.seed)
    if sa != sb:
        out.append(_("the seed differs: {a} vs {b}").format(a=sa, b=sb))
    la, lb = loads if loads is not None else (1.0, 1.0)
    if la != lb:
        out.append(_("the load differs: {a} vs {b}").format(a=f"{la:g}", b=f"{lb:g}"))
    if a.horizon != b.horizon:
        out.append(_("the horizon differs: {a} vs {b}").format(a=format_duration(a.horizon),
                                                               b=format_duration(b.horizon)))
    if a.warm_up != b.warm_up:
        out.append(_("the warm-up differs: {a} vs {b} (the same incidents are drawn, but other ones are "
                     "counted)").format(a=format_duration(a.warm_up), b=format_duration(b.warm_up)))
    out += _sources(a.sources, b.sources)
    if a.injects != b.injects:
        out.append(_("the injects differ: {a} vs {b}").format(a=_injects(a), b=_injects(b)))
    if (_grids_drawn(a) or _grids_drawn(b)) and a.grids != b.grids:
        out.append(_("the grids incidents are sent to differ: {a} vs {b}").format(a=_names(a.grids),
                                                                                   b=_names(b.grids)))
    drawn = {c for s in (a, b) for source in s.sources for c in source.categories} | \
        {spec.category for s in (a, b) for spec in s.injects}
    for category in sorted(drawn):
        ea, eb = _examples(a, category), _examples(b, category)
        if ea != eb:
            out.append(_("the examples of {category} differ: {a} vs {b}").format(category=category, a=_names(ea),
                                                                                  b=_names(eb)))
    if a.level_order != b.level_order:
        out.append(_("the order of levels differs: {a} vs {b}").format(a=_names(a.level_order),
                                                                       b=_names(b.level_order)))
    if dict(a.changes.mean_count) != dict(b.changes.mean_count):
        out.append(_("the mean counts of changes differ: {a} vs {b}").format(a=_mapping(a.changes.mean_count),
                                                                             b=_mapping(b.changes.mean_count)))
    for name in INCIDENT_DURATIONS:
        da, db = a.durations.get(name), b.durations.get(name)
        if da != db:
            out.append(_("the duration {name} differs: {a} vs {b}").format(name=name, a=_dist(da), b=_dist(db)))
    for name in INCIDENT_PROBABILITIES:
        pa, pb = getattr(a.probabilities, name), getattr(b.probabilities, name)
        if pa != pb:
            out.append(_("the probability {name} differs: {a} vs {b}").format(name=name, a=f"{pa:g}", b=f"{pb:g}"))
    return out


def same_incidents(a: Scenario, b: Scenario, **runs: Any) -> bool:
    """Whether `a` and `b` draw the same incidents (see `differences`)."""
    return not differences(a, b, **runs)


def _sources(a: Sequence[Source], b: Sequence[Source]) -> list[str]:
    if [s.name for s in a] != [s.name for s in b]:
        return [_("the incident sources differ: {a} vs {b}").format(a=_listed(a), b=_listed(b))]
    out = []
    for sa, sb in zip(a, b, strict=True):
        fields = [f for f in type(sa).model_fields if _drawn(getattr(sa, f)) != _drawn(getattr(sb, f))]
        if fields:
            said = [_("{a} vs {b}").format(a=_rate(sa), b=_rate(sb)) if f == "rate_per_day" else _field(f)
                    for f in fields]
            out.append(_("the source {name} differs: {fields}").format(name=sa.name, fields=_(", ").join(said)))
    return out


def _drawn(value: Any) -> Any:
    """A mix as it is drawn from: its order counts, not only its shares."""
    return tuple(value.items()) if isinstance(value, dict) else value


def _field(name: str) -> str:
    """What a source's field draws, in a planner's words (another field by its name)."""
    said = {"time_of_day": _("its rate by time of day"), "categories": _("its mix of categories"),
            "levels": _("its mix of levels"), "grids": _("its mix of grids"), "start": _("its start"),
            "end": _("its end")}
    return said.get(name, name)


def _rate(source: Source) -> str:
    return _("{rate} a day").format(rate=f"{source.rate_per_day:g}")


def _listed(sources: Sequence[Source]) -> str:
    return _(", ").join(_("{name} ({rate})").format(name=s.name, rate=_rate(s)) for s in sources) or _("none")


def _injects(s: Scenario) -> str:
    ids = [inject.id or f"#{i + 1}" for i, inject in enumerate(s.injects)]
    return _("{count} ({ids})").format(count=len(ids), ids=_(", ").join(ids)) if ids else _("none")


def _grids_drawn(s: Scenario) -> bool:
    """Whether some incident is sent to a grid drawn among all of them (a source or inject naming none)."""
    return any(source.grids is None for source in s.sources) or any(i.grid is None for i in s.injects)


def _examples(s: Scenario, category: str) -> tuple[str, ...]:
    entry = s.categories.get(category)
    return tuple(entry.examples) if entry is not None else ()


def _names(names: Sequence[str]) -> str:
    return _(", ").join(names) or _("none")


def _mapping(values: Any) -> str:
    return _(", ").join(f"{k} {v:g}" for k, v in values.items()) or _("none")


def _dist(dist: Any) -> str:
    describe: Callable[[], str] | None = getattr(dist, "describe", None)
    return describe() if describe is not None else _("none")


__all__ = ["differences", "same_incidents"]
