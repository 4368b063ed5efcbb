"""The after-action report and improvement plan (HSEEP AAR/IP) of a drill, drafted from its evaluation.

Objectives are the plan's deadlines; each is rated as HSEEP rates core
capabilities (P, S, M, U, defined in RATINGS). Strengths are the deadlines
met every time, areas for improvement those missed, each with the drill's
evidence and the plan article. Every area gets a corrective action in the
improvement plan, chosen from the data: a staffing change when a simulated
comparison shows it lifts the deadline's hit rate, training when the costliest
stage ran slower than simulated, a review of the plan when the drill kept the
simulated pace and still missed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import jinja2

from drillsim.exercise.evaluate import (
    UNRECORDED,
    Evaluation,
    Finding,
    completeness,
    described,
    seconds_text,
    verdict_text,
)
from drillsim.exercise.msel import actor_label, doers
from drillsim.i18n import _, ngettext
from drillsim.model.pairing import differences
from drillsim.report.html import with_i18n
from drillsim.report.plan import person_text, role_staffing
from drillsim.report.terminal import Table
from drillsim.scenario.flow import flow_of
from drillsim.scenario.names import plan_title_of, scenario_name, title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration, format_offset
from drillsim.text import visible

if TYPE_CHECKING:
    import pandas as pd

    from drillsim.results import Results

def ratings() -> dict[str, str]:
    """The HSEEP ratings in words, in the language in force."""
    return {
        "P": _("Performed without challenges: every report on time"),
        "S": _("Performed with some challenges: every report made, none later than a quarter of the limit"),
        "M": _("Performed with major challenges: every report made, some later than a quarter of the limit"),
        "U": _("Unable to be performed: a report was never made"),
    }


class _Ratings(Mapping[str, str]):
    """`ratings()` read whenever it is looked up, so RATINGS speaks the language in force then."""

    def __getitem__(self, key: str) -> str:
        return ratings()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(ratings())

    def __len__(self) -> int:
        return len(ratings())


RATINGS: Mapping[str, str] = _Ratings()
SLIGHTLY_LATE = 0.25
"""A miss later than this share of the deadline's limit is a major challenge."""
BETTER = 0.05
"""A simulated staffing change that lifts a hit rate by at least this much is worth proposing."""


@dataclass(frozen=True, slots=True)
class Objective:
    rule: str
    title: str
    limit: str
    article: str
    met: int
    missed: int
    pending: int
    rating: str | None

    @property
    def rating_text(self) -> str:
        return RATINGS[self.rating] if self.rating else _("Not rated: every clock was still running at the end")


@dataclass(frozen=True, slots=True)
class Observation:
    """A strength or an area for improvement, with its evidence."""

    rule: str
    heading: str
    article: str
    evidence: tuple[str, ...]
    analysis: str


@dataclass(frozen=True, slots=True)
class Action:
    """A line of the improvement plan."""

    area: str
    action: str
    element: str
    owner: str
    protects: str


@dataclass(frozen=True, slots=True)
class RateRow:
    rule: str
    title: str
    base: str
    other: str
    change: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Hit rates of the scenario and of a differently staffed one, same seed and replications."""

    name: str
    replications: int
    seed: int
    staffing: tuple[str, ...]
    rates: tuple[RateRow, ...]
    differences: tuple[str, ...] = ()
    """What makes the two draw different incidents (drillsim.model.pairing); empty: the same incidents."""


@dataclass(frozen=True, slots=True)
class TrendSection:
    """The trend over this drill and the community's earlier ones (drillsim.experiment.trend), as the report writes
    it: what it is of, its tables and, beside the report, its plot."""

    heading: tuple[str, ...]
    tables: tuple[Table, ...]
    figure: str | None = None
    """The plot's file name, relative to the report."""


