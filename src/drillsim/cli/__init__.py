"""The `drillsim` command: the only place that prints, exits, or configures logging.

Heavy libraries (pandas, scipy, matplotlib) are imported inside the commands
that need them, so `drillsim --help` answers at once. Each group of commands
lives in a module of this package, registered at the bottom of this file.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

from drillsim import __version__, i18n
from drillsim.cli.language import VERSION, Group, lang_in, problem
from drillsim.i18n import N_, _

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("drillsim")


def echo(message: str, *, err: bool = False, nl: bool = True) -> None:
    """Print: every line the command writes passes here, its control characters shown as escapes.

    Scenario text (names, titles, ids, descriptions) is printed as the user wrote it; an ANSI
    escape in it must not clear the reader's screen or retitle the window (drillsim.text.visible).
    """
    from drillsim.text import visible
    click.echo(visible(message), err=err, nl=nl)


class _VisibleFormatter(logging.Formatter):
    """Log lines on stderr carry scenario text too: the same escapes as `echo`; the level is named in the language
    in force (`WARNING: ...`, `警告：...`)."""

    def format(self, record: logging.LogRecord) -> str:
        from drillsim.text import visible
        names = {logging.DEBUG: _("DEBUG"), logging.INFO: _("INFO"), logging.WARNING: _("WARNING"),
                 logging.ERROR: _("ERROR"), logging.CRITICAL: _("CRITICAL")}
        return visible(_("{level}: {message}").format(level=names.get(record.levelno, record.levelname),
                                                      message=super().format(record)))


def fail(message: str, status: int = 2) -> NoReturn:
    echo(message, err=True)
    sys.exit(status)


class OneLineErrors(Group):
    """The `drillsim` command: a usage error (an unknown option, a value out of its range) is one line too.

    click's own report of one is four (usage, hint, blank, error); every
    other error of drillsim is one line naming what is wrong, exit 2. Its
    language is the one `--lang` names wherever it is written, read before
    click parses the line, so that help pages and usage errors speak it too.
    """

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        chosen = lang_in(sys.argv[1:] if args is None else args)
        if chosen in i18n.LANGUAGES:
            i18n.use(chosen)
        try:
            outcome = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            if not standalone_mode:
                raise
            fail(exc.format_message(), exc.exit_code)
        except click.UsageError as exc:
            if not standalone_mode:
                raise
            where = exc.ctx.command_path if exc.ctx is not None else "drillsim"
            fail(_("{command}: {problem}; see '{command} --help'").format(command=where, problem=problem(exc)),
                 exc.exit_code)
        except click.ClickException as exc:
            if not standalone_mode:
                raise
            fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            if not standalone_mode:
                raise
            fail(_("aborted"), 1)
        if not standalone_mode:
            return outcome
        sys.exit(outcome if isinstance(outcome, int) else 0)


class FiniteRange(click.FloatRange):
    """A FloatRange that refuses nan and inf: nan passes every comparison click's bounds make, and no
    option means an infinite value."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(_("{number} is not a finite number.").format(number=number), param, ctx)
        return number


def run_directory_argument(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """RUN_DIR is a directory: click's file_okay=False refuses only regular files, not a FIFO or a device."""
    if not os.path.isdir(value):
        raise click.BadParameter(_("'{value}' is not a directory (a FIFO, device or socket); expected the folder "
                                   "`drillsim run --out` wrote").format(value=value))
    return value


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input ends with its message and exit status 2, never a traceback."""
    from drillsim.scenario.errors import DrillsimError
    try:
        yield
    except DrillsimError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail(_("interrupted; nothing half-written was left behind"), 130)


def load_scenario(path: str) -> Any:
    """Load a scenario for a command (errors are reported by `user_errors`), with the command's --roster if given;
    unless a language was chosen, the command goes on in the plan's own (drillsim.i18n)."""
    from drillsim.scenario import load
    context = click.get_current_context(silent=True)
    loaded = load(path, roster=context.meta.get(_ROSTER) if context is not None else None)
    if i18n.chosen() is None and i18n.from_environment() is None and loaded.language is not None:
        i18n.use(loaded.language)
    return loaded


_ROSTER = "drillsim.roster"


def roster_option(command: F) -> F:
    """--roster FILE on a command that loads scenarios: kept in the context for `load_scenario`, so that a
    command needs only this decorator."""
    def keep(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value is not None:
            ctx.meta[_ROSTER] = value
    return click.option("--roster", type=click.Path(dir_okay=False), expose_value=False, callback=keep,
                        metavar="FILE", help=N_("A duty roster (CSV: person,roles,from,to[,title]) whose people "
                                                "replace the scenario's people."))(command)


_QUIET = N_("Only errors on stderr; no progress bar.")
_VERBOSE = N_("More detail on stderr (-vv for debugging).")


def verbosity_options(command: F) -> F:
    """-v/-q on a command too: users put them after the command as often as before it."""
    command = click.option("-q", "--quiet", is_flag=True, help=_QUIET)(command)
    return click.option("-v", "--verbose", count=True, help=_VERBOSE)(command)


def apply_verbosity(ctx: click.Context, quiet: bool, verbose: int) -> bool:
    """Set the log level from a command's -v/-q; returns whether the run is quiet."""
    quiet = quiet or ctx.obj["quiet"]
    if quiet or verbose:
        log.setLevel(logging.ERROR if quiet else (logging.INFO, logging.DEBUG)[min(verbose, 2) - 1])
    return bool(quiet)


@click.group(name="drillsim", cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]},
             help=N_("drillsim: will the community's reporting chain keep the plan's deadlines?\n\nSimulates the "
                     "emergency-reporting chain of a community safety plan (discoverers, grid workers, the office, "
                     "the leadership group, the command post, the superiors) under the load of a scenario, and says "
                     "for every deadline whether it is met, how often, and what holds it up."))
