"""How long the live forecast takes to refresh (issue 22: under 1 s for 200 replications on one core).

For each bundled scenario, the drill it plays with its scripted injects (when
it has any) and the drill of its own seed's simulated run, each at a few drill
states: ten minutes after the first incident, the moment with the most
deadlines open (a quarter of an hour after some incident occurred), and ten
minutes after the last incident (the longest past to play again). A state's log is what the players would have
written had they done what replication 0 of the seed did
(`drillsim.exercise.synthetic.simulated_entries`, its occurrences included);
a scripted drill keeps its injects' rows. A refresh is
`Forecaster.at(entries, now)` on a Forecaster built once per drill (its build
time is shown apart), timed in CPU seconds of this single-threaded process
(the median of `--repeats`), with wall seconds beside it.
Run: ``python benchmarks/forecast_refresh.py [--replications 200] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from drillsim.exercise import drill_incidents
from drillsim.exercise.board import DrillBoard
from drillsim.exercise.drilllog import Entry
from drillsim.exercise.played import DrillIncident
from drillsim.exercise.synthetic import simulated_entries
from drillsim.experiment.forecast import Forecaster
from drillsim.scenario import Scenario, load

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.0
"""Seconds a refresh may take."""


def entries_at(scenario: Scenario, incidents: list[DrillIncident], played: list[Entry], now: int) -> list[Entry]:
    """The log of a drill at `now`: each incident's occurrence, then the rows of the milestones reached by then."""
    ids = {incident.id for incident in incidents}
    return [Entry(incident.occurred, incident.id, "occurred") for incident in incidents if incident.occurred <= now] \
        + [entry for entry in played if entry.incident in ids and entry.time is not None and entry.time <= now]


def states(scenario: Scenario, incidents: list[DrillIncident], played: list[Entry]) -> list[int]:
    """The drill times a refresh is measured at (see the module's docstring)."""
    def opened(now: int) -> int:
        board = DrillBoard(scenario, incidents, [], lambda entry: None, entries_at(scenario, incidents, played, now))
        return len(board.countdowns(now))

    first = min(incident.occurred for incident in incidents)
    busiest = max((incident.occurred + 900 for incident in incidents), key=lambda now: (opened(now), -now))
    last = max(incident.occurred for incident in incidents)
    return sorted({first + 600, busiest, last + 600})


def refresh(forecaster: Forecaster, entries: list[Entry], now: int, repeats: int) -> tuple[float, float, int]:
    """Median CPU and wall seconds of a refresh, and how many deadlines it forecast."""
    cpu, wall = [], []
    count = 0
    for _ in range(repeats):
        started, clock = time.process_time(), time.perf_counter()
        count = len(forecaster.at(entries, now).deadlines)
        cpu.append(time.process_time() - started)
        wall.append(time.perf_counter() - clock)
    return statistics.median(cpu), statistics.median(wall), count


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the live forecast's refresh on every bundled scenario.")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load(path)
        played = simulated_entries(scenario, scenario.seed)
        drills = [("simulated", drill_incidents(scenario, scenario.seed))]
        if scenario.injects:
            drills.insert(0, ("scripted", drill_incidents(scenario, scripted=True)))
        for kind, incidents in drills:
            clock = time.process_time()
            forecaster = Forecaster(scenario, incidents, replications=args.replications, seed=1)
            built = time.process_time() - clock
            for now in states(scenario, incidents, played):
                entries = entries_at(scenario, incidents, played, now)
                cpu, wall, count = refresh(forecaster, entries, now, args.repeats)
                rows.append((path.stem, kind, len(incidents), _clock(now), count, built, cpu, wall))
    print(f"Forecast refresh, {args.replications} replications, one core (median of {args.repeats}; "
          f"target < {TARGET:.0f} s)")
    print()
    print("| scenario | drill | incidents | drill time | open deadlines | build (CPU s) | refresh (CPU s) "
          "| refresh (wall s) | |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|")
    for name, kind, incidents, now, count, built, cpu, wall in rows:
        verdict = "PASS" if cpu < TARGET else "FAIL"
        print(f"| {name} | {kind} | {incidents} | {now} | {count} | {built:.2f} | {cpu:.3f} | {wall:.3f} | "
              f"{verdict} |")
    worst = max(row[6] for row in rows)
    print()
    print(f"Slowest refresh: {worst:.3f} s ({'PASS' if worst < TARGET else 'FAIL'})")


def _clock(seconds: int) -> str:
    """A drill time as `1d 09:30`."""
    days, rest = divmod(seconds, 86400)
    return f"{days}d {rest // 3600:02d}:{rest % 3600 // 60:02d}"


if __name__ == "__main__":
    main()
