"""An incident while the chain handles it, and the moment nothing can move it any more.

A summary-only run hands each incident's records over at that moment and
forgets them, so that memory stays flat however long the run: `Settling`
counts what can still move each open incident (processes at work or in a
queue, changes yet to come) and hands the incident over when the count
reaches zero, or at the horizon.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import simpy

from drillsim.model.clocks import Clocks
from drillsim.model.desk import Desk, Grant
from drillsim.model.incidents import Incident
from drillsim.model.records import IncidentRecord, StepRecord, VerdictRecord
from drillsim.scenario.flow import ONCE

OnIncident = Callable[[IncidentRecord, list[StepRecord], list[VerdictRecord]], None]
"""Receives each incident's records once nothing can change them any more (summary-only runs)."""


@dataclass(slots=True)
class Live:
    """An incident while it is being handled: its level in force, who received what, what can still move it."""

    incident: Incident
    record: IncidentRecord
    level: str
    remaining: dict[tuple[str, int], int]
    """How many completions each step instance still waits for."""
    steps: list[StepRecord]
    """Where its step records go: the chain's own list, or the incident's until it is handed over."""
    ahead: tuple[str, ...]
    """The levels it can be put in from its judgement on: the judged one and each change's."""
    receivers: dict[str, str] = field(default_factory=dict)
    level_changed: simpy.Event | None = None
    applied_change: int = ONCE
    """The latest change whose report put its level in force (ONCE: none yet)."""
    active: int = 0
    """Processes that can still move the incident on: steps at work or in a queue, changes yet to come."""
    parked: int = 0
    """Step processes waiting for the level to change: only an active process can wake them."""
    known: list[int | None] | None = None
    """When the chain knows each core element (None: not yet), in the plan's order; None without elements."""
    learning: dict[int, simpy.Event] | None = None
    """The elements a report waits for that are not known yet, each with the event of its being learnt."""
    kept: dict[str, tuple[Desk, Grant, str]] | None = None
    """A team's people kept for its next step of this incident (StepPlan.hands_to): the step's id, and the desk,
    the grant and whom it was served by."""


class Settling:
    """The open incidents of a summary-only run, each handed over once it can no longer change.

    Without `on_incident` every record stays where the chain keeps it and
    nothing is handed over.
    """

    def __init__(self, clocks: Clocks, on_incident: OnIncident | None) -> None:
        self._clocks = clocks
        self.on_incident = on_incident
        self._open: dict[int, Live] = {}

    def open(self, live: Live) -> None:
        """Follow an incident that has just occurred (its records stay with it until it is handed over)."""
        self._open[live.record.incident] = live

    def idle(self, live: Live) -> None:
        """One of the processes that could move the incident on is done or parked."""
        live.active -= 1
        if live.active == 0:
            self.settle(live)

    def park(self, live: Live) -> None:
        """A step waits for the level to change: it cannot move the incident on by itself."""
        live.parked += 1
        self.idle(live)

    def wake(self, live: Live) -> None:
        """The level changed: the parked steps can move the incident on again."""
        live.active += live.parked
        live.parked = 0

    def settle(self, live: Live) -> None:
        """Nothing can move this incident any more: hand its records over (summary-only runs)."""
        if self.on_incident is not None and self._open.pop(live.record.incident, None) is not None:
            self.on_incident(live.record, live.steps, self._clocks.settled(live.record))

    def close(self) -> None:
        """At the horizon: hand over the incidents still open, as they stand."""
        for live in list(self._open.values()):
            self.settle(live)


__all__ = ["Live", "OnIncident", "Settling"]
