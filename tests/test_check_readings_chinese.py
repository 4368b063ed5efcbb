"""`drillsim check --lang zh` and `drillsim readings --lang zh`: the findings and the readings table in Chinese,
with the English numbers, the same exit status and JSON keys, and the table's columns at the same terminal cells
though a Chinese character takes two."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from rich.cells import cell_len

from tests.helpers import drillsim

BASELINE = "scenarios/baseline-week.yaml"
HAN = re.compile(r"[\u4e00-\u9fff]")
RATE = re.compile(r"\s(-|\d+\.\d%|无此规则)(?:\s|$)")
"""A row's hit rate: the first percentage, dash or missing rule after its reading and alternative."""


def _finding(text: str, head: str, join: str) -> str:
    """A finding's lines after its `kind  subject` head, up to the blank line, joined again where the message was
    wrapped (at a space in English, anywhere in Chinese)."""
    lines = text.splitlines()
    start = lines.index(head) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines))
    return join.join(line.strip() for line in lines[start:end])


def test_check_in_chinese_says_the_contradiction_with_the_english_numbers() -> None:
    chinese, english = drillsim("check", BASELINE, "--lang", "zh"), drillsim("check", BASELINE, "--lang", "en")
    assert chinese.returncode == english.returncode == 1, chinese.stderr
    head = "contradiction  grid_to_office/office_to_leadership"
    zh, en = _finding(chinese.stdout, head, ""), _finding(english.stdout, head, " ")
    assert "33m30s" in en and "13m30s past office_to_leadership's limit" in en
    assert "至少在occurred后33m30s才到" in zh and "超出office_to_leadership的时限13m30s" in zh
    assert "现行解读：grid_to_office.limit=30m" in zh and "按以下解读即可消除：" in zh
    assert chinese.stdout.splitlines()[0] == "基准周：5个问题，另有34条供参考"
    assert "供参考：模型不模拟的方案条文(34条)" in chinese.stdout.splitlines()
    assert not re.search(r"^Informational|readings in force|goes away when", chinese.stdout, flags=re.MULTILINE)
    lines = chinese.stdout.splitlines()
    message = lines[lines.index(head) + 1:lines.index(head) + 6]
    assert all(cell_len(line) <= 100 for line in message) and max(cell_len(line) for line in message) > 90


def _shape(data: Any) -> Any:
    """The JSON's keys, nested, without its values."""
    if isinstance(data, dict):
        return {key: _shape(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_shape(value) for value in data]
    return None


def test_check_json_keeps_its_keys_subjects_and_figures_and_says_its_messages_in_the_language() -> None:
    zh = json.loads(drillsim("check", BASELINE, "--format", "json", "--lang", "zh").stdout)
    en = json.loads(drillsim("check", BASELINE, "--format", "json", "--lang", "en").stdout)
    assert _shape(zh) == _shape(en)
    for one, other in zip(zh["findings"], en["findings"], strict=True):
        assert {k: v for k, v in one.items() if k != "message"} == {k: v for k, v in other.items() if k != "message"}
    counted = [(one["message"], other["message"]) for one, other in zip(zh["findings"], en["findings"], strict=True)
               if not one["informational"]]
    assert counted and all(HAN.search(one) and not HAN.search(other) for one, other in counted)


def _readings(lang: str) -> str:
    done = drillsim("readings", BASELINE, "-n", "3", "--lang", lang)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def readings() -> tuple[str, str]:
    return _readings("zh"), _readings("en")


def _as_read(text: str, pattern: str) -> dict[str, str]:
    """Rule -> its hit rate as read, from each rule's first line."""
    return {match[0]: match[1] for match in re.findall(pattern, text, flags=re.MULTILINE)}


def test_readings_in_chinese_have_the_english_hit_rates(readings: tuple[str, str]) -> None:
    zh, en = readings
    chinese = _as_read(zh, r"^(\w+)：按现行解读为(-|\d+\.\d%)")
    english = _as_read(en, r"^(\w+): (-|\d+\.\d%) as read")
    assert len(english) == 10 and chinese == english
    assert re.findall(r"\d+\.\d%", zh) == re.findall(r"\d+\.\d%", en)
    assert zh.splitlines()[1].startswith("15种解读，每次只换一种解读，用同一批事件(重复运行3次，种子20261128)")


def test_readings_in_chinese_keep_their_columns_aligned_in_terminal_cells(readings: tuple[str, str]) -> None:
    zh, _en = readings
    lines = zh.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("  解读 ")]
    assert len(heads) == 7
    for i in heads:
        head = lines[i]
        assert head.split() == ["解读", "备选解读", "按时率", "差值", "95%区间", "条款"]
        rate_end = cell_len(head[:head.index("按时率") + 3])
        article_at = cell_len(head[:head.index("条款")])
        block = lines[i + 1:lines.index("", i)] if "" in lines[i:] else lines[i + 1:]
        rows = [row for row in block if not row.startswith(("  在", "  另有"))]
        assert rows
        for row in rows:
            match = RATE.search(row)
            assert match is not None, row
            assert cell_len(row[:match.end(1)]) == rate_end, (head, row)
            if "Art." in row:
                assert cell_len(row[:row.index("Art.")]) == article_at, (head, row)
