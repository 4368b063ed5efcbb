"""The run directory has one list of its files, and its writer and its reader keep to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillsim import api, plots
from drillsim.experiment import rundir
from drillsim.files import LOCK_NAME
from drillsim.scenario import load
from tests.helpers import CASES

CASE = CASES / "night-one-grid-worker.yaml"


def test_every_file_a_run_writes_is_in_the_one_list_and_the_reader_finds_what_it_needs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each plot as a blank picture: the names are what is tested here, and drawing them takes seconds.
    monkeypatch.setattr(plots, "render", lambda run: ((name, None) for name in plots.PLOTS))
    monkeypatch.setattr(plots, "to_bytes", lambda figure, fmt: b"<svg/>")
    results = api.run(load(CASE), replications=1, seed=3)
    with rundir.run_directory(tmp_path) as out:
        written = rundir.write_run(results, out) + rundir.write_figures(results, out, report=True)
    names = sorted(p.name for p in written)
    assert names == sorted(rundir.RUN_FILES)  # a run with every record and its report writes every file listed
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # and nothing else (the lock is gone)
    assert LOCK_NAME not in names
    saved = rundir.SavedRun(tmp_path)
    assert saved.summary == results.summary()
    assert saved.staffing.equals(results.staffing.drop(columns="scenario"))


def test_the_plot_files_are_named_after_the_plots_in_their_order() -> None:
    assert tuple(plots.PLOTS) == rundir.PLOTS


@pytest.mark.parametrize("missing", rundir.REQUIRED)
def test_a_directory_without_a_required_file_is_refused_naming_it(tmp_path: Path, missing: str) -> None:
    for name in rundir.REQUIRED:
        if name != missing:
            (tmp_path / name).write_text("{}", encoding="utf-8")
    with pytest.raises(rundir.RunDirError, match=f"missing {missing};"):
        rundir.SavedRun(tmp_path)
