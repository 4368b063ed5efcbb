"""The catalogs: every message of the code in Chinese and English, with the same placeholders, and nothing else;
and the language drillsim speaks, as a user chooses it (drillsim.i18n)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from drillsim import i18n
from tests.helpers import drillsim
from tools.catalogs import KEYWORDS, PACKAGE, extracted, read


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_message_of_the_code_has_a_text_in_the_catalog_and_the_catalog_nothing_else(lang: str) -> None:
    messages = {message for message, _ in extracted()}
    catalog = read(lang)
    written = {tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id for m in catalog if m.id}
    assert sorted(map(str, messages - written)) == [], "run tools/catalogs.py"
    assert sorted(map(str, written - messages)) == [], "messages the code no longer has: run tools/catalogs.py"
    for message in catalog:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
        texts = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
        assert all(texts), f"{lang}: no text for {ids[0]!r}"
        for text in texts:
            assert _fields(text) == _fields(ids[0]), (lang, ids[0], text)


def test_a_message_is_a_literal_the_catalog_can_hold() -> None:
    """`_(f"...")` or `_(name)` would be extracted as nothing, and shown untranslated: every call is a literal."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS \
                    and path.name != "i18n.py":
                literal = node.args[:2 if node.func.id == "ngettext" else 1]
                if not literal or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in literal):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_the_language_is_the_one_chosen_then_the_environment_s_the_plan_s_the_locale_s(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", i18n.ENVIRONMENT):
        monkeypatch.delenv(name, raising=False)
    assert i18n.resolve() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.resolve() == "zh" and i18n.resolve(plan="en") == "en"
    monkeypatch.setenv(i18n.ENVIRONMENT, "en")
    assert i18n.resolve(plan="zh") == "en" and i18n.resolve("zh", plan="en") == "zh"
    assert [i18n.parse(t) for t in ("zh-Hant", "zh_TW.Big5", "EN_gb", "fr", "", None)] == \
        ["zh", "zh", "en", None, None, None]


def test_a_message_in_chinese_and_in_english() -> None:
    with i18n.speaking("zh"):
        assert i18n._("interrupted; nothing half-written was left behind") == "已中断;没有留下写了一半的文件"
        assert i18n._("a message no catalog has") == "a message no catalog has"
    with i18n.speaking("en"):
        assert i18n._("interrupted; nothing half-written was left behind") == \
            "interrupted; nothing half-written was left behind"


def test_lang_is_an_option_of_every_command_and_of_drillsim_itself() -> None:
    from drillsim.cli import main

    def commands(group: object, path: str) -> list[tuple[str, object]]:
        out = [(path, group)]
        for name, sub in getattr(group, "commands", {}).items():
            out += commands(sub, f"{path} {name}")
        return out
    missing = [path for path, command in commands(main, "drillsim")
               if "--lang" not in [o for p in command.params for o in getattr(p, "opts", [])]]  # type: ignore[attr-defined]
    assert missing == []
    done = drillsim("validate", "--lang", "xx", "scenarios/baseline-week.yaml")
    assert done.returncode == 2 and "'xx' is not one of 'zh', 'en'" in done.stderr


def test_the_package_ships_its_catalogs() -> None:
    from importlib import resources
    for lang in i18n.LANGUAGES:
        assert (resources.files("drillsim") / "locale" / lang / "LC_MESSAGES" / "drillsim.po").is_file()
    assert Path(PACKAGE / "locale").is_dir()
