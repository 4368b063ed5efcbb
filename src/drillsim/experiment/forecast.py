"""The live forecast: for each deadline a drill has open, the chance it will still be met.

The model answers during the drill: from the drill's state at `now` (the
milestones recorded so far, the incidents open and still to come, the people
on duty), every replication plays the drill's incidents through the real
chain (`drillsim.model.chain.Chain`, with its `given` hook) on the plan's
durations, and a deadline's chance is the share of replications that reach
its end milestone by its due time.

What a replication is told of the state:
- a recorded milestone is reached at its recorded time: its step holds its
  actor until then if the actor is free when the step is ready (the log does
  not say when the work ended and the report left), and waits for nobody
  otherwise: the log says it was done, whatever the model thought the people
  were busy with; it reports in no time;
- a milestone not recorded but proved by a later one that is (the players did
  the step and did not write it down) is reached as soon as the step can be
  done: it takes no work;
- any other milestone is reached after `now`: a step that has had its actor
  since `started < now` works longer than the `now - started` already spent,
  its work drawn from the plan's distribution conditioned on exceeding it
  (by inversion of its survival function, scipy's, for the parametric
  families, among the samples above it for an empirical one, by rejection
  from the distribution itself for any other), and one not started yet works
  for its drawn time. A report in transit at `now` is taken as still being
  worked on. When the plan's distribution cannot exceed the time spent (a
  constant, a bounded family: the players are slower than the plan allows),
  the work ends at the next second after `now`, the earliest the log allows;
- occurrences and changes happen at their recorded times, or those of the
  MSEL; the level the players recorded with a judgement or a continuation
  report is the level the chain puts in force; a command post is set up
  when the MSEL or a recorded milestone says so, as the board has it.

The replications draw their incidents' times once per drill, one after the
other from the named streams of the forecast's seed, and their conditioned
work times afresh at each refresh from streams of their own: the same seed
gives the same forecast, and the same draws across refreshes keep a
forecast from moving between records for nothing.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from drillsim.exercise.board import Countdown, DrillBoard
from drillsim.exercise.drilllog import Entry, Record, replay
from drillsim.exercise.evaluate import proven
from drillsim.exercise.played import DrillIncident, to_record
from drillsim.model.chain import Chain
from drillsim.model.clocks import verdicts
from drillsim.model.collector import collector_paused
from drillsim.model.incidents import ChangeSpec, Incident, InstanceDraws, ReportFate
from drillsim.model.records import IncidentRecord
from drillsim.model.streams import Streams
from drillsim.model.structure import StepPlan
from drillsim.results.stats import wilson
from drillsim.scenario.flow import ONCE, Flow, FlowStep, flow_of, model_change, shown_change
from drillsim.scenario.schema import (
    Constant,
    Dist,
    Empirical,
    Exponential,
    LogNormal,
    Scenario,
    Triangular,
    Uniform,
    factor_at,
)

if TYPE_CHECKING:
    import pandas as pd

TRIES = 10_000
"""Draws of a distribution of no known family tried for one longer than the time already spent, before it is taken
as unable to exceed it."""

Key = tuple[str, int | None, str]
"""A deadline of a drill: (incident, change as people number it or None, rule), as the board's countdowns name it."""

