"""Local processes against a local dask cluster: the same `drillsim run`, timed as a user sees it.

``python benchmarks/dask_vs_local.py [SCENARIO] [-n 200] [--repeat 3]`` starts a
LocalCluster of two single-threaded worker processes (not timed: a real
cluster is started once and serves many runs), then times `drillsim run
SCENARIO -n N --format json` with `--jobs 1`, `--jobs 2` and `--scheduler` to
that cluster, each in a fresh interpreter, alternating so that a change of the
machine's load hits every variant alike. It prints one line per variant (best
and median wall time, the replications' own time from `-v`) and checks that all
three print the same summary.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from distributed import LocalCluster

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> tuple[float, float, str]:
    """Wall time of the whole command, the time it reports for the replications, and its stdout."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "drillsim.cli", "-v", *args], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    inner = re.search(r"replications in ([0-9.]+) s", done.stderr)
    return wall, float(inner[1]) if inner else float("nan"), done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/baseline-week.yaml")
    parser.add_argument("-n", "--replications", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    base = ["run", options.scenario, "-n", str(options.replications), "--seed", "1", "--format", "json"]
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as cluster:
        variants = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"],
                    "--scheduler (2 workers)": ["--scheduler", cluster.scheduler_address]}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        outputs = set()
        for _ in range(options.repeat):
            for name, extra in variants.items():
                wall, inner, stdout = timed([*base, *extra])
                times[name].append((wall, inner))
                outputs.add(stdout)
    print(f"{options.replications} replications of {options.scenario}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, best / median of {options.repeat}")
    for name, runs in times.items():
        walls, inners = [w for w, _ in runs], [i for _, i in runs]
        print(f"  {name:<24} command {min(walls):6.2f} s / {statistics.median(walls):6.2f} s   "
              f"replications {min(inners):6.2f} s / {statistics.median(inners):6.2f} s")
    print("same summary from all three:", len(outputs) == 1)


if __name__ == "__main__":
    main()
