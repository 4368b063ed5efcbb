"""Results of a run: tidy frames built from the records, and the figures computed from them.

`Results` and `RecordsNotKept` load on first use (drillsim.results.results), so
that a worker process importing `Tally` to sum up its replication does not
pay for pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drillsim.results.tally import Tally

if TYPE_CHECKING:
    from drillsim.results.results import RecordsNotKept, Results


def __getattr__(name: str) -> Any:
    if name in ("RecordsNotKept", "Results"):
        from drillsim.results import results
        return getattr(results, name)
    raise AttributeError(f"module 'drillsim.results' has no attribute {name!r}")


__all__ = ["RecordsNotKept", "Results", "Tally"]
