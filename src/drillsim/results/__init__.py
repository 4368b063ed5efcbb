"""Results of a run: tidy frames built from the records, and the figures computed from them."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import pandas as pd

from drillsim.model import Replication
from drillsim.results import bottleneck, frames, metrics
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration


class Results:
    """The records of every replication of one scenario, as pandas DataFrames.

    Every frame carries `scenario` and `replication` columns so that results of
    several scenarios concatenate into one frame for comparison.
    """

    def __init__(self, scenario: Scenario, seed: int, replications: list[Replication], *, load: float = 1.0,
                 label: str | None = None, precision: dict[str, Any] | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replications = replications
        self.load = load
        self.label = label or scenario.name
        self.precision = precision
        """How a `precision=` run stopped (drillsim.figures.precision_report), else None."""

    def __repr__(self) -> str:
        return f"<Results {self.label!r}: {len(self.replications)} replications, seed {self.seed}>"

    def _tag(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame.insert(0, "scenario", self.label)
        return frame

    @cached_property
    def steps(self) -> pd.DataFrame:
        """One row per step instance, with wait, work and transit in seconds."""
        return self._tag(frames.steps(self.replications))

    @cached_property
    def events(self) -> pd.DataFrame:
        """The step-event log: one row per (step, queued/started/finished/delivered)."""
        return self._tag(frames.events(self.steps.drop(columns="scenario")))

    @cached_property
    def incidents(self) -> pd.DataFrame:
        """One row per incident with a column per milestone."""
        return self._tag(frames.incidents(self.replications))

    @cached_property
    def milestones(self) -> pd.DataFrame:
        return self._tag(frames.milestones(self.replications))

    @cached_property
    def verdicts(self) -> pd.DataFrame:
        """One row per deadline verdict."""
        return self._tag(frames.verdicts(self.replications))

    @cached_property
    def staffing(self) -> pd.DataFrame:
        return self._tag(frames.staffing(self.replications))

    def rules(self) -> pd.DataFrame:
        """Hit rate of every deadline rule, per level and over all levels, with Wilson intervals."""
        replications = [rep.replication for rep in self.replications]
        return metrics.rule_table(self.scenario, self.verdicts, replications)

    def actors(self) -> pd.DataFrame:
        """Utilisation and waits of every limited actor, busiest first."""
        return metrics.actor_table(self.scenario, self.steps, self.staffing)

    @cached_property
    def stages(self) -> pd.DataFrame:
        """Each verdict's window split into wait / work / transit stages along the critical path."""
        return bottleneck.stages(self.scenario, self.steps, self.verdicts, self.scenario.horizon)

    @cached_property
    def workload(self) -> bottleneck.Load:
        """People on duty and busy, and tasks waiting, of every crew over time."""
        return bottleneck.Load.build(self.steps, self.staffing, self.scenario.horizon)

    @cached_property
    def _bottlenecks(self) -> pd.DataFrame:
        return bottleneck.attribution(self.scenario, self.stages, self.steps, self.workload)

    def bottlenecks(self) -> pd.DataFrame:
        """Per rule, the share of its misses each stage caused, with the actor's load during them."""
        return self._bottlenecks.copy()

    def bottleneck(self) -> dict[str, Any]:
        """The stage that caused the most misses of the most-missed rule, in one sentence with its evidence."""
        table = self._bottlenecks
        return {**bottleneck.headline(self.scenario, table),
                "stages": [_clean(row) for row in table.to_dict("records")]}

    def summary(self) -> dict[str, Any]:
        """The figures the CLI prints, as plain data (the JSON summary)."""
        incidents = self.incidents
        n = len(self.replications)
        return {
            "scenario": self.label,
            "seed": self.seed,
            "replications": n,
            "horizon": format_duration(self.scenario.horizon),
            "load": self.load,
            "incidents": {
                "total": len(incidents),
                "per_replication": len(incidents) / n if n else 0.0,
                "closed": int(incidents["closed"].notna().sum()) if len(incidents) else 0,
                "open_at_horizon": int(incidents["closed"].isna().sum()) if len(incidents) else 0,
            },
            "rules": [_clean(row) for row in self.rules().to_dict("records")],
            "actors": [_clean(row) for row in self.actors().to_dict("records")],
            "bottleneck": self.bottleneck(),
            **({"precision": self.precision} if self.precision is not None else {}),
        }


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """NaN becomes None so that JSON stays valid."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


__all__ = ["Results"]
