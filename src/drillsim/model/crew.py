"""A limited, shifted group of people who hold one role only and take its tasks in order.

SimPy's Resource has a fixed capacity; the people of a community's chain come
and go with shifts and absences. A Crew grants whole tasks to whoever is on
duty, in arrival order or, under a policy, in the order of each task's
priority (then arrival); a shift change never interrupts a task in hand, it
only changes how many tasks can be taken from then on. A preemptive crew
pauses the task in hand of the worst priority for a better one that would
wait (drillsim.model.chain resumes it with its remaining work).
"""

from __future__ import annotations

import bisect
from collections import deque

import simpy


class Claim(simpy.Event):
    """A request for `units` people of a crew; triggered when granted."""

    __slots__ = ("crew", "order", "units")

    def __init__(self, crew: Crew, units: int, order: tuple[float, int] | None = None) -> None:
        simpy.Event.__init__(self, crew.env)
        self.crew = crew
        self.units = units
        self.order = order

    def withdraw(self) -> None:
        """Give the claim back: leave the queue, or free the people if already granted."""
        if self.triggered:
            self.crew.release(self.units)
        else:
            self.crew.queue.remove(self)
            self.crew._grant()


class Task:
    """A task in hand of a preemptive crew: what it would be paused for."""

    __slots__ = ("order", "process", "units")

    def __init__(self, order: tuple[float, int], units: int, process: simpy.Process) -> None:
        self.order = order
        self.units = units
        self.process = process


class Crew:
    """Service in order by an on-duty headcount that follows a schedule."""

    def __init__(self, env: simpy.Environment, name: str, schedule: tuple[tuple[int, int], ...],
                 policy: str = "fcfs", preemptive: bool = False) -> None:
        self.env = env
        self.name = name
        self.peak = max((count for _, count in schedule), default=0)
        self.on_duty = schedule[0][1] if schedule and schedule[0][0] == 0 else 0
        self.in_use = 0
        self.queue: deque[Claim] = deque()
        self.policy = policy
        self.ordered = policy != "fcfs" or preemptive
        """Whether claims carry an order (a priority, then arrival) instead of joining the end of the queue."""
        self.preemptive = preemptive
        self.running: list[Task] = []
        """The tasks in hand of a preemptive crew."""
        self._arrivals = 0
        changes = [(time, count) for time, count in schedule if time > 0]
        if changes:
            env.process(self._follow(changes))

    def order(self, priority: float = 0.0) -> tuple[float, int]:
        """A claim's place: its priority (lower first), then its arrival."""
        self._arrivals += 1
        return (priority, self._arrivals)

    def claim(self, units: int = 1, order: tuple[float, int] | None = None) -> Claim:
        """Ask for `units` people; more than the crew ever has is capped at its peak."""
        claim = Claim(self, units if units == 1 else self._capped(units), order)
        if order is None:
            self.queue.append(claim)
        else:
            bisect.insort(self.queue, claim, key=_order)
        self._grant()
        if self.preemptive and not claim.triggered and order is not None:
            self._preempt(order)
        return claim

    def start(self, units: int, order: tuple[float, int], process: simpy.Process) -> Task:
        """A preemptive crew's task is in hand: it may be paused for a better one from now on."""
        task = Task(order, units, process)
        self.running.append(task)
        return task

    def finish(self, task: Task) -> None:
        self.running.remove(task)

    def _preempt(self, order: tuple[float, int]) -> None:
        """Pause the task in hand of the worst order, if it is worse than the waiting claim's, and give its people
        to the queue (its process is interrupted and claims them back with its own order)."""
        victim = max(self.running, key=_order, default=None)
        if victim is None or victim.order <= order:
            return
        self.running.remove(victim)
        victim.process.interrupt(self)
        self.release(victim.units)

    def take(self, units: int = 1) -> int:
        """Take people at once if they are free and nobody waits: how many were taken (0: claim and wait).

        What `claim` would grant at once, without an event to wait for.
        """
        if units != 1:
            units = self._capped(units)
        if self.queue or self.in_use + units > self.on_duty or self.preemptive:  # a task to pause needs its order
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


def _order(item: Claim | Task) -> tuple[float, int]:
    order = item.order
    assert order is not None, "an ordered crew's claims all carry an order"
    return order
