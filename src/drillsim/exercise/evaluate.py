"""Evaluating a real drill: its recorded times checked with the model's own rules and set against simulation.

Each incident of the drill log becomes the IncidentRecord the model would
have written (drillsim.exercise.played.to_record) and is checked by
drillsim.model.clocks, so a drill and a simulation can never disagree on what
"met" means. The drill's time for each deadline is then placed in the
distribution of the same clock over simulated runs of the scenario (the same
scripted incident where there is one, else every incident of the same level),
and its window is split into the flow's stages along the critical path by
drillsim.results.bottleneck, as for a simulated run.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from drillsim.exercise.drilllog import Entry, Record, replay
from drillsim.exercise.msel import actor_label, applies, doers
from drillsim.exercise.played import DrillIncident, to_record
from drillsim.i18n import _, language, ngettext
from drillsim.model.clocks import verdicts
from drillsim.model.records import IncidentRecord, VerdictRecord
from drillsim.report.terminal import pad
from drillsim.scenario.flow import ONCE, flow_of, shown_change
from drillsim.scenario.names import example_of, level_name, scenario_name, title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration, format_offset

if TYPE_CHECKING:
    import pandas as pd

    from drillsim.results import Results


@dataclass(frozen=True, slots=True)
class Finding:
    """One deadline rule checked for one incident (or change) of the drill, and how it compares.

    Times are drill seconds. `elapsed` is the drill's time from the rule's
    clock start to the report; `percentile` is the share of simulated runs
    (in %) that took less time, ties counted half. `stage` is the step whose
    part of the window was largest; `stage_recorded` is False when the log
    never recorded that step's milestone, and then its seconds and share are
    None: a time the drill did not record is not recorded, never a number.
    """

    incident: str
    change: int | None
    rule: str
    level: str
    status: str
    start: int | None
    deadline: int | None
    end: int | None
    slack: int | None
    late_at_least: int | None
    elapsed: int | None
    percentile: float | None
    simulated: int
    sim_median: float | None
    sim_rate: float | None
    compared_with: str
    stage: str | None
    stage_recorded: bool | None
    stage_seconds: int | None
    stage_share: float | None
    stage_sim_median: float | None

    @property
    def late(self) -> int | None:
        """Seconds past the deadline of a miss (a lower bound for a report never made)."""
        if self.status != "missed":
            return None
        return -self.slack if self.slack is not None else self.late_at_least


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything the drill log showed, with the simulated runs it was compared with."""

    scenario: Scenario
    log: str
    incidents: list[DrillIncident]
    entries: list[Entry]
    begin: int
    end: int
    findings: list[Finding]
    replications: int
    seed: int
    reports: tuple[Carried, ...] = ()
    """Each report the log says the elements of (the room's report form records them), judged complete or not."""

    def of(self, incident: str) -> list[Finding]:
        return [f for f in self.findings if f.incident == incident]


@dataclass(frozen=True, slots=True)
class Carried:
    """A report the drill log records with its core elements: those the plan asks of it, those it lacked."""

    incident: str
    change: int | None
    milestone: str
    time: int
    required: tuple[str, ...]
    carried: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in self.required if name not in self.carried)

    @property
    def complete(self) -> bool:
        return not self.missing


def required_elements(scenario: Scenario, milestone: str, reached: Mapping[str, int], at: int) -> tuple[str, ...]:
    """The core elements the report reaching `milestone` at drill time `at` must carry (Art. 8.4): those its step
    names, all of them, or (`known`) those the chain could know by then: each element once the step or milestone
    it comes `after` was reached (a later `duration` to learn it is the model's, not the drill's)."""
    step = next((s for s in scenario.flow if s.milestone == milestone), None)
    if step is None or step.report is None or not step.report.carries:
        return ()
    if step.report.carries == "all":
        return tuple(scenario.core_elements)
    if step.report.carries != "known":
        return tuple(step.report.carries)
    milestones = {s.id: s.milestone for s in scenario.flow}
    times: dict[str, int] = {}
    for key, t in reached.items():
        name = key.partition("#")[0]
        times[name] = min(t, times.get(name, t))
    return tuple(name for name, element in scenario.core_elements.items()
                 if times.get(milestones.get(element.after, element.after), at + 1) <= at)


