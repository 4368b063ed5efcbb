"""Where the minutes went: each deadline's time split into the chain's stages.

For a verdict, the time from the rule's clock start to its report (or to the
horizon, for a report never made) is followed back along the critical path
of the flow: the step that reached the end milestone, the predecessor that
finished last before it, and so on. Each step contributes its wait for an
actor, its work and its report's transit; the stage with the largest share of
a missed deadline is the one that caused the miss.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from drillsim.scenario.schema import Scenario

STAGE_KINDS = ("wait", "work", "transit")


def _milestone_step(scenario: Scenario) -> dict[str, str]:
    return {step.milestone: step.id for step in scenario.flow}


def _critical_path(scenario: Scenario, steps: dict[tuple[str, int], dict[str, object]], end_step: str, k: int,
                   start_time: int) -> Iterator[dict[str, object]]:
    flow = {step.id: step for step in scenario.flow}
    current: str | None = end_step
    kk = k
    while current is not None:
        row = steps.get((current, kk if flow[current].per == "change" else -1))
        if row is None:
            return
        yield row
        if int(row["queued"]) <= start_time:  # type: ignore[call-overload]
            return
        best, best_time = None, -1
        for name in flow[current].after:
            if name in flow:
                pred = steps.get((name, kk if flow[name].per == "change" else -1))
                reached = pred.get("reached") if pred else None
                if reached is not None and int(reached) > best_time:  # type: ignore[call-overload]
                    best, best_time = name, int(reached)  # type: ignore[call-overload]
        current = best


def stages(scenario: Scenario, steps: pd.DataFrame, verdicts: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """One row per (verdict, stage): seconds of the deadline's window each stage consumed.

    Stage kinds: `wait` (for the actor), `work` (the actor working), `transit`
    (the report on the channels, with any follow-up round trip). Time not
    covered by any step (waiting for a condition or a predecessor off the
    critical path) is the stage `other`.
    """
    milestone_step = _milestone_step(scenario)
    rules = scenario.deadlines
    relevant = verdicts[verdicts["start"].notna()]
    by_incident = {key: group for key, group in steps.groupby(["replication", "incident"], sort=False)}
    rows: list[tuple[object, ...]] = []
    for v in relevant.itertuples(index=False):
        rule = rules[v.rule]
        group = by_incident.get((v.replication, v.incident))
        start = int(v.start)
        end = int(v.end) if pd.notna(v.end) else horizon
        window = max(end - start, 0)
        covered = 0
        if group is not None and rule.end in milestone_step and window > 0:
            records = {}
            flow = {step.id: step for step in scenario.flow}
            for r in group.itertuples(index=False):
                reached = r.delivered if pd.notna(r.delivered) else r.finished
                records[(r.step, r.change)] = {"step": r.step, "actor": r.actor, "served_by": r.served_by,
                                               "queued": r.queued, "started": r.started, "finished": r.finished,
                                               "delivered": r.delivered, "reached": reached if pd.notna(reached)
                                               else None, "report": flow[r.step].report is not None}
            end_step: str | None = milestone_step[rule.end]
            if (end_step, v.change) not in records and (end_step, -1) not in records:
                end_step = _last_reached(scenario, records, milestone_step[rule.end])
            for rec in _critical_path(scenario, records, end_step, v.change, start) if end_step else ():
                for kind, lo, hi in _spans(rec, end):
                    part = max(0, min(hi, end) - max(lo, start))
                    if part:
                        actor = rec["served_by"] if kind == "work" else rec["actor"]
                        rows.append((v.replication, v.incident, v.rule, v.change, v.status, rec["step"], kind,
                                     actor, part))
                        covered += part
        if window - covered > 0:
            rows.append((v.replication, v.incident, v.rule, v.change, v.status, "-", "other", "-", window - covered))
    return pd.DataFrame(rows, columns=["replication", "incident", "rule", "change", "status", "step", "kind",
                                       "actor", "seconds"])


def _last_reached(scenario: Scenario, records: dict[tuple[str, int], dict[str, object]], end_step: str) -> str | None:
    """For a report never made: the furthest step on the way to it that did start."""
    flow = {step.id: step for step in scenario.flow}
    todo, seen = [end_step], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in flow:
            continue
        seen.add(name)
        if any(key[0] == name for key in records):
            return name
        todo.extend(flow[name].after)
    return None


def _spans(rec: dict[str, object], end: int) -> Iterator[tuple[str, int, int]]:
    def t(name: str, default: int) -> int:
        value = rec[name]
        return int(value) if value is not None and pd.notna(value) else default  # type: ignore[call-overload]

    queued = t("queued", end)
    started = t("started", end)
    finished = t("finished", end)
    yield "wait", queued, started
    yield "work", started, finished
    if rec["report"]:
        yield "transit", finished, t("delivered", end)


def attribution(stage_rows: pd.DataFrame) -> pd.DataFrame:
    """For each rule: the share of its misses that each stage caused (the stage with most of the window)."""
    missed = stage_rows[stage_rows["status"] == "missed"]
    if missed.empty:
        return pd.DataFrame(columns=["rule", "kind", "actor", "step", "misses", "share"])
    keys = ["replication", "incident", "rule", "change"]
    top = missed.sort_values("seconds", ascending=False, kind="stable").drop_duplicates(keys)
    counts = top.groupby(["rule", "kind", "actor", "step"], as_index=False).size().rename(columns={"size": "misses"})
    totals = top.groupby("rule").size()
    counts["share"] = counts["misses"] / counts["rule"].map(totals)
    return counts.sort_values(["rule", "misses"], ascending=[True, False], ignore_index=True)


def describe_stage(kind: str, actor: str, step: str, titles: dict[str, str]) -> str:
    who = titles.get(actor, actor)
    if kind == "wait":
        return f"waiting for the {who.lower()} ({step})"
    if kind == "work":
        return f"the {who.lower()} working ({step})"
    if kind == "transit":
        return f"the report of {step} in transit"
    return "waiting for a condition or an earlier step"
