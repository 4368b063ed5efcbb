"""Plots in Chinese: every plot of every bundled scenario and of a Chinese-named one, with no missing glyph.

Chinese comes from the CJK font shipped in drillsim/fonts, the fallback after
DejaVu Sans, so no system font is needed. The PNGs are kept in
artifacts/plots-zh/ for a person to look at.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from drillsim import api, plots
from drillsim.i18n import catalog, speaking
from drillsim.results import Results
from drillsim.scenario.names import scenario_name
from tests.helpers import ROOT, SCENARIOS

matplotlib.use("Agg")
ARTIFACTS = ROOT / "artifacts" / "plots-zh"
PACKAGE = ROOT / "src" / "drillsim"
TITLES = {"hit-rates": "{label}: how often each deadline was met",
          "bottleneck": "{label}: where the minutes went, per deadline",
          "actor-load": "{label}: who was busy, and who was waited for, over the day",
          "worst-incident": "{label}: incident {incident} of replication {replication}",
          "time-to-report": "{label}: time to report against each deadline"}
"""Each plot's title as written in the code, the catalog's Chinese expected instead."""

ACTORS = {"discoverer": "发现人/知情人", "department_head": "部门负责人", "grid_worker": "网格员",
          "office": "办公室（信息组）", "leader": "领导小组组长", "deputy": "副组长", "commander": "现场指挥长",
          "committee_member": "两委委员", "community_police": "社区民警", "property_security": "物业保安",
          "health_station": "社区卫生服务站", "volunteer": "志愿者", "working_group": "工作组",
          "command_post": "现场指挥部", "reserve_team": "预备队", "professional_responders": "专业救援力量",
          "street": "街道", "district": "区政府", "city": "市政府", "province": "省委办公厅"}
CATEGORIES = {"social_security": "社会安全类", "public_security_criminal": "重大治安刑事类",
              "accidents_disasters": "事故灾害类", "public_health": "公共卫生类", "natural_disasters": "自然灾害类",
              "network_security": "网络与信息安全类", "exam_security": "考试安全类", "other": "其他"}
DEADLINES = {"first_report": "首报", "grid_to_office": "网格员报办公室", "office_to_leadership": "办公室报领导小组",
             "command_post_upward": "现场指挥部向上报告", "province_phone": "电话报省委办公厅",
             "province_written": "书面报省委办公厅", "continuation": "续报", "continuation_province": "向省续报",
             "final_report": "终报", "upward_without_post": "未设现场指挥部时向上报告"}
INJECTS = {"robbery": "持刀抢劫致两人受伤（Block 3 东门）", "gas": "燃气泄漏，疏散 12 户",
           "poisoning": "食堂集体食物中毒，送医 8 人"}


def chinese_scenario(tmp_path: Path) -> Path:
    """Three level-II incidents within ten minutes, every actor, category, group and deadline named in Chinese."""
    data = yaml.safe_load((ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml").read_text())
    data["name"] = "十分钟内三起II级事件"
    data["horizon"] = "6h"
    data["actors"] = {actor: {"title": title} for actor, title in ACTORS.items()}
    data["categories"] = {category: {"title": title} for category, title in CATEGORIES.items()}
    data["working_groups"] = {group: {"title": f"{CATEGORIES.get(group, '信息')}工作组"}
                              for group in [*CATEGORIES.keys() - {"other"}, "information"]}
    data["deadlines"] = {rule: {"title": f"{title}时限"} for rule, title in DEADLINES.items()}
    for inject in data["injects"]:
        inject["description"] = INJECTS[inject["id"]]
    path = tmp_path / "chinese.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def cjk(text: str) -> bool:
    return re.search("[\u4e00-\u9fff]", text) is not None


def draw_in_chinese(results: Results, stem: str) -> list[tuple[str, Figure]]:
    """Every plot of a run, in Chinese, saved as PNG and SVG with every warning an error; the figures."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    drawn = []
    with warnings.catch_warnings(), speaking("zh"):
        warnings.simplefilter("error")
        for name, figure in plots.render(results):
            png = plots.to_bytes(figure, "png")
            assert png.startswith(b"\x89PNG") and len(png) > 20_000
            (ARTIFACTS / f"{stem}--{name}.png").write_bytes(png)
            svg = plots.to_bytes(figure, "svg").decode()
            # Text as paths: the SVG needs no font, its glyphs are drawn from the packaged font's outlines.
            assert "<text" not in svg and "font-family" not in svg and "<path" in svg
            drawn.append((name, figure))
    return drawn


