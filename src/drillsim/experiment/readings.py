"""How much each verdict depends on the reading of the plan: every rule's hit rate under every alternative.

The plan leaves numbers and clock starts open (drillsim.scenario.readings,
which alone knows what a reading is and which alternative is in force).
Every alternative runs on the same incidents as the reading in force (the
same seed: common random numbers), so each difference comes with its paired
95 % interval, as drillsim.experiment.comparison computes it (over all levels
only: a comparison's rates per level and waits would cost most of the time,
and `--all` may try hundreds of combinations). A reading that only moves
clocks does not change the chain: its verdicts are the in-force run's own
records checked again by the other clocks (drillsim.model.rechecked), which
costs next to nothing; a reading that changes the chain is simulated again.

A rule's spread is the largest minus the smallest of its hit rates across
the alternatives tried: how far the verdict moves with the reading, whatever
a planner does.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from drillsim.errors import DrillsimError
from drillsim.experiment.per_replication import rule_counts
from drillsim.experiment.replications import run
from drillsim.experiment.runner import Keep, Progress
from drillsim.i18n import _, ngettext
from drillsim.model import rechecked
from drillsim.model.pairing import differences
from drillsim.results import Results
from drillsim.results.stats import ratio_difference
from drillsim.scenario import Scenario
from drillsim.scenario import readings as plan_readings
from drillsim.scenario.errors import ScenarioError
from drillsim.scenario.schema import unknown_name

log = logging.getLogger(__name__)

COLUMNS = ["rule", "reading", "alternative", "article", "in_force", "default", "relevant", "present", "hit_rate",
           "difference", "low", "high", "spread"]
MOVES = 0.05
"""A rule whose hit rate moves by more than this across readings is marked in `drillsim run`: five points."""
MAX_COMBINATIONS = 512
"""The most combinations of readings tried for one rule (`every_combination`): each may be a run of its own."""
JOIN = " + "
"""How a combination of several readings (and of their alternatives) is written in one cell."""

Combination = tuple[tuple[str, str], ...]
"""(reading, alternative) pairs, each reading moved off the alternative in force, in the plan's order."""
Mode = Literal["clocks", "all"]


