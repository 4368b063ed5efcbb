"""`drillsim exercise`: tools for trainers running tabletop drills (MSEL, console, evaluation, AAR)."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from drillsim.cli import FiniteRange, echo, load_scenario, log, main, user_errors
from drillsim.i18n import N_, _
from drillsim.limits import MAX_REPLICATIONS, MAX_SEED

F = TypeVar("F", bound=Callable[..., Any])


def _incident_options(func: F) -> F:
    """--seed and --scripted: which incidents the drill plays, the same for every exercise command."""
    func = click.option("--scripted", is_flag=True,
                        help=N_("Play the scenario's scripted injects only, not one simulated run's incidents."))(func)
    return click.option("--seed", type=click.IntRange(0, MAX_SEED),
                        help=N_("Seed of the simulated run whose incidents the drill plays (default: the "
                                "scenario's); evaluate and aar also simulate with it."))(func)


def _source(seed: int | None, scripted: bool, scenario: Any) -> str:
    if scripted:
        return _("scripted injects")
    return _("incidents of one simulated run, seed {seed}").format(seed=scenario.seed if seed is None else seed)


def _drill(scenario_path: str, seed: int | None, scripted: bool) -> tuple[Any, Any]:
    from drillsim.exercise import drill_incidents
    scenario = load_scenario(scenario_path)
    return scenario, drill_incidents(scenario, seed, scripted=scripted)


def played_drill(scenario_path: str, seed: int | None, scripted: bool, start: int | None,
                 log_path: Path) -> tuple[Any, Any, Any, Any]:
    """A drill to play live (the console's, the room's): the scenario, its incidents, the injects and the log's
    records so far; `--start` must lie inside the drill."""
    from drillsim.exercise.drilllog import continued
    from drillsim.exercise.msel import inject_rows
    from drillsim.scenario.errors import DrillsimError
    from drillsim.scenario.units import format_duration, format_offset
    loaded, incidents = _drill(scenario_path, seed, scripted)
    if start is not None and start >= loaded.horizon:
        raise DrillsimError(_("--start {start} is outside the drill; expected a time before it ends at {end} "
                              "(horizon {horizon})").format(start=format_offset(start),
                                                            end=format_offset(loaded.horizon),
                                                            horizon=format_duration(loaded.horizon)))
    return loaded, incidents, inject_rows(loaded, incidents), continued(log_path, loaded, incidents)


def drill_about(loaded: Any, seed: int | None, scripted: bool) -> Any:
    """What a new log says of its drill: the incidents it plays and today's date."""
    from drillsim.exercise.drilllog import About
    return About(seed=None if scripted else (loaded.seed if seed is None else seed), scripted=scripted,
                 date=datetime.date.today())


def start_of(board: Any, rows: Any, start: int | None) -> int:
    """Where the drill clock starts: `--start`, else the log's last record, else five minutes before the first
    inject."""
    if start is not None:
        return start
    last = board.last_time()
    return int(last) if last is not None else max(0, min((row.time for row in rows), default=0) - 300)


@main.group(help=N_(
    "Tabletop exercise tools for trainers (HSEEP conventions).\n\nA drill plays either one simulated run's incidents "
    "of a scenario (the default, with --seed) or its scripted injects alone (--scripted); every command takes the "
    "same choice. Scripted injects keep their ids either way (`leak`, `quake/2`); a stream's incidents "
    "(`everyday-3`) exist only in the run of their seed."))
def exercise() -> None:
    pass


@exercise.command(help=N_("The master scenario events list: every inject, whom it goes to, the action and deadline it "
                          "tests."))
@click.argument("scenario", type=click.Path())
@_incident_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Write msel.csv and inject-cards.html here (default: the MSEL as CSV on stdout)."))
def msel(scenario: str, seed: int | None, scripted: bool, out: Path | None) -> None:
    from drillsim.exercise.msel import cards_html, inject_rows, to_csv
    from drillsim.files import atomic_write
    with user_errors():
        loaded, incidents = _drill(scenario, seed, scripted)
        rows = inject_rows(loaded, incidents)
        if out is None:
            echo(to_csv(rows), nl=False)
            return
        atomic_write(out / "msel.csv", to_csv(rows))
        atomic_write(out / "inject-cards.html", cards_html(loaded, rows, _source(seed, scripted, loaded)))
    echo(_("{count} injects: {msel}, {cards}").format(count=len(rows), msel=out / "msel.csv",
                                                       cards=out / "inject-cards.html"))


