"""The plan's own names: every entry of the built-in plan is named in Chinese in the plan's terms, drillsim shows
the name of the language in force, a plan written in Chinese validates, runs and is blamed at its own lines, and
`drillsim plan --lang zh` keeps its columns aligned although a Chinese character takes two cells."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from drillsim.i18n import speaking
from drillsim.report import plan as planview
from drillsim.scenario import ScenarioError, load, loads
from drillsim.scenario.names import colour_name, example_of, level_name, title_of
from drillsim.scenario.schema import Scenario
from tests.helpers import ROOT, drillsim

BUILTIN = ROOT / "src" / "drillsim" / "scenario" / "plans" / "lanzhou-community.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def plan() -> Scenario:
    return load(BUILTIN)


def entries(plan: Scenario) -> list[tuple[str, Any]]:
    """Every titled entry of a plan, by where it is written."""
    found: list[tuple[str, Any]] = []
    for section in ("actors", "working_groups", "people", "categories", "levels", "major_classes", "core_elements",
                    "deadlines", "readings", "unmodelled"):
        found += [(f"{section}.{key}", entry) for key, entry in getattr(plan, section).items()]
    return found + [(f"flow.{step.id}", step) for step in plan.flow]


def test_every_entry_of_the_builtin_plan_has_a_chinese_name(plan: Scenario) -> None:
    named = entries(plan)
    assert len(named) == 137
    missing = [where for where, entry in named if not CJK.search(entry.zh)]
    assert missing == []
    for name, category in plan.categories.items():
        assert set(category.examples_zh) == set(category.examples), name
        assert all(CJK.search(text) for text in category.examples_zh.values()), name


def test_the_plan_s_own_terms_are_where_they_belong(plan: Scenario) -> None:
    flow = {step.id: step.zh for step in plan.flow}
    assert flow["first_report"].startswith("首报")
    assert "续报" in flow["continuation"] and "续报" in plan.deadlines["continuation"].zh
    assert "研判" in flow["judge"] and "领导小组" in flow["judge"]
    assert plan.deadlines["first_report"].zh.startswith("首报")
    assert plan.deadlines["office_to_leadership"].zh == "办公室20分钟内报告领导小组"
    actors = {key: actor.zh for key, actor in plan.actors.items()}
    assert (actors["leader"], actors["office"], actors["grid_worker"], actors["command_post"],
            actors["reserve_team"], actors["department_head"], actors["street"], actors["district"],
            actors["city"], actors["province"]) == (
        "领导小组组长", "办公室(信息工作组)", "网格员", "现场指挥部", "预备队", "部门负责人", "街道",
        "区政府", "市政府", "省委办公厅")
    assert "发现人" in actors["discoverer"] and "知情人" in actors["discoverer"]
    assert [category.zh for category in plan.categories.values()] == [
        "社会安全类", "重大治安刑事类", "事故灾害类", "公共卫生类", "自然灾害类", "网络与信息安全类",
        "考试安全类", "其他"]
    assert [major.zh for major in plan.major_classes.values()] == [
        "重大自然灾害", "重大事故灾难", "重大公共卫生事件", "涉国防、港澳台、外交领域重要紧急动态", "重大预警动向",
        "其他涉国家安全和社会稳定的重要紧急情况"]
    assert all(group.zh.endswith("工作组") for group in plan.working_groups.values())
    # The examples are the plan's own words (Art. 3), in simplified characters.
    assert plan.categories["social_security"].examples_zh["group_fight"] == "因矛盾纠纷引发的群体性械斗"
    assert "燃气泄漏、危化品泄漏" in plan.categories["accidents_disasters"].examples_zh["gas_leak"]


def test_levels_are_named_with_their_colours_as_the_plan_names_them(plan: Scenario) -> None:
    with speaking("zh"):
        assert [level_name(plan, level) for level in plan.levels] == [
            "I级(红色)特别重大", "II级(橙色)重大", "III级(黄色)较大", "IV级(蓝色)一般"]
        assert [colour_name(c) for c in ("red", "orange", "yellow", "blue", "green")] == [
            "红色", "橙色", "黄色", "蓝色", "green"]
    with speaking("en"):
        assert level_name(plan, "I") == "I (red, especially major)"
        assert colour_name("blue") == "blue"


def test_an_entry_is_called_by_its_name_in_the_language_in_force(plan: Scenario) -> None:
    judge = next(step for step in plan.flow if step.id == "judge")
    with speaking("zh"):
        assert title_of(plan.actors["office"]) == "办公室(信息工作组)"
        assert title_of(judge) == judge.zh
        assert example_of(plan, "social_security", "group_fight") == "因矛盾纠纷引发的群体性械斗"
    with speaking("en"):
        assert title_of(plan.actors["office"]) == "Office (information group)"
        assert title_of(judge) == judge.title
        assert example_of(plan, "social_security", "group_fight") == "group fight arising from disputes"
    # An entry without a Chinese name shows its title in either language.
    untranslated = plan.actors["office"].model_copy(update={"zh": ""})
    with speaking("zh"):
        assert title_of(untranslated) == "Office (information group)"


def test_a_scenario_renaming_an_entry_of_the_builtin_plan_in_chinese_is_shown_by_its_own_name() -> None:
    scenario = loads("name: t\nplan: builtin\nactors:\n  office: {title: 值班室}\n"
                     "categories:\n  other: {examples: {market_fire: 农贸市场火灾}}\n", "s.yaml")
    for lang in ("zh", "en"):
        with speaking(lang):
            assert title_of(scenario.actors["office"]) == "值班室"
            assert example_of(scenario, "other", "market_fire") == "农贸市场火灾"
    with speaking("zh"):
        assert title_of(scenario.actors["leader"]) == "领导小组组长"


def test_a_chinese_name_for_an_example_the_category_lacks_is_blamed_at_its_line() -> None:
    with pytest.raises(ScenarioError) as caught:
        loads("name: t\nplan: builtin\ncategories:\n  social_security:\n    examples_zh:\n"
              "      group_fite: 群体性械斗\n", "s.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "s.yaml:6: categories.social_security.examples_zh.group_fite: unknown example 'group_fite'; did you mean "
        "'group_fight'? (expected one of: attack_or_hostage, cult_gathering, group_fight)"]


CHINESE_PLAN = """\
name: 社区值班演练
horizon: 1d
replications: 2
seed: 3
actors:
  发现人: {title: 发现人, kind: unlimited}
  网格员: {title: 社区网格员, kind: pool}
  办公室: {title: 社区居委会办公室, kind: pool}
  组长: {title: 领导小组组长, kind: pool}
