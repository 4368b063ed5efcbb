"""The model's samplers draw exactly NumPy's numbers, read ahead or not.

drillsim promises that the same seed gives the same incidents; the fast
samplers (NumPy's formulas over plain floats) and the read-ahead streams
must therefore give, bit for bit, what `Dist.sample` gives on the stream.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest

from drillsim.model.draws import DurationDraws, ReadAhead
from drillsim.scenario.schema import Dist
from drillsim.scenario.variates import Sampler
from tests.helpers import DIST_SPECS, dist


@pytest.mark.parametrize("name", DIST_SPECS)
@pytest.mark.parametrize("private", [False, True])
def test_a_duration_draws_the_numbers_of_dist_sample(name: str, private: bool) -> None:
    """3000 draws cross two read-ahead blocks; the seconds must be equal, not close."""
    d = dist(DIST_SPECS[name])
    expected_rng = np.random.default_rng(11)
    expected = [max(0, round(d.sample(expected_rng))) for _ in range(3000)]
    duration = DurationDraws(d, np.random.default_rng(11), private=private)
    seconds = duration.of("fire", "IV")
    assert [seconds(0) for _ in range(3000)] == expected


def test_variants_on_a_stream_of_their_own_take_its_numbers_in_turn() -> None:
    """Whole seconds are read ahead only for one variant: here level I's incidents draw with a mean of 5 minutes."""
    d = dist({**DIST_SPECS["exponential"], "by_level": {"I": {"dist": "exponential", "mean": "5m"}}})
    levels = ["I", "IV", "IV"] * 1000
    expected_rng = np.random.default_rng(2)
    expected = [round(d.resolve("fire", level).sample(expected_rng)) for level in levels]
    duration = DurationDraws(d, np.random.default_rng(2), private=True)
    assert [duration.of("fire", level)(0) for level in levels] == expected


@pytest.mark.parametrize("name", ["constant", "lognormal"])
def test_a_duration_is_scaled_by_the_factor_of_the_time_of_day_it_occurs_at(name: str) -> None:
    """Twice as long between 22:00 and 06:00: 23:00 doubles the drawn value before rounding, 12:00 does not."""
    d = dist({**DIST_SPECS[name], "time_of_day": [{"from": "22:00", "to": "06:00", "factor": 2.0}]})
    expected_rng = np.random.default_rng(5)
    values = [d.sample(expected_rng) for _ in range(200)]
    seconds = DurationDraws(d, np.random.default_rng(5), private=True).of("fire", "IV")
    drawn = [seconds(23 * 3600 if i % 2 else 12 * 3600) for i in range(200)]
    assert drawn == [round(v * 2) if i % 2 else round(v) for i, v in enumerate(values)]


@pytest.mark.parametrize("kind", ["random", "standard_normal", "standard_exponential"])
def test_reading_ahead_gives_the_numbers_of_scalar_calls(kind: str) -> None:
    scalar, ahead = np.random.default_rng(3), ReadAhead(np.random.default_rng(3))
    assert [getattr(ahead, kind)() for _ in range(2500)] == [getattr(scalar, kind)() for _ in range(2500)]


def test_only_a_stream_of_one_family_is_read_ahead() -> None:
    """Variants by category or level count: interleaved families would take the stream's numbers in another order."""
    exponential = DIST_SPECS["exponential"]
    one_family = dist({**exponential, "by_level": {"I": {"dist": "exponential", "mean": "5m"}, "II": "3m"}})
    uniform_and_triangular = dist({**DIST_SPECS["uniform"], "by_category": {"fire": DIST_SPECS["triangular"]}})
    mixed = dist({**exponential, "by_category": {"fire": DIST_SPECS["uniform"]}})
    rng = np.random.default_rng(0)
    assert isinstance(DurationDraws(one_family, rng, private=True).stream, ReadAhead)
    assert isinstance(DurationDraws(uniform_and_triangular, rng, private=True).stream, ReadAhead)
    assert DurationDraws(mixed, rng, private=True).stream is rng
    assert DurationDraws(one_family, rng, private=False).stream is rng  # a shared stream is never read ahead


NIGHT = {"from": "22:00", "to": "06:00", "factor": 2.0}


