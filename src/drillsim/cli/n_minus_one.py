"""`drillsim n-1`: which deadlines break if any one person is absent or unreachable."""

from __future__ import annotations

import math
import re
from typing import Any

import click
from rich.cells import cell_len

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
from drillsim.i18n import N_, _, ngettext
from drillsim.limits import MAX_JOBS, MAX_REPLICATIONS, MAX_SEED
from drillsim.report.terminal import pad


@main.command(name="n-1", help=N_(
    "Take away each person in turn (and one of each role's anonymous staff), on the same incidents: the hit rates "
    "that fall, by how much, with paired 95% intervals, worst first."))
@click.argument("scenario", type=click.Path())
@click.option("-n", "--replications", type=click.IntRange(2, MAX_REPLICATIONS),
              help=N_("Replications of everyone and of each absence (default: the scenario's)."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help=N_("The run's seed, the same for everyone and each absence (default: the scenario's)."))
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True,
              help=N_("Worker processes."))
@click.option("--min-drop", type=FiniteRange(0, 1), default=0.01, show_default=True, metavar="RATE",
              help=N_("List a fall of a hit rate bigger than this even when its 95% interval includes no change "
                      "(0.01: one point)."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@roster_option
@verbosity_options
@click.pass_context
def n_minus_one(ctx: click.Context, scenario: str, replications: int | None, seed: int | None, jobs: int,
                min_drop: float, fmt: str, verbose: int, quiet: bool) -> None:
    from drillsim import api
    from drillsim.experiment.n_minus_one import absences
    from drillsim.scenario.names import scenario_name
    quiet = apply_verbosity(ctx, quiet, verbose)
    with user_errors():
        loaded = load_scenario(scenario)
        count = replications or loaded.replications
        tried = absences(loaded)
        with progress_bar((1 + len(tried)) * count, quiet, _("replications")) as advance:
            frame = api.n_minus_one(loaded, replications=count, seed=seed, jobs=jobs, min_drop=min_drop,
                                    absent=tried, progress=advance)
    if fmt == "json":
        from drillsim.files import to_json
        records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                   for row in frame.to_dict("records")]
        echo(to_json(records), nl=False)
    else:
        echo(render(frame, scenario_name(loaded), min_drop))


def _pct(value: float, sign: bool = False) -> str:
    return f"{value:+.1%}" if sign else f"{value:.1%}"


_WIDEST = 40
"""A column of names is at most this wide (in terminal cells): a name may be a whole line long."""


def _cut(text: str) -> str:
    if cell_len(text) <= _WIDEST:
        return text
    while cell_len(text) > _WIDEST - 3:
        text = text[:-1]
    return text + "..."


_ONE_OF = re.compile(r"(.+) \(one of (\d+)\)")
"""An absence of one of a role's anonymous staff, as drillsim.experiment.n_minus_one names it (in English, as the
JSON keeps it)."""


def _absent(absent: str) -> str:
    """Who is absent, in the language in force: a person's id, or one of a role's (or grid's) anonymous staff."""
    found = _ONE_OF.fullmatch(absent)
    return _("{actor} (one of {count})").format(actor=found[1], count=found[2]) if found else absent


def render(frame: Any, name: str, min_drop: float) -> str:
    """Who the plan can least do without, in a sentence, then every fall, worst first (padded by terminal cells)."""
    attrs = frame.attrs
    count = attrs["absences"]
    lines = [ngettext("{name}: {count} absence, each on the same incidents as everyone ({replications} replications, "
                      "seed {seed}); hit rates over all levels, 95% paired intervals",
                      "{name}: {count} absences, each on the same incidents as everyone ({replications} replications, "
                      "seed {seed}); hit rates over all levels, 95% paired intervals", count).format(
                 name=name, count=count, replications=attrs["replications"], seed=attrs["seed"]), ""]
    if frame.empty:
        said = (_("No single absence lowers a hit rate significantly or by more than {points} point.")
                if min_drop == 0.01 else
                _("No single absence lowers a hit rate significantly or by more than {points} points."))
        lines.append(said.format(points=f"{min_drop * 100:g}"))
        return "\n".join(lines)
    worst = frame.iloc[0]
    lines += [_("The plan can least do without {absent}: without them, {rule} falls from {everyone} to {without} "
                "({change}).").format(absent=_absent(worst.absent), rule=worst.rule, everyone=_pct(worst.everyone),
                                      without=_pct(worst.without), change=_pct(worst.change, True)), ""]
    width = max(24, *(cell_len(_cut(_absent(a))) for a in frame["absent"]))
    rule_width = max(22, *(cell_len(_cut(r)) for r in frame["rule"]))
    heads = [pad(_("absent"), width), pad(_("rule"), rule_width), pad(_("everyone"), 8, ">"), pad(_("without"), 8, ">"),
             pad(_("change"), 8, ">"), pad(_("95% interval"), 20, ">") + " ", _("significant")]
    lines.append(" ".join(heads))
    for row in frame.itertuples(index=False):
        interval = _("{low} to {high}").format(low=_pct(row.low, True), high=_pct(row.high, True))
        significant = _("yes") if row.significant else _("no")
        lines.append(f"{pad(_cut(_absent(row.absent)), width)} {pad(_cut(row.rule), rule_width)} "
                     f"{_pct(row.everyone):>8} {_pct(row.without):>8} {_pct(row.change, True):>8} "
                     f"{pad(interval, 20, '>')}  {significant}")
    return "\n".join(lines)
