"""Replications and sweep points as tasks on a dask.distributed cluster.

dask is an optional extra (`pip install 'drillsim[dask]'`), imported only by
the functions here and only when a cluster is asked for, so drillsim starts
as fast without it. A cluster is just another concurrent.futures executor for
drillsim.experiment.runner.replicate: each task carries the scenario, the seed and
its replication numbers, and simulate() derives every stream from those, never
from the worker's state. The tasks are pure with deterministic keys, so a task
lost with its worker is recomputed elsewhere with the same result, and a run on
a cluster gives the same bytes as a local one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

from drillsim.errors import DrillsimError
from drillsim.experiment.versions import package_versions

log = logging.getLogger(__name__)
T = TypeVar("T")

INSTALL = "--scheduler needs the dask extra: pip install 'drillsim[dask]'"
# What decides a replication's numbers on a worker: these must match the client's exactly.
MODEL_PACKAGES = ("drillsim", "simpy", "numpy")


class ClusterError(DrillsimError):
    """The cluster cannot run drillsim's tasks: unreachable, or workers that would give other numbers."""


class DaskMissingError(ClusterError):
    """A cluster was asked for without the dask extra installed."""


def _distributed() -> ModuleType:
    try:
        import distributed
    except ImportError as exc:
        raise DaskMissingError(INSTALL) from exc
    return distributed


def connect(address: str) -> Any:
    """A Client of the scheduler at `address` (tcp://HOST:PORT), its workers checked against this machine.

    The wait for the scheduler is dask's `distributed.comm.timeouts.connect`
    (e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s).
    """
    distributed = _distributed()
    try:
        client = distributed.Client(address, set_as_default=False)
    except (OSError, ValueError, TimeoutError) as exc:
        raise ClusterError(f"--scheduler {address}: no dask scheduler answers there ({exc})") from exc
    try:
        check_workers(client)
    except BaseException:
        client.close()
        raise
    return client


def model_versions() -> dict[str, str]:
    """The versions of the packages that decide a replication's numbers, in the process that runs this."""
    return package_versions(MODEL_PACKAGES)


def check_workers(client: Any) -> None:
    """Refuse workers that cannot import drillsim or run other versions of it, simpy or numpy.

    Their results would silently differ from a local run with the same seed.
    Workers that join later are not checked.
    """
    try:
        remote = client.run(model_versions)
    except Exception as exc:
        raise ClusterError(f"the workers cannot run drillsim ({type(exc).__name__}: {exc}); "
                           "install drillsim on every worker") from exc
    if not remote:
        log.warning("the dask cluster has no workers yet; the tasks wait for some to join")
    here = model_versions()
    for worker, theirs in sorted(remote.items()):
        differ = [f"{name} {here[name]} here, {theirs.get(name)} there" for name in MODEL_PACKAGES
                  if theirs.get(name) != here[name]]
        if differ:
            raise ClusterError(f"worker {worker}: {'; '.join(differ)}: its results would differ from a local run; "
                               "install the same versions on every worker")


class ClusterExecutor(Executor):
    """concurrent.futures on a dask Client: pure tasks, whose keys hash the function and its arguments.

    Unlike `Client.get_executor()`, a future cancelled while its result is on
    the way stays quietly cancelled (ClientExecutor logs an InvalidStateError
    traceback, which Ctrl-C in the middle of a run would show).
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        task = self._client.submit(fn, *args, pure=True, **kwargs)
        future: Future[T] = Future()

        def cancel_task(done: Future[T]) -> None:
            if done.cancelled():
                task.cancel()

        def settle(finished: Any) -> None:
            """In dask's callback thread: hand the task's outcome over, unless cancelled meanwhile."""
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(finished.result())
            except BaseException as exc:
                future.set_exception(exc)

        future.add_done_callback(cancel_task)
        task.add_done_callback(settle)
        return future


def executor(client: Any) -> Executor:
    """A concurrent.futures executor on the client's cluster."""
    return ClusterExecutor(client)


def slots(client: Any) -> int:
    """The cluster's worker threads now: how many tasks to split replications into, at least one."""
    return max(1, sum(client.nthreads().values()))


def resolve(jobs: int, executor_: Executor | None, client: Any) -> tuple[int, Executor | None]:
    """The (jobs, executor) pair for runner.replicate from the API's `jobs`, `executor` and `client`.

    With a client, jobs becomes the cluster's thread count, which sets only how
    replications are split into tasks, never their numbers.
    """
    if client is None:
        return jobs, executor_
    if executor_ is not None:
        raise ValueError("give executor= or client=, not both")
    return max(jobs, slots(client)), executor(client)


@contextmanager
def session(address: str | None) -> Iterator[Any]:
    """A connected Client for the length of a command, or None without an address."""
    if address is None:
        yield None
        return
    client = connect(address)
    try:
        yield client
    finally:
        client.close()