@dataclass(frozen=True)
class ReadingsResult:
    """Every rule's hit rate under every alternative tried, and its spread (`frame`, one row per rule, reading
    and alternative; see `readings`), with what was run and what was not tried."""

    scenario: Scenario
    frame: pd.DataFrame
    seed: int
    replications: int
    tried: tuple[str, ...]
    """The readings tried, in the plan's order."""
    not_tried: tuple[str, ...]
    """The scenario's readings left out (not asked for, or, re-checking only, those that change the chain)."""
    as_read: Mapping[str, float]
    """Rule -> its hit rate under the readings in force (NaN: it applied to nothing)."""
    every_combination: bool = False
    combinations: Mapping[str, int] = field(default_factory=dict)
    """With `every_combination`: per rule, how many combinations of its relevant readings' alternatives (the one
    in force among them) were tried."""

    @property
    def in_force(self) -> dict[str, str]:
        """Reading -> the alternative in force (`OWN`: the scenario's own values, none of the alternatives)."""
        return plan_readings.in_force(self.scenario)

    def spreads(self) -> pd.DataFrame:
        """Per rule (largest spread first, then in the plan's order): its hit rate as read, the lowest and highest
        across the alternatives tried, and the spread between them (zero for a rule no reading tried moves)."""
        rows = []
        for rule, rate in self.as_read.items():
            rates = self.frame.loc[self.frame["rule"] == rule, "hit_rate"].dropna()
            if math.isnan(rate) and rates.empty:
                rows.append({"rule": rule, "hit_rate": rate, "low": rate, "high": rate, "spread": math.nan})
                continue
            low, high = (rate, rate) if rates.empty else (rates.min(), rates.max())
            rows.append({"rule": rule, "hit_rate": rate, "low": low, "high": high, "spread": high - low})
        frame = pd.DataFrame(rows, columns=["rule", "hit_rate", "low", "high", "spread"])
        return frame.assign(_spread=-frame["spread"].fillna(-1.0)).sort_values("_spread", kind="stable").drop(
            columns="_spread").reset_index(drop=True)

    def moving(self, rule: str) -> list[dict[str, Any]]:
        """The readings that move a rule's hit rate, the most first: each with its article, title, lowest and
        highest hit rate, spread, and the hit rate under each alternative (None where it has no such rule)."""
        part = self.frame[(self.frame["rule"] == rule) & ~self.frame["reading"].str.contains(JOIN, regex=False)]
        out = []
        for name, rows in part.groupby("reading", sort=False):
            rates = rows["hit_rate"].dropna()
            spread = float(rates.max() - rates.min()) if len(rates) else 0.0
            if spread > 0:
                out.append({"reading": name, "article": self.scenario.readings[str(name)].article,
                            "title": self.scenario.readings[str(name)].title, "low": float(rates.min()),
                            "high": float(rates.max()), "spread": spread,
                            "alternatives": {alt: _plain(rate) for alt, rate in
                                             zip(rows["alternative"], rows["hit_rate"], strict=True)}})
        return sorted(out, key=lambda row: -row["spread"])

    def marks(self, threshold: float = MOVES) -> dict[str, Any]:
        """What `drillsim run` records of the readings (its JSON summary's `readings`): the alternative in force
        of every reading, those tried and not, and per rule the spread, the range and the readings moving it;
        a rule that moves by more than `threshold` is `marked`, with a sentence saying on which reading."""
        rules = []
        for row in self.spreads().to_dict("records"):
            moving = self.moving(str(row["rule"]))
            marked = bool(row["spread"] > threshold)
            rules.append({**{k: _plain(v) for k, v in row.items()}, "marked": marked, "readings": moving,
                          **({"sentence": _depends(str(row["rule"]), row, moving, threshold)} if marked else {})})
        return {"threshold": threshold, "replications": self.replications, "seed": self.seed,
                "in_force": {name: {"alternative": alternative, "article": self.scenario.readings[name].article,
                                    "title": self.scenario.readings[name].title}
                             for name, alternative in self.in_force.items()},
                "tried": list(self.tried), "not_tried": list(self.not_tried), "rules": rules,
                "sentence": self._overall_sentence(rules, threshold)}

    def _overall_sentence(self, rules: list[dict[str, Any]], threshold: float) -> str:
        count = len(self.tried)
        said = [] if any(rule["marked"] for rule in rules) else [
            ngettext("No hit rate moves by more than {points} points across the {count} reading of the plan tried.",
                     "No hit rate moves by more than {points} points across the {count} readings of the plan tried.",
                     count).format(points=f"{threshold * 100:g}", count=count)]
        if self.not_tried:
            left = len(self.not_tried)
            said.append(ngettext("{count} reading was not tried here ({names}): `drillsim readings` tries every one.",
                                 "{count} readings were not tried here ({names}): `drillsim readings` tries every one.",
                                 left).format(count=left, names=", ".join(self.not_tried)))
        return " ".join(said)

    def summary(self) -> dict[str, Any]:
        """Plain data for JSON (`drillsim readings --format json`): what was run, the alternative in force of
        every reading, each rule's spread and every row."""
        return {"scenario": self.scenario.name, "seed": self.seed, "replications": self.replications,
                "every_combination": self.every_combination, "in_force": self.in_force,
                "tried": list(self.tried), "not_tried": list(self.not_tried),
                **({"combinations": dict(self.combinations)} if self.every_combination else {}),
                "rules": [{k: _plain(v) for k, v in row.items()} for row in self.spreads().to_dict("records")],
                "rows": [{k: _plain(v) for k, v in row.items()} for row in self.frame.to_dict("records")]}


def _depends(rule: str, row: Mapping[str, Any], moving: list[dict[str, Any]], threshold: float) -> str:
    """`office_to_leadership depends on the reading of Art. 10.2 (office_to_leadership.start): 33% to 99%; ...`:
    the readings that move it by more than `threshold` each (else the one that moves it most)."""
    named = [reading for reading in moving if reading["spread"] > threshold] or moving[:1]
    which = _(" and ").join(_("{article} ({reading})").format(article=reading["article"], reading=reading["reading"])
                            if reading["article"] else str(reading["reading"]) for reading in named)
    return ngettext("{rule} depends on the reading of {which}: {low} to {high}; see `drillsim readings`",
                    "{rule} depends on the readings of {which}: {low} to {high}; see `drillsim readings`",
                    len(named)).format(rule=rule, which=which, low=f"{row['low']:.0%}", high=f"{row['high']:.0%}")


