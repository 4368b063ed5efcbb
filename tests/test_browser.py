"""The run report in a real browser: headless Chromium (Debian's package), driven over the DevTools protocol.

The browser's helpers are tests/browser.py's. The test fails, not skips,
when Chromium is missing on CI (CI=true); the screenshot is kept in
artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from drillsim import api
from drillsim.experiment.rundir import write_figures, write_run
from drillsim.scenario import Scenario
from tests.browser import ARTIFACTS, Browser, evaluate, launched, open_page, problems, screenshot
from tests.helpers import ROOT, case

pytestmark = pytest.mark.xdist_group("browser")

HOSTILE = "<script>alert(1)</script> & $x^2$"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as b:
        yield b


def make_run(directory: Path, scenario: Scenario, replications: int) -> Path:
    """A run written as `drillsim run --out DIR --report` writes it; the report's path."""
    results = api.run(scenario, replications=replications, seed=5)
    write_run(results, directory, 1.0)
    write_figures(results, directory, report=True)
    return directory / "report.html"


def test_report_loads_without_errors_and_every_plot_is_visible(browser: Browser, tmp_path: Path) -> None:
    page = make_run(tmp_path / "run", api.load(ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml"), 3)
    session = open_page(browser, page)
    images = evaluate(browser, session, """[...document.images].map(i => ({
        alt: i.alt, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight,
        shown: i.getBoundingClientRect().width}))""")
    assert len(images) == 5
    for image in images:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0 and image["shown"] > 300, image
    assert evaluate(browser, session, "document.getElementById('title').textContent") == \
        "Three level-II incidents within ten minutes"
    assert "Bottleneck." in evaluate(browser, session, "document.getElementById('headline').textContent")
    assert problems(browser) == []
    screenshot(browser, session, ARTIFACTS / "report-three-level-ii.png")
    assert (ARTIFACTS / "report-three-level-ii.png").stat().st_size > 50_000


def test_scenario_text_shows_as_text_and_never_runs(browser: Browser, tmp_path: Path) -> None:
    hostile = case(f"""
        description: {json.dumps(HOSTILE + " <b>bold</b>")}
        injects:
          - {{at: "02:00", category: public_security_criminal, example: robbery, level: II, grid: grid_1}}
          - {{at: "02:01", category: accidents_disasters, example: gas_leak, level: II, grid: grid_2,
             description: {json.dumps("<img src=x onerror=alert(2)>")}}}
        """, name=json.dumps(HOSTILE))
    page = make_run(tmp_path / "hostile", hostile, 1)
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    session = open_page(browser, page)
    assert evaluate(browser, session, "document.getElementById('title').textContent") == HOSTILE
    assert evaluate(browser, session, "document.scripts.length + document.querySelectorAll('b').length") == 0
    assert evaluate(browser, session, "[...document.images].every(i => i.naturalWidth > 0 && i.src.startsWith("
                                      "'data:image/svg+xml;base64,'))")
    assert "<img src=x onerror=alert(2)>" in evaluate(browser, session, "document.body.textContent")
    assert problems(browser) == []
