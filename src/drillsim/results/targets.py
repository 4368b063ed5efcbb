"""A hit rate against the rate it must reach: `office_to_leadership>=0.95`, and the verdict on it.

Below the experiments that set targets (`drillsim sweep --target`) and the
plots that draw them, so that a sweep's table, its plot and `drillsim.verdict`
mark a rate with the one function, `target_verdict`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drillsim.errors import DrillsimError
from drillsim.i18n import _
from drillsim.scenario.schema import Scenario, unknown_name

LOAD = "load"
"""The sweep factor, and the column of a sweep's frame, that multiplies every incident stream's rate (no path)."""
MET, NOT_MET, UNDECIDED = "met", "not met", "undecided"
_TARGET = re.compile(r"^\s*([\w.-]+)\s*(>=|=)\s*([0-9.]+)\s*$")


@dataclass(frozen=True)
class Target:
    """A hit rate a rule must reach: `office_to_leadership>=0.95`."""

    rule: str
    rate: float

    def __str__(self) -> str:
        return f"{self.rule}>={self.rate:g}"


def parse_target(text: str, scenario: Scenario) -> Target:
    """`RULE>=RATE` (or `RULE=RATE`), RULE a deadline rule of the scenario, RATE between 0 and 1."""
    match = _TARGET.match(text)
    if match is None:
        raise DrillsimError(_("target {text}: expected RULE>=RATE, e.g. office_to_leadership>=0.95").format(
            text=repr(text)))
    rule, rate = match[1], float(match[3])
    if rule not in scenario.deadlines:
        raise DrillsimError(_("target {text}: {problem}").format(
            text=repr(text), problem=unknown_name("deadline rule", rule, scenario.deadlines)))
    if not 0 <= rate <= 1:
        raise DrillsimError(_("target {text}: the rate must be between 0 and 1").format(text=repr(text)))
    return Target(rule, rate)


def target_verdict(rule: Mapping[str, Any], target: Target) -> str:
    """One rate against its target, as `drillsim sweep` marks it: `undecided` (`?`) when its 95 % interval
    contains the target, else `met` or `not met` by the rate; a rule that applied to nothing is `not met`."""
    rate, low, high = (as_float(rule[k]) for k in ("rate", "low", "high"))
    if math.isnan(rate):
        return NOT_MET
    if not math.isnan(low) and low < target.rate <= high:
        return UNDECIDED
    return MET if rate >= target.rate else NOT_MET


def verdict(rate: float | None, low: float | None, high: float | None, target: float) -> str:
    """A hit rate against its target as `drillsim sweep` marks it: `met`, `not met`, or `undecided` (its `?`)
    when the 95 % interval contains the target and more replications would tell."""
    return target_verdict({"rate": rate, "low": low, "high": high}, Target("rate", target))


def meets(rule: Mapping[str, Any], target: Target) -> bool:
    """Whether the rate itself reaches the target, whatever its interval."""
    rate = rule["rate"]
    return rate is not None and not math.isnan(rate) and rate >= target.rate


def as_float(value: Any) -> float:
    """A rate, bound or mean as a float: None (JSON's null) as NaN."""
    return math.nan if value is None else float(value)


__all__ = ["LOAD", "MET", "NOT_MET", "UNDECIDED", "Target", "as_float", "meets", "parse_target", "target_verdict",
           "verdict"]
