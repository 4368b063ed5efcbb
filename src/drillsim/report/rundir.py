"""A run read back from the directory `drillsim run --out` wrote, for reports made after the fact.

The directory holds the summary (JSON), the tidy frames (CSV), the effective
scenario and the provenance; the frames are read back with the types the
run gave them, and what the directory does not hold (the on-duty schedule of
every crew) is rebuilt from the effective scenario by the model itself, so a
saved run offers the plots everything a live Results does.
"""

from __future__ import annotations

import json
import stat
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from drillsim.files import UnreadableFile, read_frame, read_text
from drillsim.results import bottleneck, metrics
from drillsim.scenario import Scenario, load
from drillsim.scenario.errors import DrillsimError

REQUIRED = ("summary.json", "provenance.json", "scenario.yaml", "steps.csv", "incidents.csv", "verdicts.csv")
_TIMES = ("queued", "started", "finished", "delivered", "acknowledged", "occurred", "closed", "parent", "start",
          "deadline", "end", "slack", "late_at_least")
_TEXT = ("actor", "served_by", "unit", "receiver", "channel", "grid", "description", "example", "major_class")
RUN_FILE_LIMIT = 1 << 30
"""The largest run file read: a run's files grow with it, so the cap is far above an input's (files.read_text)."""
_SUMMARY = {"scenario": str, "seed": int, "replications": int, "horizon": str, "incidents": dict, "rules": list,
            "actors": list, "bottleneck": dict}
"""What summary.json holds at its top level, and of which JSON type, for the report and the plots."""
_COLUMNS = {"steps.csv": ("replication", "incident", "step", "change", "actor", "served_by", "unit", "queued",
                          "started", "finished", "delivered"),
            "incidents.csv": ("replication", "incident", "category", "level", "occurred", "major_class"),
            "verdicts.csv": ("replication", "incident", "rule", "change", "level", "start", "deadline", "end",
                             "status")}
"""The columns of each CSV that the report and the plots read."""


class RunDirError(DrillsimError):
    """A directory that is not (or no longer) what `drillsim run --out` wrote."""


class SavedRun:
    """The figures and frames of a finished run, read from its output directory."""

    def __init__(self, directory: Path) -> None:
        missing = [name for name in REQUIRED if not (directory / name).exists()]
        if missing:
            raise RunDirError(f"{directory}: missing {', '.join(missing)}; "
                              f"give a directory written by `drillsim run --out`")
        for name in REQUIRED:
            try:
                mode = (directory / name).stat().st_mode
            except OSError as exc:
                raise RunDirError(f"{directory / name}: cannot be read: {exc.strerror or exc}") from None
            if not stat.S_ISREG(mode):
                what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, device or socket)"
                raise RunDirError(f"{directory / name}: is {what}; expected the file `drillsim run --out` writes")
        self.directory = directory
        self.summary: dict[str, Any] = self._json("summary.json")
        for key, kind in _SUMMARY.items():
            if not isinstance(self.summary.get(key), kind) or (kind is int and isinstance(self.summary[key], bool)):
                raise RunDirError(f"{directory / 'summary.json'}: {key}: missing or not a JSON {kind.__name__}; "
                                  "expected the summary `drillsim run --out` writes")
        self.provenance: dict[str, Any] = self._json("provenance.json")
        self.scenario_text = read_text(directory / "scenario.yaml", what="the effective scenario drillsim wrote")
        self.scenario: Scenario = load(directory / "scenario.yaml")
        self.label: str = self.summary["scenario"]
        self.seed: int = self.summary["seed"]
        self.replications: int = self.summary["replications"]

    def _json(self, name: str) -> dict[str, Any]:
        """A JSON object the run wrote; a truncated, invalid or wrongly shaped one is named with what is wrong."""
        path = self.directory / name
        try:
            data = json.loads(read_text(path, what=f"the {name} drillsim wrote", limit=RUN_FILE_LIMIT))
        except json.JSONDecodeError as exc:
            raise UnreadableFile(path, f"not valid JSON ({exc.msg}; cut short?); expected the {name} "
                                       "`drillsim run --out` writes", exc.lineno) from None
        if not isinstance(data, dict):
            raise RunDirError(f"{path}: not a JSON object; expected the {name} `drillsim run --out` writes")
        return data

    def _csv(self, name: str, milestones: bool = False) -> pd.DataFrame:
        path = self.directory / name
        frame = read_frame(path, limit=RUN_FILE_LIMIT, what="the CSV table `drillsim run --out` writes")
        missing = [c for c in _COLUMNS.get(name, ()) if c not in frame.columns]
        if missing:
            raise RunDirError(f"{path}:1: no column {', '.join(missing)}; expected the CSV table "
                              "`drillsim run --out` writes")
        names = set(self.scenario.milestones()) if milestones else set()
        for column in frame.columns:
            if column in _TIMES or column.split("#")[0] in names:
                try:
                    frame[column] = frame[column].astype("Int64")
                except (TypeError, ValueError):
                    raise RunDirError(f"{path}: {column}: a cell that is not a time in whole seconds; expected "
                                      "the CSV table `drillsim run --out` writes") from None
        for column in _TEXT:
            if column in frame:
                frame[column] = frame[column].astype(object).fillna("").astype(str)
        return frame

    @cached_property
    def steps(self) -> pd.DataFrame:
        return self._csv("steps.csv")

    @cached_property
    def incidents(self) -> pd.DataFrame:
        frame = self._csv("incidents.csv", milestones=True)
        frame["major_class"] = frame["major_class"].replace("", None)
        return frame

    @cached_property
    def verdicts(self) -> pd.DataFrame:
        return self._csv("verdicts.csv")

    @cached_property
    def staffing(self) -> pd.DataFrame:
        """Every crew's on-duty schedule, from the scenario (as the model staffs its crews)."""
        from drillsim.model.staffing import staffing_records
        rows = [(s.replication, s.actor, s.unit, s.time, s.on_duty) for r in range(self.replications)
                for s in staffing_records(self.scenario, r)]
        return pd.DataFrame(rows, columns=["replication", "actor", "unit", "time", "on_duty"])

    @cached_property
    def stages(self) -> pd.DataFrame:
        return bottleneck.stages(self.scenario, self.steps, self._counted(self.verdicts), self.scenario.horizon)

    @cached_property
    def workload(self) -> bottleneck.Load:
        return bottleneck.Load.build(self.steps, self.staffing, self.scenario.horizon)

    def rules(self) -> pd.DataFrame:
        return metrics.rule_table(self.scenario, self._counted(self.verdicts), list(range(self.replications)))

    def _counted(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of incidents counted (after the warm-up), as the run counted them."""
        return metrics.counted(frame, self.incidents, self.scenario.warm_up)