def _duration(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    from drillsim.scenario.units import UnitError, parse_duration
    try:
        return parse_duration(value)
    except UnitError as exc:
        raise click.BadParameter(str(exc)) from None


def _offset(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    from drillsim.scenario.units import UnitError, parse_offset
    if value is None:
        return None
    try:
        return parse_offset(value)
    except UnitError as exc:
        raise click.BadParameter(str(exc)) from None


@exercise.command("run", help=N_(
    "The facilitator's console: drill clock, injects, deadlines counting down, the chain to record.\n\nStarts "
    "paused: space runs and pauses the clock, n steps it, Enter records the selected step of the chain at the current "
    "drill time, l records it with a level picked from the plan's, u withdraws it, + and - change the speed, q quits. "
    "Every record is in the drill log on disk before the screen shows it."))
@click.argument("scenario", type=click.Path())
@click.option("--speed", type=FiniteRange(min=0, min_open=True), default=1.0, show_default=True,
              help=N_("Drill seconds per real second (60: a drill minute each second)."))
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("drill-log.csv"),
              show_default=True, help=N_("The drill log; an existing one is continued."))
@_incident_options
@click.option("--start", callback=_offset, metavar="TIME",
              help=N_("Drill time to start the clock at (default: 5m before the first inject, or the last "
                      "record of a continued log)."))
@click.option("--step", callback=_duration, default="1m", show_default=True, metavar="DURATION",
              help=N_("How far the n key moves the clock."))
def run_console(scenario: str, speed: float, log_path: Path, seed: int | None, scripted: bool, start: int | None,
                step: int) -> None:
    from drillsim.exercise.board import DrillBoard, DrillClock
    from drillsim.exercise.console import FacilitatorConsole
    from drillsim.exercise.drilllog import DrillLogWriter
    from drillsim.scenario.errors import DrillsimError
    with user_errors():
        loaded, incidents, rows, entries = played_drill(scenario, seed, scripted, start, log_path)
        if not (sys.stdin.isatty() and sys.stdout.isatty()):  # it would redraw forever, reading no key
            raise DrillsimError(_("the facilitator's console needs a terminal, and stdin or stdout is not one (a "
                                  "pipe or a file); run it in a terminal"))
        writer = DrillLogWriter(log_path, drill_about(loaded, seed, scripted))
    with writer:
        board = DrillBoard(loaded, incidents, rows, writer.append, entries)
        clock = DrillClock(start_of(board, rows, start), speed)
        FacilitatorConsole(board, clock, step=step, log_name=str(log_path)).run()
    echo(_("drill log: {path}").format(path=log_path))


def _evaluation(scenario: str, drill_log: Path, seed: int | None, scripted: bool,
                replications: int | None) -> tuple[Any, Any]:
    from drillsim import api
    from drillsim.exercise.drilllog import read
    from drillsim.exercise.evaluate import evaluate
    loaded, incidents = _drill(scenario, seed, scripted)
    entries = read(drill_log, loaded, incidents)
    results = api.run(loaded, replications=replications, seed=seed)
    log.info(_("compared with {count} simulated runs").format(count=len(results.replications)))
    return evaluate(loaded, incidents, entries, results, str(drill_log)), results


@exercise.command(help=N_(
    "Judge a real drill from its log: each deadline met or missed, against simulated runs.\n\nThe drill log is a CSV "
    "with the header time,incident,change,milestone,level,note and, where it says which core elements each report "
    "carried, elements (the console and `drillsim exercise serve` write it). Each report with its elements is judged "
    "complete or not. A malformed log is reported as FILE:LINE: column: problem, exit status 2."))
@click.argument("scenario", type=click.Path())
@click.argument("drill_log", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-n", "--replications", type=click.IntRange(1, MAX_REPLICATIONS),
              help=N_("Simulated runs to compare with (default: the scenario's)."))
@_incident_options
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
def evaluate(scenario: str, drill_log: Path, replications: int | None, seed: int | None, scripted: bool,
             fmt: str) -> None:
    from drillsim.exercise.evaluate import render_text, to_frame
    with user_errors():
        ev, _ = _evaluation(scenario, drill_log, seed, scripted, replications)
    if fmt == "text":
        echo(render_text(ev))
    elif fmt == "csv":
        from drillsim.files import frame_csv
        echo(frame_csv(to_frame(ev)), nl=False)
    else:
        echo(to_frame(ev).to_json(orient="records", indent=2))


@exercise.command(help=N_("Draft the after-action report and improvement plan of a drill (HTML and Markdown)."))
@click.argument("scenario", type=click.Path())
@click.argument("drill_log", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--compare", type=click.Path(),
              help=N_("A scenario staffed differently: its simulated hit rates inform the improvement plan."))
@click.option("--trend", "earlier", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The log of an earlier drill (repeat for each): the report then shows the trend from drill to "
                      "drill, as `drillsim exercise trend` does, with its plot (every log needs its `# date:` line)."))
