"""The tandem network (see tandem_theory.py) as a drillsim scenario: benchmarks/tandem.yaml.

Each customer is an incident whose flow is three steps, one per station; a
station is a pool actor with 4, 2 or 1 staff. Run on its own:
``python benchmarks/tandem_drillsim.py [HOURS]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tandem_theory import batch_means, mean_time_in_system

from drillsim.model import IncidentRecord
from drillsim.model import simulate as simulate_replication
from drillsim.scenario import Scenario, load

SCENARIO = Path(__file__).with_name("tandem.yaml")
HOUR = 3600


def scenario(hours: float) -> Scenario:
    """The tandem scenario with its horizon set (validated once; the copy only changes the horizon)."""
    return load(SCENARIO).model_copy(update={"horizon": round(hours * HOUR)})


def simulate(tandem: Scenario, seed: int) -> list[tuple[float, float]]:
    """(arrival, departure) in hours of every customer who left station 3 before the horizon."""
    rep = simulate_replication(tandem, seed, 0)
    return [(i.occurred / HOUR, i.milestones["left_3"] / HOUR) for i in rep.incidents if "left_3" in i.milestones]


def simulate_streaming(tandem: Scenario, seed: int) -> list[tuple[float, float]]:
    """The same in the order customers leave, keeping only those two times: each customer's records are
    handed over and dropped (`on_incident`, what `--keep summary` uses), as the bare SimPy model keeps only
    its tuples."""
    out: list[tuple[float, float]] = []

    def keep(incident: IncidentRecord, steps: object, verdicts: object) -> None:
        if "left_3" in incident.milestones:
            out.append((incident.occurred / HOUR, incident.milestones["left_3"] / HOUR))

    simulate_replication(tandem, seed, 0, on_incident=keep)
    return out


if __name__ == "__main__":
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 24_000.0
    times = simulate(scenario(horizon), 1)
    mean, half, n = batch_means([a for a, _ in times], [d - a for a, d in times], horizon * 0.02)
    print(f"drillsim: {n} customers, mean time in system {mean:.4f} h +- {half:.4f}; "
          f"theory {mean_time_in_system():.4f} h")
