"""The last English a Chinese reader met: what differs between two scenarios' incidents, and the MSEL's incident
descriptions, clock starts and receivers; each in the plan's words in Chinese, and as before in English."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim import api, i18n, plots
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


def _zh(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--lang", "zh"])
    return result.output


def test_check_heads_a_finding_about_kinds_of_incident_in_chinese() -> None:
    zh = _zh("check", str(EXAM))
    assert "no_upward_deadline  未成立现场指挥部的III和IV级(所有类别)" in zh.splitlines()
    assert "without a command post" not in zh


def test_n_minus_one_sweep_and_compare_name_the_scenario_in_chinese_and_warn_in_chinese() -> None:
    assert _zh("n-1", str(EXAM), "-n", "2", "--quiet").startswith("考试日试卷泄露并发生火灾：13 种缺岗")
    sweep = _zh("sweep", str(EXAM), "--vary", "staffing.office.staff=1,2", "-n", "2", "--quiet")
    assert sweep.startswith("考试日试卷泄露并发生火灾：2 个组合")
    result = subprocess.run([sys.executable, "-m", "drillsim.cli", "compare", str(BASELINE), str(EXAM), "-n", "2",
                             "--lang", "zh"], capture_output=True, text=True, check=True, timeout=120)
    assert result.stderr.startswith("警告：基准周 和 考试日试卷泄露并发生火灾 的事件不同（模拟时长不同：7d 对 1d；")
    assert result.stdout.splitlines()[:2] == [f"A：{BASELINE}（基准周）", f"B：{EXAM}（考试日试卷泄露并发生火灾）"]


@pytest.mark.parametrize(("target", "said"), [
    ("office_to_leadership>0.5", "目标 'office_to_leadership>0.5'：应为 RULE>=RATE"),
    ("nope>=0.5", "目标 'nope>=0.5'：未知时限规则 'nope'"),
    ("office_to_leadership>=1.5", "目标 'office_to_leadership>=1.5'：按时率必须在 0 到 1 之间"),
])
def test_a_wrong_target_is_said_in_chinese(target: str, said: str) -> None:
    assert said in _zh("sweep", str(EXAM), "--vary", "staffing.office.staff=1,2", "-n", "2", "--target", target)


def test_a_run_directory_or_cap_option_that_is_wrong_is_said_in_chinese(tmp_path: Path) -> None:
    assert _zh("report", str(tmp_path)).startswith(f"{tmp_path}：缺少 summary.json, provenance.json")
    out = tmp_path / "run"
    CliRunner().invoke(main, ["run", str(EXAM), "-n", "2", "--out", str(out), "--quiet"])
    assert _zh("export", "cap", str(out), "--epoch", "noon").startswith("--epoch 'noon'：应为 ISO 格式的日期和时间")
    assert _zh("export", "cap", str(out), "--replication", "5").startswith(
        "--replication 5：本次运行的重复运行编号为 0 到 1")
    (out / "summary.json").write_text("[1]", encoding="utf-8")
    assert _zh("report", str(out)).startswith(f"{out / 'summary.json'}：不是 JSON 对象")


def test_the_run_report_and_plots_name_rules_steps_actors_and_the_scenario_in_chinese(tmp_path: Path) -> None:
    _zh("run", str(EXAM), "-n", "2", "--out", str(tmp_path), "--quiet")
    _zh("report", str(tmp_path))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    shown = page[:page.index("<pre")]
    for english in ("office to the leadership group", "phone report to the province",
                    "the command post directs the response on site", ">Office (information group)<"):
        assert english not in shown, english
    assert "<strong>办公室20分钟内报告领导小组</strong>" in shown and "<td>现场指挥部统一指挥现场处置</td>" in shown
    results = api.run(load(EXAM), replications=2, seed=615)
    with i18n.speaking("zh"):
        titles = [plots.hit_rates(results).get_title(), plots.swimlane(results).get_title()]
    assert titles[0].startswith("考试日试卷泄露并发生火灾：") and titles[1].startswith("考试日试卷泄露并发生火灾：")
