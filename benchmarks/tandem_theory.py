"""The tandem network of the benchmarks and what queueing theory says about it.

Three stations in series: Poisson arrivals at 6 per hour; station 1 has 4
servers, station 2 has 2, station 3 has 1, with exponential service at 2, 4
and 10 per hour per server. By Jackson's theorem each station behaves as an
independent M/M/c queue fed at the arrival rate, so the mean time in system is
the sum of the three M/M/c mean sojourn times (Erlang C).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

ARRIVAL_RATE = 6.0
"""Arrivals per hour."""
SERVERS = (4, 2, 1)
SERVICE_RATES = (2.0, 4.0, 10.0)
"""Services per hour per server, station by station."""


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Probability that an arrival waits in an M/M/c queue."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        raise ValueError("the queue is unstable")
    top = a**servers / math.factorial(servers) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)


def station_sojourn(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in an M/M/c station (wait plus service), in hours."""
    wait = erlang_c(arrival_rate, service_rate, servers) / (servers * service_rate - arrival_rate)
    return wait + 1 / service_rate


def mean_time_in_system() -> float:
    """Mean time through the three stations, in hours."""
    return sum(station_sojourn(ARRIVAL_RATE, mu, c) for mu, c in zip(SERVICE_RATES, SERVERS, strict=True))


def batch_means(arrivals: Sequence[float], sojourns: Sequence[float], warm_up: float,
                batches: int = 20) -> tuple[float, float, int]:
    """Mean time in system of customers arriving after `warm_up`, its 95 % half-width (batch means), count."""
    order = np.argsort(np.asarray(arrivals, dtype=float), kind="stable")
    kept = np.asarray(sojourns, dtype=float)[order][np.asarray(arrivals, dtype=float)[order] >= warm_up]
    means = np.array([part.mean() for part in np.array_split(kept, batches)])
    half = 2.093 * means.std(ddof=1) / math.sqrt(batches)  # Student t, 19 degrees of freedom
    return float(kept.mean()), float(half), int(kept.size)
