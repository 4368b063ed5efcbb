"""The room's one drill: the board and clock every page shows, the controller's keys, the players' reports.

Every browser sees the same state because there is one: a `Room` holds the
DrillBoard and DrillClock (drillsim.exercise.board), as the terminal console
does, and each change makes a new snapshot (`Room.snapshot`, plain JSON-ready
data, every word already in the language in force) that the server pushes to
every page. A key does what the console's does: the pages keep their selected
row, as the console's table keeps its cursor, and send the row's key with the
key pressed. A record reaches the drill log, flushed and synced, before the
snapshot that shows it is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drillsim.exercise.board import Countdown, DrillBoard, DrillClock, Task
from drillsim.exercise.drilllog import Entry
from drillsim.exercise.evaluate import required_elements
from drillsim.i18n import Language, _, speaking
from drillsim.scenario.names import colour_name, scenario_name, title_of
from drillsim.scenario.units import format_duration, format_offset


class RoomError(ValueError):
    """A key or a report the drill cannot take (an unknown row, a level the plan does not have)."""


@dataclass(frozen=True, slots=True)
class Forecast:
    """The live forecast of one open deadline: the chance it is still met, and the step most likely to break it."""

    probability: float
    low: float
    high: float
    breaking: str | None


def clock_text(seconds: float) -> str:
    """`0d 09:31:05`, as the console shows the drill clock (its own `_clock`, which this module does not import:
    that would load textual into the server)."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"


def task_key(task: Task) -> str:
    """A row's key in the pages: `leak|office_received` (the console's row key)."""
    return "|".join(task.key)


