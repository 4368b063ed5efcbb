"""Validation errors in Chinese: a scenario named in Chinese validates and runs; with typos in it, each problem is
one line `FILE:LINE: field.path: message` with the field path as written (a Chinese key too), the message in
Chinese, exit status 2, no traceback; and every kind of message, said in English, is the English of before."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from drillsim.exercise import drill_incidents
from drillsim.exercise.drilllog import DrillLogError, parse
from drillsim.i18n import speaking
from drillsim.scenario import Scenario, ScenarioError, loads
from tests.helpers import ROOT, drillsim

SCENARIO = """\
# 情景：夜里两个网格各只有一名网格员，办公室一人值守。
# 凌晨两点东区网格燃气泄漏，四分钟后西区网格有人食物中毒。
name: 夜间燃气泄漏与食物中毒
description: >
  东区网格和西区网格各有一名网格员；办公室一人在岗。
plan: builtin
horizon: 12h
replications: 4
seed: 5
actors:
  grid_worker: {title: 网格员}
  office: {title: 社区办公室}
working_groups:
  accidents_disasters: {title: 事故灾难处置组}
staffing:
  grid_worker:
    grids:
      grid_1: null
      grid_2: null
      grid_3: null
      东区网格: {staff: 1}
      西区网格:
        staff: 1
        shifts:
          - {from: "22:00", to: "07:00", staff: 1}
  office:
    staff: 1
sources: []
injects:
  # 东区燃气泄漏
  - id: 燃气泄漏
    at: "02:00"
    category: accidents_disasters
    example: gas_leak
    level: II
    grid: 东区网格
    description: 东区3号楼燃气泄漏，疏散12户
  - id: 食物中毒
    at: "02:04"
    category: public_health
    example: food_poisoning
    level: III
    grid: 西区网格
    description: 西区食堂集体食物中毒，送医8人
