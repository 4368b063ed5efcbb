"""What pausing the cyclic garbage collector during a replication saves (drillsim.model.collector).

Five 100-day tandem replications are kept in memory, as `drillsim run` keeps
every record, with and without the pause, in turn; each measurement ends with
a full collection, so that work the pause only puts off is counted too.
Run: ``python benchmarks/collector_pause.py [REPLICATIONS]``.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from contextlib import nullcontext

import tandem_drillsim

import drillsim.model
from drillsim.model.collector import collector_paused


def kept(replications: int, *, paused: bool) -> float:
    """CPU seconds to run and keep the replications, the final full collection included."""
    drillsim.model.collector_paused = collector_paused if paused else nullcontext  # type: ignore[assignment]
    scenario = tandem_drillsim.scenario(100 * 24)
    gc.collect()
    started = time.process_time()
    runs = [drillsim.model.simulate(scenario, 1, r) for r in range(replications)]
    gc.collect()
    spent = time.process_time() - started
    del runs
    return spent


def main() -> None:
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(5):
        for paused in (True, False) if i % 2 else (False, True):
            times[paused].append(kept(replications, paused=paused))
    drillsim.model.collector_paused = collector_paused
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"{replications} tandem replications of 100 days kept: {off:.2f} s with the collector running, "
          f"{on:.2f} s paused ({on / off - 1:+.0%}); medians of 5, in turn")


if __name__ == "__main__":
    main()
