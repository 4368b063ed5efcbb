"""Peak memory of one long replication of the benchmark chain, measured in a fresh process.

``python benchmarks/memory_probe.py INCIDENTS [--keep all|summary]`` sets the
horizon of benchmarks/chain.yaml so that about INCIDENTS incidents occur, runs
one replication through the API as a user would (``drillsim.run``, then the
rule and actor tables), and prints one JSON line: incidents, seconds, the
resident set size after the imports and its peak, in MB. The peak is the
kernel's high-water mark of this address space (``VmHWM``); ``getrusage``'s
``ru_maxrss`` would not do, as Linux carries it over from the parent across ``exec``.

`--keep summary` keeps streaming aggregates instead of every record.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import drillsim
from drillsim.scenario import load

SCENARIO = Path(__file__).with_name("chain.yaml")
DAY = 86400


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux, bytes on macOS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("incidents", type=int)
    parser.add_argument("--keep", choices=["all", "summary"], default="all")
    args = parser.parse_args()
    base = load(SCENARIO)
    per_day = sum(source.rate_per_day for source in base.sources)
    scenario = base.replace(horizon=f"{max(DAY, round(args.incidents / per_day * DAY))}s")
    before = rss_mb()
    started = time.perf_counter()
    results = drillsim.run(scenario, replications=1, keep=args.keep)
    results.rules()
    results.actors()
    seconds = time.perf_counter() - started
    incidents = results.tallies[0].incidents if results.tallies else len(results.replications[0].incidents)
    print(json.dumps({"incidents": incidents, "horizon_days": scenario.horizon / DAY, "keep": args.keep,
                      "seconds": round(seconds, 2), "rss_after_imports_mb": round(before, 1),
                      "peak_rss_mb": round(rss_mb(), 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