"""
"""Actors, a working group, grids, injects and the scenario named in Chinese, with Chinese comments."""

TYPOS = [  # (what is written, what replaces it, the field path of the problem)
    ("horizon: 12h", "horizon: 12", "horizon"),
    ("replications: 4", "replications: 0", "replications"),
    ("东区网格: {staff: 1}", "东区网格: {staf: 1}", "staffing.grid_worker.grids.东区网格.staf"),
    ("  office:\n    staff: 1", "  office:\n    staff: 一人", "staffing.office.staff"),
    ("  - id: 食物中毒\n", "  - id: 食物中毒\n", "injects[1].category"),
    ('    at: "02:04"', '    at: "2点04"', "injects[1].at"),
    ("    grid: 西区网格", "    grid: 北区网格", "injects[1].grid"),
]
BAD = SCENARIO.replace("    category: public_health\n", "") + \
    "durations:\n  verify: {dist: lognormall, median: 5m, p90: 10m}\n"
for _written, _typo, _path in TYPOS:
    BAD = BAD.replace(_written, _typo)

ENGLISH = {
    "horizon": "the bare number 12 has no unit; write a duration with units, e.g. 45s, 20m, 1h30m, 2d, 10y (a year is "
               "365 days)",
    "replications": "got 0; expected 1 or more",
    "staffing.grid_worker.grids.东区网格.staf":
        "unknown field 'staf'; did you mean 'staff'? (expected one of: absences, grids, handover, policy, practice, "
        "preempt, shifts, staff)",
    "staffing.office.staff": "got '一人'; expected a whole number",
    "injects[1].category": "missing required field",
    "injects[1].at":
        "'2点04' is not a time in the drill, e.g. \"02:10\" (day 0), \"2d 02:10\", or a duration such as 26h",
    "injects[1].grid": "unknown grid '北区网格'; did you mean '西区网格'? (expected one of: 东区网格, 西区网格)",
    "durations.verify": "unknown distribution 'lognormall'; did you mean 'lognormal'? (expected one of: constant, "
                        "exponential, uniform, triangular, lognormal, empirical)",
}
CHINESE = {
    "horizon": "数字 12 没有单位；请写带单位的时长",
    "replications": "实际为 0；应为不小于 1",
    "staffing.grid_worker.grids.东区网格.staf": "未知字段 'staf'；是否想写 'staff'？（可选：absences, grids,",
    "staffing.office.staff": "实际为 '一人'；应为整数",
    "injects[1].category": "缺少必填字段",
    "injects[1].at": "'2点04' 不是演练中的时间",
    "injects[1].grid": "未知网格 '北区网格'；是否想写 '西区网格'？（可选：东区网格, 西区网格）",
    "durations.verify": "未知分布 'lognormall'；是否想写 'lognormal'？",
}
"""What each problem of BAD says, in full in English and by its beginning in Chinese."""

HAN = re.compile(r"[\u4e00-\u9fff]")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|（(?:可选|已用到)：[^）]*）")
"""What a message quotes from the file or lists as names to choose from: written as the file or drillsim names it."""
_KEPT = {"YAML", "MSEL", "drillsim"}


def _untranslated(message: str) -> list[str]:
    """ASCII words of three letters or more that a Chinese message says outside what it quotes or lists."""
    return [word for word in re.findall(r"[A-Za-z]{3,}", _QUOTED.sub("", message)) if word not in _KEPT]


def _line_of(text: str, needle: str, after: str = "") -> int:
    """The line (from 1) where `needle` is written, the first after `after`."""
    start = text.index(after) if after else 0
    return text[:text.index(needle, start)].count("\n") + 1


def _expected_lines(path: Path) -> list[tuple[str, str]]:
    """(`FILE:LINE: field`, field) of each problem of BAD, in the order of their lines."""
    where = {
        "horizon": _line_of(BAD, "horizon:"),
        "replications": _line_of(BAD, "replications:"),
        "staffing.grid_worker.grids.东区网格.staf": _line_of(BAD, "staf:"),
        "staffing.office.staff": _line_of(BAD, "staff: 一人"),
        "injects[1].category": _line_of(BAD, "- id: 食物中毒"),
        "injects[1].at": _line_of(BAD, 'at: "2点04"'),
        "injects[1].grid": _line_of(BAD, "grid: 北区网格"),
        "durations.verify": _line_of(BAD, "verify:"),
    }
    return [(f"{path}:{line}: {field}", field) for field, line in sorted(where.items(), key=lambda item: item[1])]


def _validate(path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drillsim.cli", "validate", str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, check=False, env={**os.environ, **env})


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, Path]:
    """The scenario and its misspelt copy, as files named in Chinese."""
    good, bad = tmp_path / "夜间燃气泄漏.yaml", tmp_path / "夜间燃气泄漏-有错.yaml"
    good.write_text(SCENARIO, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    return good, bad


def test_a_scenario_named_in_chinese_validates_and_runs(written: tuple[Path, Path]) -> None:
    good, _bad = written
    checked = drillsim("validate", str(good), "--lang", "zh")
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
    assert checked.stdout.startswith(f"{good}")
    ran = drillsim("run", str(good), "-n", "2", "--lang", "zh")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("夜间燃气泄漏与食物中毒") and "时限规则" in ran.stdout
    assert "Traceback" not in ran.stderr


def test_typos_in_a_chinese_scenario_are_said_in_chinese_at_their_lines(written: tuple[Path, Path]) -> None:
    _good, bad = written
    for result in (drillsim("validate", str(bad), "--lang", "zh"), _validate(bad, DRILLSIM_LANG="zh")):
        assert result.returncode == 2 and result.stdout == ""
        assert "Traceback" not in result.stderr
        lines = result.stderr.splitlines()
        expected = _expected_lines(bad)
        assert len(lines) == len(expected), result.stderr
        for line, (where, field) in zip(lines, expected, strict=True):
            assert line.startswith(f"{where}: "), (line, where)
            message = line.removeprefix(f"{where}: ")
            assert message.startswith(CHINESE[field]), line
            assert HAN.search(message) and _untranslated(message) == [], line


def test_the_same_typos_in_english_are_said_as_before(written: tuple[Path, Path]) -> None:
    _good, bad = written
    result = drillsim("validate", str(bad), "--lang", "en")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{where}: {ENGLISH[field]}" for where, field in _expected_lines(bad)]


KINDS = {  # a kind of problem -> (a scenario over the built-in plan, where its problem is said, its English message)
    "unknown field": ("name: x\nhorizon: 1h\nstaffing: {office: {staf: 1}}\n",
                      "<scenario>:3: staffing.office.staf: ", "unknown field 'staf'; did you mean 'staff'? (expected "
                      "one of: absences, grids, handover, policy, practice, preempt, shifts, staff)"),
    "missing": ("name: x\nhorizon: 2h\ninjects:\n  - {at: '01:00', level: II}\n", "<scenario>:4: injects[0].category: ",
                "missing required field"),
    "wrong type": ("name: x\nhorizon: 1h\nreplications: [3]\n", "<scenario>:3: replications: ",
                   "got a list; expected a whole number"),
    "bound": ("name: x\nhorizon: 1h\nprobabilities: {command_post_low_level: 1.5}\n",
              "<scenario>:3: probabilities.command_post_low_level: ", "got 1.5; expected 1 or less"),
    "bad duration": ("name: x\nhorizon: 5 minutes\n", "<scenario>:2: horizon: ",
                     "'5 minutes' is not a duration with units, e.g. 45s, 20m, 1h30m, 2d, 10y (a year is 365 days); "
                     "write 5m"),
    "bad clock time": ("name: x\nhorizon: 1d\nstaffing: {office: {shifts: [{from: '25:00', to: '07:00', staff: 1}]}}\n",
                       "<scenario>:3: staffing.office.shifts[0].from: ",
                       "'25:00' is not a time of day between 00:00 and 24:00"),
    "unknown distribution": ("name: x\nhorizon: 1h\ndurations: {verify: {dist: weibull, mean: 5m}}\n",
                             "<scenario>:3: durations.verify: ", "unknown distribution 'weibull' (expected one of: "
                             "constant, exponential, uniform, triangular, lognormal, empirical)"),
    "not allowed": ("name: x\nhorizon: 1h\npolicy: fifo\n", "<scenario>:3: policy: ",
                    "'fifo' is not allowed; expected 'fcfs', 'level', 'deadline' or 'first_reports'"),
    "too few": ("name: x\nhorizon: 1h\ndurations: {verify: {dist: empirical, samples: []}}\n",
                "<scenario>:3: durations.verify.samples: ", "got an empty list; expected at least 1 entry"),
    "too large": ("name: x\nhorizon: 1h\nstaffing: {office: {staff: 100001}}\n",
                  "<scenario>:3: staffing.office.staff: ",
                  "100001 is more than 10000, the most drillsim accepts (more people than any community's office or "
                  "grid has); expected at most 10000"),
    "outside the horizon": ("name: x\nhorizon: 1h\ninjects:\n"
                            "  - {at: '01:00', category: accidents_disasters, level: II}\n",
                            "<scenario>:4: injects[0].at: ", "0d 01:00 is outside the horizon; expected a time before "
                            "the drill ends at 0d 01:00 (horizon 1h)"),
    "duplicate key": ("name: x\nhorizon: 1h\nhorizon: 2h\n", "<scenario>:3: horizon: ",
                      "duplicate key 'horizon'; it was already given on line 2"),
    "tab": ("name: x\nstaffing:\n\toffice: {staff: 1}\n", "<scenario>:3: staffing: ",
            "YAML syntax error: found character '\\t' that cannot start any token; indent with spaces, not tabs"),
    "colon in a value": ("name: x: y\n", "<scenario>:1: ", "YAML syntax error: mapping values are not allowed here; "
                         "quote a value that contains ': ', or check the indentation"),
    "unclosed mapping": ("name: x\nstaffing:\n  office: {staff: 1\n  x: 2\n", "<scenario>:4: staffing.office: ",
                         "YAML syntax error: expected ',' or '}', but got ':' (while parsing a flow mapping started on "
                         "line 3)"),
    "empty file": ("", "<scenario>:1: ", "the file is empty; expected a YAML mapping"),
}


def _said(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads(text)
    return str(caught.value).splitlines()


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_problem_is_said_in_chinese_and_in_english_as_before(kind: str) -> None:
    text, where, english = KINDS[kind]
    with speaking("en"):
        assert _said(text) == [where + english]
    with speaking("zh"):
        (chinese,) = _said(text)
    assert chinese.startswith(where), chinese
    message = chinese.removeprefix(where)
    assert HAN.search(message) and _untranslated(message) == [], chinese


@pytest.fixture(scope="module")
def drill() -> Scenario:
    return loads(SCENARIO)


LOG_PROBLEMS = {  # a drill log's row -> (where its problem is said, its English message)
    "2点05,燃气泄漏,,occurred,,": ("drill.csv:2: time: ",
                              "'2点05' is not a drill time such as 0d 02:14, 02:14, 02:14:30 or 2h14m"),
    "02:07,燃气泄露,,occurred,,": ("drill.csv:2: incident: ", "unknown incident '燃气泄露'; did you mean '燃气泄漏'? "
                                                          "(expected one of: 燃气泄漏, 食物中毒)"),
    "02:09,食物中毒,,first_report,,": ("drill.csv:2: milestone: ", "'first_report' is a step of the flow; write the "
                                                              "milestone it reaches, 'first_report_received'"),
    "02:10,食物中毒,x,occurred,,": ("drill.csv:2: change: ", "'occurred' is a milestone of the incident, not of a "
                                                         "change; leave 'change' empty"),
    "02:10,食物中毒,,,,": ("drill.csv:2: milestone: ", "missing: write a milestone of the plan's flow"),
    "01:00,食物中毒,,occurred,,,extra": ("drill.csv:2: ", "7 cells, but the header names 6 columns (quote a note that "
                                                       "contains a comma)"),
}


@pytest.mark.parametrize("row", LOG_PROBLEMS)
def test_a_bad_drill_log_row_is_said_in_chinese_and_in_english_as_before(drill: Scenario, row: str) -> None:
    text = "time,incident,change,milestone,level,note\n" + row + "\n"
    said = {}
    for lang in ("en", "zh"):
        with speaking(lang), pytest.raises(DrillLogError) as caught:
            parse(text, "drill.csv", drill, drill_incidents(drill, scripted=True))
        said[lang] = str(caught.value)
    where, english = LOG_PROBLEMS[row]
    assert said["en"] == where + english
    assert said["zh"].startswith(where), said["zh"]
    message = said["zh"].removeprefix(where)
    assert HAN.search(message) and _untranslated(message) == [], said["zh"]


def test_a_scenario_of_a_chinese_plan_is_told_its_problems_in_chinese_on_an_english_machine(tmp_path: Path) -> None:
    """No --lang, no DRILLSIM_LANG, an English locale: the built-in plan says `language: zh`, and so do its errors;
    a chosen language still wins."""
    typo = tmp_path / "typo.yaml"
    typo.write_text("name: typo\nstafing: {}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DRILLSIM_LANG"} | {"LANG": "en_US.UTF-8", "LC_ALL": ""}
    said = subprocess.run([sys.executable, "-m", "drillsim.cli", "validate", str(typo)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert said.returncode == 2 and said.stderr.startswith(f"{typo}:2: stafing: 未知字段 'stafing'"), said.stderr
    chosen = subprocess.run([sys.executable, "-m", "drillsim.cli", "validate", str(typo), "--lang", "en"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert chosen.stderr.startswith(f"{typo}:2: stafing: unknown field 'stafing'"), chosen.stderr
