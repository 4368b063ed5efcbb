"""The largest numbers drillsim accepts, each with the reason for its size.

A number in a scenario or on the command line counts something a run must
do (replications to simulate, people to schedule, combinations to sweep,
incidents to draw). Each bound is far beyond any real community's and
within what one run can do, and is checked when the input is validated,
never halfway through a run. Kept apart from the schema so that the
command line can name the bounds without importing pydantic.
"""

from __future__ import annotations

from drillsim.i18n import _

MAX_REPLICATIONS = 100_000
"""A hit rate's 95 % interval is then about 0.3 percentage points wide: more replications only cost time."""

MAX_STAFF = 10_000
"""More people on duty than any community's office or grid has (a city district has a few hundred)."""

MAX_SEED = 2**63 - 1
"""A seed fits a 64-bit signed integer, as the result files and frames store it."""

MAX_JOBS = 256
"""A worker process per core of the largest machines; each one is started at once."""

MAX_SWEEP_POINTS = 10_000
"""Combinations of one sweep: each is a whole run, and a city's sweep on a cluster has a few hundred."""

MAX_INCIDENTS = 2_000_000
"""Incidents a replication's streams may bring, on average: twice the largest run measured (a million
incidents in 131 MB, summary only, about three minutes), and centuries of a busy community's incidents."""

MAX_MEAN_CHANGES = 100.0
"""Changes of one streamed incident, on average: each calls for a continuation report; real ones bring a few."""

MAX_CADENCE_REPORTS = 10_000
"""Continuation reports on a cadence that one incident can call for over the horizon."""

MAX_FACTOR = 1000.0
"""A time-of-day factor on a rate or a duration: no hour of the day is a thousand times another."""

MAX_STAFF_HOUR_COST = 1e9
"""The cost of one staff-hour, in any currency: a sweep's costs stay finite when summed."""


def _shown(number: float) -> str:
    text = f"{number:g}" if isinstance(number, float) else str(number)
    return text if len(text) <= 24 else _("a number of {count} digits").format(count=len(text))


def too_large(value: float, limit: float, why: str) -> str:
    """`100001 is more than 100000, the most drillsim accepts (why); expected at most 100000`: one line."""
    return _("{value} is more than {limit}, the most drillsim accepts ({why}); expected at most {limit}").format(
        value=_shown(value), limit=_shown(limit), why=why)


__all__ = ["MAX_CADENCE_REPORTS", "MAX_FACTOR", "MAX_INCIDENTS", "MAX_JOBS", "MAX_MEAN_CHANGES", "MAX_REPLICATIONS",
           "MAX_SEED", "MAX_STAFF", "MAX_STAFF_HOUR_COST", "MAX_SWEEP_POINTS", "too_large"]
