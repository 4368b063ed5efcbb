"""Replications: seeds, serial or parallel execution, and the same answer either way.

Named runner, not run: `drillsim.run` is the API function, and a submodule of that
name would replace it on the package as soon as it was imported.

Replication r of a run with seed S always uses SeedSequence(S).spawn()[r], so
a run gives byte-identical results whether replications run in one process
or several, and in whatever order they finish.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed

from drillsim.model import Replication, simulate
from drillsim.scenario.schema import Scenario

Progress = Callable[[int], None]


def _batch(scenario: Scenario, entropy: int, replications: list[int], load: float) -> list[Replication]:
    return [simulate(scenario, entropy, r, load) for r in replications]


def _chunks(indices: list[int], jobs: int) -> Iterator[list[int]]:
    """Small chunks: Ctrl-C waits for the chunks in hand, and a slow replication delays few others."""
    size = max(1, min(8, len(indices) // (4 * jobs) or 1))
    for start in range(0, len(indices), size):
        yield indices[start:start + size]


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the parent, which stops cleanly; otherwise each prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def pool(jobs: int) -> ProcessPoolExecutor:
    """Worker processes for replications, shared by the points of a sweep."""
    return ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupt)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def replicate(scenario: Scenario, replications: Iterable[int], seed: int, *, jobs: int = 1, load: float = 1.0,
              progress: Progress | None = None, executor: Executor | None = None) -> list[Replication]:
    """Run the given replications; results come back sorted by replication number."""
    indices = list(replications)
    if jobs <= 1 and executor is None:
        out = []
        for r in indices:
            out.append(simulate(scenario, seed, r, load))
            if progress:
                progress(1)
        return sorted(out, key=lambda rep: rep.replication)
    own = executor is None
    workers = executor or pool(jobs)
    futures: list[Future[list[Replication]]] = []
    try:
        futures = [workers.submit(_batch, scenario, seed, chunk, load) for chunk in _chunks(indices, max(jobs, 1))]
        results: list[Replication] = []
        for future in as_completed(futures):
            batch = future.result()
            results.extend(batch)
            if progress:
                progress(len(batch))
    finally:
        if own:
            workers.shutdown(cancel_futures=True)
        else:
            # A shared executor (a sweep's pool, a dask cluster) outlives us: drop our unfinished tasks only.
            for future in futures:
                future.cancel()
    return sorted(results, key=lambda rep: rep.replication)
