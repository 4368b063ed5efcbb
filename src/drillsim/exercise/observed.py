"""What a drill log measured of each step: its duration, and how much of it is known.

A step's span in a drill runs from when everything it waits for was reached to
its own milestone (the evaluation's reading of a log: `evaluate.drill_steps`).
The span holds more than the step's work, and a log does not say how much:
- the report's way over the first channel (and a transit of its own) comes on top
  of the work: its delay in the plan is taken off;
- a time of day that slows the step (discovery at night) multiplies the work:
  the span is divided by the plan's factor, so that what is measured is the
  base duration the plan writes;
- an actor busy with another incident's step has the step wait: when the log
  shows more of the actor's steps open at once than the actor has people on
  duty, the span is only an upper bound on the work (`at_most`);
- a log written to the minute times a span to within a minute either way
  (`within`);
- a step not recorded by the end of the drill took at least as long as it had
  been open (`at_least`), unless a later step of the same incident was
  recorded: the players then did it and did not write it down, and nothing is
  known of it (`missing`, left out of every fit).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from drillsim.exercise.drilllog import Entry, replay
from drillsim.exercise.evaluate import drill_steps
from drillsim.exercise.played import DrillIncident, to_record
from drillsim.model.channels import Channels
from drillsim.model.staffing import Role, count_at, holders_of, team_roles, teams_of
from drillsim.scenario.flow import flow_of
from drillsim.scenario.schema import Dist, Scenario, factor_at

Kind = Literal["exact", "within", "at_most", "at_least", "missing"]
MINUTE = 60


@dataclass(frozen=True, slots=True)
class Observation:
    """One step instance of one drill, as the log measured it (seconds of work, by `kind`)."""

    log: str
    incident: str
    step: str
    change: int
    duration: str
    """The plan's duration the step takes (`verify`)."""
    variant: str
    """Which of that duration's distributions applied: `base`, `category:<name>` or `level:<name>`."""
    actor: str
    kind: Kind
    seconds: float
    """The work: exact, the middle of a to-the-minute span, an upper or a lower bound (0 when missing)."""
    spread: float = 0.0
    """For `within`: the work lies in seconds ± spread."""
    category: str = ""
    level: str = ""
    """The incident's category and (judged) level: what a split of the duration by the data groups by."""


def variant_of(dist: Dist, category: str, level: str) -> str:
    """Which of a duration's distributions an incident draws from, as `Dist.resolve` picks it."""
    if category in dist.by_category:
        return f"category:{category}"
    if level in dist.by_level:
        return f"level:{level}"
    return "base"


def to_the_minute(entries: Sequence[Entry]) -> bool:
    """Whether a log was written to the minute: every time it records is a whole minute."""
    times = [entry.time for entry in entries if entry.time is not None]
    return bool(times) and all(time % MINUTE == 0 for time in times)


def observations(scenario: Scenario, incidents: Iterable[DrillIncident], entries: Sequence[Entry],
                 log: str = "") -> list[Observation]:
    """Every step instance whose start the log shows, measured (steps without a duration are left out): a step
    right after one the players did not write down has no start to be timed from."""
    records = replay(entries)
    horizon = max((entry.time for entry in entries if entry.time is not None), default=0)
    played = [incident for incident in incidents if incident.id in records]
    checked = {incident.id: to_record(scenario, incident, records[incident.id].reached, records[incident.id].levels,
                                      horizon) for incident in played}
    flow = flow_of(scenario)
    rows = [(incident, row) for incident in played for row in drill_steps(scenario, incident, checked[incident.id])]
    timed = [all(key in checked[incident.id].milestones
                 for key in flow.awaited(flow[row["step"]], row["change"], len(incident.changes)))
             for incident, row in rows]
    minute = to_the_minute(entries)
    reached = {incident.id: set(records[incident.id].reached) for incident in played}
    ends = [_done_by(scenario, row, records[incident.id].reached, horizon) for incident, row in rows]
    starts = [int(row["queued"]) if known else _began_by(scenario, row, checked[incident.id].milestones, end)
              for (incident, row), known, end in zip(rows, timed, ends, strict=True)]
    busy = _Busy(scenario, [row for _, row in rows], starts, ends)
    return [observation for (incident, row), known in zip(rows, timed, strict=True) if known
            for observation in _observed(scenario, incident, row, log, minute, busy, reached[incident.id], horizon)]


