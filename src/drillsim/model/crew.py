"""A limited, shifted group of people who take tasks first come, first served.

SimPy's Resource has a fixed capacity; the people of a community's chain come
and go with shifts and absences. A Crew grants whole tasks in arrival order
to whoever is on duty; a shift change never interrupts a task in hand, it
only changes how many tasks can be taken from then on.
"""

from __future__ import annotations

from collections import deque

import simpy


class Claim(simpy.Event):
    """A request for `units` people of a crew; triggered when granted."""

    __slots__ = ("crew", "units")

    def __init__(self, crew: Crew, units: int) -> None:
        simpy.Event.__init__(self, crew.env)
        self.crew = crew
        self.units = units

    def withdraw(self) -> None:
        """Give the claim back: leave the queue, or free the people if already granted."""
        if self.triggered:
            self.crew.release(self.units)
        else:
            self.crew.queue.remove(self)
            self.crew._grant()


class Crew:
    """FIFO service by an on-duty headcount that follows a schedule."""

    def __init__(self, env: simpy.Environment, name: str, schedule: tuple[tuple[int, int], ...]) -> None:
        self.env = env
        self.name = name
        self.peak = max((count for _, count in schedule), default=0)
        self.on_duty = schedule[0][1] if schedule and schedule[0][0] == 0 else 0
        self.in_use = 0
        self.queue: deque[Claim] = deque()
        changes = [(time, count) for time, count in schedule if time > 0]
        if changes:
            env.process(self._follow(changes))

    def claim(self, units: int = 1) -> Claim:
        """Ask for `units` people; more than the crew ever has is capped at its peak."""
        claim = Claim(self, units if units == 1 else self._capped(units))
        self.queue.append(claim)
        self._grant()
        return claim

    def take(self, units: int = 1) -> int:
        """Take people at once if they are free and nobody waits: how many were taken (0: claim and wait).

        What `claim` would grant at once, without an event to wait for.
        """
        if units != 1:
            units = self._capped(units)
        if self.queue or self.in_use + units > self.on_duty:
            return 0
        self.in_use += units
        return units

    def release(self, units: int) -> None:
        self.in_use -= units
        if self.queue:
            self._grant()

    def _capped(self, units: int) -> int:
        """At least one person, and no more than the crew ever has (one person is always within the cap)."""
        return max(1, min(units, self.peak)) if self.peak else units

    def _grant(self) -> None:
        """Hand people to the claims at the head of the queue while enough are free."""
        while self.queue and self.in_use + self.queue[0].units <= self.on_duty:
            claim = self.queue.popleft()
            self.in_use += claim.units
            claim.succeed()

    def _follow(self, changes: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
        for time, count in changes:
            yield self.env.timeout(time - self.env.now)
            self.on_duty = count
            self._grant()
