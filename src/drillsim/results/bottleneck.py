"""Where the minutes went: each deadline's time split into the chain's stages, and who was overloaded.

For a verdict, the time from the rule's clock start to its report (or to the
horizon, for a report never made) is followed back along the critical path
of the flow: the step that reached the end milestone, the predecessor that
was reached last before it, and so on until a step that was already waiting
when the clock started. Each step contributes its wait for an actor, its work
and its report's transit; time between a predecessor's report and the next
step being queued (a condition not yet holding) is `other`. The stage with the
largest share of a missed deadline is the one that caused the miss. A report's
transit that held a follow-up round trip is a `follow-up`, and one held back
until the core elements it must carry were known (the practice `wait`) is
`held`: neither is the channels' doing.

Everything is computed on whole arrays (one pass per flow step, never per
verdict), because a week of twenty replications has thousands of verdicts.
The evidence that an actor was overloaded (utilisation, queue length) is
integrated exactly from the records over the windows of the missed deadlines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from drillsim.i18n import SOURCE, _, language, ngettext, percent_text
from drillsim.scenario.flow import flow_of
from drillsim.scenario.names import title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import DAY, HOUR, format_clock, format_duration

STAGE_KINDS = ("wait", "work", "transit")
OTHER = "other"
FOLLOW_UP = "follow-up"
"""The kind a miss is attributed to when its report's transit held a follow-up round trip (an incomplete report:
sent before the elements it must carry were known, or by human error)."""
HELD = "held"
"""The kind a miss is attributed to when its report was held back until the elements it must carry were known
(the practice `wait`): the time from the work done to sending was the chain's not knowing, not the channels'."""
REPORT_KINDS = ("transit", FOLLOW_UP, HELD)
"""The kinds of a report's time after its work: the report's stage, whoever sent it."""
NO_STEP = "-"

STAGE_COLUMNS = ["replication", "incident", "rule", "change", "level", "status", "start", "end", "step", "kind",
                 "actor", "unit", "channel", "incomplete", "missing", "held", "seconds"]
ATTRIBUTION_COLUMNS = ["rule", "title", "limit", "missed", "step", "kind", "actor", "misses", "share",
                       "median_seconds", "median_budget", "utilisation", "queue", "fallback", "incomplete",
                       "busiest_from", "busiest_to", "busiest_utilisation", "waited_for", "missing", "sentence"]
_STAGE_DTYPES = {"replication": "int64", "incident": "int64", "change": "int64", "start": "int64", "end": "int64",
                 "seconds": "int64", "incomplete": "bool", "held": "bool"}


def _seconds(column: pd.Series) -> np.ndarray:
    """Times as float seconds with NaN for "not reached" (Int64, float or object columns alike)."""
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


class _Instances:
    """Every step instance of every incident in dense arrays indexed [incident, step, slot].

    Slot 0 is a step run once per incident, slot k+1 the instance for change k; steps are numbered by their
    place in the flow.
    """

    def __init__(self, scenario: Scenario, steps: pd.DataFrame, keys: pd.Index) -> None:
        flow = flow_of(scenario)
        self.code = {node.id: node.position for node in flow}
        self.names = np.array([node.id for node in flow], dtype=object)
        self.per_change = np.array([node.per_change for node in flow])
        self.report = np.array([node.step.report is not None for node in flow])
        self.preds = [[flow[name].position for name in node.predecessors] for node in flow]
        self.fan_in = {(node.position, flow[name].position) for node in flow for name in node.predecessors
                       if flow.fans_in(node, flow[name])}
        inc = keys.get_indexer(pd.MultiIndex.from_arrays([steps["replication"], steps["incident"]]))
        code = steps["step"].map(self.code).to_numpy(dtype=np.int64)
        change = steps["change"].to_numpy(dtype=np.int64)
        slot = np.where(self.per_change[code], change + 1, 0)
        self.slots = int(max(change.max(initial=-1) + 2, 1))
        shape = (len(keys), len(flow), self.slots)
        self.row = np.full(shape, -1, dtype=np.int64)
        self.row[inc, code, slot] = np.arange(len(steps))
        self.times = {}
        for name in ("queued", "started", "finished", "delivered"):
            dense = np.full(shape, np.nan)
            dense[inc, code, slot] = _seconds(steps[name])
            self.times[name] = dense
        delivered, finished = self.times["delivered"], self.times["finished"]
        self.reached = np.where(np.isnan(delivered), finished, delivered)

    def slot_of(self, step: np.ndarray, change: np.ndarray) -> np.ndarray:
        return np.where(self.per_change[step], change + 1, 0)

    def exists(self, inc: np.ndarray, step: np.ndarray, slot: np.ndarray) -> np.ndarray:
        ok = (step >= 0) & (inc >= 0) & (slot < self.slots)
        out = np.zeros(len(inc), dtype=bool)
        out[ok] = self.row[inc[ok], step[ok], slot[ok]] >= 0
        return out

    def pred_slot(self, inc: np.ndarray, step: int, pred: int, slot: np.ndarray) -> np.ndarray:
        """The instance of `pred` that `step` waited for: the incident's, the same change's, or (a fan-in) the
        change's reached last."""
        if not self.per_change[pred]:
            return np.zeros(len(inc), dtype=np.int64)
        if (step, pred) not in self.fan_in:
            return slot
        reached = self.reached[inc, pred, 1:]
        if reached.shape[1] == 0:
            return np.ones(len(inc), dtype=np.int64)
        latest = np.nan_to_num(reached, nan=-np.inf)
        return np.argmax(latest, axis=1) + 1

    def latest_pred(self, inc: np.ndarray, cur: np.ndarray, slot: np.ndarray,
                    fallback_first: bool) -> tuple[np.ndarray, np.ndarray]:
        """For each row, the predecessor reached last (-1 when none was reached).

        With `fallback_first`, a row whose predecessors were never reached moves to
        the first of them, to keep walking back towards a step that did start.
        """
        new_cur = np.full(len(inc), -1, dtype=np.int64)
        new_slot = np.zeros(len(inc), dtype=np.int64)
        for step in np.unique(cur[cur >= 0]):
            rows = np.flatnonzero(cur == step)
            best = np.full(len(rows), -np.inf)
            for pred in self.preds[step]:
                pslot = self.pred_slot(inc[rows], int(step), pred, slot[rows])
                reached = self.reached[inc[rows], pred, np.minimum(pslot, self.slots - 1)]
                better = reached > best
                best = np.where(better, reached, best)
                new_cur[rows[better]] = pred
                new_slot[rows[better]] = pslot[better]
            if fallback_first and self.preds[step]:
                never = rows[np.isneginf(best)]
                first = self.preds[step][0]
                new_cur[never] = first
                new_slot[never] = self.pred_slot(inc[never], int(step), first, slot[never])
        return new_cur, new_slot


