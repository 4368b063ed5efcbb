"""Incidents of one replication, with every random draw they will ever need.

All randomness of an incident (when it occurs, what it is, how long each of
its steps takes, whether a report is incomplete, whether the level is
misjudged) is drawn here from named streams in incident order, before the
incident enters the chain. The chain's dynamics then use no randomness at
all, so changing staffing, shifts or deadlines leaves every incident identical
and first-come-first-served queues keep their monotone behaviour. Incidents
come lazily, in order, so a long run holds no more than a block of arrival times.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

import numpy as np

from drillsim.model.draws import DurationDraws, Seconds
from drillsim.model.streams import Streams
from drillsim.scenario.flow import ONCE, FlowStep, flow_of
from drillsim.scenario.schema import IncidentSpec, Scenario, Source

DAY = 86400
_BLOCK_DAYS = 365
_BLOCK_CANDIDATES = 1 << 16
_BATCH = 256
"""Incidents drawn in one go, then simulated: drawing and simulating one incident at a time, in turn, is
slower (benchmarks/PROFILE.md), and a batch this size costs no memory to speak of."""


class ReportFate(NamedTuple):
    """What becomes of one step instance's report, drawn with the incident."""

    incomplete: bool
    """The receiver calls back for what is missing (`follow_up` later), and the report is sent again."""
    follow_up: int
    acknowledge: int
    """How long a superior takes to acknowledge it."""
    alternative: bool
    """It goes to the step's alternative receiver (`or`)."""
    transit: int = 0
    """The step's own transit time on top of the channel's (`report.transit`; 0 without one)."""


@dataclass(frozen=True, slots=True)
class ChangeSpec:
    """A change of situation at `time`; `level` is the true level from then on."""

    time: int
    level: str
    description: str
    tick: bool = False
    """A continuation report on the scenario's cadence (`changes.cadence`) rather than a change of situation: it is
    due only while the incident is open."""


CADENCE = "the continuation report on the cadence"
DEVELOPS = "the situation develops"
CORRECTED = "new facts correct the level"
"""The descriptions of the changes the model draws (kept in English in the records; pages name them from the
catalog)."""


def with_cadence(scenario: Scenario, occurred: int, level: str,
                 changes: tuple[ChangeSpec, ...]) -> tuple[ChangeSpec, ...]:
    """An incident's changes with its cadence's reports among them, in time order (a change first at the same time),
    each at the true level then in force, from the occurrence up to the horizon; the chain drops those after the
    closure. The same for a simulated incident and a drill's."""
    every = scenario.changes.cadence.get(level)
    if every is None:
        return changes
    ticks = []
    for time in range(occurred + every, scenario.horizon, every):
        level_then = next((change.level for change in reversed(changes) if change.time <= time), level)
        ticks.append(ChangeSpec(time, level_then, CADENCE, True))
    return tuple(sorted((*changes, *ticks), key=lambda change: (change.time, change.tick)))


class Incident(NamedTuple):
    """One incident, fully drawn (a tuple: built for every incident, and never changed)."""

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
    work: dict[tuple[str, int], int]
    """Work time of each step instance: (step, ONCE) once per incident, (step, k) for change k."""
    reports: dict[tuple[str, int], ReportFate]
    """The fate of each step instance's report, for the steps that report."""
    learnt: tuple[int, ...]
    """For each core element in the plan's order, how long after its step (`after`) the chain knows it; empty when
    every element is known as its step is done."""


class _Raw(NamedTuple):
    occurred: int
    order: tuple[int, ...]
    source: str
    parent_order: tuple[int, ...] | None
    category: str
    example: str | None
    level: str
    spec: IncidentSpec | None
    grid: str | None


def _key(raw: _Raw) -> tuple[int, tuple[int, ...]]:
    return raw.occurred, raw.order


def generate(scenario: Scenario, streams: Streams, load: float = 1.0) -> Iterator[Incident]:
    """Every incident of a replication in order of occurrence, ids from 1, drawn a batch ahead of use.

    Each source's arrivals are drawn as whole arrays and merged lazily; each
    incident's own draws come when its batch is reached. A stream is used in
    incident order either way, so drawing lazily gives the same numbers.
    """
    incidents = _draw_each(scenario, streams, load)
    while batch := list(islice(incidents, _BATCH)):
        yield from batch


