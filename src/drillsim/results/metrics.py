"""The figures of a run, computed in one place: frames reduce to aggregates, tables come from aggregates."""

from __future__ import annotations

import math
from array import array
from collections import Counter
from typing import Any

import pandas as pd

from drillsim.model.staffing import HolderSpec, Schedule
from drillsim.results.aggregates import STATUSES, ActorAggregate, Ordered, RuleAggregate, mean, quantile
from drillsim.results.people import PeopleAggregate, Sharer, TaskKind, role_name
from drillsim.results.stats import clustered_wilson, ratio_interval, t_interval
from drillsim.scenario.schema import Scenario

ALL_LEVELS = "all"


WAIT_TOTALS = ["replication", "actor", "wait", "tasks"]


def counted(frame: pd.DataFrame, incidents: pd.DataFrame, warm_up: int) -> pd.DataFrame:
    """The rows (steps, verdicts) of incidents that occurred from the warm-up on: the ones every figure counts."""
    if warm_up == 0:
        return frame
    warm = incidents.loc[incidents["occurred"] < warm_up, ["replication", "incident"]]
    keys = pd.MultiIndex.from_frame(frame[["replication", "incident"]].astype("int64"))
    return frame[~keys.isin(pd.MultiIndex.from_frame(warm.astype("int64")))]


def lateness(verdicts: pd.DataFrame) -> pd.Series:
    """Seconds past the deadline of each missed verdict (a lower bound for reports never made)."""
    late = (-verdicts["slack"]).astype("Float64")
    return late.fillna(verdicts["late_at_least"].astype("Float64"))


def rule_aggregate(verdicts: pd.DataFrame) -> RuleAggregate:
    """The verdict frame reduced to what the rule table needs: one groupby for the counts, one for lateness."""
    counts = verdicts.groupby(["replication", "rule", "level", "status"]).size()
    missed = verdicts[verdicts["status"] == "missed"]
    late = (pd.DataFrame({"rule": missed["rule"], "level": missed["level"], "late": lateness(missed)})
            .dropna(subset=["late"]))
    aggregate = RuleAggregate(Counter({(int(rep), rule, level, status): int(n)
                                       for (rep, rule, level, status), n in counts.items()}))
    for (rule, level), values in late.groupby(["rule", "level"])["late"]:
        aggregate.late[(rule, level)] = array("q", values.astype("int64").to_numpy())
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
        late_by_level = {level: values for (of, level), values in aggregate.late.items() if of == rule_id}
        parts = [(ALL_LEVELS, by_rule.get(rule_id, {}), Ordered(late_by_level.values()))]
        parts += [(level, by_level[(rule_id, level)], Ordered([late_by_level.get(level, array("q"))]))
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
                "late_median": late.median() if late.size else math.nan,
                "late_p90": late.quantile(0.9) if late.size else math.nan,
                "worst_late": late.max() if late.size else math.nan,
            })
    return pd.DataFrame(rows)


def _person_seconds(started: pd.DataFrame, horizon: int, warm_up: int = 0) -> pd.Series:
    """Each started step's work in person-seconds of the role that served it, from the warm-up on, up to the
    horizon for work still going on: a team's task led by a role takes one person of it (its units are members)."""
    end = started["finished"].fillna(horizon).clip(upper=horizon).astype(float)
    units = started["units"]
    if "people" in started:
        units = units.where((started["people"] == "") | (started["served_by"] == started["actor"]), 1)
    if warm_up == 0:
        return (end - started["started"].astype(float)) * units
    return (end - started["started"].astype(float).clip(lower=warm_up)).clip(lower=0) * units


def on_duty_seconds(staffing: pd.DataFrame, horizon: int, warm_up: int = 0) -> pd.DataFrame:
    """Person-seconds each crew was on duty from the warm-up to the horizon, from its schedule."""
    frame = staffing.sort_values(["replication", "actor", "unit", "time"]).copy()
    nxt = frame.groupby(["replication", "actor", "unit"])["time"].shift(-1).fillna(horizon)
    start = frame["time"]
    if warm_up:
        nxt, start = nxt.clip(lower=warm_up), start.clip(lower=warm_up)
    frame["capacity"] = (nxt - start) * frame["on_duty"]
    return frame.groupby(["replication", "actor", "unit"], as_index=False)["capacity"].sum()


