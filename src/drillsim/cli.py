"""The `drillsim` command: the only place that prints, exits, or configures logging.

Heavy libraries (pandas, scipy, matplotlib) are imported inside the commands
that need them, so `drillsim --help` answers at once.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from drillsim import __version__

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("drillsim")


def fail(message: str, status: int = 2) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(status)


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input ends with its message and exit status 2, never a traceback."""
    from drillsim.scenario.errors import DrillsimError
    try:
        yield
    except DrillsimError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; nothing half-written was left behind", 130)


def _load(path: str) -> Any:
    from drillsim.scenario import load
    return load(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="drillsim")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bar.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """drillsim: will the community's reporting chain keep the plan's deadlines?

    Simulates the emergency-reporting chain of a community safety plan
    (discoverers, grid workers, the office, the leadership group, the command
    post, the superiors) under the load of a scenario, and says for every
    deadline whether it is met, how often, and what holds it up.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario files; report every problem as FILE:LINE: field: message."""
    from drillsim.scenario.errors import ScenarioError
    bad = 0
    for file in files:
        try:
            _load(file)
        except ScenarioError as exc:
            bad += 1
            click.echo(str(exc), err=True)
        else:
            click.echo(f"{file}: ok")
    if bad:
        sys.exit(2)


@main.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "json"]), default="text", show_default=True,
              help="Plain text, a Mermaid flowchart of the chain, or the effective scenario as JSON.")
def plan(scenario: str | None, fmt: str) -> None:
    """Show the effective plan: actors and staffing, the flow, the deadline table."""
    from drillsim.report import plan as planview
    with user_errors():
        if scenario is None:
            from importlib import resources

            from drillsim.scenario.loader import BUILTIN_PLAN
            scenario = str(resources.files("drillsim.scenario") / "plans" / f"{BUILTIN_PLAN}.yaml")
        loaded = _load(scenario)
    render = {"text": planview.text, "mermaid": planview.mermaid, "json": planview.as_json}[fmt]
    click.echo(render(loaded))


def _parse_fail_under(values: tuple[str, ...], rules: Any) -> dict[str, float]:
    out = {}
    for value in values:
        rule, sep, rate = value.partition("=")
        if not sep:
            fail(f"--fail-under {value!r}: expected RULE=RATE, e.g. office_to_leadership=0.95")
        if rule not in rules:
            from drillsim.scenario.schema import unknown_name
            fail(f"--fail-under {value!r}: {unknown_name('deadline rule', rule, rules)}")
        try:
            threshold = float(rate)
        except ValueError:
            fail(f"--fail-under {value!r}: the rate must be a number between 0 and 1")
        if not 0 <= threshold <= 1:
            fail(f"--fail-under {value!r}: the rate must be between 0 and 1")
        out[rule] = threshold
    return out


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


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("-n", "--replications", type=click.IntRange(min=1), help="Replications (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed entropy (default: the scenario's).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write CSV, JSON and plots here.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--fail-under", multiple=True, metavar="RULE=RATE",
              help="Exit 1 if RULE's hit rate is below RATE (repeatable).")
@click.option("--timeline", is_flag=True, help="Tell each incident's story, minute by minute (one replication).")
@click.pass_context
def run(ctx: click.Context, scenario: str, replications: int | None, seed: int | None, jobs: int,
        out: Path | None, fmt: str, fail_under: tuple[str, ...], timeline: bool) -> None:
    """Run a scenario and give a verdict on every deadline of the plan."""
    from drillsim import api
    quiet = ctx.obj["quiet"]
    with user_errors():
        loaded = _load(scenario)
        thresholds = _parse_fail_under(fail_under, loaded.deadlines)
        count = 1 if timeline else (replications or loaded.replications)
        started = time.perf_counter()
        with progress_bar(count, quiet, "replications") as advance:
            results = api.run(loaded, replications=count, seed=seed, jobs=jobs, progress=advance)
        elapsed = time.perf_counter() - started
        log.info("%d replications in %.2f s", count, elapsed)
        if out is not None:
            from drillsim.outputs import write_run
            for path in write_run(results, out):
                log.info("wrote %s", path)
    if timeline:
        from drillsim.report.timeline import story
        click.echo(story(results, 0))
    elif fmt == "json":
        from drillsim.outputs import to_json
        click.echo(to_json(results.summary()), nl=False)
    else:
        from drillsim.report.console import render_summary
        click.echo(render_summary(results))
    _gate(results, thresholds)


def _gate(results: Any, thresholds: dict[str, float]) -> None:
    if not thresholds:
        return
    rules = results.rules()
    overall = rules[rules["level"] == "all"].set_index("rule")
    failed = []
    for rule, threshold in thresholds.items():
        rate = overall.loc[rule, "rate"]
        if math.isnan(rate):
            click.echo(f"{rule}: no incident it applies to; nothing to gate", err=True)
        elif rate < threshold:
            failed.append(f"{rule}: hit rate {rate:.3f} is below {threshold:.3f}")
    if failed:
        fail("\n".join(failed), 1)
