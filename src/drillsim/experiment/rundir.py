"""The run directory: what `drillsim run --out` writes there, and reading it back for reports made after the fact.

One list of its files (RUN_FILES), one writer and its readers, so that they
can never disagree on a name. The directory holds the records (CSV), the
summary (JSON), the effective scenario, the provenance, the plots and, if
asked, the HTML report. Each file is written atomically and the directory is
held while a run writes there (drillsim.files). Read back as frames
(SavedRun), the records keep the types the run gave them, and what the
directory does not hold (every crew's on-duty schedule) is computed from the
effective scenario, so a saved run offers the plots and the report everything
a live Results does. Read back as rows (RunRows), they are the text of each
cell with the line it ends on, for the CAP messages, which name a wrong cell
by its line.
"""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from drillsim.errors import DrillsimError
from drillsim.experiment.versions import versions
from drillsim.files import (
    UnreadableFile,
    UnwritableFile,
    atomic_write,
    csv_rows,
    frame_csv,
    read_bytes,
    read_frame,
    read_text,
    to_json,
    write_reason,
    writing_directory,
)
from drillsim.i18n import _
from drillsim.model.staffing import staffing_records
from drillsim.report.plan import as_data
from drillsim.results import Results, bottleneck, metrics
from drillsim.scenario import Scenario, load

if TYPE_CHECKING:
    from drillsim.plots import Run
    from drillsim.report.html import Plot

SUMMARY, SCENARIO, PROVENANCE, REPORT = "summary.json", "scenario.yaml", "provenance.json", "report.html"
PEOPLE = "people.csv"
"""Who did the work (Results.people): a figure, so written by a summary-only run too."""
EVENTS, STEPS, INCIDENTS, VERDICTS = "events.csv", "steps.csv", "incidents.csv", "verdicts.csv"
RECORDS = (EVENTS, STEPS, INCIDENTS, VERDICTS)
"""The records of every step, incident and verdict: written only by a run that kept them (`--keep all`)."""
PLOTS = ("hit-rates", "bottleneck", "actor-load", "worst-incident", "time-to-report")
"""The plots (drillsim.plots.PLOTS, in its order) by the names of their files, each as PNG and SVG."""
PLOT_FORMATS = ("png", "svg")
RUN_FILES = (*RECORDS, PEOPLE, SUMMARY, SCENARIO, PROVENANCE, REPORT,
             *(f"{name}.{ext}" for name in PLOTS for ext in PLOT_FORMATS))
"""Every file `drillsim run --out` may write (the names earlier versions' temporary files were made from)."""
REQUIRED = (SUMMARY, PROVENANCE, SCENARIO, STEPS, INCIDENTS, VERDICTS)
"""What a directory must hold to be read back (a summary-only run's is not: it has no records)."""
RUN_FILE_LIMIT = 1 << 30
"""The largest run file read: a run's files grow with it, so the cap is far above an input's (files.read_text)."""

_TIMES = ("queued", "started", "finished", "delivered", "acknowledged", "occurred", "closed", "parent", "start",
          "deadline", "end", "slack", "late_at_least")
_TEXT = ("actor", "served_by", "unit", "receiver", "channel", "grid", "description", "example", "major_class",
         "carried", "missing", "missing_elements", "waited_for_elements")
_SUMMARY = {"scenario": str, "seed": int, "replications": int, "horizon": str, "incidents": dict, "rules": list,
            "actors": list, "bottleneck": dict}
"""What summary.json holds at its top level, and of which JSON type, for the report and the plots."""
_COLUMNS = {STEPS: ("replication", "incident", "step", "change", "actor", "served_by", "unit", "queued",
                    "started", "finished", "delivered"),
            INCIDENTS: ("replication", "incident", "category", "level", "occurred", "major_class"),
            VERDICTS: ("replication", "incident", "rule", "change", "level", "start", "deadline", "end", "status")}
"""The columns of each CSV that the report and the plots read."""


# --- writing ---------------------------------------------------------------------------------------------------

@contextmanager
def run_directory(out: Path) -> Iterator[Path]:
    """Hold a run's output directory while the run writes there (drillsim.files.writing_directory)."""
    with writing_directory(out, RUN_FILES) as directory:
        yield directory