def actor_aggregate(steps: pd.DataFrame, horizon: int, warm_up: int = 0,
                    measured: pd.DataFrame | None = None) -> ActorAggregate:
    """The step frame reduced to what the actor table needs: one groupby per crew served, one for the waits.

    Busy time comes from every step (from the warm-up on); tasks and waits
    from `measured`, the steps of the incidents counted (all by default).
    """
    started = steps[steps["started"].notna()]
    served = (pd.DataFrame({"served_by": started["served_by"], "busy": _person_seconds(started, horizon, warm_up)})
              .groupby("served_by")["busy"].agg(["sum", "size"]))
    tasks = served["size"]
    if measured is not None and measured is not steps:
        started = measured[measured["started"].notna()]
        tasks = started.groupby("served_by").size()
    wait = started["started"] - started["queued"]
    waits = wait.groupby([started["actor"], wait]).size()
    aggregate = ActorAggregate(busy={actor: float(busy) for actor, busy in served["sum"].items()},
                               tasks=Counter({actor: int(n) for actor, n in tasks.items()}))
    for (actor, wait), n in waits.items():
        aggregate.waits.setdefault(actor, Counter())[int(wait)] = int(n)
    return aggregate


def wait_totals(steps: pd.DataFrame) -> pd.DataFrame:
    """Per replication and actor asked for: total wait (seconds) and tasks started (the steps of counted incidents)."""
    started = steps[steps["started"].notna()]
    return (started.assign(wait=(started["started"] - started["queued"]).astype(float), tasks=1)
            .groupby(["replication", "actor"], as_index=False)[["wait", "tasks"]].sum())


def actor_table(scenario: Scenario, aggregate: ActorAggregate, staffing: pd.DataFrame,
                   waits_by_replication: pd.DataFrame) -> pd.DataFrame:
    """The actor table from busy seconds, waits and tasks (`actor_aggregate` of the steps, or a run's tallies) and
    the staffing.

    `waits_by_replication` (WAIT_TOTALS columns) gives the mean wait's
    interval: the replication is the unit (stats.ratio_interval).
    """
    capacity = on_duty_seconds(staffing, scenario.horizon, scenario.warm_up).groupby("actor")["capacity"].sum()
    replications = sorted(staffing["replication"].unique())
    by_actor = dict(tuple(waits_by_replication.groupby("actor")))
    rows = []
    for actor in capacity.index:
        waits = aggregate.waits.get(actor)
        cap = float(capacity[actor])
        totals = by_actor.get(actor, pd.DataFrame(columns=WAIT_TOTALS)).set_index("replication")
        totals = totals[["wait", "tasks"]].reindex(replications, fill_value=0)
        _, low, high = ratio_interval(totals["wait"].to_numpy(float), totals["tasks"].to_numpy(float))
        rows.append({
            "actor": actor, "title": scenario.actors[actor].title,
            "utilisation": float(aggregate.busy.get(actor, 0.0)) / cap if cap else math.nan,
            "mean_wait": mean(waits) if waits else 0.0,
            "mean_wait_low": low if waits else math.nan, "mean_wait_high": high if waits else math.nan,
            "p90_wait": quantile(waits, 0.9) if waits else 0.0,
            "tasks": aggregate.tasks.get(actor, 0),
        })
    table = pd.DataFrame(rows, columns=["actor", "title", "utilisation", "mean_wait", "mean_wait_low",
                                        "mean_wait_high", "p90_wait", "tasks"])
    return table.sort_values(["utilisation", "mean_wait"], ascending=False, ignore_index=True)


PEOPLE_COLUMNS = ["holder", "title", "roles", "tasks", "busy_hours", "on_duty_hours", "utilisation",
                  "utilisation_low", "utilisation_high"]


def people_aggregates(steps: pd.DataFrame, horizon: int, warm_up: int = 0,
                      measured: pd.DataFrame | None = None) -> dict[int, PeopleAggregate]:
    """Per replication, the step frame summed per kind of task, as a Tally sums it (people.PeopleAggregate): seconds
    from every started step, tasks from `measured` (the steps of the incidents counted; all by default)."""
    keys = ["people", "actor", "served_by", "unit", "units"]
    started = steps[steps["started"].notna()]
    end = started["finished"].fillna(horizon).clip(upper=horizon).astype("int64")
    seconds = (end - started["started"].astype("int64").clip(lower=warm_up) - started["paused"]).clip(lower=0)
    out: dict[int, PeopleAggregate] = {}
    for (rep, *kind), total_ in seconds.groupby([started["replication"], *(started[k] for k in keys)]).sum().items():
        out.setdefault(int(rep), PeopleAggregate()).seconds[_kind(kind)] = int(total_)
    counted_ = started if measured is None else measured[measured["started"].notna()]
    for (rep, *kind), n in counted_.groupby(["replication", *keys]).size().items():
        out.setdefault(int(rep), PeopleAggregate()).tasks[_kind(kind)] = int(n)
    return out


def _kind(values: list[Any]) -> TaskKind:
    people, actor, served_by, unit, units = values
    return (str(people), str(actor), str(served_by), str(unit), int(units))


