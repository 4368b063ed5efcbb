"""The live forecast, off the event loop: each open deadline's chance, simulated forward from the drill's state.

The simulation (drillsim.experiment.forecast) runs in a process of its own,
so the pages never wait for it and the server's thread keeps the GIL for
them. Records made while it runs are not queued one by one: the next run
starts from the latest state as soon as the one running ends.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from drillsim.exercise.drilllog import Entry
from drillsim.exercise.played import DrillIncident
from drillsim.room.state import Forecast, Room
from drillsim.scenario.schema import Scenario

log = logging.getLogger("drillsim")
MODULE = "drillsim.experiment.forecast"
REFRESH = 5.0
"""Real seconds between forecasts while the clock runs and nothing is recorded (the deadlines come nearer)."""


def available() -> bool:
    """Whether this drillsim has the forecast (drillsim.experiment.forecast)."""
    return importlib.util.find_spec(MODULE) is not None


def compute(scenario: Scenario, incidents: list[DrillIncident], entries: list[Entry], now: float,
            replications: int, seed: int) -> dict[tuple[str, int | None, str], Forecast]:
    """One forecast, as plain data the server keeps: by (incident, change, rule) as DrillBoard.countdowns names
    them."""
    from drillsim.experiment.forecast import forecast
    found: Any = forecast(scenario, incidents, entries, now, replications=replications, seed=seed)
    return {(d.incident, d.change, d.rule): Forecast(float(d.probability), float(d.interval[0]),
                                                    float(d.interval[1]), d.breaking_step)
            for d in found.deadlines}


class Forecasting:
    """Runs the forecast again after each record or step of the clock (`wanted`), one run at a time, and hands its
    result to the room."""

    def __init__(self, room: Room, incidents: list[DrillIncident], replications: int = 200, seed: int = 0) -> None:
        self.room = room
        self.incidents = incidents
        self.replications = replications
        self.seed = seed
        self._wanted = asyncio.Event()
        self._pool: ProcessPoolExecutor | None = None

    def wanted(self) -> None:
        self._wanted.set()

    async def run(self) -> None:
        """Until cancelled: a forecast whenever one is wanted, and every REFRESH seconds while the clock runs."""
        loop = asyncio.get_running_loop()
        self._pool = ProcessPoolExecutor(max_workers=1)
        try:
            while True:
                try:
                    await asyncio.wait_for(self._wanted.wait(), REFRESH)
                except TimeoutError:
                    if self.room.clock.paused:
                        continue
                self._wanted.clear()
                board = self.room.board
                try:
                    found = await loop.run_in_executor(self._pool, compute, board.scenario, self.incidents,
                                                       board.entries, self.room.clock.time, self.replications,
                                                       self.seed)
                except Exception as exc:  # a forecast that fails must not stop the drill
                    log.warning("%s", exc)
                    continue
                self.room.forecasts = found
                self.room.changed()
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
