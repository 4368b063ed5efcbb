"""Who did the work: each named person, and each role's anonymous staff, from the step records.

A step record names who did it in `people` (drillsim.model.desk.people_of:
`party_secretary+committee_member*2`), or, for a crew of one role's own
staff, leaves it empty and says so by `served_by`, `unit` and `units`. The
work of one replication is summed per kind of task (who, which actor, served
by whom, in which unit, how many), the same from the records of every step as
from a running Tally, and only then shared out among holders and the roles
they filled, with the scenario: a kind of task recurs thousands of times, so
each is resolved once. Plain dicts (no pandas), for the Tally's worker
processes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drillsim.model.staffing import HolderSpec, Role, TeamSpec, holders_of, teams_of
from drillsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from drillsim.model.records import StepRecord

TaskKind = tuple[str, str, str, str, int]
"""(people, actor, served_by, unit, units) of a step record: everything that says who did it."""

Share = tuple[str, int, Role]
"""(holder, how many of its people, the role they filled)."""


def task_seconds(started: int, finished: int | None, paused: int, horizon: int, warm_up: int) -> int:
    """How long a task held its people from the warm-up on: up to the horizon for work still going on, without the
    time a preemptive crew paused it (its people were then another task's). A pause is taken to fall after the
    warm-up: the record says how long, not when."""
    end = horizon if finished is None else min(finished, horizon)
    return max(0, end - max(started, warm_up) - paused)


@dataclass
class PeopleAggregate:
    """One replication's started steps per kind of task: the seconds they held their people, and how many."""

    seconds: dict[TaskKind, int] = field(default_factory=dict)
    """From the warm-up on, of every started step (whoever's incident)."""
    tasks: Counter[TaskKind] = field(default_factory=Counter)
    """Steps started of the incidents counted (not a warm-up incident's)."""

    def add(self, step: StepRecord, horizon: int, warm_up: int = 0, *, counted: bool = True) -> None:
        if step.started is None:
            return
        kind = (step.people, step.actor, step.served_by, step.unit, step.units)
        seconds = task_seconds(step.started, step.finished, step.paused, horizon, warm_up)
        self.seconds[kind] = self.seconds.get(kind, 0) + seconds
        if counted:
            self.tasks[kind] += 1

    def update(self, other: PeopleAggregate) -> None:
        for kind, seconds in other.seconds.items():
            self.seconds[kind] = self.seconds.get(kind, 0) + seconds
        self.tasks.update(other.tasks)


def holder_name(holder: HolderSpec) -> str:
    """A holder as a step's people name it: the person's id, or the role of anonymous staff (`grid_worker:grid_1`)."""
    return holder.name or role_name(holder.roles[0])


def role_name(role: Role) -> str:
    return f"{role[0]}:{role[1]}" if role[1] else role[0]


class Sharer:
    """Shares a kind of task out among the holders who did it, each with the role they filled in it."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.holders = {holder_name(h): h for h in holders_of(scenario)}
        self.teams: dict[tuple[str, str], TeamSpec] = teams_of(scenario)
        self.peak = {name: max((count for _, count in h.schedule), default=0) for name, h in self.holders.items()}
        self._cache: dict[TaskKind, list[Share]] = {}

    def shares(self, kind: TaskKind) -> list[Share]:
        cached = self._cache.get(kind)
        if cached is None:
            cached = self._cache[kind] = self._resolve(kind)
        return cached

    def _role(self, actor: str, unit: str) -> Role:
        """A role as a step record's actor and unit give it (a pool role has no unit)."""
        return (actor, unit if self.scenario.actors[actor].kind == "per_grid" else "")

    def _resolve(self, kind: TaskKind) -> list[Share]:
        people, actor, served_by, unit, units = kind
        if not people:
            # A crew of one role's own staff: served_by says which (the stand-in's, when they took it).
            if served_by not in self.scenario.actors:
                return []
            name = role_name(self._role(served_by, unit))
            if name not in self.holders:
                return []  # an unlimited actor, a superior: nobody's role
            return [(name, min(units, self.peak[name]) if self.peak[name] else units, self._role(served_by, unit))]
        tokens = [token.rpartition("*") if "*" in token else (token, "", "1") for token in people.split("+")]
        team = self.teams.get((actor, unit if self.scenario.actors[actor].kind == "working_group" else ""))
        out: list[Share] = []
        for i, (name, _, count) in enumerate(tokens):
            holder = self.holders.get(name)
            if holder is None:
                continue
            if team is None:
                role = self._role(served_by, unit)
            elif i == 0 and team.leader is not None:
                # A team's leader comes first; a stand-in who led it is named by served_by.
                role = team.stand_in[0] if team.stand_in is not None and served_by == team.stand_in[0][0] \
                    else team.leader
            else:
                role = next((r for r in team.members if r in holder.roles), holder.roles[0])
            out.append((name, int(count), role))
        return out


__all__ = ["PeopleAggregate", "Share", "Sharer", "TaskKind", "holder_name", "role_name", "task_seconds"]
