"""The built-in plan quotes the plan it models: every entry's `text` is the original's own words, and together
the entries and the `unmodelled` section quote every paragraph of it.

The original is shipped beside the plan file (`plans/lanzhou-community.zh.txt`, package data). Texts are
compared with all whitespace removed: the original has none inside its paragraphs, and a YAML text may put
paragraphs on lines of their own.

Coverage rule. A heading (a line with no punctuation mark: `第十條按事件等級響應`, `1.信息報送的核心原則`) states
no rule and is left out. Every other paragraph must share a run of 12 characters (all of it, when shorter) with
the text of some entry: an entry of the model, a reading or one of its alternatives, or an `unmodelled` entry.
The reporting rules, from 第八條 to the end of 第十條, are held to more, sentence by sentence (each piece up to a
。): each sentence shares a run of at least half its length with some text. A paragraph of them can hold a
second rule that no entry carries (the written report's evidence after its 2 hours), and a run of 12 is too
easily shared with a like sentence elsewhere (`應包含應急信息核心要素,` is in Art. 8.1(4) too). Elsewhere a
paragraph is quoted at least in part: what the model does not simulate of it is the `unmodelled` section's to
say, and a paragraph the model uses in part is quoted by its entry (a working group's members) and by
`unmodelled` for the rest (the group's on-site tasks).
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterator
from importlib import resources

import pytest

from drillsim.scenario import loads
from drillsim.scenario.loader import BUILTIN_PLAN
from drillsim.scenario.schema import Scenario
from tests.helpers import ROOT

RUN = 12
"""Characters an entry's text must share with a piece of the original to quote it."""
PLANS = resources.files("drillsim.scenario") / "plans"
ORIGINAL = PLANS / f"{BUILTIN_PLAN}.zh.txt"


