"""What the tests share: the repository's paths, the CLI run as a user would, and hand-computed scenarios.

The deterministic scenarios have constant durations, fixed channels and no
randomness. With these constants an incident of level III at time T in an
idle chain goes: discover 2m, first report 1m + 30s wired, verify 5m + 30s,
judge 4m + 30s, so the office reaches the leadership group at T + 13m30s;
the leader decides (3m) and activates the group (2m + 30s), whose on-site
response takes its leader and members for 30m. Every core element is known as
the step it comes after is done (the casualties are counted in no time), and the
office's final report at closure takes 30m.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter

from drillsim.exercise import DrillIncident, drill_incidents
from drillsim.exercise.drilllog import DrillLogWriter, Entry
from drillsim.model import Replication, simulate
from drillsim.scenario import Scenario, load
from drillsim.scenario.schema import AnyDist, Dist

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
DATA = ROOT / "tests" / "data"
CASES = DATA / "cases"
MALFORMED = DATA / "malformed"
EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
LOG = DATA / "exam-day-drill-log.csv"  # EXAM's drill as a facilitator logged it, worked out by hand


def drillsim(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `drillsim ARGS` in a fresh interpreter and capture what a user would see."""
    return subprocess.run([sys.executable, "-m", "drillsim.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, check=False)


ONE_LEVEL = """\
categories:
  any: {title: Any incident, working_group: information, examples: {any: any incident}}
levels:
  IV: {colour: blue, title: general}
major_classes: {}
core_elements: {time: time}
command_post: {levels: []}
escalation: {levels: {IV: []}}
channels:
  order: [wired]
  media: {wired: {delay: 0s}}
"""
"""What a small plan file of a test does not vary: one category (`any`, taken by the `information` group), one level
(IV), one channel without delay, no command post, no escalation."""


BASE = """
name: {name}
plan: builtin
horizon: {horizon}
sources: []
probabilities:
  department_head_first: 0
  incomplete_report: {incomplete}
  misjudged_level: 0
  command_post_low_level: 0
channels:
  media:
    wired: {{delay: 30s, fallback_delay: 2m}}
    wireless: {{delay: 1m, fallback_delay: 3m}}
    satellite: {{delay: 5m, fallback_delay: 5m}}
staffing:
  office: {{staff: 2, shifts: []}}
  deputy: {{handover: {handover}}}
durations:
  discovery: 2m
  first_report: 1m
  verify: 5m
  judge: 4m
  decide: 3m
  activate_group: 2m
  set_up_command_post: 10m
  command_post_report: 5m
  phone_province: 3m
  escalate: 2m
  written_province: 30m
  continuation: 5m
  resolve: 2h
  group_response: 30m
  run_command_post: 1h
  external_response: 1h30m
  count_casualties: 0s
  continuation_upward: 4m
  leadership_upward: 3m
  publish_information: 20m
  final_report: 30m
  follow_up: 6m
  acknowledge: 1m
  change_interval: 30m
  reassessment: 30m
"""


def case(extra: str = "", *, name: str = "case", horizon: str = "1d", handover: str = "1h",
         incomplete: float = 0.0) -> Scenario:
    """A deterministic scenario: `extra` YAML extending the base above.

    Extending (not writing one file of both) lets a case replace the flow:
    the base's durations of steps the case removes are the base's, not
    names the case wrote and nothing reads.
    """
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base.yaml"
        base.write_text(BASE.format(name=name, horizon=horizon, handover=handover, incomplete=incomplete),
                        encoding="utf-8")
        body = yaml.safe_dump(yaml.safe_load(textwrap.dedent(extra)) or {}, sort_keys=False)
        path = Path(folder) / "case.yaml"
        path.write_text("extends: base.yaml\n" + ("" if body.strip() == "{}" else body), encoding="utf-8")
        return load(path)


def run(scenario: Scenario) -> Replication:
    return simulate(scenario, seed=1, replication=0)


def milestones(rep: Replication, incident: int) -> dict[str, int]:
    return next(i for i in rep.incidents if i.incident == incident).milestones


def verdict(rep: Replication, incident: int, rule: str, change: int = -1) -> tuple[str, int | None]:
    v = next(v for v in rep.verdicts if v.incident == incident and v.rule == rule and v.change == change)
    return v.status, v.slack


def step(rep: Replication, incident: int, name: str, change: int = -1):  # type: ignore[no-untyped-def]
    return next(s for s in rep.steps if s.incident == incident and s.step == name and s.change == change)


def drill_log_of_run(scenario: Scenario, seed: int, path: Path) -> list[DrillIncident]:
    """Write, as a facilitator would have, the milestones of replication 0 of a simulated run."""
    incidents = drill_incidents(scenario, seed)
    by_number = {incident.number: incident for incident in incidents}
    run = simulate(scenario, seed, 0)
    # the closure is no row of its own: the log reaches it with the step that closed the incident
    rows = [Entry(time, by_number[record.incident].id, *_split(key))
            for record in run.incidents for key, time in record.milestones.items() if key != "closure"]
    with DrillLogWriter(path) as writer:
        for entry in sorted(rows, key=lambda e: (e.time or 0, e.incident)):
            writer.append(entry)
    return incidents


def _split(key: str) -> tuple[str, int | None]:
    """The model's `continuation_received#0` as the log writes it: milestone, change 1."""
    name, sep, k = key.partition("#")
    return (name, int(k) + 1) if sep else (name, None)


DIST_SPECS: dict[str, dict[str, Any]] = {
    "constant": {"dist": "constant", "value": "4m"},
    "exponential": {"dist": "exponential", "mean": "30m"},
    "uniform": {"dist": "uniform", "low": "1m", "high": "9m"},
    "triangular": {"dist": "triangular", "low": "1m", "mode": "2m", "high": "9m"},
    "lognormal": {"dist": "lognormal", "median": "10m", "p90": "25m"},
    "empirical": {"dist": "empirical", "samples": ["1m", "3m", "7m", "20m"]},
}
"""One distribution of each family the scenario language has, as a scenario file writes it."""


def dist(spec: dict[str, Any]) -> Dist:
    """A distribution validated as the loader validates a scenario's duration."""
    return TypeAdapter(AnyDist).validate_python(spec)  # type: ignore[no-any-return]


def with_fan_in(scenario: Scenario, deadlines: dict[str, dict[str, Any]]) -> Scenario:
    """The scenario with a summary to the leader once every change's continuation report is in (a fan-in), and
    these deadline rules besides its own."""
    flow = [step.model_dump(mode="json", by_alias=True) for step in scenario.flow]
    flow.append({"id": "summary", "actor": "office", "after": ["continuation"], "duration": "continuation",
                 "report": {"to": "leader"}, "milestone": "summary_received"})
    rules = {name: rule.model_dump(mode="json", by_alias=True) for name, rule in scenario.deadlines.items()}
    return scenario.replace({"flow": flow, "deadlines": {**rules, **deadlines}})
