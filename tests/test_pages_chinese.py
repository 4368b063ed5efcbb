"""The pages in Chinese: `lang="zh-CN"`, the catalog's words, and in headless Chromium no empty boxes (tofu).

A page is free of tofu when every Han character on it was drawn from a CJK
font: Chromium tells, for each element, which platform fonts drew how many
glyphs of its text (DevTools `CSS.getPlatformFontsForNode`), so an element
with Han characters drawn from a Latin font, or from none, fails. The
screenshots are kept in artifacts/ for a person to look at. The CAP messages of
a run in Chinese say `zh-CN`, carry the Chinese texts and still validate
against the OASIS schema; asked for both languages, each has two `<info>`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from drillsim import __version__, api, i18n
from drillsim.exercise import drill_incidents
from drillsim.exercise.aar import draft, render_html
from drillsim.exercise.cap import DEFAULT_EPOCH, NS, messages, parse_epoch
from drillsim.exercise.drilllog import read
from drillsim.exercise.evaluate import evaluate as evaluate_drill
from drillsim.exercise.msel import cards_html, inject_rows
from drillsim.experiment.rundir import RunRows, write_figures, write_run
from drillsim.scenario import load
from tests.helpers import DATA, EXAM, LOG, ROOT
from tests.test_browser import ARTIFACTS, Browser, browser, evaluate, open_page, problems, screenshot

pytestmark = pytest.mark.xdist_group("browser")

__all__ = ["browser"]  # the fixture, shared with the browser tests

CJK_FONT = re.compile(r"CJK|Source Han|PingFang|Hiragino|YaHei|WenQuanYi|Heiti|SimSun|SimHei|Droid Sans Fallback",
                      re.IGNORECASE)
Q = f"{{{NS}}}"

MARK = r"""(() => {
    const han = /[\u3400-\u4dbf\u4e00-\u9fff]/g;
    let n = 0;
    for (const element of document.body.querySelectorAll("*")) {
        if (!element.checkVisibility()) continue;  // not drawn (in a closed <details>)
        const own = [...element.childNodes].filter(c => c.nodeType === Node.TEXT_NODE).map(c => c.data).join("");
        const count = (own.match(han) || []).length;
        if (count) { element.setAttribute("data-han", String(count)); n += 1; }
    }
    return n;
})()"""
"""Marks every drawn element with Han characters in its own text with how many; returns how many elements."""


def zh(message: str) -> str:
    """The catalog's Chinese for a message: what the page must show, not a copy of it in the test."""
    text = i18n.catalog("zh")[message]
    assert isinstance(text, str)
    return text


def tofu(browser: Browser, session: str) -> tuple[int, list[dict[str, Any]]]:
    """(how many elements have Han text, those whose Han characters were not all drawn from a CJK font)."""
    marked = evaluate(browser, session, MARK)
    for domain in ("DOM", "CSS"):
        browser.send(f"{domain}.enable", session)
    root = browser.send("DOM.getDocument", session, depth=0)["root"]["nodeId"]
    nodes = browser.send("DOM.querySelectorAll", session, nodeId=root, selector="[data-han]")["nodeIds"]
    bad = []
    for node in nodes:
        attributes = browser.send("DOM.getAttributes", session, nodeId=node)["attributes"]
        han = int(dict(zip(attributes[::2], attributes[1::2], strict=True))["data-han"])
        fonts = browser.send("CSS.getPlatformFontsForNode", session, nodeId=node)["fonts"]
        drawn = sum(f["glyphCount"] for f in fonts if CJK_FONT.search(f["familyName"]))
        if drawn < han:
            html = browser.send("DOM.getOuterHTML", session, nodeId=node)["outerHTML"]
            bad.append({"html": html[:160], "han": han, "fonts": fonts})
    return marked, bad


def check_page(browser: Browser, page: Path, shot: str) -> str:
    """Open a Chinese page, screenshot it into artifacts/, and fail on tofu; the session."""
    session = open_page(browser, page)
    path = ARTIFACTS / shot
    screenshot(browser, session, path)
    assert path.stat().st_size > 20_000, path
    assert problems(browser) == []
    marked, bad = tofu(browser, session)
    assert marked > 10, f"hardly any Chinese on the page; screenshot: {path}"
    assert bad == [], f"Han characters not drawn from a CJK font; screenshot: {path}"
    return session


