"""Search: the cheapest option of a grid whose every target holds, without running every option to the end.

A sweep runs every option of the grid (drillsim.experiment.sweeps) as often
as the most doubtful one needs. Most options are clearly failing or clearly
feasible after a few replications, and once one option is known to meet every
target, every dearer one is out of the question. `search` is a
ranking-and-selection procedure for this constrained problem: cost is known
exactly (the staff-hours of the schedules), so what is uncertain is only
whether each option meets each target, a feasibility check (Batur & Kim 2010;
Andradottir & Kim 2010) in the order of cost.

What is used instead of textbook KN, and why:

* KN selects the largest mean from normal observations with an indifference
  zone on the means. Here the mean to compare, the cost, is no random at
  all; the random part is a hit rate against a fixed threshold, a
  proportion pooled over replications (a replication's incidents share
  queues, so they are not independent coin tosses). Each option's hit rate
  gets drillsim's own interval for it (`clustered_wilson`: Wilson on the
  effective number of incidents, the replication as the unit, Student-t
  for the replications' degrees of freedom), not KN's normal-variance
  boundary.
* Multiple looks: options are looked at after a first stage of `first`
  replications and then after each doubling, up to `max_replications`.
  Every interval is at level 1 - alpha / (options x targets x looks)
  (Bonferroni), so with probability at least `confidence` every interval
  at every look holds its hit rate, and every decision taken on one is right.
* Indifference zone: a target whose interval still contains its threshold
  but reaches at most `delta` either side of its estimate is decided by the
  estimate, as a sweep decides; on that same event this is right for every
  hit rate at least `delta` away from its threshold. A target still open at
  `max_replications` (or when the budget runs out) is decided by its
  estimate too, with no guarantee, and is marked so.
* Where replications go: at each look the open options run in the order of
  cost, up to the first that may be the answer (not yet run, or every
  estimate at its threshold). The cheaper ones must be shown to fail and
  that one to hold; a dearer option matters only if it fails, so it waits,
  and is never run at all once a cheaper one is known to hold (its cost
  alone decides it). The Bonferroni count of looks is per option (each
  option's replications follow the one schedule), so waiting costs nothing
  in confidence.
* Common random numbers: replication r of every option plays the same
  incidents (the sweep's seed and replication numbers), so a search and a
  sweep with one seed see the same draws, and the runner-up's gap to the
  answer is a paired difference. The feasibility decisions themselves are
  per option: a threshold is a constant, so there is no pair to difference
  there, and the Bonferroni split is what holds the decisions together.

With an output directory each look's replications are written at once
(atomically) and a resumed search replays the looks already there: it takes
the same decisions and ends with the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drillsim.errors import DrillsimError
from drillsim.experiment.distributed import resolve
from drillsim.experiment.per_replication import rule_counts
from drillsim.experiment.runner import Progress, pool, summarise
from drillsim.experiment.sweeps import Point, claim, cost, fingerprint, grid, json_value, written_json
from drillsim.experiment.versions import versions
from drillsim.files import (
    UnreadableFile,
    atomic_write,
    frame_csv,
    remove_stale_temporaries,
    to_json,
    writing_directory,
)
from drillsim.i18n import _, ngettext
from drillsim.results import Results
from drillsim.results.stats import clustered_wilson, ratio_difference
from drillsim.results.targets import LOAD, MET, NOT_MET, Target, parse_target
from drillsim.scenario import Scenario

SPEC = "search-spec.json"
LOOKS = "looks"

OPEN, FEASIBLE, FAILS, DEARER, SELECTED = "open", "feasible", "fails", "costs more", "selected"
"""An option's state: still open, known to meet every target, failing one, dearer than a feasible option, the answer."""
BY_INTERVAL, BY_ZONE, BY_CAP = "interval", "indifference zone", "cap"
"""How a target was decided: its interval cleared the threshold, it was within +-delta, the replications ran out."""


def schedule(first: int, most: int) -> list[int]:
    """The replications of each option at each look: `first`, then doubling, up to `most`."""
    totals = [min(first, most)]
    while totals[-1] < most:
        totals.append(min(2 * totals[-1], most))
    return totals


