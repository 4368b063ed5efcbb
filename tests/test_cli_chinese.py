"""`drillsim --lang zh`: every help page, click's own words, the usage errors and the sweep, compare and n-1 tables
in Chinese, with the English numbers, the columns at the same terminal cells though a Chinese character takes two;
`--lang` takes effect wherever it is written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from drillsim import i18n
from drillsim.cli import main
from drillsim.cli.language import Command, Group
from tests.helpers import ROOT

HAN = re.compile(r"[\u4e00-\u9fff]")
NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"
PERCENT = re.compile(r"[-+]?\d+\.\d%")


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(main))


def _invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env, terminal_width=80)


def _help(path: tuple[str, ...], lang: str) -> str:
    done = _invoke(*path, "--help", "--lang", lang)
    assert done.exit_code == 0, done.output
    return str(done.stdout)


_CODE = re.compile(r"`[^`]*`|\S*[-_.=/:@<>\[\]$*,+|\d]\S*")
"""What a help page writes as code, whatever its language: `quoted`, option names, paths, metavars, ranges."""
_ENGLISH = re.compile(r"\b[A-Za-z]+(?: +[A-Za-z]+){2,}\b")
"""Three English words in a row: a sentence left in English."""


def _english_left(text: str) -> list[str]:
    return [found for line in text.splitlines() for found in _ENGLISH.findall(_CODE.sub(" ", line))]


def test_every_command_is_a_drillsim_command_whose_texts_are_all_in_the_catalog() -> None:
    missing = []
    for path, command in COMMANDS:
        assert isinstance(command, Group if isinstance(command, click.Group) else Command), path
        texts = [command.help, *(p.help for p in command.params if isinstance(p, click.Option))]
        with i18n.speaking("zh"):
            missing += [(path, text) for text in texts if text and not HAN.search(i18n.gettext(text))]
    assert missing == []


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "drillsim" for p, _ in COMMANDS])
def test_every_help_page_in_chinese_has_no_english_sentence_left(path: tuple[str, ...],
                                                                 command: click.Command) -> None:
    page = _help(path, "zh")
    lines = page.splitlines()
    assert lines[0].startswith(f"用法： drillsim {' '.join(path)}".rstrip() + " [选项]"), lines[0]
    assert "选项：" in lines and "  -h, --help" in page and "显示本帮助并退出。" in page
    assert ("命令：" in lines) == isinstance(command, click.Group)
    assert _english_left("\n".join(lines[1:])) == [], page
    assert not re.search(r"Usage|Options|Commands|Show this|default:|INTEGER|DIRECTORY|\[OPTIONS\]", page)
    assert all(cell_len(line) <= 80 for line in lines), [line for line in lines if cell_len(line) > 80]
    english = _help(path, "en")
    assert not HAN.search(english) and english.startswith("Usage: drillsim") and "Show this message and exit." \
        in english


def test_the_english_finder_finds_the_english_page() -> None:
    """The check above can fail: the English page is full of what it looks for."""
    assert len(_english_left(_help(("run",), "en"))) > 20


def test_check_help_lists_the_kinds_of_finding_in_chinese() -> None:
    page = _help(("check",), "zh")
    kinds = page[page.index("问题的种类："):].splitlines()[1:]
    assert [line.split()[0] for line in kinds if line.startswith("  ") and not line.startswith("   ")] == [
        "infeasible", "tight", "contradiction", "never_applies", "never_reached", "no_upward_deadline", "off_duty",
        "short_handed", "not_simulated"]
    assert "  off_duty            能办理某个步骤的人都不在岗的时段" in kinds


def test_lang_takes_effect_wherever_it_is_written() -> None:
    after = _invoke("run", "--help", "--lang", "zh").stdout
    assert after.startswith("用法： drillsim run [选项] SCENARIO\n\n  运行一个情景，对预案的每个时限给出结论。")
    assert _invoke("--lang", "zh", "run", "--help").stdout == after
    assert _invoke("run", "--lang=zh", "--help").stdout == after
    assert _invoke("run", "--help", env={i18n.ENVIRONMENT: "zh"}).stdout == after
    assert _invoke("--lang", "zh", "run", "--help", "--lang", "en").stdout.startswith("Usage: drillsim run [OPTIONS]")
    assert _invoke("--lang", "zh", "--help").stdout.startswith("用法： drillsim [选项] 命令 [参数]...")


ERRORS = [
    (("run", "--bogus", "x"), "drillsim run：没有选项 '--bogus'，是不是想用 '--jobs'、'--out'、'--verbose'；"
                              "请看“drillsim run --help”"),
    (("runn",), "drillsim：没有命令 'runn'，是不是想用 'run'；请看“drillsim --help”"),
    (("run",), "drillsim run：缺少参数 'SCENARIO'；请看“drillsim run --help”"),
    (("run", "--format", "xx", "s"), "drillsim run：'--format' 的值无效：'xx' 不是 'table'、'json' 之一；"
                                     "请看“drillsim run --help”"),
    (("run", "-n", "x", "s"), "drillsim run：'-n' / '--replications' 的值无效：'x' 不是整数；"
                              "请看“drillsim run --help”"),
    (("run", "-n", "0", "s"), "drillsim run：'-n' / '--replications' 的值无效：0 不在范围 1<=x<=100000 内；"
                              "请看“drillsim run --help”"),
    (("run", "--precision", "x", "s"), "drillsim run：'--precision' 的值无效：'x' 不是数字；请看“drillsim run --help”"),
    (("run", "--precision", "nan", "s"), "drillsim run：'--precision' 的值无效：nan 不是有限的数；"
                                         "请看“drillsim run --help”"),
    (("report", "/no/such/run"), "drillsim report：'RUN_DIR' 的值无效：目录 '/no/such/run' 不存在；"
                                 "请看“drillsim report --help”"),
    (("plan", "a", "b"), "drillsim plan：多出了参数：b；请看“drillsim plan --help”"),
    (("exercise",), "drillsim exercise：缺少命令；请看“drillsim exercise --help”"),
    (("run", "--timeline=yes", "s"), "drillsim：选项 '--timeline' 不带值；请看“drillsim --help”"),
]


@pytest.mark.parametrize(("args", "said"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_a_usage_error_in_chinese_is_one_line_exit_2(args: tuple[str, ...], said: str) -> None:
    chinese, english = _invoke(*args, "--lang", "zh"), _invoke(*args, "--lang", "en")
    assert (chinese.exit_code, chinese.stdout, chinese.stderr) == (2, "", said + "\n")
    assert english.exit_code == 2 and english.stderr.count("\n") == 1 and not HAN.search(english.stderr)
    assert english.stderr.endswith(f"; see '{said.split('：')[0]} --help'\n")


def _ends(line: str, *heads: str) -> list[int]:
    """Where each head ends on a line, in terminal cells."""
    return [cell_len(line[:line.index(head) + len(head)]) for head in heads]


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("night") / "night.yaml"
    path.write_text(NIGHT.read_text(encoding="utf-8").replace("horizon: 7d", "horizon: 1d"), encoding="utf-8")
    return path


def _both(*args: str) -> tuple[str, str]:
    chinese, english = _invoke(*args, "--lang", "zh"), _invoke(*args, "--lang", "en")
    assert chinese.exit_code == english.exit_code == 0, chinese.output + english.output
    return str(chinese.stdout), str(english.stdout)


def test_sweep_in_chinese_lines_up_and_has_the_english_numbers(night: Path) -> None:
    zh, en = _both("sweep", str(night), "--vary", "office.shifts[1].staff=1..2", "--vary", "load=1,3", "-n", "3",
                   "--seed", "8", "--target", "continuation>=0.85", "--target", "grid_to_office>=0.9")
    assert zh.splitlines()[0].endswith("：4 个组合 × 重复运行 3 次，种子 8，"
                                       "各组合之间的事件不同（负荷不同：1 对 3）")
    assert zh.splitlines()[1] == "成本：1d 内的人·小时；按时率附 95%区间"
    assert PERCENT.findall(zh) == PERCENT.findall(en) and len(PERCENT.findall(en)) > 20
    lines = zh.splitlines()
    head = lines[3]
    assert head.split() == ["#", "office.shifts[1].staff", "load", "成本", "continuation>=85%", "grid_to_office>=90%"]
    cost_end = _ends(head, "成本")[0]
    starts = [cell_len(head[:head.index(h)]) for h in ("continuation", "grid_to_office")]
    for row, english in zip(lines[4:8], en.splitlines()[4:8], strict=True):
        found = re.match(r"\s*\d+\s+\d+\s+\d+\s+\d+", row)
        assert found is not None and cell_len(row[:found.end()]) == cost_end, row
        assert [cell_len(row[:m.start()]) for m in PERCENT.finditer(row)][::3] == starts, row
        assert row.endswith("<- 成本最低") == english.endswith("<- cheapest")
        assert ("全部达标" in row) == ("meets all" in english)
    assert "余量：每个目标仍能守住的最大负荷（在此之前的每个负荷下都能守住）" in lines
    assert "  office.shifts[1].staff=1：continuation>=0.85：负荷 1（在 3 时守不住）" in lines


_COMPARED = re.compile(r"(.*?) +(\S+) +(\S+) +(\S+) +(\S+(?:至| to )\S+) +(是|否|yes|no)$")


def test_compare_in_chinese_lines_up_and_has_the_english_numbers(night: Path, tmp_path: Path) -> None:
    other = tmp_path / "more.yaml"
    other.write_text(night.read_text(encoding="utf-8").replace("  office:\n    staff: 2", "  office:\n    staff: 4"),
                     encoding="utf-8")
    zh, en = _both("compare", str(night), str(other), "-n", "2")
    assert zh.splitlines()[2].startswith("重复运行 2 次，种子 ") and "B - A，同一批事件，配对 95%区间" in zh
    blocks = [line for line in zh.splitlines() if line.startswith(("按时率 ", "平均等待 "))]
    assert len(blocks) == 2
    rows: list[tuple[str, ...]] = []
    for head in blocks:
        ends = _ends(head, " A", " B", "B - A", "95%区间")
        verdict_at = cell_len(head[:head.index("可区分")])
        part = zh.splitlines()[zh.splitlines().index(head) + 1:]
        for row in part[:part.index("")] if "" in part else part:
            found = _COMPARED.match(row)
            assert found is not None, row
            assert [cell_len(row[:found.end(i)]) for i in (2, 3, 4, 5)] == ends, (head, row)
            assert cell_len(row[:found.start(6)]) == verdict_at, (head, row)
            rows.append(found.groups()[1:])
    assert "网格员" in zh and "Grid worker" in en
    english = [found.groups()[1:] for line in en.splitlines() if (found := _COMPARED.match(line))]
    said = {"是": "yes", "否": "no"}
    assert [(*row[:3], row[3].replace("至", " to "), said[row[4]]) for row in rows] == english


def test_n_minus_one_in_chinese_lines_up_and_has_the_english_numbers(night: Path) -> None:
    zh, en = _both("n-1", str(night), "-n", "2")
    lines, english = zh.splitlines(), en.splitlines()
    assert "：11 种缺岗，每种都与全员在岗时用同一批事件（重复运行 2 次，种子 7）" in lines[0]
    assert lines[2].startswith("预案最离不开 ") and english[2].startswith("The plan can least do without ")
    assert PERCENT.findall(zh) == PERCENT.findall(en)
    head = lines[4]
    assert head.split() == ["缺岗", "规则", "全员", "缺岗时", "变化", "95%区间", "显著"]
    rule_at = cell_len(head[:head.index("规则")])
    ends = _ends(head, "全员", "缺岗时", "变化", "95%区间")
    verdict_at = cell_len(head[:head.index("显著")])
    rows = lines[5:]
    assert rows and any("人中的一人）" in row for row in rows)
    for row in rows:
        found = re.match(r"(.*?) +(\S+) +(\S+%) +(\S+%) +(\S+%) +(\S+至\S+) +(是|否)$", row)
        assert found is not None, row
        assert cell_len(row[:found.start(2)]) == rule_at, row
        assert [cell_len(row[:found.end(i)]) for i in (3, 4, 5, 6)] == ends, row
        assert cell_len(row[:found.start(7)]) == verdict_at, row
    assert [row.split()[-1] for row in rows] == [{"yes": "是", "no": "否"}[row.split()[-1]] for row in english[5:]]
