"""`drillsim search` against an exhaustive sweep: the same answer, and what share of the replications.

A grid of 100 options built from the bundled night-shift scenario (office staff outside the day and night
shifts 1-5, office staff at night 1-4, grid workers at night 1-5) with two targets. The reference is one
exhaustive sweep at 200 replications per option (20,000 replications, seed 0): the cheapest option whose every
estimate reaches its target, as `drillsim sweep` marks it. Then a search at each of the seeds 1-20 (independent of
the reference's draws), with its defaults (confidence 95 %, delta 2 points, first stage 10, at most 200 per option):
how many find the reference's answer, and the replications each spends as a share of the sweep's.

With `--same-seed` each search is compared with a sweep at its own seed instead (a sweep per seed: twenty times
the time).

    .venv/bin/python benchmarks/search_vs_sweep.py [--seeds 20] [--same-seed] [--out DIR]

`--out DIR` keeps the sweeps there, so a second run (or one interrupted) does not run them again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import drillsim
from drillsim.experiment.sweeps import grid, sweep_directory

NIGHT = Path(__file__).parent.parent / "scenarios" / "night-shift-one-grid-worker.yaml"
VARY = {"office.staff": [1, 2, 3, 4, 5], "office.shifts[1].staff": [1, 2, 3, 4],
        "staffing.grid_worker.grids.community.shifts[0].staff": [1, 2, 3, 4, 5]}
TARGETS = ["continuation>=0.83", "upward_without_post>=0.9"]
REPLICATIONS = 200


def reference(scenario: drillsim.Scenario, seed: int, out: Path | None) -> int | None:
    """The exhaustive sweep's cheapest option (its index), or None when nothing meets every target."""
    started = time.perf_counter()
    directory = None if out is None else out / f"sweep-{seed}"
    if directory is None:
        outcome = drillsim.sweep(scenario, VARY, replications=REPLICATIONS, seed=seed, targets=TARGETS)
    else:
        with sweep_directory(directory):
            outcome = drillsim.sweep(scenario, VARY, replications=REPLICATIONS, seed=seed, targets=TARGETS,
                                     out=directory, resume=(directory / "sweep-spec.json").exists())
    cheapest = outcome.cheapest_points()
    if cheapest:
        point = outcome.points[cheapest[0]]
        rates = outcome.rates(point.index)
        print(f"sweep seed {seed}: #{point.index} {point.label} ({point.cost:.0f} {outcome.cost_unit}): "
              + ", ".join(f"{t.rule} {rates[t.rule]['rate']:.1%}" for t in outcome.targets)
              + f" ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    return cheapest[0] if cheapest else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--same-seed", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    scenario = drillsim.load(NIGHT)
    fixed = None if args.same_seed else reference(scenario, 0, args.out)
    full = REPLICATIONS * len(grid(scenario, VARY))
    rows = []
    for seed in range(1, args.seeds + 1):
        truth = reference(scenario, seed, args.out) if args.same_seed else fixed
        started = time.perf_counter()
        outcome = drillsim.search(scenario, VARY, TARGETS, seed=seed)
        seconds = time.perf_counter() - started
        best = None if outcome.best is None else outcome.best.index
        rows.append((seed, best, truth, outcome.spent, outcome.spent / full, seconds))
        print(f"seed {seed:2d}: search #{best} ({outcome.spent} replications, {outcome.spent / full:.1%}, "
              f"{seconds:.0f} s), sweep #{truth}", file=sys.stderr, flush=True)
    same = sum(best == truth for _, best, truth, *_ in rows)
    share = statistics.fmean(row[4] for row in rows)
    print(f"grid: {full // REPLICATIONS} options; targets {', '.join(TARGETS)}; sweep {REPLICATIONS} replications "
          f"per option = {full}" + ("" if args.same_seed else " (seed 0)"))
    print("| seed | search's answer | sweep's answer | same | replications | share of the sweep's |")
    print("|---:|---:|---:|:---:|---:|---:|")
    for seed, best, truth, spent, part, _seconds in rows:
        print(f"| {seed} | #{best} | #{truth} | {'yes' if best == truth else 'NO'} | {spent} | {part:.1%} |")
    verdict = "PASS" if same >= 0.95 * len(rows) and share <= 0.25 else "FAIL"
    print(f"\nsame answer {same}/{len(rows)} (needed >= 19/20); mean share of the sweep's replications "
          f"{share:.1%} (needed <= 25%), a search {statistics.fmean(row[5] for row in rows):.0f} s on average: "
          f"{verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
