"""The cyclic garbage collector, paused while a replication runs.

A replication builds tens of thousands of long-lived records and no garbage
reference cycles (tests/test_collector.py checks that none pile up), so the
cyclic collector finds nothing to free, yet walks the records over and over
(what that costs: benchmarks/PROFILE.md). Python's documentation allows disabling it
"if you are sure your program does not create reference cycles"; reference
counting still frees everything else at once. The pause is counted, so that
replications run by several threads at once restore the collector only when
the last one ends, and only if it was on before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; leave it as it was found."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
