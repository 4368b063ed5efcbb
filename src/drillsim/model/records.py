"""What a run records: flat, typed rows that metrics, plots and reports read afterwards.

Processes append these and never aggregate; every figure drillsim prints is
computed from them in one place (drillsim.results).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class StepRecord:
    """One execution of a flow step for one incident (and, for continuation reports, one change).

    `queued` is when the step could start, `started` when its actor took it,
    `finished` when the work was done, `delivered` when its report reached the
    receiver (None for steps without a report), `acknowledged` when a superior
    acknowledged it. Times are whole seconds; a
    step still running at the horizon keeps None in the later fields.
    `served_by` is the role that did it: the actor's, a stand-in's, or for a
    team's task the role of the one who led it (`units` are then its members).
    """

    replication: int
    incident: int
    step: str
    change: int
    actor: str
    served_by: str
    unit: str
    queued: int
    started: int | None = None
    finished: int | None = None
    delivered: int | None = None
    acknowledged: int | None = None
    receiver: str = ""
    channel: str = ""
    incomplete: bool = False
    units: int = 1
    people: str = ""
    """Who did it when it came from people who share roles or from a team, joined with "+": each person's id, and a
    role's anonymous staff as the role with how many (`party_secretary+committee_member*2`); empty for a crew of
    one role's own staff (`served_by` and `units` say who)."""
    paused: int = 0
    """Seconds the work was paused for a task of a better priority (a preemptive crew)."""
    carried: str = ""
    """The core elements the report carried when first sent, joined with "+" in the plan's order."""
    missing: str = ""
    """The elements it had to carry that were not known yet when first sent: the receiver's follow-up asked for
    them (or, with the practice `wait`, the report waited for them)."""


@dataclass(slots=True)
class IncidentRecord:
    """One incident: what it was, how it was judged, and when each milestone was reached.

    `milestones` maps a milestone name to its time; per-change milestones are
    named `name#k` for change k (0-based). `level_history` holds (time, level)
    for each time the level in force changed (a tuple: no list for the many
    incidents whose level never changes).
    """

    replication: int
    incident: int
    source: str
    parent: int | None
    category: str
    example: str
    description: str
    grid: str
    level: str
    judged_level: str
    final_level: str
    major_class: str | None
    command_post_required: bool
    occurred: int
    closed: int | None = None
    changes: tuple[int, ...] = ()
    milestones: dict[str, int] = field(default_factory=dict)
    level_history: tuple[tuple[int, str], ...] = ()
    ticks: tuple[int, ...] = ()
    """The changes that are continuation reports on the scenario's cadence: those after the closure are not due."""

    def level_at(self, time: int) -> str:
        """The level in force at a time (the judged one from the judgement on, until corrected)."""
        level = self.level
        for when, value in self.level_history:
            if when <= time:
                level = value
        return level


@dataclass(slots=True)
class VerdictRecord:
    """One deadline rule checked for one incident (and one change, for continuation reports).

    `status` is `met`, `missed`, or `pending` when the clock was still running
    at the horizon. `slack` is deadline minus report time in seconds (negative
    when late); for a report never made, it is None and `late_at_least` says
    how far past the deadline the horizon was.
    """

    replication: int
    incident: int
    rule: str
    change: int
    level: str
    category: str
    start: int | None
    deadline: int | None
    end: int | None
    slack: int | None
    status: str
    late_at_least: int | None = None


@dataclass(frozen=True, slots=True)
class StaffingRecord:
    """How many of an actor (or of one grid's workers) were on duty from `time` on."""

    replication: int
    actor: str
    unit: str
    time: int
    on_duty: int


# One factory per record type, called by keyword: each record's field order is written only here, beside its
# fields, so that a caller names every value it sets (benchmarks/PROFILE.md: why these call the class positionally).


def step_record(*, replication: int, incident: int, step: str, change: int, actor: str, unit: str, queued: int,
                units: int) -> StepRecord:
    """A step instance as it is queued: served by its own actor unless a stand-in takes it, nothing done yet."""
    return StepRecord(replication, incident, step, change, actor, actor, unit, queued, None, None, None, None, "", "",
                      False, units)


def incident_record(*, replication: int, incident: int, source: str, parent: int | None, category: str,
                    example: str, description: str, grid: str, level: str, judged_level: str,
                    major_class: str | None, command_post_required: bool, occurred: int, changes: tuple[int, ...],
                    milestones: dict[str, int]) -> IncidentRecord:
    """An incident as it occurs: at its own level so far, open, with its changes yet to come."""
    return IncidentRecord(replication, incident, source, parent, category, example, description, grid, level,
                          judged_level, level, major_class, command_post_required, occurred, None, changes, milestones)


def verdict_record(*, replication: int, incident: int, rule: str, change: int, level: str, category: str,
                   start: int | None, deadline: int | None, end: int | None, slack: int | None, status: str,
                   late_at_least: int | None) -> VerdictRecord:
    """A deadline rule checked for one incident (and change)."""
    return VerdictRecord(replication, incident, rule, change, level, category, start, deadline, end, slack, status,
                         late_at_least)