def assert_speaks_chinese(results: Results, drawn: list[tuple[str, Figure]]) -> None:
    zh = catalog("zh")
    for name, figure in drawn:
        ax = figure.axes[0]
        heading = ax.get_title().split("\n")[0]
        expected = str(zh[TITLES[name]])
        with speaking("zh"):
            label = scenario_name(results.scenario, results.label)
        pattern = re.escape(expected).replace(re.escape("{label}"), re.escape(label))
        assert re.fullmatch(re.sub(r"\\\{\w+\\\}", r"\\d+", pattern), heading), (name, heading, expected)
        assert cjk(ax.get_xlabel()), (name, ax.get_xlabel())
        legend = ax.get_legend()
        assert legend is not None and any(cjk(t.get_text()) for t in legend.get_texts()), name


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_plot_of_every_bundled_scenario_draws_in_chinese_without_a_missing_glyph(scenario: Path) -> None:
    results = api.run(api.load(scenario), replications=1)
    assert_speaks_chinese(results, draw_in_chinese(results, scenario.stem))


def test_a_scenario_named_in_chinese_draws_its_names_in_every_plot(tmp_path: Path) -> None:
    results = api.run(api.load(chinese_scenario(tmp_path)), replications=2)
    drawn = draw_in_chinese(results, "chinese-names")
    assert_speaks_chinese(results, drawn)
    texts = {name: [t.get_text() for t in figure.findobj(Text)] for name, figure in drawn}
    assert all(any(results.label in t for t in found) for found in texts.values())
    assert "首报时限 (5m)" in texts["hit-rates"]
    lanes = [t.get_text() for t in dict(drawn)["worst-incident"].axes[0].get_yticklabels()]
    assert "网格员" in lanes and any(t.startswith("领导小组组长") for t in lanes)
    assert any(description in title for title in texts["worst-incident"] for description in INJECTS.values())
    assert any(t.startswith("办公室（信息组）（在岗：") for t in texts["actor-load"])


def test_the_sweep_and_running_mean_plots_speak_chinese() -> None:
    frame = api.running_mean(api.run(api.load(SCENARIOS[0]), replications=1), rule="first_report")
    sweep = {"point": [0, 1], "staffing.office.staff": [1, 2], "load": 1.0, "cost": [168.0, 336.0],
             "rule": "office_to_leadership", "applicable": 100, "met": [70, 99], "missed": [30, 1], "pending": 0,
             "rate": [0.70, 0.99], "low": [0.6, 0.96], "high": [0.78, 1.0], "target": 0.95, "meets": [False, True],
             "meets_all": [False, True], "cheapest": [False, True]}
    with warnings.catch_warnings(), speaking("zh"):
        warnings.simplefilter("error")
        welch = plots.running_mean(frame)
        swept = plots.sweep_hit_rates(pd.DataFrame(sweep), titles={"office_to_leadership": "办公室报领导小组"})
        for ax in (welch, swept):
            plots.to_bytes(plots.figure_of(ax), "png")
    assert welch.get_xlabel() == catalog("zh")[
        "hours since the start (bins by when the clock started or the task was queued)"]
    assert swept.get_title() == "按时率随所调方案的变化"
    labels = [t.get_text() for t in swept.get_legend().get_texts()]
    assert any(label.startswith("办公室报领导小组（目标 95%）") for label in labels)
    cheapest = "满足所有目标的最低成本方案：staffing.office.staff = 2（成本 336）"
    assert any(label.startswith(cheapest) for label in labels)


