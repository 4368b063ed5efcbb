"""Writing a run to disk: every file written atomically, so nothing half-written is ever left.

The writing itself (atomic files, the directory's lock, CSV) lives in
drillsim.files; this module says what a run's directory holds.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from drillsim.files import atomic_write, frame_csv, writing_directory
from drillsim.report.plan import as_data
from drillsim.results import Results
from drillsim.versions import package_versions

PACKAGES = ("drillsim", "simpy", "numpy", "pandas", "scipy", "matplotlib", "pydantic")
RECORDS = ("events.csv", "steps.csv", "incidents.csv", "verdicts.csv")
RUN_FILES = (*RECORDS, "summary.json", "scenario.yaml", "provenance.json", "report.html",
             *(f"{name}.{ext}" for name in ("hit-rates", "bottleneck", "actor-load", "worst-incident",
                                            "time-to-report") for ext in ("png", "svg")))
"""Every file `drillsim run --out` may write (the names earlier versions' temporary files were made from)."""


@contextmanager
def run_directory(out: Path) -> Iterator[Path]:
    """Hold a run's output directory while the run writes there (drillsim.files.writing_directory)."""
    with writing_directory(out, RUN_FILES) as directory:
        yield directory


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a run's numbers."""
    return {"python": platform.python_version(), **package_versions(PACKAGES)}


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n"


def effective_scenario(results: Results) -> str:
    """The scenario exactly as run, with its seed, so the run can be repeated from this file alone."""
    data = as_data(results.scenario)
    data["seed"] = results.seed
    data["replications"] = len(results.replications)
    data.pop("plan", None)
    header = (f"# Effective scenario of a drillsim run: the plan merged with the scenario.\n"
              f"# Repeat it with: drillsim run scenario.yaml --seed {results.seed} "
              f"--replications {len(results.replications)}\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_run(results: Results, out: Path, elapsed: float | None = None,
              fail_under: dict[str, float] | None = None) -> list[Path]:
    """The step-event log, incidents, verdicts (CSV), the summary (JSON), the effective scenario.

    A run that kept only summaries has no records to write: its summary, scenario and provenance only.

    The provenance says when the run was written and, given `elapsed`, how long it took; given the
    `--fail-under` thresholds, those targets (the report colours a rate only against a target).
    """
    records = {
        "events.csv": frame_csv(results.events),
        "steps.csv": frame_csv(results.steps),
        "incidents.csv": frame_csv(results.incidents),
        "verdicts.csv": frame_csv(results.verdicts),
    } if results.keep == "all" else {}
    files = {
        **records,
        "summary.json": to_json(results.summary()),
        "scenario.yaml": effective_scenario(results),
        "provenance.json": to_json({"seed_entropy": results.seed, "replications": len(results.replications),
                                    "load": results.load, "keep": results.keep, "versions": versions(),
                                    "written": datetime.now(UTC).isoformat(timespec="seconds"),
                                    **({} if elapsed is None else {"elapsed_seconds": round(elapsed, 3)}),
                                    **({"fail_under": fail_under} if fail_under else {})}),
    }
    written = []
    for name, content in files.items():
        atomic_write(out / name, content)
        written.append(out / name)
    return written