def carried(scenario: Scenario, entries: list[Entry]) -> tuple[Carried, ...]:
    """The reports recorded with their elements, in log order, each judged as the log stood when it was made."""
    out: dict[tuple[str, str], Carried] = {}
    for incident, record in replay(entries).items():
        for key, elements in record.elements.items():
            entry = next(e for e in reversed(entries) if e.incident == incident and e.key == key)
            assert entry.time is not None
            out[(incident, key)] = Carried(incident, entry.change, entry.milestone, entry.time,
                                           required_elements(scenario, entry.milestone, record.reached, entry.time),
                                           elements)
    return tuple(sorted(out.values(), key=lambda c: (c.time, c.incident, c.milestone)))


def evaluate(scenario: Scenario, incidents: list[DrillIncident], entries: list[Entry], results: Results,
             log: str = "") -> Evaluation:
    """Verdicts of the drill per incident and rule, placed in the simulated distribution of `results`."""
    records = replay(entries)
    times = [entry.time for entry in entries if entry.time is not None]
    horizon = max(times, default=0)
    played = [incident for incident in incidents if incident.id in records]
    checked = {incident.id: to_record(scenario, incident, records[incident.id].reached,
                                      records[incident.id].levels, horizon) for incident in played}
    inferred = {incident.id: proven(scenario, records[incident.id].reached) for incident in played}
    drill = [(incident, _unless_proven(scenario, v, inferred[incident.id])) for incident in played
             for v in verdicts(scenario, [checked[incident.id]], horizon)
             if _judged(scenario, v, checked[incident.id])]
    stages = _stages(scenario, played, checked, records, [v for _, v in drill], horizon)
    simulated = _Simulated(scenario, results)
    findings = [_finding(scenario, incident, v, simulated, stages.get((incident.number, v.rule, v.change)))
                for incident, v in drill]
    return Evaluation(scenario, log, played, entries, min(times, default=0), horizon, findings,
                      len(results.replications), results.seed, carried(scenario, entries))


SCRIPTED = ("occurred", "change")
"""The events the MSEL schedules; the closure is reached by the players' own steps, as a step's milestone is."""


def _judged(scenario: Scenario, v: VerdictRecord, record: IncidentRecord) -> bool:
    """Whether a clock belongs in the evaluation: it started, or its start is a step (or the closure) the log may
    lack, or its scripted event happened and only the `not_before` milestone (the discovery) is missing; a clock
    waiting for a scripted event not yet due is not the drill's."""
    rule = scenario.deadlines[v.rule]
    if v.start is not None or rule.start not in SCRIPTED:
        return True
    return rule.not_before is not None and flow_of(scenario).key(rule.start, v.change) in record.milestones


UNRECORDED = "unrecorded"
"""A verdict's report was made (a later step the log recorded needs it) but its time was not recorded."""


def proven(scenario: Scenario, reached: Mapping[str, int]) -> set[str]:
    """Milestone keys the log did not record but a recorded one proves were reached.

    A step runs only when every step in its `after` is done, so a recorded
    milestone proves those of all its predecessors, back to the occurrence.
    Across the per-change fan-out only what is certain is inferred: a
    per-change step's predecessors of the same change, and a once-per-incident
    step's once-per-incident predecessors.
    """
    flow = flow_of(scenario)
    seen: set[str] = set()
    todo = list(reached)
    while todo:
        for before in flow.proven_by(todo.pop()):
            if before not in seen and before not in reached:
                seen.add(before)
                todo.append(before)
    return seen


def _unless_proven(scenario: Scenario, v: VerdictRecord, inferred: set[str]) -> VerdictRecord:
    """A clock whose end the log skipped, though a later recorded step shows the report was made: unrecorded."""
    if v.end is not None or v.start is None:
        return v
    if flow_of(scenario).key(scenario.deadlines[v.rule].end, v.change) not in inferred:
        return v
    return replace(v, status=UNRECORDED, slack=None, late_at_least=None)


