"""`drillsim run`: one scenario, its verdict on every deadline."""

from __future__ import annotations

import math
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from click.core import ParameterSource

from drillsim.cli import (
    FiniteRange,
    apply_verbosity,
    echo,
    fail,
    load_scenario,
    log,
    main,
    progress_bar,
    roster_option,
    user_errors,
    verbosity_options,
)
from drillsim.i18n import N_, _
from drillsim.limits import MAX_JOBS, MAX_REPLICATIONS, MAX_SEED

if TYPE_CHECKING:
    from drillsim.experiment.readings import Mode
    from drillsim.experiment.runner import Keep


def _parse_fail_under(values: tuple[str, ...], rules: Any) -> dict[str, float]:
    out = {}
    for value in values:
        rule, sep, rate = value.partition("=")
        if not sep:
            fail(_("--fail-under {value}: expected RULE=RATE, e.g. office_to_leadership=0.95").format(
                value=repr(value)))
        if rule not in rules:
            from drillsim.scenario.schema import unknown_name
            fail(_("--fail-under {value}: {problem}").format(value=repr(value),
                                                             problem=unknown_name("deadline rule", rule, rules)))
        try:
            threshold = float(rate)
        except ValueError:
            fail(_("--fail-under {value}: the rate must be a number between 0 and 1").format(value=repr(value)))
        if not 0 <= threshold <= 1:
            fail(_("--fail-under {value}: the rate must be between 0 and 1").format(value=repr(value)))
        if rule in out:  # which one would gate the run is anybody's guess
            fail(_("--fail-under {value}: {rule} is given a rate twice; expected one --fail-under per rule").format(
                value=repr(value), rule=rule))
        out[rule] = threshold
    return out


@main.command(help=N_("Run a scenario and give a verdict on every deadline of the plan."))
@click.argument("scenario", type=click.Path())
@click.option("-n", "--replications", type=click.IntRange(1, MAX_REPLICATIONS),
              help=N_("Replications (default: the scenario's)."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help=N_("The run's seed: every replication's streams derive from it (default: the scenario's)."))
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True,
              help=N_("Worker processes."))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=N_("Write CSV, JSON and plots here."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--fail-under", multiple=True, metavar="RULE=RATE",
              help=N_("Exit 1 if RULE's hit rate is below RATE (repeatable)."))
@click.option("--timeline", is_flag=True, help=N_("Tell each incident's story, minute by minute (one replication)."))
@click.option("--precision", type=FiniteRange(0, 0.5, min_open=True, max_open=True), metavar="H",
              help=N_("Add replications until every rule's 95% half-width is at most H (e.g. 0.02); "
                      "-n is the first batch."))
@click.option("--max-replications", type=click.IntRange(2, MAX_REPLICATIONS), default=1000, show_default=True,
              help=N_("The cap for --precision."))
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help=N_("Run the replications on this dask scheduler's cluster instead of local processes "
                      "(needs drillsim[dask])."))
@click.option("--report", is_flag=True, help=N_("Also write the run's HTML report (report.html) into --out."))
@click.option("--keep", type=click.Choice(["all", "summary"]), default="all", show_default=True,
              help=N_("Keep every record (frames, plots, bottleneck), or only running totals per replication: "
                      "the same verdicts and actor figures in memory that does not grow with the horizon."))
@click.option("--readings", "reading_mode", type=click.Choice(["clocks", "all", "none"]), default="clocks",
              show_default=True,
              help=N_("Mark every rule whose hit rate moves by more than 5 points across readings of the plan: "
                      "clocks re-checks the run's own records under the readings that only move clocks (nearly free "
                      "with --keep all), all also simulates those that change the chain, none skips it."))