@dataclass
class Option:
    """One option of the grid as the search sees it: its point, its counts so far and its decisions."""

    point: Point
    counts: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)
    """Per target rule, met and decided verdicts per replication, replication 0 first."""
    state: str = OPEN
    look: int = 0
    reason: str = ""
    decided: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    """Per target rule, (MET or NOT_MET, how), or None while open."""
    fails: str | None = None
    """The target rule a failing option fails."""
    loses_to: int | None = None
    """The feasible option a dearer one costs more than."""

    @property
    def replications(self) -> int:
        return len(next(iter(self.counts.values()))[0]) if self.counts else 0


class SearchResult:
    """What a search decided about every option, the answer, the runner-up and the replications it spent."""

    def __init__(self, scenario: Scenario, spec: dict[str, Any], options: list[Option], targets: list[Target],
                 looks: list[dict[str, Any]], stopped: str | None) -> None:
        self.scenario = scenario
        self.spec = spec
        self.options = options
        self.targets = targets
        self.looks = looks
        self.stopped = stopped
        self.seed: int = spec["seed"]
        self.confidence: float = spec["confidence"]
        self.delta: float = spec["delta"]
        self.max_replications: int = spec["max_replications"]
        self.cost_unit = cost(scenario)[1]

    def __repr__(self) -> str:
        best = "none" if self.best is None else self.best.label
        return f"<SearchResult {self.scenario.name!r}: {len(self.options)} options, best {best}, spent {self.spent}>"

    @property
    def factors(self) -> list[str]:
        return list(self.spec["vary"])

    @property
    def points(self) -> list[Point]:
        return [option.point for option in self.options]

    @property
    def best(self) -> Point | None:
        """The cheapest option judged to meet every target (the first of equal cost), or None."""
        return next((o.point for o in self.options if o.state == SELECTED), None)

    @property
    def runner_up(self) -> Point | None:
        """The option nearest the answer in the cost order: the dearest cheaper one (it fails a target), else the
        next dearer one (it costs more); without an answer, the option whose failing target came closest."""
        if self.best is None:
            failing = [o for o in self.options if o.state == FAILS]
            closest = min(failing, key=lambda o: (self._shortfall(o), _order(o.point)), default=None)
            return None if closest is None else closest.point
        order = sorted(self.options, key=lambda o: _order(o.point))
        at = next(i for i, o in enumerate(order) if o.state == SELECTED)
        if at > 0:
            return order[at - 1].point
        return order[at + 1].point if at + 1 < len(order) else None

    def _shortfall(self, option: Option) -> float:
        rule = str(option.fails)
        rate = _rate(option.counts[rule])
        target = next(t for t in self.targets if t.rule == rule)
        return math.inf if math.isnan(rate) else target.rate - rate

    def why(self, point: Point) -> str:
        """Why an option was decided as it was, in a sentence."""
        return self.options[point.index].reason

    @property
    def spent(self) -> int:
        """Replications simulated over every option."""
        return sum(o.replications for o in self.options)

    @property
    def full_sweep(self) -> int:
        """What a sweep at the search's precision would simulate: every option as far as the search may run one."""
        return len(self.options) * self.max_replications

    def estimates(self, point: Point) -> dict[str, tuple[float, float, float]]:
        """Per target rule: the hit rate so far and its interval at the search's Bonferroni level."""
        option = self.options[point.index]
        return {t.rule: _estimate(option.counts[t.rule], self._level) for t in self.targets}

    @property
    def _level(self) -> float:
        return level(self.confidence, len(self.options), len(self.targets), len(schedule(
            self.spec["first"], self.max_replications)))

    def gap(self) -> dict[str, Any] | None:
        """The runner-up's hit rate minus the answer's on the runner-up's deciding target, paired on the same
        incidents over the replications both ran, with its 95 % paired interval; None without both."""
        best, other = self.best, self.runner_up
        if best is None or other is None:
            return None
        loser = self.options[other.index]
        rule = loser.fails or self.targets[0].rule
        a, b = self.options[best.index].counts[rule], loser.counts[rule]
        n = min(len(a[0]), len(b[0]))
        estimate, low, high = ratio_difference(a[0][:n], a[1][:n], b[0][:n], b[1][:n])
        return {"rule": rule, "replications": n, "difference": estimate, "low": low, "high": high}

    def frame(self) -> pd.DataFrame:
        """One row per option as it was when decided: its values, cost, replications, per target the hit rate,
        its interval (at the search's Bonferroni level) and how it was decided; its state, reason and look."""
        rows = []
        for option in self.options:
            point = option.point
            row: dict[str, Any] = {"option": point.index, **point.values, "cost": point.cost,
                                   "replications": option.replications}
            for target, (rate, low, high) in zip(self.targets, self.estimates(point).values(), strict=True):
                decided = option.decided.get(target.rule)
                row.update({f"{target.rule} target": target.rate, f"{target.rule} rate": rate,
                            f"{target.rule} low": low, f"{target.rule} high": high,
                            f"{target.rule} verdict": None if decided is None else decided[0],
                            f"{target.rule} decided by": None if decided is None else decided[1]})
            row.update({"decision": option.state, "reason": option.reason, "look": option.look})
            rows.append(row)
        return pd.DataFrame(rows)

    def probability(self) -> str:
        """The probability-of-correct-selection statement, with the indifference zone and what it does not cover."""
        looks = len(schedule(self.spec["first"], self.max_replications))
        said = _("With probability at least {confidence} every target judged by its interval is judged right, and "
                 "every target judged by an estimate within ±{delta} points of its interval's ends is right unless "
                 "its hit rate lies within {delta} points of the threshold (Bonferroni over {options} options x "
                 "{targets} targets x {looks} looks: each interval at {level}); so the answer is the cheapest option "
                 "whose every target holds, up to targets within ±{delta} points.").format(
            confidence=f"{self.confidence:.0%}", delta=f"{self.delta * 100:g}", options=len(self.options),
            targets=len(self.targets), looks=looks, level=f"{self._level:.4%}")
        capped = [o.point.index for o in self.options
                  if any(d is not None and d[1] == BY_CAP for d in o.decided.values())]
        if capped:
            said += " " + ngettext("Not covered: {count} option still open after {most} replications ({stopped}), "
                                   "decided by its estimates as a sweep would: {options}.",
                                   "Not covered: {count} options still open after {most} replications ({stopped}), "
                                   "decided by their estimates as a sweep would: {options}.", len(capped)).format(
                count=len(capped), most=self.max_replications, options=", ".join(f"#{i}" for i in capped),
                stopped=self.stopped or _("the most an option runs"))
        return said

    def summary(self) -> dict[str, Any]:
        """The search as plain data: its spec, the answer, the runner-up and why, the statement, every option."""
        best, other = self.best, self.runner_up
        rows = [{k: json_value(v) for k, v in row.items()} for row in self.frame().to_dict("records")]
        return {
            **{k: v for k, v in self.spec.items() if k != "points"},
            "cost_unit": self.cost_unit,
            "best": None if best is None else {"option": best.index, "values": best.values, "cost": best.cost},
            "runner_up": None if other is None else {"option": other.index, "values": other.values,
                                                     "cost": other.cost, "why": self.why(other)},
            "gap": None if (gap := self.gap()) is None else {k: json_value(v) for k, v in gap.items()},
            "probability": self.probability(),
            "stopped": self.stopped,
            "looks": self.looks,
            "spent": self.spent,
            "full_sweep": self.full_sweep,
            "options": rows,
        }