def _finding(scenario: Scenario, incident: DrillIncident, v: VerdictRecord, simulated: _Simulated,
             stage: tuple[str, int | None, float | None] | None) -> Finding:
    elapsed = v.end - v.start if v.end is not None and v.start is not None else None
    sample, compared = simulated.clock(incident, v)
    percentile = None
    if elapsed is not None and sample:
        below = sum(1 for s in sample if s < elapsed)
        ties = sum(1 for s in sample if s == elapsed)
        percentile = 100.0 * (below + ties / 2) / len(sample)
    rule = scenario.deadlines[v.rule]
    step = stage[0] if stage else None
    return Finding(
        incident=incident.id, change=shown_change(v.change), rule=v.rule, level=v.level,
        status=v.status, start=v.start, deadline=v.deadline, end=v.end, slack=v.slack,
        late_at_least=v.late_at_least, elapsed=elapsed, percentile=percentile, simulated=len(sample),
        sim_median=_median(sample), sim_rate=sum(1 for s in sample if s <= rule.limit) / len(sample) if sample
        else None,
        compared_with=compared, stage=step, stage_recorded=stage[1] is not None if stage else None,
        stage_seconds=stage[1] if stage else None,
        stage_share=stage[2] if stage else None,
        stage_sim_median=simulated.step_median(incident, step) if step else None)


def _median(sample: list[float]) -> float | None:
    if not sample:
        return None
    ordered = sorted(sample)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    low, high = ordered[mid - 1], ordered[mid]
    return high if math.isinf(high) else (low + high) / 2


class _Simulated:
    """The simulated runs, indexed for comparison: clocks per rule, and step durations per step."""

    def __init__(self, scenario: Scenario, results: Results) -> None:
        import pandas as pd

        from drillsim.exercise.played import drill_incidents
        self.scenario = scenario
        scripted = [incident.id for incident in drill_incidents(scenario, scripted=True)]
        self.ids: dict[tuple[int, int], str] = {}
        for rep in results.replications:
            numbers = sorted(r.incident for r in rep.incidents if r.source in ("inject", "cascade"))
            self.ids.update({(rep.replication, n): ident for n, ident in zip(numbers, scripted, strict=False)})
        frame = results.verdicts
        frame = frame[frame["start"].notna() & (frame["status"] != "pending")]
        self.clocks: dict[tuple[str, str, int], list[float]] = {}
        self.by_level: dict[tuple[str, str, int], list[float]] = {}
        for rep, number, rule, change, level, start, end in zip(
                frame["replication"], frame["incident"], frame["rule"], frame["change"], frame["level"],
                frame["start"], frame["end"], strict=True):
            elapsed = math.inf if pd.isna(end) else float(end - start)
            ident = self.ids.get((int(rep), int(number)))
            if ident is not None:
                self.clocks.setdefault((ident, rule, int(change)), []).append(elapsed)
            self.by_level.setdefault((rule, level, int(change) >= 0), []).append(elapsed)
        steps = results.steps
        reached = steps["delivered"].fillna(steps["finished"])
        self.steps: dict[tuple[str | None, str], list[float]] = {}
        for rep, number, step, queued, done in zip(steps["replication"], steps["incident"], steps["step"],
                                                   steps["queued"], reached, strict=True):
            if pd.isna(done):
                continue
            ident = self.ids.get((int(rep), int(number)))
            self.steps.setdefault((ident, step), []).append(float(done - queued))
            self.steps.setdefault((None, step), []).append(float(done - queued))

    def clock(self, incident: DrillIncident, v: VerdictRecord) -> tuple[list[float], str]:
        """Simulated times of the same clock: the same scripted incident, else the same rule and level."""
        if incident.scripted and (incident.id, v.rule, v.change) in self.clocks:
            return self.clocks[(incident.id, v.rule, v.change)], "the same inject"
        key = (v.rule, v.level, v.change >= 0)
        return self.by_level.get(key, []), f"every level-{v.level} incident"

    def step_median(self, incident: DrillIncident, step: str) -> float | None:
        sample = self.steps.get((incident.id if incident.scripted else None, step)) or self.steps.get((None, step))
        return _median(sample) if sample else None