_Draws = tuple[dict[tuple[str, int], int], dict[tuple[str, int], ReportFate], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class DeadlineForecast:
    """One open deadline's chance of being met, with the step most likely to break it."""

    incident: str
    change: int | None
    rule: str
    due: int
    """The drill time by which its end milestone must be reached."""
    probability: float
    """The share of replications that met it; exactly 0 once it is past due."""
    interval: tuple[float, float]
    """Wilson's 95 % interval of the probability for the Monte-Carlo error ((0, 0) once it is past due)."""
    met: int
    replications: int
    breaking_step: str | None
    """The step most often holding the report up when the deadline passed, in the replications that missed it
    (None: none missed)."""
    breaking_share: float
    """The share of those replications in which it was that step (0 with none missed)."""

    @property
    def key(self) -> Key:
        return self.incident, self.change, self.rule


@dataclass(frozen=True, slots=True)
class Forecast:
    """Every deadline open at `now`, in the board's order (the most urgent first)."""

    now: float
    replications: int
    seed: int
    deadlines: tuple[DeadlineForecast, ...]
    settled: Mapping[Key, bool] = field(hash=False)
    """The deadlines already decided at `now`: True for met (its end milestone recorded in time), False for
    missed."""

    def chance(self, incident: str, rule: str, change: int | None = None) -> float | None:
        """The chance a deadline is met: 1 or 0 once decided, the forecast's while open, None for a deadline the
        drill has not started (or that does not apply)."""
        key = (incident, change, rule)
        if key in self.settled:
            return 1.0 if self.settled[key] else 0.0
        found = next((d for d in self.deadlines if d.key == key), None)
        return None if found is None else found.probability

    def frame(self) -> pd.DataFrame:
        """One row per open deadline, for analysts."""
        import pandas as pd

        return pd.DataFrame(
            [{"incident": d.incident, "change": d.change, "rule": d.rule, "due": d.due, "now": self.now,
              "probability": d.probability, "low": d.interval[0], "high": d.interval[1], "met": d.met,
              "replications": d.replications, "breaking_step": d.breaking_step, "breaking_share": d.breaking_share}
             for d in self.deadlines],
            columns=["incident", "change", "rule", "due", "now", "probability", "low", "high", "met",
                     "replications", "breaking_step", "breaking_share"]).astype({"change": "Int64"})


def forecast(scenario: Scenario, incidents: Sequence[DrillIncident], entries: Sequence[Entry], now: float, *,
             replications: int = 200, seed: int = 0) -> Forecast:
    """The chance each deadline open at `now` is still met, from the drill's log so far.

    Asked again for the same drill (an equal scenario and incidents, the same
    replications and seed), it refreshes the Forecaster it made the first
    time, whose draws are made: the same answer as afresh, in a fraction of
    the time.
    """
    kept = _last[0] if _last else None
    if kept is None or not kept.serves(scenario, incidents, replications, seed):
        kept = Forecaster(scenario, incidents, replications=replications, seed=seed)
        _last[:] = [kept]
    return kept.at(entries, now)


_last: list[Forecaster] = []
"""The Forecaster of the drill `forecast` was last asked about."""


class Forecaster:
    """The forecast of one drill, refreshed as records come in: the incidents' draws are made once, here."""

    def __init__(self, scenario: Scenario, incidents: Sequence[DrillIncident], *, replications: int = 200,
                 seed: int = 0) -> None:
        if replications < 1:
            raise ValueError("a forecast needs at least one replication")
        self.scenario = scenario
        self._asked = tuple(incidents)
        self.incidents = sorted(incidents, key=lambda incident: (incident.occurred, incident.number))
        self.replications = replications
        self.seed = seed
        self._flow = flow_of(scenario)
        import scipy.stats  # noqa: F401  (once per drill, here: the first refresh that conditions a draw needs it)
        draw = InstanceDraws(scenario, Streams(_seed(seed, "incidents")))
        self._draws = [[draw(incident.category, incident.level, incident.occurred, len(incident.changes))
                        for incident in self.incidents] for _ in range(replications)]

    def serves(self, scenario: Scenario, incidents: Sequence[DrillIncident], replications: int, seed: int) -> bool:
        """Whether this is the Forecaster of that drill."""
        return (replications, seed) == (self.replications, self.seed) and tuple(incidents) == self._asked and (
            scenario is self.scenario or scenario == self.scenario)

    def at(self, entries: Sequence[Entry], now: float) -> Forecast:
        """The forecast from the log's `entries` (as the drill log holds them) at drill time `now`."""
        scenario, flow = self.scenario, self._flow
        records = replay(entries)
        board = DrillBoard(scenario, list(self.incidents), [], _nowhere, entries)
        countdowns = board.countdowns(now)
        settled = self._settled(records, now)
        if not countdowns:
            return Forecast(now, self.replications, self.seed, (), settled)
        until = max(countdown.due for countdown in countdowns) + 1
        states = [_State.of(scenario, flow, incident, records.get(incident.id)) for incident in self.incidents]
        playing = [i for i, state in enumerate(states) if state.occurred <= until]
        number = {incident.id: incident.number for incident in self.incidents}
        known = _Known(flow, now, {states[i].number: states[i].pinned for i in playing if states[i].pinned},
                       {states[i].number: states[i].implied for i in playing if states[i].implied})
        playing = self._in_play(states, playing, known, now, {number[c.incident] for c in countdowns})
        ends = [_end(scenario, flow, countdown) for countdown in countdowns]
        met = [0] * len(countdowns)
        breaking: list[Counter[str]] = [Counter() for _ in countdowns]
        given = _Given(known, _Longer(scenario, Streams(_seed(self.seed, "longer"))))
        with collector_paused():
            for r in range(self.replications):
                env = simpy.Environment()
                chain = Chain(env, scenario, r, given=given)
                env.process(chain.feed(self._played(states, playing, r)))
                env.run(until=until)
                by_number = {record.incident: record for record in chain.incidents}
                for j, countdown in enumerate(countdowns):
                    record = by_number[number[countdown.incident]]
                    reached = record.milestones.get(ends[j])
                    if reached is not None and reached <= countdown.due:
                        met[j] += 1
                    elif (step := _holdup(flow, record, ends[j], countdown.due)) is not None:
                        breaking[j][step] += 1
        out = []
        for j, countdown in enumerate(countdowns):
            missed = self.replications - met[j]
            step, times = _most(flow, breaking[j])
            if countdown.remaining < 0:
                probability, interval, count = 0.0, (0.0, 0.0), 0
            else:
                probability, interval, count = met[j] / self.replications, wilson(met[j], self.replications), met[j]
            out.append(DeadlineForecast(countdown.incident, countdown.change, countdown.rule, countdown.due,
                                        probability, interval, count, self.replications, step,
                                        times / missed if missed else 0.0))
        return Forecast(now, self.replications, self.seed, tuple(out), settled)

    def _in_play(self, states: list[_State], playing: list[int], known: _Known, now: float,
                 counted: set[int]) -> list[int]:
        """The incidents that can still matter: all but those done before any incident still open at `now`
        occurred.

        One replication played up to `now` says which incidents are done by
        then (nothing left to run: what they reached is all recorded); those
        done before the first of the others occurred held nobody the others
        waited for, and only lengthen every replication of a long drill.
        """
        done: dict[int, int] = {}
        env = simpy.Environment()

        def settled(record: IncidentRecord, steps: object, verdicts: object) -> None:
            done[record.incident] = int(env.now)

        given = _Given(known, _Longer(self.scenario, Streams(_seed(self.seed, "in play"))))
        with collector_paused():
            chain = Chain(env, self.scenario, 0, on_incident=settled, given=given)
            env.process(chain.feed(self._played(states, playing, 0)))
            env.run(until=math.floor(now) + 1)
        kept = {states[i].number for i in playing if states[i].number not in done} | counted
        first = min((states[i].occurred for i in playing if states[i].number in kept), default=math.inf)
        return [i for i in playing if states[i].number in kept or done[states[i].number] >= first]

    def _played(self, states: list[_State], playing: list[int], replication: int) -> list[Incident]:
        """The chain's incidents of these states in one replication, in order of occurrence."""
        draws = self._draws[replication]
        return sorted((states[i].incident(self.incidents[i], draws[i]) for i in playing),
                      key=lambda incident: (incident.occurred, incident.id))

    def _settled(self, records: Mapping[str, Record], now: float) -> dict[Key, bool]:
        """The deadlines decided at `now`, as the board's verdicts have them."""
        out: dict[Key, bool] = {}
        for incident in self.incidents:
            record = records.get(incident.id)
            if record is None or "occurred" not in record.reached:
                continue
            drilled = to_record(self.scenario, incident, record.reached, record.levels, horizon=0)
            for verdict in verdicts(self.scenario, [drilled], int(now)):
                if verdict.status != "pending":
                    out[(incident.id, shown_change(verdict.change), verdict.rule)] = verdict.status == "met"
        return out


@dataclass(frozen=True, slots=True)
class _State:
    """What the log says of one incident: when it occurred and changed, the levels recorded, what was reached."""

    number: int
    occurred: int
    judged_level: str
    command_post: bool | None
    changes: tuple[ChangeSpec, ...]
    pinned: dict[str, int]
    """Recorded milestones of the flow's steps, by key."""
    implied: frozenset[str]
    """Milestones not recorded but proved reached by a recorded one."""

    @staticmethod
    def of(scenario: Scenario, flow: Flow, incident: DrillIncident, record: Record | None) -> _State:
        reached = record.reached if record is not None else {}
        levels = record.levels if record is not None else {}
        judged = incident.judged_level
        changes = list(incident.changes)
        for node in flow:
            if node.step.effect == "judge_level" and node.milestone in levels:
                judged = levels[node.milestone]
            elif node.step.effect == "apply_change" and node.per_change:
                for k, change in enumerate(changes):
                    level = levels.get(flow.key(node.milestone, k))
                    if level is not None:
                        changes[k] = ChangeSpec(change.time, level, change.description, change.tick)
        occurred = reached.get("occurred", incident.occurred)
        for k, change in enumerate(changes):
            at = max(reached.get(flow.key("change", k), change.time), occurred)  # no change before the incident
            if at != change.time:
                changes[k] = ChangeSpec(at, change.level, change.description, change.tick)
        pinned = {key: at for key, at in reached.items() if flow.reaching(key.partition("#")[0]) is not None}
        implied = proven(scenario, pinned)
        command_post = incident.command_post
        if reached:
            drilled = to_record(scenario, incident, reached, levels, horizon=0)
            command_post = True if drilled.command_post_required else command_post
        return _State(incident.number, occurred, judged, command_post, tuple(changes), pinned, frozenset(implied))

    def incident(self, drill: DrillIncident, draws: _Draws) -> Incident:
        """The chain's incident of this state, with one replication's draws."""
        work, reports, learnt = draws
        return Incident(self.number, "drill", None, self.occurred, drill.category, drill.example, drill.description,
                        drill.grid, drill.level, self.judged_level, drill.major_class, self.command_post,
                        drill.first_receiver, self.changes, work, reports, learnt)


class _Longer:
    """Work times longer than the time already spent, from the step's distribution, on streams of their own."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        self._scenario = scenario
        self._streams = streams
        self._draws: dict[tuple[str, str, str], Callable[[float], float | None]] = {}

    def __call__(self, incident: Incident, plan: StepPlan, spent: float) -> int:
        key = (plan.id, incident.category, incident.level)
        whole = self._scenario.durations[plan.step.duration]
        above = self._draws.get(key)
        if above is None:
            above = self._draws[key] = _above(whole.resolve(incident.category, incident.level),
                                              self._streams[f"forecast:longer:{':'.join(key)}"])
        factor = factor_at(whole.time_of_day, incident.occurred) if whole.time_of_day else 1.0
        drawn = above(spent / factor)
        least = math.floor(spent) + 1
        return least if drawn is None else max(least, round(drawn * factor))


def _above(dist: Dist, rng: np.random.Generator) -> Callable[[float], float | None]:
    """A draw of the distribution conditioned on exceeding a value (None: it cannot)."""
    if isinstance(dist, Constant):
        value = float(dist.value)
        return lambda spent: value if value > spent else None
    if isinstance(dist, Empirical):
        samples = sorted(float(sample) for sample in dist.samples)

        def empirical(spent: float) -> float | None:
            first = bisect.bisect_right(samples, spent)
            return None if first == len(samples) else samples[first + int(rng.integers(len(samples) - first))]
        return empirical
    frozen = _scipy(dist)
    if frozen is None:
        return lambda spent: next((x for x in (dist.sample(rng) for _ in range(TRIES)) if x > spent), None)

    def parametric(spent: float) -> float | None:
        tail = float(frozen.sf(spent))
        return None if tail <= 0.0 else float(frozen.isf(tail * (1.0 - rng.random())))
    return parametric


def _scipy(dist: Dist) -> Any:
    """scipy's frozen distribution of a parametric family of the scenario language (None for another)."""
    from scipy import stats

    if isinstance(dist, Exponential):
        return stats.expon(scale=dist.mean())
    if isinstance(dist, Uniform):
        return stats.uniform(dist.low, dist.high - dist.low)
    if isinstance(dist, Triangular):
        return stats.triang((dist.mode - dist.low) / (dist.high - dist.low), dist.low, dist.high - dist.low)
    if isinstance(dist, LogNormal):
        return stats.lognorm(dist.sigma, scale=dist.median)
    return None


def _seed(seed: int, name: str) -> np.random.SeedSequence:
    """The forecast's own seed for one purpose: apart from any run's replications of the same seed."""
    return np.random.SeedSequence(seed, spawn_key=(int.from_bytes(hashlib.sha256(name.encode()).digest()[:4],
                                                                  "little"),))


@dataclass(frozen=True, slots=True)
class _Known:
    """What the log says of every incident in play, by the chain's incident number."""

    flow: Flow
    now: float
    pinned: dict[int, dict[str, int]]
    implied: dict[int, frozenset[str]]


class _Given:
    """The chain's `given` hook for one drill state (drillsim.model.chain.Given), with the draws of one run of
    replications."""

    def __init__(self, known: _Known, longer: _Longer) -> None:
        self._key = known.flow.key
        self._now = known.now
        self._pinned = known.pinned
        self._implied = known.implied
        self._longer = longer

    def reached(self, incident: Incident, plan: StepPlan, change: int) -> int | None:
        pins = self._pinned.get(incident.id)
        return None if pins is None else pins.get(plan.milestone if change == ONCE else
                                                  self._key(plan.milestone, change))

    def work(self, incident: Incident, plan: StepPlan, change: int, started: int, drawn: int) -> int:
        at = self.reached(incident, plan, change)
        if at is not None:
            return max(0, at - started)
        implied = self._implied.get(incident.id)
        if implied is not None and (plan.milestone if change == ONCE else self._key(plan.milestone, change)) in implied:
            return 0
        now = self._now
        if started >= now or started + drawn > now:
            return drawn
        return self._longer(incident, plan, now - started)


def _nowhere(entry: Entry) -> None:
    """The board a forecast reads writes nothing."""


def _end(scenario: Scenario, flow: Flow, countdown: Countdown) -> str:
    """The milestone key that ends a countdown's deadline."""
    return flow.key(scenario.deadlines[countdown.rule].end, model_change(countdown.change))


def _holdup(flow: Flow, record: IncidentRecord, end: str, due: int) -> str | None:
    """The step holding the report up when its deadline passed: back from the step that reaches the end, along the
    last of the milestones each waited for, to the first one not reached by the deadline whose own were."""
    milestones = record.milestones
    name, _, number = end.partition("#")
    node = flow.reaching(name)
    change = int(number) if number else ONCE
    if node is None:  # an event (the closure): whichever step that closes the incident would have been first
        closing = [n for n in flow if n.step.effect == "close"]
        if not closing:
            return None
        node = min(closing, key=lambda n: (milestones.get(n.milestone, math.inf), n.position))
    changes = len(record.changes)
    while True:
        late = [(milestones.get(key, math.inf), key) for key in flow.awaited(node, change, changes)
                if milestones.get(key, math.inf) > due and flow.reaching(key.partition("#")[0]) is not None]
        if not late:
            return node.id
        _, key = max(late)
        name, _, number = key.partition("#")
        before: FlowStep | None = flow.reaching(name)
        assert before is not None, "only steps' milestones are followed"
        node, change = before, int(number) if number else ONCE


def _most(flow: Flow, counts: Counter[str]) -> tuple[str | None, int]:
    """The step counted most often (ties: the earlier in the plan), and how often."""
    if not counts:
        return None, 0
    step = min(counts, key=lambda s: (-counts[s], flow[s].position))
    return step, counts[step]


__all__ = ["DeadlineForecast", "Forecast", "Forecaster", "forecast"]
