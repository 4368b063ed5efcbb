"""The run's pictures: hit rates, where the minutes went, who was loaded when, one incident's story.

Each plot is a function that takes a run (a Results, or a run read back from
its directory by drillsim.experiment.rundir) and an optional matplotlib Axes, and
returns the Axes it drew on. Figures are built with matplotlib's object API
(no pyplot, no global state), so plotting works in any process and backend.
This is the only module that imports matplotlib; the CLI imports it lazily.

Colours are colour-blind-safe (Okabe and Ito's palette; the plan's level
colours red, orange, yellow, blue as readable shades from Paul Tol's vibrant
scheme), and every level and rule also has its own marker or line style, so
nothing depends on colour alone.

Every plot speaks the language in force (drillsim.i18n) and draws Chinese
with the CJK font shipped in `drillsim/fonts` (a subset of Noto Sans CJK SC,
SIL Open Font License), the fallback after DejaVu Sans: no system font is
needed, and the same run draws the same pixels on every machine. The style
applies inside drillsim's own drawing only (`rc_context`), never to a user's
other figures; SVGs hold text as paths, so they need no font to be read.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import font_manager, rc_context, transforms
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, Formatter, FuncFormatter, MaxNLocator, NullFormatter
from rich.cells import cell_len

from drillsim.i18n import _
from drillsim.results.bottleneck import FOLLOW_UP, HELD, OTHER, Load, report_kinds
from drillsim.results.metrics import ALL_LEVELS, lateness
from drillsim.scenario.flow import ONCE, flow_of, shown_change
from drillsim.scenario.names import colour_name, example_of, scenario_name, step_in_chinese, title_of
from drillsim.scenario.units import DAY, HOUR, MINUTE, format_clock, format_duration
from drillsim.text import visible

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from drillsim.scenario.schema import Scenario


F = TypeVar("F", bound=Callable[..., Any])


class Run(Protocol):
    """What the plots read from a run: its scenario and tidy frames."""

    scenario: Scenario
    label: str

    @property
    def steps(self) -> pd.DataFrame: ...

    @property
    def verdicts(self) -> pd.DataFrame: ...

    @property
    def incidents(self) -> pd.DataFrame: ...

    @property
    def stages(self) -> pd.DataFrame: ...

    @property
    def workload(self) -> Load: ...

    def rules(self) -> pd.DataFrame: ...


# Okabe and Ito's colour-blind-safe palette (without its pale yellow), and readable shades of Paul Tol's
# vibrant scheme for the plan's level colours.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
LEVEL_SHADES = {"red": "#CC3311", "orange": "#EE7733", "yellow": "#C79A00", "blue": "#0077BB"}
LEVEL_MARKERS = ("s", "D", "^", "o", "v", "P")
KIND_COLOURS = {"wait": "#EE7733", "work": "#0077BB", "transit": "#009988", FOLLOW_UP: "#33BBEE", HELD: "#EE3377",
                OTHER: "#BBBBBB"}
MISS = "#CC3311"
LANE = 1.5
MET = "#555555"
FIGSIZE = (10.0, 6.0)
MINUTE_TICKS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 240, 480, 960, 1440, 2880, 5760, 10080)


FONT = Path(__file__).parent / "fonts" / "NotoSansCJKsc-Regular-subset.ttf"
"""The CJK font shipped with drillsim (fonts/README.md says what it holds)."""
CJK_FAMILY = "Noto Sans CJK SC Drillsim"
"""Its family name, its own so that a system's Noto Sans CJK never takes its place."""
FAMILY = ["DejaVu Sans", CJK_FAMILY]
"""Latin from matplotlib's DejaVu Sans, every glyph it lacks (Chinese) from the packaged font."""
STYLE: dict[RcKeyType, Any] = {"text.parse_math": False, "font.family": FAMILY}
"""While drawing: scenario text drawn as written (a `$` in a name is a dollar sign, not mathtext), in FAMILY."""
SAVING: dict[RcKeyType, Any] = {"svg.fonttype": "path", "pdf.fonttype": 42}
"""While saving: SVG text as paths (no font needed to read it), PDF fonts embedded as TrueType."""


@functools.cache
def register_font() -> str:
    """Make the packaged CJK font known to matplotlib (once per process); its family name.

    It ships one weight, which also stands in for bold: a bold heading's Chinese draws regular, as matplotlib
    would anyway, without logging "Failed to find font weight bold" for every bold text, English too.
    """
    manager = font_manager.fontManager
    manager.addfont(str(FONT))
    regular = next(f for f in manager.ttflist if f.fname == str(FONT) and f.name == CJK_FAMILY)
    manager.ttflist.append(dataclasses.replace(regular, weight=700))
    return CJK_FAMILY


def _styled(draw: F) -> F:
    """Draw in drillsim's STYLE, the packaged font registered; the texts of an Axes the caller made in FAMILY too
    (they were made before, in the caller's font)."""
    @functools.wraps(draw)
    def styled(*args: Any, **kwargs: Any) -> Any:
        register_font()
        with rc_context(STYLE):
            ax = draw(*args, **kwargs)
        for text in ax.findobj(Text):
            text.set_fontfamily(FAMILY)
        return ax
    return cast(F, styled)


def kind_label(kind: str) -> str:
    """What a kind of stage is, in the legend of the bottleneck plot."""
    labels = {"wait": _("waiting for the actor"), "work": _("the actor working"), "transit": _("report in transit"),
              FOLLOW_UP: _("follow-up of an incomplete report"),
              HELD: _("report held until its elements were known"), OTHER: _("waiting for a condition")}
    return labels[kind]