def effective_scenario(results: Results) -> str:
    """The scenario exactly as run, with its seed, so the run can be repeated from this file alone."""
    data = as_data(results.scenario)
    data["seed"] = results.seed
    data["replications"] = len(results.replications)
    data.pop("plan", None)
    header = (f"# Effective scenario of a drillsim run: the plan merged with the scenario.\n"
              f"# Repeat it with: drillsim run scenario.yaml --seed {results.seed} "
              f"--replications {len(results.replications)}\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_run(results: Results, out: Path, elapsed: float | None = None,
              fail_under: dict[str, float] | None = None) -> list[Path]:
    """The step-event log, incidents, verdicts (CSV), who did the work (CSV), the summary (JSON), the effective
    scenario.

    A run that kept only summaries has no records to write: its people, summary, scenario and provenance only.

    The provenance says when the run was written and, given `elapsed`, how long it took; given the
    `--fail-under` thresholds, those targets (the report colours a rate only against a target).
    """
    records = {
        EVENTS: frame_csv(results.events),
        STEPS: frame_csv(results.steps),
        INCIDENTS: frame_csv(results.incidents),
        VERDICTS: frame_csv(results.verdicts),
    } if results.keep == "all" else {}
    files = {
        **records,
        PEOPLE: frame_csv(results.people()),
        SUMMARY: to_json(results.summary()),
        SCENARIO: effective_scenario(results),
        PROVENANCE: to_json({"seed_entropy": results.seed, "replications": len(results.replications),
                             "load": results.load, "keep": results.keep, "versions": versions(),
                             "written": datetime.now(UTC).isoformat(timespec="seconds"),
                             **({} if elapsed is None else {"elapsed_seconds": round(elapsed, 3)}),
                             **({"fail_under": fail_under} if fail_under else {})}),
    }
    written = []
    for name, content in files.items():
        atomic_write(out / name, content)
        written.append(out / name)
    return written


def write_plots(run: Run, out: Path) -> list[Path]:
    """Every plot of a run as PNG and SVG in `out`, each file written atomically."""
    from drillsim import plots
    written = []
    for name, figure in plots.render(run):
        for fmt in PLOT_FORMATS:
            path = out / f"{name}.{fmt}"
            atomic_write(path, plots.to_bytes(figure, fmt))
            written.append(path)
    return written


def write_report(directory: Path, out: Path | None = None, *, at_run_time: bool = False) -> Path:
    """Write the report of the run in `directory` (to `directory/report.html` unless told), atomically.

    Files the checks of SavedRun let through but whose inner shape the report
    cannot use (a summary edited by hand) end as a RunDirError, not a traceback.
    """
    import jinja2  # with the page's renderer: a run that writes no report need not load it
    target = out or directory / REPORT
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # an unwritable place is found before the page is built
    except OSError as exc:
        raise UnwritableFile(target, write_reason(exc, target)) from None
    try:
        page = report_page(directory, at_run_time=at_run_time)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, jinja2.UndefinedError) as exc:
        raise RunDirError(_("{directory}: its files are not of the shape `drillsim run --out` writes ({error}); "
                            "write the run again").format(directory=directory,
                                                          error=f"{type(exc).__name__}: {exc}")) from None
    atomic_write(target, page)
    return target


def write_figures(results: Run, out: Path, *, report: bool = False) -> list[Path]:
    """The plots of a run just written to `out` (PNG and SVG) and, if asked, its report embedding them."""
    written = write_plots(results, out)
    return [*written, write_report(out, at_run_time=True)] if report else written


# --- reading ---------------------------------------------------------------------------------------------------

class RunDirError(DrillsimError):
    """A directory that is not (or no longer) what `drillsim run --out` wrote."""