@dataclass(frozen=True, slots=True)
class AfterAction:
    scenario: Scenario
    evaluation: Evaluation
    objectives: tuple[Objective, ...]
    strengths: tuple[Observation, ...]
    improvements: tuple[Observation, ...]
    actions: tuple[Action, ...]
    comparison: Comparison | None
    trend: TrendSection | None = None

    @property
    def period(self) -> str:
        return _("{start} to {end}").format(start=format_offset(self.evaluation.begin),
                                            end=format_offset(self.evaluation.end))


def rating(findings: list[Finding], limit: int) -> str | None:
    """HSEEP rating of one deadline over the drill's incidents (RATINGS)."""
    judged = [f for f in findings if f.status in ("met", "missed")]
    if not judged:
        return None
    missed = [f for f in judged if f.status == "missed"]
    if not missed:
        return "P"
    if any(f.end is None for f in missed):
        return "U"
    return "M" if any((f.late or 0) > SLIGHTLY_LATE * limit for f in missed) else "S"


def draft(ev: Evaluation, base: Results | None = None, other: Results | None = None,
          trend: TrendSection | None = None) -> AfterAction:
    """The AAR/IP of a drill; with `base` and `other` runs, a staffing comparison informs the plan; with `trend`,
    the report shows how the drills moved."""
    s = ev.scenario
    comparison = _comparison(s, base, other) if base is not None and other is not None else None
    objectives, strengths, improvements, actions = [], [], [], []
    for rule_id, rule in s.deadlines.items():
        findings = [f for f in ev.findings if f.rule == rule_id]
        if not findings:
            continue
        counts = Counter(f.status for f in findings)
        title = _capital(title_of(rule))
        objectives.append(Objective(rule_id, title, format_duration(rule.limit), rule.article,
                                    counts["met"], counts["missed"], counts["pending"] + counts[UNRECORDED],
                                    rating(findings, rule.limit)))
        judged = [f for f in findings if f.status in ("met", "missed")]
        if not judged:
            continue
        evidence = tuple(_evidence(ev, f) for f in judged)
        if counts["missed"] == 0:
            strengths.append(Observation(
                rule_id, ngettext("{title} within {limit}: met for {count} clock",
                                  "{title} within {limit}: met for {count} clocks", len(judged)).format(
                    title=title, limit=format_duration(rule.limit), count=len(judged)),
                rule.article, evidence, _praise(judged)))
            continue
        missed = [f for f in judged if f.status == "missed"]
        stage, analysis = _analysis(ev, missed)
        heading = ngettext("{title} within {limit}: missed for {missed} of {count} clock",
                           "{title} within {limit}: missed for {missed} of {count} clocks", len(judged)).format(
            title=title, limit=format_duration(rule.limit), missed=len(missed), count=len(judged))
        improvements.append(Observation(rule_id, heading, rule.article, evidence, analysis))
        area = _("{title}: missed {missed} of {count}").format(title=title, missed=len(missed), count=len(judged))
        actions.append(_action(ev, rule_id, area, stage, missed, comparison))
    found = completeness(ev)  # the reports' core elements, where the log says them (the room's report form)
    if found is not None:
        (strengths if found.complete else improvements).append(
            Observation("core_elements", found.heading, found.article, found.evidence, found.analysis))
        if not found.complete:
            actions.append(Action(found.heading, found.action, _("Training"), found.owner, found.article))
    return AfterAction(s, ev, tuple(objectives), tuple(strengths), tuple(improvements), tuple(actions), comparison,
                       trend)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _incident_text(ev: Evaluation, f: Finding) -> str:
    incident = next(i for i in ev.incidents if i.id == f.incident)
    if f.change is not None:
        return _("Incident {incident} ({description}, change {change})").format(
            incident=incident.id, description=described(ev.scenario, incident), change=f.change)
    return _("Incident {incident} ({description})").format(incident=incident.id,
                                                           description=described(ev.scenario, incident))