def _end_instances(inst: _Instances, v_inc: np.ndarray, cur: np.ndarray, change: np.ndarray,
                   depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The step instance each path starts from: the end milestone's step, or, for a report never
    made, the furthest step on the way to it that did start (-1 when none did)."""
    slot = inst.slot_of(np.maximum(cur, 0), change)
    for _hop in range(depth):
        missing = (cur >= 0) & ~inst.exists(v_inc, cur, slot)
        if not missing.any():
            break
        rows = np.flatnonzero(missing)
        cur[rows], slot[rows] = inst.latest_pred(v_inc[rows], cur[rows], slot[rows], fallback_first=True)
    return np.where((cur >= 0) & inst.exists(v_inc, cur, slot), cur, -1), slot


def _critical_paths(inst: _Instances, v_inc: np.ndarray, v_start: np.ndarray, v_end: np.ndarray, cur: np.ndarray,
                    slot: np.ndarray, depth: int) -> dict[str, np.ndarray]:
    """Every verdict's path back from its end, one hop per pass; each step's part ends where its successor
    on the path was queued (`upper`), and the walk stops at a step queued before the clock started."""
    found: dict[str, list[np.ndarray]] = {"verdict": [], "step": [], "slot": [], "upper": [], "hop": []}
    upper = v_end.copy()
    active = np.flatnonzero(cur >= 0)
    for hop in range(depth + 1):
        if active.size == 0:
            break
        c, s, inc = cur[active], slot[active], v_inc[active]
        for name, value in (("verdict", active), ("step", c), ("slot", s), ("upper", upper[active]),
                            ("hop", np.full(active.size, hop))):
            found[name].append(value)
        queued = inst.times["queued"][inc, c, s]
        upper[active] = queued
        going = queued > v_start[active]
        active = active[going]
        nxt, nslot = inst.latest_pred(inc[going], c[going], s[going], fallback_first=False)
        cur[active], slot[active] = nxt, nslot
        active = active[nxt >= 0]
    return {name: np.concatenate(parts) if parts else np.zeros(0, dtype=float if name == "upper" else np.int64)
            for name, parts in found.items()}


def _text(steps: pd.DataFrame, name: str) -> np.ndarray:
    if name not in steps:
        return np.full(len(steps), "", dtype=object)
    return steps[name].fillna("").astype(str).to_numpy(dtype=object)


def stages(scenario: Scenario, steps: pd.DataFrame, verdicts: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """One row per (verdict, stage): seconds of the deadline's window each stage consumed.

    Stage kinds: `wait` (for the actor), `work` (the actor, or its stand-in,
    working), `transit` (the report on the channels, with any follow-up round
    trip: `incomplete`, or any time it was held until its elements were known:
    `held`; `missing` names the elements it lacked when its work was done).
    Time not covered by a step on the critical path (waiting for a
    condition, or for a predecessor off the path) is the stage `other`.
    Only verdicts whose clock started are split; `end` is the report's time,
    or the horizon for a report never made. Rows run in the chain's order.
    """
    relevant = verdicts[verdicts["start"].notna()].reset_index(drop=True)
    if relevant.empty:
        return pd.DataFrame({c: pd.Series(dtype=_STAGE_DTYPES.get(c, object)) for c in STAGE_COLUMNS})
    keys = pd.MultiIndex.from_arrays([pd.concat([steps["replication"], relevant["replication"]]),
                                      pd.concat([steps["incident"], relevant["incident"]])]).unique()
    inst = _Instances(scenario, steps, keys)
    depth = len(inst.code)
    v_inc = keys.get_indexer(pd.MultiIndex.from_arrays([relevant["replication"], relevant["incident"]]))
    v_start = _seconds(relevant["start"])
    v_end = _seconds(relevant["end"])
    v_end = np.where(np.isnan(v_end), float(horizon), v_end)
    flow = flow_of(scenario)
    end_steps = {rule_id: node.position if (node := flow.reaching(rule.end)) is not None else -1
                 for rule_id, rule in scenario.deadlines.items()}
    cur = relevant["rule"].map(end_steps).fillna(-1).to_numpy(dtype=np.int64)
    cur, slot = _end_instances(inst, v_inc, np.where(v_end > v_start, cur, -1),
                               relevant["change"].to_numpy(dtype=np.int64), depth)
    path = _critical_paths(inst, v_inc, v_start, v_end, cur, slot, depth)

    verdict, step, sslot = path["verdict"], path["step"], path["slot"]
    hi, lo, inc = np.minimum(path["upper"], v_end[verdict]), v_start[verdict], v_inc[verdict]

    def at(name: str) -> np.ndarray:
        return np.nan_to_num(inst.times[name][inc, step, sslot], nan=np.inf)

    queued, started, finished, delivered = at("queued"), at("started"), at("finished"), at("delivered")
    parts = {
        "wait": np.minimum(started, hi) - np.maximum(queued, lo),
        "work": np.minimum(finished, hi) - np.maximum(started, lo),
        "transit": np.where(inst.report[step], np.minimum(delivered, hi) - np.maximum(finished, lo), 0.0),
    }
    parts = {kind: np.clip(seconds, 0.0, None) for kind, seconds in parts.items()}
    row = inst.row[inc, step, sslot]
    names = inst.names
    unit, channel = _text(steps, "unit"), _text(steps, "channel")
    incomplete = (steps["incomplete"].fillna(False).astype(bool).to_numpy() if "incomplete" in steps
                  else np.zeros(len(steps), dtype=bool))
    missing, senders = _text(steps, "missing"), _text(steps, "actor")
    waiting = [actor for actor in dict.fromkeys(senders) if scenario.practice_of(actor) == "wait"]
    held = (missing != "") & pd.Series(senders).isin(waiting).to_numpy()
    frames = []
    for order, (kind, seconds) in enumerate(parts.items()):
        keep = seconds > 0
        r = row[keep]
        frames.append(pd.DataFrame({
            "_v": verdict[keep], "_order": -path["hop"][keep] * 4 + order, "step": names[step[keep]], "kind": kind,
            "actor": _text(steps, "served_by" if kind == "work" else "actor")[r], "unit": unit[r],
            "channel": channel[r] if kind == "transit" else "",
            "incomplete": incomplete[r] & (kind == "transit"), "missing": missing[r] if kind == "transit" else "",
            "held": held[r] & (kind == "transit"), "seconds": seconds[keep]}))
    covered = np.bincount(verdict, weights=sum(parts.values()), minlength=len(relevant))
    rest = np.maximum(v_end - v_start, 0) - covered
    keep = rest > 0
    frames.append(pd.DataFrame({"_v": np.flatnonzero(keep), "_order": 4, "step": NO_STEP, "kind": OTHER,
                                "actor": NO_STEP, "unit": "", "channel": "", "incomplete": False,
                                "missing": "", "held": False, "seconds": rest[keep]}))
    out = pd.concat(frames, ignore_index=True).sort_values(["_v", "_order"], kind="stable", ignore_index=True)
    which = out.pop("_v").to_numpy()
    head = {name: relevant[name].to_numpy()[which] for name in ("replication", "incident", "rule", "change",
                                                                 "level", "status")}
    head["start"] = v_start[which].astype(np.int64)
    head["end"] = v_end[which].astype(np.int64)
    out = pd.concat([pd.DataFrame(head), out.drop(columns="_order")], axis=1)
    out["seconds"] = out["seconds"].round().astype(np.int64)
    return out[STAGE_COLUMNS]


# --- the load on each crew over time ---------------------------------------------------


class _Cumulative:
    """A piecewise-constant count per group (busy people, people on duty, tasks waiting), integrated.

    Group g's time t is laid out at g * span + t on one increasing axis, so that
    the integral over any windows of any groups is one interpolation.
    """

    def __init__(self, group: np.ndarray, time: np.ndarray, delta: np.ndarray, groups: int, span: int) -> None:
        self.span = span
        edges = np.arange(groups, dtype=float) * span
        key = np.concatenate([group * span + np.clip(time, 0, span - 1), edges, edges + span - 1])
        delta = np.concatenate([delta, np.zeros(2 * groups)])
        self.keys, inverse = np.unique(key, return_inverse=True)
        level = np.cumsum(np.bincount(inverse, weights=delta, minlength=len(self.keys)))
        self.total = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(self.keys))])

    def between(self, group: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        base = group * self.span
        return (np.interp(base + np.clip(end, 0, self.span - 1), self.keys, self.total)
                - np.interp(base + np.clip(start, 0, self.span - 1), self.keys, self.total))


@dataclass(frozen=True)
class Load:
    """How many people of each crew were on duty and busy, and how many tasks waited, at every moment.

    A crew is one (replication, actor, unit); per-grid actors have a crew per
    grid. Waiting tasks count against the actor a step asked for, busy people
    against whoever served it (the deputy standing in for the leader).
    """

    crews: pd.DataFrame
    horizon: int
    duty: _Cumulative
    busy: _Cumulative
    queue: _Cumulative

    @classmethod
    def build(cls, steps: pd.DataFrame, staffing: pd.DataFrame, horizon: int) -> Load:
        crews = (staffing[["replication", "actor", "unit"]].drop_duplicates()
                 .sort_values(["replication", "actor", "unit"], ignore_index=True))
        crews["unit"] = crews["unit"].fillna("").astype(str)
        index = pd.MultiIndex.from_frame(crews)
        span = horizon + 1

        def crew_of(frame: pd.DataFrame, actor: str) -> np.ndarray:
            return index.get_indexer(pd.MultiIndex.from_arrays(
                [frame["replication"], frame[actor], frame["unit"].fillna("").astype(str)]))

        ordered = staffing.sort_values(["replication", "actor", "unit", "time"])
        g = crew_of(ordered, "actor")
        on_duty = ordered["on_duty"].to_numpy(dtype=float)
        first = np.r_[True, g[1:] != g[:-1]]
        change = on_duty - np.where(first, 0.0, np.r_[0.0, on_duty[:-1]])
        last = np.r_[g[1:] != g[:-1], True]
        duty = _Cumulative(np.r_[g, g[last]], np.r_[_seconds(ordered["time"]), np.full(last.sum(), horizon)],
                           np.r_[change, -on_duty[last]], len(crews), span)

        started = steps[steps["started"].notna()]
        g = crew_of(started, "served_by")
        units = started["units"].to_numpy(dtype=float) if "units" in started else np.ones(len(started))
        begin, end = _seconds(started["started"]), np.nan_to_num(_seconds(started["finished"]), nan=horizon)
        ok = g >= 0
        busy = _Cumulative(np.r_[g[ok], g[ok]], np.r_[begin[ok], end[ok]], np.r_[units[ok], -units[ok]],
                           len(crews), span)

        g = crew_of(steps, "actor")
        begin, end = _seconds(steps["queued"]), np.nan_to_num(_seconds(steps["started"]), nan=horizon)
        ok = (g >= 0) & (end > begin)
        queue = _Cumulative(np.r_[g[ok], g[ok]], np.r_[begin[ok], end[ok]],
                            np.r_[np.ones(ok.sum()), -np.ones(ok.sum())], len(crews), span)
        return cls(crews, horizon, duty, busy, queue)

    def crew(self, replication: Any, actor: Any, unit: Any) -> np.ndarray:
        """Crew codes of (replication, actor, unit) arrays; -1 for actors that are not crews."""
        index = pd.MultiIndex.from_frame(self.crews)
        return np.asarray(index.get_indexer(pd.MultiIndex.from_arrays(
            [np.asarray(replication), np.asarray(actor), pd.Series(np.asarray(unit, dtype=object)).fillna("")
             .astype(str)])))

    def windows(self, crew: np.ndarray, start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
        """Person-seconds on duty and busy, and task-seconds waiting, of each crew over each window."""
        ok = crew >= 0
        out = pd.DataFrame({"duty": np.nan, "busy": np.nan, "queue": np.nan, "seconds": end - start},
                           index=range(len(crew)))
        for name in ("duty", "busy", "queue"):
            out.loc[ok, name] = getattr(self, name).between(crew[ok], start[ok], end[ok])
        return out

    def by_time_of_day(self, width: int = HOUR) -> pd.DataFrame:
        """Per actor and time-of-day bin: mean people on duty and busy, mean tasks waiting, utilisation.

        Means are over every day and replication the horizon covers; a bin the
        horizon never reaches (past 12:00 in a half-day drill) is NaN.
        """
        edges = np.unique(np.minimum(np.arange(0, self.horizon + width, width, dtype=float), self.horizon))
        start, end = edges[:-1], edges[1:]
        clock = (start % DAY // width * width).astype(np.int64)
        n = len(self.crews)
        frame = self.windows(np.repeat(np.arange(n), len(start)), np.tile(start, n), np.tile(end, n))
        frame["actor"] = np.repeat(self.crews["actor"].to_numpy(), len(start))
        frame["clock"] = np.tile(clock, n)
        sums = frame.groupby(["actor", "clock"])[["duty", "busy", "queue"]].sum()
        exposure = pd.Series(end - start).groupby(clock).sum() * self.crews["replication"].nunique()
        full = pd.MultiIndex.from_product([sorted(self.crews["actor"].unique()), np.arange(0, DAY, width)],
                                          names=["actor", "clock"])
        sums = sums.reindex(full)
        seconds = exposure.reindex(full.get_level_values("clock")).to_numpy()
        out = pd.DataFrame({"on_duty": sums["duty"].to_numpy() / seconds, "busy": sums["busy"].to_numpy() / seconds,
                            "queue": sums["queue"].to_numpy() / seconds}, index=full).reset_index()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["utilisation"] = np.where(out["on_duty"] > 0, out["busy"] / out["on_duty"], np.nan)
        return out

    @cached_property
    def _hourly(self) -> pd.DataFrame:
        return self.by_time_of_day(HOUR)

    def busiest(self, actor: str, hours: int = 2) -> tuple[int, int, float] | None:
        """The `hours`-long window of the day (on whole hours) when `actor` was busiest: (from, to, utilisation)."""
        own = self._hourly[self._hourly["actor"] == actor].sort_values("clock")
        if own.empty:
            return None
        busy = own["busy"].to_numpy()
        duty = own["on_duty"].to_numpy()
        n = len(own)
        best: tuple[int, int, float] | None = None
        for first in range(n):
            idx = [(first + i) % n for i in range(hours)]
            if np.isnan(duty[idx]).any() or duty[idx].sum() <= 0:
                continue
            value = float(busy[idx].sum() / duty[idx].sum())
            if best is None or value > best[2] + 1e-12:
                best = (first * HOUR, (first + hours) * HOUR % DAY, value)
        return best


# --- attribution -------------------------------------------------------------------------


def _own_work(top: pd.DataFrame, steps: pd.DataFrame, horizon: int) -> np.ndarray:
    """Person-seconds the actor spent on each missed report's own incident within its window."""
    pairs = top[["replication", "incident", "actor", "unit", "start", "end"]].reset_index(names="_row")
    own = steps[steps["started"].notna()]
    own = pd.DataFrame({"replication": own["replication"], "incident": own["incident"], "actor": own["served_by"],
                        "unit": own["unit"].fillna("").astype(str), "_from": _seconds(own["started"]),
                        "_to": np.nan_to_num(_seconds(own["finished"]), nan=horizon),
                        "_units": own["units"].to_numpy(dtype=float) if "units" in own else 1.0})
    both = pairs.merge(own, on=["replication", "incident", "actor", "unit"])
    overlap = (np.minimum(both["_to"], both["end"]) - np.maximum(both["_from"], both["start"])).clip(lower=0)
    per_row = (overlap * both["_units"]).groupby(both["_row"]).sum()
    return per_row.reindex(range(len(top)), fill_value=0.0).to_numpy()


def _named(people: str, scenario: Scenario) -> list[str]:
    """The named persons of a step record's `people` (`party_secretary+committee_member*2`: party_secretary)."""
    return [token for token in people.split("+") if token in scenario.people] if people else []


def _waited_for(scenario: Scenario, top: pd.DataFrame, steps: pd.DataFrame, horizon: int) -> list[list[str]]:
    """For each wait of `top`, the named persons of the task who were busy with another task while it waited.

    The records tell who did the task in the end (`people`); of those, whoever was doing something else during
    the wait (`queued` to `started`) is who the task waited for. Anonymous staff are no one in particular, and a
    task never started names nobody, so both leave the list empty.
    """
    out: list[list[str]] = [[] for _ in range(len(top))]
    if "people" not in steps or not scenario.people or top.empty:
        return out
    flow = flow_of(scenario)
    waits = top[top["kind"] == "wait"]
    if waits.empty:
        return out
    per_change = waits["step"].map(lambda s: (node := flow.get(s)) is not None and node.per_change)
    want = pd.DataFrame({"_row": waits.index, "replication": waits["replication"].to_numpy(),
                         "incident": waits["incident"].to_numpy(), "step": waits["step"].to_numpy(),
                         "change": np.where(per_change, waits["change"].to_numpy(), -1)})
    own = steps[["replication", "incident", "step", "change", "queued", "started", "people"]]
    own = want.merge(own, on=["replication", "incident", "step", "change"])
    own = own[own["started"].notna() & (own["people"].astype(str) != "")]
    if own.empty:
        return out
    own = own.assign(person=own["people"].astype(str).map(lambda text: _named(text, scenario))).explode("person")
    own = own[own["person"].notna()]
    busy = steps[steps["started"].notna() & (steps["people"].astype(str) != "")]
    busy = busy.assign(person=busy["people"].astype(str).map(lambda text: _named(text, scenario))).explode("person")
    busy = pd.DataFrame({"replication": busy["replication"], "person": busy["person"], "_incident": busy["incident"],
                         "_step": busy["step"], "_change": busy["change"], "_from": _seconds(busy["started"]),
                         "_to": np.nan_to_num(_seconds(busy["finished"]), nan=horizon)}).dropna(subset=["person"])
    both = own.merge(busy, on=["replication", "person"])
    other = ~((both["_incident"] == both["incident"]) & (both["_step"] == both["step"])
              & (both["_change"] == both["change"]))
    overlap = (np.minimum(both["_to"], _seconds(both["started"]))
               - np.maximum(both["_from"], _seconds(both["queued"])))
    hit = both[other & (overlap > 0)]
    order = {person: i for i, person in enumerate(scenario.people)}
    for row, persons in hit.groupby("_row")["person"]:
        out[top.index.get_loc(row)] = sorted(set(persons), key=order.__getitem__)
    return out


def _people_load(scenario: Scenario, top: pd.DataFrame, steps: pd.DataFrame, horizon: int,
                 named: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Person-seconds on duty, and busy with other incidents, of the people each row waited for, over its window
    (NaN for a row that names nobody): a role's figures would count only the tasks of that role, while the
    person who holds it was busy in another (the party secretary deciding as leader, commanding as commander)."""
    duty = np.full(len(top), np.nan)
    busy = np.full(len(top), np.nan)
    rows = [i for i, persons in enumerate(named) if persons]
    if not rows:
        return duty, busy
    tasks = steps[steps["started"].notna() & (steps["people"].astype(str) != "")]
    persons = tasks["people"].astype(str).map(lambda text: _named(text, scenario))
    spans = pd.DataFrame({"replication": tasks["replication"], "incident": tasks["incident"], "person": persons,
                          "_from": _seconds(tasks["started"]),
                          "_to": np.nan_to_num(_seconds(tasks["finished"]), nan=horizon)}).explode("person")
    spans = spans[spans["person"].notna()]
    schedules = {person_id: person.schedule(horizon) for person_id, person in scenario.people.items()}
    for i in rows:
        row = top.iloc[i]
        start, end = float(row["start"]), float(row["end"])
        duty[i] = busy[i] = 0.0
        for person in named[i]:
            duty[i] += _on_duty_seconds(schedules[person], start, end, horizon)
            own = spans[(spans["replication"] == row["replication"]) & (spans["person"] == person)
                        & (spans["incident"] != row["incident"])]
            busy[i] += float((np.minimum(own["_to"], end) - np.maximum(own["_from"], start)).clip(lower=0).sum())
    return duty, busy


def _on_duty_seconds(schedule: tuple[tuple[int, int], ...], start: float, end: float, horizon: int) -> float:
    """Seconds on duty between start and end, from a person's ((time, 0 or 1), ...) schedule."""
    ends = [time for time, _ in schedule[1:]] + [horizon]
    return float(sum(count * max(0.0, min(stop, end) - max(time, start))
                     for (time, count), stop in zip(schedule, ends, strict=True)))


def _most_often(lists: Iterable[Iterable[str]], order: Iterable[str]) -> str:
    """The names of a group's misses (persons waited for, senders, missing elements), the most often named first
    and then in the scenario's `order`, joined with "+"; empty for none."""
    counts: dict[str, int] = {}
    for names in lists:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    rank = {name: i for i, name in enumerate(order)}
    return "+".join(sorted(counts, key=lambda name: (-counts[name], rank.get(name, len(rank)), name)))


def report_kinds(stage_rows: pd.DataFrame) -> pd.Series:
    """Each stage's kind with a report's transit told apart: FOLLOW_UP when it held a follow-up round trip, HELD
    when the report waited for its elements (held wins: the records do not split the time of one that did both)."""
    kind = stage_rows["kind"].copy()
    transit = kind == "transit"
    kind[transit & stage_rows["incomplete"].astype(bool)] = FOLLOW_UP
    kind[transit & stage_rows["held"].astype(bool)] = HELD
    return kind


def attribution(scenario: Scenario, stage_rows: pd.DataFrame, steps: pd.DataFrame,
                load: Load | None = None) -> pd.DataFrame:
    """For each rule, the share of its misses each stage caused, with the evidence of the actor's load.

    A miss is caused by the stage that took the largest part of its window
    (the first in the chain on a tie); the transit of a report that was
    incomplete, and so held a follow-up round trip, is its own kind,
    FOLLOW_UP, and that of a report held until its elements were known is
    HELD (a report that waited and was then incomplete by human error too
    counts as held: the records do not split its time). A report's stage is
    one row whoever sent it (`actor` names the senders, the most frequent
    first: the first report's receiver verifies, a grid worker or a department
    head), and `missing` the elements its reports lacked, the most often
    missing first. `utilisation` is the share of the
    actor's on-duty time (of the incident's grid, for grid workers) spent on
    other incidents over the windows of those misses, and `queue` the mean
    number of tasks waiting for the actor then; `busiest_*` is the actor's
    busiest two hours of the day;
    where the records name the people a wait was for (`waited_for`), `utilisation` is theirs: a role's own
    figure would miss the tasks they did in their other roles;
    `fallback` and `incomplete` tell, for a transit stage, how many of those
    reports went over a fallback channel or needed a follow-up.
    """
    missed = stage_rows[stage_rows["status"] == "missed"]
    if missed.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ATTRIBUTION_COLUMNS})
    keys = ["replication", "incident", "rule", "change"]
    top = missed.loc[missed.groupby(keys, sort=False)["seconds"].idxmax()].reset_index(drop=True)
    top["kind"] = report_kinds(top)
    limits = {rule_id: rule.limit for rule_id, rule in scenario.deadlines.items()}
    top["budget"] = top["seconds"] / top["rule"].map(limits)
    first = scenario.channels.order[0]
    horizon = load.horizon if load is not None else scenario.horizon
    top["_waited_for"] = _waited_for(scenario, top, steps, horizon)
    top["fallback"] = top["channel"].astype(str).map(lambda c: any(p not in ("", first) for p in c.split("+")))
    if load is not None:
        crew = load.crew(top["replication"], top["actor"], top["unit"])
        evidence = load.windows(crew, top["start"].to_numpy(dtype=float), top["end"].to_numpy(dtype=float))
        evidence["busy"] -= _own_work(top, steps, load.horizon)
        top = pd.concat([top, evidence.drop(columns="seconds").rename(columns=lambda c: f"_{c}")], axis=1)
        top["_window"] = np.where(crew >= 0, top["end"] - top["start"], np.nan)
        duty, busy = _people_load(scenario, top, steps, load.horizon, list(top["_waited_for"]))
        named = ~np.isnan(duty)
        top.loc[named, "_duty"], top.loc[named, "_busy"] = duty[named], busy[named]
    else:
        for name in ("_duty", "_busy", "_queue", "_window"):
            top[name] = np.nan
    report = top["kind"].isin(REPORT_KINDS)
    if report.any():
        senders = top[report].groupby(["rule", "step", "kind"], sort=False)["actor"].agg(
            lambda actors: _most_often([[actor] for actor in actors], scenario.actors))
        top.loc[report, "actor"] = [senders[key] for key in zip(top.loc[report, "rule"], top.loc[report, "step"],
                                                                  top.loc[report, "kind"], strict=True)]
    group = ["rule", "step", "kind", "actor"]
    table = top.groupby(group, sort=False).agg(
        misses=("seconds", "size"), median_seconds=("seconds", "median"), median_budget=("budget", "median"),
        duty=("_duty", "sum"), busy=("_busy", "sum"), queued=("_queue", "sum"), window=("_window", "sum"),
        fallback=("fallback", "mean"), incomplete=("incomplete", "mean"),
        waited_for=("_waited_for", lambda lists: _most_often(lists, scenario.people)),
        missing=("missing", lambda texts: _most_often([text.split("+") for text in texts if text],
                                                      scenario.core_elements))).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        table["utilisation"] = np.where(table["duty"] > 0, table["busy"] / table["duty"], np.nan)
        table["queue"] = np.where(table["window"] > 0, table["queued"] / table["window"], np.nan)
    transit = table["kind"].isin(REPORT_KINDS)
    table["fallback"] = table["fallback"].where(transit)
    table["incomplete"] = table["incomplete"].astype(float).where(transit)
    totals = top.groupby("rule").size()
    table["missed"] = table["rule"].map(totals)
    table["share"] = table["misses"] / table["missed"]
    table["title"] = table["rule"].map({r: rule.title for r, rule in scenario.deadlines.items()})
    table["limit"] = table["rule"].map(limits)
    crews = set(load.crews["actor"]) if load is not None else set()
    busiest = {actor: load.busiest(actor) for actor in table["actor"].unique() if load is not None and actor in crews}
    for i, name in enumerate(("busiest_from", "busiest_to", "busiest_utilisation")):
        table[name] = table["actor"].map({a: window[i] for a, window in busiest.items() if window is not None})
    rule_order = {rule: i for i, rule in enumerate(scenario.deadlines)}
    step_order = {node.id: node.position for node in flow_of(scenario)}
    table["_rule"] = table["rule"].map(rule_order)
    table["_step"] = table["step"].map(step_order).fillna(len(step_order))
    table = table.sort_values(["_rule", "misses", "_step", "kind"], ascending=[True, False, True, True],
                              ignore_index=True)
    table["sentence"] = [sentence(scenario, row) for row in table.to_dict("records")]
    return table[ATTRIBUTION_COLUMNS]


