"""People who hold several roles: each person is one resource, whichever role a task comes from.

The plan puts one party secretary at the head of the leadership group, of
all eight working groups and of the command post, and draws the reserve
team from the grid workers and police who also do their own work. A Desk
serves the roles that share people: a task asks for parts (one leader, three
members drawn from these roles...), and is granted all of them at once or
waits. Waiting tasks are served in their order (arrival, or the policy's
priority); a task that cannot be granted holds back the later tasks that
ask for a part it cannot fill, as a Crew's queue does, so a team that needs
six people is not starved by a stream of one-person tasks, while its
stand-in's request, which shares the members' part, can still be granted.
A shift change never interrupts a task in hand.

A role that nobody shares, held by anonymous staff only, is a plain Crew
(drillsim.model.crew): a Desk of one anonymous holder and one role grants
the same tasks at the same times.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import simpy

Grant = list[tuple["Holder", int]]
"""Who was given to a task: each holder and how many of its people."""


class Holder:
    """A named person (on duty 0 or 1), or the anonymous staff of one role (a count that follows its schedule)."""

    __slots__ = ("in_use", "name", "on_duty", "peak")

    def __init__(self, name: str, schedule: tuple[tuple[int, int], ...]) -> None:
        self.name = name
        """The person's id, or for a role's anonymous staff the role (`office`, `grid_worker:grid_1`)."""
        self.on_duty = schedule[0][1] if schedule and schedule[0][0] == 0 else 0
        self.peak = max((count for _, count in schedule), default=0)
        self.in_use = 0


class Part:
    """Who may fill one part of a task: the holders of any of its roles, in the order they are asked."""

    __slots__ = ("holders", "name", "peak")

    def __init__(self, name: str, holders: Sequence[Holder]) -> None:
        self.name = name
        self.holders = tuple(holders)
        self.peak = sum(holder.peak for holder in self.holders)

    @property
    def on_duty(self) -> int:
        return sum(holder.on_duty for holder in self.holders)


class DeskClaim(simpy.Event):
    """A request for parts of a desk's people; triggered when all are granted (`units` is then the grant)."""

    __slots__ = ("crew", "order", "parts", "units", "wanted")

    def __init__(self, desk: Desk, parts: tuple[tuple[Part, int], ...], order: tuple[float, int]) -> None:
        simpy.Event.__init__(self, desk.env)
        self.crew: Desk | Seat = desk
        self.parts = parts
        self.wanted = frozenset(part for part, _ in parts)
        """Its parts, to tell at once whether a part it asks for is held back."""
        self.order = order
        self.units: Grant = []

    def withdraw(self) -> None:
        """Give the claim back: leave the queue, or free the people if already granted."""
        crew = self.crew
        desk = crew.desk if isinstance(crew, Seat) else crew
        if self.triggered:
            desk.release(self.units)
        else:
            desk.waiting.remove(self)
            desk._grant()


