"""`drillsim sweep` and `drillsim compare`: staffing options side by side, saying whether on the same incidents."""

from __future__ import annotations

import math
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from rich.cells import cell_len

from drillsim.cli import (
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
from drillsim.i18n import N_, _, speaking
from drillsim.limits import MAX_JOBS, MAX_REPLICATIONS, MAX_SEED, MAX_SWEEP_POINTS
from drillsim.report.terminal import pad


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """`staffing.office.staff=1..4` -> ("staffing.office.staff", [1, 2, 3, 4]); `load=1,2,4`."""
    path, sep, values = text.partition("=")
    path, values = path.strip(), values.strip()
    if not sep or not path or not values:
        fail(_("--vary {text}: expected PATH=VALUES: 1..4 (whole numbers), or 2,4,6, or 15m,20m (values as in "
               "YAML)").format(text=repr(text)))
    low, dots, high = values.partition("..")
    if dots:
        try:
            first, last = int(low), int(high)
        except ValueError:
            fail(_("--vary {text}: a range is two whole numbers, e.g. 1..4").format(text=repr(text)))
        if last < first:
            fail(_("--vary {text}: the range is empty").format(text=repr(text)))
        if last - first >= MAX_SWEEP_POINTS:  # counted before it is built: 1..10**12 is a number, not a list
            fail(_("--vary {text}: the range has {count} values, more than {most}, the most combinations a sweep "
                   "runs; expected a shorter range, or values such as 1,10,100").format(
                text=repr(text), count=last - first + 1, most=MAX_SWEEP_POINTS))
        return path, list(range(first, last + 1))
    items = [item.strip() for item in values.split(",")]
    if any(not item for item in items):
        fail(_("--vary {text}: an empty value between commas").format(text=repr(text)))
    return path, [_scalar(item) for item in items]


def _scalar(item: str) -> Any:
    """A number where it reads as one, true or false as YAML writes them (`preempt=false,true`), otherwise the text as
    written (`15m`, `"22:00"`)."""
    if item in ("true", "false"):
        return item == "true"
    for kind in (int, float):
        try:
            return kind(item)
        except ValueError:
            continue
    return item


def _pct(value: Any) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


@main.command(help=N_(
    "Run every combination of the varied factors; mark the cheapest that meets the targets.\n\nCombinations that "
    "vary only staffing, durations or deadlines see the same incidents; varying load, the horizon or a source changes "
    "them, and the table's first line says what differs.\n\nA factor is a dotted path of the scenario as its file "
    "writes it (staffing.office.staff, staffing.office.shifts[1].staff, deadlines.grid_to_office.limit) or `load`, "
    "which multiplies every incident stream's rate; with a target the table then gives the headroom, the largest "
    "load at which the target still holds. A per-grid actor's own field (staffing.grid_worker.staff) reaches the "
    "grids that do not set it themselves; staffing.grid_worker.grids.*.staff sets every grid. Cost is the on-duty "
    "staff-hours over the horizon, or the scenario's costs.staff_hour weights."))
@click.argument("scenario", type=click.Path())
@click.option("--vary", multiple=True, required=True, metavar="PATH=VALUES",
              help=N_("A factor and its values (repeatable): staffing.office.staff=1..4, "
                      "staffing.grid_worker.grids.*.staff=1,2, load=1,2,4,8."))
@click.option("--target", "targets", multiple=True, metavar="RULE>=RATE",
              help=N_("A hit rate every acceptable option must reach (repeatable), e.g. "
                      "office_to_leadership>=0.95."))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Write each finished combination here at once, then sweep.csv and sweep.json."))
@click.option("--resume", is_flag=True,
              help=N_("Continue the sweep that --out holds, skipping finished combinations."))
@click.option("-n", "--replications", type=click.IntRange(2, MAX_REPLICATIONS),
              help=N_("Replications per combination."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED), help=N_("The run's seed, the same for every combination."))
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True,
              help=N_("Worker processes."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@roster_option
@verbosity_options
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help=N_("Run the replications on this dask scheduler's cluster instead of local processes "
                      "(needs drillsim[dask])."))
@click.pass_context
def sweep(ctx: click.Context, scenario: str, vary: tuple[str, ...], targets: tuple[str, ...], out: Path | None,
          resume: bool, replications: int | None, seed: int | None, jobs: int, fmt: str, verbose: int,
          quiet: bool, scheduler: str | None) -> None:
    from drillsim import api
    from drillsim.experiment.distributed import session
    from drillsim.files import to_json
    quiet = apply_verbosity(ctx, quiet, verbose)
    factors = factors_of(vary, scheduler, jobs)
    finished: list[Any] = []
    with user_errors(), ExitStack() as held:
        loaded = load_scenario(scenario)
        count = replications or loaded.replications
        total = math.prod(len(v) for v in factors.values()) * count
        if out is not None:  # one sweep at a time in a directory; a resumed one holds it again
            from drillsim.experiment.sweeps import sweep_directory
            held.enter_context(sweep_directory(out))
        try:
            with session(scheduler) as client, progress_bar(total, quiet, _("sweep")) as advance:
                outcome = api.sweep(loaded, factors, replications=count, seed=seed, jobs=jobs, targets=targets,
                                    out=out, resume=resume, progress=advance, on_point=finished.append,
                                    client=client)
        except KeyboardInterrupt:
            if out is None:
                fail(_("interrupted"), 130)
            fail(_("interrupted; {out} holds the {finished} finished of {points} combinations, --resume "
                   "continues").format(out=out, finished=len(finished), points=total // count), 130)
    if fmt == "json":
        echo(to_json(outcome.summary()), nl=False)
    else:
        echo(render_sweep(outcome))


def render_sweep(outcome: Any) -> str:
    """One row per combination: its values, cost, the targets' hit rates (every rule's without targets); every
    column padded by terminal cells."""
    factors = outcome.factors
    rules = [t.rule for t in outcome.targets] or list(outcome.scenario.deadlines)
    from drillsim.results.targets import UNDECIDED, target_verdict
    from drillsim.scenario.names import scenario_name
    cheapest = set(outcome.cheapest_points())
    unsure = False
    unit = {"staff-hours": _("staff-hours"), "cost": _("cost")}.get(outcome.cost_unit, outcome.cost_unit)
    lines = [_("{name}: {points} combinations x {replications} replications, seed {seed}, {incidents}").format(
                 name=scenario_name(outcome.scenario), points=len(outcome.points), replications=outcome.replications,
                 seed=outcome.seed, incidents=incidents_said(outcome.points)),
             (_("cost: {unit} over {horizon}; hit rates with 95% intervals") if outcome.targets
              else _("cost: {unit} over {horizon}")).format(unit=unit, horizon=_horizon(outcome)), ""]
    # As wide as the widest value too: `first_reports` under `policy`.
    widths = [max(cell_len(f), 6, *(cell_len(str(p.values[f])) for p in outcome.points)) for f in factors]
    cells = [f"{t.rule}>={t.rate:.0%}" for t in outcome.targets] or rules
    rule_width = [max(cell_len(c), 23 if outcome.targets else 8) for c in cells]
    head = ["#".rjust(3), *(pad(f, w) for f, w in zip(factors, widths, strict=True)), pad(_("cost"), 9, ">"),
            *(pad(c, w) for c, w in zip(cells, rule_width, strict=True))]
    lines.append("  ".join(head).rstrip())
    for point in outcome.points:
        rates = outcome.rates(point.index)
        row = [str(point.index).rjust(3), *(pad(str(point.values[f]), w) for f, w in zip(factors, widths,
                                                                                         strict=True)),
               f"{point.cost:9.0f}"]
        for rule, width in zip(rules, rule_width, strict=True):
            r = rates[rule]
            cell = _pct(r["rate"])
            if outcome.targets:
                cell += f" [{_pct(r['low'])}-{_pct(r['high'])}]" if r["low"] is not None else ""
                target = next(t for t in outcome.targets if t.rule == rule)
                if target_verdict(r, target) == UNDECIDED:
                    cell += " ?"
                    unsure = True
            row.append(pad(cell, width))
        mark = ""
        if outcome.targets:
            mark = _("meets all") if outcome.meets_all(point.index) else ""
            mark += "  " + _("<- cheapest") if point.index in cheapest else ""
        lines.append("  ".join([*row, mark]).rstrip())
    if outcome.targets and not cheapest:
        lines += ["", _("No combination meets every target.")]
    if unsure:
        lines += ["", _("? the 95% interval contains the target: whether it is met is not yet known; more "
                        "replications (-n) would tell.")]
    lines += _headroom_lines(outcome)
    return "\n".join(lines)


def factors_of(vary: tuple[str, ...], scheduler: str | None, jobs: int) -> dict[str, list[Any]]:
    """The factors of --vary, each once, for a sweep or a search (which runs either on --jobs or on --scheduler)."""
    if scheduler is not None and jobs > 1:
        fail(_("--jobs runs local processes, --scheduler a cluster: give one of them"))
    factors = dict(parse_vary(v) for v in vary)
    if len(factors) != len(vary):
        fail(_("--vary: each factor once; give all its values together, e.g. staffing.office.staff=1,2,3"))
    return factors


def incidents_said(points: list[Any]) -> str:
    """Whether every combination draws the same incidents (common random numbers), else what differs."""
    from drillsim.model.pairing import differences
    said: list[str] = []
    for point in points[1:]:
        said += [d for d in differences(points[0].scenario, point.scenario, loads=(points[0].load, point.load))
                 if d not in said]
    if not said:
        return _("the same incidents for every combination")
    return _("different incidents between combinations ({differences})").format(differences=_("; ").join(said))


def _horizon(outcome: Any) -> str:
    from drillsim.scenario.units import format_duration
    return format_duration(outcome.scenario.horizon)


def _headroom_lines(outcome: Any) -> list[str]:
    if "load" not in outcome.factors:
        return []
    if not outcome.targets:
        return ["", _("Give --target RULE>=RATE to get the headroom: the largest load at which it still holds.")]
    lines = ["", _("Headroom: the largest load at which each target still holds (at every load up to it)")]
    others = [f for f in outcome.factors if f != "load"]
    for row in outcome.headroom().to_dict("records"):
        where = _(", ").join(f"{f}={row[f]}" for f in others)
        if math.isnan(row["headroom"]):
            verdict = _("fails already at load {fails}").format(fails=f"{row['fails_at']:g}")
        elif math.isnan(row["fails_at"]):
            verdict = _("load {load} (holds at every load tried)").format(load=f"{row['headroom']:g}")
        else:
            verdict = _("load {load} (fails at {fails})").format(load=f"{row['headroom']:g}",
                                                                 fails=f"{row['fails_at']:g}")
        said = _("{where}: {target}: {verdict}") if where else _("{target}: {verdict}")
        lines.append("  " + said.format(where=where, target=row["target"], verdict=verdict))
    return lines


@main.command(help=N_(
    "Differences B - A of every hit rate and mean wait, paired when both draw the same incidents.\n\nBoth run with "
    "one seed; when they draw different incidents (another horizon, other sources or injects) the output says what "
    "differs and gives unpaired intervals."))
@click.argument("a", type=click.Path())
@click.argument("b", type=click.Path())
@click.option("-n", "--replications", type=click.IntRange(2, MAX_REPLICATIONS),
              help=N_("Replications (default: A's)."))
@click.option("--seed", type=click.IntRange(0, MAX_SEED),
              help=N_("The run's seed, the same for both (default: A's)."))
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_JOBS), default=1, show_default=True,
              help=N_("Worker processes."))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@roster_option
@verbosity_options
@click.pass_context
def compare(ctx: click.Context, a: str, b: str, replications: int | None, seed: int | None, jobs: int, fmt: str,
            verbose: int, quiet: bool) -> None:
    from drillsim import api
    from drillsim.files import to_json
    quiet = apply_verbosity(ctx, quiet, verbose)
    with user_errors():
        first, second = load_scenario(a), load_scenario(b)
        count = replications or first.replications
        shared = seed if seed is not None else first.seed
        if seed is None and second.seed != first.seed:
            log.info(_("both run with A's seed {seed} (B's own is {own}): pairing needs one seed").format(
                seed=shared, own=second.seed))
        with progress_bar(2 * count, quiet, _("replications")) as advance:
            comparison = api.compare(first, second, replications=count, seed=shared, jobs=jobs, progress=advance)
    if fmt == "json":
        from drillsim.model.pairing import differences
        with speaking("en"):  # machine-readable: the same sentences in every language
            differ = differences(first, second, seeds=(shared, shared))
        echo(to_json({**comparison.summary(), "same_incidents": not differ, "differences": differ}), nl=False)
    else:
        echo(render_comparison(comparison, a, b))


def render_comparison(comparison: Any, a: str, b: str) -> str:
    """Hit rates over all levels, then mean waits, each with its paired 95 % interval; the columns padded by
    terminal cells."""
    lines = [*comparison.heading(a, b), ""]
    for kind in ("hit rate", "mean wait"):
        title, *_rest = comparison.columns(kind)
        heads = [pad(title, 28), pad("A", 8, ">"), pad("B", 8, ">"), pad("B - A", 8, ">"),
                 pad(_("95% interval"), 22, ">") + " ", _("distinguishable")]
        lines.append(" ".join(heads))
        for name, value_a, value_b, difference, interval, verdict in comparison.rows(kind):
            lines.append(f"{pad(_cut(name, 28), 28)} {value_a:>8} {value_b:>8} "
                         f"{difference:>8} {pad(interval, 22, '>')}  {verdict}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _cut(text: str, width: int) -> str:
    """`text` in at most `width` terminal cells (a name may be a whole line long)."""
    while cell_len(text) > width:
        text = text[:-1]
    return text
