"""The bundled scenarios validate and run, and the README's first command works."""

from __future__ import annotations

import json

import pytest

from tests.helpers import SCENARIOS, drillsim


def test_every_bundled_scenario_validates() -> None:
    result = drillsim("validate", *map(str, SCENARIOS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok") == len(SCENARIOS) == 7


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenario_runs_and_reports_every_rule(scenario) -> None:
    result = drillsim("run", str(scenario), "-n", "3", "--format", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    rules = {row["rule"] for row in summary["rules"] if row["level"] == "all"}
    assert rules == {"first_report", "grid_to_office", "office_to_leadership", "command_post_upward",
                     "province_phone", "province_written", "continuation", "continuation_province",
                     "final_report", "upward_without_post"}
    assert summary["replications"] == 3
    assert summary["bottleneck"]["sentence"]
