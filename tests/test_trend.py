"""`drillsim exercise trend`: the drills in date order, each step's median and each deadline's verdicts per drill,
and the last drill against the model, on the bundled example logs."""

from __future__ import annotations

import csv
import datetime
import re
import statistics
import warnings
from functools import cache
from pathlib import Path

import pytest

from drillsim import api, plots
from drillsim.exercise.drilllog import about, read
from drillsim.exercise.evaluate import evaluate
from drillsim.exercise.played import drill_incidents
from drillsim.experiment.trend import Drill, Trend, place, render_text, trend
from drillsim.i18n import speaking
from drillsim.scenario import load
from drillsim.scenario.names import title_of
from drillsim.scenario.units import parse_offset
from tests.helpers import EXAM, ROOT, drillsim

LOGS = [ROOT / "scenarios" / "drills" / f"exam-day-drill-{n}.csv" for n in (1, 2, 3)]
WIRED = 30
"""The plan's wired channel: the judge's report to the leadership group comes 30 s after the office sent it."""
RUNS = 20


@cache
def exam():  # type: ignore[no-untyped-def]
    return load(EXAM)


def _drill(path: Path) -> Drill:
    told = about(path)
    assert told.date is not None and told.seed is not None
    incidents = drill_incidents(exam(), told.seed)
    return Drill(str(path), told.date, read(path, exam(), incidents), incidents)


@cache
def found() -> Trend:
    """The three example drills, given out of order."""
    return trend(exam(), [_drill(LOGS[2]), _drill(LOGS[0]), _drill(LOGS[1])], api.run(exam(), replications=RUNS))


def _rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_the_drills_are_taken_in_the_order_of_their_dates() -> None:
    drills = found().drills
    assert [d.name for d in drills] == [str(p) for p in LOGS]
    assert [d.date for d in drills] == [datetime.date(2026, 9, 15), datetime.date(2026, 10, 15),
                                        datetime.date(2026, 11, 16)]
    assert list(found().steps["log"].drop_duplicates()) == [str(p) for p in LOGS]


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.stem)
def test_the_judges_median_is_the_office_to_leadership_span_less_the_wired_delay(log: Path) -> None:
    reached = {(row["incident"], row["milestone"]): parse_offset(row["time"]) for row in _rows(log) if row["time"]}
    spans = [reached[(incident, "leadership_received")] - reached[(incident, "office_received")] - WIRED
             for incident in ("leak", "fire")]
    steps = found().steps
    judge = steps[(steps["log"] == str(log)) & (steps["step"] == "judge")].iloc[0]
    assert judge["timed"] == 2 and judge["at_most"] == 0
    assert judge["median"] == statistics.median(spans)


def test_a_step_moves_by_the_difference_of_its_medians_from_drill_to_drill() -> None:
    judge = found().steps[found().steps["step"] == "judge"]
    medians = list(judge["median"])
    assert judge["moved"].isna().iloc[0]
    assert list(judge["moved"].iloc[1:]) == [medians[1] - medians[0], medians[2] - medians[1]]


def test_the_verdicts_per_drill_are_the_evaluations() -> None:
    results = api.run(exam(), replications=RUNS)
    for drill in found().drills:
        ev = evaluate(exam(), list(drill.incidents), list(drill.entries), results, drill.name)
        rows = found().deadlines[found().deadlines["log"] == drill.name]
        assert rows["met"].sum() == sum(f.status == "met" for f in ev.findings)
        assert rows["judged"].sum() == sum(f.status in ("met", "missed") for f in ev.findings)
        for row in rows.itertuples():
            statuses = [f.status for f in ev.findings if f.rule == row.rule]
            assert (row.met, row.missed) == (statuses.count("met"), statuses.count("missed"))
    assert found().deadlines.groupby("log")["judged"].sum().tolist() == [15, 16, 16]


def test_the_last_drill_is_placed_among_the_simulated_runs() -> None:
    last = evaluate(exam(), list(found().drills[-1].incidents), list(found().drills[-1].entries),
                    api.run(exam(), replications=RUNS), found().drills[-1].name)
    expected = found().expected
    assert list(expected["percentile"]) == [f.percentile for f in last.findings]
    assert list(expected["place"]) == [place(f.percentile) for f in last.findings]
    assert (place(4.9), place(5.0), place(95.0), place(95.1), place(None)) == ("faster", "within", "within", "slower",
                                                                               None)


