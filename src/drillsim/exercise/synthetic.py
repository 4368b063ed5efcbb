"""The drill log players would have written had they done exactly what a simulated run did.

It is the log of replication 0 of a run with `seed`, whose incidents are the
MSEL's of the same seed (`drill_incidents(scenario, seed)`): a drill the
model plays. Calibration is checked on such logs (durations known, so the fit
can be held to them), and the README's example drills are written with it.
"""

from __future__ import annotations

from drillsim.exercise.drilllog import COLUMNS, About, Entry
from drillsim.exercise.played import drill_incidents
from drillsim.files import csv_text
from drillsim.scenario.flow import ONCE, flow_of, shown_change
from drillsim.scenario.schema import Scenario

MINUTE = 60


def simulated_entries(scenario: Scenario, seed: int, *, minute: bool = False, until: int | None = None,
                      skip: frozenset[str] = frozenset()) -> list[Entry]:
    """Every milestone replication 0 reached, as log rows in time order.

    `minute`: times written to the minute, as a person with a wall clock
    writes them. `until`: the drill ends then (later milestones are not
    recorded). `skip`: steps the players did but never wrote down.
    """
    from drillsim.model import simulate
    flow = flow_of(scenario)
    played = {incident.number: incident for incident in drill_incidents(scenario, seed)}
    judging = {node.milestone for node in flow if node.step.effect == "judge_level"}
    skipped = {flow[step].milestone for step in skip}
    rows: list[Entry] = []
    for record in simulate(scenario, seed, 0).incidents:
        incident = played[record.incident]
        for key, time in record.milestones.items():
            milestone, _, number = key.partition("#")
            if milestone in ("occurred", "closure") or milestone in skipped or (until is not None and time > until):
                continue
            written = time - time % MINUTE if minute else time
            change = shown_change(int(number)) if number else shown_change(ONCE)
            rows.append(Entry(written, incident.id, milestone, change,
                              record.judged_level if milestone in judging else None))
    return sorted(rows, key=lambda e: (e.time or 0, e.incident, e.milestone, e.change or 0))


def log_text(entries: list[Entry], drill: About | None = None) -> str:
    """A drill log file's text, as the console writes one (with what it says of its drill above the header)."""
    return "".join(drill.lines() if drill is not None else []) + csv_text([entry.cells() for entry in entries], COLUMNS)


__all__ = ["log_text", "simulated_entries"]
