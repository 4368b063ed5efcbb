"""Every answer true: what the reports, the timeline, the exit status and the API say is what the run showed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim import api
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.aar import draft, render_html, render_markdown
from drillsim.exercise.drilllog import read
from drillsim.exercise.evaluate import Evaluation, evaluate, render_text
from drillsim.scenario import load
from tests.test_exercise_evaluate import EXAM, LOG

# --- 1. a milestone never recorded is "not recorded", never a time -------------------------------------------


@pytest.fixture(scope="module")
def unrecorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Evaluation]:
    """The hand log, and a copy where the fire's verification (office_received) was never recorded either."""
    exam = load(EXAM)
    incidents = drill_incidents(exam, scripted=True)
    path = tmp_path_factory.mktemp("log") / "log.csv"
    path.write_text("".join(line for line in LOG.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith("09:55,fire,,office_received")), encoding="utf-8")
    results = api.run(exam, replications=4, seed=615)
    return path, evaluate(exam, incidents, read(path, exam, incidents), results, str(path))


def test_a_stage_whose_end_was_never_recorded_has_no_time(unrecorded: tuple[Path, Evaluation]) -> None:
    _, ev = unrecorded
    fire = {f.rule: f for f in ev.findings if f.incident == "fire"}
    never = fire["province_written"]  # the written report was never made: its step never recorded as done
    assert (never.stage, never.stage_recorded, never.stage_seconds, never.stage_share) == \
        ("written_province", False, None, None)
    recorded = [f for f in ev.findings if f.stage_recorded]
    assert recorded and all(f.stage_seconds is not None for f in recorded)
    text = render_text(ev)
    line = next(row for row in text.splitlines() if row.strip().startswith("province_written") and "no report" in row)
    assert "written_province not recorded" in line and not re.search(r"written_province \d", line)


def test_the_after_action_report_never_gives_an_unrecorded_stage_a_time(unrecorded: tuple[Path, Evaluation]) -> None:
    _, ev = unrecorded
    aar = draft(ev)
    written = next(a for a in aar.actions if a.protects.startswith("Written report to the province"))
    assert "not recorded" in written.action or "never recorded" in written.action
    assert "took" not in written.action and "1h35m" not in written.action
    analysis = next(o.analysis for o in aar.improvements if o.rule == "province_written")
    assert "not recorded" in analysis and "up to" not in analysis
    for text in (render_html(aar), render_markdown(aar)):
        assert "it took 1h35m" not in text and "up to 1h35m" not in text
        assert "not recorded" in text


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_evaluate_csv_and_json_say_not_recorded(unrecorded: tuple[Path, Evaluation], fmt: str) -> None:
    path, _ = unrecorded
    out = CliRunner().invoke(main, ["exercise", "evaluate", str(EXAM), str(path), "--scripted", "-n", "2",
                                    "--format", fmt])
    assert out.exit_code == 0, out.output
    if fmt == "json":
        rows = json.loads(out.output)
    else:
        import csv
        import io
        rows = list(csv.DictReader(io.StringIO(out.output)))
    row = next(r for r in rows if r["incident"] == "fire" and r["rule"] == "province_written")
    assert str(row["stage_recorded"]) in ("False", "false")
    assert row["stage_seconds"] in (None, "") and row["stage_share"] in (None, "")


# --- 2. --precision not reached is a failed run; the report's run time and colours -----------------------------

BASELINE = EXAM.parent / "baseline-week.yaml"


def test_precision_not_reached_exits_1_saying_what_was_reached_and_what_it_would_take() -> None:
    out = CliRunner().invoke(main, ["run", str(BASELINE), "-q", "--precision", "0.01", "--max-replications", "3"])
    assert out.exit_code == 1
    message = out.output.strip().splitlines()[-1]
    assert message.startswith("precision not reached: the widest 95% half-width is ±")
    assert "after 3 replications" in message and "the target is ±1.0%" in message
    needed = int(re.search(r"about (\d+) replications", message)[1])  # type: ignore[index]
    assert needed > 3


def test_precision_reached_exits_0() -> None:
    out = CliRunner().invoke(main, ["run", str(BASELINE), "-q", "--precision", "0.45", "-n", "2",
                                    "--max-replications", "4", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["precision"]["reached"] is True
