"""The outputs show which core elements each report carried and lacked, and the bottleneck calls a follow-up a
follow-up and a report held for its elements held.

One incident at 02:00 (7200 s) in an idle chain, every channel without delay:
discover 1m (time known at 7260), first report 1m (delivered at 7320, when the
count of casualties starts), verify 5m (done at 7620), casualties known 15m
after the first report, at 8220. The verification must carry casualties:
- send_now: sent at 7620, delivered at once, followed up 3m later (7800), answered once casualties are known:
  max(7620 + 0 + 3m, 8220) + 0 = 8220;
- wait: held until casualties are known, then sent: max(7620, 8220) + 0 = 8220.
Either way the office's 5m deadline from 7200 is missed by 12m (8220 - 7500 s), and the report's 10m after the
work (600 s) is the largest part of the 17m window (discover 60, first report 60, verify 300).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from drillsim.experiment.rundir import SavedRun, report_page, write_run
from drillsim.model import simulate
from drillsim.report.terminal import render_summary
from drillsim.report.timeline import story
from drillsim.results import Results
from drillsim.results.bottleneck import FOLLOW_UP, HELD
from drillsim.scenario import Scenario
from drillsim.scenario.loader import loads
from tests.helpers import ONE_LEVEL

ELEMENTS = """\
core_elements:
  time: {title: time, after: discover}
  casualties: {title: casualties, after: first_report, duration: count}
"""


def _scenario(practice: str = "send_now", first_incomplete: float = 0.0) -> Scenario:
    return loads(f"""\
name: Elements
horizon: 1d
practice: {practice}
actors:
  discoverer: {{title: Discoverer, kind: unlimited}}
  grid_worker: {{title: Grid worker, kind: pool}}
  office: {{title: Office, kind: pool}}
staffing:
  grid_worker: {{staff: 1}}
  office: {{staff: 1}}
working_groups:
  information: {{title: Information group, led_by: office}}
""" + ONE_LEVEL.replace("core_elements: {time: time}\n", ELEMENTS) + f"""\
flow:
  - {{id: discover, actor: discoverer, after: [occurred], duration: discover, milestone: discovered}}
  - id: first_report
    actor: discoverer
    after: [discover]
    duration: first
    report: {{to: grid_worker, carries: [time], incomplete: {first_incomplete}}}
    milestone: first_received
  - id: verify
    actor: grid_worker
    after: [first_report]
    duration: verify
    report: {{to: office, carries: [time, casualties]}}
    milestone: office_received
deadlines:
  first_in_time: {{title: first report within 1 minute, limit: 1m, start: occurred, end: first_received}}
  office_in_time: {{title: at the office within 5 minutes, limit: 5m, start: occurred, end: office_received}}
durations:
  discover: 1m
  first: 1m
  verify: 5m
  count: 15m
  follow_up: 3m
injects:
  - {{at: "02:00", category: any, example: any, level: IV}}
