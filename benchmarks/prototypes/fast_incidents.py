"""Prototype: incidents_of with the per-draw lookups resolved once per scenario; the same numbers.

drillsim.model.incidents draws each step's work time through ``_sample``:
``dist.resolve(category, level)`` (pydantic attribute and FrozenDict lookups),
``factor_at(dist.time_of_day, ...)``, then ``chosen.sample(rng)``, a scalar
NumPy call (``rng.uniform`` costs about 2.4 us a call, ``rng.random`` 0.6 us).
Here a ``DrawPlan`` resolves, once per scenario, every (distribution,
category, level) to a small sampler over plain floats, and uniform and
triangular draws use ``rng.random()`` with NumPy's own formula, so every
stream yields exactly the numbers it yields in drillsim (checked by
``python benchmarks/prototypes/fast_incidents.py`` on every bundled scenario).
Nothing else changes: streams, order of draws, Incident and Draw objects.

``DrawPlan(scenario, draw=LightDraw)`` also replaces the frozen dataclass
``Draw`` (about 1.9 us to build, as a frozen dataclass sets each field through
``object.__setattr__``; an incident has 13 or more) with a NamedTuple of the
same fields (about 0.3 us).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from drillsim.model import incidents_of
from drillsim.model.incidents import (
    ChangeSpec,
    Draw,
    Incident,
    _neighbour,
    _pick,
    _Raw,
    _scripted,
    _stream,
)
from drillsim.model.streams import Streams, replication_seed
from drillsim.scenario import Scenario, load
from drillsim.scenario.schema import Constant, Dist, Empirical, Exponential, LogNormal, Triangular, Uniform, factor_at


class LightDraw(NamedTuple):
    """drillsim's Draw as a NamedTuple: the same fields, read the same way."""

    work: int
    incomplete: bool = False
    follow_up: int = 0
    acknowledge: int = 0
    alternative: bool = False


Sampler = Callable[[np.random.Generator], float] | float
"""A function of the stream, or a constant (which draws nothing)."""


def sampler(dist: Dist) -> Sampler:
    """One distribution as a function over plain floats, drawing what ``dist.sample`` draws."""
    if isinstance(dist, Constant):
        return float(dist.value)
    if isinstance(dist, Uniform):
        low, span = float(dist.low), float(dist.high) - float(dist.low)
        return lambda rng: low + span * rng.random()  # NumPy's uniform: low + (high - low) * next_double
    if isinstance(dist, Triangular):
        return _triangular(float(dist.low), float(dist.mode), float(dist.high))
    if isinstance(dist, LogNormal):
        median, sigma = float(dist.median), dist.sigma
        return lambda rng: median * math.exp(sigma * rng.standard_normal())
    if isinstance(dist, Exponential):
        mean = float(dist.mean_)
        return lambda rng: float(rng.exponential(mean))
    if isinstance(dist, Empirical):
        samples = [float(s) for s in dist.samples]
        return lambda rng: samples[int(rng.integers(len(samples)))]
    return dist.sample


def _triangular(left: float, mode: float, right: float) -> Callable[[np.random.Generator], float]:
    """NumPy's random_triangular, operation for operation."""
    base = right - left
    leftbase = mode - left
    ratio = leftbase / base
    leftprod = leftbase * base
    rightprod = (right - mode) * base

    def draw(rng: np.random.Generator) -> float:
        u = rng.random()
        if u <= ratio:
            return left + math.sqrt(u * leftprod)
        return right - math.sqrt((1.0 - u) * rightprod)
    return draw


class DrawPlan:
    """What drawing an incident needs, resolved once per scenario."""

    def __init__(self, scenario: Scenario, draw: Callable[..., Any] = Draw) -> None:
        self.scenario = scenario
        self.draw = draw
        p = scenario.probabilities
        self.steps = [(step.id, step.per == "change", f"duration:{step.duration}:{step.id}",
                       scenario.durations[step.duration], f"report:{step.id}" if step.report else None,
                       getattr(p, step.report.probability) if step.report and step.report.probability else 0.0)
                      for step in scenario.flow]
        self.follow_up = scenario.durations.get("follow_up")
        self.acknowledge = scenario.durations.get("acknowledge")
        self.interval = scenario.durations.get("change_interval")
        self.reassessment = scenario.durations.get("reassessment")
        self._samplers: dict[tuple[int, str, str], Sampler] = {}

    def sample(self, dist: Dist | None, category: str, level: str, occurred: int, rng: np.random.Generator) -> int:
        """``drillsim.model.incidents._sample``, with the resolved sampler cached."""
        if dist is None:
            return 0
        key = (id(dist), category, level)
        fn = self._samplers.get(key)
        if fn is None:
            fn = self._samplers[key] = sampler(dist.resolve(category, level))
        value = fn if isinstance(fn, float) else fn(rng)
        if dist.time_of_day:
            value *= factor_at(dist.time_of_day, occurred)
        return max(0, round(value))

    def step_draws(self, category: str, level: str, occurred: int, n_changes: int,
                   streams: Streams) -> dict[tuple[str, int], Draw]:
        draws: dict[tuple[str, int], Draw] = {}
        p_incomplete = self.scenario.probabilities.incomplete_report
        sample, make = self.sample, self.draw
        for step_id, per_change, work_name, dist, report_name, p_alt in self.steps:
            work_stream = streams[work_name]
            for k in (range(n_changes) if per_change else (-1,)):
                work = sample(dist, category, level, occurred, work_stream)
                if report_name is None:
                    draws[(step_id, k)] = make(work)
                    continue
                report_stream = streams[report_name]
                incomplete = report_stream.random() < p_incomplete
                follow = sample(self.follow_up, category, level, occurred, report_stream)
                ack = sample(self.acknowledge, category, level, occurred, report_stream)
                alternative = report_stream.random() < p_alt
                draws[(step_id, k)] = make(work, incomplete, follow, ack, alternative)
        return draws


