"""`drillsim readings`: how much each verdict depends on the reading of the plan, largest spread first."""

from __future__ import annotations

import math
from typing import Any

import click
from rich.cells import cell_len

from drillsim.cli import (
    apply_verbosity,
    echo,
    load_scenario,
    main,
    progress_bar,
    roster_option,
    user_errors,
    verbosity_options,
)
from drillsim.i18n import N_, _, ngettext
from drillsim.limits import MAX_JOBS, MAX_REPLICATIONS, MAX_SEED
from drillsim.report.terminal import pad
from drillsim.scenario.names import means_of, scenario_name, title_of


@main.command(help=N_(
    "Run the scenario under every alternative of every reading of the plan, on the same incidents: each rule's hit "
    "rate under each, with paired 95% intervals, the rules whose verdict depends most on the reading first."))
@click.argument("scenario", type=click.Path())
@click.option("--all", "every_combination", is_flag=True,
              help=N_("Every combination of the readings that can move each rule, not only one at a time."))
@click.option("--reading", "only", multiple=True, metavar="NAME",
              help=N_("Try only this reading (repeatable); `drillsim plan` lists them."))
@click.option("-n", "--replications", type=click.IntRange(2, MAX_REPLICATIONS),
              help=N_("Replications of each alternative (default: the scenario's)."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help=N_("The run's seed, the same for every alternative (default: the scenario's)."))
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True,
              help=N_("Worker processes."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@roster_option
@verbosity_options
@click.pass_context
def readings(ctx: click.Context, scenario: str, every_combination: bool, only: tuple[str, ...],
             replications: int | None, seed: int | None, jobs: int, fmt: str, verbose: int, quiet: bool) -> None:
    from drillsim import api
    from drillsim.experiment.readings import runs
    quiet = apply_verbosity(ctx, quiet, verbose)
    with user_errors():
        loaded = load_scenario(scenario)
        count = replications or loaded.replications
        total = runs(loaded, every_combination=every_combination, only=only or None)
        with progress_bar(total * count, quiet, _("replications")) as advance:
            result = api.readings(loaded, replications=count, seed=seed, jobs=jobs,
                                  every_combination=every_combination, only=only or None, progress=advance)
    if fmt == "json":
        from drillsim.files import to_json
        echo(to_json(result.summary()), nl=False)
    else:
        echo(render(result))


def _pct(value: float, sign: bool = False) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:+.1%}" if sign else f"{value:.1%}"


def _in_force(result: Any) -> str:
    """Which reading is in force, in words: the plan's defaults, or the alternatives the scenario took."""
    from drillsim.scenario.readings import OWN
    scenario = result.scenario
    other = {name: alt for name, alt in result.in_force.items() if alt != scenario.readings[name].default}
    if not other:
        return _("the plan's defaults are in force")
    own = _("its own values")
    taken = ", ".join(f"{name} = {own if alt == OWN else alt}" for name, alt in other.items())
    return _("in force: the plan's defaults except {taken}").format(taken=taken)


def render(result: Any) -> str:
    """A header that says what these are, then per rule (largest spread first) its hit rate as read and under
    each alternative of each reading that can move it."""
    frame = result.frame
    tried = len(result.tried)
    how = _("every combination of the readings that can move each rule") if result.every_combination \
        else _("each alternative one at a time")
    lines = [_("{name}: readings of the plan, not findings: the plan's text leaves these open, and each alternative "
               "is one way to read it; {in_force}.").format(name=scenario_name(result.scenario),
                                                             in_force=_in_force(result)),
             ngettext("{count} reading, {how}, on the same incidents ({replications} replications, seed {seed}); hit "
                      "rates over all levels, differences from the reading in force with 95% paired intervals.",
                      "{count} readings, {how}, on the same incidents ({replications} replications, seed {seed}); "
                      "hit rates over all levels, differences from the reading in force with 95% paired intervals.",
                      tried).format(count=tried, how=how, replications=result.replications, seed=result.seed)]
    if result.not_tried:
        lines.append(_("Not tried: {names}.").format(names=", ".join(result.not_tried)))
    shown = frame[frame["relevant"]]
    reading_width = min(44, max([28, *(cell_len(r) for r in shown["reading"])]))
    alternative_width = min(40, max([24, *(cell_len(a) for a in shown["alternative"])]))
    for rule in result.spreads()["rule"]:
        lines += ["", *_rule(rule, frame[frame["rule"] == rule], result.as_read[rule], reading_width,
                             alternative_width)]
    return "\n".join(lines + _meanings(result))


def _meanings(result: Any) -> list[str]:
    """Each reading tried by its title, and what each of its alternatives means: the table names them by id."""
    if not result.tried:
        return []
    lines = ["", _("What the alternatives of the readings tried mean:")]
    for name in result.tried:
        reading = result.scenario.readings[name]
        lines.append(f"  {name}: {title_of(reading)}")
        lines += [f"    {alternative}: {means_of(values)}" for alternative, values in reading.alternatives.items()]
    return lines


def _rule(rule: str, part: Any, base: float, reading_width: int, alternative_width: int) -> list[str]:
    """One rule: its hit rate as read and its spread, then each reading (or combination) that moves it, with
    every alternative; the relevant readings that move it not at all in one line."""
    import pandas as pd

    from drillsim.experiment.readings import JOIN
    rows = part[part["relevant"]]
    if rows.empty:
        return [_("{rule}: {rate} as read; no reading tried can move it").format(rule=rule, rate=_pct(base))]
    combined = rows["reading"].str.contains(JOIN, regex=False)
    singles, combinations = rows[~combined], rows[combined]
    same = (singles["hit_rate"] == base) | (singles["hit_rate"].isna() & math.isnan(base))
    moved = singles[(~singles["present"] | ~same).groupby(singles["reading"]).transform("any")]
    unmoved = [name for name in dict.fromkeys(singles["reading"]) if name not in set(moved["reading"])]
    rates: dict[frozenset[tuple[str, str]], float] = {frozenset(): base}
    for row in rows.itertuples(index=False):
        rates[_pairs(row.reading, row.alternative)] = row.hit_rate
    new = combinations[[_adds(_pairs(row.reading, row.alternative), rates)
                        for row in combinations.itertuples(index=False)]]
    said = (["  " + _("the same under every alternative of {names}").format(names=", ".join(unmoved))]
            if unmoved else []) + (
        ["  " + _("{count} combinations more, each with the hit rate of one with a reading fewer").format(
            count=len(combinations) - len(new))] if len(new) < len(combinations) else [])
    if moved.empty and new.empty:
        return [_("{rule}: {rate} as read, and under every alternative of the readings that can move it "
                  "({names})").format(rule=rule, rate=_pct(base), names=", ".join(unmoved))]
    known = rows["hit_rate"].dropna()
    heads = [pad(_("reading"), reading_width), pad(_("alternative"), alternative_width), pad(_("hit rate"), 13, ">"),
             pad(_("difference"), 10, ">"), pad(_("95% interval"), 20, ">") + " ", _("article")]
    lines = [_("{rule}: {rate} as read; spread {points} ({low} to {high})").format(
                 rule=rule, rate=_pct(base), points=_points(part["spread"].iloc[0]), low=_pct(known.min()),
                 high=_pct(known.max())),
             "  " + " ".join(heads)]
    previous = None
    for row in pd.concat([moved, new]).itertuples(index=False):
        name = row.reading if row.reading != previous else ""
        previous = row.reading
        if not row.present:
            rate, difference, interval = _("no such rule"), "", ""
        elif row.in_force:
            rate, difference, interval = _pct(row.hit_rate), _("in force"), ""
        else:
            rate, difference = _pct(row.hit_rate), _pct(row.difference, True)
            interval = "-" if math.isnan(row.low) else _("{low} to {high}").format(
                low=_pct(row.low, True), high=_pct(row.high, True))
        lines.append(f"  {pad(_cut(name, reading_width), reading_width)} "
                     f"{pad(_cut(row.alternative, alternative_width), alternative_width)} {pad(rate, 13, '>')} "
                     f"{pad(difference, 10, '>')} {pad(interval, 20, '>')}  {row.article if name else ''}".rstrip())
    return lines + said


def _pairs(reading: str, alternative: str) -> frozenset[tuple[str, str]]:
    """A row's readings with their alternatives (several in a combination's row); the one in force counts as
    none moved."""
    from drillsim.experiment.readings import JOIN
    return frozenset(zip(reading.split(JOIN), alternative.split(JOIN), strict=True))


def _adds(combination: frozenset[tuple[str, str]], rates: dict[frozenset[tuple[str, str]], float]) -> bool:
    """Whether every reading of a combination counts: its hit rate differs from that of each combination with
    one reading fewer (the others are the smaller one's verdict again)."""
    rate = rates[combination]
    for pair in combination:
        smaller = rates.get(combination - {pair}, math.nan)
        if smaller == rate or (math.isnan(smaller) and math.isnan(rate)):
            return False
    return True


def _points(spread: float) -> str:
    return "-" if math.isnan(spread) else _("{points} points").format(points=f"{spread * 100:.1f}")


def _cut(text: str, width: int) -> str:
    """`text` in at most `width` terminal cells, its end cut to `...` when wider."""
    if cell_len(text) <= width:
        return text
    while cell_len(text) > width - 3:
        text = text[:-1]
    return text + "..."
