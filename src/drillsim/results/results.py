"""One run's results: tidy frames built from the records, and the figures computed from them.

A run that kept only per-replication tallies (`keep="summary"`) has the
figures (rules, actors, staffing, summary) but not the frames of every record.

Incidents that occur before the scenario's `warm_up` are simulated (their
work loads the crews, and their records stay in the frames) but counted in
no figure; busy and on-duty time are measured from the warm-up on.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Literal

import pandas as pd

from drillsim.model import Replication
from drillsim.results import bottleneck, frames, metrics
from drillsim.results.aggregates import ActorAggregate, RuleAggregate, total
from drillsim.results.tally import Tally
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration


class RecordsNotKept(ValueError):
    """A frame of every record was asked of a run that kept only per-replication summaries."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs every record, but this run kept only summaries (rules, actors, staffing, "
                         f"summary()); run it again with keep='all' (--keep all on the command line)")


class Results:
    """The records of every replication of one scenario, as pandas DataFrames.

    Every frame carries `scenario` and `replication` columns so that results of
    several scenarios concatenate into one frame for comparison.

    With `tallies` (one per replication, in any order) the run kept only
    summaries: `replications` then carry no steps,
    incidents or verdicts, the figures come from the tallies, and the frames
    of every record raise RecordsNotKept.
    """

    def __init__(self, scenario: Scenario, seed: int, replications: list[Replication], *, load: float = 1.0,
                 label: str | None = None, precision: dict[str, Any] | None = None,
                 tallies: list[Tally] | None = None) -> None:
        if tallies is not None:
            _check_tallies(scenario, replications, tallies)
        self.scenario = scenario
        self.seed = seed
        self.replications = replications
        self.load = load
        self.label = label or scenario.name
        self.precision = precision
        """How a `precision=` run stopped (drillsim.experiment.per_replication.precision_report), else None."""
        self.tallies = tallies
        """One Tally per replication when only summaries were kept, else None."""
        self.readings: dict[str, Any] | None = None
        """How far each rule's hit rate moves with the reading of the plan, when the run measured it
        (drillsim.experiment.readings `marks`), else None."""

    def __repr__(self) -> str:
        kept = "" if self.tallies is None else ", summaries only"
        return f"<Results {self.label!r}: {len(self.replications)} replications, seed {self.seed}{kept}>"

    @property
    def keep(self) -> Literal["all", "summary"]:
        """"all" when every record was kept, "summary" when only the per-replication tallies were."""
        return "all" if self.tallies is None else "summary"

    def _records(self, what: str) -> None:
        if self.tallies is not None:
            raise RecordsNotKept(what)

    def _tag(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame.insert(0, "scenario", self.label)
        return frame

    @cached_property
    def steps(self) -> pd.DataFrame:
        """One row per step instance, with wait, work and transit in seconds."""
        self._records("Results.steps")
        return self._tag(frames.steps(self.replications))

    @cached_property
    def events(self) -> pd.DataFrame:
        """The step-event log: one row per (step, queued/started/finished/delivered)."""
        self._records("Results.events")
        return self._tag(frames.events(self.steps.drop(columns="scenario")))

    @cached_property
    def incidents(self) -> pd.DataFrame:
        """One row per incident with the reports that lacked core elements, a column per milestone, and `warm_up`
        (counted in no figure) if there is one."""
        self._records("Results.incidents")
        frame = self._tag(frames.incidents(self.scenario, self.replications))
        if self.scenario.warm_up:
            frame["warm_up"] = frame["occurred"] < self.scenario.warm_up
        return frame

    @cached_property
    def milestones(self) -> pd.DataFrame:
        self._records("Results.milestones")
        return self._tag(frames.milestones(self.replications))

    @cached_property
    def verdicts(self) -> pd.DataFrame:
        """One row per deadline verdict."""
        self._records("Results.verdicts")
        return self._tag(frames.verdicts(self.replications))

    @cached_property
    def staffing(self) -> pd.DataFrame:
        return self._tag(frames.staffing(self.scenario, [rep.replication for rep in self.replications]))

    def _counted(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` (steps, verdicts) that belong to incidents counted: those after the warm-up."""
        if not self.scenario.warm_up:
            return frame
        return metrics.counted(frame, self.incidents, self.scenario.warm_up)

    @cached_property
    def rule_aggregate(self) -> RuleAggregate:
        """Verdicts per (replication, rule, level, status) and the lateness of misses, from records or tallies."""
        if self.tallies is None:
            return metrics.rule_aggregate(self._counted(self.verdicts))
        aggregate = RuleAggregate()
        for tally in self.tallies:
            aggregate.update(tally.rules)
        return aggregate

    @cached_property
    def _rules(self) -> pd.DataFrame:
        return metrics.rule_table_of(self.scenario, self.rule_aggregate, [rep.replication for rep in self.replications])

    def rules(self) -> pd.DataFrame:
        """Hit rate of every deadline rule, per level and over all levels, with Wilson intervals."""
        return self._rules.copy()

    @cached_property
    def wait_totals(self) -> pd.DataFrame:
        """Per replication and actor asked for: total wait (seconds) and tasks of the incidents counted."""
        if self.tallies is None:
            return metrics.wait_totals(self._counted(self.steps))
        rows = [(tally.replication, actor, float(total(waits)), waits.total())
                for tally in self.tallies for actor, waits in sorted(tally.actors.waits.items())]
        return pd.DataFrame(rows, columns=metrics.WAIT_TOTALS).sort_values(["replication", "actor"],
                                                                          ignore_index=True)

    @cached_property
    def _actors(self) -> pd.DataFrame:
        if self.tallies is None:
            aggregate = metrics.actor_aggregate(self.steps, self.scenario.horizon, self.scenario.warm_up,
                                                self._counted(self.steps))
        else:
            aggregate = ActorAggregate()
            for tally in self.tallies:
                aggregate.update(tally.actors)
        return metrics.actor_table(self.scenario, aggregate, self.staffing, self.wait_totals)

    def actors(self) -> pd.DataFrame:
        """Utilisation and waits of every limited actor, busiest first."""
        return self._actors.copy()

    @cached_property
    def _people(self) -> pd.DataFrame:
        if self.tallies is None:
            aggregates = metrics.people_aggregates(self.steps, self.scenario.horizon, self.scenario.warm_up,
                                                   self._counted(self.steps))
        else:
            aggregates = {tally.replication: tally.people for tally in self.tallies}
        return metrics.people_table(self.scenario, aggregates, sorted(rep.replication for rep in self.replications))

    def people(self) -> pd.DataFrame:
        """Who did the work: per named person and per role's anonymous staff, tasks, busy and on-duty hours per
        replication, utilisation with its interval, and the roles they worked in; busiest first.

        A person is one resource whichever role a task comes from, so a
        person's utilisation is at most 1 however many roles they hold, where
        the actor table counts each role apart.
        """
        return self._people.copy()

    def elements(self) -> pd.DataFrame:
        """Per report step that must carry core elements: its reports, those followed up for want of an element
        and those held until it was known, and the elements most often missing (metrics.element_table)."""
        self._records("Results.elements()")
        return metrics.element_table(self.scenario, self._counted(self.steps))

    @cached_property
    def stages(self) -> pd.DataFrame:
        """Each verdict's window split into wait / work / transit stages along the critical path."""
        self._records("Results.stages")
        return bottleneck.stages(self.scenario, self.steps, self._counted(self.verdicts), self.scenario.horizon)

    @cached_property
    def workload(self) -> bottleneck.Load:
        """People on duty and busy, and tasks waiting, of every crew over time."""
        self._records("Results.workload")
        return bottleneck.Load.build(self.steps, self.staffing, self.scenario.horizon)

    @cached_property
    def _bottlenecks(self) -> pd.DataFrame:
        return bottleneck.attribution(self.scenario, self.stages, self.steps, self.workload)

    def bottlenecks(self) -> pd.DataFrame:
        """Per rule, the share of its misses each stage caused, with the actor's load during them."""
        self._records("Results.bottlenecks()")
        return self._bottlenecks.copy()

    def bottleneck(self) -> dict[str, Any]:
        """The stage that caused the most misses of the most-missed rule, in one sentence with its evidence."""
        self._records("Results.bottleneck()")
        table = self._bottlenecks
        return {**bottleneck.headline(self.scenario, table),
                "stages": [_clean(row) for row in table.to_dict("records")]}

    def summary(self) -> dict[str, Any]:
        """The figures the CLI prints, as plain data (the JSON summary).

        "bottleneck" is None when only summaries were kept: attributing misses
        to stages follows each verdict's critical path through the step records.
        """
        warm_up = self.scenario.warm_up
        if self.tallies is None:
            counted = [i for rep in self.replications for i in rep.incidents if i.occurred >= warm_up]
            count, closed = len(counted), sum(i.closed is not None for i in counted)
            early = sum(len(rep.incidents) for rep in self.replications) - count
        else:
            count = sum(tally.incidents for tally in self.tallies)
            closed = sum(tally.closed for tally in self.tallies)
            early = sum(tally.in_warm_up for tally in self.tallies)
        n = len(self.replications)
        return {
            "scenario": self.label,
            "seed": self.seed,
            "replications": n,
            "horizon": format_duration(self.scenario.horizon),
            **({"warm_up": format_duration(warm_up)} if warm_up else {}),
            "load": self.load,
            "incidents": {
                "total": count,
                "per_replication": count / n if n else 0.0,
                "closed": closed,
                "open_at_horizon": count - closed,
                **({"in_warm_up": early} if warm_up else {}),
            },
            "rules": [_clean(row) for row in self._rules.to_dict("records")],
            "actors": [_clean(row) for row in self._actors.to_dict("records")],
            "people": [_clean(row) for row in self._people.to_dict("records")],
            "bottleneck": self.bottleneck() if self.tallies is None else None,
            **({"precision": self.precision} if self.precision is not None else {}),
            **({"readings": self.readings} if self.readings is not None else {}),
        }


def _check_tallies(scenario: Scenario, replications: list[Replication], tallies: list[Tally]) -> None:
    """Tallies that do not match the replications would give figures of another run without a word."""
    if sorted(t.replication for t in tallies) != sorted(rep.replication for rep in replications):
        raise ValueError(f"tallies of replications {sorted(t.replication for t in tallies)} for replications "
                         f"{sorted(rep.replication for rep in replications)}: one tally per replication")
    if any(t.horizon != scenario.horizon for t in tallies):
        raise ValueError(f"tallies with a horizon other than the scenario's {scenario.horizon} s")
    if any(t.warm_up != scenario.warm_up for t in tallies):
        raise ValueError(f"tallies with a warm-up other than the scenario's {scenario.warm_up} s")


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """NaN becomes None so that JSON stays valid."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


__all__ = ["RecordsNotKept", "Results"]