@click.version_option(__version__, prog_name="drillsim", help=VERSION)
@click.option("-v", "--verbose", count=True, help=_VERBOSE)
@click.option("-q", "--quiet", is_flag=True, help=_QUIET)
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_VisibleFormatter("%(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


@main.command(help=N_("Check scenario files; report every problem as FILE:LINE: field: message."))
@click.argument("files", nargs=-1, required=True, type=click.Path())
@roster_option
def validate(files: tuple[str, ...]) -> None:
    from drillsim.scenario.errors import ScenarioError
    bad = 0
    for file in files:
        try:
            load_scenario(file)
        except ScenarioError as exc:
            bad += 1
            echo(str(exc), err=True)
        else:
            echo(_("{file}: ok").format(file=file))
    if bad:
        sys.exit(2)


@main.command(help=N_("Show the effective plan: actors and staffing, the flow, the deadline table, each with the "
                      "plan's article and words, and the readings of the plan in force."))
@click.argument("scenario", required=False, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "json"]), default="text", show_default=True,
              help=N_("Plain text, a Mermaid flowchart of the chain, or the effective scenario as JSON."))
@click.option("--rule", metavar="RULE", help=N_("Only this deadline rule: its limit, clock, article and the plan's "
                                                "words, and the readings of the plan that move it."))
@roster_option
def plan(scenario: str | None, fmt: str, rule: str | None) -> None:
    from drillsim.report import plan as planview
    with user_errors():
        if scenario is None:
            from importlib import resources

            from drillsim.scenario.loader import BUILTIN_PLAN
            scenario = str(resources.files("drillsim.scenario") / "plans" / f"{BUILTIN_PLAN}.yaml")
        loaded = load_scenario(scenario)
    if rule is None:
        render = {"text": planview.text, "mermaid": planview.mermaid, "json": planview.as_json}[fmt]
        echo(render(loaded))
        return
    if fmt == "mermaid":
        fail(_("drillsim plan: --rule shows one rule as text or json, not as a flowchart"))
    if rule not in loaded.deadlines:
        from drillsim.scenario.schema import unknown_name
        removed = planview.removed_by(loaded, rule)
        fail(_("drillsim plan: the rule {rule} is not in this scenario: the reading {reading} removes it").format(
            rule=repr(rule), reading=removed) if removed
             else _("drillsim plan: {problem}").format(problem=unknown_name("deadline rule", rule, loaded.deadlines)))
    echo(planview.rule_json(loaded, rule) if fmt == "json" else planview.rule_text(loaded, rule))


@contextmanager
def progress_bar(total: int, quiet: bool, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only for a terminal and not with -q."""
    if quiet or not sys.stderr.isatty() or total <= 1:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True, console=_stderr_console()) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _stderr_console() -> Any:
    from rich.console import Console
    return Console(stderr=True)



def _register() -> None:
    """Attach the command groups that live in their own modules, then `--lang` to every command."""
    from importlib import import_module
    for module in _COMMAND_MODULES:
        import_module(f"drillsim.cli.{module}")
    _with_language(main)


def _with_language(command: click.Command) -> None:
    """`--lang zh|en` on the group and on every command under it, wherever a user puts it (drillsim.i18n says
    what is spoken without it; `OneLineErrors.main` reads it before click parses the line)."""
    command.params.append(click.Option(["--lang"], type=click.Choice(["zh", "en"]), expose_value=False,
                                       help=N_("The language of what drillsim writes: zh (Chinese) or en (English); "
                                               "default: $DRILLSIM_LANG, the plan's language, the locale.")))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_language(sub)


_COMMAND_MODULES = ("run", "exercise", "serve", "export", "sweep", "search", "report", "n_minus_one", "readings",
                    "check", "calibrate")
_register()
