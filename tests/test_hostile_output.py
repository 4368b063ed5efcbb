"""Hostile scenario text reaches no reader raw: not the terminal, not an SVG or a CAP message, not Mermaid.

The scenario extends the exam-day one and puts quotes, brackets, Markdown and
HTML into its name, an actor's title, a level's title, a source's name and an
inject's id, and ANSI escapes (clear the screen, retitle the window), a
backspace, DEL, a C1 CSI, a bidi override, CR and LF too into the inject's and
its change's descriptions: a name, id or title with a control character is
refused when the scenario is loaded (the last test), a description may hold them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner, Result
from textual.widgets import DataTable, Static

from drillsim import api
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.board import DrillBoard, DrillClock
from drillsim.exercise.console import FacilitatorConsole
from drillsim.exercise.msel import inject_rows
from drillsim.experiment.rundir import write_run
from drillsim.plots import render, to_bytes
from drillsim.scenario import load
from drillsim.text import visible, xml_safe
from tests.helpers import DATA, ROOT

NASTY = '\x1b[2J\x1b[31m\x1b]0;owned\x07\x08\x7f\x9b\u202egnp.exe <script>alert(1)</script> "a, b" `x` #quot;'
"""What a terminal, XML or Mermaid would act on; no NUL, which no text file drillsim reads back may hold."""
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal acts on (tab and newline are the table's own)."""