class Desk:
    """The people of a group of roles that share them, and the tasks waiting for them, best first."""

    def __init__(self, env: simpy.Environment, holders: Sequence[tuple[Holder, tuple[tuple[int, int], ...]]],
                 policy: str = "fcfs") -> None:
        self.env = env
        self.holders = [holder for holder, _ in holders]
        self.waiting: list[DeskClaim] = []
        self.policy = policy
        self.ordered = policy != "fcfs"
        self.preemptive = False
        """People who hold several roles are not paused (the loader refuses `preempt` for a shared role)."""
        self._arrivals = 0
        for holder, schedule in holders:
            changes = [(time, count) for time, count in schedule if time > 0]
            if changes:
                env.process(self._follow(holder, changes))

    def order(self, priority: float = 0.0) -> tuple[float, int]:
        """A claim's place: its priority (lower first; all equal first come, first served), then its arrival."""
        self._arrivals += 1
        return (priority, self._arrivals)

    def take(self, parts: tuple[tuple[Part, int], ...]) -> Grant | None:
        """The people for these parts at once, if they are free and no waiting task is held up for any of the parts
        (what `claim` would grant at once, without an event to wait for)."""
        if self.waiting:
            short = self._short()
            if any(part in short for part, _ in parts):
                return None
        return self._fill(parts)[0]

    def claim(self, parts: tuple[tuple[Part, int], ...], order: tuple[float, int] | None = None) -> DeskClaim:
        claim = DeskClaim(self, tuple((part, _capped(part, units)) for part, units in parts),
                          order if order is not None else self.order())
        bisect.insort(self.waiting, claim, key=_order)
        self._grant()
        return claim

    def release(self, grant: Grant) -> None:
        for holder, count in grant:
            holder.in_use -= count
        if self.waiting:
            self._grant()

    def _fill(self, parts: tuple[tuple[Part, int], ...]) -> tuple[Grant | None, list[Part] | None]:
        """Give every part its people now (a person fills one part of a task only): the grant, or, when a part
        cannot be filled, nobody given and the parts that cannot be."""
        grant: Grant = []
        missing: list[Part] | None = None
        for part, units in parts:
            needed = units
            for holder in part.holders:
                free = holder.on_duty - holder.in_use
                if free > 0:
                    count = free if free < needed else needed
                    holder.in_use += count
                    grant.append((holder, count))
                    needed -= count
                    if not needed:
                        break
            if needed:
                if missing is None:
                    missing = [part]
                else:
                    missing.append(part)
        if missing is None:
            return grant, None
        self._unfill(grant)
        return None, missing

    def _grant(self) -> None:
        """Grant the waiting tasks in order while their people are free. A task that must wait holds back the later
        tasks that ask for a part it cannot fill (six members of the reserve team are not taken one by one by
        smaller tasks), but not those that ask for other parts, even of the same people: a person free for one
        task is not kept idle for a task that waits for someone else (the same task asked of the leader's
        stand-in, say, which shares the members' part)."""
        blocked: set[Part] = set()
        i = 0
        waiting = self.waiting
        while i < len(waiting):
            claim = waiting[i]
            if blocked and not blocked.isdisjoint(claim.wanted):
                i += 1
                continue
            grant, missing = self._fill(claim.parts)
            if grant is None:
                blocked.update(missing or ())
                i += 1
                continue
            del waiting[i]
            claim.units = grant
            claim.succeed()

    def _short(self) -> set[Part]:
        """The parts the waiting tasks hold back (as `_grant` found them: no waiting task can be granted now)."""
        blocked: set[Part] = set()
        for claim in self.waiting:
            if not blocked or blocked.isdisjoint(claim.wanted):
                grant, missing = self._fill(claim.parts)
                if grant is not None:  # granted by the next `_grant`, not held back: give the people back
                    self._unfill(grant)
                blocked.update(missing or ())
        return blocked

    @staticmethod
    def _unfill(grant: Grant) -> None:
        for holder, count in grant:
            holder.in_use -= count

    def _follow(self, holder: Holder, changes: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
        for time, count in changes:
            yield self.env.timeout(time - self.env.now)
            holder.on_duty = count
            self._grant()


class Seat:
    """One role of a desk, used as a Crew is: a task for `units` people of this role alone."""

    __slots__ = ("desk", "name", "one", "ordered", "part", "policy")

    preemptive = False
    """A person who holds several roles is not paused (the loader refuses `preempt` for a shared role)."""

    def __init__(self, desk: Desk, part: Part) -> None:
        self.desk = desk
        self.part = part
        self.one = ((part, 1),)
        """The parts of a one-person task, built once."""
        self.name = part.name
        self.policy = desk.policy
        self.ordered = desk.ordered

    def order(self, priority: float = 0.0) -> tuple[float, int]:
        return self.desk.order(priority)

    @property
    def on_duty(self) -> int:
        """The role's people on duty (some may be at work for another of their roles)."""
        return self.part.on_duty

    def take(self, units: int = 1) -> Grant | None:
        return self.desk.take(self.one if units == 1 else ((self.part, _capped(self.part, units)),))

    def claim(self, units: int = 1, order: tuple[float, int] | None = None) -> DeskClaim:
        claim = self.desk.claim(((self.part, units),), order)
        claim.crew = self
        return claim

    def release(self, grant: Grant) -> None:
        self.desk.release(grant)


class Team:
    """A team's task on its desk: one person of the leader's role (or, after the hand-over, of the stand-in's) and
    some of the people of the member roles, all at once."""

    __slots__ = ("desk", "leader", "members", "name", "stand_in")

    def __init__(self, name: str, desk: Desk, leader: Part | None, stand_in: tuple[Part, int] | None,
                 members: Part | None) -> None:
        self.name = name
        self.desk = desk
        self.leader = leader
        self.stand_in = stand_in
        self.members = members

    def parts(self, members: int, leader: Part | None = None) -> tuple[tuple[Part, int], ...]:
        """The parts of a task with this many members, led by the leader's role or the given one."""
        lead = leader or self.leader
        return (*(((lead, 1),) if lead is not None else ()),
                *(((self.members, _capped(self.members, members)),) if self.members is not None else ()))


def people_of(grant: Grant) -> str:
    """Who a grant gave, joined with "+": each person's id, and a role's anonymous staff as the role with how many
    (`party_secretary+committee_member*2`)."""
    if len(grant) == 1 and grant[0][1] == 1:  # one person: most tasks
        return grant[0][0].name
    return "+".join(f"{holder.name}*{count}" if count > 1 else holder.name for holder, count in grant)


def _capped(part: Part, units: int) -> int:
    """At least one person, and no more than the part ever has (as a Crew caps a claim)."""
    return max(1, min(units, part.peak)) if part.peak else units


def _order(claim: DeskClaim) -> tuple[float, int]:
    return claim.order


__all__ = ["Desk", "DeskClaim", "Grant", "Holder", "Part", "Seat", "Team", "people_of"]