""")


def _results(scenario: Scenario) -> Results:
    return Results(scenario, 1, [simulate(scenario, seed=1, replication=0)])


def _stage(results: Results, rule: str) -> dict[str, Any]:
    rows = results.bottlenecks()
    own = rows[rows["rule"] == rule]
    assert len(own) == 1, own
    return dict(own.iloc[0])


def test_a_report_sent_before_casualties_are_known_is_followed_up_and_its_elements_recorded() -> None:
    results = _results(_scenario())
    steps = results.steps.set_index("step")
    assert steps.loc["verify", ["finished", "delivered", "transit"]].tolist() == [7620, 8220, 600]
    assert steps.loc["verify", ["carried", "missing", "incomplete"]].tolist() == ["time", "casualties", True]
    assert steps.loc["first_report", ["carried", "missing", "incomplete"]].tolist() == ["time", "", False]
    assert steps["carried"].dtype == steps["missing"].dtype == steps["actor"].dtype  # text, as every text column
    incident = results.incidents.iloc[0]
    assert (incident["missing_elements"], incident["waited_for_elements"]) == ("verify: casualties", "")
    stage = _stage(results, "office_in_time")
    assert (stage["step"], stage["kind"], stage["actor"], stage["missing"], stage["median_seconds"]) == \
        ("verify", FOLLOW_UP, "grid_worker", "casualties", 600)
    assert "follow-up round trip" in stage["sentence"] and "sent without casualties" in stage["sentence"]


def test_with_the_practice_wait_the_report_is_held_and_not_incomplete() -> None:
    results = _results(_scenario("wait"))
    verify = results.steps.set_index("step").loc["verify"]
    assert [verify["delivered"], verify["missing"], verify["incomplete"]] == [8220, "casualties", False]
    incident = results.incidents.iloc[0]
    assert (incident["missing_elements"], incident["waited_for_elements"]) == ("", "verify: casualties")
    stage = _stage(results, "office_in_time")
    assert (stage["kind"], stage["missing"], stage["median_seconds"]) == (HELD, "casualties", 600)
    assert "held until casualties was known" in stage["sentence"]
    assert "report of verify held back (casualties)" in render_summary(results)


def test_a_first_report_followed_up_by_human_error_is_a_follow_up_not_transit() -> None:
    # The first report is sent at 7320, followed up 3m later and sent again at once: delivered at 7500, its 1m
    # deadline from 7200 missed by 4m, of which the 3m round trip is the largest part (discover and write: 1m each).
    results = _results(_scenario(first_incomplete=1.0))
    first = results.steps.set_index("step").loc["first_report"]
    assert [first["delivered"], first["incomplete"], first["missing"]] == [7500, True, ""]
    stage = _stage(results, "first_in_time")
    assert (stage["step"], stage["kind"], stage["missing"], stage["median_seconds"]) == \
        ("first_report", FOLLOW_UP, "", 180)
    assert "missing core elements and sent again" in stage["sentence"]


def test_the_timeline_tells_what_each_report_carried_and_what_it_lacked() -> None:
    followed = story(_results(_scenario()))
    assert "0d 02:02:00  the grid worker receives the report over wired (carried time): first_report" in followed
    assert ("0d 02:17:00  the office receives the report over wired (carried time; missing casualties: "
            "followed up): verify") in followed
    assert "after a follow-up round trip" not in followed
    held = story(_results(_scenario("wait")))
    assert "(carried time; waited for casualties): verify" in held


def test_the_run_directory_keeps_the_elements_and_the_report_shows_them(tmp_path: Path) -> None:
    results = _results(_scenario())
    write_run(results, tmp_path)
    incidents = pd.read_csv(tmp_path / "incidents.csv", keep_default_na=False)
    assert incidents["missing_elements"].tolist() == ["verify: casualties"]
    saved = SavedRun(tmp_path)
    assert saved.steps.set_index("step").loc["first_report", "missing"] == ""
    assert saved.elements().to_dict("records") == [
        {"step": "first_report", "title": "first_report", "carries": "time", "sent": 1, "followed_up": 0, "held": 0,
         "missing": ""},
        {"step": "verify", "title": "verify", "carries": "time+casualties", "sent": 1, "followed_up": 1, "held": 0,
         "missing": "casualties"}]
    page = report_page(tmp_path)
    assert "<td>verify</td><td>time, casualties</td><td class=\"num\">1</td><td class=\"num\">1</td>" in page
    assert "<td>casualties</td>" in page


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "-2+3"])
def test_element_text_in_a_csv_is_neutralised_like_every_other_cell(tmp_path: Path, cell: str) -> None:
    results = _results(_scenario())
    for rep in results.replications:
        for record in rep.steps:
            if record.step == "verify":
                record.carried = cell
    write_run(results, tmp_path)
    steps = pd.read_csv(tmp_path / "steps.csv", keep_default_na=False).set_index("step")
    assert steps.loc["verify", "carried"] == "'" + cell
    assert SavedRun(tmp_path).steps.set_index("step").loc["verify", "carried"] == cell
