"""The SimPy model of the reporting chain: incidents in, flat records out; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from drillsim.model.chain import Chain
from drillsim.model.clocks import verdicts
from drillsim.model.incidents import Incident, generate
from drillsim.model.records import IncidentRecord, StaffingRecord, StepRecord, VerdictRecord
from drillsim.model.streams import Streams, replication_seed
from drillsim.scenario.schema import Scenario


@dataclass(frozen=True, slots=True)
class Replication:
    """Everything one replication recorded."""

    replication: int
    steps: list[StepRecord]
    incidents: list[IncidentRecord]
    verdicts: list[VerdictRecord]
    staffing: list[StaffingRecord]


def incidents_of(scenario: Scenario, entropy: int, replication: int, load: float = 1.0) -> list[Incident]:
    """The incidents a replication will see: the same for any staffing (common random numbers)."""
    return generate(scenario, Streams(replication_seed(entropy, replication)), load)


def simulate(scenario: Scenario, entropy: int, replication: int, load: float = 1.0) -> Replication:
    """Run one replication of a scenario up to its horizon."""
    env = simpy.Environment()
    chain = Chain(env, scenario, replication)
    env.process(chain.feed(incidents_of(scenario, entropy, replication, load)))
    env.run(until=scenario.horizon)
    changes = {record.incident: record.changes for record in chain.incidents}
    # A change drawn for after the horizon did not happen in the drill: it calls for no report.
    checked = [v for v in verdicts(scenario, chain.incidents, scenario.horizon)
               if v.change < 0 or changes[v.incident][v.change] < scenario.horizon]
    return Replication(replication, chain.steps, chain.incidents, checked, chain.staffing)


__all__ = ["Chain", "Incident", "IncidentRecord", "Replication", "StaffingRecord", "StepRecord", "VerdictRecord",
           "incidents_of", "simulate"]
