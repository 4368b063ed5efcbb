"""The run's report: one self-contained HTML page a planner can mail, open offline and print.

Rendered from what `drillsim run --out` wrote, as drillsim.experiment.rundir
reads it back (so a report can be made again later from the directory alone),
and written there by that module: this one only renders, and knows the name of
no file. Plots are embedded as SVG data URIs, the page loads nothing from
anywhere and runs no script, and every text that comes from a scenario goes
through Jinja2's autoescaping. The page speaks the language in force when it
is rendered (drillsim.i18n): its fixed words are `_()` in the template, through
Jinja2's i18n extension, and its fonts fall back to the CJK fonts of common
systems, so a page in Chinese, or with Chinese names, shows no empty boxes.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import jinja2

from drillsim.i18n import _, datetime_text, gettext, language, ngettext, percent_text
from drillsim.model.staffing import holders_of, roles_of
from drillsim.report.plan import person_text
from drillsim.report.terminal import Table, reading_marks
from drillsim.scenario.names import example_of, means_of, plan_title_of, scenario_name, title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import DAY, format_clock, format_duration, format_offset
from drillsim.text import finalize

if TYPE_CHECKING:
    import pandas as pd


class SavedReport(Protocol):
    """What the report reads of a saved run: its summary, provenance and effective scenario (and its text)."""

    summary: dict[str, Any]
    provenance: dict[str, Any]
    scenario: Scenario
    scenario_text: str

    def elements(self) -> pd.DataFrame:
        """Per report step that must carry core elements, how its reports fared (metrics.element_table)."""


class Plot(NamedTuple):
    """One plot to embed: its name (a key of `captions()`) and its SVG as a data URI."""

    name: str
    src: str


def captions() -> dict[str, str]:
    """Each plot's caption, by its name, in the language in force."""
    return {
        "hit-rates": _("How often each deadline was met, over all levels and per level, with its 95 % interval. "
                       "The dashed line is what the plan asks for."),
        "bottleneck": _("Where the minutes went: the mean time to each report, split into the stages of its "
                        "critical path, for the reports that missed and those that met the deadline."),
        "actor-load": _("Who was busy, and who was waited for, over the time of day: utilisation of the staff on "
                        "duty and the mean number of tasks waiting."),
        "worst-incident": _("The incident whose report missed its deadline by the most, step by step on a lane per "
                            "actor."),
        "time-to-report": _("Time to report against each deadline: the share of reports made within a given time; "
                            "where a curve crosses its deadline is its hit rate."),
    }


def kinds() -> dict[str, str]:
    """The bottleneck's stage kinds in words, for the stages table, in the language in force."""
    return {"wait": _("waiting for the actor"), "work": _("the actor working"), "transit": _("report in transit"),
            "follow-up": _("follow-up round trip of an incomplete report"),
            "held": _("report held back until its core elements were known"), "other": _("waiting for a condition")}


def page_lang() -> str:
    """The `lang` of a page in the language in force: `zh-CN` (simplified Chinese, the plan's), `en`."""
    return "zh-CN" if language() == "zh" else "en"