@pytest.fixture(scope="module")
def chinese_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run written as `drillsim --lang zh run --out DIR --report` writes it."""
    directory = tmp_path_factory.mktemp("zh-run")
    with i18n.speaking("zh"):
        results = api.run(api.load(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"), replications=3, seed=5)
        write_run(results, directory, 1.0)
        write_figures(results, directory, report=True)
    return directory


def test_the_run_report_in_chinese_says_so_and_shows_no_tofu(browser: Browser, chinese_run: Path) -> None:
    html = (chinese_run / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    for heading in ("What was simulated", "Verdicts: how often each deadline was met", "What held the chain up",
                    "Provenance"):
        assert f"<h2>{zh(heading)}</h2>" in html and heading not in html
    assert '"Noto Sans CJK SC"' in html and '"Microsoft YaHei"' in html
    session = check_page(browser, chinese_run / "report.html", "report-zh.png")
    assert evaluate(browser, session, "document.querySelector('#simulated h2').textContent") == \
        zh("What was simulated")


def test_the_report_in_english_stays_english(tmp_path: Path) -> None:
    from drillsim.experiment.rundir import report_page
    results = api.run(api.load(ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml"), replications=1, seed=5)
    write_run(results, tmp_path, 1.0)
    html = report_page(tmp_path)
    assert '<html lang="en">' in html and "<h2>What was simulated</h2>" in html
    shown = re.sub(r"<pre>.*?</pre>", "", html, flags=re.S)  # the effective scenario holds the plan's Chinese names
    assert not re.search(r"[\u4e00-\u9fff]", shown)


def test_the_inject_cards_and_the_after_action_report_in_chinese_show_no_tofu(browser: Browser,
                                                                             tmp_path: Path) -> None:
    exam = load(EXAM)
    incidents = drill_incidents(exam, scripted=True)
    with i18n.speaking("zh"):
        cards = cards_html(exam, inject_rows(exam, incidents), "scripted")
        results = api.run(exam, replications=4, seed=615)
        aar = render_html(draft(evaluate_drill(exam, incidents, read(LOG, exam, incidents), results,
                                               "exam-day-drill-log.csv")))
    assert '<html lang="zh-CN">' in cards and zh("EXERCISE EXERCISE EXERCISE") in cards
    assert f"{zh('Inject {number}').format(number=1)}</span>" in cards
    assert '<html lang="zh-CN">' in aar and f"1. {zh('Exercise overview')}</h2>" in aar
    assert zh("Performed without challenges: every report on time") in aar
    (tmp_path / "cards.html").write_text(cards, encoding="utf-8")
    (tmp_path / "aar.html").write_text(aar, encoding="utf-8")
    check_page(browser, tmp_path / "cards.html", "inject-cards-zh.png")
    check_page(browser, tmp_path / "aar.html", "aar-zh.png")


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(DATA / "CAP-v1.2.xsd"))


def test_cap_in_chinese_says_zh_cn_and_validates(chinese_run: Path, schema: xmlschema.XMLSchema) -> None:
    with i18n.speaking("zh"):
        found = messages(RunRows(chinese_run), parse_epoch(DEFAULT_EPOCH), version=__version__)
    assert found
    for message in found:
        schema.validate(message.xml.decode("utf-8"))
        alert = ET.fromstring(message.xml)
        (info,) = alert.findall(Q + "info")
        assert info.findtext(Q + "language") == "zh-CN"
        event = info.findtext(Q + "event") or ""
        assert (info.findtext(Q + "headline") or "").endswith(f"：{event}")
        lead = zh("Incident {number} of simulated run {rep}: {incident} ({category}, {grid}), level {level} in "
                  "force.").split("{")[0]
        assert (info.findtext(Q + "description") or "").startswith(lead) and lead.strip()
        assert "演练" in (alert.findtext(Q + "note") or "")


def test_cap_in_both_languages_has_an_info_block_in_each(chinese_run: Path, schema: xmlschema.XMLSchema,
                                                         tmp_path: Path) -> None:
    from click.testing import CliRunner

    from drillsim.cli import main
    out = tmp_path / "cap"
    with i18n.speaking("en"):  # `--lang` sets the language for the rest of the process: only inside this block
        result = CliRunner().invoke(main, ["--lang", "zh", "export", "cap", str(chinese_run), "--out", str(out),
                                           "--lang-both"])
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.xml"))
    assert files
    for path in files:
        schema.validate(str(path))
        infos = ET.parse(path).getroot().findall(Q + "info")
        assert [i.findtext(Q + "language") for i in infos] == ["zh-CN", "en-US"]
        chinese, english = (i.findtext(Q + "description") or "" for i in infos)
        assert chinese.startswith("模拟运行") and english.startswith("Incident ")
    with i18n.speaking("en"):
        (one,) = ET.fromstring(messages(RunRows(chinese_run), parse_epoch(DEFAULT_EPOCH),
                                        version=__version__)[0].xml).findall(Q + "info")
    assert one.findtext(Q + "language") == "en-US"
