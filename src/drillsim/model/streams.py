"""Named random streams: one per source of randomness, derived from the run's seed.

Each stream is a child of the replication's SeedSequence keyed by its name, so
that adding a step or an actor never shifts another stream's numbers, and
changing staffing never changes the incidents (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication r: the r-th child of the run's SeedSequence."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


class Streams:
    """The generators of one replication, created on first use by name."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self._seed = seed
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        stream = self._streams.get(name)
        if stream is None:
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
            child = np.random.SeedSequence(self._seed.entropy, spawn_key=(*self._seed.spawn_key, key))
            stream = self._streams[name] = np.random.Generator(np.random.PCG64(child))
        return stream