def level(confidence: float, options: int, targets: int, looks: int) -> float:
    """Each interval's confidence: the error 1 - confidence split evenly (Bonferroni) over every interval looked at."""
    return 1 - (1 - confidence) / (options * targets * looks)


def _order(point: Point) -> tuple[float, int]:
    """The sweep's cost order: by cost, the first of equal cost first."""
    return (point.cost, point.index)


def _rate(counts: tuple[list[int], list[int]]) -> float:
    total = sum(counts[1])
    return sum(counts[0]) / total if total else math.nan


def _estimate(counts: tuple[list[int], list[int]], confidence: float) -> tuple[float, float, float]:
    rate = _rate(counts)
    if math.isnan(rate):
        return (math.nan, math.nan, math.nan)
    low, high = clustered_wilson(np.asarray(counts[0]), np.asarray(counts[1]), confidence)
    return (rate, low, high)


def _judge(counts: tuple[list[int], list[int]], target: Target, confidence: float, delta: float,
           forced: bool) -> tuple[str, str] | None:
    """One target of one option after a look: (MET or NOT_MET, how), or None while the evidence is open (unless
    `forced`: then by its estimate)."""
    rate, low, high = _estimate(counts, confidence)
    if not math.isnan(rate):
        if low >= target.rate:
            return (MET, BY_INTERVAL)
        if high < target.rate:
            return (NOT_MET, BY_INTERVAL)
        if rate - low <= delta and high - rate <= delta:
            return (MET if rate >= target.rate else NOT_MET, BY_ZONE)
    if forced:  # a rule that applied to nothing meets no target, as in a sweep
        return (MET if not math.isnan(rate) and rate >= target.rate else NOT_MET, BY_CAP)
    return None