def with_i18n(env: jinja2.Environment) -> jinja2.Environment:
    """`_()` and `ngettext()` of drillsim.i18n in an environment's templates (new style: the message is a format
    string, so a literal `%` is written `%%`), `page_lang` for the `<html lang>`, and the scenario's name and its
    plan's title in the language in force (`scenario_name`, `plan_title_of` of drillsim.scenario.names)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(page_lang=page_lang, scenario_name=scenario_name, plan_title_of=plan_title_of)
    return env


@cache
def _environment() -> jinja2.Environment:
    env = with_i18n(jinja2.Environment(loader=jinja2.PackageLoader("drillsim.report", "templates"),
                                       autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True,
                                       lstrip_blocks=True, undefined=jinja2.StrictUndefined, finalize=finalize))
    env.filters["duration"] = lambda s: "-" if s is None or (isinstance(s, float) and math.isnan(s)) \
        else format_duration(s)
    env.filters["pct"] = lambda v, digits=1: "-" if v is None or (isinstance(v, float) and math.isnan(v)) \
        else percent_text(v, digits)
    env.filters["when"] = lambda v: datetime_text(v) if isinstance(v, str) else v
    return env


def render_tables(title: str, lead: Sequence[str], tables: Sequence[Table], notes: Sequence[str] = ()) -> str:
    """A page of captioned tables (drillsim.report.terminal.Table) under a title and a few lines that say what they
    are, with notes below: what the terminal prints, for a browser; every cell escaped."""
    return _environment().get_template("tables.html").render(title=title, lead=lead, tables=tables, notes=notes)


def _staffing(scenario: Scenario) -> list[dict[str, str]]:
    """A row per role (per grid for a per-grid role): its anonymous staff, as the chain counts them (none when
    only people hold it), and the people who hold it."""
    anonymous = {holder.roles[0] for holder in holders_of(scenario) if not holder.name}
    roles = roles_of(scenario)
    rows = []
    for actor_id, actor in scenario.actors.items():
        if actor.kind not in ("pool", "per_grid"):
            continue
        staffing = scenario.staffing_of(actor_id)
        for role in (role for role in roles if role[0] == actor_id):
            unit = role[1]
            held = [person_id for person_id, person in scenario.people.items()
                    if (f"{actor_id}:{unit}" if unit else actor_id) in person.roles]
            if role not in anonymous:
                rows.append({"actor": title_of(actor), "unit": unit, "staff": "-", "shifts": "-", "absences": "-",
                             "held": ", ".join(held) or "-"})
                continue
            own = staffing.for_grid(unit) if unit else staffing
            shifts = "; ".join(f"{format_clock(s.start)}-{format_clock(s.end)}: {s.staff}" for s in own.shifts)
            absences = "; ".join(_("{start} to {end}: {staff} away").format(
                start=format_offset(a.start), end=format_offset(a.end), staff=a.staff) for a in own.absences)
            rows.append({"actor": title_of(actor), "unit": unit, "staff": str(own.staff), "shifts": shifts or "-",
                         "absences": absences or "-", "held": ", ".join(held) or "-"})
    return rows


def _persons(scenario: Scenario) -> list[dict[str, str]]:
    """A row per named person: the roles they hold and when they are on duty."""
    return [{"id": person_id, "title": title_of(person) or person_id, "what": person_text(person)}
            for person_id, person in scenario.people.items()]


def _teams(scenario: Scenario) -> list[dict[str, str]]:
    """A row per team and per working group: who leads it, who stands in, the roles its members come from."""
    rows = []
    for actor in scenario.actors.values():
        if actor.kind == "team":
            stand_in = scenario.actors[actor.leader].stand_in if actor.leader else None
            rows.append({"team": title_of(actor), "leader": _held(scenario, actor.leader),
                         "stand_in": _held(scenario, stand_in), "members": ", ".join(actor.members) or "-",
                         "takes": "-"})
    if any(actor.kind == "working_group" for actor in scenario.actors.values()):
        for group_id, group in scenario.working_groups.items():
            taken = [title_of(c) for c in scenario.categories.values() if c.working_group == group_id]
            rows.append({"team": title_of(group), "leader": _held(scenario, group.led_by),
                         "stand_in": _held(scenario, group.deputy), "members": ", ".join(group.members) or "-",
                         "takes": ", ".join(taken) or "-"})
    return rows


def _held(scenario: Scenario, role: str | None) -> str:
    """`leader (party_secretary)`: a role and the people who hold it; `-` for none."""
    if role is None:
        return "-"
    holders = scenario.holders(role)
    return f"{role} ({', '.join(holders)})" if holders else role


def _incidents(scenario: Scenario) -> dict[str, list[dict[str, str]]]:
    sources = [{"name": s.name, "rate": _("{rate} a day").format(rate=f"{s.rate_per_day:g}"),
                "window": _("{start} to {end}").format(start=format_offset(s.start), end=format_offset(s.end))
                if s.end is not None else _("from {start}").format(start=format_offset(s.start)),
                "levels": ", ".join(f"{level} {percent_text(share, 0)}" for level, share in s.levels.items())}
               for s in scenario.sources]
    injects = [{"at": format_offset(i.at), "category": title_of(scenario.categories[i.category]),
                "what": i.description or (example_of(scenario, i.category, i.example) if i.example else ""),
                "level": i.level, "changes": str(len(i.changes)), "cascades": str(len(i.cascades))}
               for i in scenario.injects]
    return {"sources": sources, "injects": injects}


def _reports(run: SavedReport) -> list[dict[str, str]]:
    """A row per report step that must carry core elements: what it carries, and how many of its reports were
    followed up for want of one or held until it was known, with the elements most often missing."""
    carries = {"known": _("whatever is known when it is sent"), "all": _("every core element")}
    steps = {step.id: title_of(step) or step.id for step in run.scenario.flow}
    return [{"title": steps.get(row.step, row.title),
             "carries": carries.get(row.carries, row.carries.replace("+", ", ")),
             "sent": str(row.sent),
             "followed_up": str(row.followed_up), "held": str(row.held),
             "missing": row.missing.replace("+", ", ") or "-"}
            for row in run.elements().itertuples(index=False)]


def _levels(scenario: Scenario) -> dict[str, str]:
    from drillsim.plots import level_hex
    return {level: level_hex(scenario, level) for level in scenario.levels}


def run_time(seconds: object) -> str | None:
    """`0.094 s`, `3.2 s`, `2m5s`: the run's elapsed time as recorded, or None when it was not."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
            or seconds < 0:
        return None
    if seconds < 1:
        return f"{seconds:.3f} s"
    return f"{seconds:.1f} s" if seconds < 60 else format_duration(round(seconds))