def _stages(scenario: Scenario, played: list[DrillIncident], checked: dict[str, IncidentRecord],
            records: dict[str, Record], drill: list[VerdictRecord],
            horizon: int) -> dict[tuple[int, str, int], tuple[str, int | None, float | None]]:
    """For each verdict, the step that took the largest part of its window, with its seconds and share.

    A step whose own milestone the log never recorded still holds the window
    (it was open), but how long it took is not known: its seconds and share
    are None.
    """
    import pandas as pd

    from drillsim.results.bottleneck import stages
    rows = [row for incident in played for row in drill_steps(scenario, incident, checked[incident.id])]
    if not rows or not drill:
        return {}
    frame = pd.DataFrame(rows)
    flow = flow_of(scenario)
    open_steps = {(row["incident"], row["step"], row["change"]) for row in rows if row["finished"] is None}
    verdict_frame = pd.DataFrame([asdict(v) for v in drill], columns=[f.name for f in fields(VerdictRecord)])
    parts = stages(scenario, frame, verdict_frame, horizon)
    parts = parts[parts["step"] != "-"]
    out: dict[tuple[int, str, int], tuple[str, int | None, float | None]] = {}
    windows = {(v.incident, v.rule, v.change): max((v.end if v.end is not None else horizon) - (v.start or 0), 1)
               for v in drill}
    top = parts.sort_values("seconds", ascending=False, kind="stable").drop_duplicates(
        ["incident", "rule", "change"])
    for row in top.itertuples(index=False):
        key = (int(row.incident), str(row.rule), int(row.change))
        if _open(open_steps, key[0], str(row.step), key[2] if flow[str(row.step)].per_change else ONCE):
            out[key] = (str(row.step), None, None)
        else:
            out[key] = (str(row.step), int(row.seconds), int(row.seconds) / windows[key])
    return out


def _open(open_steps: set[tuple[int, str, int]], incident: int, step: str, change: int) -> bool:
    """Whether the log never recorded this step's end: its instance for `change`, or, for a clock of the whole
    incident (change -1) on a step run per change, any of its instances."""
    if (incident, step, change) in open_steps:
        return True
    return change < 0 and any(i == incident and s == step for i, s, _ in open_steps)


def drill_steps(scenario: Scenario, incident: DrillIncident, record: IncidentRecord) -> Iterator[dict[str, Any]]:
    """The drill as step records: each step from when all it comes after was reached to its own milestone.

    A drill log has no split into waiting, working and transit, so the whole
    span of a step counts as its work; a step whose predecessors were reached
    but which was not is still open at the end of the drill.
    """
    flow = flow_of(scenario)
    reached = record.milestones
    changes = len(incident.changes)
    for node in flow:
        if not applies(scenario, node.step, incident) or (node.condition == "command_post"
                                                          and not record.command_post_required):
            continue
        for k in flow.instances(node, changes):
            before = [reached.get(key) for key in flow.awaited(node, k, changes)]
            own = reached.get(flow.key(node.milestone, k))
            known = [t for t in before if t is not None]
            if own is None and len(known) < len(before):
                continue
            # ready when the last awaited milestone is reached; awaiting nothing (a fan-in over no changes),
            # at the occurrence
            queued = max(known) if known else own if before else reached["occurred"]
            assert queued is not None
            if own is not None:
                queued = min(queued, own)
            actor = doers(scenario, node.step, incident)[0]
            yield {"replication": 0, "incident": incident.number, "step": node.id, "change": k, "actor": actor,
                   "served_by": actor, "unit": incident.grid, "queued": queued, "started": queued,
                   "finished": own, "delivered": own if node.step.report is not None else None}


# --- presentation -----------------------------------------------------------------


