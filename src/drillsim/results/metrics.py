"""The figures of a run, computed in one place: frames reduce to aggregates, tables come from aggregates."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from drillsim.results.aggregates import STATUSES, ActorAggregate, RuleAggregate, mean, median, merged, quantile
from drillsim.results.stats import clustered_wilson
from drillsim.scenario.schema import Scenario

ALL_LEVELS = "all"


def lateness(verdicts: pd.DataFrame) -> pd.Series:
    """Seconds past the deadline of each missed verdict (a lower bound for reports never made)."""
    late = (-verdicts["slack"]).astype("Float64")
    return late.fillna(verdicts["late_at_least"].astype("Float64"))


def rule_aggregate(verdicts: pd.DataFrame) -> RuleAggregate:
    """The verdict frame reduced to what the rule table needs: one groupby for the counts, one for lateness."""
    counts = verdicts.groupby(["replication", "rule", "level", "status"]).size()
    missed = verdicts[verdicts["status"] == "missed"]
    late = (pd.DataFrame({"rule": missed["rule"], "level": missed["level"], "late": lateness(missed)})
            .dropna(subset=["late"]).groupby(["rule", "level", "late"]).size())
    aggregate = RuleAggregate(Counter({(int(rep), rule, level, status): int(n)
                                       for (rep, rule, level, status), n in counts.items()}))
    for (rule, level, seconds), n in late.items():
        aggregate.late.setdefault((rule, level), Counter())[int(seconds)] = int(n)
    return aggregate


def rule_table(scenario: Scenario, verdicts: pd.DataFrame, replications: list[int]) -> pd.DataFrame:
    """Per deadline rule and level (and all levels): how often the deadline was met, with its interval."""
    return rule_table_of(scenario, rule_aggregate(verdicts), replications)


def rule_table_of(scenario: Scenario, aggregate: RuleAggregate, replications: list[int]) -> pd.DataFrame:
    """The rule table from counts per replication, rule, level and status (`rule_table` on the verdicts).

    Incidents of one replication share queues, so the interval takes the
    replication as the independent unit (Wilson on an effective sample size):
    the pooled Wilson interval covers only about 70 % on a queue.
    """
    by_level: dict[tuple[str, str], dict[int, list[int]]] = {}
    by_rule: dict[str, dict[int, list[int]]] = {}
    for (rep, rule, level, status), n in aggregate.counts.items():
        # A level with any verdict has a row, even when all of them are pending.
        for cells in (by_level.setdefault((rule, level), {}), by_rule.setdefault(rule, {})):
            if status in STATUSES:
                cells.setdefault(rep, [0, 0, 0])[STATUSES.index(status)] += n
    rows = []
    for rule_id, rule in scenario.deadlines.items():
        late_by_level = {level: h for (of, level), h in aggregate.late.items() if of == rule_id}
        parts = [(ALL_LEVELS, by_rule.get(rule_id, {}), merged(late_by_level.values()))]
        parts += [(level, by_level[(rule_id, level)], late_by_level.get(level, Counter()))
                  for level in scenario.level_order if (rule_id, level) in by_level]
        for level, cells, late in parts:
            met, missed, pending = (sum(cell[i] for cell in cells.values()) for i in range(3))
            decided = met + missed
            met_by = [cells[r][0] if r in cells else 0 for r in replications]
            decided_by = [cells[r][0] + cells[r][1] if r in cells else 0 for r in replications]
            low, high = clustered_wilson(met_by, decided_by)
            rows.append({
                "rule": rule_id, "title": rule.title, "limit": rule.limit, "level": level,
                "applicable": decided, "met": met, "missed": missed, "pending": pending,
                "rate": met / decided if decided else math.nan, "low": low, "high": high,
                "late_median": median(late) if late else math.nan,
                "late_p90": quantile(late, 0.9) if late else math.nan,
                "worst_late": float(max(late)) if late else math.nan,
            })
    return pd.DataFrame(rows)


def busy_seconds(steps: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Person-seconds each crew spent working, within the horizon."""
    started = steps[steps["started"].notna()]
    return (pd.DataFrame({"replication": started["replication"], "actor": started["served_by"],
                          "unit": started["unit"], "busy": _person_seconds(started, horizon)})
            .groupby(["replication", "actor", "unit"], as_index=False)["busy"].sum())


def _person_seconds(started: pd.DataFrame, horizon: int) -> pd.Series:
    """Each started step's work in person-seconds, up to the horizon for work still going on."""
    end = started["finished"].fillna(horizon).clip(upper=horizon).astype(float)
    return (end - started["started"].astype(float)) * started["units"]


def on_duty_seconds(staffing: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Person-seconds each crew was on duty, from its schedule."""
    frame = staffing.sort_values(["replication", "actor", "unit", "time"]).copy()
    nxt = frame.groupby(["replication", "actor", "unit"])["time"].shift(-1).fillna(horizon)
    frame["capacity"] = (nxt - frame["time"]) * frame["on_duty"]
    return frame.groupby(["replication", "actor", "unit"], as_index=False)["capacity"].sum()


def actor_aggregate(steps: pd.DataFrame, horizon: int) -> ActorAggregate:
    """The step frame reduced to what the actor table needs: one groupby per crew served, one for the waits."""
    started = steps[steps["started"].notna()]
    served = (pd.DataFrame({"served_by": started["served_by"], "busy": _person_seconds(started, horizon)})
              .groupby("served_by")["busy"].agg(["sum", "size"]))
    wait = started["started"] - started["queued"]
    waits = wait.groupby([started["actor"], wait]).size()
    aggregate = ActorAggregate(busy={actor: float(busy) for actor, busy in served["sum"].items()},
                               tasks=Counter({actor: int(n) for actor, n in served["size"].items()}))
    for (actor, wait), n in waits.items():
        aggregate.waits.setdefault(actor, Counter())[int(wait)] = int(n)
    return aggregate


def actor_table(scenario: Scenario, steps: pd.DataFrame, staffing: pd.DataFrame) -> pd.DataFrame:
    """Per limited actor: utilisation, mean and 90th-percentile wait, tasks, sorted busiest first."""
    return actor_table_of(scenario, actor_aggregate(steps, scenario.horizon), staffing)


def actor_table_of(scenario: Scenario, aggregate: ActorAggregate, staffing: pd.DataFrame) -> pd.DataFrame:
    """The actor table from busy seconds, waits and tasks (`actor_table` on the steps) and the staffing."""
    capacity = on_duty_seconds(staffing, scenario.horizon).groupby("actor")["capacity"].sum()
    rows = []
    for actor in capacity.index:
        waits = aggregate.waits.get(actor)
        cap = float(capacity[actor])
        rows.append({
            "actor": actor, "title": scenario.actors[actor].title,
            "utilisation": float(aggregate.busy.get(actor, 0.0)) / cap if cap else math.nan,
            "mean_wait": mean(waits) if waits else 0.0,
            "p90_wait": quantile(waits, 0.9) if waits else 0.0,
            "tasks": aggregate.tasks.get(actor, 0),
        })
    table = pd.DataFrame(rows, columns=["actor", "title", "utilisation", "mean_wait", "p90_wait", "tasks"])
    return table.sort_values(["utilisation", "mean_wait"], ascending=False, ignore_index=True)