def generate(scenario: Scenario, streams: Streams, load: float = 1.0, plan: DrawPlan | None = None) -> list[Incident]:
    """``drillsim.model.incidents.generate`` with the plan's draws."""
    plan = plan or DrawPlan(scenario)
    raws: list[_Raw] = []
    for index, source in enumerate(scenario.sources):
        raws.extend(_stream(scenario, source, index, streams, load))
    for index, inject in enumerate(scenario.injects):
        raws.extend(_scripted(inject, inject.at, (len(scenario.sources), index), None))
    raws = [r for r in raws if r.occurred < scenario.horizon]
    raws.sort(key=lambda r: (r.occurred, r.order))
    ids = {raw.order: i + 1 for i, raw in enumerate(raws)}
    grids = list(scenario.grids)
    return [_draw(scenario, plan, raw, ids[raw.order], ids.get(raw.parent_order) if raw.parent_order else None,
                  streams, grids) for raw in raws]


def _draw(scenario: Scenario, plan: DrawPlan, raw: _Raw, ident: int, parent: int | None, streams: Streams,
          grids: list[str]) -> Incident:
    spec = raw.spec
    attributes = streams["incidents:attributes"]
    example = raw.example
    if example is None:
        examples = list(scenario.categories[raw.category].examples)
        example = examples[attributes.integers(len(examples))]
    grid = raw.grid if raw.grid is not None else _pick(grids, attributes)
    misjudge = streams["probability:misjudged_level"]
    wrong = misjudge.random() < scenario.probabilities.misjudged_level
    direction = misjudge.random()
    judged = spec.judged_level if spec is not None and spec.judged_level is not None else (
        _neighbour(scenario.level_order, raw.level, direction) if wrong else raw.level)
    cp_coin = streams["probability:command_post_low_level"].random() < scenario.probabilities.command_post_low_level
    command_post = spec.command_post if spec is not None and spec.command_post is not None else cp_coin
    major = spec.major_class if spec is not None else None
    changes = _changes(scenario, plan, raw, judged, streams)
    draws = plan.step_draws(raw.category, raw.level, raw.occurred, len(changes), streams)
    description = spec.description if spec is not None and spec.description else \
        scenario.categories[raw.category].examples[example]
    return Incident(
        id=ident, source=raw.source, parent=parent, occurred=raw.occurred, category=raw.category,
        example=example, description=description, grid=grid, level=raw.level, judged_level=judged,
        major_class=major, command_post=command_post,
        first_receiver=spec.first_receiver if spec is not None else None, changes=changes, draws=draws)


def _changes(scenario: Scenario, plan: DrawPlan, raw: _Raw, judged: str, streams: Streams) -> tuple[ChangeSpec, ...]:
    rng = streams["changes:count"]
    changes: list[ChangeSpec] = []
    if raw.spec is not None:
        level = raw.level
        for change in raw.spec.changes:
            level = change.level or level
            changes.append(ChangeSpec(raw.occurred + change.after, level, change.description))
    else:
        count = int(rng.poisson(scenario.changes.mean_count.get(raw.level, 0.0)))
        at = raw.occurred
        for _ in range(count):
            gap = plan.sample(plan.interval, raw.category, raw.level, raw.occurred,
                              streams["duration:change_interval"])
            at += max(gap, 1)
            changes.append(ChangeSpec(at, raw.level, "the situation develops"))
    if judged != raw.level and not changes:
        gap = plan.sample(plan.reassessment, raw.category, raw.level, raw.occurred, streams["duration:reassessment"])
        changes.append(ChangeSpec(raw.occurred + max(gap, 1), raw.level, "new facts correct the level"))
    return tuple(changes)


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    files = [root / "benchmarks" / "chain.yaml", *sorted((root / "scenarios").glob("*.yaml"))]
    for path in files:
        scenario = load(path)
        plan, light = DrawPlan(scenario), DrawPlan(scenario, LightDraw)
        for r in range(3):
            theirs = incidents_of(scenario, scenario.seed, r)
            ours = generate(scenario, Streams(replication_seed(scenario.seed, r)), plan=plan)
            lighter = generate(scenario, Streams(replication_seed(scenario.seed, r)), plan=light)
            if ours != theirs or [_fields(i) for i in lighter] != [_fields(i) for i in theirs]:
                print(f"{path.name}: replication {r} differs")
                return 1
        print(f"{path.name}: same incidents")
    print("timings: python benchmarks/prototypes/compare.py")
    return 0


def _fields(incident: Incident) -> tuple[object, ...]:
    """An incident with its draws as plain tuples, to compare Draw with LightDraw."""
    draws = {key: tuple(d) if isinstance(d, tuple) else astuple(d) for key, d in incident.draws.items()}
    return (*(getattr(incident, name) for name in Incident.__slots__ if name != "draws"), draws)


if __name__ == "__main__":
    sys.exit(main())
