"""Percentages and dates as the language in force writes them (drillsim.i18n `percent_text`, `datetime_text`):
Babel's zh_CN in Chinese, byte for byte what drillsim always wrote in English."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from babel.dates import format_datetime
from babel.numbers import format_percent

from drillsim.i18n import datetime_text, percent_text, speaking

WRITTEN = "2026-12-03T11:40:05+00:00"
"""A run's `written`, as drillsim.experiment.rundir records it."""


def test_a_recorded_time_in_chinese_is_babels_long_zh_cn_date_and_time() -> None:
    with speaking("zh"):
        shown = datetime_text(WRITTEN)
    assert shown.startswith("2026年12月3日") and "11:40:05" in shown
    assert shown == format_datetime(datetime(2026, 12, 3, 11, 40, 5, tzinfo=UTC), "long", tzinfo=UTC, locale="zh_CN")


def test_a_recorded_time_in_english_is_the_iso_text_as_recorded() -> None:
    with speaking("en"):
        assert datetime_text(WRITTEN) == WRITTEN


def test_a_text_that_is_no_time_is_shown_as_given_in_either_language() -> None:
    for lang in ("zh", "en"):
        with speaking(lang):
            assert datetime_text("yesterday") == "yesterday"


@pytest.mark.parametrize(("value", "digits", "sign"), [(0.331, 1, False), (1.0, 1, False), (0.0, 1, False),
                                                       (0.5, 0, False), (0.02, 1, True), (-0.125, 1, True),
                                                       (12.5, 1, False)])
def test_a_percentage_in_chinese_is_babels_zh_cn_and_in_english_pythons(value: float, digits: int,
                                                                       sign: bool) -> None:
    body = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    with speaking("zh"):
        assert percent_text(value, digits, sign=sign) == format_percent(value, f"+{body};-{body}" if sign else body,
                                                                         locale="zh_CN")
    with speaking("en"):
        assert percent_text(value, digits, sign=sign) == (f"{value:+.{digits}%}" if sign else f"{value:.{digits}%}")


def test_chinese_groups_thousands_as_zh_cn_does_and_english_as_before() -> None:
    with speaking("zh"):
        assert percent_text(12.5) == "1,250.0%"
    with speaking("en"):
        assert percent_text(12.5) == "1250.0%"


def test_the_two_languages_round_a_share_alike() -> None:
    """0.3315 is 33.1499...% as Python multiplies it: Babel given the float itself would write 33.2%."""
    shares = [0.3315, 0.0005, 0.125, 0.00025, 2 / 3, 1 / 7, *(i / 2000 for i in range(2001))]
    for digits in (0, 1):
        for share in shares:
            with speaking("zh"):
                chinese = percent_text(share, digits)
            with speaking("en"):
                english = percent_text(share, digits)
            assert chinese == english, (share, digits)
    with speaking("zh"):
        assert percent_text(0.3315) == "33.1%"


def test_a_missing_share_reads_the_same_in_both_languages() -> None:
    with speaking("zh"):
        chinese = percent_text(math.nan)
    assert chinese == f"{math.nan:.1%}"
