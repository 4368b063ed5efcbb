"""Incidents of one replication, with every random draw they will ever need.

All randomness of an incident (when it occurs, what it is, how long each of
its steps takes, whether a report is incomplete, whether the level is
misjudged) is drawn here, before the simulation starts, from named streams in
incident order. The chain's dynamics then use no randomness at all, so
changing staffing, shifts or deadlines leaves every incident identical and
first-come-first-served queues keep their monotone behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drillsim.model.streams import Streams
from drillsim.scenario.schema import Dist, IncidentSpec, Scenario, Source, factor_at

DAY = 86400


@dataclass(frozen=True, slots=True)
class Draw:
    """The drawn figures of one step instance: work time, and its report's fate."""

    work: int
    incomplete: bool = False
    follow_up: int = 0
    acknowledge: int = 0
    alternative: bool = False


@dataclass(frozen=True, slots=True)
class ChangeSpec:
    """A change of situation at `time`; `level` is the true level from then on."""

    time: int
    level: str
    description: str


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident, fully drawn."""

    id: int
    source: str
    parent: int | None
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
    changes: tuple[ChangeSpec, ...]
    draws: dict[tuple[str, int], Draw]


@dataclass(frozen=True, slots=True)
class _Raw:
    occurred: int
    order: tuple[int, ...]
    source: str
    parent_order: tuple[int, ...] | None
    category: str
    example: str | None
    level: str
    spec: IncidentSpec | None
    grid: str | None


def generate(scenario: Scenario, streams: Streams, load: float = 1.0) -> list[Incident]:
    """Every incident of a replication, sorted by occurrence, ids from 1."""
    raws: list[_Raw] = []
    for index, source in enumerate(scenario.sources):
        raws.extend(_stream(scenario, source, index, streams, load))
    for index, inject in enumerate(scenario.injects):
        raws.extend(_scripted(inject, inject.at, (len(scenario.sources), index), None))
    raws = [r for r in raws if r.occurred < scenario.horizon]
    raws.sort(key=lambda r: (r.occurred, r.order))
    ids = {raw.order: i + 1 for i, raw in enumerate(raws)}
    return [_draw(scenario, raw, ids[raw.order], ids.get(raw.parent_order) if raw.parent_order else None, streams)
            for raw in raws]


def _stream(scenario: Scenario, source: Source, index: int, streams: Streams, load: float) -> list[_Raw]:
    """A non-homogeneous Poisson stream by thinning, drawn as whole arrays.

    Candidates come at the peak rate (their count is Poisson, their times
    uniform over the interval) and each is kept with probability
    factor(time of day) / peak.
    """
    arrivals = streams[f"source:{source.name}:arrivals"]
    attributes = streams[f"source:{source.name}:attributes"]
    end = min(source.end if source.end is not None else scenario.horizon, scenario.horizon)
    if end <= source.start:
        return []
    peak = source.peak_factor()
    rate = source.rate_per_day * load * peak / DAY
    count = int(arrivals.poisson(rate * (end - source.start)))
    times = np.sort(arrivals.uniform(source.start, end, count))
    keep = arrivals.random(count) * peak < _factors(source, times)
    times = times[keep]
    n = times.size
    categories, category_p = _mix(source.categories)
    levels, level_p = _mix(source.levels)
    grids, grid_p = _mix(source.grids) if source.grids else (list(scenario.grids), None)
    category_ix = attributes.choice(len(categories), size=n, p=category_p)
    example_u = attributes.random(n)
    level_ix = attributes.choice(len(levels), size=n, p=level_p)
    grid_ix = attributes.choice(len(grids), size=n, p=grid_p) if grids else np.zeros(n, dtype=int)
    examples = {c: list(scenario.categories[c].examples) for c in categories}
    out: list[_Raw] = []
    for i in range(n):
        category = categories[category_ix[i]]
        names = examples[category]
        out.append(_Raw(
            occurred=int(times[i]), order=(index, i), source=source.name, parent_order=None, category=category,
            example=names[int(example_u[i] * len(names))], level=levels[level_ix[i]], spec=None,
            grid=grids[grid_ix[i]] if grids else ""))
    return out


def _factors(source: Source, times: np.ndarray) -> np.ndarray:
    """The rate factor in force at each time (the first window that covers it, else 1)."""
    clock = times % DAY
    factors = np.ones_like(times)
    decided = np.zeros(times.shape, dtype=bool)
    for window in source.time_of_day:
        if window.start < window.end:
            inside = (clock >= window.start) & (clock < window.end)
        else:
            inside = (clock >= window.start) | (clock < window.end)
        factors[inside & ~decided] = window.factor
        decided |= inside
    return factors


def _mix(mix: dict[str, float]) -> tuple[list[str], np.ndarray]:
    names = list(mix)
    weights = np.array([mix[n] for n in names], dtype=float)
    return names, weights / weights.sum()


def _scripted(spec: IncidentSpec, at: int, order: tuple[int, ...], parent: tuple[int, ...] | None) -> list[_Raw]:
    out = [_Raw(occurred=at, order=order, source="inject" if parent is None else "cascade", parent_order=parent,
                category=spec.category, example=spec.example, level=spec.level, spec=spec, grid=spec.grid)]
    for k, cascade in enumerate(spec.cascades):
        out.extend(_scripted(cascade, at + cascade.after, (*order, k), order))
    return out


def _draw(scenario: Scenario, raw: _Raw, ident: int, parent: int | None, streams: Streams) -> Incident:
    spec = raw.spec
    attributes = streams["incidents:attributes"]
    example = raw.example
    if example is None:
        examples = list(scenario.categories[raw.category].examples)
        example = examples[attributes.integers(len(examples))]
    grid = raw.grid if raw.grid is not None else _pick(list(scenario.grids), attributes)
    misjudge = streams["probability:misjudged_level"]
    wrong = misjudge.random() < scenario.probabilities.misjudged_level
    direction = misjudge.random()
    judged = spec.judged_level if spec is not None and spec.judged_level is not None else (
        _neighbour(scenario.level_order, raw.level, direction) if wrong else raw.level)
    cp_coin = streams["probability:command_post_low_level"].random() < scenario.probabilities.command_post_low_level
    command_post = spec.command_post if spec is not None and spec.command_post is not None else cp_coin
    major = spec.major_class if spec is not None else None
    changes = _changes(scenario, raw, judged, streams)
    draws = _step_draws(scenario, raw.category, raw.level, raw.occurred, len(changes), streams)
    description = spec.description if spec is not None and spec.description else \
        scenario.categories[raw.category].examples[example]
    return Incident(
        id=ident, source=raw.source, parent=parent, occurred=raw.occurred, category=raw.category,
        example=example, description=description, grid=grid, level=raw.level, judged_level=judged,
        major_class=major, command_post=command_post,
        first_receiver=spec.first_receiver if spec is not None else None, changes=changes, draws=draws)


def _pick(names: list[str], rng: np.random.Generator) -> str:
    return names[rng.integers(len(names))] if names else ""


def _neighbour(order: tuple[str, ...], level: str, u: float) -> str:
    """A misjudged level: one step more or less serious, as far as the scale allows."""
    i = order.index(level)
    options = [j for j in (i - 1, i + 1) if 0 <= j < len(order)]
    return order[options[int(u * len(options))]]


def _changes(scenario: Scenario, raw: _Raw, judged: str, streams: Streams) -> tuple[ChangeSpec, ...]:
    """Changes calling for continuation reports; a misjudged level gets a reassessment."""
    rng = streams["changes:count"]
    interval = scenario.durations.get("change_interval")
    reassessment = scenario.durations.get("reassessment")
    changes: list[ChangeSpec] = []
    if raw.spec is not None:
        level = raw.level
        for change in raw.spec.changes:
            level = change.level or level
            changes.append(ChangeSpec(raw.occurred + change.after, level, change.description))
    else:
        count = int(rng.poisson(scenario.changes.mean_count.get(raw.level, 0.0)))
        time = raw.occurred
        for _ in range(count):
            gap = _sample(interval, raw.category, raw.level, raw.occurred, streams["duration:change_interval"])
            time += max(gap, 1)
            changes.append(ChangeSpec(time, raw.level, "the situation develops"))
    if judged != raw.level and not changes:
        gap = _sample(reassessment, raw.category, raw.level, raw.occurred, streams["duration:reassessment"])
        changes.append(ChangeSpec(raw.occurred + max(gap, 1), raw.level, "new facts correct the level"))
    return tuple(changes)


def _sample(dist: Dist | None, category: str, level: str, occurred: int, rng: np.random.Generator) -> int:
    if dist is None:
        return 0
    chosen = dist.resolve(category, level)
    factor = factor_at(dist.time_of_day, occurred)
    return max(0, round(chosen.sample(rng) * factor))


def _step_draws(scenario: Scenario, category: str, level: str, occurred: int, n_changes: int,
                streams: Streams) -> dict[tuple[str, int], Draw]:
    """Work time and report fate of every step instance, each from the step's own streams."""
    draws: dict[tuple[str, int], Draw] = {}
    p_incomplete = scenario.probabilities.incomplete_report
    follow_up = scenario.durations.get("follow_up")
    acknowledge = scenario.durations.get("acknowledge")
    for step in scenario.flow:
        instances = range(n_changes) if step.per == "change" else (-1,)
        work_stream = streams[f"duration:{step.duration}:{step.id}"]
        for k in instances:
            work = _sample(scenario.durations[step.duration], category, level, occurred, work_stream)
            if step.report is None:
                draws[(step.id, k)] = Draw(work)
                continue
            report_stream = streams[f"report:{step.id}"]
            incomplete = report_stream.random() < p_incomplete
            follow = _sample(follow_up, category, level, occurred, report_stream)
            ack = _sample(acknowledge, category, level, occurred, report_stream)
            p_alt = getattr(scenario.probabilities, step.report.probability) if step.report.probability else 0.0
            alternative = report_stream.random() < p_alt
            draws[(step.id, k)] = Draw(work, incomplete, follow, ack, alternative)
    return draws
