"""The drill room in a browser (`drillsim exercise serve`): its pages in headless Chromium, its log, its token.

The server runs as a user runs it, a subprocess on a free port; the pages
are driven over the DevTools protocol (tests/browser.py). One key script
drives both the terminal console (textual's pilot) and the controller's
page: the two logs must say the same. Screenshots of the three pages at
1920x1080 and 1280x720 are kept in artifacts/ for a person to look at.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drillsim import api
from drillsim.exercise import drill_incidents
from drillsim.exercise.board import DrillBoard, DrillClock
from drillsim.exercise.console import FacilitatorConsole
from drillsim.exercise.drilllog import KNOWN, About, DrillLogWriter, about, read
from drillsim.exercise.evaluate import evaluate as judge
from drillsim.exercise.evaluate import render_text
from drillsim.exercise.msel import inject_rows
from drillsim.scenario import Scenario, load
from tests.browser import ARTIFACTS, Browser, close_pages, launched, open_page, problems, screenshot
from tests.helpers import EXAM, ROOT

pytestmark = pytest.mark.xdist_group("browser")

H, M = 3600, 60
LEAK, FIRE = 9 * H + 30 * M, 9 * H + 40 * M
START = "09:25"

KEYS = ["n"] * 6 + [
    "down", "enter",          # first_report_received at 09:31
    "down", "r",              # office_received at 09:31, with the other key
    "u",                      # ... withdrawn again
    "down", "l", "down", "enter",  # leadership_received with level III (the picker opens on the MSEL's II)
    *["n"] * 10,              # 09:41: the fire falls due, its rows come after the leak's, the cursor stays put
    "down", "r",              # decided at 09:41
    "l",                      # decided carries no level: nothing happens
    "plus", "minus",          # the speed, not the log
    "up", "u",                # leadership_received withdrawn
    "down", "down", "enter",  # group_activated at 09:41
]
"""One key script for the console and the controller's page, as a facilitator would type it."""


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with launched() as b:
        yield b


@pytest.fixture
def browser(chromium: Browser) -> Iterator[Browser]:
    """The module's Chromium, its tabs closed after each test."""
    yield chromium
    close_pages(chromium)
    chromium.events.clear()


def _address(line: str) -> str:
    """The address a line the server printed names (`wall screen:  http://...`, `墙屏：      http://...`)."""
    found = re.search(r"http://\S+", line)
    assert found is not None, line
    return found.group(0)


class Served:
    """`drillsim exercise serve` in a subprocess: its three addresses as it printed them."""

    def __init__(self, log: Path, host: str = "127.0.0.1", *args: str) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "drillsim.cli", "exercise", "serve", str(EXAM), "--scripted", "--log", str(log),
             "--host", host, "--port", "0", "--speed", "60", "--no-forecast", *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        said = [self.process.stdout.readline() for _ in range(3)]
        assert [line.split(":", 1)[0] for line in said] == ["wall screen", "controller", "report form"], said
        self.urls = dict(zip(["wall screen", "controller", "report form"], map(_address, said), strict=True))
        self.base = self.urls["wall screen"].removesuffix("/")
        assert self.base.startswith(f"http://{host}:") and not self.base.endswith(":0")
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(self.process.stderr.read() if self.process.stderr else "") from None
                time.sleep(0.1)

    def post(self, path: str, body: dict[str, Any], content_type: str = "application/json",
             host: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": content_type, **({"Host": host} if host else {})}
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as exc:
            text = exc.read()
            return exc.code, json.loads(text) if exc.headers.get_content_type() == "application/json" else text

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.base + path, timeout=10) as reply:
                return int(reply.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def _close(self) -> None:
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path / "room.csv", "127.0.0.1", "--start", START)
    try:
        yield server
    finally:
        server.stop()


KEY_EVENTS = {"space": (" ", "Space", 32), "down": ("ArrowDown", "ArrowDown", 40), "up": ("ArrowUp", "ArrowUp", 38),
              "enter": ("Enter", "Enter", 13), "escape": ("Escape", "Escape", 27), "plus": ("+", "Equal", 187),
              "minus": ("-", "Minus", 189)}