def _evidence(ev: Evaluation, f: Finding) -> str:
    report = _("report at {time}").format(time=format_offset(f.end)) if f.end is not None else _("no report")
    if f.deadline is not None:
        report = _("{report}, due {due}").format(report=report, due=format_offset(f.deadline))
    sim = ""
    if f.percentile is not None:
        sim = _("; slower than {percent} of {runs} simulated runs (median {median})").format(
            percent=f"{f.percentile:.0f} %", runs=f.simulated, median=seconds_text(f.sim_median))
    elif f.simulated:
        sim = _("; simulated median {median} over {runs} runs").format(median=seconds_text(f.sim_median),
                                                                      runs=f.simulated)
    return _("{incident}: {report}, {verdict}{simulated}.").format(
        incident=_incident_text(ev, f), report=report, verdict=verdict_text(f), simulated=sim)


def _praise(judged: list[Finding]) -> str:
    ranked = [f.percentile for f in judged if f.percentile is not None]
    if not ranked:
        return _("Every report was made on time.")
    fast = sum(1 for p in ranked if p <= 50)
    return _("Every report was made on time; {fast} of {count} at least as fast as the simulated median, the pace "
             "the plan's step times allow.").format(fast=fast, count=len(ranked))


def _step_title(s: Scenario, step: str) -> str:
    node = flow_of(s).get(step)
    return (title_of(node.step) or node.id) if node is not None else step


def _owner(ev: Evaluation, f: Finding) -> str:
    s = ev.scenario
    incident = next(i for i in ev.incidents if i.id == f.incident)
    step = flow_of(s)[f.stage or ""].step
    return _(" or ").join(actor_label(s, a, "", incident.category) for a in doers(s, step, incident))


def _analysis(ev: Evaluation, missed: list[Finding]) -> tuple[Finding | None, str]:
    """The stage that cost the most across the misses, in a sentence; a stage the log has no time for is
    named as not recorded, never given a time."""
    staged = [f for f in missed if f.stage is not None]
    if not staged:
        return None, _("The log does not show where the time went: record every step of the chain next time.")
    counts = Counter(f.stage for f in staged)
    seconds = Counter({stage: sum(f.stage_seconds or 0 for f in staged if f.stage == stage) for stage in counts})
    common = max(counts, key=lambda stage: (counts[stage], seconds[stage]))
    ours = [f for f in staged if f.stage == common]
    timed = [f for f in ours if f.stage_seconds is not None]
    worst = max(timed, key=lambda f: f.stage_seconds or 0) if timed else ours[0]
    title = _step_title(ev.scenario, common or "")
    lead = ngettext("The stage that cost the most in {count} miss was '{stage}' ({owner})",
                    "The stage that cost the most in {count} misses was '{stage}' ({owner})", len(ours)).format(
        count=len(ours), stage=title, owner=_owner(ev, worst))
    untimed = len(ours) - len(timed)
    if not timed:
        if worst.stage_sim_median is None:
            return worst, _("{lead}: its end was not recorded in the log, so how long it took is not known.").format(
                lead=lead)
        return worst, _("{lead}: its end was not recorded in the log, so how long it took is not known (simulated "
                        "median {median}).").format(lead=lead, median=seconds_text(worst.stage_sim_median))
    sentence = _("{lead}: up to {took}").format(lead=lead, took=format_duration(worst.stage_seconds or 0))
    if worst.stage_share is not None:
        sentence = _("{sentence} ({share} of the window)").format(sentence=sentence, share=f"{worst.stage_share:.0%}")
    if worst.stage_sim_median is not None:
        sentence = _("{sentence} against a simulated median of {median}").format(
            sentence=sentence, median=seconds_text(worst.stage_sim_median))
    if untimed:
        sentence = ngettext("{sentence}; in {count} miss its end was not recorded",
                            "{sentence}; in {count} misses its end was not recorded", untimed).format(
            sentence=sentence, count=untimed)
    return worst, _("{sentence}.").format(sentence=sentence)


