"""A run read back from the directory `drillsim run --out` wrote, for reports made after the fact.

The directory holds the summary (JSON), the tidy frames (CSV), the effective
scenario and the provenance; the frames are read back with the types the
run gave them, and what the directory does not hold (the on-duty schedule of
every crew) is rebuilt from the effective scenario by the model itself, so a
saved run offers the plots everything a live Results does.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from drillsim.results import bottleneck, metrics
from drillsim.scenario import Scenario, load
from drillsim.scenario.errors import DrillsimError

REQUIRED = ("summary.json", "provenance.json", "scenario.yaml", "steps.csv", "incidents.csv", "verdicts.csv")
_TIMES = ("queued", "started", "finished", "delivered", "acknowledged", "occurred", "closed", "parent", "start",
          "deadline", "end", "slack", "late_at_least")
_TEXT = ("actor", "served_by", "unit", "receiver", "channel", "grid", "description", "example", "major_class")


class RunDirError(DrillsimError):
    """A directory that is not (or no longer) what `drillsim run --out` wrote."""


class SavedRun:
    """The figures and frames of a finished run, read from its output directory."""

    def __init__(self, directory: Path) -> None:
        missing = [name for name in REQUIRED if not (directory / name).is_file()]
        if missing:
            raise RunDirError(f"{directory}: missing {', '.join(missing)}; "
                              f"give a directory written by `drillsim run --out`")
        self.directory = directory
        self.summary: dict[str, Any] = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
        self.provenance: dict[str, Any] = json.loads((directory / "provenance.json").read_text(encoding="utf-8"))
        self.scenario_text = (directory / "scenario.yaml").read_text(encoding="utf-8")
        self.scenario: Scenario = load(directory / "scenario.yaml")
        self.label: str = self.summary["scenario"]
        self.seed: int = self.summary["seed"]
        self.replications: int = self.summary["replications"]

    def _csv(self, name: str, milestones: bool = False) -> pd.DataFrame:
        frame = pd.read_csv(self.directory / name, keep_default_na=False, na_values=[""])
        names = set(self.scenario.milestones()) if milestones else set()
        for column in frame.columns:
            if column in _TIMES or column.split("#")[0] in names:
                frame[column] = frame[column].astype("Int64")
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
        """Every crew's on-duty schedule, as the model builds it from the scenario."""
        import simpy

        from drillsim.model.chain import Chain
        rows = [(s.replication, s.actor, s.unit, s.time, s.on_duty) for r in range(self.replications)
                for s in Chain(simpy.Environment(), self.scenario, r).staffing]
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