def _draw_each(scenario: Scenario, streams: Streams, load: float) -> Iterator[Incident]:
    scripted = sorted((raw for index, inject in enumerate(scenario.injects)
                       for raw in _scripted(inject, inject.at, (len(scenario.sources), index), None)
                       if raw.occurred < scenario.horizon), key=_key)
    arrivals = [_stream(scenario, source, index, streams, load) for index, source in enumerate(scenario.sources)]
    drawer = _Drawer(scenario, streams)
    parents: dict[tuple[int, ...], int] = {}
    for ident, raw in enumerate(heapq.merge(*arrivals, scripted, key=_key), start=1):
        if raw.spec is not None:
            parents[raw.order] = ident  # only scripted incidents have cascades
        yield drawer.incident(raw, ident, parents.get(raw.parent_order) if raw.parent_order else None)


def _stream(scenario: Scenario, source: Source, index: int, streams: Streams, load: float) -> Iterator[_Raw]:
    """A non-homogeneous Poisson stream by thinning, drawn as whole arrays one block of time at a time.

    Candidates come at the peak rate (their count in each block is Poisson,
    their times uniform over the block) and each is kept with probability
    factor(time of day) / peak. Blocks keep memory flat however long the
    horizon: a block is a year, or fewer whole days when a year would bring
    more than about 65,000 candidates.
    """
    arrivals = streams[f"source:{source.name}:arrivals"]
    attributes = streams[f"source:{source.name}:attributes"]
    end = min(source.end if source.end is not None else scenario.horizon, scenario.horizon)
    peak = source.peak_factor()
    rate = source.rate_per_day * load * peak / DAY
    categories, category_p = _mix(source.categories)
    levels, level_p = _mix(source.levels)
    grids, grid_p = _mix(source.grids) if source.grids else (list(scenario.grids), None)
    examples = [list(scenario.categories[c].examples) for c in categories]
    days = int(_BLOCK_CANDIDATES / (rate * DAY)) if rate else _BLOCK_DAYS
    block = DAY * max(1, min(_BLOCK_DAYS, days))
    i = 0
    for start in range(source.start, end, block):
        stop = min(start + block, end)
        count = int(arrivals.poisson(rate * (stop - start)))
        times = np.sort(arrivals.uniform(start, stop, count))
        keep = arrivals.random(count) * peak < _factors(source, times)
        times = times[keep].astype(np.int64)
        n = times.size
        category_ix = attributes.choice(len(categories), size=n, p=category_p)
        example_u = attributes.random(n)
        level_ix = attributes.choice(len(levels), size=n, p=level_p)
        grid_ix = attributes.choice(len(grids), size=n, p=grid_p) if grids else np.zeros(n, dtype=int)
        for occurred, c, u, lv, g in zip(times.tolist(), category_ix.tolist(), example_u.tolist(),
                                         level_ix.tolist(), grid_ix.tolist(), strict=True):
            names = examples[c]
            yield _Raw(occurred, (index, i), source.name, None, categories[c], names[int(u * len(names))],
                       levels[lv], None, grids[g] if grids else "")
            i += 1


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


class _ReportDraws(NamedTuple):
    """A report's fate, from the step's report stream (coin flips and durations alike: never read ahead), and its
    own transit time from a stream of its own."""

    stream: np.random.Generator
    p_alternative: float
    p_incomplete: float
    follow_up: Seconds
    acknowledge: Seconds
    transit: Seconds | None

    def draw(self, occurred: int) -> ReportFate:
        incomplete = self.stream.random() < self.p_incomplete
        follow = self.follow_up(occurred)
        ack = self.acknowledge(occurred)
        return ReportFate(incomplete, follow, ack, self.stream.random() < self.p_alternative,
                          0 if self.transit is None else self.transit(occurred))


class _StepDraws(NamedTuple):
    """What each instance of one step draws for incidents of one (category, level): its work time,
    and its report's fate if it reports."""

    key: tuple[str, int]
    """The draws' key of the step's instance per incident (one tuple for all incidents)."""
    id: str
    work: Seconds
    report: _ReportDraws | None


class _ReportStreams(NamedTuple):
    """A step's report stream and the durations it feeds, for any (category, level)."""

    stream: np.random.Generator
    p_alternative: float
    p_incomplete: float
    follow_up: DurationDraws
    acknowledge: DurationDraws
    transit: DurationDraws | None

    def of(self, category: str, level: str) -> _ReportDraws:
        return _ReportDraws(self.stream, self.p_alternative, self.p_incomplete, self.follow_up.of(category, level),
                            self.acknowledge.of(category, level),
                            None if self.transit is None else self.transit.of(category, level))