def test_english_plots_keep_their_english_words() -> None:
    results = api.run(api.load(SCENARIOS[0]), replications=1)
    with speaking("en"):
        ax = plots.hit_rates(results)
    assert ax.get_title() == f"{results.label}: how often each deadline was met"
    assert ax.get_xlabel() == "deadlines met (%), with 95 % interval"
    assert not any(cjk(t.get_text()) for t in plots.figure_of(ax).findobj(Text))


def test_a_glyph_in_neither_font_is_an_error_here() -> None:
    """The checks above can fail: Hangul, which the packaged font leaves out, is a missing glyph."""
    figure = Figure()
    ax = figure.subplots()
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="Glyph"):
        warnings.simplefilter("error")
        plots.register_font()
        with matplotlib.rc_context(plots.STYLE):
            ax.set_title("한국어")
        plots.to_bytes(figure, "png")


def test_the_font_ships_with_its_license_and_matplotlib_draws_chinese_with_it() -> None:
    fonts = PACKAGE / "fonts"
    assert plots.FONT.parent == fonts and plots.FONT.is_file()
    license_text = (fonts / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in license_text and "Adobe" in license_text
    assert "Noto Sans CJK SC" in (fonts / "README.md").read_text()
    assert plots.register_font() == plots.CJK_FAMILY
    # matplotlib's fallback: each character from the first font of the family list that has it.
    found = [font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
             for family in plots.FAMILY]
    assert Path(found[1]) == plots.FONT
    has = [font_manager.get_font(path).get_charmap() for path in found]
    assert ord("首") not in has[0] and ord("首") in has[1]
    assert ord("A") in has[0]


def test_drawing_leaves_the_users_own_matplotlib_settings_alone() -> None:
    before = dict(matplotlib.rcParams)
    figure = Figure()
    ax = figure.subplots()
    with speaking("zh"):
        plots.time_to_report(api.run(api.load(SCENARIOS[0]), replications=1), ax=ax)
    assert dict(matplotlib.rcParams) == before
    # An Axes the user made draws drillsim's labels in drillsim's fonts all the same.
    assert ax.get_yticklabels()[0].get_fontfamily() == plots.FAMILY
    assert ax.title.get_fontfamily() == plots.FAMILY


def test_the_packaged_font_covers_the_plan_gb2312_big5_level_1_and_every_chinese_text_of_the_catalog() -> None:
    cmap = TTFont(plots.FONT).getBestCmap()
    dejavu = font_manager.get_font(font_manager.findfont("DejaVu Sans")).get_charmap()
    gb2312 = {bytes([hi, lo]).decode("gb2312", errors="ignore") for hi in range(0xA1, 0xF8) for lo in range(0xA1, 0xFF)}
    big5 = {bytes([hi, lo]).decode("big5", errors="ignore") for hi in range(0xA4, 0xC7)
            for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)] if 0xA440 <= hi << 8 | lo <= 0xC67E}
    plan = "".join(p.read_text(encoding="utf-8") for p in (PACKAGE / "scenario" / "plans").iterdir())
    shown = "".join(str(text) for text in catalog("zh").values())
    assert len(gb2312 - {""}) == 7445 and len(big5 - {""}) == 5401
    assert not {c for c in gb2312 | big5 if c and ord(c) not in cmap}
    assert not {c for c in plan + shown if c.isprintable() and ord(c) not in cmap and ord(c) not in dejavu}


def test_a_pdf_embeds_the_font_as_type_42() -> None:
    figure = Figure()
    plots.register_font()
    with matplotlib.rc_context(plots.STYLE):
        figure.subplots().set_title("首报时限 1h")
    pdf = plots.to_bytes(figure, "pdf")
    assert b"/CIDFontType2" in pdf and b"/FontFile2" in pdf and b"NotoSansCJKscDrillsim" in pdf
    assert io.BytesIO(pdf).read(5) == b"%PDF-"
