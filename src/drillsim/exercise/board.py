"""The facilitator console's logic, apart from any screen: drill clock, due injects, deadline states, log writing.

The console's widgets only display what these classes compute and call them
on key presses, so every rule of the console is tested without a terminal.
Deadline states come from the model's own clocks (drillsim.model.clocks) run
over what the drill has recorded so far, with the current drill time as the
horizon: a clock still running is open, one past its deadline is red.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drillsim.exercise.drilllog import Entry, Record, replay
from drillsim.exercise.msel import InjectRow, actor_label, applies, carries_text, doers
from drillsim.exercise.played import DrillIncident, milestone_key, to_record
from drillsim.i18n import _
from drillsim.model.clocks import verdicts
from drillsim.model.records import VerdictRecord
from drillsim.scenario.flow import ONCE, flow_of, instance_key, shown_change
from drillsim.scenario.names import title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration

AMBER = 0.25
"""A deadline turns amber when less than this share of its limit is left."""


class DrillClock:
    """Drill time in seconds: runs at `speed` drill seconds per real second, pauses, and steps.

    `now` is the real clock (monotonic seconds), passed in so that tests can
    drive the drill clock by hand.
    """

    def __init__(self, start: float, speed: float = 1.0, *, paused: bool = True,
                 now: Callable[[], float] = _time.monotonic) -> None:
        if speed <= 0:
            raise ValueError("the speed must be positive")
        self._now = now
        self._base = float(start)
        self._since = now()
        self._speed = float(speed)
        self._paused = paused

    @property
    def time(self) -> float:
        if self._paused:
            return self._base
        return self._base + (self._now() - self._since) * self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def speed(self) -> float:
        return self._speed

    def _rebase(self) -> None:
        self._base, self._since = self.time, self._now()

    def pause(self) -> None:
        self._rebase()
        self._paused = True

    def resume(self) -> None:
        self._rebase()
        self._paused = False

    def toggle(self) -> None:
        if self._paused:
            self.resume()
        else:
            self.pause()

    def step(self, seconds: float) -> None:
        """Jump the drill forward, running or not."""
        self._rebase()
        self._base += seconds

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("the speed must be positive")
        self._rebase()
        self._speed = float(speed)


@dataclass(frozen=True, slots=True)
class Task:
    """A milestone the facilitator can record for an incident (or one of its changes)."""

    incident: str
    change: int | None
    milestone: str
    title: str
    who: str
    time: int | None
    verdict: str
    msel_level: str | None = None
    """The level the MSEL gives at this milestone; None for a milestone that carries no level."""
    level: str | None = None
    """The level the players recorded with it, if they did."""
    carries: str = ""
    """The core elements its report must carry (drillsim.exercise.msel.carries_text); empty for none."""
    missed: bool = False
    """Whether a deadline it ends was missed (its verdict says so in the language in force)."""

    @property
    def key(self) -> tuple[str, str]:
        return self.incident, milestone_key(self.milestone, self.change)


@dataclass(frozen=True, slots=True)
class Countdown:
    """An open deadline: the report it waits for has not been recorded yet."""

    incident: str
    change: int | None
    rule: str
    title: str
    limit: int
    due: int
    remaining: float
    state: str


def state_of(remaining: float, limit: int, amber: float = AMBER) -> str:
    """`ok`, `amber` (less than `amber` of the limit left) or `red` (past the deadline)."""
    if remaining < 0:
        return "red"
    return "amber" if remaining < amber * limit else "ok"


class DrillBoard:
    """What the drill has reached so far; every record goes to `sink` (the drill log) as it is made."""

    def __init__(self, scenario: Scenario, incidents: list[DrillIncident], injects: list[InjectRow],
                 sink: Callable[[Entry], None], entries: Iterable[Entry] = (), amber: float = AMBER) -> None:
        self.scenario = scenario
        self.incidents = {incident.id: incident for incident in incidents}
        self.injects = sorted(injects, key=lambda row: (row.time, row.number))
        self.amber = amber
        self._sink = sink
        self._entries = list(entries)
        self.records: dict[str, Record] = replay(self._entries)

    @property
    def entries(self) -> list[Entry]:
        """The log's entries so far, those this drill wrote included."""
        return list(self._entries)

    def _write(self, entry: Entry) -> None:
        self._sink(entry)
        self._entries.append(entry)
        self.records = replay(self._entries)

    def _reached(self, incident: str) -> dict[str, int]:
        record = self.records.get(incident)
        return record.reached if record is not None else {}

    def delivered(self, row: InjectRow) -> bool:
        return milestone_key(_event(row), row.change) in self._reached(row.incident)

    def deliver(self, now: float) -> list[InjectRow]:
        """Injects that fell due by `now` and were not delivered yet, each logged at its MSEL time."""
        due = [row for row in self.injects if row.time <= now and not self.delivered(row)]
        for row in due:
            self._write(Entry(row.time, row.incident, _event(row), row.change, note=f"inject {row.number}"))
        return due

    def next_inject(self, now: float) -> InjectRow | None:
        return next((row for row in self.injects if row.time > now and not self.delivered(row)), None)

    def _started(self) -> list[DrillIncident]:
        return [incident for incident in self.incidents.values() if "occurred" in self._reached(incident.id)]

    def _verdicts(self, now: float) -> list[tuple[DrillIncident, VerdictRecord]]:
        out: list[tuple[DrillIncident, VerdictRecord]] = []
        for incident in self._started():
            record = self.records[incident.id]
            # horizon 0: only changes the board delivered (and logged) start their clocks
            rec = to_record(self.scenario, incident, record.reached, record.levels, horizon=0)
            out.extend((incident, v) for v in verdicts(self.scenario, [rec], int(now)))
        return out

    def tasks(self, now: float) -> list[Task]:
        """Every milestone of every delivered incident and change, in the order of the plan's flow."""
        ends: dict[tuple[str, str], list[tuple[str, str]]] = {}
        missed: set[tuple[str, str]] = set()
        for incident, v in self._verdicts(now):
            if v.end is not None and v.slack is not None:
                rule = self.scenario.deadlines[v.rule]
                text = (_("met, {slack} to spare").format(slack=format_duration(v.slack)) if v.slack >= 0
                        else _("MISSED, {late} late").format(late=format_duration(-v.slack)))
                key = instance_key(rule.end, v.change)
                ends.setdefault((incident.id, key), []).append((v.rule, text))
                if v.slack < 0:
                    missed.add((incident.id, key))
        flow = flow_of(self.scenario)
        out = []
        for incident in sorted(self._started(), key=lambda i: (self._reached(i.id)["occurred"], i.number)):
            record = self.records[incident.id]
            reached = record.reached
            changes = [k for k in range(len(incident.changes)) if flow.key("change", k) in reached]
            for node in flow:
                step = node.step
                if not applies(self.scenario, step, incident):
                    continue
                who = _(" or ").join(actor_label(self.scenario, a, incident.grid, incident.category)
                                     for a in doers(self.scenario, step, incident))
                carries = carries_text(self.scenario, step)
                for k in (changes if node.per_change else [ONCE]):
                    key = flow.key(node.milestone, k)
                    out.append(Task(incident.id, shown_change(k), step.milestone, title_of(step) or step.id, who,
                                    reached.get(key), _verdicts_text(ends.get((incident.id, key), [])),
                                    _msel_level(step.effect, incident, k), record.levels.get(key), carries,
                                    (incident.id, key) in missed))
        return out

    def countdowns(self, now: float) -> list[Countdown]:
        """Every open deadline, the most urgent first."""
        out: list[Countdown] = []
        for incident, v in self._verdicts(now):
            if v.start is None or v.end is not None or v.deadline is None:
                continue
            rule = self.scenario.deadlines[v.rule]
            remaining = v.deadline - now
            out.append(Countdown(incident.id, shown_change(v.change), v.rule, rule.title,
                                 rule.limit, v.deadline, remaining, state_of(remaining, rule.limit, self.amber)))
        return sorted(out, key=lambda c: (c.due, c.incident, c.rule))

    def record(self, task: Task, now: float, level: str | None = None,
               elements: tuple[str, ...] | None = None) -> Entry:
        """The players reached a milestone now (a second record of it replaces the first).

        `level`: the level the office judged, or a continuation report
        brought, when the players' differs from the MSEL's. Without one, a
        second record keeps the level the first was given. `elements`: the
        core elements the report carried (the players' report form says).
        """
        if level is not None and task.msel_level is None:
            raise ValueError(f"{task.milestone} carries no level")
        if level is not None and level not in self.scenario.levels:
            raise ValueError(f"{level!r} is not a level of the plan")
        entry = Entry(int(now), task.incident, task.milestone, task.change, level or task.level, elements=elements)
        self._write(entry)
        return entry

    def withdraw(self, task: Task) -> Entry | None:
        """Take back a record made by mistake; nothing to do for a milestone not recorded."""
        if task.time is None:
            return None
        entry = Entry(None, task.incident, task.milestone, task.change, note="withdrawn")
        self._write(entry)
        return entry

    def last_time(self) -> int | None:
        """The latest time the log holds: where a resumed drill's clock starts."""
        times = [entry.time for entry in self._entries if entry.time is not None]
        return max(times) if times else None


def _verdicts_text(found: list[tuple[str, str]]) -> str:
    """`met, 3m to spare`; with the rule's name when one milestone ends several deadlines."""
    if len(found) == 1:
        return found[0][1]
    return _("; ").join(_("{rule} {verdict}").format(rule=rule, verdict=text) for rule, text in found)


def _msel_level(effect: str | None, incident: DrillIncident, change: int) -> str | None:
    """The level a milestone of instance `change` (ONCE: the incident's) puts in force by the MSEL: the judged
    one, or the change's."""
    if effect == "judge_level":
        return incident.judged_level
    if effect == "apply_change" and change >= 0:
        return incident.changes[change].level
    return None


def _event(row: InjectRow) -> str:
    return "occurred" if row.change is None else "change"

