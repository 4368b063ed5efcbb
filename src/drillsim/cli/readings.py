"""`drillsim readings`: how much each verdict depends on the reading of the plan, largest spread first."""

from __future__ import annotations

import math
from typing import Any

import click

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
from drillsim.limits import MAX_JOBS, MAX_REPLICATIONS, MAX_SEED


@main.command()
@click.argument("scenario", type=click.Path())
@click.option("--all", "every_combination", is_flag=True,
              help="Every combination of the readings that can move each rule, not only one at a time.")
@click.option("--reading", "only", multiple=True, metavar="NAME",
              help="Try only this reading (repeatable); `drillsim plan` lists them.")
@click.option("-n", "--replications", type=click.IntRange(2, MAX_REPLICATIONS),
              help="Replications of each alternative (default: the scenario's).")
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help="The run's seed, the same for every alternative (default: the scenario's).")
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True, help="Worker processes.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@roster_option
@verbosity_options
@click.pass_context
def readings(ctx: click.Context, scenario: str, every_combination: bool, only: tuple[str, ...],
             replications: int | None, seed: int | None, jobs: int, fmt: str, verbose: int, quiet: bool) -> None:
    """Run the scenario under every alternative of every reading of the plan, on the same incidents: each rule's
    hit rate under each, with paired 95% intervals, the rules whose verdict depends most on the reading first."""
    from drillsim import api
    from drillsim.experiment.readings import runs
    quiet = apply_verbosity(ctx, quiet, verbose)
    with user_errors():
        loaded = load_scenario(scenario)
        count = replications or loaded.replications
        total = runs(loaded, every_combination=every_combination, only=only or None)
        with progress_bar(total * count, quiet, "replications") as advance:
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
        return "the plan's defaults are in force"
    taken = ", ".join(f"{name} = {'its own values' if alt == OWN else alt}" for name, alt in other.items())
    return f"in force: the plan's defaults except {taken}"


def render(result: Any) -> str:
    """A header that says what these are, then per rule (largest spread first) its hit rate as read and under
    each alternative of each reading that can move it."""
    frame = result.frame
    tried = len(result.tried)
    how = "every combination of the readings that can move each rule" if result.every_combination \
        else "each alternative one at a time"
    lines = [f"{result.scenario.name}: readings of the plan, not findings: the plan's text leaves these open, and "
             f"each alternative is one way to read it; {_in_force(result)}.",
             f"{tried} reading{'' if tried == 1 else 's'}, {how}, on the same incidents "
             f"({result.replications} replications, seed {result.seed}); hit rates over all levels, differences "
             f"from the reading in force with 95% paired intervals."]
    if result.not_tried:
        lines.append(f"Not tried: {', '.join(result.not_tried)}.")
    shown = frame[frame["relevant"]]
    reading_width = min(44, max([28, *(len(r) for r in shown["reading"])]))
    alternative_width = min(40, max([24, *(len(a) for a in shown["alternative"])]))
    for rule in result.spreads()["rule"]:
        lines += ["", *_rule(rule, frame[frame["rule"] == rule], result.as_read[rule], reading_width,
                             alternative_width)]
    return "\n".join(lines)


def _rule(rule: str, part: Any, base: float, reading_width: int, alternative_width: int) -> list[str]:
    """One rule: its hit rate as read and its spread, then each reading (or combination) that moves it, with
    every alternative; the relevant readings that move it not at all in one line."""
    import pandas as pd

    from drillsim.experiment.readings import JOIN
    rows = part[part["relevant"]]
    if rows.empty:
        return [f"{rule}: {_pct(base)} as read; no reading tried can move it"]
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
    said = ([f"  the same under every alternative of {', '.join(unmoved)}"] if unmoved else []) + (
        [f"  {len(combinations) - len(new)} combinations more, each with the hit rate of one with a reading fewer"]
        if len(new) < len(combinations) else [])
    if moved.empty and new.empty:
        return [f"{rule}: {_pct(base)} as read, and under every alternative of the readings that can move it "
                f"({', '.join(unmoved)})"]
    known = rows["hit_rate"].dropna()
    lines = [f"{rule}: {_pct(base)} as read; spread {_points(part['spread'].iloc[0])} "
             f"({_pct(known.min())} to {_pct(known.max())})",
             f"  {'reading':<{reading_width}} {'alternative':<{alternative_width}} {'hit rate':>13} "
             f"{'difference':>10} {'95% interval':>20}  article"]
    previous = None
    for row in pd.concat([moved, new]).itertuples(index=False):
        name = row.reading if row.reading != previous else ""
        previous = row.reading
        if not row.present:
            rate, difference, interval = "no such rule", "", ""
        elif row.in_force:
            rate, difference, interval = _pct(row.hit_rate), "in force", ""
        else:
            rate, difference = _pct(row.hit_rate), _pct(row.difference, True)
            interval = "-" if math.isnan(row.low) else f"{_pct(row.low, True)} to {_pct(row.high, True)}"
        lines.append(f"  {_cut(name, reading_width):<{reading_width}} "
                     f"{_cut(row.alternative, alternative_width):<{alternative_width}} {rate:>13} "
                     f"{difference:>10} {interval:>20}  {row.article if name else ''}".rstrip())
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
    return "-" if math.isnan(spread) else f"{spread * 100:.1f} points"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."