def verdict_text(f: Finding) -> str:
    """`met, 3m to spare`, `missed, 12m late`, `missed, no report (at least 40m late)`."""
    if f.status == "met":
        return _("met, {slack} to spare").format(slack=format_duration(f.slack or 0))
    if f.status == "missed" and f.slack is not None:
        return _("missed, {late} late").format(late=format_duration(-f.slack))
    if f.status == "missed":
        return _("missed, no report (at least {late} late)").format(late=format_duration(f.late_at_least or 0))
    if f.status == UNRECORDED:
        return _("made, time not recorded (a later step was)")
    if f.start is None:
        return _("not started (start not recorded)")
    return _("running at the end of the drill")


def seconds_text(value: float | None) -> str:
    if value is None:
        return "-"
    return _("no report") if math.isinf(value) else format_duration(value)


def stage_text(f: Finding) -> str:
    """`verify 16m (simulated median 7m44s)`; `written_province not recorded` when the log has no time for it."""
    if f.stage is None:
        return "-"
    if f.stage_seconds is None:
        took = _("{stage} not recorded").format(stage=f.stage)
    else:
        took = _("{stage} {took}").format(stage=f.stage, took=format_duration(f.stage_seconds))
    if f.stage_sim_median is None:
        return took
    return _("{stage} (simulated median {median})").format(stage=took, median=seconds_text(f.stage_sim_median))


def described(s: Scenario, incident: DrillIncident) -> str:
    """What happened, as the plan's example names it in Chinese (a scenario's own description reads as written
    in English), as the timeline tells it."""
    if language() == "zh" and incident.example:
        return example_of(s, incident.category, incident.example)
    return incident.description


def _level(s: Scenario, level: str) -> str:
    """`level II` in English; in Chinese the plan's full name of the level (`II级(橙色)重大`)."""
    return level_name(s, level) if language() == "zh" else _("level {level}").format(level=level)


def render_text(ev: Evaluation) -> str:
    """The evaluation as plain text, one block per incident, its columns padded by terminal cells."""
    s = ev.scenario
    records = len([e for e in ev.entries if e.time is not None])
    lines = [_("Drill evaluation: {scenario}").format(scenario=scenario_name(s)),
             _("Log {log}: {records} records from {begin} to {end} (clocks still running at the last record are not "
               "judged)").format(log=ev.log, records=records, begin=format_offset(ev.begin), end=format_offset(ev.end)),
             _("Compared with {replications} simulated runs of the scenario, seed {seed}").format(
                 replications=ev.replications, seed=ev.seed), ""]
    rule, limit, verdict, report = _("deadline rule"), _("limit"), _("verdict"), _("report")
    pctile, median, hit, stage = _("pctile"), _("sim median"), _("sim hit"), _("costliest stage")
    header = (f"  {pad(rule, 24)} {pad(limit, 5, '>')}  {pad(verdict, 36)} {pad(report, 11, '>')}  "
              f"{pad(pctile, 6, '>')} {pad(median, 10, '>')} {pad(hit, 7, '>')}  {stage}")
    for incident in ev.incidents:
        findings = ev.of(incident.id)
        counts = {status: sum(1 for f in findings if f.status == status)
                  for status in ("met", "missed", "pending", UNRECORDED)}
        lines.append(_("Incident {incident}: {description} ({category}, {level}): {met} met, {missed} missed, "
                       "{pending} not judged").format(
            incident=incident.id, description=described(s, incident),
            category=title_of(s.categories[incident.category]), level=_level(s, incident.level),
            met=counts["met"], missed=counts["missed"], pending=counts["pending"] + counts[UNRECORDED]))
        lines.append(header)
        for f in findings:
            name = f.rule if f.change is None else f"{f.rule} ({f.change})"
            pct = "-" if f.percentile is None else f"p{f.percentile:.0f}"
            rate = "-" if f.sim_rate is None else f"{f.sim_rate:.0%}"
            report = format_offset(f.end) if f.end is not None else "-"
            lines.append(f"  {pad(name, 24)} {pad(format_duration(s.deadlines[f.rule].limit), 5, '>')}  "
                         f"{pad(verdict_text(f), 36)} {pad(report, 11, '>')}  {pad(pct, 6, '>')} "
                         f"{pad(seconds_text(f.sim_median), 10, '>')} {pad(rate, 7, '>')}  {stage_text(f)}")
        lines.append("")
    if not ev.incidents:
        lines.append(_("The log records no incident."))
    if ev.reports:
        lines.append(_("Reports recorded with their core elements (Art. 8.4):"))
        lines.extend(f"  {format_offset(c.time)}  {c.incident}  {c.milestone}"
                     f"{'' if c.change is None else f' ({c.change})'}: {completeness_text(s, c)}" for c in ev.reports)
        lines.append("")
    lines.append(_("pctile: the share of simulated runs faster than the drill for the same clock (p80: slower than "
                   "{percent} of them).").format(percent="80 %"))
    return "\n".join(lines)


