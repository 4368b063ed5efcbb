"""Replications: seeds, serial or parallel execution, and the same answer either way.

Replication r of a run with seed S always uses SeedSequence(S).spawn()[r], so
a run gives byte-identical results whether replications run in one process
or several, and in whatever order they finish.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from typing import Literal, TypeVar

from drillsim.model import Replication, simulate
from drillsim.results.tally import Tally
from drillsim.scenario.schema import Scenario

Progress = Callable[[int], None]
Keep = Literal["all", "summary"]
KEEP: tuple[Keep, ...] = ("all", "summary")
"""What a run keeps: every record (frames, plots, bottleneck), or per-replication tallies (figures only)."""

Done = TypeVar("Done", Replication, tuple[Replication, Tally])


def _records(scenario: Scenario, seed: int, replications: list[int], load: float) -> list[Replication]:
    return [simulate(scenario, seed, r, load) for r in replications]


def _tallies(scenario: Scenario, seed: int, replications: list[int],
             load: float) -> list[tuple[Replication, Tally]]:
    """Replications that keep nothing but a Tally: memory flat in the horizon, little to send back."""
    out = []
    for r in replications:
        tally = Tally(r, scenario.horizon, scenario.warm_up)
        out.append((simulate(scenario, seed, r, load, on_incident=tally.add), tally))
    return out


def _chunks(indices: list[int], jobs: int) -> Iterator[list[int]]:
    """Chunks of at most 8 that shrink towards the end (guided scheduling).

    Small chunks: Ctrl-C waits only for the chunks in hand, and a slow
    replication delays few others; shrinking ones: no worker is left with a
    big last chunk while the others have nothing to do.
    """
    start = 0
    while start < len(indices):
        size = max(1, min(8, (len(indices) - start) // (4 * jobs)))
        yield indices[start:start + size]
        start += size


def _start_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops cleanly; otherwise each prints a traceback.

    What a forked worker inherits (the parent's modules and data) is frozen
    out of its garbage collector: collections would otherwise walk, and so
    copy, every inherited page, and nothing inherited is the worker's to free.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


def pool(jobs: int) -> ProcessPoolExecutor:
    """Worker processes for replications, shared by the points of a sweep."""
    return ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker)


def replicate(scenario: Scenario, replications: Iterable[int], seed: int, *, jobs: int = 1, load: float = 1.0,
              progress: Progress | None = None, executor: Executor | None = None) -> list[Replication]:
    """Run the given replications, keeping every record; sorted by replication number."""
    return _execute(_records, scenario, replications, seed, jobs, load, progress, executor)


def summarise(scenario: Scenario, replications: Iterable[int], seed: int, *, jobs: int = 1, load: float = 1.0,
              progress: Progress | None = None,
              executor: Executor | None = None) -> tuple[list[Replication], list[Tally]]:
    """Run the given replications keeping only tallies; both sorted by replication number."""
    done = _execute(_tallies, scenario, replications, seed, jobs, load, progress, executor)
    return [rep for rep, _ in done], [tally for _, tally in done]


def _number(done: Replication | tuple[Replication, Tally]) -> int:
    return done.replication if isinstance(done, Replication) else done[0].replication


def _execute(task: Callable[[Scenario, int, list[int], float], list[Done]], scenario: Scenario,
             replications: Iterable[int], seed: int, jobs: int, load: float, progress: Progress | None,
             executor: Executor | None) -> list[Done]:
    """Run `task` on chunks of replications, here or in worker processes (or a given executor)."""
    indices = list(replications)
    if jobs <= 1 and executor is None:
        out: list[Done] = []
        for r in indices:
            out.extend(task(scenario, seed, [r], load))
            if progress:
                progress(1)
        return sorted(out, key=_number)
    own = executor is None
    workers = executor or pool(jobs)
    futures: list[Future[list[Done]]] = []
    results: list[Done] = []
    try:
        futures = [workers.submit(task, scenario, seed, chunk, load) for chunk in _chunks(indices, max(jobs, 1))]
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
    return sorted(results, key=_number)