class SavedRun:
    """The figures and frames of a finished run, read from its output directory."""

    def __init__(self, directory: Path) -> None:
        missing = [name for name in REQUIRED if not (directory / name).exists()]
        if missing:
            raise RunDirError(_("{directory}: missing {files}; give a directory written by `drillsim run "
                                "--out`").format(directory=directory, files=", ".join(missing)))
        for name in REQUIRED:
            try:
                mode = (directory / name).stat().st_mode
            except OSError as exc:
                raise RunDirError(_("{path}: cannot be read: {reason}").format(
                    path=directory / name, reason=exc.strerror or exc)) from None
            if not stat.S_ISREG(mode):
                what = _("{path}: is a directory; expected the file `drillsim run --out` writes") \
                    if stat.S_ISDIR(mode) else _("{path}: is not a regular file (a FIFO, device or socket); expected "
                                                 "the file `drillsim run --out` writes")
                raise RunDirError(what.format(path=directory / name))
        self.directory = directory
        self.summary: dict[str, Any] = self._json(SUMMARY)
        for key, kind in _SUMMARY.items():
            if not isinstance(self.summary.get(key), kind) or (kind is int and isinstance(self.summary[key], bool)):
                raise RunDirError(_("{path}: {key}: missing or not a JSON {kind}; expected the summary `drillsim run "
                                    "--out` writes").format(path=directory / SUMMARY, key=key, kind=kind.__name__))
        self.provenance: dict[str, Any] = self._json(PROVENANCE)
        self.scenario_text = read_text(directory / SCENARIO, what=_("the effective scenario drillsim wrote"))
        self.scenario: Scenario = load(directory / SCENARIO)
        self.label: str = self.summary["scenario"]
        self.seed: int = self.summary["seed"]
        self.replications: int = self.summary["replications"]

    def _json(self, name: str) -> dict[str, Any]:
        """A JSON object the run wrote; a truncated, invalid or wrongly shaped one is named with what is wrong."""
        path = self.directory / name
        try:
            wrote = _("the {name} drillsim wrote").format(name=name)
            data = json.loads(read_text(path, what=wrote, limit=RUN_FILE_LIMIT))
        except json.JSONDecodeError as exc:
            raise UnreadableFile(path, _("not valid JSON ({reason}; cut short?); expected the {name} `drillsim run "
                                         "--out` writes").format(reason=exc.msg, name=name), exc.lineno) from None
        if not isinstance(data, dict):
            raise RunDirError(_("{path}: not a JSON object; expected the {name} `drillsim run --out` writes").format(
                path=path, name=name))
        return data

    def _csv(self, name: str, milestones: bool = False) -> pd.DataFrame:
        path = self.directory / name
        frame = read_frame(path, limit=RUN_FILE_LIMIT, what=_("the CSV table `drillsim run --out` writes"))
        missing = [c for c in _COLUMNS.get(name, ()) if c not in frame.columns]
        if missing:
            raise RunDirError(_("{path}:1: no column {columns}; expected the CSV table `drillsim run --out` "
                                "writes").format(path=path, columns=", ".join(missing)))
        names = set(self.scenario.milestones()) if milestones else set()
        for column in frame.columns:
            if column in _TIMES or column.split("#")[0] in names:
                try:
                    frame[column] = frame[column].astype("Int64")
                except (TypeError, ValueError):
                    raise RunDirError(_("{path}: {column}: a cell that is not a time in whole seconds; expected "
                                        "the CSV table `drillsim run --out` writes").format(path=path,
                                                                                           column=column)) from None
        for column in _TEXT:
            if column in frame:
                frame[column] = frame[column].astype(object).fillna("").astype(str)
        return frame

    @cached_property
    def steps(self) -> pd.DataFrame:
        return self._csv(STEPS)

    @cached_property
    def incidents(self) -> pd.DataFrame:
        frame = self._csv(INCIDENTS, milestones=True)
        frame["major_class"] = frame["major_class"].replace("", None)
        return frame

    @cached_property
    def verdicts(self) -> pd.DataFrame:
        return self._csv(VERDICTS)

    @cached_property
    def staffing(self) -> pd.DataFrame:
        """Every crew's on-duty schedule, from the scenario (as the model staffs its crews)."""
        rows = [(s.replication, s.actor, s.unit, s.time, s.on_duty)
                for s in staffing_records(self.scenario, range(self.replications))]
        return pd.DataFrame(rows, columns=["replication", "actor", "unit", "time", "on_duty"])

    @cached_property
    def stages(self) -> pd.DataFrame:
        return bottleneck.stages(self.scenario, self.steps, self._counted(self.verdicts), self.scenario.horizon)

    @cached_property
    def workload(self) -> bottleneck.Load:
        return bottleneck.Load.build(self.steps, self.staffing, self.scenario.horizon)

    def elements(self) -> pd.DataFrame:
        return metrics.element_table(self.scenario, self._counted(self.steps))

    def rules(self) -> pd.DataFrame:
        return metrics.rule_table(self.scenario, self._counted(self.verdicts), list(range(self.replications)))

    def _counted(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of incidents counted (after the warm-up), as the run counted them."""
        return metrics.counted(frame, self.incidents, self.scenario.warm_up)

    def plot_svgs(self) -> list[Plot]:
        """Each plot as SVG: the directory's own file, or drawn now for a directory without plots."""
        from drillsim import plots
        from drillsim.report.html import Plot
        out = []
        for name, draw in plots.PLOTS.items():
            path = self.directory / f"{name}.svg"
            data = read_bytes(path, limit=RUN_FILE_LIMIT) if path.exists() \
                else plots.to_bytes(plots.figure_of(draw(self)), "svg")
            out.append(Plot(name, "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")))
        return out


