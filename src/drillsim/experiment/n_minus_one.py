"""N-1: which deadlines break if any one person is absent or unreachable.

Every person of the scenario in turn, and one of each role's anonymous
staff, is taken away for the whole drill, and the variant is run on the same
incidents as the plan with everyone (the same seed: common random numbers).
Each variant is a paired comparison with the plan (drillsim.experiment.comparison),
so a fall in a hit rate comes with the paired 95 % interval, in which the luck
of the draw cancels.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from drillsim.experiment.comparison import compare
from drillsim.experiment.replications import run
from drillsim.experiment.runner import Progress
from drillsim.results.metrics import ALL_LEVELS
from drillsim.scenario import Scenario, usage
from drillsim.scenario.schema import Staffing
from drillsim.scenario.units import format_offset

COLUMNS = ["absent", "kind", "rule", "everyone", "without", "change", "low", "high", "significant"]
MIN_DROP = 0.01
"""A fall of a hit rate listed even when its interval includes no change: one point."""


@dataclass(frozen=True)
class Absence:
    """Someone taken away: a named person (`kind` "person") or one of a role's anonymous staff ("anonymous")."""

    absent: str
    """The person's id, or `office (one of 2)`: one of the largest number of a role's anonymous staff on duty."""
    kind: str
    scenario: Scenario
    """The scenario without them."""


def absences(scenario: Scenario) -> list[Absence]:
    """The scenario without each person in turn, then without one of each role's (and grid's) anonymous staff.

    A person is absent for the whole drill rather than dropped from `people`:
    the model sees the same, and a role or grid that only they hold stays a
    role nobody is on duty for, instead of a name the scenario no longer knows.
    A role's anonymous staff lose one at every time of day (the base count and
    each shift's, never below none).
    """
    with _quiet("drillsim.scenario"):
        return [*_people(scenario), *_anonymous(scenario)]


def _people(scenario: Scenario) -> Iterator[Absence]:
    whole = {"from": format_offset(0), "to": format_offset(scenario.horizon)}
    for person_id, person in scenario.people.items():
        away = [*(w.model_dump(mode="json", by_alias=True) for w in person.absences), whole]
        yield Absence(person_id, "person", _set(scenario, ("people", person_id, "absences"), away))


def _anonymous(scenario: Scenario) -> Iterator[Absence]:
    """One fewer of each role's anonymous staff that something uses (a plan's staffing of a role that no step of
    this scenario needs, or of a grid it sends no incident to, changes nothing)."""
    unused = [found.path for found in usage.unused(scenario)]

    def used(at: tuple[str, ...]) -> bool:
        return not any(at[:len(path)] == path for path in unused)
    for actor, entry in scenario.staffing.items():
        kind = scenario.actors[actor].kind
        if not used(("staffing", actor)):
            continue
        if kind == "pool" and _peak(entry) > 0:
            yield Absence(f"{actor} (one of {_peak(entry)})", "anonymous",
                          _set(scenario, ("staffing", actor), _one_fewer(entry, entry)))
        if kind != "per_grid":
            continue
        for grid in entry.grids:
            own = entry.for_grid(grid)
            if _peak(own) > 0 and used(("staffing", actor, "grids", grid)):
                yield Absence(f"{actor}:{grid} (one of {_peak(own)})", "anonymous",
                              _set(scenario, ("staffing", actor, "grids", grid), _one_fewer(entry.grids[grid], own)))


def _peak(staffing: Staffing) -> int:
    """The most of a role's anonymous staff on duty at once (before absences)."""
    return max([staffing.staff, *(shift.staff for shift in staffing.shifts)])


def _one_fewer(written: Staffing, effective: Staffing) -> dict[str, Any]:
    """A staffing as written, with the base count and every shift's of the effective one (a grid's inherits the
    actor's) one fewer, never below none."""
    shifts = [{**shift.model_dump(mode="json", by_alias=True), "staff": max(shift.staff - 1, 0)}
              for shift in effective.shifts]
    return {**written.model_dump(mode="json", by_alias=True, exclude_unset=True),
            "staff": max(effective.staff - 1, 0), "shifts": shifts}


_PLAIN = re.compile(r"[^.\[\]*]+")
"""A name a dotted path writes as it is."""


def _set(scenario: Scenario, path: tuple[str, ...], value: Any) -> Scenario:
    """`Scenario.replace` of one path. A name that a dotted path cannot write (a person `li.qiang`) is reached
    by setting the whole mapping above it, as written, instead."""
    cut = next((k for k, part in enumerate(path) if not _PLAIN.fullmatch(part)), len(path))
    if cut == len(path):
        return scenario.replace({".".join(path): value})
    above: Any = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for part in path[:cut]:
        above = above[part]
    node = above
    for part in path[cut:-1]:
        node = node[part]
    node[path[-1]] = value
    return scenario.replace({".".join(path[:cut]): above})


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """A variant without a role's only person draws the warning that nobody is on duty: that is the question
    asked, not a mistake in the scenario, so it is not logged once per variant."""
    logger = logging.getLogger(name)

    def drop(_record: logging.LogRecord) -> bool:
        return False
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def n_minus_one(scenario: Scenario, *, replications: int | None = None, seed: int | None = None, jobs: int = 1,
                min_drop: float = MIN_DROP, absent: Sequence[Absence] | None = None,
                progress: Progress | None = None) -> pd.DataFrame:
    """The hit rates (over all levels) that fall without one person, worst first.

    One row per absent person and rule whose hit rate falls significantly
    (the paired 95 % interval of the change is below zero) or by more than
    `min_drop`: absent, kind (`person` or `anonymous`), rule, the hit rate
    with everyone and without them, the change with its paired interval
    (`low`, `high`), and whether the interval excludes no change
    (`significant`). Everyone and every variant run with one seed (the
    scenario's unless given) on the same incidents. `absent` are the absences
    tried (by default every one of `absences`); `frame.attrs` says the seed,
    the replications and how many absences were tried.
    """
    variants = absences(scenario) if absent is None else list(absent)
    base = run(scenario, replications=replications, seed=seed, jobs=jobs, progress=progress, keep="summary")
    rows: list[dict[str, Any]] = []
    for absence in variants:
        without = run(absence.scenario, replications=len(base.replications), seed=base.seed, jobs=jobs,
                      progress=progress, keep="summary")
        frame = compare(base, without).frame
        rates = frame[(frame["kind"] == "hit rate") & (frame["level"] == ALL_LEVELS)]
        for row in rates.itertuples(index=False):
            if math.isnan(row.difference) or not _falls(row.difference, row.high, min_drop):
                continue
            rows.append({"absent": absence.absent, "kind": absence.kind, "rule": row.name, "everyone": row.a,
                         "without": row.b, "change": row.difference, "low": row.low, "high": row.high,
                         "significant": bool(row.high < 0)})
    out = pd.DataFrame(rows, columns=COLUMNS)
    order = {rule: i for i, rule in enumerate(scenario.deadlines)}
    out = out.assign(_rule=out["rule"].map(order)).sort_values(["change", "_rule"], kind="stable")
    out = out.drop(columns="_rule").reset_index(drop=True)
    out.attrs.update(seed=base.seed, replications=len(base.replications), absences=len(variants))
    return out


def _falls(change: float, high: float, min_drop: float) -> bool:
    return change < 0 and (high < 0 or -change > min_drop)


__all__ = ["COLUMNS", "MIN_DROP", "Absence", "absences", "n_minus_one"]
