"""A drill's evaluation and after-action report in Chinese: line for line the English one's times and numbers, in the
plan's own terms, with no English sentence left but the scenario's own text and ids."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from drillsim import api, i18n
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.aar import draft, render_html, render_markdown
from drillsim.exercise.drilllog import read
from drillsim.exercise.evaluate import evaluate, render_text
from drillsim.scenario import Scenario, load
from tests.helpers import EXAM, LOG, ROOT

MORE_STAFF = ROOT / "scenarios" / "more-staff.yaml"
LOG_NAME = "exam-day-drill-log.csv"
WORD = re.compile(r"[A-Za-z]{3,}")
NUMBER = re.compile(r"\d+")
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


@pytest.fixture(scope="module")
def written(exam: Scenario) -> dict[str, dict[str, str]]:
    """The evaluation's text and the AAR (with a staffing comparison) in Markdown and HTML, in each language."""
    incidents = drill_incidents(exam, scripted=True)
    results = api.run(exam, replications=8, seed=615)
    other = api.run(load(MORE_STAFF), replications=8, seed=615)
    out = {}
    for lang in ("en", "zh"):
        with i18n.speaking(lang):
            ev = evaluate(exam, incidents, read(LOG, exam, incidents), results, LOG_NAME)
            aar = draft(ev, results, other)
            out[lang] = {"text": render_text(ev), "md": render_markdown(aar), "html": render_html(aar)}
    return out


def _names(scenario: Scenario) -> dict[str, list[str]]:
    """The plan's names in each language, longest first: their digits (`办公室20分钟内报告领导小组`) are no figure."""
    entries = [*scenario.deadlines.values(), *scenario.flow, *scenario.actors.values(),
               *scenario.working_groups.values(), *scenario.categories.values(), *scenario.levels.values()]
    english = {e.title for e in entries} | {t for c in scenario.categories.values() for t in c.examples.values()}
    chinese = {e.zh for e in entries} | {t for c in scenario.categories.values() for t in c.examples_zh.values()}
    return {"en": sorted(english - {""}, key=len, reverse=True), "zh": sorted(chinese - {""}, key=len, reverse=True)}


def _numbers(line: str, names: list[str]) -> Counter[str]:
    for name in names:
        line = line.replace(name, "").replace(name[:1].upper() + name[1:], "")
    return Counter(NUMBER.findall(line))


def _lines(text: str, kind: str) -> list[str]:
    """A text's lines; a page's text between its tags, each on one line."""
    if kind == "html":
        return [" ".join(html.unescape(part).split()) for part in TAG.split(text.split("</style>", 1)[1])
                if part.strip()]
    return [line.strip() for line in text.splitlines() if line.strip()]


def _allowed(scenario: Scenario) -> set[str]:
    """English words a Chinese page may hold: the scenario's ids and own description, the log's name, `Art.`"""
    ids = [*scenario.deadlines, *(s.id for s in scenario.flow), *scenario.actors, *scenario.grids, "leak", "fire",
           scenario.description or "", LOG_NAME, "drillsim", "Art"]
    return {word for text in ids for word in WORD.findall(text)}


@pytest.mark.parametrize("kind", ["text", "md", "html"])
def test_each_line_has_the_english_line_s_times_and_numbers(written: dict[str, dict[str, str]], exam: Scenario,
                                                           kind: str) -> None:
    names = _names(exam)
    zh, en = _lines(written["zh"][kind], kind), _lines(written["en"][kind], kind)
    assert len(zh) == len(en) > 20
    for zh_line, en_line in zip(zh, en, strict=True):
        assert _numbers(zh_line, names["zh"]) == _numbers(en_line, names["en"]), (zh_line, en_line)


@pytest.mark.parametrize("kind", ["text", "md", "html"])
def test_no_english_sentence_is_left(written: dict[str, dict[str, str]], exam: Scenario, kind: str) -> None:
    allowed = _allowed(exam)
    left = Counter(word for line in _lines(written["zh"][kind], kind) for word in WORD.findall(line)
                   if word not in allowed)
    assert not left, left


def test_the_evaluation_names_the_plan_s_entries_in_its_own_terms(written: dict[str, dict[str, str]]) -> None:
    zh, en = written["zh"]["text"], written["en"]["text"]
    assert zh.splitlines()[0] == "演练评估：考试日试卷泄露并发生火灾"
    assert "事件 leak：重要考试发生试卷泄密事件（考试安全类，II级(橙色)重大）：按时 4 项，超时 4 项，未判定 1 项" in zh
    assert "Incident leak: paper leak (Exam security, level II): 4 met, 4 missed, 1 not judged" in en
    assert len(re.findall("  missed, ", en)) == len(re.findall("  超时，", zh)) > 0
    assert len(re.findall("  met, ", en)) == len(re.findall("  按时，余 ", zh)) > 0
    heads = [line for line in zh.splitlines() if line.startswith("  时限规则")]
    assert len(heads) == 2 and "百分位" in heads[0] and "耗时最多的环节" in heads[0]


def test_the_evaluation_s_columns_line_up_in_terminal_cells(written: dict[str, dict[str, str]]) -> None:
    """The costliest stage starts in the same terminal cell on every row whose rule fits its column, in Chinese as in
    English (a Chinese character takes two cells)."""
    from rich.cells import cell_len

    def starts(text: str) -> set[int]:
        rows = [line for line in text.splitlines() if re.match(r"  [a-z_]+( \(\d+\))? +\d+[smh] ", line)
                and len(line.split("  ")[1]) <= 24]
        assert len(rows) > 10
        return {cell_len(row[:row.rindex("%  ") + 3]) for row in rows}

    assert starts(written["zh"]["text"]) == starts(written["en"]["text"]) == {111}


def test_the_after_action_report_speaks_the_plan_s_terms(written: dict[str, dict[str, str]]) -> None:
    for kind in ("md", "html"):
        zh = written["zh"][kind]
        for term in ("领导小组", "办公室", "首报", "续报", "现场指挥部", "网格员", "考试日试卷泄露并发生火灾"):
            assert term in zh, (kind, term)
        assert "重要考试发生试卷泄密事件" in zh and "(paper leak" not in zh
    md = written["zh"]["md"]
    assert md.splitlines()[0] == "# 演练评估报告 / 改进计划（草稿）：考试日试卷泄露并发生火灾"
    assert "备选方案 **考试日试卷泄露并发生火灾** 的改动：" in md
    assert "| 办公室20分钟内报告领导小组 | 20m | Art. 10.2 | 1 | 1 | 0 | M |" in md
    assert "办公室20分钟内报告领导小组（20m，Art. 10.2）" in md


def test_drillsim_exercise_evaluate_speaks_the_language_chosen() -> None:
    args = ["exercise", "evaluate", str(EXAM), str(LOG), "--scripted", "-n", "2"]
    chinese = CliRunner().invoke(main, [*args, "--lang", "zh"])
    english = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert chinese.exit_code == english.exit_code == 0, chinese.output + english.output
    assert chinese.output.startswith("演练评估：考试日试卷泄露并发生火灾\n")
    assert english.output.startswith("Drill evaluation: Exam day with a paper leak and a fire\n")
