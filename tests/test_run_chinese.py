"""`drillsim run --lang zh`: the verdicts and the bottleneck in Chinese, with the English run's numbers, and every
table's columns at the same terminal cells though a Chinese character takes two."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.helpers import ROOT, drillsim

BASELINE = "scenarios/baseline-week.yaml"
TABLES = {"时限规则": 8, "最忙的岗位": 5, "最忙的人员": 5, "超时报告耗时最多之处": 3}
"""Each table of the Chinese run by its first head -> how many columns at its right end are right-aligned."""
ENGLISH_TABLES = {"deadline rule": 8, "busiest actors": 5, "busiest people": 5, "where the misses lost most time": 3}


def _run(*args: str) -> str:
    done = drillsim("run", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def chinese() -> str:
    return _run(BASELINE, "-n", "2", "--lang", "zh")


@pytest.fixture(scope="module")
def english() -> str:
    return _run(BASELINE, "-n", "2", "--lang", "en")


def _block(text: str, head: str) -> list[str]:
    """A table's lines, its head first, up to the blank line or the note in brackets after it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(head))
    block = []
    for line in lines[start:]:
        if not line or line.startswith("("):
            break
        block.append(line)
    return block


def _tokens(line: str) -> list[tuple[int, int]]:
    """(first cell, cell after the last) of each run of characters without a space, in terminal cells."""
    return [(cell_len(line[:match.start()]), cell_len(line[:match.end()])) for match in re.finditer(r"\S+", line)]


def _columns(block: list[str], right: int) -> list[tuple[int, ...]]:
    """Per line, where its columns stand: the right edge of each of the `right` right-aligned columns at its end
    and, in the people table, where the roles begin (after two spaces)."""
    people = block[0].startswith(("最忙的人员", "busiest people"))
    out = []
    for line in block:
        cut = line.rfind("  ") if people else len(line)
        roles = (cell_len(line[:cut + 2]),) if people else ()
        out.append(tuple(end for _start, end in _tokens(line[:cut])[-right:]) + roles)
    return out


def _assert_aligned(text: str, tables: dict[str, int], heads: bool = True) -> None:
    """Every row of each table (and its head, when its heads are one word each) has its columns at the same cells."""
    for head, right in tables.items():
        block = _block(text, head)
        assert len(block) > 2, head
        rows = block if heads else block[1:]
        columns = _columns(rows, right) if heads else _columns(block, right)[1:]
        assert len(set(columns)) == 1, "\n".join(f"{c} {line}" for c, line in zip(columns, rows, strict=True))


def test_the_tables_speak_chinese_and_keep_their_columns(chinese: str) -> None:
    for head in ("时限规则", "限时", "级别", "适用", "按时", "按时率", "95%区间", "超时中位数", "最忙的岗位", "利用率",
                 "平均等待", "最忙的人员", "承担的角色", "超时报告耗时最多之处", "环节", "占比"):
        assert head in chinese, head
    assert "领导小组组长" in chinese and "社区党委书记" in chinese, "the plan's own names"
    assert "全部" in chinese and "replication" not in chinese and "busiest" not in chinese
    _assert_aligned(chinese, TABLES)
    deadline = _block(chinese, "时限规则")
    stages = _block(chinese, "超时报告耗时最多之处")
    assert len({_tokens(line)[2][0] for line in stages[1:]} | {_tokens(stages[0])[2][0]}) == 1, "the stage column"
    assert len({_tokens(line)[1][1] for line in deadline if not line.startswith(" ")}) == 1, "the limit column"


def _figures(sentence: str, quote: str) -> list[str]:
    """The numbers a bottleneck sentence gives (shares, durations), the plan's quoted titles left out."""
    bare = re.sub(quote, "", sentence)
    found = re.findall(r"\d+ ?%|(?<![0-9A-Za-z])\d+[dhms](?:\d+[hms])*(?![0-9A-Za-z])|\d+\.\d+", bare)
    return sorted(figure.replace(" %", "%") for figure in found)  # English writes 36 %, Chinese 36%


