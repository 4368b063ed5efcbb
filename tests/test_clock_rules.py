"""Deadline clocks record by record: every field of a verdict in each of its four cases, computed by hand.

The incidents are written out as records (no simulation), so each verdict
follows from the rule and the milestone times alone. Incident 7 of
replication 3 occurs at 1000 s as level III and is corrected to level II at
2000 s; its final level is II.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from drillsim.model.clocks import incident_verdicts, verdicts
from drillsim.model.records import IncidentRecord, VerdictRecord
from drillsim.scenario import Scenario
from tests.helpers import case

DAY = 86400


@cache
def _scenario() -> Scenario:
    return case("""
        deadlines:
          levels_one_and_two: {title: t, limit: 20m, start: occurred, end: leadership_received, levels: [I, II]}
          change_until_occurrence: {title: t, limit: 1h, start: change, end: occurred, applies: change}
    """)


def _with(*rules: str) -> Scenario:
    """The deterministic base scenario (horizon one day) with only these deadline rules."""
    scenario = _scenario()
    return scenario.model_copy(update={"deadlines": {rule: scenario.deadlines[rule] for rule in rules}})


def _incident(milestones: dict[str, int], changes: tuple[int, ...] = (), level: str = "III") -> IncidentRecord:
    return IncidentRecord(
        replication=3, incident=7, source="injects", parent=None, category="accidents_disasters", example="gas_leak",
        description="", grid="grid_1", level=level, judged_level=level, final_level="II", major_class=None,
        command_post_required=False, occurred=1000, changes=changes, milestones={"occurred": 1000, **milestones},
        level_history=((2000, "II"),))


def _verdict(rule: str, **fields: Any) -> VerdictRecord:
    values: dict[str, Any] = {"replication": 3, "incident": 7, "rule": rule, "change": -1, "level": "II",
                                 "category": "accidents_disasters", "start": None, "deadline": None, "end": None,
                                 "slack": None} | fields
    return VerdictRecord(**values)


def test_a_rule_whose_start_never_happened_is_pending_and_keeps_its_end() -> None:
    """No first report received, yet the office heard of it: the clock never started, whatever the end."""
    incident = _incident({"office_received": 1500})
    assert list(verdicts(_with("grid_to_office"), [incident], DAY)) == [
        _verdict("grid_to_office", level="III", end=1500, status="pending")]  # level III was in force at 1500


def test_a_report_carries_the_level_in_force_when_it_arrived() -> None:
    """Met at 15m, while level III was in force; missed at 25m, after the correction to II at 2000 s."""
    early, late = _incident({"leadership_received": 1900}), _incident({"leadership_received": 2500})
    assert list(verdicts(_with("office_to_leadership"), [early, late], DAY)) == [
        _verdict("office_to_leadership", level="III", start=1000, deadline=2200, end=1900, slack=300, status="met"),
        _verdict("office_to_leadership", level="II", start=1000, deadline=2200, end=2500, slack=-300,
                 status="missed")]


def test_a_report_never_made_is_missed_once_its_deadline_is_before_the_horizon() -> None:
    """Late by at least the time from the deadline to the horizon; the level is the final one."""
    incident = _incident({})
    assert list(verdicts(_with("office_to_leadership"), [incident], 2300)) == [_verdict(
        "office_to_leadership", start=1000, deadline=2200, status="missed", late_at_least=100)]


def test_a_deadline_at_exactly_the_horizon_is_still_pending() -> None:
    """A report at its deadline is met, so a clock at its limit when the drill ends has not been missed."""
    incident = _incident({})
    assert list(verdicts(_with("office_to_leadership"), [incident], 2200)) == [_verdict(
        "office_to_leadership", start=1000, deadline=2200, status="pending")]
    assert [v.status for v in verdicts(_with("office_to_leadership"), [incident], 2201)] == ["missed"]


def test_a_per_change_rule_reads_the_occurrence_once_and_the_other_milestones_per_change() -> None:
    """Discovered at 1100, before both changes: each continuation clock starts at its change."""
    incident = _incident({"discovered": 1100, "change#0": 3000, "change#1": 5000, "continuation_received#1": 5400},
                         changes=(3000, 5000))
    assert list(verdicts(_with("change_until_occurrence", "continuation"), [incident], DAY)) == [
        _verdict("change_until_occurrence", change=0, start=3000, deadline=6600, end=1000, slack=5600,
                 level="III", status="met"),
        _verdict("change_until_occurrence", change=1, start=5000, deadline=8600, end=1000, slack=7600,
                 level="III", status="met"),
        _verdict("continuation", change=0, start=3000, deadline=4800, status="missed", late_at_least=DAY - 4800),
        _verdict("continuation", change=1, start=5000, deadline=6800, end=5400, slack=1400, status="met")]


def test_a_change_before_the_discovery_starts_its_continuation_clock_at_the_discovery() -> None:
    """Changed at 1050, discovered at 1600: 30m from 1600 is due at 3400, met at 3400, missed at 3401; before the
    discovery is recorded the clock has not started."""
    rules = _with("continuation")
    on_time, late = ({"discovered": 1600, "change#0": 1050, "continuation_received#0": end} for end in (3400, 3401))
    assert list(verdicts(rules, [_incident(on_time, changes=(1050,)), _incident(late, changes=(1050,))], DAY)) == [
        _verdict("continuation", change=0, start=1600, deadline=3400, end=3400, slack=0, status="met"),
        _verdict("continuation", change=0, start=1600, deadline=3400, end=3401, slack=-1, status="missed")]
    assert list(verdicts(rules, [_incident({"change#0": 1050}, changes=(1050,))], DAY)) == [
        _verdict("continuation", change=0, status="pending")]


def test_a_rule_for_some_levels_judges_only_incidents_at_those_levels() -> None:
    """The level that counts is the one in force when the report arrived (III before 2000, II from then)."""
    rules = _with("levels_one_and_two")
    at_two = _incident({"leadership_received": 2100})
    at_three = _incident({"leadership_received": 1900})
    assert [(v.rule, v.level, v.status) for v in verdicts(rules, [at_two, at_three], DAY)] == [
        ("levels_one_and_two", "II", "met")]


def test_a_change_drawn_at_or_after_the_horizon_calls_for_no_report() -> None:
    """The first change falls at the horizon, or only the second does: only changes before it have a verdict."""
    scenario = _with("continuation")
    assert scenario.horizon == DAY
    assert incident_verdicts(scenario, _incident({"change#0": DAY}, changes=(DAY,))) == []
    kept = incident_verdicts(scenario, _incident({"discovered": 1100, "change#0": 3000, "change#1": DAY},
                                                 changes=(3000, DAY)))
    assert [(v.change, v.status) for v in kept] == [(0, "missed")]
