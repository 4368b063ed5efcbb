"""What is computed once per scenario: readers ask again for the scenario they asked for last, incident after
incident and replication after replication, and a scenario never changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from drillsim.scenario.schema import Scenario

T = TypeVar("T")


def per_scenario(build: Callable[[Scenario], T]) -> Callable[[Scenario], T]:
    """`build` for the scenario it was last asked for is answered at once, without hashing the scenario (an
    identity check: another scenario, even an equal one, is built afresh)."""
    last: list[tuple[Scenario, T]] = []

    @wraps(build)
    def cached(scenario: Scenario) -> T:
        if last and last[0][0] is scenario:
            return last[0][1]
        value = build(scenario)
        last[:] = [(scenario, value)]
        return value

    return cached


__all__ = ["per_scenario"]