class Room:
    """One drill served to every page: `press` and `report` change it, `snapshot` says it."""

    def __init__(self, board: DrillBoard, clock: DrillClock, *, step: int, log_name: str, lang: Language,
                 on_record: Callable[[], None] = lambda: None) -> None:
        self.board = board
        self.clock = clock
        self.step_seconds = step
        self.log_name = log_name
        self.lang = lang
        self.on_record = on_record
        """Called after every record and every step of the clock (the forecast starts again from the new
        state)."""
        self.version = 0
        self.listeners: list[Callable[[], None]] = []
        """Told of every change (the server wakes the pages' streams)."""
        self.forecasts: dict[tuple[str, int | None, str], Forecast] = {}
        self._snapshot: tuple[int, dict[str, Any]] | None = None

    # --- changes ------------------------------------------------------------------------

    def changed(self) -> None:
        self.version += 1
        for listener in self.listeners:
            listener()

    def tick(self) -> None:
        """Deliver the injects due by now; the pages are told of a delivery, and of the time while the clock
        runs."""
        delivered = self.board.deliver(self.clock.time)
        if delivered:
            self.on_record()
        if delivered or not self.clock.paused:
            self.changed()

    def task(self, key: str) -> Task:
        task = next((t for t in self.board.tasks(self.clock.time) if task_key(t) == key), None)
        if task is None:
            raise RoomError(_("no step {key} in the chain").format(key=key))
        return task

    def press(self, key: str, row: str | None = None, level: str | None = None, at: float | None = None) -> float:
        """A key of the console: `space` runs or pauses, `n` steps, `plus`/`minus` change the speed; `r` records
        the row now (`level`: with that level, as `l` then a pick; `at`: the drill time `l` was pressed), `u`
        withdraws it. `l` itself changes nothing: it checks the row carries a level and returns the drill time of
        the key press, which the record picked afterwards is made at. Returns the drill time."""
        if key == "l":
            if row is None or not self.task(row).msel_level:
                raise RoomError(_("{milestone} carries no level: only the judgement and continuation reports "
                                  "do.").format(milestone=self.task(row).milestone if row else "-"))
            return self.clock.time
        if key == "space":
            self.clock.toggle()
        elif key == "n":
            self.clock.step(self.step_seconds)
            self.on_record()  # the clock jumped: the deadlines are nearer than the forecast took them
        elif key == "plus":
            self.clock.set_speed(self.clock.speed * 2)
        elif key == "minus":
            self.clock.set_speed(self.clock.speed / 2)
        elif key in ("r", "u"):
            if row is None:
                raise RoomError(_("{key} needs a row of the chain").format(key=key))
            task = self.task(row)
            if key == "u":
                self.board.withdraw(task)
            else:
                now = self.clock.time if at is None else min(at, self.clock.time)
                try:
                    self.board.record(task, now, level)
                except ValueError as exc:
                    raise RoomError(str(exc)) from None
            self.on_record()
        else:
            raise RoomError(_("unknown key {key}").format(key=repr(key)))
        if self.board.deliver(self.clock.time):
            self.on_record()
        self.changed()
        return self.clock.time

    def report(self, row: str, elements: list[str]) -> Entry:
        """The players filed a report now: its milestone recorded at the current drill time with its elements."""
        task = self.task(row)
        if not task.carries:
            raise RoomError(_("{milestone} is reached by no report").format(milestone=task.milestone))
        unknown = [name for name in elements if name not in self.board.scenario.core_elements]
        if unknown:
            raise RoomError(_("unknown core element {name}").format(name=repr(unknown[0])))
        carried = tuple(name for name in self.board.scenario.core_elements if name in elements)
        entry = self.board.record(task, self.clock.time, elements=carried)
        self.on_record()
        self.changed()
        return entry

    # --- what the pages show --------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything every page shows, for this version (made once, however many pages ask)."""
        if self._snapshot is None or self._snapshot[0] != self.version:
            with speaking(self.lang):
                self._snapshot = (self.version, self._make())
        return self._snapshot[1]

    def _make(self) -> dict[str, Any]:
        now = self.clock.time
        board, scenario = self.board, self.board.scenario
        upcoming = board.next_inject(now)
        tasks = board.tasks(now)
        reached = {incident: record.reached for incident, record in board.records.items()}
        return {
            "version": self.version,
            "time": now,
            "clock": clock_text(now),
            "paused": self.clock.paused,
            "speed": f"x{self.clock.speed:g}",
            "state": _("PAUSED") if self.clock.paused else _("RUNNING"),
            "next": _("next inject {number} at {time} (in {wait})").format(
                number=upcoming.number, time=format_offset(upcoming.time), wait=format_duration(upcoming.time - now))
            if upcoming else _("no more injects"),
            "scenario": scenario_name(scenario),
            "log": self.log_name,
            "injects": [{"time": format_offset(row.time), "number": row.number, "to": row.delivered_to,
                         "what": row.what_happens, "action": row.expected_action}
                        for row in reversed(board.injects) if row.time <= now and board.delivered(row)],
            "countdowns": [self._countdown(c) for c in board.countdowns(now)],
            "tasks": [self._task(t, reached.get(t.incident, {}), now) for t in tasks],
            "reported": [{"time": format_offset(t.time), "incident": t.incident, "title": t.title, "who": t.who,
                          "level": t.level or "", "verdict": t.verdict, "missed": t.missed}
                         for t in sorted(tasks, key=lambda t: -(t.time or 0)) if t.time is not None and t.carries],
        }

    def _countdown(self, c: Countdown) -> dict[str, Any]:
        rule = self.board.scenario.deadlines[c.rule]
        left = format_duration(c.remaining) if c.remaining >= 0 \
            else _("{late} over").format(late=format_duration(-c.remaining))
        found = self.forecasts.get((c.incident, c.change, c.rule))
        likely = "" if found is None or math.isnan(found.probability) else _("{percent} likely").format(
            percent=f"{round(100 * found.probability)} %")
        steps = {step.id: step for step in self.board.scenario.flow}
        breaking = "" if found is None or found.breaking is None else _("most likely broken by {step}").format(
            step=title_of(steps[found.breaking]) if found.breaking in steps else found.breaking)
        interval = "" if not likely or found is None else _("{low}–{high} %").format(
            low=round(100 * found.low), high=round(100 * found.high))
        return {"incident": c.incident, "change": c.change, "rule": c.rule,
                "title": title_of(rule) or c.rule, "due": format_offset(c.due), "left": left, "state": c.state,
                "state_text": {"ok": _("OK"), "amber": _("AMBER"), "red": _("RED")}[c.state],
                "likely": likely, "interval": interval, "breaking": breaking}

    def _task(self, t: Task, reached: dict[str, int], now: float) -> dict[str, Any]:
        return {"key": task_key(t), "incident": t.incident, "change": "" if t.change is None else str(t.change),
                "milestone": t.milestone, "title": t.title, "who": t.who,
                "recorded": "" if t.time is None else format_offset(t.time), "level": t.level or "",
                "msel_level": t.msel_level or "", "verdict": t.verdict, "missed": t.missed, "carries": t.carries,
                "required": list(required_elements(self.board.scenario, t.milestone, reached, int(now)))
                if t.carries else []}

    def levels(self) -> list[dict[str, str]]:
        """The plan's levels, most serious first, as the console's level picker lists them."""
        levels = self.board.scenario.levels
        return [{"name": name, "text": _("{level}  {colour}, {title}").format(
            level=name, colour=colour_name(levels[name].colour), title=title_of(levels[name]))}
            for name in self.board.scenario.level_order]

    def elements(self) -> list[dict[str, str]]:
        """The plan's core elements (Art. 8.4), as the report form lists them."""
        return [{"name": name, "title": title_of(element)} for name, element in
                self.board.scenario.core_elements.items()]
