"""A scenario that renames an entry of its plan is shown by its own name in Chinese too: the plan's Chinese name
named the plan's title, not the scenario's (drillsim.scenario.loader, drillsim.scenario.names)."""

from __future__ import annotations

import json
from pathlib import Path

from drillsim import i18n
from drillsim.scenario import load, loads
from drillsim.scenario.names import example_of, title_of


def test_an_entry_retitled_in_english_loses_the_plan_s_chinese_name_and_only_it(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text("name: base\nhorizon: 1d\nactors:\n  office: {title: Duty desk}\n"
                    "categories:\n  social_security:\n    examples: {group_fight: a brawl}\n", encoding="utf-8")
    later = tmp_path / "later.yaml"
    later.write_text("extends: base.yaml\nactors:\n  grid_worker: {title: Block warden, zh: 楼栋长}\n"
                     "  deputy: {title: Second in command}\n", encoding="utf-8")
    with i18n.speaking("zh"):
        first = load(base)
        assert title_of(first.actors["office"]) == "Duty desk"
        assert example_of(first, "social_security", "group_fight") == "a brawl"
        assert title_of(first.actors["grid_worker"]) == "网格员"  # not renamed: the plan's name
        assert example_of(first, "social_security", "cult_gathering") == "邪教组织公开进行非法集会、传教"
        second = load(later)
        assert [title_of(second.actors[a]) for a in ("office", "grid_worker", "deputy", "leader")] == \
            ["Duty desk", "楼栋长", "Second in command", "领导小组组长"]


def test_a_whole_plan_document_keeps_every_chinese_name_it_writes() -> None:
    """The effective scenario of a run writes title and zh side by side: loading it again changes nothing."""
    plan = loads("name: the plan\n")
    whole = {k: v for k, v in plan.model_dump(mode="json", by_alias=True).items() if k != "plan"}  # as a run writes it
    again = loads(json.dumps(whole, ensure_ascii=False))
    assert again.actors == plan.actors and again.categories == plan.categories
    assert again.actors["office"].zh == plan.actors["office"].zh != ""
