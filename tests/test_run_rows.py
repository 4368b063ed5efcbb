"""The run directory's rows, read in the one module that names its files, and the CAP messages built from them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from drillsim import api
from drillsim.exercise.cap import DEFAULT_EPOCH, NS, messages, parse_epoch
from drillsim.experiment import rundir
from drillsim.files import UnreadableFile
from drillsim.scenario import load
from tests.helpers import CASES, ROOT

CASE = CASES / "night-one-grid-worker.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rows")
    rundir.write_run(api.run(load(CASE), replications=2, seed=5), out)
    return out


def test_no_module_but_the_run_directorys_spells_the_name_of_one_of_its_files() -> None:
    source = ROOT / "src" / "drillsim"
    names = "|".join(re.escape(name) for name in rundir.RUN_FILES)
    spelled = [f"{path.relative_to(source)}: {match.group(0)}" for path in sorted(source.rglob("*.py"))
               if path != source / "experiment" / "rundir.py"
               for match in re.finditer(f"[\"']({names})[\"']", path.read_text(encoding="utf-8"))]
    assert spelled == []


def test_the_rows_are_the_files_rows_with_the_lines_they_end_on(run_dir: Path) -> None:
    rows = rundir.RunRows(run_dir)
    assert rows.scenario.name == load(CASE).name
    assert (rows.summary["scenario"], rows.summary["seed"]) == (rows.scenario.name, 5)
    incidents = rows.incidents(("replication", "incident"))
    text = (run_dir / rundir.INCIDENTS).read_text(encoding="utf-8").splitlines()
    assert [line for line, _ in incidents] == list(range(2, len(text) + 1))
    assert {r["replication"] for _, r in incidents} == {"0", "1"}
    assert {row["scenario"] for _, row in incidents} == {rows.scenario.name}  # a quoted cell with a comma, whole
    steps = rows.steps(("step", "served_by"))
    assert len(steps) == len((run_dir / rundir.STEPS).read_text(encoding="utf-8").splitlines()) - 1
    assert rows.steps_file == run_dir / rundir.STEPS
    with pytest.raises(UnreadableFile, match=re.escape(f"{run_dir / rundir.STEPS}:1: no column nothing, none;")):
        rows.steps(("step", "nothing", "none"))


def test_a_directory_without_the_files_is_refused_naming_them_in_order(tmp_path: Path) -> None:
    (tmp_path / rundir.INCIDENTS).write_text("replication\n", encoding="utf-8")
    with pytest.raises(rundir.RunDirError, match=re.escape(f"{tmp_path}: no steps.csv, scenario.yaml, summary.json;")):
        rundir.RunRows(tmp_path)


class _Without:
    """The rows of a run with its first incident's steps left out: what the messages are built from is data."""

    def __init__(self, rows: rundir.RunRows) -> None:
        self.scenario, self.summary, self.steps_file = rows.scenario, rows.summary, rows.steps_file
        self._rows = rows

    def incidents(self, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        return self._rows.incidents(columns)

    def steps(self, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        return [(line, row) for line, row in self._rows.steps(columns) if row["incident"] != "1"]


def test_the_messages_are_built_from_the_rows_given_with_the_version_given(run_dir: Path) -> None:
    rows = rundir.RunRows(run_dir)
    every = messages(rows, parse_epoch(DEFAULT_EPOCH), version="9.8.7")
    assert every and {ET.fromstring(m.xml).findtext(f"{{{NS}}}source") for m in every} == {"drillsim 9.8.7"}
    fewer = messages(_Without(rows), parse_epoch(DEFAULT_EPOCH), version="9.8.7")
    assert fewer == [m for m in every if "-i1-" not in m.identifier] != every
