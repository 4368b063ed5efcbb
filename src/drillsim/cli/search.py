"""`drillsim search`: the cheapest option of a sweep's grid that meets every target, without running every option."""

from __future__ import annotations

import math
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from drillsim.cli import (
    FiniteRange,
    apply_verbosity,
    echo,
    fail,
    load_scenario,
    main,
    progress_bar,
    roster_option,
    user_errors,
    verbosity_options,
)
from drillsim.cli.sweep import factors_of, incidents_said
from drillsim.i18n import N_, _
from drillsim.limits import MAX_JOBS, MAX_REPLICATIONS, MAX_SEED


@main.command(help=N_(
    "Find the cheapest combination of the varied factors that meets every target, with a stated probability, "
    "without running every combination to the end.\n\nThe factors and targets are written as for drillsim sweep. "
    "Every combination runs a first stage of replications on the same incidents; a combination is dropped once its "
    "interval shows it fails a target, or once a cheaper one is known to meet every target; the replications go "
    "where the answer is still open. A target whose interval reaches at most --delta either side of its estimate "
    "is decided by the estimate (the indifference zone)."))
@click.argument("scenario", type=click.Path())
@click.option("--vary", multiple=True, required=True, metavar="PATH=VALUES",
              help=N_("A factor and its values (repeatable), as for drillsim sweep: staffing.office.staff=1..4."))
@click.option("--target", "targets", multiple=True, required=True, metavar="RULE>=RATE",
              help=N_("A hit rate the answer must reach (repeatable), e.g. continuation>=0.9."))
@click.option("--confidence", type=FiniteRange(0.5, 1, max_open=True), default=0.95, show_default=True,
              help=N_("The probability that every decision taken on an interval is right."))
@click.option("--delta", type=FiniteRange(0, 0.5, min_open=True, max_open=True), default=0.02, show_default=True,
              help=N_("The indifference zone: a hit rate within this of its target may be judged either way."))
@click.option("--budget", type=click.IntRange(2, None), metavar="N",
              help=N_("The most replications to spend over every combination."))
@click.option("--first", type=click.IntRange(2, MAX_REPLICATIONS), default=10, show_default=True,
              help=N_("Replications of a combination's first stage; each later look doubles them."))
@click.option("--max-replications", "most", type=click.IntRange(2, MAX_REPLICATIONS), default=200,
              show_default=True, help=N_("The most replications of one combination."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED), help=N_("The run's seed, the same for every combination."))
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True,
              help=N_("Worker processes."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Write each look here at once, then search.csv and search.json."))
@click.option("--resume", is_flag=True, help=N_("Continue the search that --out holds, replaying its looks."))
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help=N_("Run the replications on this dask scheduler's cluster instead of local processes "
                      "(needs drillsim[dask])."))
@roster_option
@verbosity_options
@click.pass_context
def search(ctx: click.Context, scenario: str, vary: tuple[str, ...], targets: tuple[str, ...], confidence: float,
           delta: float, budget: int | None, first: int, most: int, seed: int | None, jobs: int, fmt: str,
           out: Path | None, resume: bool, scheduler: str | None, verbose: int, quiet: bool) -> None:
    from drillsim import api
    from drillsim.experiment.distributed import session
    from drillsim.files import to_json
    quiet = apply_verbosity(ctx, quiet, verbose)
    factors = factors_of(vary, scheduler, jobs)
    looks: list[int] = []
    with user_errors(), ExitStack() as held:
        loaded = load_scenario(scenario)
        if out is not None:
            from drillsim.experiment.search import search_directory
            held.enter_context(search_directory(out))
        total = budget or math.prod(len(v) for v in factors.values()) * most
        try:
            with session(scheduler) as client, progress_bar(total, quiet, _("search")) as advance:
                outcome = api.search(loaded, factors, targets, confidence=confidence, delta=delta, budget=budget,
                                     first=first, max_replications=most, seed=seed, jobs=jobs, out=out,
                                     resume=resume, progress=advance, on_look=looks.append, client=client)
        except KeyboardInterrupt:
            if out is None:
                fail(_("interrupted"), 130)
            fail(_("interrupted; {out} holds {looks} finished looks, --resume continues").format(
                out=out, looks=len(looks)), 130)
    if fmt == "json":
        echo(to_json(outcome.summary()), nl=False)
    else:
        echo(render_search(outcome))


def render_search(outcome: Any) -> str:
    """The answer, the runner-up and why it lost, the probability statement, and the replications spent."""
    from drillsim.scenario.names import scenario_name
    unit = {"staff-hours": _("staff-hours"), "cost": _("cost")}.get(outcome.cost_unit, outcome.cost_unit)
    lines = [_("{name}: {options} combinations, seed {seed}, {incidents}").format(
                 name=scenario_name(outcome.scenario), options=len(outcome.options), seed=outcome.seed,
                 incidents=incidents_said(outcome.points)),
             _("targets: {targets}").format(targets=_(", ").join(str(t) for t in outcome.targets)), ""]
    best, other = outcome.best, outcome.runner_up
    if best is None:
        lines.append(_("No combination meets every target."))
    else:
        lines.append(_("Answer: #{option} {label} ({cost} {unit})").format(
            option=best.index, label=best.label, cost=f"{best.cost:.0f}", unit=unit))
        lines += ["  " + line for line in _rates(outcome, best)]
    if other is not None:
        said = _("Runner-up: #{option} {label} ({cost} {unit}): {why}") if best is not None else _(
            "Closest: #{option} {label} ({cost} {unit}): {why}")
        lines.append(said.format(option=other.index, label=other.label, cost=f"{other.cost:.0f}", unit=unit,
                                 why=outcome.why(other)))
        gap = outcome.gap()
        if gap is not None and not math.isnan(gap["difference"]):
            lines.append("  " + _("{rule}: {difference} points from the answer's hit rate, on the same incidents over "
                                  "{count} replications (paired 95% interval {low} to {high})").format(
                rule=gap["rule"], difference=f"{gap['difference'] * 100:+.1f}", count=gap["replications"],
                low=f"{gap['low'] * 100:+.1f}", high=f"{gap['high'] * 100:+.1f}"))
    lines += ["", outcome.probability(), "",
              _("Replications: {spent} spent in {looks} looks, against {full} for a sweep running every combination "
                "{most} times ({share} of it).").format(
                  spent=outcome.spent, looks=len(outcome.looks), full=outcome.full_sweep,
                  most=outcome.max_replications, share=f"{outcome.spent / outcome.full_sweep:.1%}")]
    return "\n".join(lines)


def _rates(outcome: Any, point: Any) -> list[str]:
    """Each target's hit rate and interval (at the search's level) for one option, and how it was decided."""
    option = outcome.options[point.index]
    lines = []
    for target, (rate, low, high) in zip(outcome.targets, outcome.estimates(point).values(), strict=True):
        decided = option.decided[target.rule]
        lines.append(_("{target}: {rate} [{low}-{high}] after {count} replications, decided by its {how}").format(
            target=str(target), rate=f"{rate:.1%}", low=f"{low:.1%}", high=f"{high:.1%}",
            count=option.replications, how=_how(decided[1] if decided else "")))
    return lines


def _how(how: str) -> str:
    return {"interval": _("interval"), "indifference zone": _("estimate within the indifference zone"),
            "cap": _("estimate at the most replications")}.get(how, how)
