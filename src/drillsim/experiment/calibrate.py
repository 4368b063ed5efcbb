"""The plan's durations fitted to a community's drills, and the scenario that runs on them.

Each drill log is read against the scenario and the drill's incidents, each
step's span measured (`exercise.observed`), the spans of one duration pooled
across the drills, per distribution the plan gives it (its base, a
category's or a level's own), and each pool fitted (`results.fitting`). A pool
with too few timed observations keeps the plan's distribution and says why.
The calibrated scenario `extends` the original and writes only the durations
that changed, with a `provenance` block that says where each number came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from drillsim.exercise.drilllog import DrillLog
from drillsim.exercise.observed import Observation, observations
from drillsim.i18n import _, ngettext, speaking
from drillsim.model.streams import Streams
from drillsim.report.terminal import Table
from drillsim.results import fitting
from drillsim.scenario.names import scenario_name
from drillsim.scenario.schema import Dist, Scenario
from drillsim.scenario.units import format_clock, format_duration

if TYPE_CHECKING:
    import pandas as pd

    from drillsim.experiment.comparison import Comparison

_DURATION_FIELDS = ("value", "mean", "low", "mode", "high", "median", "p90")


@dataclass(frozen=True)
class StepFit:
    """One of a duration's distributions (its base, a category's or a level's), as the plan has it and as fitted."""

    duration: str
    variant: str
    plan: Dist
    fitted: fitting.Fitted
    steps: tuple[str, ...]
    split: bool = False
    """A category's or level's own distribution the data called for (`fitting.supports_split`), not the plan."""

    def document(self) -> dict[str, Any] | None:
        return self.fitted.document()

    def holds(self, observation: Observation) -> bool:
        """Whether the drills' `observation` is one of those this distribution was fitted to."""
        if observation.duration != self.duration:
            return False
        if not self.split:
            return observation.variant == self.variant
        kind, _, name = self.variant.partition(":")
        return observation.variant == "base" and getattr(observation, kind) == name