def _title(scenario: Scenario, actor: str) -> str:
    """`the leadership group leader` (`领导小组组长`): an actor as a sentence names it."""
    known = scenario.actors.get(actor)
    title = title_of(known) if known is not None else actor
    return _("the {actor}").format(actor=title[:1].lower() + title[1:])


def _person(scenario: Scenario, person: str) -> str:
    """`the community party secretary (party_secretary)`; the id alone for a person without a title."""
    title = title_of(scenario.people[person])
    return _("the {person} ({id})").format(person=title, id=person) if title else person


def _and(items: list[str]) -> str:
    """`a, b and c` (`a、b和c`)."""
    if len(items) == 1:
        return items[0]
    listed = items[0]
    for item in items[1:-1]:
        listed = _("{listed}, {item}").format(listed=listed, item=item)
    return _("{listed} and {last}").format(listed=listed, last=items[-1])


def _step_title(scenario: Scenario, step: str) -> str:
    """The step as the plan titles it, quoted: `'verification (on site where needed), then report to the office'`."""
    node = flow_of(scenario).get(step)
    title = (title_of(node.step) or step) if node is not None else step
    return _("'{step}'").format(step=title)


def _element(scenario: Scenario, element: str) -> str:
    """A core element as a sentence names it: by its id in English, as ever; by the plan's name in Chinese."""
    entry = scenario.core_elements.get(element)
    if entry is None or language() == SOURCE:
        return element
    return title_of(entry) or element