def bare(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def plan() -> Scenario:
    return loads((PLANS / f"{BUILTIN_PLAN}.yaml").read_text(encoding="utf-8"), f"<plan {BUILTIN_PLAN}>")


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    return [line.strip() for line in ORIGINAL.read_text(encoding="utf-8").splitlines() if line.strip()]


def entries(plan: Scenario) -> Iterator[tuple[str, str, str]]:
    """(where, article, text) of every entry of the plan that comes from its text."""
    kinds = {"actor": plan.actors, "person": plan.people, "working group": plan.working_groups,
             "category": plan.categories, "level": plan.levels, "major class": plan.major_classes,
             "core element": plan.core_elements, "deadline": plan.deadlines, "reading": plan.readings}
    for kind, mapping in kinds.items():
        assert mapping, f"the built-in plan has no {kind}: the test would check nothing of them"
        for name, entry in mapping.items():
            yield f"{kind} {name}", entry.article, entry.text
    for name in ("command_post", "escalation", "channels", "changes"):
        entry = getattr(plan, name)
        yield name, entry.article, entry.text
    yield "leadership_group", plan.leadership_group.get("article", ""), plan.leadership_group.get("text", "")
    for step in plan.flow:
        yield f"step {step.id}", step.article, step.text
    for article, unmodelled in plan.unmodelled.items():
        yield f"unmodelled {article}", article, unmodelled.text


def alternative_texts(plan: Scenario) -> Iterator[tuple[str, str]]:
    for name, reading in plan.readings.items():
        for alternative, values in reading.alternatives.items():
            if values.text:
                yield f"reading {name}={alternative}", values.text


def test_the_original_is_package_data_and_free_of_the_web_copys_encoding_noise(paragraphs: list[str]) -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["drillsim"]
    assert any(fnmatch.fnmatch(f"scenario/plans/{ORIGINAL.name}", pattern) for pattern in patterns)
    assert paragraphs[0] == "[蘭州某社區]社區治安巡邏與安全防范措施第一章總則"
    assert paragraphs[-1] == "(四)建立應急演練評估機制,對演練過程和效果進行評估,總結經驗教訓,不斷"
    whole = "".join(paragraphs)
    # Latin letters only as level numerals and the template's XX; no '?', no private-use character.
    assert set(re.findall(r"[A-Za-z]+", whole)) == {"I", "II", "III", "IV", "XX"}
    assert not re.search("[?\ue000-\uf8ff]", whole)
    for repaired in ("或對社區內造成重大影響", "燃氣泄漏、危化品泄漏事故;", "健康嚴重損害的傳染病疫情",
                     "或對[社會]秩序造成局部干擾", "協調轄區內應急處置工作。現場指揮部應在1小時內",
                     "提高預備隊應對突發事件的實戰能力"):
        assert repaired in whole, repaired


def test_every_entry_has_an_article_and_the_originals_own_words(plan: Scenario, paragraphs: list[str]) -> None:
    original = bare("".join(paragraphs))
    found = list(entries(plan)) + [(where, "(its reading's)", text) for where, text in alternative_texts(plan)]
    assert len(found) > 100
    missing = [where for where, article, text in found if not article.strip() or not text.strip()]
    assert not missing, f"no article or no text: {missing}"
    not_quoted = [where for where, _, text in found if bare(text) not in original]
    assert not not_quoted, f"text not in {ORIGINAL.name}: {not_quoted}"


def test_a_deadlines_number_is_its_own_exactly_when_its_text_states_it(plan: Scenario) -> None:
    """A rule whose limit the plan states (`20分鐘`, `1小時`) is not open, and the plan states exactly these four."""
    stated = {20 * 60: "20分鐘", 40 * 60: "40分鐘", 3600: "1小時", 2 * 3600: "2小時"}
    own = {rule_id for rule_id, rule in plan.deadlines.items() if not rule.open}
    assert own == {"office_to_leadership", "command_post_upward", "province_phone", "province_written"}
    for rule_id in own:
        rule = plan.deadlines[rule_id]
        assert stated[rule.limit] in rule.text, rule_id


def pieces(paragraph: str, by_sentence: bool) -> list[str]:
    """A paragraph, or its sentences (each up to and with its 。)."""
    if not by_sentence:
        return [paragraph]
    return [piece for piece in re.findall(r"[^。]*。?", paragraph) if piece]


def heading(paragraph: str) -> bool:
    return not re.search(r"[。,;:、]", paragraph)


def quoted(piece: str, whole: str, run: int) -> bool:
    """Whether `whole` (the texts, joined by a character none holds) shares a run of `run` characters with `piece`."""
    return any(piece[i:i + run] in whole for i in range(len(piece) - run + 1))


def uncovered(paragraphs: list[str], texts: list[str]) -> list[str]:
    """The pieces of the original no text quotes, by the rule of the module's docstring."""
    whole = "\0".join(map(bare, texts))
    rules = False
    out = []
    for paragraph in paragraphs:
        if paragraph.startswith("第八條"):
            rules = True
        elif paragraph.startswith("第五章"):
            rules = False
        if heading(paragraph):
            continue
        for piece in pieces(paragraph, rules):
            run = max(RUN, (len(piece) + 1) // 2) if rules else RUN
            if not quoted(piece, whole, min(run, len(piece))):
                out.append(piece)
    return out


def test_every_paragraph_of_the_plan_is_quoted_by_an_entry_or_by_unmodelled(
        plan: Scenario, paragraphs: list[str]) -> None:
    texts = [text for _, _, text in entries(plan)] + [text for _, text in alternative_texts(plan)]
    assert uncovered(paragraphs, texts) == []
    # The rule has teeth: without `unmodelled`, Art. 9 and 12 go unquoted, and so does the written report's second
    # sentence without the step that carries it, although the deadline quotes the first.
    modelled = [text for where, _, text in entries(plan) if not where.startswith("unmodelled")]
    missing = uncovered(paragraphs, modelled)
    assert "(一)將應急處置所需經費納入[蘭州某社區]年度財政預算,確保應急處置資金來源的穩定性和可持續性。" in missing
    assert any(piece.startswith("(一)領導小組辦公室負責日常應急管理工作") for piece in missing)
    without_step = [text for where, _, text in entries(plan) if where != "step written_province"] + [
        text for _, text in alternative_texts(plan)]
    assert uncovered(paragraphs, without_step) == ["書面報告應包含應急信息核心要素,并附相關證據材料(如照片、視頻等)。"]


def test_unmodelled_names_what_the_model_leaves_out(plan: Scenario) -> None:
    for article in ("Art. 9", "Art. 12", "Art. 14", "Art. 8.1(3)", "Art. 11(5)", "Art. 10.4(1)"):
        assert article in plan.unmodelled, article
        assert plan.unmodelled[article].why.strip()
    assert "真實性" in plan.unmodelled["Art. 8.1(3)"].text