class _StepStreams(NamedTuple):
    """One step's work duration and report, for any (category, level)."""

    node: FlowStep
    work: DurationDraws
    report: _ReportStreams | None

    def of(self, category: str, level: str) -> _StepDraws:
        node = self.node
        return _StepDraws((node.id, ONCE), node.id, self.work.of(category, level),
                          None if self.report is None else self.report.of(category, level))


class _Variant(NamedTuple):
    """Every duration an incident of one (category, level) may draw, resolved once.

    Steps run once per incident come apart from those run once per change,
    and work times from reports: each step draws its work time and its report
    from streams of their own, so the order of the draws changes no number.
    """

    once: tuple[_StepDraws, ...]
    once_reports: tuple[tuple[tuple[str, int], _ReportDraws], ...]
    """(draws' key, report draws) of the steps run once per incident that report."""
    per_change: tuple[_StepDraws, ...]
    mean_changes: float
    interval: Seconds
    reassessment: Seconds
    learning: tuple[Seconds, ...]
    """Each core element's delay after its step (empty: none has one)."""


class _Drawer:
    """Draws incidents for one replication: streams and distributions looked up once, not per draw."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        self.scenario = scenario
        p = scenario.probabilities
        durations = scenario.durations
        self.p_misjudged = p.misjudged_level
        self.p_command_post = p.command_post_low_level
        self.steps: list[_StepStreams] = []
        for node in flow_of(scenario):
            step = node.step
            report = None
            if step.report is not None:
                stream = streams[f"report:{step.id}"]
                own = step.report
                report = _ReportStreams(
                    stream, getattr(p, own.probability) if own.probability else 0.0,
                    p.incomplete_report if own.incomplete is None else own.incomplete,
                    DurationDraws(durations.get("follow_up"), stream, private=False),
                    DurationDraws(durations.get("acknowledge"), stream, private=False),
                    None if own.transit is None else DurationDraws(durations[own.transit],
                                                                    streams[f"transit:{step.id}"], private=True))
            work = DurationDraws(durations[step.duration], streams[f"duration:{step.duration}:{step.id}"], private=True)
            self.steps.append(_StepStreams(node, work, report))
        self.interval = DurationDraws(durations.get("change_interval"), streams["duration:change_interval"],
                                      private=True)
        self.reassessment = DurationDraws(durations.get("reassessment"), streams["duration:reassessment"],
                                          private=True)
        # An element without a delay draws nothing: adding one leaves every other number where it was.
        self.learning = tuple(
            DurationDraws(durations[element.duration] if element.duration else None, streams[f"element:{name}"],
                          private=True) for name, element in scenario.core_elements.items())
        self.learns = any(element.duration for element in scenario.core_elements.values())
        self.cadence = bool(scenario.changes.cadence)
        self._variants: dict[tuple[str, str], _Variant] = {}
        self.grids = list(scenario.grids)
        self.descriptions = {(name, example): description for name, category in scenario.categories.items()
                             for example, description in category.examples.items()}
        self.attributes = streams["incidents:attributes"]
        self.misjudge = streams["probability:misjudged_level"]
        self.command_post = streams["probability:command_post_low_level"]
        self.change_count = streams["changes:count"]

    def _variant(self, category: str, level: str) -> _Variant:
        variant = self._variants.get((category, level))
        if variant is None:
            once = tuple(step.of(category, level) for step in self.steps if not step.node.per_change)
            variant = self._variants[(category, level)] = _Variant(
                once, tuple((step.key, step.report) for step in once if step.report is not None),
                tuple(step.of(category, level) for step in self.steps if step.node.per_change),
                self.scenario.changes.mean_count.get(level, 0.0),
                self.interval.of(category, level), self.reassessment.of(category, level),
                tuple(element.of(category, level) for element in self.learning) if self.learns else ())
        return variant

    def incident(self, raw: _Raw, ident: int, parent: int | None) -> Incident:
        scenario, spec = self.scenario, raw.spec
        example = raw.example
        if example is None:
            examples = list(scenario.categories[raw.category].examples)
            example = examples[self.attributes.integers(len(examples))]
        grid = raw.grid if raw.grid is not None else _pick(self.grids, self.attributes)
        # A probability of zero draws nothing: its stream serves nothing else, so no other number moves.
        judged = raw.level
        if self.p_misjudged:
            wrong = self.misjudge.random() < self.p_misjudged
            direction = self.misjudge.random()
            if wrong:
                judged = _neighbour(scenario.level_order, raw.level, direction)
        if spec is not None and spec.judged_level is not None:
            judged = spec.judged_level
        cp_coin = bool(self.p_command_post) and self.command_post.random() < self.p_command_post
        command_post = spec.command_post if spec is not None and spec.command_post is not None else cp_coin
        major = spec.major_class if spec is not None else None
        variant = self._variant(raw.category, raw.level)
        changes = self._changes(raw, judged, variant)
        work, reports = self._step_draws(variant, raw.occurred, len(changes))
        description = spec.description if spec is not None and spec.description else \
            self.descriptions[(raw.category, example)]
        # Positional, in the field order of Incident: keywords would cost as much again, once per incident.
        learnt = tuple([delay(raw.occurred) for delay in variant.learning]) if variant.learning else ()
        return Incident(ident, raw.source, parent, raw.occurred, raw.category, example, description, grid,
                        raw.level, judged, major, command_post, spec.first_receiver if spec is not None else None,
                        changes, work, reports, learnt)

    def _changes(self, raw: _Raw, judged: str, variant: _Variant) -> tuple[ChangeSpec, ...]:
        """Changes calling for continuation reports; a misjudged level gets a reassessment."""
        if raw.spec is None and not variant.mean_changes and judged == raw.level and not self.cadence:
            return ()  # most incidents: nothing to draw
        changes: list[ChangeSpec] = []
        if raw.spec is not None:
            level = raw.level
            for change in raw.spec.changes:
                level = change.level or level
                changes.append(ChangeSpec(raw.occurred + change.after, level, change.description))
        else:
            mean = variant.mean_changes
            count = int(self.change_count.poisson(mean)) if mean else 0  # NumPy draws nothing for a mean of 0
            time = raw.occurred
            for _ in range(count):
                time += max(variant.interval(raw.occurred), 1)
                changes.append(ChangeSpec(time, raw.level, DEVELOPS))
        if judged != raw.level and not changes:
            gap = variant.reassessment(raw.occurred)
            changes.append(ChangeSpec(raw.occurred + max(gap, 1), raw.level, CORRECTED))
        return with_cadence(self.scenario, raw.occurred, raw.level, tuple(changes)) if self.cadence else tuple(changes)

    def _step_draws(self, variant: _Variant, occurred: int,
                    n_changes: int) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], ReportFate]]:
        """Work time of every step instance, and the fate of its report if it reports."""
        work: dict[tuple[str, int], int] = {}
        for step in variant.once:  # loops, not comprehensions: each of those costs a function call
            work[step.key] = step.work(occurred)
        reports: dict[tuple[str, int], ReportFate] = {}
        for key, report in variant.once_reports:
            reports[key] = report.draw(occurred)
        for step in variant.per_change if n_changes else ():
            fates = step.report
            for k in range(n_changes):
                work[(step.id, k)] = step.work(occurred)
                if fates is not None:
                    reports[(step.id, k)] = fates.draw(occurred)
        return work, reports


class InstanceDraws:
    """The draws of incidents whose times and levels come from outside the model (a drill's, for a forecast):
    each step instance's work time and report fate, and each core element's delay, from the named streams a
    simulated incident draws them from. A run draws its own incidents (`generate`) and uses none of this."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        self._drawer = _Drawer(scenario, streams)

    def __call__(self, category: str, level: str, occurred: int, changes: int
                 ) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], ReportFate], tuple[int, ...]]:
        """(work, reports, learnt) of an incident of this category and true level with this many changes, as
        `Incident` holds them."""
        drawer = self._drawer
        variant = drawer._variant(category, level)
        work, reports = drawer._step_draws(variant, occurred, changes)
        learnt = tuple([delay(occurred) for delay in variant.learning]) if variant.learning else ()
        return work, reports, learnt


def _pick(names: list[str], rng: np.random.Generator) -> str:
    return names[rng.integers(len(names))] if names else ""


def _neighbour(order: tuple[str, ...], level: str, u: float) -> str:
    """A misjudged level: one step more or less serious, as far as the scale allows."""
    i = order.index(level)
    options = [j for j in (i - 1, i + 1) if 0 <= j < len(order)]
    return order[options[int(u * len(options))]]