def _scenario(tmp_path: Path) -> Path:
    exam = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
    printable = RAW.sub("", NASTY)
    one_line = {key: json.dumps(f"{key} {printable}") for key in ("name", "office", "level", "source", "inject")}
    text = {**one_line, "description": json.dumps(f"inject {NASTY}\r\nsecond line")}
    path = tmp_path / "hostile.yaml"
    path.write_text(f"""extends: {exam}
name: {text['name']}
replications: 1
actors: {{office: {{title: {text['office']}}}}}
levels: {{II: {{title: {text['level']}}}}}
sources:
  - {{name: {text['source']}, rate_per_day: 2, categories: {{exam_security: 1}}, levels: {{III: 1}}}}
injects:
  - {{id: {text['inject']}, at: "09:30", category: exam_security, example: paper_leak, level: II, grid: grid_2,
     description: {text['description']}, changes: [{{after: 45m, description: {text['description']}}}]}}
""", encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _scenario(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def run_dir(hostile: Path) -> Path:
    """The run's files and its plots as SVG only (as `run --out` writes them; PNG would double the time)."""
    out = hostile.parent / "run"
    results = api.run(load(hostile), replications=1)
    write_run(results, out)
    for name, figure in render(results):
        (out / f"{name}.svg").write_bytes(to_bytes(figure, "svg"))
    return out


def test_the_escapes_show_every_control_character_and_nothing_else() -> None:
    assert visible("a\tb\nc\x1b[2J\u202e中文") == "a\tb\nc\\u001b[2J\\u202e中文"
    assert json.loads(json.dumps(visible("\x7f\x9b\u202e"))) == "\\u007f\\u009b\\u202e"
    assert json.loads(visible(json.dumps("\x7f\u202e", ensure_ascii=False))) == "\x7f\u202e"
    assert xml_safe("\x1b\t\r\n\x9b") == "\\u001b\t\r\n\x9b"


@pytest.mark.parametrize("args", [(), ("--timeline",), ("--format", "json")], ids=["table", "timeline", "json"])
def test_the_terminal_gets_no_raw_control_character(hostile: Path, args: tuple[str, ...]) -> None:
    result = invoke("run", str(hostile), "-n", "1", *args)
    assert result.exit_code == 0, result.output
    assert not RAW.findall(result.output)
    if args == ("--timeline",):  # the timeline tells each incident's description, which may hold them
        assert "\\u001b[2J" in result.output
    if args == ("--format", "json"):
        json.loads(result.output)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_plan_prints_no_raw_control_character(hostile: Path, fmt: str) -> None:
    result = invoke("plan", str(hostile), "--format", fmt)
    assert result.exit_code == 0 and not RAW.findall(result.output)
    assert "<script>alert(1)</script>" in result.output  # a title's printable text is shown as it was written


def test_mermaid_labels_stay_on_their_line_and_show_their_text(hostile: Path) -> None:
    result = invoke("plan", str(hostile), "--format", "mermaid")
    lines = result.output.splitlines()
    assert lines[0] == "flowchart TD" and all(line.startswith("    ") for line in lines[1:]), lines
    office = next(line for line in lines if line.startswith("    office["))
    label = office[len('    office["'):-len('"]')]
    assert not set(label) & set('"<>`\r\n') and not RAW.findall(label)
    assert "#lt;script#gt;" in label and "#quot;a, b#quot;" in label and "#35;quot;" in label


def test_every_svg_is_well_formed_and_shows_the_escape(run_dir: Path) -> None:
    for svg in sorted(run_dir.glob("*.svg")):
        text = svg.read_text(encoding="utf-8")
        ET.fromstring(text)
        assert not RAW.findall(text), svg.name
    assert "\\u001b" in (run_dir / "worst-incident.svg").read_text(encoding="utf-8")


def test_every_cap_message_is_well_formed_and_valid(run_dir: Path) -> None:
    schema = xmlschema.XMLSchema(str(DATA / "CAP-v1.2.xsd"))
    out = run_dir.parent / "cap"
    result = invoke("export", "cap", str(run_dir), "-o", str(out))
    assert result.exit_code == 0, result.output
    messages = sorted(out.glob("*.xml"))
    assert messages and not RAW.findall(result.output)
    for message in messages:
        schema.validate(str(message))
    assert any("\\u001b[2J" in m.read_text(encoding="utf-8") for m in messages)


def test_html_pages_show_control_characters_and_bidi_overrides_as_escapes(hostile: Path, run_dir: Path) -> None:
    page = run_dir.parent / "page.html"
    assert invoke("report", str(run_dir), "-o", str(page)).exit_code == 0
    assert invoke("exercise", "msel", str(hostile), "--out", str(run_dir.parent / "msel")).exit_code == 0
    for html in (page, run_dir.parent / "msel" / "inject-cards.html"):
        text = html.read_text(encoding="utf-8")
        assert not RAW.findall(text), html.name
        assert "\\u202egnp.exe" in text and "&lt;script&gt;" in text and "<script>alert" not in text


def test_the_after_action_report_shows_control_characters_as_escapes(tmp_path: Path) -> None:
    exam = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
    title, description = json.dumps(f"office {RAW.sub('', NASTY)}"), json.dumps(f"drill {NASTY}")
    scenario = tmp_path / "aar.yaml"
    scenario.write_text(f"extends: {exam}\nname: {title}\ndescription: {description}\n"
                        f"actors: {{office: {{title: {title}}}}}\n", encoding="utf-8")
    log = DATA / "exam-day-drill-log.csv"
    out = tmp_path / "aar"
    result = invoke("exercise", "aar", str(scenario), str(log), "--scripted", "-n", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    for name in ("aar.html", "aar.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert not RAW.findall(text), name
        assert "u001b" in text and "u202egnp.exe" in text  # in Markdown, the escape's backslash is escaped too


def test_a_nul_in_scenario_text_leaves_every_csv_readable_by_drillsim(tmp_path: Path) -> None:
    exam = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
    scenario = tmp_path / "nul.yaml"
    inject = '[{at: "09:30", category: other, level: IV, description: "=src\\0 x"}]'
    scenario.write_text(f"extends: {exam}\ninjects: {inject}\n", encoding="utf-8")
    out = tmp_path / "run"
    write_run(api.run(load(scenario), replications=1), out)
    assert not any(b"\0" in csv.read_bytes() for csv in out.glob("*.csv"))
    result = invoke("export", "cap", str(out), "-o", str(tmp_path / "cap"))
    assert result.exit_code == 0, result.output
    assert "'=src\\u0000 x" in (out / "incidents.csv").read_text(encoding="utf-8")


def test_the_facilitator_console_shows_markup_and_escapes_as_text(tmp_path: Path) -> None:
    exam = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
    scenario = tmp_path / "console.yaml"
    ident = json.dumps("[link=https://x.example]leak[/link] [/]")
    scenario.write_text(f"""extends: {exam}
levels: {{II: {{title: "[red]major[/]"}}}}
injects:
  - {{id: {ident}, at: "09:30", category: exam_security, example: paper_leak, level: II, grid: grid_2}}
""", encoding="utf-8")
    loaded = load(scenario)
    incidents = drill_incidents(loaded, scripted=True)
    board = DrillBoard(loaded, incidents, inject_rows(loaded, incidents), [].append, [])
    start = 9 * 3600 + 31 * 60
    shown: list[str] = []

    async def drive() -> None:
        app = FacilitatorConsole(board, DrillClock(start, 60, now=lambda: 0.0), step=60, log_name="[/]log.csv")
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            table = app.query_one("#tasks", DataTable)
            shown.extend(str(cell) for i in range(table.row_count) for cell in table.get_row_at(i))
            shown.append(str(app.query_one("#status", Static).render()))
            await pilot.press("q")

    asyncio.run(drive())
    assert "[link=https://x.example]leak[/link] [/]" in shown
    assert any("[/]log.csv" in cell for cell in shown)


def test_log_lines_on_stderr_show_the_escapes() -> None:
    from drillsim.cli import _VisibleFormatter
    record = logging.LogRecord("drillsim", logging.WARNING, __file__, 1, "%s and %s differ", ("a\x1b[2J", "b\u202e"),
                               None)
    assert _VisibleFormatter("%(message)s").format(record) == "WARNING: a\\u001b[2J and b\\u202e differ"  # as the CLI


@pytest.mark.parametrize("field", ["name", "actors: {office: {title: X}}", "levels: {II: {title: X}}",
                                   "injects: [{id: X, at: '09:30', category: exam_security, example: paper_leak, "
                                   "level: II}]"])
def test_a_name_id_or_title_with_a_control_character_is_refused_at_its_line(field: str, tmp_path: Path) -> None:
    exam = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
    for bad in ("a\nforged line: met", "a\x1b[2J", "a\u202egnp.exe", "a\tb"):
        value = json.dumps(bad)
        body = f"name: {value}" if field == "name" else f"name: n\n{field.replace('X', value)}"
        path = tmp_path / "one-line.yaml"
        path.write_text(f"extends: {exam}\n{body}\n", encoding="utf-8")
        result = invoke("validate", str(path))
        assert result.exit_code == 2
        message = result.output.strip()
        assert "\n" not in message and "is not allowed in a name, id or title" in message
        assert message.startswith(f"{path}:{2 if field == 'name' else 3}: ")