def _targets(recorded: object, rules: list[dict[str, object]]) -> dict[str, float]:
    """The run's `--fail-under` thresholds per rule (none recorded: no target, so no rate is coloured)."""
    if not isinstance(recorded, dict):
        return {}
    known = {str(r["rule"]) for r in rules}
    return {rule: float(rate) for rule, rate in recorded.items() if rule in known
            and isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 <= rate <= 1}


def _readings(recorded: object, scenario: Scenario) -> dict[str, Any] | None:
    """What the run measured of the readings of the plan (None when it did not): the rules marked with their
    sentences, the rules each reading moves, the alternative in force of every reading (by the scenario's title
    and with what it means, in the language in force), and what was not tried."""
    if not isinstance(recorded, dict):
        return None
    marked = reading_marks(recorded)
    in_force = [{"reading": name, **entry, **_in_words(scenario, name, str(entry["alternative"]))}
                for name, entry in recorded["in_force"].items()]
    return {"marked": marked, "in_force": in_force, "sentence": recorded["sentence"],
            "threshold": recorded["threshold"], "tried": set(recorded["tried"])}


def _in_words(scenario: Scenario, name: str, alternative: str) -> dict[str, str]:
    """A reading's title and the meaning of its alternative in force, from the scenario (a reading it lacks keeps
    its recorded title; the scenario's own values, no alternative, mean nothing to say)."""
    reading = scenario.readings.get(name)
    if reading is None:
        return {"means": ""}
    chosen = reading.alternatives.get(alternative)
    return {"title": title_of(reading), "means": means_of(chosen) if chosen is not None else ""}


def render(run: SavedReport, plots: Sequence[Plot], *, at_run_time: bool = False) -> str:
    """The report of a saved run, with these plots, as one HTML page.

    Made `at_run_time` (`drillsim run --report`), it says it was made when the
    run was written, so that the same seed gives the same bytes.
    """
    summary = run.summary
    scenario = run.scenario
    rules = summary["rules"]
    titles = {actor_id: title_of(actor) for actor_id, actor in scenario.actors.items()}
    steps = {step.id: title_of(step) or step.id for step in scenario.flow}
    rule_titles = {rule_id: title_of(rule) for rule_id, rule in scenario.deadlines.items()}
    stage_kinds, plot_captions = kinds(), captions()
    # A report's stage names its senders with "+" (a grid worker or a department head verifies) and the elements
    # its reports lacked, the most often missing first.
    stages = [{**row, "title": rule_titles.get(row["rule"], row["title"]),
               "actor": ", ".join(titles.get(actor, actor) for actor in str(row["actor"]).split("+")),
               "step": steps.get(row["step"], row["step"]), "kind": stage_kinds.get(row["kind"], row["kind"]),
               "missing": str(row.get("missing") or "").replace("+", ", ")}
              for row in summary["bottleneck"].get("stages", [])]
    findings = [row for i, row in enumerate(stages) if i == 0 or stages[i - 1]["rule"] != row["rule"]]
    provenance = run.provenance
    context = {
        "title": scenario_name(scenario, summary["scenario"]),
        "scenario": scenario,
        "summary": summary,
        "horizon_days": scenario.horizon / DAY,
        "staffing": _staffing(scenario),
        "persons": _persons(scenario),
        "teams": _teams(scenario),
        "incidents": _incidents(scenario),
        "overall": [{**r, "title": rule_titles.get(r["rule"], r["title"])} for r in rules if r["level"] == "all"],
        "by_level": {r["rule"]: [x for x in rules if x["rule"] == r["rule"] and x["level"] != "all"]
                     for r in rules if r["level"] == "all"},
        "level_colours": _levels(scenario),
        "actors": [{**a, "title": titles.get(a["actor"], a["title"])} for a in summary["actors"]],
        "people": summary.get("people", []),
        "headline": summary["bottleneck"]["sentence"],
        "findings": findings,
        "stages": stages,
        "reports": _reports(run),
        "plots": [{"name": p.name, "caption": plot_captions[p.name], "src": p.src} for p in plots],
        "provenance": provenance,
        "versions": provenance.get("versions", {}),
        "written": provenance.get("written"),
        "elapsed": run_time(provenance.get("elapsed_seconds")),
        "targets": _targets(provenance.get("fail_under"), rules),
        "readings": _readings(summary.get("readings"), scenario),
        "generated": (provenance.get("written") if at_run_time else None)
        or datetime.now(UTC).isoformat(timespec="seconds"),
        "report_versions": {"python": platform.python_version(), "drillsim": metadata.version("drillsim"),
                            "jinja2": metadata.version("jinja2")},
        "scenario_yaml": run.scenario_text,
        "repeat": f"drillsim run scenario.yaml --seed {summary['seed']} --replications {summary['replications']}",
    }
    return _environment().get_template("run.html").render(**context)


__all__ = ["Plot", "SavedReport", "captions", "kinds", "page_lang", "render", "run_time", "with_i18n"]