def _has(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def percent(share: float) -> str:
    """A share as a whole percentage, `2 %` (in Chinese as Babel writes it, `2%`); a share above nothing but below
    half a percent is `under 1 %`."""
    if 0 < share < 0.005:
        return _("under 1 %")
    return f"{share * 100:.0f} %" if language() == SOURCE else percent_text(share, 0)


def _tasks(queue: float) -> str:
    return _("nobody waiting") if queue < 0.05 else _("{queue} tasks waiting on average").format(queue=f"{queue:.1f}")


def _elements(scenario: Scenario, missing: str) -> tuple[str, int]:
    """`casualties`, or `casualties (most often) and scale`: the elements a stage's reports lacked, as named, and
    how many."""
    names = [_element(scenario, name) for name in missing.split("+") if name]
    if len(names) > 1:
        return _and([_("{element} (most often)").format(element=names[0]), *names[1:]]), len(names)
    return (names[0] if names else ""), len(names)


def _wait(scenario: Scenario, row: dict[str, Any], said: dict[str, str]) -> str:
    """A wait for an actor: whom it waited for, how busy other incidents kept them, and their busiest hours."""
    text = _("{who}: {share} of the '{rule}' reports that missed their {limit} deadline lost most of their time "
             "waiting for them to take {step} (median {median})").format(**said)
    named = [person for person in str(row.get("waited_for") or "").split("+") if person in scenario.people]
    if named:
        text += _(": they waited for {people}, busy with another task").format(
            people=_and([_person(scenario, person) for person in named]))
    if _has(row["utilisation"]):
        busy = percent(row["utilisation"])
        if not named:
            text += _("; while those reports were due, other incidents kept them busy {busy} of their on-duty "
                      "time").format(busy=busy)
        elif len(named) == 1:
            text += _("; while those reports were due, other incidents kept that person busy {busy} of their "
                      "on-duty time").format(busy=busy)
        else:
            text += _("; while those reports were due, other incidents kept those people busy {busy} of their "
                      "on-duty time").format(busy=busy)
        text += _(", with {tasks}").format(tasks=_tasks(row["queue"])) if _has(row["queue"]) else ""
    if _has(row["busiest_utilisation"]):
        hours = {"start": format_clock(row["busiest_from"]), "end": format_clock(row["busiest_to"]),
                 "busy": percent(row["busiest_utilisation"])}
        if named:  # with people named, the role's own tasks are only part of their load: say whose hours these are
            title = title_of(scenario.actors[row["actor"]]) if row["actor"] in scenario.actors else row["actor"]
            text += _("; as {role} they are busiest between {start} and {end} (busy {busy} of the time)").format(
                role=title[:1].lower() + title[1:], **hours)
        else:
            text += _("; they are busiest between {start} and {end} (busy {busy} of the time)").format(**hours)
    return text


def _work(row: dict[str, Any], said: dict[str, str]) -> str:
    """A step too slow for the deadline: and whether more staff would help."""
    text = _("the step {step} of {who} is itself too slow for the deadline: it took most of the time of {share} of "
             "the '{rule}' reports that missed their {limit} deadline (median {median}, {budget} of the "
             "{limit})").format(budget=percent(row["median_budget"]), **said)
    if not _has(row["utilisation"]):
        return text
    busy, who = percent(row["utilisation"]), said["who"]
    if row["queue"] < 0.1 and row["utilisation"] < 0.5:
        if row["utilisation"] > 0:
            return text + _("; other incidents kept {who} busy only {busy} of their time then and nobody waited for "
                            "them, so a faster step would help, more staff would not").format(who=who, busy=busy)
        return text + _("; other incidents did not keep {who} busy at all then and nobody waited for them, so a "
                        "faster step would help, more staff would not").format(who=who)
    if row["queue"] >= 0.5 or row["utilisation"] >= 0.8:
        return text + _("; {who} was also loaded then (busy {busy} with other incidents, {tasks})").format(
            who=who, busy=busy, tasks=_tasks(row["queue"]))
    return text + _("; other incidents kept {who} busy {busy} of their time then, with {tasks}").format(
        who=who, busy=busy, tasks=_tasks(row["queue"]))


def _report(scenario: Scenario, row: dict[str, Any], said: dict[str, str]) -> str:
    """A report's time after its work: the channels, a report held for its elements, or a follow-up round trip."""
    elements, count = _elements(scenario, str(row.get("missing") or ""))
    kind = row["kind"]
    if kind == "transit":
        text = _("the channels: {share} of the '{rule}' reports that missed their {limit} deadline lost most of their "
                 "time with the report of {step} in transit (median {median})").format(**said)
    elif kind == HELD and not elements:
        text = _("reports held for their elements: {share} of the '{rule}' reports that missed their {limit} "
                 "deadline lost most of their time with the report of {step} held until the core elements it must "
                 "carry were known (median {median} from the work done to arrival)").format(**said)
    elif kind == HELD:
        text = ngettext("reports held for their elements: {share} of the '{rule}' reports that missed their {limit} "
                        "deadline lost most of their time with the report of {step} held until {elements} was known "
                        "(median {median} from the work done to arrival)",
                        "reports held for their elements: {share} of the '{rule}' reports that missed their {limit} "
                        "deadline lost most of their time with the report of {step} held until {elements} were known "
                        "(median {median} from the work done to arrival)", count).format(elements=elements, **said)
    elif elements:
        text = _("incomplete reports: {share} of the '{rule}' reports that missed their {limit} deadline lost most of "
                 "their time on a follow-up round trip, the report of {step} sent without {elements}, not known yet, "
                 "and sent again once completed (median {median} from sending to arrival)").format(
            elements=elements, **said)
    else:
        text = _("incomplete reports: {share} of the '{rule}' reports that missed their {limit} deadline lost most of "
                 "their time on a follow-up round trip, the report of {step} missing core elements and sent again "
                 "once completed (median {median} from sending to arrival)").format(**said)
    if _has(row["fallback"]) and row["fallback"] > 0:
        text += _("; {share} went over a fallback channel").format(share=percent(row["fallback"]))
    return text


def sentence(scenario: Scenario, row: dict[str, Any]) -> str:
    """One stage's part in a rule's misses, in plain words and the plan's titles, with its evidence, in the
    language in force (drillsim.i18n: each clause one message with named placeholders).

    A `wait` names an overloaded actor; a `work` stage means the step itself is
    too slow for the deadline, which more staff would not fix; `transit` is the
    channels; `follow-up` a report that missed core elements and cost a round
    trip, naming the elements most often missing when the records say; `held`
    a report that waited for its elements; `other` is a condition or a step off
    the critical path.
    """
    rule = scenario.deadlines[row["rule"]]
    said = {"share": percent(row["share"]), "rule": title_of(rule), "limit": format_duration(rule.limit),
            "median": format_duration(row["median_seconds"]), "who": _title(scenario, row["actor"]),
            "step": _step_title(scenario, row["step"])}
    kind = row["kind"]
    if kind == "wait":
        text = _wait(scenario, row, said)
    elif kind == "work":
        text = _work(row, said)
    elif kind in REPORT_KINDS:
        text = _report(scenario, row, said)
    else:
        text = _("waiting for a condition or for a step off the critical path: {share} of the '{rule}' reports that "
                 "missed their {limit} deadline lost most of their time there (median {median})").format(**said)
    return _("{sentence}.").format(sentence=text[:1].upper() + text[1:])


NO_MISS = "No deadline was missed: the chain kept up with every incident."
"""The bottleneck's sentence when nothing was missed, as written in the code (`headline` says it in the language
in force)."""


def headline(scenario: Scenario, table: pd.DataFrame) -> dict[str, Any]:
    """The bottleneck of the run: the stage that caused most misses of the most-missed rule.

    Its `sentence`, and each stage's, is in the language in force (drillsim.i18n), in the JSON summary too: it is
    written for a reader; the keys and the figures beside it stay as they are for the tools that read them."""
    if table.empty:
        return {"rule": None, "actor": None, "kind": None, "step": None, "share": 0.0, "misses": 0,
                "utilisation": None, "queue": None,
                "sentence": _("No deadline was missed: the chain kept up with every incident.")}
    rule_order = {rule: i for i, rule in enumerate(scenario.deadlines)}
    totals = table.drop_duplicates("rule").set_index("rule")["missed"]
    rule = min(totals.index, key=lambda r: (-totals[r], rule_order[r]))
    top = table[table["rule"] == rule].iloc[0]
    return {"rule": rule, "actor": top["actor"], "kind": top["kind"], "step": top["step"],
            "share": float(top["share"]), "misses": int(top["missed"]),
            "utilisation": None if not _has(top["utilisation"]) else float(top["utilisation"]),
            "queue": None if not _has(top["queue"]) else float(top["queue"]), "sentence": top["sentence"]}