def _action(ev: Evaluation, rule_id: str, area: str, stage: Finding | None, missed: list[Finding],
            comparison: Comparison | None) -> Action:
    s = ev.scenario
    rule = s.deadlines[rule_id]
    protects = _("{deadline} ({limit}, {article})").format(deadline=_capital(title_of(rule)),
                                                             limit=format_duration(rule.limit), article=rule.article)
    owner = _owner(ev, stage) if stage is not None else title_of(s.actors[_end_actor(s, rule.end)])
    better = next((r for r in comparison.rates if r.rule == rule_id and r.change is not None
                   and r.change >= BETTER), None) if comparison is not None and not comparison.differences else None
    if comparison is not None and better is not None:
        return Action(area, _("Adopt the staffing of '{name}' ({changes}): over {replications} simulated runs the hit "
                              "rate of this deadline rises from {base} to {other}.").format(
            name=comparison.name, changes="; ".join(comparison.staffing) or _("its staffing"),
            replications=comparison.replications, base=better.base, other=better.other),
            _("Organization (staffing)"), owner, protects)
    if stage is not None and stage.stage_seconds is None:
        title = _step_title(s, stage.stage or "")
        text = _("Find out why '{stage}' has no recorded end: the drill log never recorded it, so the report was not "
                 "made or not logged; rehearse it with the {owner} and record it next time.") \
            if stage.stage_sim_median is None else \
            _("Find out why '{stage}' has no recorded end: the drill log never recorded it, so the report was not "
              "made or not logged (the plan's estimate: a simulated median of {median}); rehearse it with the {owner} "
              "and record it next time.")
        return Action(area, text.format(stage=title, owner=owner.lower(), median=seconds_text(stage.stage_sim_median)),
                      _("Training"), owner, protects)
    if stage is not None and stage.stage_sim_median is not None and (stage.stage_seconds or 0) > stage.stage_sim_median:
        title = _step_title(s, stage.stage or "")
        return Action(area, _("Rehearse '{stage}' with the {owner} until it fits the plan's estimate: it took {took} "
                              "in the drill against a simulated median of {median}.").format(
            stage=title, owner=owner.lower(), took=format_duration(stage.stage_seconds or 0),
            median=seconds_text(stage.stage_sim_median)), _("Training"), owner, protects)
    rates = [f.sim_rate for f in missed if f.sim_rate is not None]
    rate = _("only {rate} of simulated runs meet it").format(rate=f"{min(rates):.0%}") if rates \
        else _("the simulation cannot tell")
    return Action(area, _("Review the plan for this deadline: the drill kept the simulated pace and still missed it, "
                          "and {rate}; change the staffing, the procedure or the deadline.").format(rate=rate),
                  _("Planning"), owner, protects)


def _end_actor(s: Scenario, milestone: str) -> str:
    node = flow_of(s).reaching(milestone)
    if node is None or node.actor is None:
        return next(iter(s.actors))
    return node.actor


def _comparison(s: Scenario, base: Results, other: Results) -> Comparison:
    ours = base.rules().set_index(["rule", "level"])
    theirs = other.rules().set_index(["rule", "level"])
    rows = []
    for rule_id, rule in s.deadlines.items():
        a = ours.loc[(rule_id, "all")] if (rule_id, "all") in ours.index else None
        b = theirs.loc[(rule_id, "all")] if (rule_id, "all") in theirs.index else None
        rate_a = _rate(a)
        rate_b = _rate(b)
        change = None
        if a is not None and b is not None and a["applicable"] and b["applicable"]:
            change = float(b["rate"] - a["rate"])
        rows.append(RateRow(rule_id, _capital(title_of(rule)), rate_a, rate_b, change))
    differ = differences(base.scenario, other.scenario, seeds=(base.seed, other.seed), loads=(base.load, other.load))
    return Comparison(scenario_name(other.scenario), len(other.replications), other.seed, tuple(_staffing_changes(s,
                      other.scenario)), tuple(rows), tuple(differ))


def _rate(row: pd.Series | None) -> str:
    if row is None or not row["applicable"]:
        return "-"
    return f"{row['rate']:.0%} ({row['low']:.0%}-{row['high']:.0%})"