def completeness_text(s: Scenario, c: Carried) -> str:
    """`complete, 4 of 4 core elements` or `incomplete, without casualties (dead, ...)`."""
    if c.complete:
        return _("complete, {carried} of {required} core elements").format(carried=len(c.required),
                                                                           required=len(c.required))
    return _("incomplete, without {missing}").format(
        missing=_("; ").join(title_of(s.core_elements[name]) for name in c.missing))


@dataclass(frozen=True, slots=True)
class Completeness:
    """What the reports recorded with their elements show, for the after-action report: complete or not, a heading,
    the plan's article, one line of evidence per report and what they lacked most often."""

    complete: bool
    heading: str
    article: str
    evidence: tuple[str, ...]
    analysis: str
    action: str = ""
    """What to practise, for reports found incomplete."""
    owner: str = ""
    """Who sent most of the incomplete reports (the actor of their step)."""


def completeness(ev: Evaluation) -> Completeness | None:
    """The reports' completeness as one observation; None when the log says the elements of no report."""
    if not ev.reports:
        return None
    s = ev.scenario
    # the article the elements come from: `Art. 8.4` of the first element's `Art. 8.4(1)`
    article = next((e.article for e in s.core_elements.values() if e.article), "").partition("(")[0].strip()
    evidence = tuple(f"{format_offset(c.time)} {c.incident} {c.milestone}"
                     f"{'' if c.change is None else f' ({c.change})'}: {completeness_text(s, c)}" for c in ev.reports)
    short = [c for c in ev.reports if not c.complete]
    if not short:
        return Completeness(True, ngettext(
            "Core elements of the reports: complete in {count} report", "Core elements of the reports: complete in "
            "all {count} reports", len(ev.reports)).format(count=len(ev.reports)), article, evidence,
            _("Every report filed carried the core elements the plan asks of it."))
    lacking: dict[str, int] = {}
    for c in short:
        for name in c.missing:
            lacking[name] = lacking.get(name, 0) + 1
    most = max(lacking.values())
    senders: dict[str, int] = {}
    incidents = {incident.id: incident for incident in ev.incidents}
    for c in short:
        node, incident = flow_of(s).reaching(c.milestone), incidents.get(c.incident)
        if node is not None and incident is not None:
            sender = actor_label(s, doers(s, node.step, incident)[0], incident.grid, incident.category)
            senders[sender] = senders.get(sender, 0) + 1
    owner = max(senders, key=lambda name: senders[name]) if senders else ""
    return Completeness(False, ngettext(
        "Core elements of the reports: {short} of {count} report incomplete",
        "Core elements of the reports: {short} of {count} reports incomplete", len(ev.reports)).format(
            short=len(short), count=len(ev.reports)), article, evidence,
        ngettext("Missing most often: {elements} ({count} report).", "Missing most often: {elements} ({count} "
                 "reports).", most).format(elements=_("; ").join(title_of(s.core_elements[name]) for name in
                                                                s.core_elements if lacking.get(name) == most),
                                           count=most),
        _("Check each report against the core elements its step must carry before it is sent, and practise "
          "the ones the drill's reports lacked."), owner)


def to_frame(ev: Evaluation) -> pd.DataFrame:
    """One row per finding (seconds as numbers), for CSV and JSON."""
    import pandas as pd
    return pd.DataFrame([asdict(f) for f in ev.findings], columns=[f.name for f in fields(Finding)])