@roster_option
@verbosity_options
@click.pass_context
def run(ctx: click.Context, scenario: str, replications: int | None, seed: int | None, jobs: int,
        out: Path | None, fmt: str, fail_under: tuple[str, ...], timeline: bool, precision: float | None,
        max_replications: int, scheduler: str | None, report: bool, keep: Keep,
        reading_mode: Mode | Literal["none"], verbose: int, quiet: bool) -> None:
    started = time.perf_counter()
    from drillsim import api
    from drillsim.experiment.distributed import session
    if scheduler is not None and jobs > 1:
        fail(_("--jobs runs local processes, --scheduler a cluster: give one of them"))
    if report and out is None:
        fail(_("--report writes into the run's directory: give --out DIR"))
    if keep == "summary" and (timeline or report):
        fail(_("{option} needs every record: run with --keep all").format(
            option="--timeline" if timeline else "--report"))
    if timeline and precision is not None:
        fail(_("--timeline tells one replication and --precision adds replications: give one of them"))
    if precision is not None and replications is not None and replications > max_replications:
        fail(_("-n {replications} is more than --max-replications {cap}, so the first batch would be cut; expected "
               "-n at most the cap").format(replications=replications, cap=max_replications))
    if precision is None and ctx.get_parameter_source("max_replications") is ParameterSource.COMMANDLINE:
        fail(_("--max-replications is the cap for --precision and changes nothing without it: give --precision H, "
               "or -n for a number of replications"))
    quiet = apply_verbosity(ctx, quiet, verbose)
    with user_errors(), ExitStack() as held:
        loaded = load_scenario(scenario)
        thresholds = _parse_fail_under(fail_under, loaded.deadlines)
        if out is not None:  # held from before the simulation: a second run, an unwritable path, refused at once
            from drillsim.experiment.rundir import run_directory
            held.enter_context(run_directory(out))
        count = 1 if timeline else (replications or loaded.replications)
        if timeline:
            precision = None
        with (session(scheduler) as client,
              progress_bar(count if precision is None else max_replications, quiet, _("replications")) as advance):
            results = api.run(loaded, replications=count, seed=seed, jobs=jobs, progress=advance,
                              precision=precision, max_replications=max_replications, client=client,
                              keep=keep)
        log.info(_("{count} replications in {seconds} s").format(count=len(results.replications),
                                                                  seconds=f"{time.perf_counter() - started:.2f}"))
        if reading_mode != "none" and not timeline:
            _mark_readings(results, reading_mode, jobs, quiet)
        if out is not None:
            from drillsim.experiment.rundir import write_figures, write_run
            results.summary()  # the analysis is part of the run's time; writing the files is not
            written = write_run(results, out, time.perf_counter() - started, fail_under=thresholds)
            if keep == "all":
                written += write_figures(results, out, report=report)
            for path in written:
                log.info(_("wrote {path}").format(path=path))
    if timeline:
        from drillsim.report.timeline import story
        echo(story(results, 0, scenario))
    elif fmt == "json":
        from drillsim.files import to_json
        echo(to_json(results.summary()), nl=False)
    else:
        from drillsim.report.terminal import render_summary
        if results.precision is not None:
            from drillsim.experiment.per_replication import precision_sentence
            echo(precision_sentence(results.precision))
        echo(render_summary(results))
    _gate(results, thresholds)


def _mark_readings(results: Any, mode: Mode, jobs: int, quiet: bool) -> None:
    """Measure how far each rule's hit rate moves with the reading of the plan, for the table, the JSON summary
    and the report (Results.readings)."""
    from drillsim.experiment.readings import marks, runs
    began = time.perf_counter()
    more = runs(results.scenario, mode=mode, kept=results.keep == "all") - 1
    with progress_bar(more * len(results.replications), quiet, _("readings")) as advance:
        results.readings = marks(results, mode, jobs=jobs, progress=advance).marks()
    log.info(_("readings of the plan ({mode}) in {seconds} s").format(mode=mode,
                                                                       seconds=f"{time.perf_counter() - began:.2f}"))


def _precision_failure(report: dict[str, Any] | None) -> list[str]:
    """`--precision` not reached within the cap is a failed run (exit 1), as a --fail-under miss is."""
    if report is None or report["reached"] or report["widest"] is None:
        return []
    widest = report["widest"]
    return [_("precision not reached: the widest 95% half-width is ±{widest} ({rule}) after {replications} "
              "replications, the cap (--max-replications); the target is ±{target}, which would take about "
              "{estimate} replications (an estimate: half-widths shrink as 1/sqrt(n))").format(
        widest=f"{widest['half_width']:.1%}", rule=widest["rule"], replications=report["replications"],
        target=f"{report['half_width']:.1%}", estimate=report["estimated_replications"])]


def _gate(results: Any, thresholds: dict[str, float]) -> None:
    failed = _precision_failure(results.precision)
    if not thresholds:
        if failed:
            fail("\n".join(failed), 1)
        return
    rules = results.rules()
    overall = rules[rules["level"] == "all"].set_index("rule")
    for rule, threshold in thresholds.items():
        rate = overall.loc[rule, "rate"]
        if math.isnan(rate):
            log.warning(_("{rule}: no incident it applies to; nothing to gate").format(rule=rule))
        elif rate < threshold:
            failed.append(_("{rule}: hit rate {rate} is below {threshold}").format(
                rule=rule, rate=f"{rate:.3f}", threshold=f"{threshold:.3f}"))
    if failed:
        fail("\n".join(failed), 1)