def press(browser: Browser, session: str, *names: str) -> None:
    """Keys as a person types them on the page, then wait until the page has taken every one."""
    for name in names:
        key, code, number = KEY_EVENTS[name] if name in KEY_EVENTS else (name, f"Key{name.upper()}", ord(name.upper()))
        text = key if len(key) == 1 else ""
        for kind in ("keyDown", "keyUp"):
            browser.send("Input.dispatchKeyEvent", session, type=kind, key=key, code=code,
                         windowsVirtualKeyCode=number, **({"text": text} if kind == "keyDown" and text else {}))
    settled(browser, session)


def settled(browser: Browser, session: str) -> Any:
    found = browser.send("Runtime.evaluate", session, expression="drillIdle()", awaitPromise=True,
                         returnByValue=True)
    assert "exceptionDetails" not in found, found
    return found["result"].get("value")


def shown(browser: Browser, session: str, expression: str, expected: Any, timeout: float = 15) -> Any:
    """Wait until the page shows what `expression` computes to be `expected` (the stream has reached it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = browser.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        value = found.get("result", {}).get("value")
        if value == expected:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{expression} is {value!r}, never {expected!r}")
        time.sleep(0.1)


def value(browser: Browser, session: str, expression: str) -> Any:
    found = browser.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
    assert "exceptionDetails" not in found, found
    return found["result"].get("value")


def ready(browser: Browser, url: str, width: int = 1280, height: int = 900) -> str:
    session = open_page(browser, url, width, height)
    shown(browser, session, "document.getElementById('clock').textContent.length > 0", True)
    return session


TASK_CELLS = "[...document.querySelectorAll('#tasks tbody tr')].map(r => [...r.cells].map(c => c.textContent))"


def _console_log(exam: Scenario, path: Path, keys: list[str]) -> None:
    """The key script typed into the terminal console (textual's pilot), its log written as the console writes
    it for a scripted drill today."""
    incidents = drill_incidents(exam, scripted=True)

    async def drive() -> None:
        with DrillLogWriter(path, About(scripted=True, date=datetime.date.today())) as writer:
            board = DrillBoard(exam, incidents, inject_rows(exam, incidents), writer.append)
            app = FacilitatorConsole(board, DrillClock(LEAK - 5 * M, 60, now=lambda: 0.0), step=60)
            async with app.run_test(size=(120, 40)) as pilot:
                for key in keys:
                    await pilot.press(key)
                await pilot.press("q")

    asyncio.run(drive())


def _entries(exam: Scenario, path: Path) -> list[list[str]]:
    return [entry.cells() for entry in read(path, exam, drill_incidents(exam, scripted=True))]


# --- the same keys, the same log ---------------------------------------------------------------------


def test_the_controller_s_keys_write_the_log_the_console_writes(exam: Scenario, browser: Browser, tmp_path: Path,
                                                               served: Served) -> None:
    _console_log(exam, tmp_path / "console.csv", KEYS)
    control = ready(browser, served.urls["controller"])
    press(browser, control, *KEYS)
    room, console = _entries(exam, served.log), _entries(exam, tmp_path / "console.csv")
    assert room == console
    # worked out by hand: what the script records, and where the cursor ended
    assert room == [["0d 09:30", "leak", "", "occurred", "", "inject 1"],
                    ["0d 09:31", "leak", "", "first_report_received", "", ""],
                    ["0d 09:31", "leak", "", "office_received", "", ""],
                    ["", "leak", "", "office_received", "", "withdrawn"],
                    ["0d 09:31", "leak", "", "leadership_received", "III", ""],
                    ["0d 09:40", "fire", "", "occurred", "", "inject 2"],
                    ["0d 09:41", "leak", "", "decided", "", ""],
                    ["", "leak", "", "leadership_received", "", "withdrawn"],
                    ["0d 09:41", "leak", "", "group_activated", "", ""]]
    assert about(served.log) == about(tmp_path / "console.csv") == About(None, True, datetime.date.today())
    assert served.log.read_text(encoding="utf-8").splitlines()[2] == ",".join(KNOWN)
    cells = value(browser, control, TASK_CELLS)
    selected = value(browser, control, "document.querySelector('#tasks tr.selected').dataset.key")
    assert selected == "leak|group_activated" and [row[2] for row in cells][:6] == [
        "discovered", "first_report_received", "office_received", "leadership_received", "decided",
        "group_activated"]
    assert cells[1][4] == "0d 09:31" and cells[3][4:6] == ["", ""]
    assert value(browser, control, "document.getElementById('clock').textContent") == "0d 09:41:00"
    assert value(browser, control, "document.getElementById('speed').textContent") == "x60"
    # the one key refused, as the console refuses it: `l` on a step that carries no level
    assert value(browser, control, "document.getElementById('notice').textContent") == \
        "decided carries no level: only the judgement and continuation reports do."
    assert problems(browser) == ["log: Failed to load resource: the server responded with a status of 409 (Conflict)"]


def test_a_second_browser_sees_every_change(exam: Scenario, browser: Browser, served: Served) -> None:
    wall = ready(browser, served.urls["wall screen"], 1920, 1080)
    with launched() as other:
        control = ready(other, served.urls["controller"])
        press(other, control, *["n"] * 6, "down", "enter")
        shown(browser, wall, "document.getElementById('clock').textContent", "0d 09:31:00")
        shown(browser, wall, "[...document.querySelectorAll('#reported .what')].map(e => e.textContent)",
              ["leak: first report, immediately, to a grid worker or department head"])
        assert value(browser, wall, "document.querySelector('#injects .what').textContent") == "1 → Department head: " \
                                                                                               "Paper leak"
        rules = "[...document.querySelectorAll('#countdowns .countdown')].map(c => [c.className, " \
                "c.querySelector('.rule').textContent, c.querySelector('.left').textContent])"
        assert value(browser, wall, rules)[0] == ["countdown ok", "office to the leadership group", "19m"]
        press(other, control, *["n"] * 16)  # 09:47: 3 of its 20 minutes left, less than a quarter: amber
        shown(browser, wall, rules + "[0]", ["countdown amber", "office to the leadership group", "3m"])
        press(other, control, *["n"] * 4)
        shown(browser, wall, rules + "[0]", ["countdown red", "office to the leadership group", "1m over"])
        press(other, control, "space")
        shown(browser, wall, "document.getElementById('state').textContent", "RUNNING")
        press(other, control, "space")
        shown(browser, wall, "document.getElementById('state').textContent", "PAUSED")
        assert problems(other) == []
    assert problems(browser) == []


def test_a_report_filed_on_the_form_is_in_the_log_with_its_elements(exam: Scenario, browser: Browser,
                                                                    served: Served) -> None:
    control = ready(browser, served.urls["controller"])
    press(browser, control, *["n"] * 11)  # 09:36
    form = ready(browser, served.urls["report form"])
    options = value(browser, form, "[...document.querySelectorAll('#row option')].map(o => o.value)")
    assert options[:4] == ["leak|first_report_received", "leak|office_received", "leak|leadership_received",
                           "leak|group_reported"]
    value(browser, form, "(() => { const s = document.getElementById('row'); s.value = 'leak|office_received';"
                         " s.dispatchEvent(new Event('change')); })()")
    required = "[...document.querySelectorAll('.req')].filter(e => !e.hidden).map(e => " \
               "e.closest('label').querySelector('input').value)"
    assert value(browser, form, required) == ["time", "place", "scale", "casualties"]
    value(browser, form, "for (const name of ['time', 'place', 'scale']) document.querySelector(" \
                         "`input[value=${name}]`).click(); document.getElementById('file').click()")
    shown(browser, form, "document.getElementById('filed').textContent",
          "Filed at 0d 09:36: leak: verification (on site where needed), then report to the office")
    last = read(served.log, exam, drill_incidents(exam, scripted=True))[-1]
    assert (last.time, last.milestone, last.elements) == (LEAK + 6 * M, "office_received", ("time", "place", "scale"))
    assert served.log.read_text(encoding="utf-8").splitlines()[-1] == \
        "0d 09:36,leak,,office_received,,,time+place+scale"
    shown(browser, control, "document.querySelectorAll('#tasks tbody tr')[2].cells[4].textContent", "0d 09:36")
    # the evaluation judges the report by its elements: the casualties were missing
    entries = read(served.log, exam, drill_incidents(exam, scripted=True))
    found = judge(exam, drill_incidents(exam, scripted=True), entries, api.run(exam, replications=2, seed=1))
    assert [(c.milestone, c.missing) for c in found.reports] == [("office_received", ("casualties",))]
    assert "0d 09:36  leak  office_received: incomplete, without casualties (dead, seriously and slightly " \
           "injured)" in render_text(found)
    assert problems(browser) == []


# --- what the pages look like --------------------------------------------------------------------------


def test_screenshots_of_the_three_pages_at_projector_sizes(browser: Browser, served: Served) -> None:
    """Kept in artifacts/ (room-PAGE-WxH.png) for a person to look at; each fits its screen without scrolling."""
    control = ready(browser, served.urls["controller"])
    press(browser, control, *["n"] * 8, "down", "enter", "down", "r", *["n"] * 18, "down", "down", "l", "enter",
          *["n"] * 10)
    for width, height in ((1920, 1080), (1280, 720)):
        for name, url in (("wall", served.urls["wall screen"]), ("control", served.urls["controller"]),
                          ("report", served.urls["report form"])):
            session = ready(browser, url, width, height)
            shown(browser, session, "document.getElementById('clock').textContent", "0d 10:01:00")
            if name != "report":  # the screens: the whole page on the screen, the chain scrolling in its own box
                fits = "document.documentElement.scrollHeight <= innerHeight && " \
                       "document.documentElement.scrollWidth <= innerWidth"
                assert value(browser, session, fits), (name, width, height)
            if name == "wall":
                assert value(browser, session, "document.querySelectorAll('.countdown.red').length") == 2
            path = ARTIFACTS / f"room-{name}-{width}x{height}.png"
            screenshot(browser, session, path, whole=False)
            assert path.stat().st_size > 20_000
            close_pages(browser)
    assert problems(browser) == []


# --- durability and the token --------------------------------------------------------------------------


def test_a_killed_server_loses_no_record_and_resumes(exam: Scenario, browser: Browser, tmp_path: Path) -> None:
    log = tmp_path / "room.csv"
    first = Served(log, "127.0.0.1", "--start", START)
    try:
        control = ready(browser, first.urls["controller"])
        press(browser, control, *["n"] * 6, "down", "enter", "down", "r")
        shown(browser, control, "document.querySelectorAll('#tasks tbody tr')[2].cells[4].textContent", "0d 09:31")
        before = log.read_text(encoding="utf-8")
    finally:
        first.kill()
    shown(browser, control, "document.getElementById('link').textContent", "connection lost: reconnecting")
    close_pages(browser)
    browser.events.clear()
    assert first.process.returncode == -signal.SIGKILL
    assert log.read_text(encoding="utf-8") == before
    assert [e.milestone for e in read(log, exam, drill_incidents(exam, scripted=True))] == [
        "occurred", "first_report_received", "office_received"]
    second = Served(log, "127.0.0.1")
    try:
        control = ready(browser, second.urls["controller"])
        assert value(browser, control, "document.getElementById('clock').textContent") == "0d 09:31:00"
        cells = value(browser, control, TASK_CELLS)
        assert [row[4] for row in cells[:3]] == ["", "0d 09:31", "0d 09:31"]
        press(browser, control, *["n"] * 9)  # past the fire's inject: delivered once, the leak's not again
        shown(browser, control, "document.getElementById('clock').textContent", "0d 09:40:00")
    finally:
        second.stop()
    rows = log.read_text(encoding="utf-8").splitlines()
    assert rows[:len(before.splitlines())] == before.splitlines()
    assert rows[len(before.splitlines()):] == ["0d 09:40,fire,,occurred,,inject 2,"]
    assert problems(browser) == []


def test_without_the_token_nothing_changes(exam: Scenario, browser: Browser, tmp_path: Path) -> None:
    log = tmp_path / "room.csv"
    server = Served(log, "127.0.0.2", "--start", START)  # not this machine's own address only: a token
    try:
        token = server.urls["controller"].split("?token=", 1)[1]
        assert len(token) >= 16 and server.urls["report form"].endswith(f"/report?token={token}")
        assert server.urls["wall screen"] == server.base + "/"
        before = log.read_text(encoding="utf-8")
        assert server.get("/control") == server.get("/report") == server.get("/control?token=x") == 403
        assert server.get("/") == 200 and server.get(f"/control?token={token}") == 200
        assert server.post("/api/key", {"key": "n"})[0] == 403
        assert server.post("/api/key", {"key": "n", "token": "wrong"})[0] == 403
        assert server.post("/api/report", {"row": "leak|first_report_received", "elements": []})[0] == 403
        assert server.post("/api/key", {"key": "n", "token": token}, "text/plain")[0] == 415  # no other site's form
        wall = ready(browser, server.urls["wall screen"])
        press(browser, wall, *["n"] * 6)  # the wall screen takes no key
        refused = open_page(browser, server.base + "/control")
        assert "needs the room's token" in value(browser, refused, "document.body.textContent")
        assert log.read_text(encoding="utf-8") == before
        assert value(browser, wall, "document.getElementById('clock').textContent") == "0d 09:25:00"
        status, answer = server.post("/api/key", {"key": "n", "token": token})
        assert status == 200 and answer["state"]["clock"] == "0d 09:26:00"
    finally:
        server.stop()


def test_bad_requests_are_refused_and_say_why(served: Served) -> None:
    assert served.post("/api/key", {"key": "n"}, host="attacker.example")[0] == 400  # DNS rebinding
    assert served.post("/api/key", {"key": "q"})[0] == 409
    status, answer = served.post("/api/key", {"key": "r", "row": "leak|nowhere"})
    assert status == 409 and answer["error"] == "no step leak|nowhere in the chain"
    status, answer = served.post("/api/report", {"row": "leak|office_received", "elements": "time"})
    assert status == 409 and "list" in answer["error"]
    status, answer = served.post("/api/key", {"key": "n"})
    assert status == 200 and answer["state"]["clock"] == "0d 09:26:00"  # the first step taken
    served.post("/api/key", {"key": "n", "row": None})
    for _ in range(4):
        served.post("/api/key", {"key": "n"})
    status, answer = served.post("/api/report", {"row": "leak|decided", "elements": ["time"]})
    assert status == 409 and answer["error"] == "decided is reached by no report"
    status, answer = served.post("/api/report", {"row": "leak|first_report_received", "elements": ["time", "tiem"]})
    assert status == 409 and answer["error"] == "unknown core element 'tiem'"
    assert os.path.getsize(served.log) > 0


def test_the_live_forecast_beside_each_countdown(browser: Browser, tmp_path: Path) -> None:
    """A deadline already missed is 0 % likely; the controller names the step most likely to break the others."""
    server = Served(tmp_path / "room.csv", "127.0.0.1", "--start", START, "--forecast")
    try:
        control = ready(browser, server.urls["controller"])
        wall = ready(browser, server.urls["wall screen"], 1920, 1080)
        press(browser, control, *["n"] * 26)  # 09:51: the leak's office_to_leadership is a minute over
        likely = "[...document.querySelectorAll('#countdowns .countdown')].map(c => " \
                 "[c.querySelector('.rule').textContent, c.querySelector('.likely').textContent])"
        forecasts = "[...document.querySelectorAll('#countdowns tbody tr')].map(r => r.cells[5].textContent)"
        # a forecast made before the last step (the deadline not yet past) may come first: the one from 09:51 last
        shown(browser, control, f"{forecasts}[0]",
              "0 % likely (0–0 %), most likely broken by someone discovers the incident", timeout=60)
        shown(browser, wall, f"{likely}[0]", ["office to the leadership group", "0 % likely"])
        rows = value(browser, control, forecasts)
        assert all("% likely" in row for row in rows) and any("most likely broken by" in row for row in rows[1:])
        assert problems(browser) == []
    finally:
        server.stop()


def test_the_wall_screen_in_chinese_shows_scenario_text_as_text(browser: Browser, tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(f"extends: {EXAM.as_posix()}\nname: {json.dumps(hostile)}\nname_zh: {json.dumps(hostile)}\n",
                        encoding="utf-8")
    log = tmp_path / "room.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "drillsim.cli", "--lang", "zh", "exercise", "serve", str(scenario), "--scripted",
         "--log", str(log), "--port", "0", "--start", "09:49", "--no-forecast"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        said = process.stdout.readline()
        assert said.startswith("墙屏："), said
        url = _address(said)  # the wall screen's, bound before it is said
        wall = ready(browser, url, 1280, 720)
        shown(browser, wall, "document.querySelector('#countdowns .rule') !== null", True)
        assert value(browser, wall, "document.getElementById('scenario').textContent") == hostile
        assert value(browser, wall, "document.scripts.length + document.images.length") == 1  # room.js alone
        assert value(browser, wall, "document.documentElement.lang") == "zh-CN"
        assert value(browser, wall, "document.querySelector('#countdowns .rule').textContent") == \
            "办公室20分钟内报告领导小组"
        assert value(browser, wall, "document.querySelector('#countdowns .state').textContent") == "临近"
        assert value(browser, wall, "[...document.querySelectorAll('h2')].map(h => h.textContent)") == [
            "未完成的时限", "注入事件（最新在前）", "已报告"]
        assert value(browser, wall, "document.querySelector('#reported .none').textContent") == "尚无报告。"
        screenshot(browser, wall, ARTIFACTS / "room-wall-zh-1280x720.png", whole=False)
        assert problems(browser) == []
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_a_port_in_use_is_said_at_once(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "drillsim.cli", "exercise", "serve", str(EXAM), "--scripted",
                               "--log", str(tmp_path / "room.csv"), "--port", str(port)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"cannot serve on 127.0.0.1 port {port}: Address already in use\n")
    assert not (tmp_path / "room.csv").exists()


# --- the log's elements column, by hand -----------------------------------------------------------------


ROOM_LOG = """time,incident,change,milestone,level,note,elements
09:30,leak,,occurred,,inject 1,
09:33,leak,,first_report_received,,,place+time
09:41,leak,,office_received,,,time+place+scale
"""


def test_the_elements_column_reads_in_the_plan_s_order_and_an_old_log_reads_as_before(exam: Scenario,
                                                                                      tmp_path: Path) -> None:
    from drillsim.exercise.drilllog import DrillLogError, Entry, parse
    incidents = drill_incidents(exam, scripted=True)
    entries = parse(ROOM_LOG, "room.csv", exam, incidents)
    assert [e.elements for e in entries] == [None, ("time", "place"), ("time", "place", "scale")]
    old = parse("\n".join(",".join(line.split(",")[:6]) for line in ROOM_LOG.splitlines()), "old.csv", exam,
                incidents)
    assert old == [Entry(e.time, e.incident, e.milestone, e.change, e.level, e.note, e.line) for e in entries]
    with pytest.raises(DrillLogError) as bad:
        parse(ROOM_LOG.replace("place+time", "place+tiem").replace("inject 1,", "inject 1,time"), "room.csv", exam,
              incidents)
    assert str(bad.value).splitlines() == [
        "room.csv:2: elements: 'occurred' is reached by no report, so it carries no core elements; leave "
        "'elements' empty",
        "room.csv:3: elements: unknown core element 'tiem'; did you mean 'time'? (expected one of: assessment, "
        "casualties, cause, measures, other, place, progress, scale, time)"]


def test_a_log_keeps_its_own_header_when_continued(exam: Scenario, tmp_path: Path) -> None:
    from drillsim.exercise.drilllog import COLUMNS, DrillLogError, Entry
    room, console = tmp_path / "room.csv", tmp_path / "console.csv"
    room.write_text(ROOM_LOG, encoding="utf-8")
    console.write_text(",".join(COLUMNS) + "\n09:30,leak,,occurred,,inject 1\n", encoding="utf-8")
    with DrillLogWriter(room) as writer:  # the console continues a room's log: an empty elements cell
        assert writer.columns == KNOWN
        writer.append(Entry(LEAK + 12 * M, "leak", "leadership_received", level="II"))
    assert room.read_text(encoding="utf-8").splitlines()[-1] == "0d 09:42,leak,,leadership_received,II,,"
    with DrillLogWriter(console) as writer:  # the console continues a console's log as it is
        assert writer.columns == COLUMNS
        writer.append(Entry(LEAK + 3 * M, "leak", "first_report_received"))
        with pytest.raises(DrillLogError, match="no elements column"):
            writer.append(Entry(LEAK + 4 * M, "leak", "office_received", elements=("time",)))
    with DrillLogWriter(console, columns=KNOWN) as writer:  # the room adds the column, every row kept
        assert writer.columns == KNOWN
        writer.append(Entry(LEAK + 11 * M, "leak", "office_received", elements=("time", "place")))
    assert console.read_text(encoding="utf-8").splitlines() == [
        ",".join(KNOWN), "09:30,leak,,occurred,,inject 1", "0d 09:33,leak,,first_report_received,,",
        "0d 09:41,leak,,office_received,,,time+place"]
    from drillsim.exercise.drilllog import read
    assert [e.elements for e in read(console, exam, drill_incidents(exam, scripted=True))] == [
        None, None, ("time", "place")]


def test_the_elements_a_report_must_carry(exam: Scenario) -> None:
    """A step's own list, all nine, or (`known`) those whose step the drill has reached by the report's time."""
    from drillsim.exercise.evaluate import required_elements
    reached = {"occurred": LEAK, "discovered": LEAK + 2 * M, "first_report_received": LEAK + 3 * M,
               "office_received": LEAK + 11 * M}
    assert required_elements(exam, "office_received", reached, LEAK + 11 * M) == (
        "time", "place", "scale", "casualties")
    assert required_elements(exam, "final_report_received", reached, LEAK + 11 * M) == tuple(exam.core_elements)
    assert required_elements(exam, "decided", reached, LEAK + 11 * M) == ()
    # the judgement carries what is known: time and place (discover), casualties (first report), scale (verify)
    assert required_elements(exam, "leadership_received", reached, LEAK + 11 * M) == (
        "time", "place", "scale", "casualties")
    assert required_elements(exam, "leadership_received", reached, LEAK + 5 * M) == ("time", "place", "casualties")


def test_the_reports_completeness_as_the_after_action_report_says_it(exam: Scenario) -> None:
    from drillsim.exercise.drilllog import parse
    from drillsim.exercise.evaluate import Completeness, completeness
    incidents = drill_incidents(exam, scripted=True)
    results = api.run(exam, replications=2, seed=1)
    ev = judge(exam, incidents, parse(ROOM_LOG, "room.csv", exam, incidents), results)
    assert completeness(ev) == Completeness(
        False, "Core elements of the reports: 1 of 2 reports incomplete", "Art. 8.4",
        ("0d 09:33 leak first_report_received: complete, 2 of 2 core elements",
         "0d 09:41 leak office_received: incomplete, without casualties (dead, seriously and slightly injured)"),
        "Missing most often: casualties (dead, seriously and slightly injured) (1 report).",
        "Check each report against the core elements its step must carry before it is sent, and practise the ones "
        "the drill's reports lacked.", "Department head")
    whole = ROOM_LOG.replace("time+place+scale", "time+place+scale+casualties")
    found = completeness(judge(exam, incidents, parse(whole, "room.csv", exam, incidents), results))
    assert found is not None and found.complete and found.heading == \
        "Core elements of the reports: complete in all 2 reports"
    old = "\n".join(",".join(line.split(",")[:6]) for line in ROOM_LOG.splitlines())
    assert completeness(judge(exam, incidents, parse(old, "old.csv", exam, incidents), results)) is None


def test_the_after_action_report_judges_the_reports_by_their_elements(exam: Scenario) -> None:
    from drillsim.exercise.aar import Action, draft, render_markdown
    from drillsim.exercise.drilllog import parse
    incidents = drill_incidents(exam, scripted=True)
    results = api.run(exam, replications=2, seed=1)
    report = draft(judge(exam, incidents, parse(ROOM_LOG, "room.csv", exam, incidents), results))
    area = next(o for o in report.improvements if o.rule == "core_elements")
    assert (area.heading, area.article) == ("Core elements of the reports: 1 of 2 reports incomplete", "Art. 8.4")
    assert report.actions[-1] == Action(
        area.heading, "Check each report against the core elements its step must carry before it is sent, and "
        "practise the ones the drill's reports lacked.", "Training", "Department head", "Art. 8.4")
    assert "- 0d 09:41 leak office_received: incomplete, without casualties" in render_markdown(report)
    whole = ROOM_LOG.replace("time+place+scale", "time+place+scale+casualties")
    report = draft(judge(exam, incidents, parse(whole, "room.csv", exam, incidents), results))
    assert [o.heading for o in report.strengths if o.rule == "core_elements"] == [
        "Core elements of the reports: complete in all 2 reports"]
    assert all(o.rule != "core_elements" for o in report.improvements)
