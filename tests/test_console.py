"""The facilitator's console: its logic by hand, its screen driven by key presses, and a real terminal under tmux."""

from __future__ import annotations

import asyncio
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList, Static

from drillsim.exercise import drill_incidents
from drillsim.exercise.board import DrillBoard, DrillClock, Task, state_of
from drillsim.exercise.console import FacilitatorConsole, LevelPicker
from drillsim.exercise.drilllog import COLUMNS, DrillLogWriter, Entry, about, read
from drillsim.exercise.msel import inject_rows
from drillsim.exercise.played import to_record
from drillsim.model.clocks import verdicts
from drillsim.scenario import Scenario, load
from tests.helpers import ROOT

EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
H, M = 3600, 60
LEAK, FIRE, CHANGE = 9 * H + 30 * M, 9 * H + 40 * M, 10 * H + 15 * M


class FakeTime:
    """A real clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


def _board(exam: Scenario, sink: list[Entry] | DrillLogWriter, entries: list[Entry] | None = None) -> DrillBoard:
    incidents = drill_incidents(exam, scripted=True)
    append = sink.append
    return DrillBoard(exam, incidents, inject_rows(exam, incidents), append, entries or [])


# --- the logic, by hand --------------------------------------------------------------------------


def test_clock_runs_pauses_steps_and_changes_speed() -> None:
    real = FakeTime()
    clock = DrillClock(LEAK, speed=60, now=real)
    assert clock.paused and clock.time == LEAK
    real.now += 10
    assert clock.time == LEAK  # paused: real time passes, drill time does not
    clock.resume()
    real.now += 10
    assert clock.time == LEAK + 600
    clock.step(60)
    assert clock.time == LEAK + 660
    clock.set_speed(1)
    real.now += 30
    assert clock.time == LEAK + 690
    clock.pause()
    real.now += 1000
    assert clock.time == LEAK + 690
    with pytest.raises(ValueError):
        clock.set_speed(0)


@pytest.mark.parametrize(("remaining", "state"), [(1200, "ok"), (301, "ok"), (300, "amber"), (299, "amber"),
                                                  (0, "amber"), (-1, "red")])
def test_deadline_state_for_a_20_minute_limit(remaining: float, state: str) -> None:
    """Amber when less than a quarter of the limit (5m of 20m) is left, red once the deadline has passed."""
    assert state_of(remaining, 1200) == ("ok" if remaining >= 300 else state)


def test_board_delivers_injects_when_due_and_logs_them(exam: Scenario) -> None:
    log: list[Entry] = []
    board = _board(exam, log)
    assert board.deliver(LEAK - 1) == [] and board.tasks(LEAK - 1) == []
    assert [row.incident for row in board.deliver(LEAK)] == ["leak"]
    assert board.deliver(LEAK + 60) == []  # delivered once
    assert log == [Entry(LEAK, "leak", "occurred", note="inject 1")]
    nxt = board.next_inject(LEAK + 60)
    assert nxt is not None and (nxt.incident, nxt.time) == ("fire", FIRE)
    assert [row.incident for row in board.deliver(CHANGE)] == ["fire", "leak"]  # a jump past two injects
    assert log[-1] == Entry(CHANGE, "leak", "change", 1, note="inject 3")
    tasks = board.tasks(CHANGE)
    assert "continuation_received" in [t.milestone for t in tasks if t.incident == "leak"]
    assert [t.change for t in tasks if t.milestone == "continuation_received"] == [1]


def test_open_deadlines_count_down_turn_amber_then_red_and_close_when_recorded(exam: Scenario) -> None:
    log: list[Entry] = []
    board = _board(exam, log)
    board.deliver(LEAK)

    def leak(now: float) -> dict[str, tuple[float, str]]:
        return {c.rule: (c.remaining, c.state) for c in board.countdowns(now) if c.incident == "leak"}

    # the clocks that start at the occurrence; the others wait for their start milestone (the written report's,
    # Art. 8.3(2), for the phone report)
    assert leak(LEAK) == {"office_to_leadership": (20 * M, "ok"), "province_phone": (40 * M, "ok"),
                          "command_post_upward": (60 * M, "ok")}
    assert leak(LEAK + 15 * M + 1)["office_to_leadership"] == (5 * M - 1, "amber")
    assert leak(LEAK + 20 * M + 1)["office_to_leadership"] == (-1, "red")
    discovered = next(t for t in board.tasks(LEAK) if t.milestone == "discovered")
    board.record(discovered, LEAK + 2 * M)
    assert leak(LEAK + 3 * M)["first_report"] == (4 * M, "ok")  # 5m from the discovery
    judged = next(t for t in board.tasks(LEAK) if t.milestone == "leadership_received")
    board.record(judged, LEAK + 21 * M)
    assert "office_to_leadership" not in leak(LEAK + 22 * M)
    assert next(t for t in board.tasks(LEAK + 22 * M) if t.milestone == "leadership_received").verdict == \
        "MISSED, 1m late"
    assert log[-1] == Entry(LEAK + 21 * M, "leak", "leadership_received")
    phoned = next(t for t in board.tasks(LEAK + 22 * M) if t.milestone == "province_phone_received")
    board.record(phoned, LEAK + 30 * M)
    # 2h from the phone report at 10:00: at 10:45, 1h15m left
    assert leak(LEAK + 75 * M)["province_written"] == (75 * M, "ok")


def test_withdraw_and_rerecord_correct_a_mistake(exam: Scenario) -> None:
    log: list[Entry] = []
    board = _board(exam, log)
    board.deliver(LEAK)
    task = next(t for t in board.tasks(LEAK) if t.milestone == "office_received")
    assert board.withdraw(task) is None  # nothing recorded yet: nothing written
    board.record(task, LEAK + 5 * M)
    task = next(t for t in board.tasks(LEAK) if t.milestone == "office_received")
    assert task.time == LEAK + 5 * M
    board.withdraw(task)
    assert next(t for t in board.tasks(LEAK) if t.milestone == "office_received").time is None
    assert log[-1] == Entry(None, "leak", "office_received", note="withdrawn")


def test_the_judged_level_and_a_change_s_level_are_recorded_and_put_in_force(exam: Scenario) -> None:
    """The office judged the level-II leak as III, and the change brought level I: the verdicts follow."""
    log: list[Entry] = []
    board = _board(exam, log)
    board.deliver(CHANGE)

    def task(milestone: str) -> Task:
        return next(t for t in board.tasks(CHANGE) if t.incident == "leak" and t.milestone == milestone)

    assert (task("leadership_received").msel_level, task("continuation_received").msel_level) == ("II", "II")
    assert task("office_received").msel_level is None
    with pytest.raises(ValueError, match="office_received carries no level"):
        board.record(task("office_received"), LEAK + 5 * M, "III")
    with pytest.raises(ValueError, match="'V' is not a level"):
        board.record(task("leadership_received"), LEAK + 15 * M, "V")
    board.record(task("leadership_received"), LEAK + 15 * M, "III")
    board.record(task("continuation_received"), CHANGE + 10 * M, "I")
    assert log[-2:] == [Entry(LEAK + 15 * M, "leak", "leadership_received", level="III"),
                        Entry(CHANGE + 10 * M, "leak", "continuation_received", 1, level="I")]
    assert (task("leadership_received").level, task("continuation_received").level) == ("III", "I")
    assert task("office_received").level is None
    board.record(task("leadership_received"), LEAK + 16 * M)  # a corrected time keeps the judged level
    assert log[-1] == Entry(LEAK + 16 * M, "leak", "leadership_received", level="III")
    board.record(task("leadership_received"), LEAK + 15 * M)
    leak = board.incidents["leak"]
    record = to_record(exam, leak, board.records["leak"].reached, board.records["leak"].levels, horizon=CHANGE + H)
    assert record.level_history == ((LEAK + 15 * M, "III"), (CHANGE + 10 * M, "I"))
    levels = {v.rule: v.level for v in verdicts(exam, [record], CHANGE + H)}
    assert (levels["office_to_leadership"], levels["continuation"]) == ("III", "I")


def test_a_resumed_board_keeps_what_the_log_holds(exam: Scenario) -> None:
    entries = [Entry(LEAK, "leak", "occurred"), Entry(LEAK + 4 * M, "leak", "office_received")]
    log: list[Entry] = []
    board = _board(exam, log, entries)
    assert board.deliver(LEAK + 5 * M) == [] and log == []
    assert board.last_time() == LEAK + 4 * M
    assert next(t for t in board.tasks(LEAK + 5 * M) if t.milestone == "office_received").time == LEAK + 4 * M


def test_steps_that_cannot_happen_are_not_offered(exam: Scenario) -> None:
    board = _board(exam, [])
    board.deliver(FIRE)
    milestones = {t.milestone for t in board.tasks(FIRE) if t.incident == "fire"}
    assert "province_phone_received" in milestones  # level II accident: one of the six classes
    assert "continuation_received" not in milestones  # the fire has no change


# --- the screen, driven by key presses -----------------------------------------------------------


def _cells(app: FacilitatorConsole, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def test_console_driven_by_keys(exam: Scenario, tmp_path: Path) -> None:
    log_path = tmp_path / "drill.csv"
    real = FakeTime()

    async def drive() -> None:
        with DrillLogWriter(log_path) as writer:
            board = _board(exam, writer)
            app = FacilitatorConsole(board, DrillClock(LEAK - 5 * M, 60, now=real), step=60, log_name="drill.csv")
            async with app.run_test(size=(120, 40)) as pilot:
                status = app.query_one("#status", Static)
                assert "Drill time 0d 09:25:00" in str(status.render()) and "PAUSED" in str(status.render())
                assert _cells(app, "#tasks") == []
                for _ in range(6):
                    await pilot.press("n")
                assert app.clock.time == LEAK + M
                assert app.injects_seen[0].startswith("0d 09:30  Inject 1 -> Department head: Paper leak.")
                tasks = _cells(app, "#tasks")
                assert [row[2] for row in tasks][:3] == ["discovered", "first_report_received", "office_received"]
                await pilot.press("down", "enter")  # first_report_received, now
                assert _cells(app, "#tasks")[1][4] == "0d 09:31"
                await pilot.press("down", "r")  # office_received, with the other key
                assert read(log_path, exam, board.incidents.values())[-1] == Entry(LEAK + M, "leak", "office_received",
                                                                                   line=4)
                await pilot.press("u")  # withdrawn again
                countdowns = _cells(app, "#countdowns")
                assert countdowns[0] == ["leak", "office_to_leadership", "0d 09:50", "19m", "OK"]
                await pilot.press("space")  # the clock runs: 16 real seconds at x60 are 16 drill minutes
                real.now += 16
                await pilot.press("plus")  # x120 from here
                assert "RUNNING" in str(app.query_one("#status", Static).render())
                assert "x120" in str(app.query_one("#status", Static).render())
                assert _cells(app, "#countdowns")[0][3:] == ["3m", "AMBER"]
                real.now += 3
                await pilot.pause(0.4)  # the console refreshes by itself while the clock runs
                assert _cells(app, "#countdowns")[0][3:] == ["3m over", "RED"]
                assert "Inject 2" in str(app.query_one("#inject-log", Static).render())
                svg = app.export_screenshot()
                assert "RED" in svg and "office_to_leadership" in svg
                await pilot.press("q")
            assert not app.is_running

    asyncio.run(drive())
    rows = log_path.read_text(encoding="utf-8").splitlines()
    assert rows == [",".join(COLUMNS), "0d 09:30,leak,,occurred,,inject 1", "0d 09:31,leak,,first_report_received,,",
                    "0d 09:31,leak,,office_received,,", ",leak,,office_received,,withdrawn",
                    "0d 09:40,fire,,occurred,,inject 2"]


def test_console_records_a_milestone_with_the_level_picked_from_the_plan(exam: Scenario, tmp_path: Path) -> None:
    log_path = tmp_path / "drill.csv"
    real = FakeTime()

    async def drive() -> None:
        with DrillLogWriter(log_path) as writer:
            board = _board(exam, writer)
            app = FacilitatorConsole(board, DrillClock(LEAK, 60, now=real), step=60, log_name="drill.csv")
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.press("n")
                assert [row[2] for row in _cells(app, "#tasks")][:4] == [
                    "discovered", "first_report_received", "office_received", "leadership_received"]
                await pilot.press("down", "down", "l")  # office_received carries no level: nothing to pick
                assert not isinstance(app.screen, LevelPicker)
                assert len(read(log_path, exam, board.incidents.values())) == 1  # the inject only
                await pilot.press("down", "l")  # leadership_received: the MSEL's level II comes highlighted
                picker = app.screen.query_one(OptionList)
                assert isinstance(app.screen, LevelPicker) and picker.highlighted == 1
                await pilot.press("escape")  # nothing recorded
                assert len(read(log_path, exam, board.incidents.values())) == 1
                await pilot.press("space", "l")  # the clock runs
                real.now += 2  # two real seconds spent choosing are two drill minutes: the key press's time counts
                await pilot.press("down", "enter")  # III
                assert app.clock.time == LEAK + 3 * M
                assert read(log_path, exam, board.incidents.values())[-1] == Entry(
                    LEAK + M, "leak", "leadership_received", level="III", line=3)
                assert _cells(app, "#tasks")[3][4:6] == ["0d 09:31", "III"]
                await pilot.press("q")

    asyncio.run(drive())
    assert log_path.read_text(encoding="utf-8").splitlines()[-1] == "0d 09:31,leak,,leadership_received,III,"


# --- a real terminal -------------------------------------------------------------------------------


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True, timeout=20).stdout


class Terminal:
    """A tmux session of one window, `drill`, on its own socket: what the screen shows, keys to it."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def start(self, command: str, width: int, height: int) -> None:
        _tmux("-S", self.socket, "new-session", "-d", "-s", "drill", "-x", str(width), "-y", str(height), command)

    def screen(self) -> str:
        return _tmux("-S", self.socket, "capture-pane", "-p", "-t", "drill")

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")

    def keys(self, *names: str) -> None:
        _tmux("-S", self.socket, "send-keys", "-t", "drill", *names)

    def running(self) -> bool:
        return subprocess.run(["tmux", "-S", self.socket, "has-session", "-t", "drill"], capture_output=True,
                              check=False).returncode == 0

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True, check=False)