def level_colour(scenario: Scenario, level: str) -> str:
    """The plan's colour of a level as a readable, colour-blind-safe shade."""
    colour = scenario.levels[level].colour.strip().lower() if level in scenario.levels else ""
    if colour in LEVEL_SHADES:
        return LEVEL_SHADES[colour]
    return colour if colour and mcolors.is_color_like(colour) else "#777777"


def level_hex(scenario: Scenario, level: str) -> str:
    """The level's colour as #rrggbb, safe to put in a style sheet."""
    return str(mcolors.to_hex(level_colour(scenario, level)))


def figure_of(ax: Axes) -> Figure:
    """The figure an Axes belongs to (the root one, for an Axes in a subfigure)."""
    figure = ax.figure.figure
    assert isinstance(figure, Figure)
    return figure


def _axes(ax: Axes | None, size: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    figure = Figure(figsize=size, layout="constrained")
    return figure.subplots()


def _legend_below(ax: Axes, handles: list[Artist], ncol: int) -> None:
    """A legend under the x axis label, where it cannot hide data."""
    below = transforms.ScaledTranslation(0, -0.55, figure_of(ax).dpi_scale_trans)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=ax.transAxes + below,
              ncol=ncol, frameon=False, fontsize=8.5)


def _rule_label(scenario: Scenario, rule: str) -> str:
    return f"{title_of(scenario.deadlines[rule])} ({format_duration(scenario.deadlines[rule].limit)})"


# --- 1. hit rates ------------------------------------------------------------------------


@_styled
def hit_rates(run: Run, ax: Axes | None = None, target: float = 1.0) -> Axes:
    """Hit rate of every deadline rule, over all levels and per level, with 95 % Wilson intervals.

    `target` is the rate the plan asks for: every report on time (1.0) unless a
    planner sets a lower one.
    """
    scenario = run.scenario
    table = run.rules()
    rules = list(scenario.deadlines)
    ax = _axes(ax, (10.0, 1.0 + 0.75 * len(rules)))
    groups = [ALL_LEVELS, *scenario.level_order]
    offsets = np.linspace(-0.3, 0.3, len(groups))
    handles: list[Artist] = []
    for k, level in enumerate(groups):
        colour = "#000000" if level == ALL_LEVELS else level_colour(scenario, level)
        marker = "o" if level == ALL_LEVELS else LEVEL_MARKERS[(k - 1) % len(LEVEL_MARKERS)]
        rows = table[(table["level"] == level) & table["rate"].notna()]
        y = np.array([rules.index(r) for r in rows["rule"]]) + offsets[k]
        rate = rows["rate"].to_numpy(dtype=float)
        err = np.vstack([rate - rows["low"].to_numpy(dtype=float), rows["high"].to_numpy(dtype=float) - rate])
        ax.errorbar(rate * 100, y, xerr=err * 100, fmt=marker, color=colour, markersize=7 if level == ALL_LEVELS
                    else 5.5, markeredgecolor="#000000" if level != ALL_LEVELS else colour, markeredgewidth=0.5,
                    capsize=2.5, elinewidth=1.2, linestyle="none")
        name = _("all levels") if level == ALL_LEVELS else _("level {level} ({colour})").format(
            level=level, colour=colour_name(scenario.levels[level].colour))
        handles.append(Line2D([], [], marker=marker, color=colour, markeredgecolor="#000000", linestyle="none",
                              label=name))
    overall = table[table["level"] == ALL_LEVELS].set_index("rule")
    for i, rule in enumerate(rules):
        n = int(overall.loc[rule, "applicable"]) if rule in overall.index else 0
        note = f"n = {n}" if n else _("applied to no incident")
        ax.annotate(note, (1.0, i), xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=8, color="#444444")
    ax.axvline(target * 100, color=MISS, linestyle="--", linewidth=1.2, zorder=1)
    handles.append(Line2D([], [], color=MISS, linestyle="--",
                          label=_("the plan: every report on time") if target >= 1
                          else _("target {rate}").format(rate=f"{target:.0%}")))
    ax.set_yticks(range(len(rules)), [_rule_label(scenario, r) for r in rules])
    ax.set_ylim(len(rules) - 0.5, -0.5)
    ax.set_xlim(-2, 102)
    ax.set_xlabel(_("deadlines met (%), with 95 % interval"))
    ax.set_title(_("{label}: how often each deadline was met").format(label=_named(run)))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    _legend_below(ax, handles, 3)
    return ax


# --- 2. where the minutes went --------------------------------------------------------


