"""How one duration is drawn from its stream: call by call, or read a block ahead.

The formulas are the distributions' own (`Dist.sampler` for one value,
`Dist.block` for many, scenario/schema.py); this module only decides how a
stream is read. Reading ahead is the speed trick, and it lives here alone:
it replaces one NumPy call per number by one per block of `_READ_AHEAD`
numbers (benchmarks/PROFILE.md has what it saves), and gives exactly the
numbers of the plain calls, which the tests (tests/test_draws.py) take as
their oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import chain
from typing import TypeVar

import numpy as np

from drillsim.scenario.schema import Dist, factor_at
from drillsim.scenario.variates import Variates

Number = TypeVar("Number", int, float)
_READ_AHEAD = 1024

Seconds = Callable[[int], int]
"""A duration for incidents of one (category, level): whole seconds, drawn afresh for the time the incident occurred."""


class ReadAhead:
    """The standard variates of a stream that feeds one distribution, drawn a block at a time.

    NumPy fills an array with exactly the numbers that successive scalar
    calls would give, without a call per number. Reading ahead is
    safe only on a stream whose every draw is of one kind: interleaved with
    another kind of draw, the numbers would come in another order. Integers
    are not read ahead: their bound varies from one variant to another.
    """

    __slots__ = ("integers", "random", "standard_exponential", "standard_normal")

    def __init__(self, rng: np.random.Generator) -> None:
        self.random = _blocks(rng.random)
        self.standard_normal = _blocks(rng.standard_normal)
        self.standard_exponential = _blocks(rng.standard_exponential)
        self.integers = rng.integers

    @staticmethod
    def suits(dist: Dist) -> bool:
        """Whether a stream that feeds only this distribution (in any of its variants) can be read ahead."""
        variants = (dist, *dist.by_category.values(), *dist.by_level.values())
        return len({variant.variate for variant in variants} - {None}) <= 1


def _blocks(draw: Callable[[int], np.ndarray]) -> Callable[[], float]:
    return _endless(lambda n: draw(n).tolist())


def _endless(block: Callable[[int], list[Number]]) -> Callable[[], Number]:
    """The next number of an endless run of blocks (iterated in C: no Python frame per number)."""
    return chain.from_iterable(iter(partial(block, _READ_AHEAD), None)).__next__


def _whole_seconds_ahead(dist: Dist, rng: np.random.Generator) -> Callable[[], int]:
    """Whole seconds of one distribution on a stream of its own, computed a block at a time.

    `Dist.block` gives the numbers of its sampler, and NumPy's `rint` rounds
    half to even as `round` does, so these are the seconds that
    `DurationDraws` draws value by value.
    """
    def rounded(n: int) -> list[int]:
        return np.rint(np.maximum(dist.block(rng, n), 0.0)).astype(np.int64).tolist()
    return _endless(rounded)


def _no_time(occurred: int) -> int:
    return 0


class DurationDraws:
    """One duration drawn from one stream, in whole seconds, scaled by the time of day.

    The variant for each (category, level) is resolved once, on first use,
    into a function that draws it (`of`). A stream that feeds this duration
    alone is read ahead when all its variants draw one kind of variate; when
    it has one variant and no time of day, whole seconds are read ahead.
    """

    __slots__ = ("_variants", "_whole", "dist", "stream")

    def __init__(self, dist: Dist | None, stream: np.random.Generator, *, private: bool) -> None:
        self.dist = dist
        read_ahead = private and dist is not None and ReadAhead.suits(dist)
        self.stream: Variates = ReadAhead(stream) if read_ahead else stream
        self._variants: dict[tuple[str, str], Seconds] = {}
        self._whole: Seconds | None = None
        if read_ahead and dist is not None and dist.variate is not None and not (
                dist.by_category or dist.by_level or dist.time_of_day):
            ahead = _whole_seconds_ahead(dist, stream)
            self._whole = lambda occurred: ahead()

    def of(self, category: str, level: str) -> Seconds:
        if self._whole is not None:
            return self._whole
        seconds = self._variants.get((category, level))
        if seconds is None:
            seconds = self._variants[(category, level)] = self._resolve(category, level)
        return seconds

    def _resolve(self, category: str, level: str) -> Seconds:
        if self.dist is None:
            return _no_time
        sampler, stream, time_of_day = self.dist.resolve(category, level).sampler(), self.stream, self.dist.time_of_day
        if isinstance(sampler, float):
            value = sampler
            if not time_of_day:
                constant = max(0, round(value))
                return lambda occurred: constant
            return lambda occurred: max(0, round(value * factor_at(time_of_day, occurred)))
        sample = sampler
        if not time_of_day:
            return lambda occurred: max(0, round(sample(stream)))
        return lambda occurred: max(0, round(sample(stream) * factor_at(time_of_day, occurred)))