@dataclass(frozen=True)
class Calibration:
    """What the drills said of every duration they timed."""

    scenario: Scenario
    logs: tuple[str, ...]
    observations: tuple[Observation, ...]
    fits: tuple[StepFit, ...]

    def frame(self) -> pd.DataFrame:
        """One row per duration and variant: the counts by kind, the plan's mean, the fit and its interval."""
        import pandas as pd
        rows = []
        for step_fit in self.fits:
            fitted = step_fit.fitted
            obs = fitted.observations
            interval = fitted.mean_interval or (None, None)
            missing = sum(1 for o in self.observations if step_fit.holds(o) and o.kind == "missing")
            rows.append({
                "duration": step_fit.duration, "variant": step_fit.variant, "steps": ",".join(step_fit.steps),
                "exact": len(obs.exact), "within": len(obs.within), "at_most": len(obs.at_most),
                "at_least": len(obs.at_least), "missing": missing, "plan": step_fit.plan.describe(),
                "plan_mean": step_fit.plan.mean(), "family": fitted.family, "fitted_mean": fitted.mean,
                "mean_low": interval[0], "mean_high": interval[1],
                "gof_pvalue": fitted.chosen.gof_pvalue if fitted.chosen else None,
                "kept": fitted.kept or "", "split": step_fit.split, "notes": "; ".join(fitted.notes)})
        return pd.DataFrame(rows)

    def changed(self) -> list[StepFit]:
        return [step_fit for step_fit in self.fits if step_fit.document() is not None]

    def document(self, extends: str) -> dict[str, Any]:
        """The calibrated scenario: `extends` the original, the fitted durations, and their provenance."""
        durations: dict[str, Any] = {}
        for name in dict.fromkeys(f.duration for f in self.changed()):
            durations[name] = _calibrated(self.scenario.durations[name],
                                          {f.variant: f.document() for f in self.changed() if f.duration == name})
        names = {}
        for lang, key in (("en", "name"), ("zh", "name_zh")):
            with speaking(lang):
                names[key] = ngettext("{name} (calibrated on {count} drill)", "{name} (calibrated on {count} drills)",
                                      len(self.logs)).format(name=scenario_name(self.scenario), count=len(self.logs))
        return {"extends": extends, **names, "durations": durations, "provenance": self.provenance()}

    def provenance(self) -> dict[str, Any]:
        """Which logs, how many observations of each kind per duration, and the fit that replaced the plan's."""
        out: dict[str, Any] = {"logs": list(self.logs), "durations": {}}
        for step_fit in self.fits:
            fitted, obs = step_fit.fitted, step_fit.fitted.observations
            entry: dict[str, Any] = {"observations": {"exact": len(obs.exact), "to_the_minute": len(obs.within),
                                                      "at_most": len(obs.at_most), "at_least": len(obs.at_least)},
                                     "plan": step_fit.plan.describe()}
            if fitted.kept:
                entry["kept"] = fitted.kept
            else:
                entry["family"] = fitted.family
                if fitted.mean is not None:
                    entry["mean"] = format_duration(round(fitted.mean))
                if fitted.mean_interval is not None:
                    low, high = fitted.mean_interval
                    entry["mean_95"] = [format_duration(round(low)), format_duration(round(high))]
                entry["aicc"] = {f.family: round(f.aicc, 2) for f in fitted.fits if np.isfinite(f.aicc)}
                if fitted.chosen is not None and fitted.chosen.gof_pvalue is not None:
                    entry["ks_pvalue"] = round(fitted.chosen.gof_pvalue, 4)
                if fitted.notes:
                    entry["notes"] = list(fitted.notes)
            if step_fit.split:
                entry["split_by_the_data"] = True
            parts = [f for f in self.fits if f.split and f.duration == step_fit.duration]
            if step_fit.variant == "base" and parts:
                entry["split"] = [part.variant for part in parts]
            out["durations"][f"{step_fit.duration}" + ("" if step_fit.variant == "base" else
                                                       f" ({step_fit.variant})")] = entry
        return out


def calibrate(scenario: Scenario, logs: Sequence[DrillLog], *, seed: int = 0,
              resamples: int = fitting.RESAMPLES) -> Calibration:
    """Fit every duration the drills timed; `seed` feeds the bootstrap intervals (one stream per duration).

    A duration's own distribution (the plan's base) is then split by category, or by level, where the data
    support it (`fitting.supports_split`): each group gets its fit beside the pooled one, which stays for the
    categories or levels the drills did not time."""
    observed = tuple(o for log in logs for o in observations(scenario, log.incidents, log.entries, log.name))
    streams = Streams(np.random.SeedSequence(seed))
    fits: list[StepFit] = []
    order = list(scenario.durations)
    for duration, variant in sorted(dict.fromkeys((o.duration, o.variant) for o in observed),
                                    key=lambda key: (order.index(key[0]), key[1] != "base", key[1])):
        pool = [o for o in observed if o.duration == duration and o.variant == variant]
        dist = scenario.durations[duration]
        fitted = fitting.fit(_sample(pool), streams[f"bootstrap/{duration}/{variant}"], resamples=resamples)
        pooled = StepFit(duration, variant, _variant(dist, variant), fitted, tuple(dict.fromkeys(o.step for o in pool)))
        fits += _split(pooled, pool, dist, streams, resamples) if variant == "base" else [pooled]
    return Calibration(scenario, tuple(log.name for log in logs), observed, tuple(fits))


def _sample(pool: Sequence[Observation]) -> fitting.Observations:
    return fitting.Observations(
        exact=tuple(o.seconds for o in pool if o.kind == "exact"),
        within=tuple((o.seconds - o.spread, o.seconds + o.spread) for o in pool if o.kind == "within"),
        at_most=tuple(o.seconds for o in pool if o.kind == "at_most"),
        at_least=tuple(o.seconds for o in pool if o.kind == "at_least"))


