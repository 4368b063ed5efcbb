"""Write the example drill logs of `scenarios/drills/`: `python tools/example_drills.py`.

Three tabletop drills of `scenarios/exam-day-leak-and-fire.yaml` (the paper
leak and the fire), as the console would have logged them, to the minute, a
month apart. They are played by the model with a community's own pace in place
of the plan's estimates: its office judges in about a quarter of an hour
(lognormal, median 15m, p90 25m, against the plan's triangle of 2m, 4m, 8m)
and its grid workers and department heads verify in about ten minutes. The
README's calibration walk-through fits them back.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from drillsim.exercise.drilllog import About
from drillsim.exercise.synthetic import log_text, simulated_entries
from drillsim.files import atomic_write
from drillsim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
PACE = {"durations.judge": {"dist": "lognormal", "median": "15m", "p90": "25m"},
        "durations.verify": {"dist": "lognormal", "median": "10m", "p90": "18m"}}
DRILLS = ((1, datetime.date(2026, 9, 15)), (2, datetime.date(2026, 10, 15)), (3, datetime.date(2026, 11, 16)))
PLAYED = {"leak", "fire"}
"""The injects a tabletop drill plays; the day's background incidents are not part of it."""


def logs() -> dict[Path, str]:
    """Each example log's path and text (the same every time: the seeds are fixed)."""
    community = load(SCENARIO).replace(PACE)
    out = {}
    for number, (seed, day) in enumerate(DRILLS, start=1):
        entries = [e for e in simulated_entries(community, seed, minute=True) if e.incident in PLAYED]
        out[ROOT / "scenarios" / "drills" / f"exam-day-drill-{number}.csv"] = log_text(
            entries, About(seed=seed, scripted=False, date=day))
    return out


def main() -> None:
    for path, text in logs().items():
        atomic_write(path, text)


if __name__ == "__main__":
    main()
