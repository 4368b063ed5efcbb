"""`drillsim run --timeline --lang zh`: each incident's story in Chinese, line for line the English story's times and
numbers, in the plan's own terms, with no English word left but the scenario's ids."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from drillsim.scenario.loader import load
from tests.helpers import ROOT, drillsim

SCENARIO = "scenarios/three-level-ii-in-ten-minutes.yaml"
BASELINE = "scenarios/baseline-week.yaml"
WORD = re.compile(r"[A-Za-z]{3,}")
NUMBER = re.compile(r"\d+")
CLOCK = re.compile(r"^  \d+d \d\d:\d\d:\d\d  ")


def _timeline(scenario: str, lang: str) -> str:
    done = drillsim("run", scenario, "--timeline", "-n", "1", "--readings", "none", "--lang", lang)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def chinese() -> str:
    return _timeline(SCENARIO, "zh")


@pytest.fixture(scope="module")
def english() -> str:
    return _timeline(SCENARIO, "en")


def _told(text: str) -> list[str]:
    """The timeline's lines after its heading (which carries the scenario's name and the replay command)."""
    return text.splitlines()[1:]


def _numbers(line: str, names: list[str]) -> Counter[str]:
    """The numbers of a line outside the plan's names (`办公室20分钟内报告领导小组` names its 20 minutes)."""
    for name in names:
        line = line.replace(name, "")
    return Counter(NUMBER.findall(line))


def test_every_line_has_the_english_line_s_times_and_numbers(chinese: str, english: str) -> None:
    scenario = load(ROOT / SCENARIO)
    entries = [*scenario.deadlines.values(), *scenario.flow, *scenario.core_elements.values()]
    names = {lang: sorted({getattr(e, lang) for e in entries} - {""}, key=len, reverse=True)
             for lang in ("title", "zh")}
    zh, en = _told(chinese), _told(english)
    assert len(zh) == len(en) > 100
    assert sum(bool(CLOCK.match(line)) for line in zh) > 100
    for zh_line, en_line in zip(zh, en, strict=True):
        assert _numbers(zh_line, names["zh"]) == _numbers(en_line, names["title"]), (zh_line, en_line)
        assert CLOCK.findall(zh_line) == CLOCK.findall(en_line)  # the same second on the same line
    assert Counter(NUMBER.findall(chinese.splitlines()[0])) == Counter(NUMBER.findall(english.splitlines()[0]))


def test_the_story_uses_the_plan_s_terms(chinese: str, english: str) -> None:
    for term in ("首报", "研判", "领导小组", "办公室", "按时", "超时", "时限"):
        assert term in chinese, term
    assert ("续报" in chinese) == ("continuation report" in english)
    assert "level II (orange)" in english and "II级(橙色)重大" in chinese


def test_a_continuation_report_is_told_as_a_continuation_report() -> None:
    english, chinese = _timeline(BASELINE, "en"), _timeline(BASELINE, "zh")
    assert english.count("a continuation report is due") == chinese.count("须报送续报") > 0


def test_no_english_word_is_left_but_the_scenario_s_ids(chinese: str) -> None:
    scenario = load(ROOT / SCENARIO)
    ids = [*scenario.people, *scenario.actors, *scenario.grids, *scenario.working_groups, *scenario.categories,
           *scenario.deadlines, *scenario.core_elements, *scenario.channels.order, *(s.id for s in scenario.flow)]
    allowed = {word for name in ids for word in WORD.findall(name)} | {"Art"}
    left = Counter(word for line in _told(chinese) for word in WORD.findall(line) if word not in allowed)
    assert not left, left
    heading = chinese.splitlines()[0]
    assert heading.startswith("种子 3 第 0 次重复运行的时间线（") and "重放命令：drillsim run " in heading


def test_a_scenario_named_in_chinese_is_told_by_its_chinese_names(tmp_path: Path) -> None:
    scenario = tmp_path / "named.yaml"
    scenario.write_text(f"""\
extends: {ROOT / SCENARIO}
name: 十分钟内三起较大事件(中文命名)
actors:
  department_head: {{title: 楼栋部门负责人}}
people:
  party_secretary: {{title: 社区书记老王}}
""", encoding="utf-8")
    for lang in ("zh", "en"):
        text = _timeline(str(scenario), lang)
        assert "十分钟内三起较大事件(中文命名)" in text.splitlines()[0]
        assert "楼栋部门负责人通过" in text if lang == "zh" else "the 楼栋部门负责人 receives the report" in text
        assert "社区书记老王" in text
