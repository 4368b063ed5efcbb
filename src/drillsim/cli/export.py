"""`drillsim export`: a run's results in the formats other systems read."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from drillsim.cli import echo, main, run_directory_argument, user_errors
from drillsim.i18n import N_, _


@main.group(help=N_("Export a run (the folder `drillsim run --out` wrote) in standard formats."))
def export() -> None:
    pass


@export.command(help=N_(
    "Every report of a run as an OASIS CAP 1.2 message (status Exercise), one file each.\n\nThe first report of an "
    "incident is an Alert; each later report is an Update whose references list the earlier ones. Severity follows "
    "the level in force: I Extreme, II Severe, III Moderate, IV Minor.\n\nThe messages speak the language in force "
    "when they are exported (--lang, else $DRILLSIM_LANG, else the locale), not the one of the run: each <info> says "
    "zh-CN or en-US; --lang-both gives one in each language."))
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
                callback=run_directory_argument)
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Folder for the messages, replaced whole (default: RUN_DIR/cap)."))
@click.option("--epoch", default="2026-01-05T00:00:00+08:00", show_default=True,
              help=N_("The date and time of drill time 0d 00:00, with its UTC offset."))
@click.option("--domain", default="community.drill.invalid", show_default=True,
              help=N_("Senders and addresses are ACTOR@DOMAIN."))
@click.option("--replication", type=click.IntRange(min=0), help=N_("Only this replication."))
@click.option("--lang-both", is_flag=True,
              help=N_("An <info> block in Chinese (zh-CN) and one in English (en-US) in every message, the language "
                      "in force first."))
def cap(run_dir: Path, out: Path | None, epoch: str, domain: str, replication: int | None, lang_both: bool) -> None:
    from drillsim import __version__
    from drillsim.exercise.cap import messages, parse_domain, parse_epoch, write
    from drillsim.experiment.rundir import RunRows, run_directory
    from drillsim.i18n import LANGUAGES, language
    languages = (language(), *(lang for lang in LANGUAGES if lang != language())) if lang_both else None
    with user_errors(), ExitStack() as held:
        if out is None:  # into the run's directory: not while a run writes there
            held.enter_context(run_directory(run_dir))
        when, where = parse_epoch(epoch), parse_domain(domain)  # the options are checked before the run is read
        found = messages(RunRows(run_dir), when, where, replication, version=__version__, languages=languages)
        target = out or run_dir / "cap"
        write(found, target)
    alerts = sum(1 for m in found if m.msg_type == "Alert")
    echo(_("{count} CAP messages ({alerts} alerts, {updates} updates) in {target}").format(
        count=len(found), alerts=alerts, updates=len(found) - alerts, target=target))
