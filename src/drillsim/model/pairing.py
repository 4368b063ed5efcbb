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
        out.append(f"the seed differs: {sa} vs {sb}")
    la, lb = loads if loads is not None else (1.0, 1.0)
    if la != lb:
        out.append(f"the load differs: {la:g} vs {lb:g}")
    if a.horizon != b.horizon:
        out.append(f"the horizon differs: {format_duration(a.horizon)} vs {format_duration(b.horizon)}")
    if a.warm_up != b.warm_up:
        out.append(f"the warm-up differs: {format_duration(a.warm_up)} vs {format_duration(b.warm_up)} (the same "
                   f"incidents are drawn, but other ones are counted)")
    out += _sources(a.sources, b.sources)
    if a.injects != b.injects:
        out.append(f"the injects differ: {_injects(a)} vs {_injects(b)}")
    if (_grids_drawn(a) or _grids_drawn(b)) and a.grids != b.grids:
        out.append(f"the grids incidents are sent to differ: {_names(a.grids)} vs {_names(b.grids)}")
    drawn = {c for s in (a, b) for source in s.sources for c in source.categories} | \
        {spec.category for s in (a, b) for spec in s.injects}
    for category in sorted(drawn):
        ea, eb = _examples(a, category), _examples(b, category)
        if ea != eb:
            out.append(f"the examples of {category} differ: {_names(ea)} vs {_names(eb)}")
    if a.level_order != b.level_order:
        out.append(f"the order of levels differs: {_names(a.level_order)} vs {_names(b.level_order)}")
    if dict(a.changes.mean_count) != dict(b.changes.mean_count):
        out.append(f"the mean counts of changes differ: {_mapping(a.changes.mean_count)} vs "
                   f"{_mapping(b.changes.mean_count)}")
    for name in INCIDENT_DURATIONS:
        da, db = a.durations.get(name), b.durations.get(name)
        if da != db:
            out.append(f"the duration {name} differs: {_dist(da)} vs {_dist(db)}")
    for name in INCIDENT_PROBABILITIES:
        pa, pb = getattr(a.probabilities, name), getattr(b.probabilities, name)
        if pa != pb:
            out.append(f"the probability {name} differs: {pa:g} vs {pb:g}")
    return out


def same_incidents(a: Scenario, b: Scenario, **runs: Any) -> bool:
    """Whether `a` and `b` draw the same incidents (see `differences`)."""
    return not differences(a, b, **runs)


def _sources(a: Sequence[Source], b: Sequence[Source]) -> list[str]:
    if [s.name for s in a] != [s.name for s in b]:
        return [f"the incident sources differ: {_listed(a)} vs {_listed(b)}"]
    out = []
    for sa, sb in zip(a, b, strict=True):
        fields = [f for f in type(sa).model_fields if _drawn(getattr(sa, f)) != _drawn(getattr(sb, f))]
        if fields:
            shown = {"rate_per_day": lambda s: f"{s.rate_per_day:g} a day"}
            said = [shown[f](sa) + " vs " + shown[f](sb) if f in shown else _FIELD.get(f, f) for f in fields]
            out.append(f"the source {sa.name} differs: {', '.join(said)}")
    return out


def _drawn(value: Any) -> Any:
    """A mix as it is drawn from: its order counts, not only its shares."""
    return tuple(value.items()) if isinstance(value, dict) else value


_FIELD = {"time_of_day": "its rate by time of day", "categories": "its mix of categories",
          "levels": "its mix of levels", "grids": "its mix of grids", "start": "its start", "end": "its end"}


def _listed(sources: Sequence[Source]) -> str:
    return ", ".join(f"{s.name} ({s.rate_per_day:g} a day)" for s in sources) or "none"


def _injects(s: Scenario) -> str:
    ids = [inject.id or f"#{i + 1}" for i, inject in enumerate(s.injects)]
    return f"{len(ids)} ({', '.join(ids)})" if ids else "none"


def _grids_drawn(s: Scenario) -> bool:
    """Whether some incident is sent to a grid drawn among all of them (a source or inject naming none)."""
    return any(source.grids is None for source in s.sources) or any(i.grid is None for i in s.injects)


def _examples(s: Scenario, category: str) -> tuple[str, ...]:
    entry = s.categories.get(category)
    return tuple(entry.examples) if entry is not None else ()


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) or "none"


def _mapping(values: Any) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in values.items()) or "none"


def _dist(dist: Any) -> str:
    describe: Callable[[], str] | None = getattr(dist, "describe", None)
    return describe() if describe is not None else "none"


__all__ = ["differences", "same_incidents"]