def _staffing_changes(base: Scenario, other: Scenario) -> list[str]:
    """`Office (information group): 2; 3 from 08:00 to 18:00 → 3; ...`, for each role staffed differently (its
    anonymous staff, who holds it), then `party secretary: holds leader, commander; ... → absent` for each person
    whose roles or duty differ: what the other scenario varies, as drillsim plan describes it."""
    out = []
    for actor_id, actor in base.actors.items():
        if actor.kind not in ("pool", "per_grid") or actor_id not in other.actors:
            continue
        before, after = role_staffing(base, actor_id), role_staffing(other, actor_id)
        if before != after:
            out.append(_("{role}: {before} → {after}").format(role=title_of(actor), before=before, after=after))
    for person_id in dict.fromkeys([*base.people, *other.people]):
        a, b = base.people.get(person_id), other.people.get(person_id)
        before = person_text(a) if a is not None else _("not in the plan")
        after = person_text(b) if b is not None else _("not in the plan")
        if before != after:
            person = a if a is not None else b
            assert person is not None
            out.append(_("{person} ({id}): {before} → {after}").format(person=title_of(person) or person_id,
                                                                        id=person_id, before=before, after=after))
    return out


def _context(aar: AfterAction) -> dict[str, object]:
    """What both templates are given: the report, and the names of the scenario and its incidents in the language
    in force."""
    return {"aar": aar, "ratings": RATINGS, "offset": format_offset, "scenario_name": scenario_name,
            "plan_title_of": plan_title_of, "described": lambda incident: described(aar.scenario, incident)}


def render_html(aar: AfterAction) -> str:
    from drillsim.exercise.render import environment
    return environment().get_template("aar.html").render(**_context(aar))


def render_markdown(aar: AfterAction) -> str:
    """The AAR/IP as Markdown; every value written into it is escaped (markdown_text), as HTML autoescapes."""
    return _markdown_environment().get_template("aar.md").render(**_context(aar))


class _Markdown(str):
    """Text already escaped for Markdown (by a filter), which the environment's finalize leaves alone."""

    __slots__ = ()


_INLINE = re.compile(r"[\\`*\[\]<>|]|&(?=#?\w+;)|(?<![^\W_])_|_(?![^\W_])")
_BLOCK_START = re.compile(r"^(\s*)(?:([#+=~-])|(\d+)([.)]))")


def markdown_text(value: object, *, line_start: bool = True) -> str:
    """Scenario text that reads as itself in Markdown: no raw HTML, no link, emphasis, code or table syntax.

    Newlines become spaces (a line break could start a heading or a list);
    `<` and an entity's `&` become entities, so `<script>` is shown, never run;
    the characters of inline syntax are backslash-escaped (an underscore only
    where it could start or end emphasis, so `grid_2` stays readable); and a
    value that starts a line cannot start a heading, quote, list or rule
    (unless not `line_start`: inside a table cell those have no meaning).
    """
    text = visible(" ".join(str(value).splitlines()))

    def escape(match: re.Match[str]) -> str:
        char = match[0]
        return {"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(char, "\\" + char)

    text = _INLINE.sub(escape, text)
    if not line_start:
        return text
    return _BLOCK_START.sub(lambda m: m[1] + (f"\\{m[2]}" if m[2] else f"{m[3]}\\{m[4]}"), text, count=1)


def _finalize(value: object) -> str:
    return value if isinstance(value, _Markdown) else markdown_text(value)


@cache
def _markdown_environment() -> jinja2.Environment:
    """The AAR's Markdown environment: like HTML's autoescaping, every `{{ }}` is escaped unless a filter did it; in
    the language in force (drillsim.report.html.with_i18n)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("drillsim.exercise", "templates"), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             finalize=_finalize)
    env.filters["cell"] = lambda value: _Markdown(markdown_text(value, line_start=False))
    env.filters["markdown"] = _Markdown  # a message of ours whose values a `cell` filter escaped
    return with_i18n(env)
