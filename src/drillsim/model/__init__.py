"""The SimPy model of the reporting chain: incidents in, flat records out; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from drillsim.model.chain import Chain, OnIncident
from drillsim.model.clocks import Clocks
from drillsim.model.collector import collector_paused
from drillsim.model.incidents import Incident, generate
from drillsim.model.records import IncidentRecord, StaffingRecord, StepRecord, VerdictRecord
from drillsim.model.staffing import staffing_records
from drillsim.model.streams import Streams, replication_seed
from drillsim.scenario.schema import Scenario


@dataclass(frozen=True, slots=True)
class Replication:
    """Everything one replication recorded (its staffing is the scenario's: `staffing_records`)."""

    replication: int
    steps: list[StepRecord]
    incidents: list[IncidentRecord]
    verdicts: list[VerdictRecord]


def incidents_of(scenario: Scenario, seed: int, replication: int, load: float = 1.0) -> list[Incident]:
    """The incidents a replication will see: the same for any staffing (common random numbers)."""
    return list(generate(scenario, Streams(replication_seed(seed, replication)), load))


def simulate(scenario: Scenario, seed: int, replication: int, load: float = 1.0, *,
             on_incident: OnIncident | None = None) -> Replication:
    """Run one replication of a scenario up to its horizon.

    With `on_incident`, nothing is kept: each incident's records
    and verdicts go to it once the incident can no longer change (at the
    latest at the horizon), so memory stays flat however long the run.
    The cyclic garbage collector is paused meanwhile (see `collector`).
    """
    with collector_paused():
        env = simpy.Environment()
        chain = Chain(env, scenario, replication, on_incident)
        env.process(chain.feed(generate(scenario, Streams(replication_seed(seed, replication)), load)))
        env.run(until=scenario.horizon)
        if on_incident is not None:
            chain.close()
            return Replication(replication, [], [], [])
        checked = [v for record in chain.incidents for v in chain.clocks.settled(record)]
        return Replication(replication, chain.steps, chain.incidents, checked)


def rechecked(scenario: Scenario, replication: Replication) -> Replication:
    """A replication's records with their verdicts checked again by another scenario's clocks.

    Equal to simulating that scenario only when it runs the same chain: when it differs from the one simulated
    in deadline rules alone, and nobody chooses tasks by deadline (drillsim.scenario.readings.recheckable).
    """
    clocks = Clocks(scenario)
    return Replication(replication.replication, replication.steps, replication.incidents,
                       [v for record in replication.incidents for v in clocks.settled(record)])


__all__ = ["Chain", "Incident", "IncidentRecord", "OnIncident", "Replication", "StaffingRecord", "StepRecord",
           "VerdictRecord", "incidents_of", "rechecked", "simulate", "staffing_records"]
