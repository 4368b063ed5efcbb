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

if TYPE_CHECKING:
    from drillsim.model.records import IncidentRecord, StepRecord, VerdictRecord


@dataclass
class Tally:
    """The aggregates of one replication: incidents, verdict counts and lateness, busy time, waits and tasks."""

    replication: int
    horizon: int
    """Work still going on at the horizon counts up to it, as in the full records' busy time."""
    incidents: int = 0
    closed: int = 0
    rules: RuleAggregate = field(default_factory=RuleAggregate)
    actors: ActorAggregate = field(default_factory=ActorAggregate)

    def add(self, incident: IncidentRecord, steps: Sequence[StepRecord], verdicts: Sequence[VerdictRecord]) -> None:
        """One finished incident with its step records and its verdicts (filtered as `simulate` filters them)."""
        self.incidents += 1
        if incident.closed is not None:
            self.closed += 1
        for step in steps:
            self.actors.add(step, self.horizon)
        for verdict in verdicts:
            self.rules.add(self.replication, verdict)