class RunRows:
    """A run's directory read as the text of its rows, for a reader that builds its own records from them (the
    CAP messages of drillsim.exercise.cap): the scenario, the summary, and the incidents' and steps' rows.

    Each file is checked as far as any such reader needs (there, within RUN_FILE_LIMIT, not cut short, each
    row as long as the header, the numbers that key a row whole); what a row's other cells mean is the
    reader's to check, at the line `rows` gives.
    """

    FILES = (STEPS, INCIDENTS, SCENARIO, SUMMARY)
    """What it reads, in the order a missing one is named."""

    def __init__(self, directory: Path) -> None:
        missing = [name for name in self.FILES if not (directory / name).exists()]
        if missing:
            raise RunDirError(_("{directory}: no {files}; write a run there with `drillsim run SCENARIO --out "
                                "{directory}`").format(directory=directory, files=", ".join(missing)))
        self.directory = directory
        read_text(directory / SCENARIO, what=_("the effective scenario drillsim wrote"))
        self.scenario: Scenario = load(directory / SCENARIO)
        self.summary: dict[str, object] = _named_summary(directory / SUMMARY)
        self.steps_file: Path = directory / STEPS
        """Where the steps' rows were read, for a reader that finds one of them wrong."""

    def incidents(self, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        """Each incident's row with the line it ends on; a missing one of the `columns` the reader needs is named."""
        return _rows(self.directory / INCIDENTS, columns)

    def steps(self, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
        """Each step instance's row with the line it ends on; a missing one of `columns` is named."""
        return _rows(self.steps_file, columns)


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV the run wrote (with the line each ends on), read back as drillsim.files wrote them.

    A file of the wrong shape (a missing column, a cut row) is named with its line.
    """
    text = read_text(path, what=_("a CSV table drillsim wrote"), limit=RUN_FILE_LIMIT)
    if text and not text.endswith("\n"):
        raise UnreadableFile(path, "cut short: the last line has no end (drillsim ends every line)",
                             text.count("\n") + 1)
    rows = csv_rows(text, path)
    header = next((cells for _, cells in rows), None)
    if header is None:
        raise UnreadableFile(path, "is empty; expected the CSV table `drillsim run --out` writes")
    missing = [c for c in columns if c not in header]
    if missing:
        raise UnreadableFile(path, f"no column {', '.join(missing)}; expected the CSV table "
                                   "`drillsim run --out` writes", 1)
    out = []
    for line, cells in rows:
        if len(cells) != len(header):
            raise UnreadableFile(path, f"{len(cells)} cells where the header has {len(header)} (a truncated or "
                                       "edited file?)", line)
        row = dict(zip(header, cells, strict=True))
        for column in (c for c in ("replication", "incident", "change") if c in row):
            if _whole(row[column]) is None:
                raise UnreadableFile(path, f"{column}: {row[column]!r} is not a whole number", line)
        out.append((line, row))
    return out


def _whole(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _named_summary(path: Path) -> dict[str, object]:
    """The summary as a JSON object that names the scenario and the seed, which is all RunRows promises of it."""
    text = read_text(path, what=_("the JSON summary drillsim wrote"), limit=RUN_FILE_LIMIT)
    try:
        summary = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(path, f"not valid JSON ({exc.msg}); expected the summary `drillsim run --out` "
                                   "writes", exc.lineno) from None
    if not isinstance(summary, dict):
        raise UnreadableFile(path, "not a JSON object; expected the summary `drillsim run --out` writes")
    if "scenario" not in summary or not isinstance(summary.get("seed"), int):
        raise UnreadableFile(path, "no scenario name and seed; expected the summary `drillsim run --out` writes")
    return summary


def report_page(directory: Path, *, at_run_time: bool = False) -> str:
    """The report of the run written in `directory`, as one HTML page (drillsim.report.html renders it).

    Made `at_run_time` (`drillsim run --report`), it says it was made when the
    run was written, so that the same seed gives the same bytes.
    """
    from drillsim.report import html
    run = SavedRun(directory)
    return html.render(run, run.plot_svgs(), at_run_time=at_run_time)
