"""`drillsim calibrate`: the plan's durations fitted to a community's drill logs, as a scenario that runs on them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from drillsim.cli import echo, fail, load_scenario, main, user_errors
from drillsim.i18n import N_, _
from drillsim.limits import MAX_REPLICATIONS, MAX_SEED


@main.command(help=N_(
    "Fit the plan's step durations to drill logs and write a scenario that runs on them.\n\nEach log (the "
    "console's, or one written by hand in the same format) is read against the scenario and the incidents the drill "
    "played: the log's own `# incidents:` line (the console writes it), else --seed or --scripted. A step's span "
    "runs from when all it waits for was reached to its own milestone; a span while its people were busy elsewhere "
    "is only an upper bound, a step still open at the end of the drill a lower one, and a step skipped in the log "
    "is left out (with the steps right after it, whose start it hides). Each duration "
    "is fitted by maximum likelihood (exponential, lognormal, uniform, triangular; chosen by AICc); with fewer than "
    "5 timed spans the plan's distribution is kept. -o writes the calibrated scenario: it extends SCENARIO, with "
    "the fitted durations and a provenance block."))
@click.argument("scenario", type=click.Path())
@click.argument("logs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Write the calibrated scenario here (YAML); without it, only the summary is shown."))
@click.option("--scripted", is_flag=True,
              help=N_("Logs that do not say which incidents they played played the scripted injects only."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help=N_("Logs that do not say which incidents they played played those of the simulated run of this "
                      "seed (default: the scenario's)."))
@click.option("--bootstrap-seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True,
              help=N_("Seed of the bootstrap behind the intervals (the same seed, the same intervals)."))
@click.option("--report", is_flag=True,
              help=N_("Then run the original and the calibrated scenario on the same incidents and show how each "
                      "deadline's hit rate moves, with paired intervals (needs -o), and write it all as a page beside "
                      "the calibrated scenario (calibrated.yaml: calibrated.html)."))
@click.option("-n", "--replications", type=click.IntRange(1, MAX_REPLICATIONS),
              help=N_("Replications of each scenario for --report (default: the scenario's)."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def calibrate(scenario: str, logs: tuple[Path, ...], out: Path | None, scripted: bool, seed: int | None,
              bootstrap_seed: int, report: bool, replications: int | None, fmt: str) -> None:
    from drillsim.exercise.drilllog import played_log
    from drillsim.experiment.calibrate import calibrate as fit_logs
    from drillsim.files import atomic_write, to_json
    if report and out is None:
        fail(_("drillsim calibrate: --report compares the calibrated scenario with the original; give -o FILE"))
    with user_errors():
        loaded = load_scenario(scenario)
        drills = [played_log(path, loaded, seed, scripted=scripted) for path in logs]
        found = fit_logs(loaded, drills, seed=bootstrap_seed)
        if out is not None:
            atomic_write(out, _yaml(found.document(_extends(Path(scenario), out))))
        comparison = None
        if report and out is not None:
            from drillsim import api
            from drillsim.experiment.calibrate import report_html
            from drillsim.scenario import load
            comparison = api.compare(loaded, load(out), replications=replications or loaded.replications,
                                     seed=loaded.seed)
            atomic_write(out.with_suffix(".html"), report_html(found, comparison, scenario, str(out)))
    if fmt == "json":
        echo(to_json({"logs": list(found.logs), "out": None if out is None else str(out),
                      "durations": found.frame().to_dict(orient="records"),
                      **({"report": comparison.summary()} if comparison is not None else {})}), nl=False)
        return
    echo(render_calibration(found))
    echo(_("calibrated scenario: {path}").format(path=out) if out is not None
         else _("add -o FILE to write the calibrated scenario"))
    if comparison is not None and out is not None:
        from drillsim.cli.sweep import render_comparison
        echo("")
        echo(render_comparison(comparison, scenario, str(out)))
        echo(_("report: {path}").format(path=out.with_suffix(".html")))


def _extends(scenario: Path, out: Path) -> str:
    """The original as the calibrated file names it: relative to the folder the calibrated file is written in."""
    return Path(os.path.relpath(scenario.resolve(), out.resolve().parent)).as_posix()


def _yaml(document: dict[str, Any]) -> str:
    import yaml
    head = _("# Written by drillsim calibrate: the durations the drills timed, fitted; see provenance below.\n")
    return head + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def render_calibration(found: Any) -> str:
    """The summary table: per duration, what the drills measured, the plan's distribution and the fitted one."""
    from drillsim.experiment.calibrate import durations_table, kept_notes
    from drillsim.report.terminal import table
    summary = durations_table(found)
    kept = [f"  {note}" for note in kept_notes(found)]
    return "\n".join([summary.caption, "", *table(summary.columns, summary.rows), *(["", *kept] if kept else [])])
