"""The tandem network (see tandem_theory.py) in Ciw.

Run on its own: ``python benchmarks/tandem_ciw.py [HOURS]``.
"""

from __future__ import annotations

import sys

import ciw
from tandem_theory import ARRIVAL_RATE, SERVERS, SERVICE_RATES, batch_means, mean_time_in_system


def network() -> ciw.network.Network:
    last = len(SERVERS) - 1
    return ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE), *[None] * last],
        service_distributions=[ciw.dists.Exponential(rate=mu) for mu in SERVICE_RATES],
        number_of_servers=list(SERVERS),
        routing=[[1.0 if j == i + 1 else 0.0 for j in range(len(SERVERS))] for i in range(len(SERVERS))],
    )


def simulate(hours: float, seed: int) -> list[tuple[float, float]]:
    """(arrival, departure) in hours of every customer who left the last station before `hours`."""
    ciw.seed(seed)  # Ciw draws from the global random generators
    sim = ciw.Simulation(network())
    sim.simulate_until_max_time(hours)
    arrived: dict[int, float] = {}
    out = []
    for record in sim.get_all_records():
        if record.record_type != "service":
            continue
        if record.node == 1:
            arrived[record.id_number] = record.arrival_date
        elif record.node == len(SERVERS):
            out.append((record.id_number, record.exit_date))
    return [(arrived[ident], left) for ident, left in out]


if __name__ == "__main__":
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 24_000.0
    times = simulate(horizon, 1)
    mean, half, n = batch_means([a for a, _ in times], [d - a for a, d in times], horizon * 0.02)
    print(f"Ciw: {n} customers, mean time in system {mean:.4f} h +- {half:.4f}; "
          f"theory {mean_time_in_system():.4f} h")