def _split(pooled: StepFit, pool: Sequence[Observation], dist: Dist, streams: Streams,
           resamples: int) -> list[StepFit]:
    """The base again and its parts: fits of their own for the categories, or the levels, timed often enough for
    one, where the data support them (`fitting.supports_split`; the lower joint AICc of the two ways), the base
    then fitted to the rest (the pooled fit stays for a rest timed too seldom); none where no split is
    supported. By category only where the plan gives the duration no level of its own: a category's
    distribution would take those levels' incidents from theirs."""
    best: tuple[float, list[StepFit]] | None = None
    for kind in ("category", "level"):
        if kind == "category" and dist.by_level:
            continue
        groups: dict[str, list[Observation]] = {}
        for o in pool:
            groups.setdefault(f"{kind}:{getattr(o, kind)}", []).append(o)
        large = {name: group for name, group in sorted(groups.items()) if _sample(group).timed >= fitting.MIN_TIMED}
        rest = [o for name, group in groups.items() if name not in large for o in group]
        if not large or (len(large) == 1 and not rest):
            continue
        parts = [StepFit(pooled.duration, name, pooled.plan,
                         fitting.fit(_sample(group), streams[f"bootstrap/{pooled.duration}/{name}"],
                                     resamples=resamples),
                         tuple(dict.fromkeys(o.step for o in group)), split=True)
                 for name, group in large.items()]
        base = pooled
        if _sample(rest).timed >= fitting.MIN_TIMED:
            base = StepFit(pooled.duration, "base", pooled.plan,
                           fitting.fit(_sample(rest), streams[f"bootstrap/{pooled.duration}/base/{kind}"],
                                       resamples=resamples), tuple(dict.fromkeys(o.step for o in rest)))
        own = [part.fitted for part in parts] + ([base.fitted] if base is not pooled else [])
        left = _sample(rest) if base is pooled else fitting.Observations()
        if not fitting.supports_split(pooled.fitted, own, left):
            continue
        aicc = fitting.joint_aicc(own, left, pooled.fitted.chosen)
        if best is None or aicc < best[0]:
            best = (aicc, [base, *parts])
    return [pooled] if best is None else best[1]


def durations_table(found: Calibration) -> Table:
    """Per duration: the spans of each kind, the plan's distribution and mean, the fitted one and its mean, and
    the 95 % interval on the observed mean; captioned with how much the drills measured."""
    rows = []
    for step_fit in found.fits:
        fitted, obs = step_fit.fitted, step_fit.fitted.observations
        missing = sum(1 for o in found.observations if step_fit.holds(o) and o.kind == "missing")
        counts = f"{len(obs.exact) + len(obs.within)}/{len(obs.at_most)}/{len(obs.at_least)}/{missing}"
        interval = fitted.mean_interval
        observed = "-" if interval is None else f"{format_duration(round(interval[0]))}-" \
                                                f"{format_duration(round(interval[1]))}"
        if fitted.kept:
            now, mean = _("plan's kept"), "-"
        else:
            now = _describe(fitted.document() or {})
            mean = format_duration(round(fitted.mean)) if fitted.mean is not None else "-"
        rows.append((_name(step_fit), counts, step_fit.plan.describe(), format_duration(round(step_fit.plan.mean())),
                     now, mean, observed))
    columns = ((_("duration"), 0, "<"), (_("timed/≤/≥/skipped"), 0, ">"), (_("plan"), 0, "<"),
               (_("plan mean"), 0, ">"), (_("fitted"), 0, "<"), (_("fitted mean"), 0, ">"),
               (_("observed mean, 95%"), 0, ">"))
    head = ngettext("{count} drill log, {spans} step spans measured", "{count} drill logs, {spans} step spans measured",
                    len(found.logs)).format(count=len(found.logs), spans=len(found.observations))
    return Table(head, columns, tuple(rows))


