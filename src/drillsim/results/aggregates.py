"""What the rule and actor tables are computed from: counts, histograms and sums, never the records themselves.

The record frames and a streaming `Tally` both reduce to these, so a run that
keeps only summaries gets the same tables as one that keeps every record.
Plain dicts, Counters and arrays (no pandas): cheap to import, to pickle back
from a worker and to merge over replications. Times are whole seconds, so sums and
histograms are exact and the statistics below equal numpy's on the expanded
values. Lateness is kept as the values themselves (`Sample`), not a histogram:
the misses' lateness is nearly always a value of its own, and eight bytes a value
keep a long summary-only run's memory flat where a histogram's hundred a value
would not.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from drillsim.model.records import StepRecord, VerdictRecord

Histogram = Counter[int]
"""How many times each value (seconds) occurred."""

Sample = array
"""Every value (seconds, `array("q")`), in no particular order: what the order statistics of mostly distinct values
are computed from (`Ordered`)."""

STATUSES = ("met", "missed", "pending")


def total(histogram: Histogram) -> int:
    """The sum of the values, exact."""
    return sum(value * count for value, count in histogram.items())


def mean(histogram: Histogram) -> float:
    """np.mean of the values: their sum is exact, so one rounding in the division, as numpy's."""
    return total(histogram) / histogram.total()


def quantile(histogram: Histogram, q: float) -> float:
    """np.quantile(values, q) with numpy's default 'linear' method, operation for operation."""
    return _quantile(_order(histogram), histogram.total(), q)


def _quantile(nth: Callable[[int], int], size: int, q: float) -> float:
    virtual = (size - 1) * q
    if virtual >= size - 1:
        return float(nth(size - 1))
    below = math.floor(virtual)
    gamma = virtual - below
    low, high = float(nth(below)), float(nth(below + 1))
    step = high - low
    return high - step * (1 - gamma) if gamma >= 0.5 else low + step * gamma


def _order(histogram: Histogram) -> Callable[[int], int]:
    """The i-th smallest value (0-based) without expanding the histogram."""
    values = sorted(histogram)
    ends = list(accumulate(histogram[value] for value in values))
    return lambda i: values[bisect_right(ends, i)]


class Ordered:
    """The values of several samples in order without putting them together (a long run's misses are many): each
    sample is sorted in place, as its order means nothing, and the i-th smallest of all is found by bisecting on the
    value."""

    def __init__(self, samples: Iterable[Sample[int]]) -> None:
        self.parts = []
        for sample in samples:
            if len(sample):
                values = np.frombuffer(sample, dtype=np.int64)
                values.sort()
                self.parts.append(values)
        self.size = sum(len(part) for part in self.parts)

    def nth(self, i: int) -> int:
        """The i-th smallest value (0-based)."""
        low, high = min(int(part[0]) for part in self.parts), max(int(part[-1]) for part in self.parts)
        while low < high:
            middle = (low + high) // 2
            if sum(int(np.searchsorted(part, middle, side="right")) for part in self.parts) > i:
                high = middle
            else:
                low = middle + 1
        return low

    def median(self) -> float:
        """np.median of the values: the middle one, or the mean of the middle two."""
        size = self.size
        if size % 2:
            return float(self.nth(size // 2))
        return (float(self.nth(size // 2 - 1)) + float(self.nth(size // 2))) / 2

    def quantile(self, q: float) -> float:
        """np.quantile of the values (`quantile`)."""
        return _quantile(self.nth, self.size, q)

    def max(self) -> float:
        return float(max(int(part[-1]) for part in self.parts))


@dataclass
class RuleAggregate:
    """Deadline verdicts counted, and the lateness of the missed ones."""

    counts: Counter[tuple[int, str, str, str]] = field(default_factory=Counter)
    """Verdicts per (replication, rule, level, status)."""
    late: dict[tuple[str, str], Sample[int]] = field(default_factory=dict)
    """Per (rule, level): seconds past the deadline of each missed verdict (metrics.lateness)."""

    def add(self, replication: int, verdict: VerdictRecord) -> None:
        self.counts[(replication, verdict.rule, verdict.level, verdict.status)] += 1
        if verdict.status == "missed":
            late = -verdict.slack if verdict.slack is not None else verdict.late_at_least
            if late is not None:
                self.late.setdefault((verdict.rule, verdict.level), array("q")).append(late)

    def update(self, other: RuleAggregate) -> None:
        self.counts.update(other.counts)
        for key, values in other.late.items():
            self.late.setdefault(key, array("q")).extend(values)


@dataclass
class ActorAggregate:
    """Started steps: person-seconds of work and tasks per crew that served them, waits per actor asked for."""

    busy: dict[str, float] = field(default_factory=dict)
    """Person-seconds of work per `served_by` from the warm-up to the horizon (as metrics.actor_aggregate counts it)."""
    waits: dict[str, Histogram] = field(default_factory=dict)
    """Per step `actor`: seconds from queued to started."""
    tasks: Counter[str] = field(default_factory=Counter)
    """Steps started per `served_by`."""

    def add(self, step: StepRecord, horizon: int, warm_up: int = 0, *, counted: bool = True) -> None:
        """A started step's work from the warm-up on; its wait and task only if `counted` (not a warm-up incident's)."""
        if step.started is None:
            return
        end = horizon if step.finished is None else min(step.finished, horizon)
        work = end - step.started if warm_up == 0 else max(0, end - max(step.started, warm_up))
        units = 1 if step.people and step.served_by != step.actor else step.units  # a team's leader: one person
        self.busy[step.served_by] = self.busy.get(step.served_by, 0) + work * units
        if not counted:
            return
        self.waits.setdefault(step.actor, Counter())[step.started - step.queued] += 1
        self.tasks[step.served_by] += 1

    def update(self, other: ActorAggregate) -> None:
        for actor, seconds in other.busy.items():
            self.busy[actor] = self.busy.get(actor, 0) + seconds
        for actor, histogram in other.waits.items():
            self.waits.setdefault(actor, Counter()).update(histogram)
        self.tasks.update(other.tasks)
