"""The tandem network (see tandem_theory.py) in bare SimPy: what a modeller writes in ten lines.

One process per customer holds each station's ``simpy.Resource`` in turn; the
only record is each customer's arrival and departure time, in hours.
Run on its own: ``python benchmarks/tandem_simpy.py [HOURS]``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Generator
from typing import Any

import simpy
from tandem_theory import ARRIVAL_RATE, SERVERS, SERVICE_RATES, batch_means, mean_time_in_system

ProcessGen = Generator[simpy.Event, Any, None]


def customer(env: simpy.Environment, stations: list[simpy.Resource], rng: random.Random,
             out: list[tuple[float, float]]) -> ProcessGen:
    arrived = env.now
    for station, rate in zip(stations, SERVICE_RATES, strict=True):
        with station.request() as request:
            yield request
            yield env.timeout(rng.expovariate(rate))
    out.append((arrived, env.now))


def arrivals(env: simpy.Environment, stations: list[simpy.Resource], rng: random.Random,
             out: list[tuple[float, float]]) -> ProcessGen:
    while True:
        yield env.timeout(rng.expovariate(ARRIVAL_RATE))
        env.process(customer(env, stations, rng, out))


def simulate(hours: float, seed: int) -> list[tuple[float, float]]:
    """(arrival, departure) in hours of every customer who left station 3 before `hours`."""
    env = simpy.Environment()
    stations = [simpy.Resource(env, capacity=c) for c in SERVERS]
    out: list[tuple[float, float]] = []
    env.process(arrivals(env, stations, random.Random(seed), out))
    env.run(until=hours)
    return out


if __name__ == "__main__":
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 24_000.0
    times = simulate(horizon, 1)
    mean, half, n = batch_means([a for a, _ in times], [d - a for a, d in times], horizon * 0.02)
    print(f"bare SimPy: {n} customers, mean time in system {mean:.4f} h +- {half:.4f}; "
          f"theory {mean_time_in_system():.4f} h")
