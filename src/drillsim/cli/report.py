"""`drillsim report`: the self-contained HTML report of a run, from the directory `drillsim run --out` wrote."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from drillsim.cli import echo, log, main, run_directory_argument, user_errors
from drillsim.i18n import N_, _


@main.command(help=N_("Write the run's report: what was simulated, the verdicts, the bottleneck, the plots, the "
                      "provenance."))
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
                callback=run_directory_argument)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Where to write the report (default: RUN_DIR/report.html)."))
def report(run_dir: Path, output: Path | None) -> None:
    from drillsim.experiment.rundir import run_directory, write_report
    with user_errors(), ExitStack() as held:
        if output is None:  # into the run's directory: not while a run writes there
            held.enter_context(run_directory(run_dir))
        path = write_report(run_dir, output)
    log.info(_("wrote {path}").format(path=path))
    echo(str(path))
