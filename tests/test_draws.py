"""The model's samplers draw exactly NumPy's numbers, read ahead or not.

drillsim promises that the same seed gives the same incidents; the fast
samplers (NumPy's formulas over plain floats) and the read-ahead streams
must therefore give, bit for bit, what `Dist.sample` gives on the stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from drillsim.model.draws import DurationDraws, ReadAhead
from drillsim.scenario.schema import AnyDist, Dist

DISTS: dict[str, dict[str, Any]] = {
    "constant": {"dist": "constant", "value": "4m"},
    "exponential": {"dist": "exponential", "mean": "30m"},
    "uniform": {"dist": "uniform", "low": "1m", "high": "9m"},
    "triangular": {"dist": "triangular", "low": "1m", "mode": "2m", "high": "9m"},
    "lognormal": {"dist": "lognormal", "median": "10m", "p90": "25m"},
    "empirical": {"dist": "empirical", "samples": ["1m", "3m", "7m", "20m"]},
}


def dist(spec: dict[str, Any]) -> Dist:
    return TypeAdapter(AnyDist).validate_python(spec)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", DISTS)
@pytest.mark.parametrize("private", [False, True])
def test_a_duration_draws_the_numbers_of_dist_sample(name: str, private: bool) -> None:
    """3000 draws cross two read-ahead blocks; the seconds must be equal, not close."""
    d = dist(DISTS[name])
    expected_rng = np.random.default_rng(11)
    expected = [max(0, round(d.sample(expected_rng))) for _ in range(3000)]
    duration = DurationDraws(d, np.random.default_rng(11), private=private)
    seconds = duration.of("fire", "IV")
    assert [seconds(0) for _ in range(3000)] == expected


def test_variants_on_a_stream_of_their_own_take_its_numbers_in_turn() -> None:
    """Whole seconds are read ahead only for one variant: here level I's incidents draw with a mean of 5 minutes."""
    d = dist({**DISTS["exponential"], "by_level": {"I": {"dist": "exponential", "mean": "5m"}}})
    levels = ["I", "IV", "IV"] * 1000
    expected_rng = np.random.default_rng(2)
    expected = [round(d.resolve("fire", level).sample(expected_rng)) for level in levels]
    duration = DurationDraws(d, np.random.default_rng(2), private=True)
    assert [duration.of("fire", level)(0) for level in levels] == expected


@pytest.mark.parametrize("name", ["constant", "lognormal"])
def test_a_duration_is_scaled_by_the_factor_of_the_time_of_day_it_occurs_at(name: str) -> None:
    """Twice as long between 22:00 and 06:00: 23:00 doubles the drawn value before rounding, 12:00 does not."""
    d = dist({**DISTS[name], "time_of_day": [{"from": "22:00", "to": "06:00", "factor": 2.0}]})
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
    exponential = DISTS["exponential"]
    one_family = dist({**exponential, "by_level": {"I": {"dist": "exponential", "mean": "5m"}, "II": "3m"}})
    uniform_and_triangular = dist({**DISTS["uniform"], "by_category": {"fire": DISTS["triangular"]}})
    mixed = dist({**exponential, "by_category": {"fire": DISTS["uniform"]}})
    rng = np.random.default_rng(0)
    assert isinstance(DurationDraws(one_family, rng, private=True).stream, ReadAhead)
    assert isinstance(DurationDraws(uniform_and_triangular, rng, private=True).stream, ReadAhead)
    assert DurationDraws(mixed, rng, private=True).stream is rng
    assert DurationDraws(one_family, rng, private=False).stream is rng  # a shared stream is never read ahead