def _decide(options: list[Option], targets: list[Target], look: int, confidence: float, delta: float,
            most: int, budget_out: bool = False) -> None:
    """After a look: judge every open target (by its estimate once the option has run `most` replications, or
    when the budget is out), drop the failing and the dearer, mark the answer when it is known."""
    for option in options:
        if option.state != OPEN:
            continue
        forced = budget_out or option.replications >= most
        for target in targets:
            if option.decided[target.rule] is None:
                option.decided[target.rule] = _judge(option.counts[target.rule], target, confidence, delta, forced)
        failed = next((t.rule for t in targets if (d := option.decided[t.rule]) is not None and d[0] == NOT_MET),
                      None)
        if failed is not None:
            option.state, option.look, option.fails = FAILS, look, failed
        elif all(option.decided[t.rule] is not None for t in targets):
            option.state, option.look = FEASIBLE, look
    cheapest = min((o for o in options if o.state in (FEASIBLE, SELECTED)), key=lambda o: _order(o.point),
                   default=None)
    if cheapest is None:
        return
    for option in options:
        if option.state in (OPEN, FEASIBLE) and _order(option.point) > _order(cheapest.point):
            option.state, option.look, option.loses_to = DEARER, look, cheapest.point.index
    if not any(o.state == OPEN and _order(o.point) < _order(cheapest.point) for o in options):
        cheapest.state = SELECTED


def _plan(options: list[Option], targets: list[Target], totals: list[int]) -> list[tuple[Option, int, int]]:
    """The next look: (option, from, to) for the open options in cost order up to the first that may be the
    answer (not yet run, or every target's estimate at its threshold): the cheaper ones must be shown to fail, that
    one to hold; the dearer ones matter only if it fails, so they wait."""
    runs = []
    for option in sorted((o for o in options if o.state == OPEN), key=lambda o: _order(o.point)):
        done = option.replications
        runs.append((option, done, next(t for t in totals if t > done)))
        if done == 0 or all(option.decided[t.rule] is not None or _rate(option.counts[t.rule]) >= t.rate
                            for t in targets):
            break
    return runs


def _reasons(options: list[Option], targets: list[Target], delta: float) -> None:
    """Each decided option's reason in words."""
    for option in options:
        if option.state == FAILS:
            target = next(t for t in targets if t.rule == option.fails)
            how = option.decided[target.rule]
            rate = _pct(_rate(option.counts[target.rule]))
            option.reason = {
                BY_INTERVAL: _("fails {target}: its whole interval lies below the threshold (estimate {rate})"),
                BY_ZONE: _("fails {target}: its estimate {rate} is below the threshold, its interval within "
                           "±{delta} points"),
                BY_CAP: _("fails {target}: its estimate {rate} is below the threshold when the replications ran "
                          "out"),
            }[how[1] if how else BY_CAP].format(target=str(target), rate=rate, delta=f"{delta * 100:g}")
        elif option.state == DEARER:
            option.reason = _("costs more than #{option}, which meets every target").format(option=option.loses_to)
        elif option.state == SELECTED:
            option.reason = _("the cheapest option that meets every target")