staffing:
  网格员: {staff: 1}
  办公室: {staff: 1}
  组长: {staff: 1}
working_groups:
  信息组: {title: 信息工作组, led_by: 组长}
categories:
  火灾: {title: 事故灾害类, working_group: 信息组, examples: {楼道起火: 楼道内发生火灾}}
levels:
  IV: {colour: blue, title: 一般}
major_classes: {}
core_elements: {时间: 事件发生的具体时间}
command_post: {levels: []}
escalation: {levels: {IV: []}}
channels:
  order: [电话]
  media: {电话: {delay: 30s}}
flow:
  - {id: 发现, title: 发现事件, actor: 发现人, after: [occurred], duration: 发现时长, milestone: 已发现}
  - {id: 首报, title: 首报网格员, actor: 发现人, after: [发现], duration: 首报时长, report: {to: 网格员},
     milestone: 网格员已接报}
  - {id: 核实, title: 核实并报告办公室, actor: 网格员, after: [首报], duration: 核实时长, report: {to: 办公室},
     milestone: 办公室已接报}
  - {id: 研判, title: 研判并报告领导小组, actor: 办公室, after: [核实], duration: 研判时长, report: {to: 组长},
     milestone: 领导小组已接报}
deadlines:
  办公室报告领导小组: {title: 办公室20分钟内报告领导小组, limit: 20m, start: occurred, end: 领导小组已接报}
durations:
  发现时长: 3m
  首报时长: 1m
  核实时长: 6m
  研判时长: 4m
injects:
  - {at: "02:00", category: 火灾, example: 楼道起火, level: IV}
