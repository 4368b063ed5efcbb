"""How often drillsim's 95 % intervals contain the truth, on a plan whose answer queueing theory gives.

benchmarks/mmc-office.yaml is the office alone as an M/M/2 queue (rho = 0.5)
measured after a warm-up, so Erlang C's steady state is the truth: the hit
rate P(judged within 20m) = P(sojourn <= 20m) and the mean wait in queue;
option b has 3 office staff, and `compare` (b - a) is checked against the
difference of the two truths. Each run is independent (its own seed); the
intervals at 10 replications are those of a run's first 10, so each row's
runs are independent of one another. Every interval is the one drillsim
prints (Results.rules, Results.actors, Comparison.frame) on runs that keep
summaries; the t interval on per-replication mean waits, which drillsim no
longer uses, is shown for comparison.

    .venv/bin/python benchmarks/coverage.py [--runs 1000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from drillsim.experiment.comparison import compare
from drillsim.experiment.per_replication import wait_totals
from drillsim.experiment.runner import summarise
from drillsim.results import Results
from drillsim.results.stats import t_interval
from drillsim.scenario import Scenario, load

PLAN = Path(__file__).with_name("mmc-office.yaml")
ARRIVALS, SERVICE = 6.0, 6.0
"""Per hour."""
LIMIT = 20 / 60
"""The deadline, in hours."""
SIZES = (10, 30)


def erlang_c(servers: int) -> float:
    a = ARRIVALS / SERVICE
    top = a**servers / math.factorial(servers) / (1 - a / servers)
    return top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)


def truth(servers: int) -> tuple[float, float]:
    """P(sojourn <= LIMIT) and the mean wait in queue (seconds) of the M/M/c office in steady state.

    Sojourn = wait + service, the wait exponential with rate c mu - lambda
    with probability C (Erlang C): P(S > t) = e^(-mu t) + C mu (e^(-mu t) - e^(-theta t)) / (theta - mu).
    """
    c, theta = erlang_c(servers), servers * SERVICE - ARRIVALS
    mu, t = SERVICE, LIMIT
    late = math.exp(-mu * t) * (1 + c * mu * t) if theta == mu else \
        math.exp(-mu * t) + c * mu * (math.exp(-mu * t) - math.exp(-theta * t)) / (theta - mu)
    return 1 - late, c / theta * 3600


def _inside(low: float, high: float, value: float) -> bool:
    return bool(low <= value <= high)


def one_run(scenarios: tuple[Scenario, Scenario], run: int) -> dict[str, bool]:
    """Whether each interval of one independent run (seed 1,000,000 + run) covers its truth."""
    seed = 1_000_000 + run
    done = [summarise(s, range(max(SIZES)), seed) for s in scenarios]
    (hit_a, wait_a), (hit_b, wait_b) = truth(2), truth(3)
    covered = {}
    for size in SIZES:
        a, b = (Results(s, seed, reps[:size], tallies=tallies[:size])
                for s, (reps, tallies) in zip(scenarios, done, strict=True))
        rule = a.rules().iloc[0]
        covered[f"hit rate, n={size}"] = _inside(rule["low"], rule["high"], hit_a)
        office = a.actors().set_index("actor").loc["office"]
        covered[f"mean wait, n={size}"] = _inside(office["mean_wait_low"], office["mean_wait_high"], wait_a)
        totals = wait_totals(a)
        _, low, high = t_interval((totals["wait"] / totals["tasks"]).to_numpy())
        covered[f"mean wait, old t on per-replication means, n={size}"] = _inside(low, high, wait_a)
        rows = compare(a, b).frame.set_index(["kind", "level"])
        hit = rows.loc[("hit rate", "all")]
        covered[f"paired difference of hit rates, n={size}"] = _inside(hit["low"], hit["high"], hit_b - hit_a)
        wait = rows.loc[("mean wait", "all")]
        covered[f"paired difference of mean waits, n={size}"] = _inside(wait["low"], wait["high"], wait_b - wait_a)
    return covered


def _batch(scenarios: tuple[Scenario, Scenario], runs: list[int]) -> list[dict[str, bool]]:
    return [one_run(scenarios, run) for run in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    a = load(PLAN)
    scenarios = (a, a.replace({"staffing.office.staff": 3}))
    started = time.perf_counter()
    chunks = [list(range(i, min(i + 25, args.runs))) for i in range(0, args.runs, 25)]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = [row for batch in pool.map(_batch, [scenarios] * len(chunks), chunks) for row in batch]
    (hit_a, wait_a), (hit_b, wait_b) = truth(2), truth(3)
    out = [f"Coverage of drillsim's 95 % intervals over {args.runs} independent runs of {PLAN.name} "
           f"(M/M/2 office, warm-up {a.warm_up // 3600}h, horizon {a.horizon // 86400}d; b has 3 staff).",
           f"Truth (Erlang C): hit rate {hit_a:.4f} (b {hit_b:.4f}), mean wait {wait_a:.1f} s (b {wait_b:.1f} s).",
           "", f"| {'interval':<52} | coverage | Monte Carlo error |", f"|{'-' * 54}|---------:|------------------:|"]
    for name in results[0]:
        rate = float(np.mean([row[name] for row in results]))
        error = math.sqrt(rate * (1 - rate) / len(results))
        out.append(f"| {name:<52} | {rate:8.1%} | {error:17.1%} |")
    out.append(f"\n{time.perf_counter() - started:.0f} s with --jobs {args.jobs}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
