"""The last English a Chinese reader met: what differs between two scenarios' incidents, and the MSEL's incident
descriptions, clock starts and receivers; each in the plan's words in Chinese, and as before in English."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from drillsim import i18n
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.msel import inject_rows, to_csv
from drillsim.model.pairing import differences
from drillsim.scenario import Scenario, load
from tests.helpers import EXAM, ROOT

BASELINE = ROOT / "scenarios" / "baseline-week.yaml"


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


def test_what_differs_between_the_incidents_is_said_in_chinese(exam: Scenario) -> None:
    other = exam.replace({"horizon": "2d", "sources.0.rate_per_day": 3, "sources.0.levels": {
        "I": 0.6, "II": 0.08, "III": 0.3, "IV": 0.02}, "probabilities.misjudged_level": 0.5})
    with i18n.speaking("zh"):
        said = differences(exam, other, seeds=(1, 2), loads=(1.0, 3.0))
        injects = differences(exam, exam.replace({"injects": []}))
    assert said == ["随机种子不同：1 对 2", "负荷不同：1 对 3", "模拟时长不同：1d 对 2d",
                    "事件源 everyday 不同：每天 1.5 起 对 每天 3 起、级别构成",
                    "概率 misjudged_level 不同：0.1 对 0.5"]
    assert injects == ["注入事件不同：2 个（leak、fire） 对 无"]


def test_compare_says_in_chinese_what_differs_and_its_json_stays_english() -> None:
    other = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
    args = ["compare", str(BASELINE), str(other), "-n", "2", "--quiet"]
    zh = CliRunner().invoke(main, [*args, "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    header = zh.output.splitlines()[2]
    assert "模拟时长不同：7d 对 1d" in header and "注入事件不同：无 对 2 个（leak、fire）" in header
    assert "differs" not in zh.output and "differ:" not in zh.output
    data = json.loads(CliRunner().invoke(main, [*args, "--lang", "zh", "--format", "json"]).output)
    assert "the horizon differs: 7d vs 1d" in data["differences"]


def test_the_msel_names_the_plan_s_examples_milestones_and_receivers_in_chinese(exam: Scenario) -> None:
    incidents = drill_incidents(exam, seed=615)
    with i18n.speaking("zh"):
        rows = inject_rows(exam, incidents)
        csv = to_csv(rows)
        also = rows[0].also_tests[0].text()
    leak = rows[0]
    assert leak.what_happens == "重要考试发生试卷泄密事件"  # the plan's example "Paper leak"
    assert rows[1].what_happens == "fire in the school canteen during the exam"  # the script's own words
    assert leak.deadline is not None and leak.deadline.start == "首报:立即报告网格员或部门负责人"
    assert "(5m, 自 发现事件 起;" in also
    assert "网格员或部门负责人报告办公室：自首报:立即报告网格员或部门负责人起 30m" in csv
    assert "如届时已到“发现事件”" in csv and "-> 街道、区政府:" in csv
    drawn = [row for row in rows if row.incident.startswith("everyday-")]
    assert drawn and all(not row.what_happens[:1].isascii() for row in drawn)
    assert "新情况修正了级别" in csv and "new facts correct" not in csv
    assert "grid_2 的网格员" in csv and "Grid_2" not in csv
    for english in ("Paper leak", "first report received", "discovered", "province phone received"):
        assert english not in csv, english


def test_the_msel_in_english_is_as_it_was(exam: Scenario) -> None:
    rows = inject_rows(exam, drill_incidents(exam, seed=615))
    csv = to_csv(rows)
    assert rows[0].what_happens == "Paper leak"
    assert "grid worker or department head to the office: 30m from first report received" in csv
    assert "if discovered by then" in csv and "Incident everyday-1: new facts correct the level" in csv
    assert "Grid worker of grid_2" in csv