@_styled
def stage_breakdown(run: Run, ax: Axes | None = None, cap: float = 4.0) -> Axes:
    """Mean time to report per rule, split into the stages of its critical path, as a share of the deadline.

    Two bars per rule: the reports that missed and those that met it. Each
    segment is one step's wait, work or transit (labelled when wide enough);
    bars longer than `cap` times the deadline are cut, their length written.
    """
    scenario = run.scenario
    stages = run.stages[run.stages["status"].isin(["met", "missed"])]
    stages = stages.assign(kind=report_kinds(stages))
    order = {node.id: node.position for node in flow_of(scenario)}
    kinds = {kind: i for i, kind in enumerate(KIND_COLOURS)}
    bars: list[tuple[str, str, int, pd.DataFrame]] = []
    for rule in scenario.deadlines:
        for status in ("missed", "met"):
            own = stages[(stages["rule"] == rule) & (stages["status"] == status)]
            count = own[["replication", "incident", "change"]].drop_duplicates().shape[0]
            if count:
                mean = (own.groupby(["step", "kind"], as_index=False)["seconds"].sum()
                        .assign(share=lambda f, c=count, r=rule: f["seconds"] / c / scenario.deadlines[r].limit))
                mean = mean.sort_values(["step", "kind"], key=lambda c: c.map(order if c.name == "step" else kinds)
                                        .fillna(len(order)))
                bars.append((rule, status, count, mean))
    rules = list(dict.fromkeys(b[0] for b in bars))
    ax = _axes(ax, (10.0, 1.4 + 0.36 * (len(bars) + len(rules))))
    widest = max((b[3]["share"].sum() for b in bars), default=1.0)
    limit = min(max(widest, 1.0) * 1.04, cap)
    # Rough width of one character of the segment labels, in % of the deadline, to label only what fits.
    char = limit * 100 * 1.12 / (0.8 * figure_of(ax).get_figwidth() * 72) * 3.9
    ys, labels, missed, row = [], [], [], 0
    for rule in rules:
        ax.text(0, row, _rule_label(scenario, rule), fontsize=9, fontweight="bold", va="center", ha="left")
        row += 1
        for _rule, status, count, mean in (b for b in bars if b[0] == rule):
            ys.append(row)
            labels.append(_("missed (n = {count})").format(count=count) if status == "missed"
                          else _("met (n = {count})").format(count=count))
            missed.append(status == "missed")
            _stacked_bar(ax, scenario, row, mean, count, limit, char, status)
            row += 1
    ax.axvline(100, color=MISS, linestyle="--", linewidth=1.2)
    ax.set_yticks(ys, labels, fontsize=8.5)
    for tick, late in zip(ax.get_yticklabels(), missed, strict=True):
        tick.set_color(MISS if late else "#000000")
    ax.set_ylim(row - 0.5, -0.7)
    ax.set_xlim(0, limit * 100 * 1.12)
    ax.set_xlabel(_("mean time from the clock's start to the report, % of the deadline (minutes at the end of each "
                    "bar)"))
    ax.set_title(_("{label}: where the minutes went, per deadline").format(label=_named(run)))
    shown = set(stages["kind"])
    handles: list[Artist] = [Patch(color=KIND_COLOURS[k], label=kind_label(k)) for k in KIND_COLOURS
                             if k in shown or k in ("wait", "work", "transit")]
    handles.append(Line2D([], [], color=MISS, linestyle="--", label=_("the deadline")))
    _legend_below(ax, handles, 3)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return ax


def _stacked_bar(ax: Axes, scenario: Scenario, y: int, mean: pd.DataFrame, count: int, limit: float, char: float,
                 status: str) -> None:
    left = 0.0
    for part in mean.itertuples(index=False):
        width = min(part.share, max(limit - left, 0.0))
        ax.barh(y, width * 100, left=left * 100, height=0.75, color=KIND_COLOURS[part.kind], edgecolor="white",
                linewidth=0.8)
        text = step_name(scenario, part.step)
        if part.kind != OTHER and width * 100 >= (cell_len(text) + 2) * char:
            ax.text((left + width / 2) * 100, y, text, ha="center", va="center", fontsize=7,
                    color="black" if part.kind == "wait" else "white")
        left += part.share
    total = mean["seconds"].sum() / count
    ax.annotate(_("{minutes} min").format(minutes=f"{total / MINUTE:.0f}") + (" ▸" if left > limit else ""),
                (min(left, limit) * 100, y),
                xytext=(3, 0), textcoords="offset points", va="center", fontsize=7.5,
                color=MISS if status == "missed" else MET)


# --- 3. who was loaded when ------------------------------------------------------------


@_styled
def actor_load(run: Run, ax: Axes | None = None, width: int = HOUR // 2) -> Axes:
    """Utilisation (solid) and mean queue length (dashed, right axis) of each crew over the time of day.

    Averaged over every day and replication; utilisation is the share of the
    people on duty who were busy, so a thinner night shift shows as a rise.
    The staff on duty in each shift is written along the top.
    """
    ax = _axes(ax)
    profile = run.workload.by_time_of_day(width)
    busy_actors = profile.groupby("actor")["busy"].sum()
    actors = [a for a in run.scenario.actors if a in busy_actors.index and busy_actors[a] > 0]
    queue_ax = ax.twinx()
    hours = np.append(np.arange(0, DAY, width), DAY) / HOUR
    handles: list[Artist] = []
    for i, actor in enumerate(actors):
        own = profile[profile["actor"] == actor].sort_values("clock")
        colour = PALETTE[i % len(PALETTE)]
        util = own["utilisation"].to_numpy(dtype=float) * 100
        queue = own["queue"].to_numpy(dtype=float)
        ax.step(hours, np.r_[util, util[-1:]], where="post", color=colour, linewidth=1.8)
        queue_ax.step(hours, np.r_[queue, queue[-1:]], where="post", color=colour, linewidth=1.3,
                      linestyle=(0, (4, 2)))
        duty = own["on_duty"].to_numpy(dtype=float)
        # A person holding several roles is on duty in each: naming them shows which lines are one person.
        held = ", ".join(run.scenario.holders(actor))
        title, staff = title_of(run.scenario.actors[actor]), _staff_range(duty)
        label = (_("{title} ({staff} on duty; held by {people})").format(title=title, staff=staff, people=held)
                 if held else _("{title} ({staff} on duty)").format(title=title, staff=staff))
        handles.append(Line2D([], [], color=colour, linewidth=2, label=label))
    unseen = profile.groupby("clock")["on_duty"].apply(lambda c: c.isna().all())
    for clock in unseen[unseen].index:
        ax.axvspan(clock / HOUR, (clock + width) / HOUR, color="#eeeeee", zorder=0, linewidth=0)
    if unseen.any():
        handles.append(Patch(color="#eeeeee", label=_("past the end of the drill")))
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 2), [f"{h:02d}:00" for h in range(0, 25, 2)])
    ax.set_ylim(0, max(5.0, float(np.nanmax(profile["utilisation"]) * 100 * 1.1)) if actors else 100)
    queue_top = float(np.nanmax(profile["queue"])) if actors else 0.0
    queue_ax.set_ylim(0, max(queue_top * 1.1, 0.5))
    ax.set_xlabel(_("time of day (30-minute bins, averaged over every day and replication)"))
    ax.set_ylabel(_("utilisation: busy, % of the staff on duty (solid)"))
    queue_ax.set_ylabel(_("tasks waiting, mean (dashed)"))
    ax.set_title(_("{label}: who was busy, and who was waited for, over the day").format(label=_named(run)))
    ax.grid(axis="both", color="#e5e5e5", linewidth=0.6)
    _shift_marks(ax, profile, actors, width)
    handles += [Line2D([], [], color="#333333", linewidth=1.8, label=_("utilisation (left axis)")),
                Line2D([], [], color="#333333", linewidth=1.3, linestyle=(0, (4, 2)),
                       label=_("tasks waiting (right axis)"))]
    _legend_below(ax, handles, 2)
    return ax


