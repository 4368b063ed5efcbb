"""The plan's own explanations in Chinese: why the text allows each alternative of a reading (`means_zh`), why
drillsim leaves a passage out (`why_zh`), and the names of the plan and the bundled scenarios (`name_zh`,
`plan_title_zh`), shown wherever drillsim speaks Chinese; English as before, and a scenario that rewrites a text in
English alone is shown by it in Chinese too."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim.cli import main
from drillsim.scenario import load, loads
from drillsim.scenario.loader import BUILTIN_PLAN
from drillsim.scenario.schema import Scenario
from tests.helpers import SCENARIOS

HAN = re.compile(r"[\u4e00-\u9fff]")
BASELINE = "scenarios/baseline-week.yaml"
PLAN = resources.files("drillsim.scenario") / "plans" / f"{BUILTIN_PLAN}.yaml"


@pytest.fixture(scope="module")
def plan() -> Scenario:
    return loads(PLAN.read_text(encoding="utf-8"), f"<plan {BUILTIN_PLAN}>")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _alternatives(scenario: Scenario) -> list[tuple[str, str, str, str]]:
    """(reading, alternative, means, means_zh) of every alternative of every reading."""
    return [(name, alt, values.means, values.means_zh) for name, reading in scenario.readings.items()
            for alt, values in reading.alternatives.items()]


def test_every_alternative_and_unmodelled_passage_of_the_builtin_plan_says_itself_in_chinese(plan: Scenario) -> None:
    alternatives = _alternatives(plan)
    assert len(alternatives) > 30 and len(plan.unmodelled) > 30
    missing = [f"{name}={alt}" for name, alt, means, zh in alternatives
               if not HAN.search(zh) or zh == means or re.search("[A-Za-z]{4,}", zh.replace("count_casualties", ""))]
    assert not missing, f"no Chinese means_zh (or English left in it): {missing}"
    unsaid = [article for article, passage in plan.unmodelled.items()
              if not HAN.search(passage.why_zh) or passage.why_zh == passage.why]
    assert not unsaid, f"no Chinese why_zh: {unsaid}"
    assert HAN.search(plan.name_zh) and HAN.search(plan.plan_title_zh)


def test_the_plan_in_chinese_says_why_the_text_allows_each_alternative_and_in_english_as_before(
        plan: Scenario) -> None:
    chinese, english = _cli("plan", "--lang", "zh"), _cli("plan", "--lang", "en")
    for name, alt, means, zh in _alternatives(plan):
        assert re.search(rf"^ +[* ] {re.escape(alt)}: {re.escape(zh)}( |$)", chinese, re.M), (name, alt)
        assert re.search(rf"^ +[* ] {re.escape(alt)}: {re.escape(means)}( |$)", english, re.M), (name, alt)
        assert zh not in english
    assert chinese.splitlines()[:2] == ["兰州某社区安全预案(内置)", "[兰州某社区]社区治安巡逻与安全防范措施"]
    assert english.splitlines()[:2] == ["Lanzhou community safety plan (built-in)",
                                        "[Community] public-security patrol and safety-prevention measures"]


def test_one_rule_in_chinese_says_its_readings_alternatives_in_chinese(plan: Scenario) -> None:
    chinese = _cli("plan", "--rule", "office_to_leadership", "--lang", "zh")
    english = _cli("plan", "--rule", "office_to_leadership", "--lang", "en")
    start = plan.readings["office_to_leadership.start"].alternatives
    assert f"* occurred: {start['occurred'].means_zh}" in chinese
    assert f"  discovered: {start['discovered'].means_zh}" in chinese
    assert f"* occurred: {start['occurred'].means}" in english
    assert start["occurred"].means_zh not in english
    data = json.loads(_cli("plan", "--rule", "office_to_leadership", "--format", "json", "--lang", "zh"))
    reading = next(r for r in data["readings"] if r["reading"] == "office_to_leadership.start")
    assert reading["alternatives"]["occurred"] == {"means": start["occurred"].means,
                                                   "means_zh": start["occurred"].means_zh, "text": ""}


def test_readings_in_chinese_name_each_reading_tried_and_what_its_alternatives_mean(plan: Scenario) -> None:
    args = ("readings", BASELINE, "-n", "2", "--reading", "office_to_leadership.start", "--reading",
            "first_report.limit")
    chinese, english = _cli(*args, "--lang", "zh"), _cli(*args, "--lang", "en")
    for text, heading, title, means in ((chinese, "所试各项解读的备选解读含义：", "zh", "means_zh"),
                                        (english, "What the alternatives of the readings tried mean:", "title",
                                         "means")):
        legend = text.splitlines()[text.splitlines().index(heading) + 1:]
        expected = []
        for name in ("first_report.limit", "office_to_leadership.start"):  # in the plan's order
            reading = plan.readings[name]
            expected += [f"  {name}: {getattr(reading, title)}",
                         *(f"    {alt}: {getattr(values, means)}" for alt, values in reading.alternatives.items())]
        assert legend == expected
    assert chinese.splitlines()[0].startswith("基准周")
    assert english.splitlines()[0].startswith("Baseline week: readings of the plan, not findings")


def test_check_in_chinese_says_why_each_passage_is_not_simulated(plan: Scenario) -> None:
    def messages(lang: str) -> dict[str, str]:
        found = json.loads(_cli("check", BASELINE, "--format", "json", "--lang", lang))["findings"]
        return {f["subject"]: f["message"] for f in found if f["kind"] == "not_simulated"}
    chinese, english = messages("zh"), messages("en")
    assert set(chinese) == set(english) == set(plan.unmodelled)
    for article, passage in plan.unmodelled.items():
        assert chinese[article] == f"{passage.zh}：{passage.why_zh}"
        assert english[article] == f"{passage.title}: {passage.why}"


def test_the_bundled_scenarios_are_named_in_chinese_when_drillsim_speaks_it() -> None:
    for path in SCENARIOS:
        scenario = load(path)
        assert HAN.search(scenario.name_zh) and not HAN.search(scenario.name), path.name
        assert _cli("plan", str(path), "--lang", "zh").splitlines()[0] == scenario.name_zh
        assert _cli("plan", str(path), "--lang", "en").splitlines()[0] == scenario.name


def test_a_scenario_rewriting_the_texts_in_english_alone_is_shown_by_them_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "own.yaml"
    path.write_text("name: Our own week\nplan_title: Our own measures\nhorizon: 1d\n"
                    "readings:\n  office_to_leadership.start:\n    alternatives:\n"
                    "      occurred: {means: our own reason for the literal reading}\n"
                    "unmodelled:\n  'Art. 12': {why: we keep no supplies}\n", encoding="utf-8")
    scenario = load(path)
    assert (scenario.name_zh, scenario.plan_title_zh) == ("", "")
    assert scenario.readings["office_to_leadership.start"].alternatives["occurred"].means_zh == ""
    assert scenario.readings["office_to_leadership.start"].alternatives["discovered"].means_zh  # not rewritten
    chinese = _cli("plan", str(path), "--rule", "office_to_leadership", "--lang", "zh")
    assert "* occurred: our own reason for the literal reading" in chinese
    whole = _cli("plan", str(path), "--lang", "zh").splitlines()
    assert whole[:2] == ["Our own week", "Our own measures"]
    found = json.loads(_cli("check", str(path), "--format", "json", "--lang", "zh"))["findings"]
    said = {f["subject"]: f["message"] for f in found if f["kind"] == "not_simulated"}
    assert said["Art. 12"] == "物资与资金保障：we keep no supplies"
    assert said["Art. 11(5)"].endswith(scenario.unmodelled["Art. 11(5)"].why_zh)


def test_a_scenario_written_in_chinese_is_named_as_written_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "zh.yaml"
    path.write_text("name: 我们的一周\nhorizon: 1d\n", encoding="utf-8")
    assert _cli("plan", str(path), "--lang", "zh").splitlines()[0] == "我们的一周"
    assert _cli("plan", str(path), "--lang", "en").splitlines()[0] == "我们的一周"


def test_the_run_report_in_chinese_says_what_the_alternative_in_force_means(plan: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "run"
    _cli("run", BASELINE, "-n", "2", "--out", str(out), "--quiet")
    pages = {}
    for lang in ("zh", "en"):
        _cli("report", str(out), "--lang", lang, "-o", str(tmp_path / f"{lang}.html"))
        pages[lang] = (tmp_path / f"{lang}.html").read_text(encoding="utf-8")
    for lang, title, means in (("zh", "zh", "means_zh"), ("en", "title", "means")):
        section = pages[lang][pages[lang].index('<section id="readings">'):]
        section = section[:section.index("</section>")]
        for name, reading in plan.readings.items():
            alternative = reading.alternatives[reading.default]
            assert (f"<td>{_html(getattr(reading, title))}</td><td>{reading.default}<br>"
                    f'<span class="means">{_html(getattr(alternative, means))}</span></td>') in section, (lang, name)
    assert '<h1 id="title">基准周</h1>' in pages["zh"] and "预案：[兰州某社区]社区治安巡逻与安全防范措施" in pages["zh"]
    assert '<h1 id="title">Baseline week</h1>' in pages["en"]
    assert "plan: [Community] public-security patrol and safety-prevention measures" in pages["en"]
    # the run's and the report's times in the provenance, as drillsim.i18n.datetime_text writes them
    assert len(re.findall(r"<dd>\d{4}年\d{1,2}月\d{1,2}日 UTC \d\d:\d\d:\d\d", pages["zh"])) == 2
    assert len(re.findall(r"<dd>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", pages["en"])) == 2


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace(
        "'", "&#39;")
