"""The standard draws a distribution's formula reads from a stream.

A distribution (scenario/schema.py) turns a stream's standard draws into
durations; the model (model/draws.py) decides how a stream is read: a NumPy
Generator call by call, or a block at a time. This module is what the two
agree on, so that neither knows the other's side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

Variate = Literal["random", "standard_normal", "standard_exponential", "integers"]
"""A standard draw, named as NumPy's Generator method that makes it."""


class Variates(Protocol):
    """What a sampler reads from a stream: a NumPy Generator, or `model.draws.ReadAhead` over one.

    Read-only attributes, so that both bound methods and plain callables fit.
    """

    @property
    def random(self) -> Callable[[], float]: ...
    @property
    def standard_normal(self) -> Callable[[], float]: ...
    @property
    def standard_exponential(self) -> Callable[[], float]: ...
    @property
    def integers(self) -> Callable[[int], int]: ...


Sampler = Callable[[Variates], float]
"""A distribution's formula as a function of its stream: one value per call."""