def people_table(scenario: Scenario, aggregates: dict[int, PeopleAggregate], replications: list[int]) -> pd.DataFrame:
    """Per holder (each named person, and each role's anonymous staff): tasks (over every replication, as the actor
    table counts them), busy and on-duty hours per replication, utilisation (busy person-seconds over on-duty
    person-seconds from the warm-up on) with its 95 % interval over replications, and the roles they worked in,
    busiest first; the busiest holder first.

    Staffing draws nothing, so every replication has the same on-duty time:
    the pooled utilisation is the mean of the replications' and its interval
    Student's t on them, kept within 0-1.
    """
    sharer = Sharer(scenario)
    horizon, warm_up = scenario.horizon, scenario.warm_up
    busy: dict[str, list[float]] = {name: [0.0] * len(replications) for name in sharer.holders}
    tasks: Counter[str] = Counter()
    worked: dict[str, Counter[str]] = {name: Counter() for name in sharer.holders}
    for i, rep in enumerate(replications):
        aggregate = aggregates.get(rep, PeopleAggregate())
        for kind, seconds in aggregate.seconds.items():
            for name, count, role in sharer.shares(kind):
                busy[name][i] += seconds * count
                worked[name][role_name(role)] += seconds * count
        for kind, n in aggregate.tasks.items():
            for name, _, role in sharer.shares(kind):
                tasks[name] += n
                worked[name].setdefault(role_name(role), 0)  # a role worked in, even by tasks of no duration
    rows = []
    for name, holder in sharer.holders.items():
        on_duty = _on_duty(holder.schedule, horizon, warm_up)
        utilisation, low, high = t_interval([b / on_duty for b in busy[name]]) if on_duty else (math.nan,) * 3
        rows.append({
            "holder": name, "title": _title(scenario, holder),
            "roles": ", ".join(role for role, _ in sorted(worked[name].items(), key=lambda kv: -kv[1])),
            "tasks": tasks[name],
            "busy_hours": sum(busy[name]) / len(replications) / 3600 if replications else 0.0,
            "on_duty_hours": on_duty / 3600,
            "utilisation": utilisation,
            "utilisation_low": max(0.0, low) if not math.isnan(low) else math.nan,
            "utilisation_high": min(1.0, high) if not math.isnan(high) else math.nan,
        })
    table = pd.DataFrame(rows, columns=PEOPLE_COLUMNS)
    return table.sort_values(["utilisation", "busy_hours"], ascending=False, ignore_index=True, na_position="last")


def _on_duty(schedule: Schedule, horizon: int, warm_up: int) -> int:
    """Person-seconds on duty from the warm-up to the horizon."""
    total_ = 0
    for (time, count), (until, _) in zip(schedule, [*schedule[1:], (horizon, 0)], strict=True):
        total_ += max(0, min(until, horizon) - max(time, warm_up)) * count
    return total_


def _title(scenario: Scenario, holder: HolderSpec) -> str:
    """A person's title (their id when they have none); anonymous staff as their role's title (of a grid)."""
    if holder.name:
        return scenario.people[holder.name].title or holder.name
    actor, unit = holder.roles[0]
    title = scenario.actors[actor].title
    return f"{title} of {unit} (anonymous)" if unit else f"{title} (anonymous)"


ELEMENT_COLUMNS = ["step", "title", "carries", "sent", "followed_up", "held", "missing"]


def element_table(scenario: Scenario, steps: pd.DataFrame) -> pd.DataFrame:
    """Per report step that must carry core elements, in the flow's order: its reports whose work was done
    (`sent`), those sent before an element they must carry was known and followed up once it was, those held
    until it was known (the practice `wait` of the sender), and the elements they lacked, the most often missing
    first, joined with "+". `carries` is the plan's list joined with "+", or `all` / `known`."""
    done = steps[steps["finished"].notna()]
    missing = done["missing"].fillna("").astype(str) if "missing" in done else pd.Series("", index=done.index)
    waits = done["actor"].astype(str).map(lambda actor: scenario.practice_of(actor) == "wait").astype(bool)
    order = {name: i for i, name in enumerate(scenario.core_elements)}
    rows = []
    for step in scenario.flow:
        report = step.report
        if report is None or not report.carries:
            continue
        own = done["step"] == step.id
        lacked = own & (missing != "")
        counts = Counter(name for text in missing[lacked] for name in text.split("+"))
        rows.append({"step": step.id, "title": step.title or step.id,
                     "carries": report.carries if isinstance(report.carries, str) else "+".join(report.carries),
                     "sent": int(own.sum()), "followed_up": int((lacked & ~waits).sum()),
                     "held": int((lacked & waits).sum()),
                     "missing": "+".join(sorted(counts, key=lambda name: (-counts[name], order.get(name, len(order)),
                                                                          name)))})
    return pd.DataFrame(rows, columns=ELEMENT_COLUMNS)
