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
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drillsim.model.records import StepRecord, VerdictRecord

Histogram = Counter[int]
"""How many times each value (seconds) occurred."""

Sample = array
"""Every value (seconds, `array("q")`), in no particular order: what the order statistics of mostly distinct values
are computed from (drillsim.results.metrics sorts it)."""

STATUSES = ("met", "missed", "pending")


def total(histogram: Histogram) -> int:
    """The sum of the values, exact."""
    return sum(value * count for value, count in histogram.items())


def mean(histogram: Histogram) -> float:
    """np.mean of the values: their sum is exact, so one rounding in the division, as numpy's."""
    return total(histogram) / histogram.total()


def quantile(histogram: Histogram, q: float) -> float:
    """np.quantile(values, q) with numpy's default 'linear' method, operation for operation."""
    nth = _order(histogram)
    size = histogram.total()
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