@click.option("-n", "--replications", type=click.IntRange(1, MAX_REPLICATIONS),
              help=N_("Simulated runs of each scenario (default: the scenario's)."))
@_incident_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("aar"), show_default=True,
              help=N_("Write aar.html and aar.md here (and trend.png and trend.svg with --trend)."))
def aar(scenario: str, drill_log: Path, compare: str | None, earlier: tuple[Path, ...], replications: int | None,
        seed: int | None, scripted: bool, out: Path) -> None:
    from drillsim import api
    from drillsim.exercise.aar import draft, render_html, render_markdown
    from drillsim.files import atomic_write
    with user_errors():
        ev, results = _evaluation(scenario, drill_log, seed, scripted, replications)
        other = None
        if compare is not None:
            other = api.run(load_scenario(compare), replications=len(results.replications), seed=results.seed)
        section = None
        if earlier:
            from drillsim.exercise.drilllog import played_log
            from drillsim.experiment.trend import Drill, aar_section
            from drillsim.experiment.trend import trend as drill_trend
            drills = [Drill.of(played_log(path, ev.scenario, seed, scripted=scripted))
                      for path in (drill_log, *earlier)]
            found = drill_trend(ev.scenario, drills, results)
            _write_trend_plot(out, found)
            section = aar_section(found, "trend.png")
        report = draft(ev, results, other, section)
        atomic_write(out / "aar.html", render_html(report))
        atomic_write(out / "aar.md", render_markdown(report))
    echo(_("{strengths} strengths, {improvements} areas for improvement: {html}, {markdown}").format(
        strengths=len(report.strengths), improvements=len(report.improvements), html=out / "aar.html",
        markdown=out / "aar.md"))


def _write_trend_plot(out: Path, found: Any) -> None:
    """The trend's plot as trend.png and trend.svg in `out`."""
    from drillsim import plots
    from drillsim.files import atomic_write
    figure = plots.figure_of(plots.drill_trend(found.scenario, found.steps, found.deadlines))
    for suffix in ("png", "svg"):
        atomic_write(out / f"trend.{suffix}", plots.to_bytes(figure, suffix))


@exercise.command(help=N_(
    "How a series of drills moved: each step's median time and each deadline's verdicts, drill by drill.\n\nThe logs "
    "are taken in the order of their `# date:` lines (the console writes them; a log without one is an error), each "
    "with the incidents its `# incidents:` line names, else --seed or --scripted. The last drill's time for each "
    "deadline is placed among simulated runs of SCENARIO (a calibrated one, to ask whether the community is still "
    "itself): within when between their 5th and 95th percentile."))
@click.argument("scenario", type=click.Path())
@click.argument("logs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-n", "--replications", type=click.IntRange(1, MAX_REPLICATIONS),
              help=N_("Simulated runs to compare the last drill with (default: the scenario's)."))
@_incident_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Write trend.csv and the plot trend.png (and trend.svg) here."))
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
def trend(scenario: str, logs: tuple[Path, ...], replications: int | None, seed: int | None, scripted: bool,
          out: Path | None, fmt: str) -> None:
    from drillsim import api
    from drillsim.exercise.drilllog import played_log
    from drillsim.experiment.trend import Drill, render_text
    from drillsim.experiment.trend import trend as drill_trend
    from drillsim.files import atomic_write, frame_csv, to_json
    with user_errors():
        loaded = load_scenario(scenario)
        drills = [Drill.of(played_log(path, loaded, seed, scripted=scripted)) for path in logs]
        results = api.run(loaded, replications=replications, seed=seed)
        found = drill_trend(loaded, drills, results)
        if out is not None:
            atomic_write(out / "trend.csv", frame_csv(found.frame()))
            _write_trend_plot(out, found)
    if fmt == "csv":
        echo(frame_csv(found.frame()), nl=False)
    elif fmt == "json":
        echo(to_json(found.document()), nl=False)
    else:
        echo(render_text(found))
        if out is not None:
            echo(_("trend: {csv}, {plot}").format(csv=out / "trend.csv", plot=out / "trend.png"))