def test_a_log_without_a_date_is_an_error_at_its_first_line(tmp_path: Path) -> None:
    undated = tmp_path / "undated.csv"
    undated.write_text("".join(line + "\n" for line in LOGS[0].read_text().splitlines() if "# date" not in line))
    done = drillsim("--lang", "en", "exercise", "trend", str(EXAM), str(LOGS[0]), str(undated), "-n", "2")
    assert done.returncode == 2
    assert f"{undated}:1: date: the log does not say when the drill was played" in done.stderr
    assert "Traceback" not in done.stderr


def test_out_writes_the_table_and_the_plot(tmp_path: Path) -> None:
    done = drillsim("--lang", "en", "exercise", "trend", str(EXAM), *map(str, LOGS), "-n", "5", "--out",
                    str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "trend.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "trend.svg").read_text().lstrip().startswith("<?xml")
    table = list(csv.DictReader((tmp_path / "trend.csv").read_text().splitlines()))
    judge = [row for row in table if row["measure"] == "step" and row["name"] == "judge"]
    assert [row["date"] for row in judge] == ["2026-09-15", "2026-10-15", "2026-11-16"]
    assert {row["measure"] for row in table} == {"step", "deadline", "expected"}
    assert "Trend over 3 drills" in done.stdout and str(tmp_path / "trend.png") in done.stdout


ENGLISH = re.compile(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+")
"""Three English words in a row: a sentence left untranslated."""


def test_the_trend_speaks_chinese_with_the_plans_names() -> None:
    with speaking("zh"):
        text = render_text(found())
        ax = plots.drill_trend(exam(), found().steps, found().deadlines)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a missing glyph is a warning
            plots.to_bytes(plots.figure_of(ax), "png")
    judge = next(s for s in exam().flow if s.id == "judge")
    with speaking("zh"):
        name = title_of(judge)
    assert re.search("[\u4e00-\u9fff]", name) and name in text
    assert "最近一次演练" in text and "在预期范围内" in text
    assert not [line for line in text.splitlines() if ENGLISH.search(line.replace(".csv", ""))]
    figure = plots.figure_of(ax)
    assert re.search("[\u4e00-\u9fff]", figure.get_suptitle())
    assert name in [t.get_text() for t in figure.legends[0].get_texts()]
    assert re.search("[\u4e00-\u9fff]", ax.get_ylabel()) and re.search("[\u4e00-\u9fff]", figure.axes[1].get_xlabel())


def test_the_after_action_report_shows_the_trend_it_is_the_last_drill_of(tmp_path: Path) -> None:
    """`exercise aar --trend`: the report's trend section holds the very tables `exercise trend` prints, the plot
    beside it, and the improvement plan moves one section down."""
    done = drillsim("--lang", "en", "exercise", "aar", str(EXAM), str(LOGS[2]), "--trend", str(LOGS[0]), "--trend",
                    str(LOGS[1]), "-n", "5", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    printed = drillsim("--lang", "en", "exercise", "trend", str(EXAM), *map(str, LOGS), "-n", "5").stdout
    judge = next(line for line in printed.splitlines() if line.startswith("judge "))
    markdown = (tmp_path / "aar.md").read_text()
    assert "## 5. From drill to drill" in markdown and "## 6. Improvement plan" in markdown
    assert "| judge | " + " | ".join(judge.split()[1:]) + " |" in markdown
    assert "![From drill to drill](trend.png)" in markdown
    assert (tmp_path / "trend.png").read_bytes().startswith(b"\x89PNG")
    html = (tmp_path / "aar.html").read_text()
    assert '<img class="figure" src="trend.png"' in html and "<td>judge</td>" in html
    plain = drillsim("--lang", "en", "exercise", "aar", str(EXAM), str(LOGS[2]), "-n", "5", "--out",
                     str(tmp_path / "alone"))
    assert plain.returncode == 0 and "## 5. Improvement plan" in (tmp_path / "alone" / "aar.md").read_text()
    assert not (tmp_path / "alone" / "trend.png").exists()
