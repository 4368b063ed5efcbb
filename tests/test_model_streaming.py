"""Summary-only runs: each incident's records leave the model once nothing can change them, and equal the full run's.

The records handed over are copied at the moment they are handed over, so a
record changed after its incident was settled (settled too early) would
differ from the full run's.
"""

from __future__ import annotations

import copy
from dataclasses import astuple

import numpy as np
import pytest
import simpy

import drillsim
from drillsim.model import Chain, OnIncident, incidents_of, simulate
from drillsim.model.incidents import generate
from drillsim.model.records import IncidentRecord, StepRecord, VerdictRecord
from drillsim.model.streams import Streams, replication_seed
from tests.helpers import CASES, ROOT

SCENARIOS = ["baseline-week.yaml", "earthquake-cascade.yaml", "night-shift-one-grid-worker.yaml",
             "cctv-attack-festival.yaml", "three-level-ii-in-ten-minutes.yaml", "exam-day-leak-and-fire.yaml"]


def _snapshot(into: list[tuple[IncidentRecord, list[StepRecord], list[VerdictRecord]]]) -> OnIncident:
    """Copies of the records as they are when handed over."""
    def keep(incident: IncidentRecord, steps: list[StepRecord], verdicts: list[VerdictRecord]) -> None:
        into.append((copy.deepcopy(incident), [copy.copy(s) for s in steps], list(verdicts)))
    return keep


@pytest.mark.parametrize("name", SCENARIOS)
def test_streamed_records_equal_the_full_run(name: str) -> None:
    scenario = drillsim.load(ROOT / "scenarios" / name)
    for replication in range(2):
        full = simulate(scenario, scenario.seed, replication)
        handed: list[tuple[IncidentRecord, list[StepRecord], list[VerdictRecord]]] = []
        streamed = simulate(scenario, scenario.seed, replication, on_incident=_snapshot(handed))
        assert (streamed.steps, streamed.incidents, streamed.verdicts) == ([], [], [])
        ids = [incident.incident for incident, _, _ in handed]
        assert sorted(ids) == [record.incident for record in full.incidents]  # each once, none lost
        assert sorted(astuple(i) for i, _, _ in handed) == sorted(astuple(i) for i in full.incidents)
        assert sorted(astuple(s) for _, steps, _ in handed for s in steps) == sorted(astuple(s) for s in full.steps)
        assert (sorted(astuple(v) for _, _, verdicts in handed for v in verdicts)
                == sorted(astuple(v) for v in full.verdicts))
        for incident, steps, verdicts in handed:
            assert all(s.incident == incident.incident for s in steps)
            assert all(v.incident == incident.incident for v in verdicts)


def test_an_incident_leaves_the_model_when_its_last_step_or_change_is_done() -> None:
    """Handed over at its last activity, not at the horizon: memory does not grow with the run's length."""
    scenario = drillsim.load(ROOT / "scenarios" / "baseline-week.yaml")
    env = simpy.Environment()
    handed: list[tuple[float, IncidentRecord, list[StepRecord]]] = []
    chain = Chain(env, scenario, 0, lambda incident, steps, verdicts: handed.append((env.now, incident, steps)))
    env.process(chain.feed(incidents_of(scenario, scenario.seed, 0)))
    env.run(until=scenario.horizon)
    before_close = len(handed)
    chain.close()
    assert before_close >= 0.9 * len(handed) > 0
    for at, incident, steps in handed[:before_close]:
        ends = [s.delivered if s.delivered is not None else s.finished for s in steps]
        done = [end for end in ends if end is not None]
        assert len(done) == len(ends)
        assert at == max([*done, *incident.changes, incident.occurred])


@pytest.mark.parametrize(("rate_per_day", "days"), [(144, 800), (5000, 40)])
def test_arrivals_drawn_block_by_block_are_one_poisson_stream(rate_per_day: int, days: int) -> None:
    """A long horizon is drawn a block at a time (a year, or fewer days at a high rate): no seam shows.

    Counts per tenth of the horizon are Poisson with the same mean whether or
    not a block boundary falls inside; each is checked within 4.5 standard
    deviations, the total within 4.
    """
    scenario = drillsim.load(CASES / "mmc-office.yaml").replace(
        {"horizon": f"{days}d", "sources[0].rate_per_day": rate_per_day})
    times = np.array([incident.occurred for incident in generate(scenario, Streams(replication_seed(1, 0)))])
    assert np.all(np.diff(times) >= 0) and times[0] >= 0 and times[-1] < scenario.horizon
    expected = rate_per_day * days
    assert abs(times.size - expected) < 4 * np.sqrt(expected)
    counts, _ = np.histogram(times, bins=10, range=(0, scenario.horizon))
    assert np.all(np.abs(counts - expected / 10) < 4.5 * np.sqrt(expected / 10))
