"""`drillsim n-1`: which deadlines break if any one person is absent or unreachable."""

from __future__ import annotations

import math
from typing import Any

import click

from drillsim.cli import (
    FiniteRange,
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


@main.command(name="n-1")
@click.argument("scenario", type=click.Path())
@click.option("-n", "--replications", type=click.IntRange(2, MAX_REPLICATIONS),
              help="Replications of everyone and of each absence (default: the scenario's).")
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help="The run's seed, the same for everyone and each absence (default: the scenario's).")
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True, help="Worker processes.")
@click.option("--min-drop", type=FiniteRange(0, 1), default=0.01, show_default=True, metavar="RATE",
              help="List a fall of a hit rate bigger than this even when its 95% interval includes no change "
                   "(0.01: one point).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@roster_option
@verbosity_options
@click.pass_context
def n_minus_one(ctx: click.Context, scenario: str, replications: int | None, seed: int | None, jobs: int,
                min_drop: float, fmt: str, verbose: int, quiet: bool) -> None:
    """Take away each person in turn (and one of each role's anonymous staff), on the same incidents: the hit
    rates that fall, by how much, with paired 95% intervals, worst first."""
    from drillsim import api
    from drillsim.experiment.n_minus_one import absences
    quiet = apply_verbosity(ctx, quiet, verbose)
    with user_errors():
        loaded = load_scenario(scenario)
        count = replications or loaded.replications
        tried = absences(loaded)
        with progress_bar((1 + len(tried)) * count, quiet, "replications") as advance:
            frame = api.n_minus_one(loaded, replications=count, seed=seed, jobs=jobs, min_drop=min_drop,
                                    absent=tried, progress=advance)
    if fmt == "json":
        from drillsim.files import to_json
        records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                   for row in frame.to_dict("records")]
        echo(to_json(records), nl=False)
    else:
        echo(render(frame, loaded.name, min_drop))


def _pct(value: float, sign: bool = False) -> str:
    return f"{value:+.1%}" if sign else f"{value:.1%}"


_WIDEST = 40
"""A column of names is at most this wide: a name may be a whole line long."""


def _cut(text: str) -> str:
    return text if len(text) <= _WIDEST else text[:_WIDEST - 3] + "..."


def render(frame: Any, name: str, min_drop: float) -> str:
    """Who the plan can least do without, in a sentence, then every fall, worst first."""
    attrs = frame.attrs
    count = attrs["absences"]
    lines = [f"{name}: {count} absence{'' if count == 1 else 's'}, each on the same incidents as everyone "
             f"({attrs['replications']} replications, seed {attrs['seed']}); hit rates over all levels, "
             f"95% paired intervals", ""]
    if frame.empty:
        points = f"{min_drop * 100:g} point{'' if min_drop == 0.01 else 's'}"
        lines.append(f"No single absence lowers a hit rate significantly or by more than {points}.")
        return "\n".join(lines)
    worst = frame.iloc[0]
    lines += [f"The plan can least do without {worst.absent}: without them, {worst.rule} falls from "
              f"{_pct(worst.everyone)} to {_pct(worst.without)} ({_pct(worst.change, True)}).", ""]
    width = max(24, *(len(_cut(a)) for a in frame["absent"]))
    rule_width = max(22, *(len(_cut(r)) for r in frame["rule"]))
    lines.append(f"{'absent':<{width}} {'rule':<{rule_width}} {'everyone':>8} {'without':>8} {'change':>8} "
                 f"{'95% interval':>20}  significant")
    for row in frame.itertuples(index=False):
        interval = f"{_pct(row.low, True)} to {_pct(row.high, True)}"
        lines.append(f"{_cut(row.absent):<{width}} {_cut(row.rule):<{rule_width}} {_pct(row.everyone):>8} "
                     f"{_pct(row.without):>8} {_pct(row.change, True):>8} {interval:>20}  "
                     f"{'yes' if row.significant else 'no'}")
    return "\n".join(lines)
