"""Sweeps: every combination of staffing options (and load), and the cheapest that works.

Each point of the grid is a variant of the scenario (drillsim.scenario.variants)
run with the same seed and replications, so points that vary only how the
chain handles incidents (staffing, step durations, deadlines) see the same
incidents (common random numbers) and differences between them are the
options' doing, not the draw's. A point that varies what draws the incidents
(the load, the horizon, a source: drillsim.model.pairing) does not, and
`drillsim sweep` says so. `load` is not a path: it multiplies every
incident stream's rate, and the headroom is the largest load at which a
target still holds.

With an output directory, each finished point is written at once (atomically)
and a resumed sweep skips the points already there; the final table is always
built from those files, so an interrupted and resumed sweep ends with the same
bytes as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from drillsim.errors import DrillsimError
from drillsim.experiment.comparison import Comparison, compare
from drillsim.experiment.distributed import resolve
from drillsim.experiment.per_replication import rule_intervals, wait_totals
from drillsim.experiment.runner import Progress, pool, replicate, summarise
from drillsim.experiment.versions import versions
from drillsim.files import (
    UnreadableFile,
    atomic_write,
    frame_csv,
    read_text,
    remove_stale_temporaries,
    to_json,
    writing_directory,
)
from drillsim.i18n import _
from drillsim.limits import MAX_SWEEP_POINTS
from drillsim.model.staffing import holders_of
from drillsim.results import Results
from drillsim.results.stats import ratio_interval
from drillsim.results.targets import (
    LOAD,
    MET,
    NOT_MET,
    UNDECIDED,
    Target,
    as_float,
    meets,
    parse_target,
    target_verdict,
)
from drillsim.scenario import Scenario
from drillsim.scenario.schema import incidents_beyond

_NOT_FACTORS = ("seed", "replications")
"""Scenario fields a sweep sets once for every combination (--seed, -n): as factors they would vary nothing."""
SPEC = "sweep-spec.json"
POINTS = "points"


def staff_hours(scenario: Scenario) -> dict[str, float]:
    """On-duty hours over the horizon from the schedules (shifts, absences, duty): of each role's anonymous staff
    (keyed by the role, its grids summed) and of each named person (keyed by the person, counted once however
    many roles they hold)."""
    hours: dict[str, float] = {}
    for holder in holders_of(scenario):
        key = holder.name or holder.roles[0][0]
        ends = [time for time, _ in holder.schedule[1:]] + [scenario.horizon]
        seconds = sum(count * (end - time) for (time, count), end in zip(holder.schedule, ends, strict=True))
        hours[key] = hours.get(key, 0.0) + seconds / 3600
    return hours


def cost(scenario: Scenario) -> tuple[float, str]:
    """What a scenario's staffing costs over its horizon, and in what: on-duty `staff-hours` from the schedules
    (shifts and absences), or `cost` from the scenario's `costs.staff_hour` weights (unlisted actors cost 0; a
    person is paid once, at the dearest rate of the roles they hold)."""
    hours = staff_hours(scenario)
    weights = scenario.costs.staff_hour
    if not weights:
        return (sum(hours.values()), "staff-hours")
    rate = {key: weights.get(key, 0.0) for key in hours}
    for person_id, person in scenario.people.items():
        rate[person_id] = max(weights.get(role.partition(":")[0], 0.0) for role in person.roles)
    return (sum(rate[key] * h for key, h in hours.items()), "cost")


@dataclass(frozen=True)
class Point:
    """One combination of the grid: its values, its scenario variant, its load and cost."""

    index: int
    values: dict[str, Any]
    scenario: Scenario = field(repr=False)
    load: float
    cost: float

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.values.items())


def grid(scenario: Scenario, vary: Mapping[str, Sequence[Any]]) -> list[Point]:
    """Every combination, the first factor varying slowest; every variant is validated before anything runs."""
    for key, options in vary.items():
        if isinstance(options, (str, bytes)) or not len(options):
            raise DrillsimError(_("vary {key}: give a list of one or more values").format(key=repr(key)))
        if key.strip() in _NOT_FACTORS:
            raise DrillsimError(_("vary {key}: every combination runs with one seed and one count of replications "
                                  "(--seed, -n), so varying it would change nothing; expected a factor of the plan "
                                  "or load").format(key=repr(key)))
    combinations = math.prod(len(options) for options in vary.values())
    if combinations > MAX_SWEEP_POINTS:  # counted before any is built or validated
        raise DrillsimError(_("vary: {counts} values make {combinations} combinations, more than {most}, the most a "
                              "sweep runs; expected fewer values").format(
            counts=" x ".join(str(len(options)) for options in vary.values()), combinations=combinations,
            most=MAX_SWEEP_POINTS))
    for key, options in vary.items():  # after the count: a range of 10**12 is never listed
        seen: set[str] = set()
        for text in map(repr, options):
            if text in seen:
                raise DrillsimError(_("vary {key}: the value {value} is given twice; expected each value once").format(
                    key=repr(key), value=text))
            seen.add(text)
    points = []
    for index, combo in enumerate(itertools.product(*vary.values())):
        values = dict(zip(vary, combo, strict=True))
        changes = {k: v for k, v in values.items() if k != LOAD}
        variant = scenario.replace(changes) if changes else scenario
        load = _load(values.get(LOAD, 1.0))
        if LOAD in values and not variant.sources:
            raise DrillsimError(_("vary {key}: the scenario has no incident streams (sources) for a load to "
                                  "multiply, so it would change nothing; expected a scenario with sources").format(
                key=repr(LOAD)))
        beyond = incidents_beyond(variant, load)
        if beyond is not None:
            raise DrillsimError(f"{', '.join(f'{k}={v}' for k, v in values.items())}: {beyond[1]}")
        points.append(Point(index, values, variant, load, cost(variant)[0]))
    return points


def _load(value: Any) -> float:
    """A load factor: a finite number greater than 0 (its incidents are bounded with the variant's, in grid)."""
    try:
        load = float(value)
    except (TypeError, ValueError):
        load = math.nan
    if isinstance(value, bool) or not 0 < load < math.inf:
        raise DrillsimError(_("load {value}: a load factor must be a finite number greater than 0").format(
            value=repr(value)))
    return load


def fingerprint(scenario: Scenario) -> str:
    """Identifies the scenario's content, so a resumed sweep refuses a scenario edited in between."""
    data = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


class SweepResult:
    """The points of a sweep, their figures as one tidy frame, the cheapest option and the headroom."""

    def __init__(self, scenario: Scenario, spec: dict[str, Any], points: list[Point], records: list[dict[str, Any]],
                 targets: list[Target], results: dict[int, Results], jobs: int) -> None:
        self.scenario = scenario
        self.spec = spec
        self.points = points
        self.records = records
        self.targets = targets
        self.seed: int = spec["seed"]
        self.replications: int = spec["replications"]
        self.cost_unit = cost(scenario)[1]
        self._results = results
        self._jobs = jobs

    def __repr__(self) -> str:
        return f"<SweepResult {self.scenario.name!r}: {len(self.points)} points x {self.replications} replications>"

    @property
    def factors(self) -> list[str]:
        return list(self.spec["vary"])

    @property
    def frame(self) -> pd.DataFrame:
        """One row per point and rule: the point's values, cost, hit rate with its interval, target and verdict."""
        rows = []
        cheapest = set(self.cheapest_points())
        for point, record in zip(self.points, self.records, strict=True):
            for rule in record["rules"]:
                target = self._target(rule["rule"])
                rows.append({"point": point.index, **point.values, LOAD: point.load, "cost": point.cost,
                             **{k: rule[k] for k in ("rule", "applicable", "met", "missed", "pending")},
                             **{k: as_float(rule[k]) for k in ("rate", "low", "high")},
                             "target": math.nan if target is None else target.rate,
                             "meets": None if target is None else meets(rule, target),
                             "verdict": None if target is None else target_verdict(rule, target),
                             "meets_all": self.meets_all(point.index), "cheapest": point.index in cheapest})
        return pd.DataFrame(rows)

    def waits(self) -> pd.DataFrame:
        """One row per point and limited actor: the mean wait (seconds) over every task it took, with the 95 %
        interval of `drillsim run`'s actor table (replications as the unit; NaN in files of older sweeps)."""
        return pd.DataFrame([{"point": point.index, **point.values, LOAD: point.load, "cost": point.cost,
                              "actor": actor, "mean_wait": as_float(wait),
                              **{f"mean_wait_{end}": as_float(record.get("mean_wait_intervals", {}).get(actor, {})
                                                          .get(end)) for end in ("low", "high")}}
                             for point, record in zip(self.points, self.records, strict=True)
                             for actor, wait in record["mean_waits"].items()])

    def _target(self, rule: str) -> Target | None:
        return next((t for t in self.targets if t.rule == rule), None)

    def rates(self, index: int) -> dict[str, dict[str, Any]]:
        return {rule["rule"]: rule for rule in self.records[index]["rules"]}

    def meets_all(self, index: int) -> bool:
        """Whether a point reaches every target (a rule that applied to nothing reaches none)."""
        rates = self.rates(index)
        return bool(self.targets) and all(meets(rates[t.rule], t) for t in self.targets)

    def verdict(self, index: int) -> str | None:
        """A point against every target, as the CLI marks it: `met` (every interval clears its target), `not met`
        (a rate below its target and its interval too), `undecided` (an interval contains its target); None
        without targets."""
        if not self.targets:
            return None
        rates = self.rates(index)
        verdicts = {target_verdict(rates[t.rule], t) for t in self.targets}
        return NOT_MET if NOT_MET in verdicts else UNDECIDED if UNDECIDED in verdicts else MET

    def cheapest_points(self) -> list[int]:
        """Per load, the index of the cheapest point whose every rate reaches its target (the first of equal cost)."""
        best: dict[float, Point] = {}
        for point in self.points:
            if self.meets_all(point.index) and (point.load not in best or point.cost < best[point.load].cost):
                best[point.load] = point
        return sorted(p.index for p in best.values())

    def cheapest(self) -> pd.DataFrame:
        """Per load, the cheapest point whose every rate reaches its target: one row with its values, cost, each
        target's rate and interval, and the verdict (`met`, or `undecided` when an interval still contains its
        target: more replications would tell). No row when nothing reaches every target."""
        rows = []
        for index in self.cheapest_points():
            point, rates = self.points[index], self.rates(index)
            row: dict[str, Any] = {"point": index, **point.values, LOAD: point.load, "cost": point.cost,
                                   "verdict": self.verdict(index)}
            for target in self.targets:
                rate = rates[target.rule]
                row.update({f"{target.rule} target": target.rate, f"{target.rule} rate": as_float(rate["rate"]),
                            f"{target.rule} low": as_float(rate["low"]), f"{target.rule} high": as_float(rate["high"])})
            rows.append(row)
        columns = ["point", *[f for f in self.factors if f != LOAD], LOAD, "cost", "verdict",
                   *[f"{t.rule} {part}" for t in self.targets for part in ("target", "rate", "low", "high")]]
        return pd.DataFrame(rows, columns=columns)

    def headroom(self) -> pd.DataFrame:
        """Per target and combination of the other factors: the largest load up to which the target holds
        at every load tried (NaN when it fails at the smallest), and the first load at which it fails."""
        others = [f for f in self.factors if f != LOAD]
        rows = []
        groups: dict[tuple[Any, ...], list[Point]] = {}
        for point in self.points:
            groups.setdefault(tuple(point.values[f] for f in others), []).append(point)
        for key, points in groups.items():
            ordered = sorted(points, key=lambda p: p.load)
            for target in self.targets:
                holds, fails = math.nan, math.nan
                for point in ordered:
                    if not meets(self.rates(point.index)[target.rule], target):
                        fails = point.load
                        break
                    holds = point.load
                rows.append({**dict(zip(others, key, strict=True)), "target": str(target), "headroom": holds,
                             "fails_at": fails})
        return pd.DataFrame(rows)

    def results(self, point: int) -> Results:
        """The full Results of a point, every record kept.

        The sweep itself keeps only running totals per replication; a point
        asked for here is run again (same seed: same figures) and kept.
        """
        cached = self._results.get(point)
        if cached is None or cached.keep != "all":
            p = self.points[point]
            reps = replicate(p.scenario, range(self.replications), self.seed, jobs=self._jobs, load=p.load)
            self._results[point] = Results(p.scenario, self.seed, reps, load=p.load, label=p.label)
        return self._results[point]

    def compare(self, a: int, b: int) -> Comparison:
        """Paired differences between two points (b - a)."""
        return compare(self.results(a), self.results(b))

    def summary(self) -> dict[str, Any]:
        """The sweep as plain data: its spec, per point the values, cost and verdicts, cheapest, headroom."""
        cheapest = self.cheapest_points()
        headroom = self.headroom()
        return {
            **{k: v for k, v in self.spec.items() if k != "points"},
            "cost_unit": self.cost_unit,
            "points": [{"point": p.index, "values": p.values, "load": p.load, "cost": p.cost,
                        "meets_all": self.meets_all(p.index), "cheapest": p.index in cheapest,
                        "rules": self.records[p.index]["rules"]} for p in self.points],
            "cheapest": cheapest,
            "headroom": [{k: json_value(v) for k, v in row.items()} for row in headroom.to_dict("records")],
        }


def sweep(scenario: Scenario, vary: Mapping[str, Sequence[Any]], *, replications: int | None = None,
          seed: int | None = None, jobs: int = 1, targets: Iterable[str | Target] = (),
          out: str | Path | None = None, resume: bool = False, progress: Progress | None = None,
          on_point: Callable[[Point], None] | None = None, executor: Executor | None = None,
          client: Any = None) -> SweepResult:
    """Every combination of `vary` (dotted paths, and `load`) with the same seed and replications, so with common
    random numbers; see the module docstring.

    `on_point` is called after each point is finished (and written); `progress`
    after each replication. `executor` or a dask `client` runs the replications
    there instead of in `jobs` local processes, with the same result.
    """
    count = replications if replications is not None else scenario.replications
    seed = seed if seed is not None else scenario.seed
    directory = Path(out) if out is not None else None
    goals = [t if isinstance(t, Target) else parse_target(t, scenario) for t in targets]
    if twice := next((t for i, t in enumerate(goals) if t.rule in {g.rule for g in goals[:i]}), None):
        raise DrillsimError(_("target {target}: {rule} is given a target twice; expected one target per rule").format(
            target=repr(str(twice)), rule=twice.rule))
    points = grid(scenario, vary)
    spec = {"scenario": scenario.name, "fingerprint": fingerprint(scenario), "seed": seed, "replications": count,
            "vary": {k: list(v) for k, v in vary.items()}, "targets": [str(t) for t in goals],
            "points": [p.values for p in points]}
    spec = json.loads(to_json(spec))
    if resume and directory is None:
        raise DrillsimError(_("resuming a sweep needs the output directory it was writing to"))
    done = _prepare(directory, spec, resume) if directory is not None else {}
    records: list[dict[str, Any]] = []
    results: dict[int, Results] = {}
    width, given = resolve(jobs, executor, client)
    workers = given or (pool(jobs) if jobs > 1 and len(done) < len(points) else None)
    try:
        for point in points:
            if point.index in done:
                records.append(done[point.index])
                continue
            reps, tallies = summarise(point.scenario, range(count), seed, jobs=width, load=point.load,
                                      progress=progress, executor=workers)
            results[point.index] = Results(point.scenario, seed, reps, load=point.load, label=point.label,
                                           tallies=tallies)
            record = _record(point, results[point.index])
            if directory is not None:
                atomic_write(_point_file(directory, point.index), to_json(record))
            records.append(record)
            if on_point is not None:
                on_point(point)
    finally:
        if workers is not None and workers is not given:
            workers.shutdown(cancel_futures=True)
    outcome = SweepResult(scenario, spec, points, records, goals, results, jobs)
    if directory is not None:
        _write_final(outcome, directory)
    return outcome


def _record(point: Point, results: Results) -> dict[str, Any]:
    """What a point leaves on disk: its values, hit rates and mean waits, as JSON reads them back.

    Not the whole summary: the bottleneck analysis would cost more than the
    simulation; `SweepResult.results(i)` gives everything for a point of interest.
    """
    rules = [{k: json_value(v) for k, v in row.items()} for row in rule_intervals(results).to_dict("records")]
    totals = wait_totals(results).groupby("actor", sort=False)[["wait", "tasks"]].sum()
    waits = {str(actor): (row["wait"] / row["tasks"] if row["tasks"] else None) for actor, row in totals.iterrows()}
    per_replication = wait_totals(results).groupby("actor", sort=False)
    intervals = {str(actor): {end: json_value(value) for end, value in
                              zip(("low", "high"), ratio_interval(part["wait"], part["tasks"])[1:], strict=True)}
                 for actor, part in per_replication}
    data = {"point": point.index, "values": point.values, "load": point.load, "cost": point.cost, "rules": rules,
            "mean_waits": waits, "mean_wait_intervals": intervals}
    return dict(json.loads(to_json(data)))


def _point_file(out: Path, index: int) -> Path:
    return out / POINTS / f"{index:04d}.json"


_POINT_NAME = re.compile(r"\d{4,}\.json")


@contextmanager
def sweep_directory(out: Path) -> Iterator[Path]:
    """Hold a sweep's output directory while one sweep writes (or resumes) there; see files.writing_directory.

    Stale temporary files of a killed sweep are removed from the directory
    and from its points; the finished points stay, for `--resume`.
    """
    with writing_directory(out, (SPEC, "sweep.csv", "sweep.json")) as directory:
        remove_stale_temporaries(out / POINTS, lambda name: _POINT_NAME.fullmatch(name) is not None)
        yield directory


def written_json(path: Path, broken: str) -> Any:
    """A JSON file a resumable run (a sweep, a search) wrote; a truncated or unreadable one is named with what is
    wrong: `broken`, a message with `{problem}`."""
    text = read_text(path, what="a JSON file drillsim wrote")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(path, broken.format(problem=exc.msg), exc.lineno) from None


def claim(spec_file: Path, spec: dict[str, Any], resume: bool, *, held: str, different: str, broken: str) -> None:
    """Check a resumable run's directory against its `spec`, or write the spec there (as `spec_file`): `held` (with
    `{out}`, the directory) when it holds a run and `resume` is off, `different` (with `{out}`, `{changed}`) when
    it holds another."""
    out = spec_file.parent
    if spec_file.exists():
        if not resume:
            raise DrillsimError(held.format(out=out))
        written = written_json(spec_file, broken)
        if written != spec:
            changed = sorted(k for k in spec if not isinstance(written, dict) or written.get(k) != spec[k])
            raise DrillsimError(different.format(out=out, changed=", ".join(changed) or _("contents")))
    else:
        atomic_write(spec_file, to_json(spec))


def _broken() -> str:
    return _("not valid JSON ({problem}); a sweep writes this file whole: delete it, or write the sweep to another "
             "directory")


def _prepare(out: Path, spec: dict[str, Any], resume: bool) -> dict[int, dict[str, Any]]:
    """Check the directory against the sweep, write its spec, and read back the points already done."""
    claim(out / SPEC, spec, resume, held=_("{out} holds a sweep already: resume it, or write to another directory"),
          different=_("{out} holds a different sweep (its {changed} differ); it cannot be resumed with these "
                      "settings"), broken=_broken())
    done = {}
    for index, values in enumerate(spec["points"]):
        path = _point_file(out, index)
        if path.exists():
            record = written_json(path, _broken())
            if isinstance(record, dict) and record.get("values") == values:
                done[index] = _checked(record, index, path)
    return done


_RULE_KEYS: dict[str, type | tuple[type, ...]] = {"rule": str, "level": str, "rate": (int, float, type(None))}
"""What the sweep's table and verdicts read of each rule of a point (the rest is written and read alike)."""


def _checked(record: dict[str, Any], index: int, path: Path) -> dict[str, Any]:
    """A point read back is used only in the shape `_record` writes: a hand-edited one would fail mid-table."""
    rules = record.get("rules")
    shaped = (record.get("point") == index and isinstance(record.get("cost"), (int, float))
              and isinstance(record.get("load"), (int, float)) and isinstance(rules, list)
              and all(isinstance(rule, dict) and all(isinstance(rule.get(k), t) for k, t in _RULE_KEYS.items())
                      for rule in rules)
              and isinstance(record.get("mean_waits"), dict) and isinstance(record.get("mean_wait_intervals"), dict))
    if not shaped:
        raise UnreadableFile(path, _("not a point a sweep wrote (its point, cost, load, rules or mean waits are "
                                     "missing or of another type); delete it to run the point again"))
    return record


def _write_final(outcome: SweepResult, out: Path) -> None:
    atomic_write(out / "sweep.csv", frame_csv(outcome.frame))
    atomic_write(out / "sweep.json", to_json({**outcome.summary(), "versions": versions()}))


def json_value(value: Any) -> Any:
    """NaN as null, numpy scalars as Python numbers."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value