def _observed(scenario: Scenario, incident: DrillIncident, row: dict[str, object], log: str, minute: bool,
              busy: _Busy, reached: set[str], horizon: int) -> Iterator[Observation]:
    flow = flow_of(scenario)
    node = flow[str(row["step"])]
    name = node.step.duration
    if name is None or name not in scenario.durations:
        return
    dist = scenario.durations[name]
    start, end, change = int(row["queued"]), row["finished"], int(row["change"])  # type: ignore[call-overload]
    factor = factor_at(dist.time_of_day, incident.occurred) if dist.time_of_day else 1.0
    transit = _transit(scenario, node.step.report, start)
    common = dict(log=log, incident=incident.id, step=node.id, change=change, duration=name,
                  variant=variant_of(dist, incident.category, incident.level), actor=str(row["actor"]),
                  category=incident.category, level=incident.level)
    if end is None:
        later = {flow.key(flow[after].milestone, change) for after in flow.descendants(node.id)}
        if later & reached or busy.waited(row):
            # skipped in the log; or open at the end while its people were busy: its work may not have begun,
            # so the open span bounds it neither way
            yield Observation(**common, kind="missing", seconds=0.0)  # type: ignore[arg-type]
        elif horizon - start - transit > 0:
            yield Observation(**common, kind="at_least",  # type: ignore[arg-type]
                              seconds=(horizon - start - transit) / factor)
        return
    work = max(0.0, (int(end) - start - transit) / factor)  # type: ignore[call-overload]
    if busy.waited(row):
        yield Observation(**common, kind="at_most", seconds=work)  # type: ignore[arg-type]
    elif minute:
        yield Observation(**common, kind="within", seconds=work, spread=MINUTE / factor)  # type: ignore[arg-type]
    else:
        yield Observation(**common, kind="exact", seconds=work)  # type: ignore[arg-type]


def _done_by(scenario: Scenario, row: dict[str, object], reached: Mapping[str, int], horizon: int) -> int:
    """When a step was over at the latest: its milestone; unrecorded, the first later step's recorded milestone
    (it was done by then), else the end of the drill."""
    if row["finished"] is not None:
        return int(row["finished"])  # type: ignore[call-overload]
    flow = flow_of(scenario)
    change = int(row["change"])  # type: ignore[call-overload]
    later = [reached[key] for after in flow.descendants(str(row["step"]))
             if (key := flow.key(flow[after].milestone, change)) in reached]
    return min(later, default=horizon)


def _began_by(scenario: Scenario, row: dict[str, object], milestones: Mapping[str, int], end: int) -> int:
    """For a step whose start the log hides (one it waits for was not written down), the earliest it can have
    begun: the last milestone recorded before its end of a step it comes after (the occurrence at the earliest).
    It is timed from nothing, but it may have kept its people busy from then on."""
    flow = flow_of(scenario)
    step, change = str(row["step"]), int(row["change"])  # type: ignore[call-overload]
    before = [milestones[key] for node in flow if step in flow.descendants(node.id)
              if (key := flow.key(node.milestone, change)) in milestones and milestones[key] <= end]
    return max([milestones["occurred"], *before])


def _transit(scenario: Scenario, report: object, at: int) -> float:
    """A report's way to its first receiver in the plan: the first channel found up, and its own transit's mean."""
    if report is None:
        return 0.0
    delay, _ = Channels(scenario.channels).transmission(at)
    own = getattr(report, "transit", None)
    return delay + (scenario.durations[own].mean() if own in scenario.durations else 0.0)


class _Busy:
    """Whether a step may have waited: the people who hold its role were busy with steps ready before it, or
    none of them was on duty.

    The log does not say who did what, so the question is put to the staffing
    the model serves steps with: the holders of each role (`holders_of`; a
    team's step needs its roles' holders, `teams_of`). A step of a role is
    open to waiting when at least as many steps that need one of those
    holders' roles were ready before it and still open as the role has
    holders on duty.
    """

    def __init__(self, scenario: Scenario, rows: list[dict[str, object]], starts: list[int], ends: list[int]) -> None:
        self._holders = holders_of(scenario)
        teams = teams_of(scenario)
        self._rows = rows
        self._starts = starts
        self._ends = ends
        held = {role for holder in self._holders for role in holder.roles}
        self._roles: list[tuple[Role, ...]] = []
        for row in rows:
            role = (str(row["actor"]), str(row["unit"]))
            if role not in held:
                role = (role[0], "")  # the row's unit is the incident's grid: a pool actor's role has none
            team = teams.get(role)
            self._roles.append(tuple(team_roles(team)) if team is not None else (role,))
        self._position = {id(row): i for i, row in enumerate(rows)}

    def _span(self, i: int) -> tuple[int, int]:
        return self._starts[i], self._ends[i]

    def waited(self, row: dict[str, object]) -> bool:
        me = self._position[id(row)]
        start, _ = self._span(me)
        ahead = [i for i in range(len(self._rows)) if i != me and (self._span(i)[0], i) < (start, me)
                 and self._span(i)[1] > start]
        for role in self._roles[me]:
            holders = [h for h in self._holders if role in h.roles]
            if not holders:
                continue  # nobody's role (superiors, an unlimited pool): never waited for
            shared = {r for h in holders for r in h.roles}
            busy = sum(1 for i in ahead if shared.intersection(self._roles[i]))
            if busy + 1 > sum(count_at(h.schedule, start) for h in holders):
                return True
        return False


__all__ = ["Kind", "Observation", "observations", "to_the_minute", "variant_of"]