def _staff_range(duty: np.ndarray) -> str:
    values = duty[~np.isnan(duty)]
    if values.size == 0:
        return _("none")
    low, high = float(values.min()), float(values.max())
    return f"{low:g}" if math.isclose(low, high) else f"{low:g}-{high:g}"


def _shift_marks(ax: Axes, profile: pd.DataFrame, actors: list[str], width: int) -> None:
    """A thin line where an actor's staff on duty changes, labelled with the change in the first free row."""
    marks = []
    for i, actor in enumerate(actors):
        duty = profile[profile["actor"] == actor].sort_values("clock")["on_duty"].to_numpy(dtype=float)
        for j in range(1, len(duty)):
            if not (np.isnan(duty[j]) or np.isnan(duty[j - 1])) and abs(duty[j] - duty[j - 1]) >= 0.5:
                marks.append((j * width / HOUR, f"{actor.replace('_', ' ')} {duty[j - 1]:g}→{duty[j]:g}",
                              PALETTE[i % len(PALETTE)]))
    char = 24 / (0.8 * figure_of(ax).get_figwidth() * 72) * 4.0
    rows: list[float] = []
    for x, text, colour in sorted(marks):
        right = x > 17
        start, end = (x - len(text) * char, x) if right else (x, x + len(text) * char)
        row = next((k for k, free in enumerate(rows) if free < start), len(rows))
        rows[row:row + 1] = [end]
        ax.axvline(x, color=colour, linewidth=0.8, linestyle=":", zorder=0)
        ax.annotate(text, (x, 1.0), xycoords=("data", "axes fraction"), xytext=(-2 if right else 2, -2 - 10 * row),
                    textcoords="offset points", fontsize=7, color=colour, va="top", ha="right" if right else "left",
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


# --- 4. one incident's story -------------------------------------------------------------


def worst_miss(run: Run) -> tuple[int, int] | None:
    """(replication, incident) of the verdict missed by the most."""
    missed = run.verdicts[run.verdicts["status"] == "missed"]
    if missed.empty:
        return None
    late = lateness(missed).to_numpy(dtype=float)
    row = missed.iloc[int(np.nanargmax(late))]
    return int(row["replication"]), int(row["incident"])


@_styled
def swimlane(run: Run, incident: int | None = None, replication: int = 0, ax: Axes | None = None) -> Axes:
    """One incident's steps on a lane per actor: waits hatched, work solid, reports in transit thin.

    The incident defaults to the worst miss of the run. Each deadline is a
    vertical line at its due time, red when missed; a step whose report
    missed a deadline is outlined in red.
    """
    if incident is None:
        worst = worst_miss(run)
        if worst is None:
            first = run.incidents.iloc[0] if len(run.incidents) else None
            worst = (int(first["replication"]), int(first["incident"])) if first is not None else (0, 0)
        replication, incident = worst
    scenario = run.scenario
    ax = _axes(ax)
    info = run.incidents[(run.incidents["replication"] == replication) & (run.incidents["incident"] == incident)]
    steps = run.steps[(run.steps["replication"] == replication) & (run.steps["incident"] == incident)]
    verdicts = run.verdicts[(run.verdicts["replication"] == replication) & (run.verdicts["incident"] == incident)
                            & run.verdicts["deadline"].notna()]
    if info.empty:
        ax.text(0.5, 0.5, _("no incident {incident} in replication {replication}").format(
            incident=incident, replication=replication), ha="center", transform=ax.transAxes)
        return ax
    record = info.iloc[0]
    origin = int(record["occurred"])
    lanes = [a for a in scenario.actors if a in set(steps["actor"]) | set(steps["served_by"])]
    lane = {actor: LANE * i for i, actor in enumerate(lanes)}
    missed_steps = _missed_steps(scenario, verdicts)
    ends = [_t(v, origin) for v in verdicts["deadline"]] + [_t(v, origin) for v in verdicts["end"].dropna()]
    right = max([*ends, 10.0]) * 1.12
    labels = _LaneLabels(right / (0.75 * figure_of(ax).get_figwidth() * 72) * 3.9)
    for s in steps.sort_values(["started", "queued"]).itertuples(index=False):
        queued, started = _t(s.queued, origin), _t(s.started, origin, right)
        finished, delivered = _t(s.finished, origin, right), _t(s.delivered, origin, math.nan)
        red = (s.step, int(s.change)) in missed_steps
        if started > queued:
            ax.barh(lane[s.actor], started - queued, left=queued, height=0.5, color="white", hatch="////",
                    edgecolor=KIND_COLOURS["wait"], linewidth=0.8)
        ax.barh(lane[s.served_by], max(finished - started, right / 400), left=started, height=0.5,
                color=KIND_COLOURS["work"], edgecolor=MISS if red else "white", linewidth=2 if red else 0.5)
        if not math.isnan(delivered) and delivered > finished:
            ax.barh(lane[s.served_by], delivered - finished, left=finished, height=0.16,
                    color=MISS if red else KIND_COLOURS["transit"])
        if started < right:
            shown = shown_change(int(s.change))
            label = step_name(scenario, s.step) + ("" if shown is None else f" #{shown}")
            labels.place(ax, label, started, lane[s.served_by])
    for i, v in enumerate(verdicts.sort_values("deadline").itertuples(index=False)):
        due = _t(v.deadline, origin)
        colour = MISS if v.status == "missed" else MET
        ax.axvline(due, color=colour, linestyle="--" if v.status == "missed" else ":", linewidth=1.3)
        shown = shown_change(int(v.change))
        rule = title_of(scenario.deadlines[v.rule]) + ("" if shown is None else f" #{shown}")
        text = _("{deadline}: {verdict}").format(deadline=rule, verdict=_verdict_text(v))
        late = due > 0.55 * right
        ax.annotate(text, (due, 1.0), xycoords=("data", "axes fraction"), xytext=(-2 if late else 2, -3 - 10 * i),
                    textcoords="offset points", fontsize=7, color=colour, va="top", ha="right" if late else "left",
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_yticks([lane[a] for a in lanes], [_lane_title(scenario, steps, a) for a in lanes], fontsize=8.5)
    ax.set_ylim(LANE * (len(lanes) - 1) + 0.8, -1.0 - 0.42 * len(verdicts))
    ax.set_xlim(0, right)
    ax.set_xlabel(_("minutes after the incident occurred ({clock} on day {day})").format(
        clock=format_clock(origin % DAY), day=origin // DAY))
    level = _("level {level}").format(level=record["level"]) if record["final_level"] == record["level"] else \
        _("level {level}, judged {judged}").format(level=record["level"], judged=record["judged_level"])
    heading = _("{label}: incident {incident} of replication {replication}").format(
        label=_named(run), incident=incident, replication=replication)
    story = _("{description} ({level})").format(description=_story(scenario, record)[:90], level=level)
    ax.set_title(f"{heading}\n{story}", fontsize=10)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    handles: list[Artist] = [
        Patch(facecolor="white", edgecolor=KIND_COLOURS["wait"], hatch="////", label=_("waiting for the actor")),
        Patch(color=KIND_COLOURS["work"], label=_("working")),
        Patch(color=KIND_COLOURS["transit"], label=_("report in transit")),
        Patch(facecolor=KIND_COLOURS["work"], edgecolor=MISS, linewidth=2, label=_("step of a missed report")),
        Line2D([], [], color=MISS, linestyle="--", label=_("deadline missed")),
        Line2D([], [], color=MET, linestyle=":", label=_("deadline met"))]
    _legend_below(ax, handles, 3)
    return ax


def _named(run: Any) -> str:
    """The run in a title: its scenario's name in the language in force (a label given to the run as given)."""
    return scenario_name(run.scenario, run.label)


def _story(scenario: Scenario, record: Any) -> str:
    """What the incident was: the inject's own description, or its example's name in the language in force."""
    described = str(record["description"] or record["example"])
    category = scenario.categories.get(record["category"])
    if category is not None and described == category.examples.get(record["example"]):
        return example_of(scenario, record["category"], record["example"])
    return described


def step_name(scenario: Scenario, step: str) -> str:
    """A step on a bar: its id with spaces (`set up command post`), in Chinese its name in the plan's words."""
    return step_in_chinese(scenario, step) or step.replace("_", " ")


def _lane_title(scenario: Scenario, steps: pd.DataFrame, actor: str) -> str:
    """A lane's name: the actor's title, the working group's own for the incident's group, and the named people
    who worked on the lane (`Leadership group leader (party_secretary)`), so that one person's two roles read as
    one person in two places."""
    spec = scenario.actors[actor]
    title = title_of(spec)
    if spec.kind == "working_group":
        groups = [g for g in dict.fromkeys(steps.loc[steps["actor"] == actor, "unit"]) if g in scenario.working_groups]
        if len(groups) == 1:
            title = title_of(scenario.working_groups[groups[0]])
    people = steps.loc[steps["served_by"] == actor, "people"] if "people" in steps else pd.Series(dtype=object)
    named = [token for text in people.dropna().astype(str) for token in text.split("+") if token in scenario.people]
    named = list(dict.fromkeys(named))
    return f"{title} ({', '.join(named)})" if named else title


class _LaneLabels:
    """Step names above their bar, else below it, else higher above, wherever the previous name left room."""

    def __init__(self, char: float) -> None:
        self.char = char
        self.free: dict[tuple[float, int], float] = {}

    def place(self, ax: Axes, text: str, x: float, lane: float) -> None:
        for row, y in enumerate((-0.3, 0.3, -0.62)):
            if self.free.get((lane, row), -math.inf) <= x:
                self.free[(lane, row)] = x + (cell_len(text) + 1) * self.char
                ax.annotate(text, (x, lane + y), fontsize=7, ha="left", va="top" if y > 0 else "bottom",
                            annotation_clip=False, clip_on=True)
                return


def _t(value: Any, origin: int, missing: float = math.nan) -> float:
    """Minutes after the incident occurred; `missing` for a time never reached."""
    if value is None or pd.isna(value):
        return missing
    return (float(value) - origin) / MINUTE


def _missed_steps(scenario: Scenario, verdicts: pd.DataFrame) -> set[tuple[str, int]]:
    """The step instances whose report a missed rule waited for: the step reaching the rule's end, of the
    rule's change if that step runs per change."""
    flow = flow_of(scenario)
    out = set()
    for v in verdicts[verdicts["status"] == "missed"].itertuples(index=False):
        node = flow.reaching(scenario.deadlines[v.rule].end)
        if node is not None:
            out.add((node.id, int(v.change) if node.per_change else ONCE))
    return out


def _verdict_text(v: Any) -> str:
    if v.status == "met":
        return _("met, {slack} to spare").format(slack=format_duration(v.slack))
    if v.status == "missed" and not pd.isna(v.slack):
        return _("missed by {late}").format(late=format_duration(-v.slack))
    return _("pending") if v.status == "pending" else _("missed, never reported")


# --- 5. time to report ---------------------------------------------------------------------


@_styled
def time_to_report(run: Run, ax: Axes | None = None) -> Axes:
    """ECDF of the time from each rule's clock start to its report, on a log scale, deadline marked.

    The height where a curve crosses its deadline is the rule's hit rate;
    reports never made keep the curve below 100 %.
    """
    scenario = run.scenario
    ax = _axes(ax)
    verdicts = run.verdicts[run.verdicts["status"].isin(["met", "missed"])]
    elapsed = (verdicts["end"].astype("Float64") - verdicts["start"].astype("Float64")).to_numpy(
        dtype=float, na_value=np.inf) / MINUTE
    handles: list[Artist] = []
    styles: tuple[Any, ...] = ("-", "--", "-.", ":")
    lowest = math.inf
    for i, (rule_id, rule) in enumerate(scenario.deadlines.items()):
        times = np.sort(elapsed[(verdicts["rule"] == rule_id).to_numpy()])
        if times.size == 0:
            continue
        colour = PALETTE[i % len(PALETTE)]
        share = np.arange(1, times.size + 1) / times.size * 100
        finite = np.isfinite(times)
        shown = np.maximum(times[finite], 0.1)
        lowest = min(lowest, float(shown.min()) if shown.size else lowest)
        ax.step(np.r_[shown[:1], shown], np.r_[0, share[finite]], where="post", color=colour,
                linestyle=styles[i % len(styles)], linewidth=1.6)
        limit = rule.limit / MINUTE
        hit = float(np.mean(times <= limit) * 100)
        ax.plot([limit], [hit], marker="o", color=colour, markeredgecolor="black", markersize=7, zorder=3)
        ax.axvline(limit, color=colour, linewidth=0.7, linestyle=":", zorder=0)
        handles.append(Line2D([], [], color=colour, linestyle=styles[i % len(styles)], marker="o",
                              markeredgecolor="black", label=_("{rule}: {rate} % on time").format(
                                  rule=_rule_label(scenario, rule_id), rate=f"{hit:.0f}")))
    ax.set_xscale("log")
    left = max(lowest * 0.8, 0.1) if math.isfinite(lowest) else 0.1
    right = ax.get_xlim()[1]
    ax.set_xticks([t for t in MINUTE_TICKS if left <= t <= right], [f"{t:g}" for t in MINUTE_TICKS
                                                                     if left <= t <= right])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(left, right)
    ax.set_ylim(0, 101)
    ax.set_xlabel(_("minutes from the clock's start to the report (log scale); dots: the deadline"))
    ax.set_ylabel(_("reports made by then (%)"))
    ax.set_title(_("{label}: time to report against each deadline").format(label=_named(run)))
    ax.grid(which="major", color="#e5e5e5", linewidth=0.6)
    _legend_below(ax, handles, 2)
    return ax


# --- 6. sweeps ---------------------------------------------------------------------------


SWEEP_COLUMNS = {"point", "load", "cost", "rule", "applicable", "met", "missed", "pending", "rate", "low", "high",
                 "target", "meets", "verdict", "meets_all", "cheapest"}


def _value_text(name: str, value: Any) -> str:
    return f"{name} = {value:g}" if isinstance(value, float) else f"{name} = {value}"


def _positions(values: pd.Series) -> tuple[np.ndarray, list[Any] | None]:
    """x positions of a factor's values: the numbers themselves, or 0, 1, ... for values that are not numbers
    (`15m`, `20m`), with those values as the tick labels."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return numbers.to_numpy(dtype=float), None
    order = list(dict.fromkeys(values))
    return values.map({v: i for i, v in enumerate(order)}).to_numpy(dtype=float), order


def _dodge(frame: pd.DataFrame, others: list[str], x: np.ndarray) -> np.ndarray:
    """Small sideways offsets, one per combination of the other factors, so lines with equal rates stay visible."""
    if not others:
        return np.zeros(len(frame))
    group = frame.groupby(others, sort=False).ngroup().to_numpy()
    count = group.max() + 1
    steps = np.diff(np.unique(x))
    width = 0.08 * (steps.min() if steps.size else 1.0)
    return (group - (count - 1) / 2) * width


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 100, subsequent_indent="    "))


@_styled
def sweep_hit_rates(frame: pd.DataFrame, ax: Axes | None = None, factor: str | None = None,
                    rules: list[str] | None = None, titles: dict[str, str] | None = None) -> Axes:
    """Hit rate against a swept factor, one line per value of the others, with intervals, targets and the
    cheapest option marked.

    `frame` is a sweep's tidy frame: one row per point and rule with the
    factor columns, `cost`, `rate`, `low`, `high`, and optionally `target` and
    `cheapest`. The x axis is `factor` (the first factor by default, or
    `"cost"`, each point then labelled with its values); every combination of
    the other factors (a varied `load` among them) is a line of its own, named
    in the legend. Whole-number factors (staff counts) get whole-number ticks.
    Only rules with a target are drawn when any has.
    """
    from drillsim.results.targets import LOAD, UNDECIDED, Target, target_verdict

    ax = _axes(ax)
    factors = [c for c in frame.columns if c not in SWEEP_COLUMNS]
    if LOAD in frame and frame[LOAD].nunique() > 1:
        factors.append(LOAD)
    x_name = factor or (factors[0] if factors else "cost")
    others = [f for f in factors if f != x_name] if x_name != "cost" else []
    if "target" in frame and frame["target"].notna().any() and rules is None:
        rules = list(dict.fromkeys(frame.loc[frame["target"].notna(), "rule"]))
    rules = rules or list(dict.fromkeys(frame["rule"]))
    x_all, labels = _positions(frame[x_name])
    frame = frame.assign(_x=x_all + _dodge(frame, others, x_all))
    handles: list[Artist] = []
    styles: tuple[Literal["-", "--", ":", "-."], ...] = ("-", "--", ":", "-.")
    for i, rule in enumerate(rules):
        own = frame[frame["rule"] == rule]
        colour = PALETTE[i % len(PALETTE)]
        label = (titles or {}).get(rule, rule)
        if "target" in own and own["target"].notna().any():
            goal = float(own["target"].dropna().iloc[0])
            ax.axhline(goal * 100, color=colour, linestyle="--", linewidth=1)
            label = _("{rule} (target {rate})").format(rule=label, rate=f"{goal:.0%}")
        groups = list(own.groupby(others, sort=False)) if others else [((), own)]
        for j, (key, line) in enumerate(groups):
            line = line.sort_values("_x")
            shade = colour if len(rules) > 1 or len(groups) == 1 else PALETTE[j % len(PALETTE)]
            marker = LEVEL_MARKERS[(i + j) % len(LEVEL_MARKERS)]
            rate = line["rate"].to_numpy(dtype=float)
            err = np.vstack([rate - line["low"].to_numpy(dtype=float), line["high"].to_numpy(dtype=float) - rate])
            dash = styles[j % len(styles)] if len(rules) > 1 else "-"
            ax.errorbar(line["_x"].to_numpy(), rate * 100, yerr=err * 100, color=shade, marker=marker, capsize=3,
                        linewidth=1.5, markersize=5, linestyle=dash)
            values = key if isinstance(key, tuple) else (key,)
            which = ", ".join(_value_text(f, v) for f, v in zip(others, values, strict=True))
            handles.append(Line2D([], [], color=shade, marker=marker, linestyle=dash,
                                  label=_wrap(f"{label}: {which}" if which else label)))
    if "cheapest" in frame and frame["cheapest"].astype(bool).any():
        best = frame[frame["cheapest"].astype(bool) & frame["rule"].isin(rules)]
        ax.scatter(best["_x"], best["rate"] * 100, s=260, marker="*", color="#FFDD44", edgecolor="black",
                   zorder=4, linewidths=1)
        undecided = any(target_verdict(row, Target(row["rule"], float(row["target"]))) == UNDECIDED
                        for row in best.to_dict("records") if not pd.isna(row.get("target")))
        if best["point"].nunique() == 1:
            point = best.iloc[0]
            what = ", ".join(_value_text(f, point[f]) for f in factors)
            text = _("cheapest meeting every target: {values} (cost {cost})").format(values=what,
                                                                                      cost=f"{point['cost']:g}")
        else:
            text = _("cheapest meeting every target, at each load")
        if undecided:
            text = _("{text}; undecided: an interval still contains its target").format(text=text)
        handles.append(Line2D([], [], marker="*", color="#FFDD44", markeredgecolor="black", markersize=14,
                              linestyle="none", label=_wrap(text)))
    if x_name == "cost" and factors:
        for _index, row in frame[frame["rule"] == rules[0]].iterrows():
            ax.annotate(", ".join(str(row[f]) for f in factors), (row["cost"], row["rate"] * 100), fontsize=7,
                        xytext=(3, -10), textcoords="offset points")
    if labels is not None:
        ax.set_xticks(range(len(labels)), [str(v) for v in labels])
    elif x_name != "cost" and np.allclose(x_all, np.round(x_all)):
        whole = np.unique(x_all)
        if len(whole) <= 12:
            ax.set_xticks(whole, [f"{v:.0f}" for v in whole])
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(-2, 102)
    ax.set_xlabel(x_name if x_name != "cost" else _("cost of the option (staff-hours, or the scenario's unit)"))
    ax.set_ylabel(_("deadlines met (%), with 95 % interval"))
    ax.set_title(_("Hit rate against the option swept"))
    ax.grid(color="#e5e5e5", linewidth=0.6)
    _legend_below(ax, handles, 1)
    return ax


# --- rendering -------------------------------------------------------------------------------


PLOTS: dict[str, Callable[[Run], Axes]] = {
    "hit-rates": hit_rates,
    "bottleneck": stage_breakdown,
    "actor-load": actor_load,
    "worst-incident": swimlane,
    "time-to-report": time_to_report,
}


def render(run: Run) -> Iterator[tuple[str, Figure]]:
    """Each plot of a run as (name, figure)."""
    for name, draw in PLOTS.items():
        yield name, figure_of(draw(run))


SVG_HASH_SALT = "drillsim"
"""Salts the ids of an SVG's elements, which matplotlib otherwise draws from a random UUID on every save."""
METADATA = {"svg": {"Date": None}, "png": {}, "pdf": {"CreationDate": None, "ModDate": None}}
"""No date in any file a plot is saved to: the same run gives the same bytes (PNG has none by default)."""


def _visible_labels(formatter: Formatter) -> FuncFormatter:
    """Tick labels set as text (matplotlib keeps them in a FixedFormatter or a FuncFormatter), shown by `visible`."""
    return FuncFormatter(lambda value, position: visible(str(formatter(value, position))))


def _visible_text(figure: Figure) -> None:
    """Show control characters of scenario text as escapes in every text of `figure`, tick labels too.

    An SVG holding one is not well-formed XML (and breaks the report it is inlined in), and a glyph
    matplotlib cannot find is a warning that prints the raw character on the terminal.
    """
    for text in figure.findobj(Text):
        text.set_text(visible(text.get_text()))
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), FixedFormatter | FuncFormatter):
                axis.set_major_formatter(_visible_labels(axis.get_major_formatter()))


def to_bytes(figure: Figure, fmt: str) -> bytes:
    """A figure as the bytes of `fmt`, identical for the same figure in any process (no random ids, no dates)."""
    _visible_text(figure)
    buffer = io.BytesIO()
    with rc_context({"svg.hashsalt": SVG_HASH_SALT, **SAVING}):
        figure.savefig(buffer, format=fmt, dpi=150, metadata=METADATA.get(fmt))
    return buffer.getvalue()


@_styled
def running_mean(frame: pd.DataFrame, ax: Axes | None = None, warm_up: float | None = None) -> Axes:
    """Welch's plot of drillsim.running_mean's frame: per bin, the moving and the cumulative mean by hour.

    The warm-up to choose is where the moving mean stops drifting; `warm_up`
    (seconds, the scenario's by default) is drawn as a vertical line.
    """
    ax = _axes(ax)
    hours = frame["time"] / HOUR
    rate = frame.attrs.get("unit") == "rate"
    scale = 100.0 if rate else 1 / MINUTE
    ax.plot(hours, frame["mean"] * scale, color="#bbbbbb", linewidth=0.8, label=_("per bin"))
    ax.plot(hours, frame["moving"] * scale, color="#0072B2", linewidth=2, label=_("moving mean (Welch)"))
    ax.plot(hours, frame["cumulative"] * scale, color="#D55E00", linestyle="--", linewidth=1.2,
            label=_("cumulative mean"))
    line = frame.attrs.get("warm_up", 0) if warm_up is None else warm_up
    if line:
        ax.axvline(line / HOUR, color="black", linestyle=":", linewidth=1)
        ax.annotate(_("warm-up {duration}").format(duration=format_duration(line)), (line / HOUR, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8)
    ax.set_xlabel(_("hours since the start (bins by when the clock started or the task was queued)"))
    ax.set_ylabel(_("hit rate (%)") if rate else _("mean wait (minutes)"))
    ax.set_title(_("Running {measure} over every replication").format(measure=frame.attrs.get("measure", _("mean"))))
    ax.grid(color="#e5e5e5", linewidth=0.6)
    ax.legend(fontsize=8)
    return ax


@_styled
def drill_trend(scenario: Scenario, steps: pd.DataFrame, deadlines: pd.DataFrame) -> Axes:
    """The trend from drill to drill (drillsim.experiment.trend's frames): above, one line per step, its median
    minutes per drill by the drill's date; below, the share of judged deadlines each drill met."""
    figure = Figure(figsize=(10.0, 9.0), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    dates = sorted({*steps["date"], *deadlines["date"]})
    x = {date: i for i, date in enumerate(dates)}
    for i, (step, group) in enumerate(steps.dropna(subset=["median"]).groupby("step", sort=False)):
        top.plot([x[d] for d in group["date"]], group["median"] / MINUTE, color=PALETTE[i % len(PALETTE)],
                 marker=LEVEL_MARKERS[i % len(LEVEL_MARKERS)], linestyle=("-", "--", ":")[i // len(PALETTE) % 3],
                 label=step_name(scenario, str(step)))
    top.set_yscale("log")
    low, high = top.get_ylim()
    top.set_yticks([t for t in MINUTE_TICKS if low <= t <= high], [f"{t:g}" for t in MINUTE_TICKS if low <= t <= high])
    top.yaxis.set_minor_formatter(NullFormatter())
    top.set_ylabel(_("median time of the step (minutes, log scale)"))
    figure.suptitle(_("{label}: each step's time and the deadlines met, drill by drill").format(
        label=scenario_name(scenario)))
    top.grid(color="#e5e5e5", linewidth=0.6)
    figure.legend(handles=top.get_legend_handles_labels()[0], loc="outside lower center", ncol=3, fontsize=8,
                  frameon=False)
    totals = deadlines.groupby("date")[["met", "judged"]].sum()
    shares = [totals.loc[d, "met"] / totals.loc[d, "judged"] * 100 if d in totals.index and totals.loc[d, "judged"]
              else math.nan for d in dates]
    bottom.bar(range(len(dates)), shares, color=PALETTE[0], width=0.5)
    for i, d in enumerate(dates):
        if d in totals.index:
            bottom.annotate(f"{int(totals.loc[d, 'met'])}/{int(totals.loc[d, 'judged'])}",
                            (i, shares[i] if not math.isnan(shares[i]) else 0), xytext=(0, 3),
                            textcoords="offset points", ha="center", fontsize=8)
    bottom.set_ylim(0, 115)
    bottom.set_ylabel(_("deadlines met of those judged (%)"))
    bottom.set_xlabel(_("drill date"))
    bottom.set_xticks(range(len(dates)), [d.isoformat() for d in dates])
    bottom.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    for text in figure.findobj(Text):
        text.set_fontfamily(FAMILY)
    return top
