"""The figures of a run, computed in one place from its tidy frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from drillsim.results.stats import clustered_wilson
from drillsim.scenario.schema import Scenario

ALL_LEVELS = "all"


def lateness(verdicts: pd.DataFrame) -> pd.Series:
    """Seconds past the deadline of each missed verdict (a lower bound for reports never made)."""
    late = (-verdicts["slack"]).astype("Float64")
    return late.fillna(verdicts["late_at_least"].astype("Float64"))


def rule_table(scenario: Scenario, verdicts: pd.DataFrame, replications: list[int]) -> pd.DataFrame:
    """Per deadline rule and level (and all levels): how often the deadline was met, with its interval.

    Incidents of one replication share queues, so the interval takes the
    replication as the independent unit (Wilson on an effective sample size):
    the pooled Wilson interval covers only about 70 % on a queue.
    """
    rows = []
    levels = [ALL_LEVELS, *scenario.level_order]
    for rule_id, rule in scenario.deadlines.items():
        of_rule = verdicts[verdicts["rule"] == rule_id]
        for level in levels:
            part = of_rule if level == ALL_LEVELS else of_rule[of_rule["level"] == level]
            if level != ALL_LEVELS and part.empty:
                continue
            met = int((part["status"] == "met").sum())
            missed = int((part["status"] == "missed").sum())
            pending = int((part["status"] == "pending").sum())
            decided = met + missed
            decided_part = part[part["status"] != "pending"]
            hits = (decided_part["status"] == "met").astype(int)
            met_by = hits.groupby(decided_part["replication"]).sum().reindex(replications, fill_value=0)
            decided_by = decided_part.groupby("replication").size().reindex(replications, fill_value=0)
            low, high = clustered_wilson(met_by.to_numpy(), decided_by.to_numpy())
            late = lateness(part[part["status"] == "missed"]).dropna().to_numpy(dtype=float)
            rows.append({
                "rule": rule_id, "title": rule.title, "limit": rule.limit, "level": level,
                "applicable": decided, "met": met, "missed": missed, "pending": pending,
                "rate": met / decided if decided else math.nan, "low": low, "high": high,
                "late_median": float(np.median(late)) if late.size else math.nan,
                "late_p90": float(np.quantile(late, 0.9)) if late.size else math.nan,
                "worst_late": float(late.max()) if late.size else math.nan,
            })
    return pd.DataFrame(rows)


def busy_seconds(steps: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Person-seconds each crew spent working, within the horizon."""
    started = steps[steps["started"].notna()]
    end = started["finished"].fillna(horizon).clip(upper=horizon).astype(float)
    busy = (end - started["started"].astype(float)) * started["units"]
    return (pd.DataFrame({"replication": started["replication"], "actor": started["served_by"],
                          "unit": started["unit"], "busy": busy})
            .groupby(["replication", "actor", "unit"], as_index=False)["busy"].sum())


def on_duty_seconds(staffing: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Person-seconds each crew was on duty, from its schedule."""
    frame = staffing.sort_values(["replication", "actor", "unit", "time"]).copy()
    nxt = frame.groupby(["replication", "actor", "unit"])["time"].shift(-1).fillna(horizon)
    frame["capacity"] = (nxt - frame["time"]) * frame["on_duty"]
    return frame.groupby(["replication", "actor", "unit"], as_index=False)["capacity"].sum()


def actor_table(scenario: Scenario, steps: pd.DataFrame, staffing: pd.DataFrame) -> pd.DataFrame:
    """Per limited actor: utilisation, mean and 90th-percentile wait, tasks, sorted busiest first."""
    horizon = scenario.horizon
    capacity = on_duty_seconds(staffing, horizon).groupby("actor")["capacity"].sum()
    busy = busy_seconds(steps, horizon).groupby("actor")["busy"].sum()
    waits = steps[steps["started"].notna()].assign(wait=lambda f: (f["started"] - f["queued"]).astype(float))
    rows = []
    for actor in capacity.index:
        own = waits[waits["actor"] == actor]["wait"].to_numpy(dtype=float)
        cap = float(capacity[actor])
        rows.append({
            "actor": actor, "title": scenario.actors[actor].title,
            "utilisation": float(busy.get(actor, 0.0)) / cap if cap else math.nan,
            "mean_wait": float(own.mean()) if own.size else 0.0,
            "p90_wait": float(np.quantile(own, 0.9)) if own.size else 0.0,
            "tasks": int(((steps["served_by"] == actor) & steps["started"].notna()).sum()),
        })
    table = pd.DataFrame(rows, columns=["actor", "title", "utilisation", "mean_wait", "p90_wait", "tasks"])
    return table.sort_values(["utilisation", "mean_wait"], ascending=False, ignore_index=True)
