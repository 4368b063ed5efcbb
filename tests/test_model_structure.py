"""The model reads the flow as the flow says: a fan-in waits for every change, a clock's milestones are the flow's
keys, each record is built field by field, and the channels cost what the plan says."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from drillsim.model import simulate
from drillsim.model.channels import Channels
from drillsim.model.clocks import Clocks
from drillsim.model.incidents import ReportFate
from drillsim.model.records import (
    IncidentRecord,
    StepRecord,
    VerdictRecord,
    incident_record,
    step_record,
    verdict_record,
)
from drillsim.model.structure import Structure
from drillsim.scenario import Scenario, load
from drillsim.scenario.flow import ONCE
from drillsim.scenario.schema import Channels as ChannelPlan
from tests.helpers import EXAM, case, milestones, run, with_fan_in


@pytest.fixture(scope="module")
def fan_in() -> Scenario:
    """The exam-day scenario with a summary once every change's continuation report is in, and two clocks on it."""
    return with_fan_in(load(EXAM), {
        "summary": {"title": "summary", "limit": "3h", "start": "occurred", "end": "summary_received"},
        "summary_after_change": {"title": "summary after a change", "limit": "3h", "start": "change",
                                 "end": "summary_received", "applies": "change"}})


def test_a_fan_in_waits_for_every_changes_instance_and_for_none_without_changes(fan_in: Scenario) -> None:
    structure = Structure(fan_in)
    assert structure.template(3).counts[("summary", ONCE)] == 3
    assert ("summary", ONCE) in {(plan.id, k) for plan, k in structure.template(0).ready}
    rep = simulate(fan_in, fan_in.seed, 0)
    summaries = {s.incident: s for s in rep.steps if s.step == "summary"}
    assert {i.incident for i in rep.incidents} == set(summaries)
    assert len(summaries) == sum(s.step == "summary" for s in rep.steps)  # once per incident, not per change
    seen = set()
    for incident in rep.incidents:
        keys = [f"continuation_received#{k}" for k in range(len(incident.changes))]
        if any(key not in incident.milestones for key in keys):
            continue
        continuations = [incident.milestones[key] for key in keys]
        seen.add(bool(continuations))
        assert summaries[incident.incident].queued == max(continuations, default=incident.occurred)
        assert incident.milestones["summary_received"] == summaries[incident.incident].delivered
    assert seen == {True, False}  # incidents with changes and without


def test_a_clock_per_change_ending_at_a_once_per_incident_milestone_reads_its_one_name(fan_in: Scenario) -> None:
    """`summary_received` is recorded once per incident, so every change's clock ends there, not at `#k`."""
    record = incident_record(replication=0, incident=1, source="s", parent=None, category="fire", example="",
                             description="", grid="community", level="III", judged_level="III", major_class=None,
                             command_post_required=False, occurred=0, changes=(100, 200),
                             milestones={"occurred": 0, "change#0": 100, "change#1": 200,
                                         "summary_received": 3000})
    rules = [v for v in Clocks(fan_in).verdicts([record], 86400) if v.rule == "summary_after_change"]
    assert [(v.change, v.start, v.end, v.slack, v.status) for v in rules] == [
        (0, 100, 3000, 100 + 10800 - 3000, "met"), (1, 200, 3000, 200 + 10800 - 3000, "met")]


def test_each_record_factory_sets_every_field_by_its_name() -> None:
    step = step_record(replication=1, incident=2, step="verify", change=ONCE, actor="office", unit="u", queued=5,
                       units=3)
    assert step == StepRecord(replication=1, incident=2, step="verify", change=ONCE, actor="office",
                              served_by="office", unit="u", queued=5, units=3)
    incident = incident_record(replication=1, incident=2, source="s", parent=7, category="c", example="e",
                               description="d", grid="g", level="II", judged_level="I", major_class="m",
                               command_post_required=True, occurred=9, changes=(10,), milestones={"occurred": 9})
    assert incident == IncidentRecord(replication=1, incident=2, source="s", parent=7, category="c", example="e",
                                      description="d", grid="g", level="II", judged_level="I", final_level="II",
                                      major_class="m", command_post_required=True, occurred=9, changes=(10,),
                                      milestones={"occurred": 9})
    verdict = verdict_record(replication=1, incident=2, rule="r", change=0, level="II", category="c", start=3,
                             deadline=4, end=None, slack=None, status="missed", late_at_least=6)
    assert astuple(verdict) == (1, 2, "r", 0, "II", "c", 3, 4, None, None, "missed", 6)
    assert verdict == VerdictRecord(replication=1, incident=2, rule="r", change=0, level="II", category="c",
                                    start=3, deadline=4, end=None, slack=None, status="missed", late_at_least=6)


def test_the_channels_are_tried_in_order_and_an_incomplete_report_is_sent_twice() -> None:
    plan = ChannelPlan(order=("wired", "radio"), media={
        "wired": {"delay": "30s", "fallback_delay": "60s", "failures": [{"from": "100s", "to": "1000s"}]},
        "radio": {"delay": "10s"}})
    channels = Channels(plan)
    assert channels.steady is None
    assert channels.transmission(0) == (30, "wired")
    assert channels.transmission(100) == (60 + 10, "radio")
    complete = ReportFate(incomplete=False, follow_up=0, acknowledge=0, alternative=False)
    # Two receivers in turn: the second report leaves when the first arrived (at 70, wired is still down).
    assert channels.send(0, 2, complete) == ([30, 30], ["wired", "wired"])
    assert channels.send(100, 2, complete) == ([70, 70], ["radio", "radio"])
    incomplete = ReportFate(incomplete=True, follow_up=900, acknowledge=0, alternative=False)
    # Sent at 50 over wired (30), a follow-up at 80 + 900 = 980 while wired is down, resent over radio (70).
    assert channels.send(50, 1, incomplete) == ([30 + 900 + 70], ["wired"])
    steady = Channels(ChannelPlan(order=("wired",), media={"wired": {"delay": "30s"}}))
    assert steady.steady == (30, "wired") == steady.transmission(12345)


def test_a_fan_in_after_a_single_per_change_step_starts_once_after_the_last_report() -> None:
    """Two changes, 10 minutes apart: the summary waits for both continuation reports, and runs once."""
    scenario = with_fan_in(case("""
        injects:
          - at: "01:00"
            category: social_security
            example: group_fight
            level: III
            grid: grid_1
            changes:
              - {after: 30m, description: more people join}
              - {after: 40m, description: a second group arrives}
    """), {})
    rep = run(scenario)
    m = milestones(rep, 1)
    summaries = [s for s in rep.steps if s.step == "summary"]
    assert len(summaries) == 1
    assert summaries[0].queued == max(m["continuation_received#0"], m["continuation_received#1"])