def search(scenario: Scenario, vary: Mapping[str, Sequence[Any]], targets: Iterable[str | Target], *,
           confidence: float = 0.95, delta: float = 0.02, first: int = 10, max_replications: int = 200,
           budget: int | None = None, seed: int | None = None, jobs: int = 1, out: str | Path | None = None,
           resume: bool = False, progress: Progress | None = None, on_look: Callable[[int], None] | None = None,
           executor: Executor | None = None, client: Any = None) -> SearchResult:
    """The cheapest option of `vary`'s grid whose every target holds, by sequential looks on common random
    numbers; see the module docstring.

    `first` replications of every option, then doubling for the options
    still open, up to `max_replications` each and `budget` in all.
    `on_look` is called with the look's number after it is written.
    """
    seed = seed if seed is not None else scenario.seed
    goals = [t if isinstance(t, Target) else parse_target(t, scenario) for t in targets]
    _check(goals, vary, confidence, delta, first, max_replications)
    points = grid(scenario, vary)
    totals = schedule(first, max_replications)
    if budget is not None and budget < len(points) * totals[0]:
        raise DrillsimError(_("budget {budget}: the first look alone runs {options} options x {first} "
                              "replications = {needed}; expected a budget of at least that").format(
            budget=budget, options=len(points), first=totals[0], needed=len(points) * totals[0]))
    spec = {"scenario": scenario.name, "fingerprint": fingerprint(scenario), "seed": seed,
            "vary": {k: list(v) for k, v in vary.items()}, "targets": [str(t) for t in goals],
            "confidence": confidence, "delta": delta, "first": first, "max_replications": max_replications,
            "budget": budget, "points": [p.values for p in points]}
    spec = json.loads(to_json(spec))
    directory = Path(out) if out is not None else None
    if resume and directory is None:
        raise DrillsimError(_("resuming a search needs the output directory it was writing to"))
    written = _prepare(directory, spec, resume) if directory is not None else {}
    each = level(confidence, len(points), len(goals), len(totals))
    options = [Option(p, {t.rule: ([], []) for t in goals}, decided={t.rule: None for t in goals}) for p in points]
    width, given = resolve(jobs, executor, client)
    workers = given or (pool(jobs) if jobs > 1 else None)
    looks: list[dict[str, Any]] = []
    stopped = None
    try:
        while runs := _plan(options, goals, totals):
            needed = sum(to - start for _, start, to in runs)
            spent = sum(o.replications for o in options)
            if budget is not None and spent + needed > budget:
                stopped = _("the budget of {budget} replications").format(budget=budget)
                _decide(options, goals, len(looks), each, delta, max_replications, budget_out=True)
                break
            number = len(looks) + 1
            wanted = [[o.point.index, start, to] for o, start, to in runs]
            batch = written.get(number)
            if batch is None or batch["runs"] != wanted:
                batch = _run(runs, goals, seed, width, workers, progress, number)
                if directory is not None:
                    atomic_write(_look_file(directory, number), to_json(batch))
            for (option, _start, _to), counts in zip(runs, batch["counts"], strict=True):
                for rule, (met, decided) in counts.items():
                    option.counts[rule][0].extend(met)
                    option.counts[rule][1].extend(decided)
            looks.append({"look": number, "runs": wanted})
            _decide(options, goals, number, each, delta, max_replications)
            if on_look is not None:
                on_look(number)
    finally:
        if workers is not None and workers is not given:
            workers.shutdown(cancel_futures=True)
    _reasons(options, goals, delta)
    outcome = SearchResult(scenario, spec, options, goals, looks, stopped)
    if directory is not None:
        atomic_write(directory / "search.csv", frame_csv(outcome.frame()))
        atomic_write(directory / "search.json", to_json({**outcome.summary(), "versions": versions()}))
    return outcome


