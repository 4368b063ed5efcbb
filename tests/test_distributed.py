"""Replications and sweeps on a dask.distributed cluster give the bytes of a local run (issue 8).

One LocalCluster of two worker processes serves the whole module; its tests
share one xdist worker. The kill test comes last: it SIGKILLs a busy worker,
whose nanny then starts a fresh one.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from drillsim import api
from drillsim.cli import main
from drillsim.experiment import runner
from drillsim.experiment.distributed import INSTALL, ClusterError, check_workers, model_versions
from drillsim.experiment.rundir import write_run
from tests.helpers import ROOT

pytestmark = pytest.mark.xdist_group("dask")

SCENARIO = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
SLOW = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"
VARY = {"staffing.office.staff": [1, 2], "load": [1, 2]}
TARGET = "office_to_leadership>=0.9"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=logging.CRITICAL) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    from distributed import Client
    with Client(cluster, set_as_default=False) as connected:
        yield connected


def files(directory: Path) -> dict[str, Any]:
    """Every file under a directory by relative path, with its bytes; a provenance without its clock stamps."""
    out: dict[str, Any] = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(directory))] = path.read_bytes()
    if "provenance.json" in out:
        provenance = json.loads(out["provenance.json"])
        out["provenance.json"] = {k: v for k, v in provenance.items() if k not in ("written", "elapsed_seconds")}
    return out


def batches(stream: Any) -> list[dict[str, Any]]:
    """The replication tasks a task stream saw run to the end."""
    return [task for task in stream.data if task["key"].startswith(("_records-", "_tallies-"))]


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_run_on_the_cluster_writes_the_bytes_of_a_local_run(client: Any, tmp_path: Path) -> None:
    import dask
    from distributed import get_task_stream
    scenario = api.load(SCENARIO)
    local = api.run(scenario, replications=8, seed=11)
    done: list[int] = []
    # Deterministic task keys: a task recomputed after a failure is the same task.
    with dask.config.set({"tokenize.ensure-deterministic": True}), get_task_stream(client) as stream:
        remote = api.run(scenario, replications=8, seed=11, client=client, progress=done.append)
    assert sum(done) == 8
    assert len(batches(stream)) == len(done) > 1
    assert {task["worker"] for task in batches(stream)} <= set(client.nthreads())
    for frame in ("events", "steps", "incidents", "verdicts"):
        pd.testing.assert_frame_equal(getattr(remote, frame), getattr(local, frame))
    write_run(local, tmp_path / "local")
    write_run(remote, tmp_path / "dask")
    assert files(tmp_path / "dask") == files(tmp_path / "local")
    assert len(files(tmp_path / "local")) == 8  # with people.csv


def test_a_sweep_on_the_cluster_interrupted_and_resumed_writes_the_bytes_of_a_local_one(
        client: Any, tmp_path: Path) -> None:
    scenario = api.load(SCENARIO)
    api.sweep(scenario, VARY, replications=4, seed=5, targets=[TARGET], out=tmp_path / "local")

    class Stop(Exception):
        pass

    def stop(point: Any) -> None:
        raise Stop

    with pytest.raises(Stop):
        api.sweep(scenario, VARY, replications=4, seed=5, targets=[TARGET], out=tmp_path / "dask", client=client,
                  on_point=stop)
    assert sorted(files(tmp_path / "dask")) == ["points/0000.json", "sweep-spec.json"]
    api.sweep(scenario, VARY, replications=4, seed=5, targets=[TARGET], out=tmp_path / "dask", client=client,
              resume=True)
    written = files(tmp_path / "local")
    assert {"sweep.csv", "sweep.json", "points/0003.json"} <= set(written)
    assert files(tmp_path / "dask") == written


def test_the_cli_runs_and_sweeps_on_a_scheduler(cluster: Any) -> None:
    address = cluster.scheduler_address
    local = cli("run", str(SCENARIO), "-n", "6", "--seed", "4", "--format", "json")
    remote = subprocess.run([sys.executable, "-m", "drillsim.cli", "run", str(SCENARIO), "-n", "6", "--seed", "4",
                             "--format", "json", "--scheduler", address],
                            capture_output=True, text=True, check=False, timeout=120)
    assert (remote.returncode, remote.stderr) == (0, "")
    assert remote.stdout == local.stdout
    sweep = ("sweep", str(SCENARIO), "--vary", "staffing.office.staff=1,2", "-n", "3", "--seed", "4",
             "--target", TARGET, "--format", "json")
    assert cli(*sweep, "--scheduler", address).stdout == cli(*sweep).stdout


def test_scheduler_and_jobs_together_are_refused() -> None:
    result = cli("run", str(SCENARIO), "--scheduler", "tcp://127.0.0.1:9", "-j", "2")
    assert (result.exit_code, result.output) == (2, "--jobs runs local processes, --scheduler a cluster: "
                                                    "give one of them\n")


def test_an_unreachable_scheduler_is_one_line_and_exit_2(cluster: Any) -> None:
    import dask
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = cli("run", str(SCENARIO), "-n", "2", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.output.startswith("--scheduler tcp://127.0.0.1:9: no dask scheduler answers there (")
    assert result.output.count("\n") == 1


def test_without_the_extra_scheduler_says_how_to_install_it() -> None:
    code = ("import sys; sys.modules['distributed'] = None; from drillsim.cli import main; "
            f"main(['run', {str(SCENARIO)!r}, '-n', '2', '--scheduler', 'tcp://127.0.0.1:8786'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", INSTALL + "\n")
    assert INSTALL == "--scheduler needs the dask extra: pip install 'drillsim[dask]'"


def test_drillsim_does_not_import_dask_until_asked() -> None:
    code = ("import sys, drillsim.cli, drillsim.api, drillsim.experiment.sweeps, drillsim.experiment.distributed; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout == "[]\n"


class FakeClient:
    """Answers client.run(model_versions) as the given workers would."""

    def __init__(self, answer: dict[str, dict[str, str]] | Exception) -> None:
        self.answer = answer

    def run(self, function: Any) -> dict[str, dict[str, str]]:
        assert function is model_versions
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_workers_with_other_versions_or_without_drillsim_are_refused() -> None:
    here = model_versions()
    check_workers(FakeClient({"tcp://a:1": dict(here), "tcp://b:1": dict(here)}))
    other = {**here, "numpy": "0.0"}
    with pytest.raises(ClusterError, match=r"^worker tcp://b:1: numpy .* here, 0\.0 there: its results would differ"):
        check_workers(FakeClient({"tcp://a:1": dict(here), "tcp://b:1": other}))
    with pytest.raises(ClusterError, match=r"the workers cannot run drillsim \(ModuleNotFoundError: No module"):
        check_workers(FakeClient(ModuleNotFoundError("No module named 'drillsim'")))


def test_an_interrupted_run_cancels_its_tasks_on_the_cluster(client: Any) -> None:
    from distributed import get_task_stream
    # Four weeks a task: the tasks that finish while the cancellation travels are then few, whatever the load.
    scenario = api.load(SLOW).replace({"horizon": "28d"})

    def interrupt(count: int) -> None:
        raise KeyboardInterrupt

    def ours(dask_scheduler: Any) -> int:
        return sum(str(key).startswith("_records-") for key in dask_scheduler.tasks)

    with get_task_stream(client) as stream:
        with pytest.raises(KeyboardInterrupt):
            api.run(scenario, replications=40, seed=8, client=client, progress=interrupt)
        deadline = time.monotonic() + 60
        while client.run_on_scheduler(ours) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert client.run_on_scheduler(ours) == 0
    # Cancelled, only the tasks already on a worker (or done) ran: at most half of them.
    tasks = len(list(runner._chunks(list(range(40)), sum(client.nthreads().values()))))
    assert 1 <= len(batches(stream)) <= tasks // 2


def test_a_worker_killed_mid_sweep_changes_nothing(client: Any, tmp_path: Path) -> None:
    from distributed import get_task_stream
    scenario = api.load(SLOW)
    vary = {"staffing.office.staff": [1, 2]}
    api.sweep(scenario, vary, replications=16, seed=3, targets=[TARGET], out=tmp_path / "local")
    pids = client.run(os.getpid)
    killed: dict[str, Any] = {}

    def kill_a_busy_worker(count: int) -> None:
        """At the first finished task: SIGKILL a worker holding tasks, as a lost machine would."""
        if killed:
            return
        worker, keys = max(client.processing().items(), key=lambda item: len(item[1]))
        killed.update(worker=worker, keys=set(keys))
        os.kill(pids[worker], signal.SIGKILL)

    with get_task_stream(client) as stream:
        api.sweep(scenario, vary, replications=16, seed=3, targets=[TARGET], out=tmp_path / "dask", client=client,
                  progress=kill_a_busy_worker)
    assert killed["keys"], "the killed worker held no task"
    elsewhere = {task["key"] for task in batches(stream) if task["worker"] != killed["worker"]}
    assert killed["keys"] & elsewhere, "no task of the killed worker ran again on another"
    assert pids[killed["worker"]] not in client.run(os.getpid).values()
    assert files(tmp_path / "dask") == files(tmp_path / "local")
    client.wait_for_workers(2, timeout=60)
