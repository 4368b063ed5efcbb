"""Fixtures more than one test module uses (plain helpers and paths live in tests/helpers.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from drillsim import api, i18n
from drillsim.results import Results
from tests.helpers import case

os.environ["DRILLSIM_LANG"] = "en"
"""The tests read drillsim's English unless they choose a language (`--lang`, drillsim.i18n.speaking): a machine
whose locale is Chinese runs them as any other. Commands run as subprocesses inherit it."""


@pytest.fixture(autouse=True)
def _language_of_each_test_its_own() -> Iterator[None]:
    """A command run in-process with `--lang zh` (click's CliRunner) sets the language of the worker it runs in:
    each test starts again from the environment's (English)."""
    yield
    i18n.use(None)


@pytest.fixture(scope="module")
def shared_leader() -> Results:
    """Three level-II incidents a minute apart in three grids; one leader, decide 15m, no stand-in.

    Incident 3 (02:02) reaches the leadership group at 02:15:30, waits for the
    leader until 02:43:30 (behind incidents 1 and 2), decides until 02:58:30;
    the party secretary, who also commands every command post and reports
    each of these major matters upward, sets incident 3's up only at 05:50:30,
    after the other two posts have run and been reported upward, and its
    report arrives at 06:06:00: 4h04m after the incident. Incidents 1 and 2
    report at 03:19:00 and 04:42:30.
    tests/test_bottleneck.py checks these figures; tests/test_plots.py draws them.
    """
    return api.run(case("""
        staffing:
          office: {staff: 5}
        durations: {decide: 15m, activate_group: 5m}
        injects:
          - {at: "02:00", category: public_security_criminal, example: robbery, level: II, grid: grid_1}
          - {at: "02:01", category: accidents_disasters, example: gas_leak, level: II, grid: grid_2}
          - {at: "02:02", category: public_health, example: food_poisoning, level: II, grid: grid_3}
        """, name="shared leader", handover="1d"), replications=1, seed=1)
