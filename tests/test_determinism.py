"""Same seed, same bytes: run twice, with one or two worker processes, and with replications finishing in any order.

And common random numbers: changing staffing, shifts or deadlines leaves every
incident identical (time, category, level, grid, every drawn duration), so
that differences between staffing options are the options' doing.
"""

from __future__ import annotations

import gc
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import drillsim
from drillsim.experiment import runner as runmodule
from drillsim.experiment.rundir import write_run
from drillsim.experiment.runner import replicate
from drillsim.model import incidents_of
from drillsim.results import Results
from drillsim.scenario import Scenario
from tests.helpers import ROOT

NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"
SEED, REPLICATIONS = 41, 6
DRAWN = ["replication", "incident", "source", "parent", "category", "example", "description", "grid", "level",
         "judged_level", "major_class", "command_post_required", "occurred", "changes"]


@pytest.fixture(scope="module")
def night() -> Scenario:
    return drillsim.load(NIGHT).replace(horizon="2d")


def _written(results: Results, out: Path) -> dict[str, bytes]:
    """Every file of the run directory; in provenance.json only what the seed decides (not when it was written)."""
    write_run(results, out)
    files = {path.name: path.read_bytes() for path in sorted(out.iterdir())}
    provenance = json.loads(files["provenance.json"])
    files["provenance.json"] = json.dumps({k: v for k, v in provenance.items()
                                           if k not in ("written", "elapsed_seconds")}).encode()
    return files


@pytest.fixture(scope="module")
def reference(night: Scenario, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    results = drillsim.run(night, replications=REPLICATIONS, seed=SEED)
    return _written(results, tmp_path_factory.mktemp("reference"))


def test_the_same_seed_twice_gives_the_same_bytes(night: Scenario, reference: dict[str, bytes],
                                                  tmp_path: Path) -> None:
    again = _written(drillsim.run(night, replications=REPLICATIONS, seed=SEED), tmp_path)
    assert again == reference
    assert len(reference["events.csv"]) > 10_000  # a run with something in it
    other = _written(drillsim.run(night, replications=REPLICATIONS, seed=SEED + 1), tmp_path / "other")
    assert other["incidents.csv"] != reference["incidents.csv"]


def test_one_or_two_worker_processes_give_the_same_bytes(night: Scenario, reference: dict[str, bytes],
                                                         tmp_path: Path) -> None:
    parallel = drillsim.run(night, replications=REPLICATIONS, seed=SEED, jobs=2)
    assert _written(parallel, tmp_path) == reference


def test_replications_run_in_reverse_or_shuffled_order_give_the_same_bytes(
        night: Scenario, reference: dict[str, bytes], tmp_path: Path) -> None:
    for name, order in (("reverse", [5, 4, 3, 2, 1, 0]), ("shuffled", [3, 0, 5, 1, 4, 2])):
        reps = replicate(night, order, SEED)
        assert _written(Results(night, SEED, reps), tmp_path / name) == reference


def test_replications_finishing_out_of_order_give_the_same_bytes(
        night: Scenario, reference: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Six one-replication tasks run at once, each held until the next one has finished: they finish last first."""
    finished: list[int] = []
    done = {r: threading.Event() for r in range(REPLICATIONS)}
    batch = runmodule._records

    def last_first(scenario: Scenario, seed: int, replications: list[int], load: float) -> Any:
        (first,) = replications
        if first + 1 < REPLICATIONS:
            assert done[first + 1].wait(timeout=60)
        out = batch(scenario, seed, replications, load)
        finished.append(first)
        done[first].set()
        return out

    monkeypatch.setattr(runmodule, "_records", last_first)
    with ThreadPoolExecutor(max_workers=REPLICATIONS) as executor:
        reps = replicate(night, range(REPLICATIONS), SEED, jobs=REPLICATIONS, executor=executor)
    assert finished == [5, 4, 3, 2, 1, 0]
    assert _written(Results(night, SEED, reps), tmp_path) == reference


def test_seed_entropy_is_recorded_in_the_outputs(reference: dict[str, bytes]) -> None:
    assert json.loads(reference["provenance.json"])["seed_entropy"] == SEED
    assert json.loads(reference["summary.json"])["seed"] == SEED
    assert f"seed: {SEED}" in reference["scenario.yaml"].decode()


VARIANTS = {
    "a third office worker at night": {"staffing.office.shifts[1].staff": 3},
    "no office shifts at all": {"staffing.office.shifts": [], "staffing.office.staff": 5},
    "two grid workers at night": {"staffing.grid_worker.grids.community.shifts[0].staff": 2},
    "a grid worker off sick on day 1": {"staffing.grid_worker.grids.community.absences":
                                        [{"from": "1d 00:00", "to": "2d 00:00", "staff": 1}]},
    "a slower deputy": {"staffing.deputy.handover": "30m"},
    "tighter deadlines": {"deadlines.office_to_leadership.limit": "10m", "deadlines.continuation.limit": "15m"},
}


@pytest.mark.parametrize("name", VARIANTS)
def test_staffing_shifts_and_deadlines_leave_every_incident_identical(night: Scenario, name: str) -> None:
    variant = night.replace(VARIANTS[name])
    assert variant != night
    seen = 0
    for replication in range(3):
        base, other = incidents_of(night, SEED, replication), incidents_of(variant, SEED, replication)
        assert other == base  # time, category, level, grid, and the durations drawn for every step
        seen += len(base)
    assert seen > 10
    frames = [drillsim.run(s, replications=3, seed=SEED).incidents[DRAWN] for s in (night, variant)]
    assert frames[0].equals(frames[1])


def test_the_incidents_do_change_with_the_load_or_a_probability(night: Scenario) -> None:
    """The check above can fail: what should change the incidents does."""
    base = incidents_of(night, SEED, 0)
    assert incidents_of(night, SEED, 0, load=2.0) != base
    assert incidents_of(night.replace({"probabilities.incomplete_report": 0.9}), SEED, 0) != base


def test_chunks_cover_every_replication_once_and_shrink_towards_the_end() -> None:
    chunks = list(runmodule._chunks(list(range(200)), 2))
    assert [r for chunk in chunks for r in chunk] == list(range(200))
    sizes = [len(chunk) for chunk in chunks]
    assert max(sizes) == 8 and sizes == sorted(sizes, reverse=True) and sizes[-1] == 1


def test_a_worker_keeps_what_it_inherits_out_of_its_collector() -> None:
    """Forked workers freeze the parent's objects, so collections never walk (and copy) the inherited pages."""
    with runmodule.pool(1) as workers:
        assert workers.submit(gc.get_freeze_count).result() > 0