def kept_notes(found: Calibration) -> list[str]:
    """Why each duration the drills timed too seldom keeps the plan's distribution."""
    return [f"{_name(f)}: {f.fitted.kept}" for f in found.fits if f.fitted.kept]


def report_html(found: Calibration, comparison: Comparison, original: str, calibrated: str) -> str:
    """The calibration as a page: what changed per duration, and how the verdicts move from the original scenario
    (file `original`) to the calibrated one (`calibrated`) on the same incidents."""
    from drillsim.report.html import render_tables
    moved = [Table(comparison.columns(kind)[0] + ": " + _("B - A, 95% intervals"),
                   tuple((head, 0, "<" if i in (0, 5) else ">") for i, head in enumerate(comparison.columns(kind))),
                   tuple(comparison.rows(kind)))
             for kind in ("hit rate", "mean wait")]
    title = _("Calibration: {scenario}").format(scenario=scenario_name(found.scenario))
    lead = [_("Drill logs: {logs}").format(logs=_("; ").join(found.logs)), *comparison.heading(original, calibrated)]
    return render_tables(title, lead, [durations_table(found), *moved], kept_notes(found))


def _name(step_fit: StepFit) -> str:
    return step_fit.duration if step_fit.variant == "base" else f"{step_fit.duration} ({step_fit.variant})"


def _describe(document: dict[str, Any]) -> str:
    """A fitted distribution as the plan table describes one (`lognormal(median 5m, p90 12m)`)."""
    from pydantic import TypeAdapter

    from drillsim.scenario.schema import AnyDist
    return str(TypeAdapter(AnyDist).validate_python(document).describe())


def _variant(dist: Dist, variant: str) -> Dist:
    kind, _, name = variant.partition(":")
    if kind == "category":
        return dist.by_category[name]  # type: ignore[no-any-return]
    if kind == "level":
        return dist.by_level[name]  # type: ignore[no-any-return]
    return dist


def _calibrated(dist: Dist, fitted: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """A duration as the calibrated scenario writes it: the fitted base replaces the whole distribution (the
    merge replaces a mapping with `dist`), so the plan's other variants are written again beside it; fitted
    variants alone merge into the plan's."""
    by_category = {name: fitted.get(f"category:{name}") or document_of(variant)
                   for name, variant in dist.by_category.items()}
    by_level = {name: fitted.get(f"level:{name}") or document_of(variant) for name, variant in dist.by_level.items()}
    for key, document in fitted.items():  # a category's or level's own, where the data called for one
        kind, _, name = key.partition(":")
        if document is not None and kind in ("category", "level"):
            (by_category if kind == "category" else by_level).setdefault(name, document)
    base = fitted.get("base")
    if base is None:
        out: dict[str, Any] = {}
        out.update({"by_category": {k: v for k, v in by_category.items() if f"category:{k}" in fitted}}
                   if any(k.startswith("category:") for k in fitted) else {})
        out.update({"by_level": {k: v for k, v in by_level.items() if f"level:{k}" in fitted}}
                   if any(k.startswith("level:") for k in fitted) else {})
        return out
    out = dict(base)
    if by_category:
        out["by_category"] = by_category
    if by_level:
        out["by_level"] = by_level
    if dist.time_of_day:
        out["time_of_day"] = [{"from": format_clock(w.start), "to": format_clock(w.end), "factor": w.factor}
                              for w in dist.time_of_day]
    return out


def document_of(dist: Dist) -> dict[str, Any]:
    """A distribution (without its refinements) as a scenario file writes it."""
    raw = dist.model_dump(by_alias=True, exclude={"by_category", "by_level", "time_of_day"})
    out: dict[str, Any] = {"dist": raw["dist"]}
    for key, value in raw.items():
        if key in _DURATION_FIELDS:
            out[key] = format_duration(value)
        elif key == "samples":
            out[key] = [format_duration(v) for v in value]
    return out


__all__ = ["Calibration", "StepFit", "calibrate", "document_of", "durations_table", "kept_notes", "report_html"]