"""


def test_a_plan_written_in_chinese_validates_runs_and_shows_its_own_names(tmp_path: Path) -> None:
    path = tmp_path / "中文预案.yaml"
    path.write_text(CHINESE_PLAN, encoding="utf-8")
    scenario = load(path)
    for lang in ("zh", "en"):
        with speaking(lang):
            assert title_of(scenario.actors["办公室"]) == "社区居委会办公室"
            assert level_name(scenario, "IV") == ("IV级(蓝色)一般" if lang == "zh" else "IV (blue, 一般)")
            assert example_of(scenario, "火灾", "楼道起火") == "楼道内发生火灾"
    ran = drillsim("run", str(path), "--lang", "zh", "-q")
    assert ran.returncode == 0, ran.stderr
    assert "办公室报告领导小组" in ran.stdout
    shown = drillsim("plan", str(path), "--lang", "zh")
    assert shown.returncode == 0, shown.stderr
    assert "研判 研判并报告领导小组: 办公室" in shown.stdout
    assert "办公室报告领导小组 办公室20分钟内报告领导小组" in shown.stdout


@pytest.mark.parametrize(("wrong", "right", "field", "message"), [
    ("end: 领导小组已接报}", "end: 领导小组已接报了}", "deadlines.办公室报告领导小组.end",
     "unknown milestone '领导小组已接报了'"),
    ("report: {to: 组长}", "report: {to: 组场}", "flow[3].report.to", "'组场'"),
    ("examples: {楼道起火: 楼道内发生火灾}", "examples: {楼道起火: 楼道内发生火灾}, titel: 火",
     "categories.火灾.titel", "unknown field 'titel'"),
])
def test_a_typo_on_a_chinese_line_is_blamed_at_that_line(tmp_path: Path, wrong: str, right: str, field: str,
                                                        message: str) -> None:
    assert CHINESE_PLAN.count(wrong) == 1
    text = CHINESE_PLAN.replace(wrong, right)
    line = next(number for number, written in enumerate(text.splitlines(), 1) if right in written)
    path = tmp_path / "预案.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load(path)
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{path}:{line}: {field}: ") and message in p for p in found), found


def _after_spaces(line: str, index: int) -> int:
    while line[index] == " ":
        index += 1
    return index


def _columns(lines: list[str], pattern: str) -> set[int]:
    """The terminal cell at which each matching line's `pattern` group ends."""
    cells = set()
    for line in lines:
        match = re.match(pattern, line)
        if match:
            cells.add(cell_len(line[:match.end(1)]))
    return cells


def test_plan_in_chinese_has_chinese_headings_and_names_in_aligned_columns(plan: Scenario) -> None:
    shown = drillsim("plan", "--lang", "zh")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    for heading in ("角色与人员配备", "人员(", "工作组(", "事件类别(", "核心要素(", "流程(", "逐级上报(", "时限(",
                    "解读("):
        assert any(line.startswith(heading) for line in lines), heading
    for words in ("首报:立即报告网格员或部门负责人", "研判", "续报", "预备队", "现场指挥部", "I级(红色)特别重大",
                  "IV级(蓝色)一般", "社会安全类突发事件应急处置工作组", "办公室20分钟内报告领导小组"):
        assert words in shown.stdout, words
    assert "Actors and staffing" not in shown.stdout and "applies to" not in shown.stdout
    actors = [line for line in lines if re.match(r"  [a-z_]+ +\S", line) and "[" in line
              and line.split()[0] in plan.actors]
    assert len(actors) == len(plan.actors)
    # Each actor's Chinese name starts at the same cell, and so does its staffing after the padded name.
    names = {cell_len(line[:line.index(plan.actors[line.split()[0]].zh)]) for line in actors}
    staffing = {cell_len(line[:_after_spaces(line, line.index(plan.actors[line.split()[0]].zh)
                                             + len(plan.actors[line.split()[0]].zh))]) for line in actors}
    assert len(names) == 1 and len(staffing) == 1, (names, staffing)
    deadlines = _columns(lines, r"  \S+ \S+ +(\d+[smhd]\w*)  ")
    assert len(deadlines) == 1, deadlines
    levels = _columns(lines, r"  (I{1,3}V?级\(\S+\)\S+ +)\S")
    assert len(levels) == 1, levels
    with speaking("zh"):
        assert "核心要素(" in planview.text(plan)


def test_plan_in_english_is_as_before() -> None:
    english = drillsim("plan", "--lang", "en")
    assert english.returncode == 0
    assert "Actors and staffing" in english.stdout and "首报" not in english.stdout.replace("首報", "")
    assert "  first_report              5m  discovered -> first_report_received; applies to every incident" in (
        english.stdout)
    with speaking("en"):
        assert planview.text(load(BUILTIN)) == english.stdout.rstrip("\n")