ABOUT = ["# incidents: scripted", f"# date: {datetime.date.today().isoformat()}"]
"""What the console writes of a new log's drill above its header (the tests play the scripted injects today)."""


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_console_in_a_real_terminal_under_tmux(tmp_path: Path) -> None:
    """Start the console in tmux, press keys, read the screen; then kill it: every record is on disk."""
    socket = str(tmp_path / "tmux.sock")
    log_path = tmp_path / "drill.csv"
    command = (f"cd {ROOT} && exec env -u COLUMNS -u LINES {sys.executable} -m drillsim.cli exercise run {EXAM} "
               f"--scripted --speed 60 --log {log_path}")

    terminal = Terminal(socket)
    screen, wait_for, keys = terminal.screen, terminal.wait_for, terminal.keys
    terminal.start(command, 120, 40)
    try:
        pid = int(_tmux("-S", socket, "display-message", "-p", "-t", "drill", "#{pane_pid}").strip())
        wait_for("Drill time 0d 09:25:00")
        assert "PAUSED" in screen()
        keys(*["n"] * 6)
        wait_for("Drill time 0d 09:31:00")
        assert "office_to_leadership" in wait_for("Inject 1 -> Department head")
        keys("Down", "Enter", "Down", "Down", "Enter")  # first_report_received, then leadership_received
        wait_for("met, 19m to spare")  # the office reached the leadership group 19m before 09:50
        assert log_path.read_text(encoding="utf-8").splitlines() == [
            *ABOUT, ",".join(COLUMNS), "0d 09:30,leak,,occurred,,inject 1", "0d 09:31,leak,,first_report_received,,",
            "0d 09:31,leak,,leadership_received,,"]
        keys(*["n"] * 40)
        shown = wait_for("Drill time 0d 10:11:00")
        deadlines = shown[shown.index("Open deadlines"):]
        assert re.search(r"leak +province_phone +0d 10:10 +1m over +RED", deadlines)  # the leak's phone report
        assert re.search(r"fire +office_to_leadership +0d 10:00 +11m over +RED", deadlines)  # the fire's judgement
        assert re.search(r"fire +province_phone +0d 10:20 +9m +AMBER", deadlines)
        os.kill(pid, signal.SIGKILL)  # a crash: no chance to clean up
        time.sleep(0.5)
    finally:
        terminal.close()
    assert log_path.read_text(encoding="utf-8").splitlines() == [
        *ABOUT, ",".join(COLUMNS), "0d 09:30,leak,,occurred,,inject 1", "0d 09:31,leak,,first_report_received,,",
        "0d 09:31,leak,,leadership_received,,", "0d 09:40,fire,,occurred,,inject 2"]
    assert about(log_path).scripted is True  # calibrate and the trend read which drill it was
