"""Headless Chromium (Debian's package), driven over the DevTools protocol, for the tests of pages.

The protocol runs over a pipe (`--remote-debugging-pipe`: commands on the
browser's fd 3, replies on its fd 4, each a JSON message ended by a NUL), so
no port, no websocket and no extra package is needed. A test fails, not
skips, when Chromium is missing on CI (CI=true).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT

ARTIFACTS = ROOT / "artifacts"


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is missing on CI: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


class Browser:
    """Just enough of the Chrome DevTools protocol: commands, their replies, and the events seen meanwhile."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=wire)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)  # type: ignore[no-any-return]

    def send(self, method: str, session: str | None = None, timeout: float = 60, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def launched() -> contextlib.AbstractContextManager[Browser]:
    """A headless Chromium of its own profile, closed at the end of the block."""
    @contextlib.contextmanager
    def running() -> Iterator[Browser]:
        executable = chromium()
        with tempfile.TemporaryDirectory(prefix="drillsim-chromium-") as profile:
            b = Browser(executable, Path(profile))
            try:
                yield b
            finally:
                b.close()
    return running()


def open_page(browser: Browser, page: Path | str, width: int = 1200, height: int = 900) -> str:
    """Open a file (or an address) in a new tab; the tab's session id once the page has loaded."""
    target = browser.send("Target.createTarget", url="about:blank")["targetId"]
    session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session)
    browser.send("Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1,
                 mobile=False)
    browser.events.clear()
    browser.send("Page.navigate", session, url=page if isinstance(page, str) else page.as_uri())
    browser.wait_for("Page.loadEventFired")
    return session


def close_pages(browser: Browser) -> None:
    """Close every tab (a browser keeps only a few connections to one server open: a page's event stream holds
    one)."""
    for target in browser.send("Target.getTargets")["targetInfos"]:
        if target["type"] == "page":
            browser.send("Target.closeTarget", targetId=target["targetId"])


def evaluate(browser: Browser, session: str, expression: str) -> Any:
    result = browser.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
    assert "exceptionDetails" not in result, result
    return result["result"]["value"]


def problems(browser: Browser) -> list[str]:
    """Console errors, uncaught exceptions, error log entries and dialogs the page caused."""
    out = []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append(f"console: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            out.append(f"exception: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            out.append(f"log: {params['entry'].get('text')}")
        elif method == "Page.javascriptDialogOpening":
            out.append(f"dialog: {params.get('message')}")
    return out


def screenshot(browser: Browser, session: str, path: Path, *, whole: bool = True) -> None:
    """The page as a PNG: all of it (`whole`), or the window's size alone, as a screen shows it."""
    if whole:
        size = browser.send("Page.getLayoutMetrics", session)["cssContentSize"]
        browser.send("Emulation.setDeviceMetricsOverride", session, width=int(size["width"]),
                     height=int(size["height"]), deviceScaleFactor=1, mobile=False)
    shot = browser.send("Page.captureScreenshot", session, format="png", captureBeyondViewport=whole)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