def _check(goals: list[Target], vary: Mapping[str, Sequence[Any]], confidence: float, delta: float, first: int,
           most: int) -> None:
    if not goals:
        raise DrillsimError(_("a search needs at least one target, e.g. --target continuation>=0.9"))
    if twice := next((t for i, t in enumerate(goals) if t.rule in {g.rule for g in goals[:i]}), None):
        raise DrillsimError(_("target {target}: {rule} is given a target twice; expected one target per rule").format(
            target=repr(str(twice)), rule=twice.rule))
    if LOAD in vary:
        raise DrillsimError(_("vary {key}: a search chooses among options a plan can take, and the load is not "
                              "one; expected a search per load (drillsim sweep gives the headroom)").format(
            key=repr(LOAD)))
    if not 0.5 <= confidence < 1:
        raise DrillsimError(_("confidence {value}: expected a probability from 0.5 to below 1, e.g. 0.95").format(
            value=confidence))
    if not 0 < delta < 0.5:
        raise DrillsimError(_("delta {value}: expected an indifference zone between 0 and 0.5, e.g. 0.02").format(
            value=delta))
    if not 2 <= first <= most:
        raise DrillsimError(_("first stage {first} and most replications {most}: expected 2 <= first <= "
                              "most").format(first=first, most=most))


def _run(runs: list[tuple[Option, int, int]], goals: list[Target], seed: int, jobs: int,
         workers: Executor | None, progress: Progress | None, number: int) -> dict[str, Any]:
    """One look: each option's replications from..to, kept as the per-replication counts of the targets."""
    rules = [t.rule for t in goals]
    counts = []
    for option, start, to in runs:
        point = option.point
        reps, tallies = summarise(point.scenario, range(start, to), seed, jobs=jobs, load=point.load,
                                  progress=progress, executor=workers)
        table = rule_counts(Results(point.scenario, seed, reps, load=point.load, tallies=tallies))
        counts.append({rule: (table.loc[table["rule"] == rule, "met"].astype(int).tolist(),
                              table.loc[table["rule"] == rule, "decided"].astype(int).tolist()) for rule in rules})
    batch = {"look": number, "runs": [[o.point.index, start, to] for o, start, to in runs], "counts": counts}
    return dict(json.loads(to_json(batch)))


def _look_file(out: Path, number: int) -> Path:
    return out / LOOKS / f"{number:03d}.json"


_LOOK_NAME = re.compile(r"\d{3,}\.json")


@contextmanager
def search_directory(out: Path) -> Iterator[Path]:
    """Hold a search's output directory while one search writes (or resumes) there; see files.writing_directory."""
    with writing_directory(out, (SPEC, "search.csv", "search.json")) as directory:
        remove_stale_temporaries(out / LOOKS, lambda name: _LOOK_NAME.fullmatch(name) is not None)
        yield directory


def _broken() -> str:
    return _("not valid JSON ({problem}); a search writes this file whole: delete it, or write the search to another "
             "directory")


def _prepare(out: Path, spec: dict[str, Any], resume: bool) -> dict[int, dict[str, Any]]:
    """Check the directory against the search, write its spec, and read back the looks already done."""
    claim(out / SPEC, spec, resume, held=_("{out} holds a search already: resume it, or write to another directory"),
          different=_("{out} holds a different search (its {changed} differ); it cannot be resumed with these "
                      "settings"), broken=_broken())
    looks = {}
    for path in sorted((out / LOOKS).glob("*.json")):
        if _LOOK_NAME.fullmatch(path.name):
            batch = written_json(path, _broken())
            looks[int(path.stem)] = _checked(batch, int(path.stem), path)
    return looks


def _checked(batch: Any, number: int, path: Path) -> dict[str, Any]:
    """A look read back is used only in the shape `_run` writes."""
    shaped = (isinstance(batch, dict) and batch.get("look") == number
              and isinstance(batch.get("runs"), list) and isinstance(batch.get("counts"), list)
              and len(batch["runs"]) == len(batch["counts"])
              and all(isinstance(run, list) and len(run) == 3 and all(isinstance(x, int) for x in run)
                      and isinstance(counts, dict)
                      and all(isinstance(v, list) and len(v) == 2 and all(isinstance(x, list) and
                                                                          len(x) == run[2] - run[1] for x in v)
                              for v in counts.values())
                      for run, counts in zip(batch["runs"], batch["counts"], strict=False)))
    if not shaped:
        raise UnreadableFile(path, _("not a look a search wrote (its look, runs or counts are missing or of another "
                                     "shape); delete it to run the look again"))
    return dict(batch)


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1%}"


