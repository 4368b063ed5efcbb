"""Each distribution is one class that owns its formula, for one draw and for a block.

The model draws a step's duration one value at a time (`Dist.sampler`) or,
on a stream of its own, a block ahead (`Dist.block`); drillsim promises the
same numbers for the same seed either way, so the two forms must agree bit
for bit, and agree with NumPy's own distributions where NumPy has one. A
class that does not say how it is drawn is refused, and a new one (a gamma
of shape 2 here) is drawn by the model with nothing but its class.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pytest

from drillsim.model.draws import DurationDraws, ReadAhead
from drillsim.scenario.schema import Dist
from drillsim.scenario.variates import Sampler, Variates
from tests.helpers import DIST_SPECS, dist


def scalars(d: Dist, rng: Variates, n: int) -> list[float]:
    sampler = d.sampler()
    return [sampler] * n if isinstance(sampler, float) else [sampler(rng) for _ in range(n)]


@pytest.mark.parametrize("name", DIST_SPECS)
def test_the_block_draw_gives_the_numbers_of_the_scalar_draw(name: str) -> None:
    """2500 values, in blocks of uneven sizes: equal, not close; and the stream is left at the same place."""
    d = dist(DIST_SPECS[name])
    block_rng, scalar_rng = np.random.default_rng(7), np.random.default_rng(7)
    blocks = [d.block(block_rng, n) for n in (1, 999, 1500)]
    assert all(b.dtype == np.float64 for b in blocks)
    assert np.concatenate(blocks).tolist() == scalars(d, scalar_rng, 2500)
    assert block_rng.random() == scalar_rng.random()


@pytest.mark.parametrize("name", DIST_SPECS)
def test_a_single_draw_is_the_scalar_draw(name: str) -> None:
    d = dist(DIST_SPECS[name])
    rng, expected = np.random.default_rng(4), np.random.default_rng(4)
    assert [d.sample(rng) for _ in range(50)] == scalars(d, expected, 50)


NUMPY = {
    "exponential": lambda rng, n: rng.exponential(1800, n),
    "uniform": lambda rng, n: rng.uniform(60, 540, n),
    "triangular": lambda rng, n: rng.triangular(60, 120, 540, n),
    "empirical": lambda rng, n: rng.choice([60.0, 180.0, 420.0, 1200.0], n),
}


@pytest.mark.parametrize("name", NUMPY)
def test_the_formulas_are_numpys_own(name: str) -> None:
    """NumPy's distributions, called plainly, are the oracle of the formulas over its standard draws."""
    d = dist(DIST_SPECS[name])
    assert d.block(np.random.default_rng(9), 3000).tolist() == NUMPY[name](np.random.default_rng(9), 3000).tolist()


def test_the_lognormal_has_its_median_and_its_90th_percentile() -> None:
    """NumPy's lognormal with mu = log(median) is the same law; its exponential may differ in the last bit."""
    d = dist(DIST_SPECS["lognormal"])
    drawn = d.block(np.random.default_rng(9), 3000)
    numpy_own = np.random.default_rng(9).lognormal(math.log(600), d.sigma, 3000)  # type: ignore[attr-defined]
    assert drawn == pytest.approx(numpy_own, rel=1e-12)
    assert np.quantile(d.block(np.random.default_rng(1), 100_000), [0.5, 0.9]) == pytest.approx([600, 1500], rel=0.02)


@pytest.mark.parametrize("name", DIST_SPECS)
def test_the_mean_of_a_large_draw_is_the_distributions_mean(name: str) -> None:
    """Within four standard errors of `mean()` (the mean the plan table and the queueing checks use)."""
    d = dist(DIST_SPECS[name])
    values = d.block(np.random.default_rng(12), 100_000)
    error = float(values.std()) / math.sqrt(values.size)
    assert abs(float(values.mean()) - d.mean()) <= 4 * error + 1e-9


def test_a_distribution_that_does_not_say_how_it_is_drawn_is_refused() -> None:
    """Never drawn as another kind (the model once drew any unknown class as integers)."""
    with pytest.raises(TypeError, match=r"Odd is no distribution drillsim can draw: it does not define "
                                        r"variate, sampler, block, mean, describe"):
        class Odd(Dist):
            dist: Literal["odd"] = "odd"

    with pytest.raises(TypeError, match=r"it does not define variate \(see Dist\)"):
        class NoVariate(Dist):
            def sampler(self) -> float:
                return 1.0

            def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
                return np.ones(size)

            def mean(self) -> float:
                return 1.0

            def describe(self) -> str:
                return "one second"


class Gamma2(Dist):
    """A gamma of shape 2 (the sum of two exponentials): what adding a distribution takes, and nothing else."""

    dist: Literal["gamma2"] = "gamma2"
    scale: float

    variate = "standard_exponential"

    def sampler(self) -> Sampler:
        scale = self.scale
        return lambda rng: scale * (rng.standard_exponential() + rng.standard_exponential())

    def block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        pairs = rng.standard_exponential((size, 2))  # row by row: the order in which the sampler reads them
        return self.scale * (pairs[:, 0] + pairs[:, 1])

    def mean(self) -> float:
        return 2 * self.scale

    def describe(self) -> str:
        return f"gamma(shape 2, scale {self.scale:g}s)"


def test_a_new_distribution_needs_only_its_class() -> None:
    """Its block and scalar draws agree, and the model draws its seconds whether it reads the stream ahead or not."""
    new = Gamma2(scale=300.0)
    assert new.block(np.random.default_rng(3), 2000).tolist() == scalars(new, np.random.default_rng(3), 2000)
    expected = [max(0, round(v)) for v in scalars(new, np.random.default_rng(11), 3000)]
    ahead = DurationDraws(new, np.random.default_rng(11), private=True)
    plain = DurationDraws(new, np.random.default_rng(11), private=False)
    assert isinstance(ahead.stream, ReadAhead)
    assert [ahead.of("fire", "IV")(0) for _ in range(3000)] == expected
    assert [plain.of("fire", "IV")(0) for _ in range(3000)] == expected
    values = new.block(np.random.default_rng(12), 100_000)
    assert abs(float(values.mean()) - new.mean()) <= 4 * float(values.std()) / math.sqrt(values.size)


def test_a_new_distribution_read_ahead_with_the_time_of_day_draws_value_by_value() -> None:
    """Scaled by the time of day, values are read one by one from the read-ahead standard draws."""
    night = {"from": "22:00", "to": "06:00", "factor": 2.0}
    new = Gamma2(scale=300.0, time_of_day=[night])  # type: ignore[list-item]
    values = scalars(new, np.random.default_rng(5), 200)
    seconds = DurationDraws(new, np.random.default_rng(5), private=True).of("fire", "IV")
    drawn = [seconds(23 * 3600 if i % 2 else 12 * 3600) for i in range(200)]
    assert drawn == [round(v * 2) if i % 2 else round(v) for i, v in enumerate(values)]