def test_the_bottleneck_in_chinese_gives_the_english_run_s_figures(chinese: str, english: str) -> None:
    zh = next(line for line in chinese.splitlines() if line.startswith("瓶颈:"))
    en = next(line for line in english.splitlines() if line.startswith("Bottleneck: "))
    assert zh.endswith("。") and "补报往返" in zh and "“核实(必要时到现场)并报告办公室”" in zh, zh
    assert re.search(r"[A-Za-z]{4,}", re.sub(r"`[^`]*`", "", zh)) is None, f"English words in {zh}"
    figures = _figures(en, r"'[^']*'")
    assert figures and _figures(zh, r"“[^”]*”") == figures
    assert [line.split()[:2] for line in _block(chinese, "超时报告耗时最多之处")[1:]] == \
        [line.split()[:2] for line in _block(english, "where the misses lost most time")[1:]]


def test_the_readings_footnotes_in_chinese_name_the_same_rules_and_ranges(chinese: str, english: str) -> None:
    zh = [line for line in chinese.splitlines() if line.startswith("* ")]
    en = [line for line in english.splitlines() if line.startswith("* ")]
    assert zh and len(zh) == len(en)
    for line_zh, line_en in zip(zh, en, strict=True):
        assert "的按时率取决于对" in line_zh and "depends on" not in line_zh
        assert re.findall(r"\d+%", line_zh) == re.findall(r"\d+%", line_en)
        assert line_zh.split()[1] == line_en.split()[1]  # the rule's id, as written


def test_drillsim_lang_in_the_environment_speaks_as_lang_does(chinese: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLSIM_LANG", "zh")
    assert _run(BASELINE, "-n", "2") == chinese


def test_the_json_summary_keeps_its_keys_and_says_its_sentences_in_the_language() -> None:
    zh = json.loads(_run(BASELINE, "-n", "2", "--format", "json", "--readings", "none", "--lang", "zh"))
    en = json.loads(_run(BASELINE, "-n", "2", "--format", "json", "--readings", "none", "--lang", "en"))

    def keys(value: object) -> object:
        if isinstance(value, dict):
            return {key: keys(item) for key, item in value.items()}
        return [keys(item) for item in value] if isinstance(value, list) else None
    assert keys(zh) == keys(en)
    assert zh["bottleneck"]["sentence"].startswith("报告不完整:") and en["bottleneck"]["sentence"].startswith(
        "Incomplete reports:")
    assert zh["rules"] == en["rules"] and zh["bottleneck"]["share"] == en["bottleneck"]["share"]


def test_a_wrong_fail_under_is_told_in_chinese() -> None:
    done = drillsim("run", BASELINE, "--fail-under", "first_report=2", "--lang", "zh")
    assert done.returncode == 2 and done.stderr.strip() == "--fail-under 'first_report=2':按时率必须在0到1之间"


def test_a_scenario_named_in_chinese_keeps_its_tables_aligned_in_both_languages(tmp_path: Path) -> None:
    scenario = tmp_path / "named.yaml"
    scenario.write_text(f"""\
extends: {ROOT / BASELINE}
name: 基线周(中文命名)
actors:
  grid_worker: {{title: 社区网格员(负责本网格巡查和上报的同志), zh: 社区网格员(负责本网格巡查和上报的同志)}}
  leader: {{title: 领导小组组长兼现场总指挥, zh: 领导小组组长兼现场总指挥}}
people:
  party_secretary: {{title: 社区党委书记兼领导小组组长(主要负责人), zh: 社区党委书记兼领导小组组长(主要负责人)}}
""", encoding="utf-8")
    for lang, tables in (("zh", TABLES), ("en", ENGLISH_TABLES)):
        text = _run(str(scenario), "-n", "2", "--readings", "none", "--lang", lang)
        assert "社区网格员(负责本网格巡查和上报的同志)" in text and "社区党委书记兼领导小组组长(主要负责人)" in text
        _assert_aligned(text, tables, heads=lang == "zh")


def test_precision_not_reached_is_told_in_chinese_with_its_figures() -> None:
    done = drillsim("run", BASELINE, "-n", "2", "--precision", "0.2", "--max-replications", "3", "--readings", "none",
                    "--lang", "zh")
    assert done.returncode == 1
    assert re.match(r"未达到精度 ±20\.0%:已在上限3次重复运行时停止,\w+ 仍为 ±\d+\.\d%。\n", done.stdout), done.stdout
    assert done.stderr.startswith("未达到精度:重复运行3次(上限,--max-replications)后,最宽的95%半宽为±"), done.stderr