class Centred(Dist):
    """Values on both sides of zero (-2 to 2 seconds), which no duration may be."""

    dist: Literal["centred"] = "centred"

    variate = "random"

    def sampler(self) -> Sampler:
        return lambda rng: 4.0 * rng.random() - 2.0

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return 4.0 * rng.random(size) - 2.0

    def mean(self) -> float:
        return 0.0

    def describe(self) -> str:
        return "centred"


@pytest.mark.parametrize("private", [False, True])
@pytest.mark.parametrize("night", [False, True])
def test_a_value_below_zero_takes_no_time_however_the_stream_is_read(private: bool, night: bool) -> None:
    """Read ahead in whole seconds, in values or not at all, and scaled by the time of day or not."""
    d = Centred(time_of_day=[NIGHT] if night else [])  # type: ignore[list-item]
    expected_rng = np.random.default_rng(8)
    values = [d.sample(expected_rng) * (2 if night else 1) for _ in range(3000)]
    seconds = DurationDraws(d, np.random.default_rng(8), private=private).of("fire", "IV")
    assert [seconds(23 * 3600) for _ in range(3000)] == [max(0, round(v)) for v in values]
    assert sum(v < -0.5 for v in values) > 1000


@pytest.mark.parametrize("night", [False, True])
@pytest.mark.parametrize("private", [False, True])
def test_a_constant_of_zero_takes_no_time_and_draws_nothing(night: bool, private: bool) -> None:
    d = dist({"dist": "constant", "value": "0s", "time_of_day": [NIGHT] if night else []})
    rng = np.random.default_rng(6)
    seconds = DurationDraws(d, rng, private=private).of("fire", "IV")
    assert [seconds(23 * 3600) for _ in range(10)] == [0] * 10
    assert rng.random() == np.random.default_rng(6).random()


def test_no_distribution_takes_no_time_and_draws_nothing() -> None:
    """A duration the plan does not give (no follow-up, say) is 0 seconds, and leaves its stream alone."""
    rng = np.random.default_rng(6)
    duration = DurationDraws(None, rng, private=True)
    assert duration.stream is rng
    assert [duration.of("fire", level)(0) for level in ("I", "IV")] == [0, 0]
    assert rng.random() == np.random.default_rng(6).random()


@pytest.mark.parametrize("name", DIST_SPECS)
def test_variants_and_the_time_of_day_read_ahead_give_the_numbers_of_plain_calls(name: str) -> None:
    """Every kind of variate read ahead value by value (integers stay scalar calls), across two blocks."""
    d = dist({**DIST_SPECS[name], "by_level": {"I": DIST_SPECS[name]}, "time_of_day": [NIGHT]})
    expected_rng = np.random.default_rng(13)
    levels = ["I", "IV"] * 1300
    expected = [round(d.resolve("fire", level).sample(expected_rng) * 2) for level in levels]
    duration = DurationDraws(d, np.random.default_rng(13), private=True)
    assert [duration.of("fire", level)(23 * 3600) for level in levels] == expected


def test_category_variants_on_a_stream_of_their_own_take_its_numbers_in_turn() -> None:
    """`by_category` wins over the base, value by value from the read-ahead stream: fires draw with a mean of 5m."""
    d = dist({**DIST_SPECS["exponential"], "by_category": {"fire": {"dist": "exponential", "mean": "5m"}}})
    categories = ["fire", "flood", "flood"] * 1000
    expected_rng = np.random.default_rng(2)
    expected = [round(d.resolve(category, "IV").sample(expected_rng)) for category in categories]
    duration = DurationDraws(d, np.random.default_rng(2), private=True)
    assert [duration.of(category, "IV")(0) for category in categories] == expected


@pytest.mark.parametrize("private", [False, True])
@pytest.mark.parametrize("name", DIST_SPECS)
def test_a_duration_is_a_whole_number_of_seconds(name: str, private: bool) -> None:
    """An int, not a float equal to one: the records and files say 240, not 240.0."""
    seconds = DurationDraws(dist(DIST_SPECS[name]), np.random.default_rng(1), private=private).of("fire", "IV")
    assert {type(seconds(0)) for _ in range(10)} == {int}
