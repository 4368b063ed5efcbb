"""Times with units: what planners write, what the model gets in seconds, and back again."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drillsim.scenario.units import (
    DAY,
    LONGEST,
    UnitError,
    format_clock,
    format_duration,
    format_offset,
    parse_clock,
    parse_duration,
    parse_offset,
)
from drillsim.scenario.yamlsource import SexagesimalInt, parse_yaml


@pytest.mark.parametrize(("text", "seconds"), [
    ("45s", 45), ("20m", 1200), ("1h30m", 5400), ("1h 30m", 5400), ("2d", 2 * DAY), ("1.5h", 5400),
    (" 20m ", 1200), ("1d2h3m4s", DAY + 2 * 3600 + 3 * 60 + 4), ("0.6s", 1), ("36500d", LONGEST),
])
def test_durations_are_whole_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("value", "words"), [
    ("0s", "must be longer than zero"),
    ("0.4s", "must be longer than zero"),
    ("-5m", "cannot be negative"),
    ("1m1h", "is not a duration with units"),
    ("20 minutes", "is not a duration with units, e.g. 45s, 20m, 1h30m, 2d, 10y (a year is 365 days); write 20m"),
    ("12 Hours", "; write 12h"),
    ("1.5 days", "; write 1.5d"),
    ("30 sec", "; write 30s"),
    ("", "is not a duration with units"),
    ("m", "is not a duration with units"),
    ("٣m", "is not a duration with units"),
    ("36501d", "longer than 36500d"),
    ("1" * 400 + "d", "longer than 36500d"),
    (10, "the bare number 10 has no unit; write a duration with units, e.g. 45s"),
    (2.5, "the bare number 2.5 has no unit"),
    (True, "YAML reads true as a yes/no value"),
    (None, "no value given"),
    ([1], "got a list"),
])
def test_bad_durations_say_what_is_expected(value: object, words: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse_duration(value)
    assert words in str(caught.value)
    assert len(str(caught.value)) < 200


def test_zero_is_allowed_only_where_asked() -> None:
    assert parse_duration("0s", allow_zero=True) == 0
    assert parse_duration("0m", allow_zero=True) == 0


@pytest.mark.parametrize(("text", "seconds"), [
    ("02:10", 2 * 3600 + 600), ("7:05", 7 * 3600 + 300), ("00:00", 0), ("24:00", DAY), ("02:10:30", 7830),
])
def test_clock_times(text: str, seconds: int) -> None:
    assert parse_clock(text) == seconds


@pytest.mark.parametrize(("value", "words"), [
    ("24:01", "between 00:00 and 24:00"), ("25:00", "between 00:00 and 24:00"), ("02:60", "between"),
    ("2:5", "is not a clock time"), ("2h", "is not a clock time"), (1200, "the bare number 1200 has no unit"),
])
def test_bad_clock_times(value: object, words: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse_clock(value)
    assert words in str(caught.value)


@pytest.mark.parametrize(("text", "seconds"), [
    ("2d 02:10", 2 * DAY + 7800), ("02:10", 7800), ("0d 00:00", 0), ("26h", 26 * 3600), ("0s", 0),
    ("2d", 2 * DAY), ("1d 24:00", 2 * DAY),
])
def test_offsets_from_the_start_of_the_drill(text: str, seconds: int) -> None:
    assert parse_offset(text) == seconds


@pytest.mark.parametrize(("value", "words"), [
    ("2d02:10", "is not a time in the drill"), ("-1d 02:00", "is not a time in the drill"),
    ("999999d 02:00", "later than 36500d"), (3, "the bare number 3 has no unit"), (False, "yes/no"),
    ("1" * 5000 + "d 02:00", "is not a time in the drill"),
])
def test_bad_offsets(value: object, words: str) -> None:
    with pytest.raises(UnitError) as caught:
        parse_offset(value)
    assert words in str(caught.value)


def test_formatting() -> None:
    assert format_duration(5400) == "1h30m"
    assert format_duration(0) == "0s"
    assert format_duration(-90) == "-1m30s"
    assert format_duration(DAY + 3661) == "1d1h1m1s"
    assert format_clock(8100) == "02:15"
    assert format_clock(8105) == "02:15:05"
    assert format_offset(95400) == "1d 02:30"
    assert format_offset(0) == "0d 00:00"


@given(st.integers(1, LONGEST))
def test_durations_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.integers(0, DAY - 1))
def test_clock_times_round_trip(seconds: int) -> None:
    assert parse_clock(format_clock(seconds)) == seconds


@given(st.integers(0, LONGEST))
def test_offsets_round_trip(seconds: int) -> None:
    assert parse_offset(format_offset(seconds)) == seconds


@pytest.mark.parametrize(("written", "number"), [("20:00", 1200), ("1:30:00", 5400), ("7:05", 425)])
def test_yaml_reads_an_unquoted_clock_as_a_number_and_we_say_so(written: str, number: int) -> None:
    value, _, problems = parse_yaml(f"at: {written}\n", "x.yaml")
    assert not problems
    assert isinstance(value["at"], SexagesimalInt) and value["at"] == number
    with pytest.raises(UnitError) as caught:
        parse_clock(value["at"])
    expected = f'YAML reads the unquoted {written} as the number {number}; write it in quotes: "{written}"'
    assert str(caught.value) == expected
    with pytest.raises(UnitError) as caught:
        parse_duration(value["at"])
    assert f"as the number {number}; write a duration with units" in str(caught.value)


def test_quoted_or_zero_padded_clocks_and_plain_numbers_are_not_sexagesimal() -> None:
    value, _, _ = parse_yaml('a: "20:00"\nb: 1200\nc: 02:10\n', "x.yaml")
    assert value["a"] == "20:00"
    assert type(value["b"]) is int
    assert value["c"] == "02:10"
