"""The figures of one replication summed up as it runs, so that a long run need not keep every record.

The model adds each incident once it can no longer change and keeps only the
Tally: a few counters instead of thousands of step and verdict records. Small
and picklable (plain dicts, no pandas), so worker processes send it back
cheaply; `Results(..., tallies=...)` computes the same rule and actor tables
from it as from the full records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drillsim.results.aggregates import ActorAggregate, RuleAggregate
from drillsim.results.people import PeopleAggregate

if TYPE_CHECKING:
    from drillsim.model.records import IncidentRecord, StepRecord, VerdictRecord


@dataclass
class Tally:
    """The aggregates of one replication: incidents, verdict counts and lateness, busy time, waits and tasks.

    Only incidents that occur from the scenario's warm-up on are counted;
    busy time is measured from the warm-up on, whoever's incident the work is.
    """

    replication: int
    horizon: int
    """Work still going on at the horizon counts up to it, as in the full records' busy time."""
    warm_up: int = 0
    """Incidents that occur before it add only their work after it (to busy time), as `Results` counts them."""
    incidents: int = 0
    """Incidents counted: those that occurred from the warm-up on."""
    closed: int = 0
    in_warm_up: int = 0
    """Incidents that occurred during the warm-up, simulated but not counted."""
    rules: RuleAggregate = field(default_factory=RuleAggregate)
    actors: ActorAggregate = field(default_factory=ActorAggregate)
    people: PeopleAggregate = field(default_factory=PeopleAggregate)

    def add(self, incident: IncidentRecord, steps: Sequence[StepRecord], verdicts: Sequence[VerdictRecord]) -> None:
        """One finished incident with its step records and its verdicts (filtered as `simulate` filters them)."""
        if incident.occurred < self.warm_up:
            self.in_warm_up += 1
            for step in steps:
                self.actors.add(step, self.horizon, self.warm_up, counted=False)
                self.people.add(step, self.horizon, self.warm_up, counted=False)
            return
        self.incidents += 1
        if incident.closed is not None:
            self.closed += 1
        for step in steps:
            self.actors.add(step, self.horizon, self.warm_up)
            self.people.add(step, self.horizon, self.warm_up)
        for verdict in verdicts:
            self.rules.add(self.replication, verdict)
