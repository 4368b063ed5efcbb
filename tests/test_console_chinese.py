"""The facilitator's console in Chinese: its words, the plan's names, and at 80x24 under tmux the countdowns whole."""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable, OptionList, Static

from drillsim import i18n
from drillsim.exercise import drill_incidents
from drillsim.exercise.board import DrillBoard, DrillClock
from drillsim.exercise.console import FacilitatorConsole, LevelPicker, _short
from drillsim.exercise.drilllog import COLUMNS, DrillLogWriter, Entry, read
from drillsim.exercise.msel import inject_rows
from drillsim.scenario import Scenario, load
from tests.helpers import ROOT
from tests.test_console import ABOUT, Terminal

EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
H, M = 3600, 60
LEAK = 9 * H + 30 * M
WORD = re.compile(r"[A-Za-z]{3,}")


class FakeTime:
    """A real clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


def _cells(app: FacilitatorConsole, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def _heads(app: FacilitatorConsole, table_id: str) -> list[str]:
    return [str(column.label) for column in app.query_one(table_id, DataTable).ordered_columns]


@pytest.mark.parametrize(("text", "width"), [("发现人/知情人: 首报:立即报告网格员或部门负责人", 26),
                                             ("办公室(信息工作组): 办公室20分钟内报告领导小组", 25),
                                             ("Department head: verification (on site where needed)", 26)])
def test_a_cut_name_fits_its_column_in_terminal_cells(text: str, width: int) -> None:
    short = _short(text, width)
    assert short.endswith("…") and width - 1 <= cell_len(short) <= width
    assert text.startswith(short[:-1])  # a wide character is dropped whole, never cut in half
    assert _short("首报", width) == "首报"


def test_console_speaks_chinese_and_names_the_plan_s_entries(exam: Scenario, tmp_path: Path) -> None:
    log_path = tmp_path / "drill.csv"
    real = FakeTime()

    async def drive() -> None:
        with DrillLogWriter(log_path) as writer:
            incidents = drill_incidents(exam, scripted=True)
            board = DrillBoard(exam, incidents, inject_rows(exam, incidents), writer.append)
            app = FacilitatorConsole(board, DrillClock(LEAK - 5 * M, 60, now=real), step=60, log_name="drill.csv")
            async with app.run_test(size=(80, 24)) as pilot:
                status = str(app.query_one("#status", Static).render())
                assert "演练时间 0d 09:25:00" in status and "已暂停" in status
                assert "下一注入事件 1 于 0d 09:30" in status
                assert app.title == "drillsim 演练导调台"
                assert _heads(app, "#tasks") == ["事件", "变化", "节点", "谁：步骤", "记录时间", "级别", "判定"]
                assert _heads(app, "#countdowns") == ["事件", "时限", "到期", "剩余", "状态"]
                for _ in range(6):
                    await pilot.press("n")
                assert app.injects_seen[0].startswith("0d 09:30  注入事件 1 -> 部门负责人：")
                who = [row[3] for row in _cells(app, "#tasks")]
                assert who[2].startswith("部门负责人: 核实") and who[3].startswith("办公室(信息工作组): ")
                assert all(cell_len(cell) <= 26 for cell in who)
                assert _cells(app, "#countdowns")[0] == ["leak", "office_to_leadership", "0d 09:50", "19m", "正常"]
                await pilot.press("down", "down", "l")  # office_received carries no level
                assert not isinstance(app.screen, LevelPicker)
                await pilot.press("down", "l")  # leadership_received: the plan's levels by their names
                options = app.screen.query_one(OptionList)
                assert str(options.get_option_at_index(1).prompt) == "II级  橙色  重大"
                assert options.border_title == "自此节点起执行的级别"
                await pilot.press("escape")
                await pilot.press("space")
                real.now += 16  # 16 drill minutes: 3m left of the office's 20
                await pilot.pause(0.4)
                assert _cells(app, "#countdowns")[0][3:] == ["3m", "临近"]
                real.now += 6
                await pilot.pause(0.4)
                assert _cells(app, "#countdowns")[0][3:] == ["超出 3m", "超时"]
                await pilot.press("space", "enter")  # the office reached the leadership group 3m late
                verdict = app.query_one("#tasks", DataTable).get_row_at(3)[6]
                assert isinstance(verdict, Text) and str(verdict) == "超时，超出 3m" and verdict.style == "bold red"
                assert "报告须包含" in str(app.query_one("#carries", Static).render())
                await pilot.press("q")

    with i18n.speaking("zh"):
        asyncio.run(drive())
    assert read(log_path, exam, drill_incidents(exam, scripted=True))[-1] == Entry(
        LEAK + 23 * M, "leak", "leadership_received", line=4)


# --- a real terminal of 80 columns and 24 lines -------------------------------------------------------


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_console_in_chinese_at_80_by_24_under_tmux(tmp_path: Path) -> None:
    """Wide characters take two cells: the countdowns' time left and state still show whole at 80 columns."""
    socket = str(tmp_path / "tmux.sock")
    log_path = tmp_path / "log.csv"
    command = (f"cd {ROOT} && exec env -u COLUMNS -u LINES {sys.executable} -m drillsim.cli exercise run {EXAM} "
               f"--scripted --speed 60 --log {log_path} --lang zh")

    terminal = Terminal(socket)
    wait_for, keys, running = terminal.wait_for, terminal.keys, terminal.running
    terminal.start(command, 80, 24)
    try:
        shown = wait_for("演练时间 0d 09:25:00")
        assert "已暂停" in shown
        keys(*["n"] * 6)
        wait_for("演练时间 0d 09:31:00")
        shown = wait_for("19m")
        for heading in ("报告链", "未完成的时限", "注入事件（最新在前）", "谁：步骤", "节点"):
            assert heading in shown, heading
        assert re.search(r"事件 +时限 +到期 +剩余 +状态", shown)
        assert re.search(r"leak +office_to_leadership +0d 09:50 +19m +正常", shown)
        keys("Down", "Enter", "Down", "Down", "Enter")  # first_report_received, then leadership_received
        recorded = [*ABOUT, ",".join(COLUMNS), "0d 09:30,leak,,occurred,,inject 1",
                    "0d 09:31,leak,,first_report_received,,", "0d 09:31,leak,,leadership_received,,"]
        deadline = time.monotonic() + 20
        while log_path.read_text(encoding="utf-8").splitlines() != recorded and time.monotonic() < deadline:
            time.sleep(0.2)
        assert log_path.read_text(encoding="utf-8").splitlines() == recorded  # on disk before the screen shows it
        keys(*["n"] * 40)
        shown = wait_for("演练时间 0d 10:11:00")
        deadlines = shown[shown.index("未完成的时限"):]
        assert re.search(r"leak +province_phone +0d 10:10 +超出 1m +超时", deadlines)  # the leak's phone report
        assert re.search(r"fire +office_to_leadership +0d 10:00 +超出 11m +超时", deadlines)
        assert re.search(r"fire +province_phone +0d 10:20 +9m +临近", deadlines)
        lines = shown.splitlines()
        assert len(lines) <= 24 and max(cell_len(line) for line in lines) <= 80
        assert all(key in lines[-1] for key in ("运行/暂停", "前进", "立即记录", "撤回"))  # the footer's keys
        left = WORD.findall(" ".join([lines[0], lines[-1]]))
        assert set(left) <= {"space", "palette"}, left  # the status and the footer: key names only
        keys("q")
        deadline = time.monotonic() + 20
        while running() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not running()
    finally:
        terminal.close()
    assert log_path.read_text(encoding="utf-8").splitlines() == [*recorded, "0d 09:40,fire,,occurred,,inject 2"]
