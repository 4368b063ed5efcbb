"""Who is on duty when: every crew's schedule, from the scenario alone.

Staffing draws nothing, so it is the same in every replication: it is
computed here when asked for, not recorded by each replication nor sent back
from workers. The chain builds its crews from the same schedules.
"""

from __future__ import annotations

from collections.abc import Iterable

from drillsim.model.records import StaffingRecord
from drillsim.scenario.schema import Scenario

Schedule = tuple[tuple[int, int], ...]
"""((time, on duty), ...) at each change of the count, from time 0 on."""


def crew_schedules(scenario: Scenario) -> list[tuple[str, str, Schedule]]:
    """(actor, unit, schedule) of every crew, in the scenario's actor order and, per grid, the grid order.

    A pool is one crew (unit ""); a per-grid actor is one crew per grid; the
    other actors are nobody's crew and are not limited.
    """
    horizon = scenario.horizon
    out: list[tuple[str, str, Schedule]] = []
    for actor_id, actor in scenario.actors.items():
        staffing = scenario.staffing_of(actor_id)
        if actor.kind == "pool":
            out.append((actor_id, "", staffing.schedule(horizon)))
        elif actor.kind == "per_grid":
            out.extend((actor_id, grid, staffing.for_grid(grid).schedule(horizon)) for grid in staffing.grids)
    return out


def staffing_records(scenario: Scenario, replications: Iterable[int]) -> list[StaffingRecord]:
    """Every crew's on-duty count from each change on, as rows of each of these replications.

    The schedules are computed once: every replication has the same.
    """
    schedules = crew_schedules(scenario)
    return [StaffingRecord(replication=replication, actor=actor, unit=unit, time=time, on_duty=count)
            for replication in replications for actor, unit, schedule in schedules for time, count in schedule]


__all__ = ["Schedule", "crew_schedules", "staffing_records"]
