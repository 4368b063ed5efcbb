"""Writing a run to disk: every file written atomically, so nothing half-written is ever left."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from drillsim.report.plan import as_data
from drillsim.results import Results
from drillsim.versions import package_versions

PACKAGES = ("drillsim", "simpy", "numpy", "pandas", "scipy", "matplotlib", "pydantic")


def _file_mode() -> int:
    """The mode a plain `open` would give a new file (mkstemp's own is private to the owner)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        "events.csv": results.events.to_csv(index=False),
        "steps.csv": results.steps.to_csv(index=False),
        "incidents.csv": results.incidents.to_csv(index=False),
        "verdicts.csv": results.verdicts.to_csv(index=False),
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