def _plain(value: Any) -> Any:
    """NaN becomes None (JSON), numpy scalars Python ones."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def readings(scenario: Scenario, *, replications: int | None = None, seed: int | None = None, jobs: int = 1,
             every_combination: bool = False, only: Sequence[str] | None = None,
             progress: Progress | None = None) -> ReadingsResult:
    """Every rule's hit rate (over all levels) under every alternative of every reading, one at a time and, with
    `every_combination`, every combination of the readings relevant to each rule (readings.relevant), all on
    the same incidents as the reading in force.

    `frame`: one row per rule, reading and alternative (a combination: the
    readings and their alternatives joined by " + "): its article, whether it
    is the alternative in force and the plan's default, whether the reading
    can move the rule at all (`relevant`), whether the rule exists under it
    (`present`; a removed rule has no hit rate, NaN), the hit rate, the
    difference from the reading in force with its paired 95 % interval
    (`low`, `high`), and the rule's spread. Rows are sorted by spread, largest
    first. `only` restricts to some readings; more than MAX_COMBINATIONS
    combinations for one rule are refused (DrillsimError) rather than run.
    """
    tried = _tried(scenario, only)
    combos, counts = _combinations(scenario, tried, every_combination)
    base = run(scenario, replications=replications, seed=seed, jobs=jobs, progress=progress,
               keep=_keep(scenario, (), combos, records=True))
    return _measure(base, tried, combos, counts, every_combination=every_combination, paired=True,
                    not_tried=tuple(name for name in plan_readings.choices(scenario) if name not in tried),
                    jobs=jobs, progress=progress)


def marks(results: Results, mode: Mode = "clocks", *, jobs: int = 1,
          progress: Progress | None = None) -> ReadingsResult:
    """The readings of a finished run, one at a time, on its own incidents: `clocks` tries those that only move
    clocks (re-checked on the run's own records: nearly free when it kept them), `all` simulates those that
    change the chain too. Hit rates without paired intervals: `drillsim readings` gives those."""
    scenario = results.scenario
    tried = _tried_by(scenario, mode)
    combos, counts = _combinations(scenario, tried, False)
    return _measure(results, tried, combos, counts, every_combination=False, paired=False,
                    not_tried=tuple(name for name in plan_readings.choices(scenario) if name not in tried),
                    jobs=jobs, progress=progress)


def runs(scenario: Scenario, *, every_combination: bool = False, only: Sequence[str] | None = None,
         mode: Mode | None = None, kept: bool = True) -> int:
    """How many scenarios `readings` (or, given `mode`, `marks` of a run) simulates, the reading in force among
    them: the rest are re-checked on the records of one of those, unless the run did not keep them (`kept`).
    For a progress bar's total."""
    tried = _tried(scenario, only) if mode is None else _tried_by(scenario, mode)
    combos, _ = _combinations(scenario, tried, every_combination)
    return 1 + (len({chain for combo in combos if (chain := _chain_part(scenario, combo))}) if kept
                else len(combos))


def _tried_by(scenario: Scenario, mode: Mode) -> tuple[str, ...]:
    """The readings `marks` tries: every one (`all`), or those whose verdicts can be checked again (`clocks`)."""
    every = tuple(plan_readings.choices(scenario))
    return every if mode == "all" else tuple(name for name in every if plan_readings.recheckable(scenario, name))


def _tried(scenario: Scenario, only: Sequence[str] | None) -> tuple[str, ...]:
    """The readings asked for, in the plan's order (every reading the scenario can be read by unless `only`)."""
    choices = plan_readings.choices(scenario)
    for name in only or ():
        if name in scenario.readings and name not in choices:
            raise DrillsimError(f"reading {name!r}: this scenario can take none of its other alternatives")
        if name not in choices:
            raise DrillsimError(unknown_name("reading", name, choices))
    return tuple(name for name in choices if only is None or name in only)


def _combinations(scenario: Scenario, tried: Sequence[str],
                  every_combination: bool) -> tuple[list[Combination], dict[str, int]]:
    """Each alternative of each reading tried, off the one in force; with `every_combination` also every
    combination of two or more, per rule only of the readings relevant to it. Per rule, with
    `every_combination`, how many combinations (the one in force among them) it is checked under."""
    choices = plan_readings.choices(scenario)
    combos: dict[Combination, None] = {((c.reading, c.alternative),): None for name in tried
                                       for c in choices[name] if not c.in_force}
    counts: dict[str, int] = {}
    if not every_combination:
        return list(combos), counts
    for rule in scenario.deadlines:
        names = [name for name in tried if name in plan_readings.relevant(scenario, rule)]
        options = [[None, *(c.alternative for c in choices[name] if not c.in_force)] for name in names]
        counts[rule] = math.prod(len(o) for o in options)
        if counts[rule] > MAX_COMBINATIONS:
            raise DrillsimError(f"every combination of the {len(names)} readings that can move {rule} is "
                                f"{counts[rule]} combinations, more than {MAX_COMBINATIONS}: narrow them to some "
                                f"readings with --reading NAME (repeatable)")
        for picked in itertools.product(*options):
            combo = tuple((name, alt) for name, alt in zip(names, picked, strict=True) if alt is not None)
            if len(combo) >= 2:
                combos[combo] = None
    return list(combos), counts


def _chain_part(scenario: Scenario, combo: Combination) -> Combination:
    """The alternatives of a combination that change the chain: those that must be simulated."""
    return tuple((name, alt) for name, alt in combo if not plan_readings.recheckable(scenario, name))


def _keep(scenario: Scenario, chain: Combination, combos: Iterable[Combination], *, records: bool) -> Keep:
    """Every record for a chain whose records some combination is re-checked on; else running totals only."""
    return "all" if records and any(_chain_part(scenario, c) == chain and c != chain for c in combos) else "summary"


def _scenario_of(scenario: Scenario, combo: Combination) -> Scenario:
    if len(combo) == 1:
        return next(c.scenario for c in plan_readings.choices(scenario)[combo[0][0]]
                    if c.alternative == combo[0][1])
    return scenario.replace({"read_as": {**scenario.read_as, **dict(combo)}})


def _measure(base: Results, tried: tuple[str, ...], combos: list[Combination], counts: dict[str, int], *,
             every_combination: bool, paired: bool, not_tried: tuple[str, ...], jobs: int,
             progress: Progress | None) -> ReadingsResult:
    """Run (or re-check) every combination against `base` and tabulate the hit rates."""
    scenario = base.scenario
    chains: dict[Combination, Results] = {(): base}
    ours = _Counted.of(base)
    rates: dict[Combination, dict[str, tuple[float, float, float, float]]] = {}
    for combo in combos:
        try:
            variant = _scenario_of(scenario, combo)
        except ScenarioError as exc:
            log.info("%s cannot be read together: %s", _written(combo), exc)
            continue
        chain = _chain_part(scenario, combo) if base.keep == "all" else combo
        if chain not in chains:
            chains[chain] = run(variant if chain == combo else _scenario_of(scenario, chain),
                                replications=len(base.replications), seed=base.seed, jobs=jobs, load=base.load,
                                progress=progress, keep=_keep(scenario, chain, combos, records=base.keep == "all"),
                                label=_written(chain))
        result = chains[chain] if chain == combo else Results(
            variant, base.seed, [rechecked(variant, rep) for rep in chains[chain].replications], load=base.load,
            label=_written(combo))
        rates[combo] = _rates(base, ours, result, paired)
    return ReadingsResult(scenario, _frame(scenario, ours.rates, tried, combos, rates), base.seed,
                          len(base.replications), tried, not_tried, ours.rates, every_combination, counts)


def _written(combo: Combination) -> str:
    return JOIN.join(f"{name}={alt}" for name, alt in combo)


@dataclass(frozen=True)
class _Counted:
    """A run's verdicts met and decided per rule and replication, and its hit rates over all levels from them, as
    the comparison counts them (met over decided, NaN when none was)."""

    per_replication: dict[str, pd.DataFrame]
    rates: dict[str, float]

    @classmethod
    def of(cls, results: Results) -> _Counted:
        parts = {str(rule): part.set_index("replication").sort_index()
                 for rule, part in rule_counts(results).groupby("rule", sort=False)}
        return cls(parts, {rule: part["met"].sum() / part["decided"].sum() if part["decided"].sum() else math.nan
                           for rule, part in parts.items()})


def _rates(base: Results, ours: _Counted, variant: Results,
           paired: bool) -> dict[str, tuple[float, float, float, float]]:
    """Rule -> hit rate over all levels under the variant, difference from `base`, and (when `paired`) its paired
    95 % interval, as drillsim.experiment.comparison computes it for a rule over all levels (without the rates per
    level and the waits, which a reading of the plan leaves as they are); a rule the variant lacks has none."""
    theirs = _Counted.of(variant)
    if not paired:
        return {rule: (rate, rate - ours.rates.get(rule, math.nan), math.nan, math.nan)
                for rule, rate in theirs.rates.items()}
    differ = differences(base.scenario, variant.scenario, seeds=(base.seed, variant.seed),
                         loads=(base.load, variant.load))
    if differ:
        log.warning("%s draws other incidents than the reading in force (%s): its difference is not paired on the "
                    "same incidents", variant.label, "; ".join(differ))
    out = {}
    for rule, rate in theirs.rates.items():
        if rule not in ours.rates:
            out[rule] = (rate, math.nan, math.nan, math.nan)
            continue
        a, b = ours.per_replication[rule], theirs.per_replication[rule]
        difference, low, high = ratio_difference(a["met"], a["decided"], b["met"], b["decided"])
        out[rule] = (rate, difference, low, high)
    return out


def _frame(scenario: Scenario, own: dict[str, float], tried: tuple[str, ...], combos: list[Combination],
           rates: dict[Combination, dict[str, tuple[float, float, float, float]]]) -> pd.DataFrame:
    choices = plan_readings.choices(scenario)
    rows: list[dict[str, Any]] = []
    for rule in scenario.deadlines:
        relevant = set(plan_readings.relevant(scenario, rule))
        zero = 0.0 if not math.isnan(own[rule]) else math.nan
        for name in tried:
            reading = scenario.readings[name]
            in_force = [c for c in choices[name] if c.in_force]
            if not in_force:  # the scenario's own values: its run is the reference all the same
                rows.append(_row(rule, name, plan_readings.OWN, reading.article, True, False, name in relevant,
                                 True, (own[rule], zero, zero, zero)))
            for choice in choices[name]:
                combo: Combination = ((name, choice.alternative),)
                if not choice.in_force and combo not in rates:
                    continue
                measured = (own[rule], zero, zero, zero) if choice.in_force \
                    else rates[combo].get(rule, (math.nan,) * 4)
                rows.append(_row(rule, name, choice.alternative, reading.article, choice.in_force, choice.default,
                                 name in relevant, choice.in_force or rule in rates[combo], measured))
        for combo in combos:
            if len(combo) < 2 or combo not in rates or not {name for name, _ in combo} <= relevant:
                continue
            articles = dict.fromkeys(scenario.readings[name].article for name, _ in combo)
            defaults = all(alt == scenario.readings[name].default for name, alt in combo)
            rows.append(_row(rule, JOIN.join(n for n, _ in combo), JOIN.join(a for _, a in combo),
                             JOIN.join(a for a in articles if a), False, defaults, True, rule in rates[combo],
                             rates[combo].get(rule, (math.nan,) * 4)))
    frame = pd.DataFrame(rows, columns=COLUMNS[:-1])
    spread = frame.groupby("rule", sort=False)["hit_rate"].agg(lambda rates: rates.max() - rates.min())
    frame["spread"] = frame["rule"].map(spread).astype(float)
    order = {rule: i for i, rule in enumerate(scenario.deadlines)}
    frame = frame.assign(_rule=frame["rule"].map(order), _spread=-frame["spread"].fillna(-1.0))
    return frame.sort_values(["_spread", "_rule"], kind="stable").drop(columns=["_rule", "_spread"]).reset_index(
        drop=True)


def _row(rule: str, reading: str, alternative: str, article: str, in_force: bool, default: bool, relevant: bool,
         present: bool, measured: tuple[float, float, float, float]) -> dict[str, Any]:
    rate, difference, low, high = measured
    return {"rule": rule, "reading": reading, "alternative": alternative, "article": article, "in_force": in_force,
            "default": default, "relevant": relevant, "present": present, "hit_rate": rate,
            "difference": difference, "low": low, "high": high}


__all__ = ["COLUMNS", "JOIN", "MAX_COMBINATIONS", "MOVES", "ReadingsResult", "marks", "readings", "runs"]
