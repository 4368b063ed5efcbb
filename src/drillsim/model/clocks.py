"""The plan's deadline clocks, checked from recorded milestone times.

Verdicts are computed after the run from whole-second times, never by racing
timer events: a report at exactly its deadline is met, one a second later is
missed, whatever order processes ran in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from drillsim.model.records import IncidentRecord, VerdictRecord
from drillsim.scenario.schema import DeadlineRule, Scenario


def verdicts(scenario: Scenario, incidents: Iterable[IncidentRecord], horizon: int) -> Iterator[VerdictRecord]:
    """Every deadline rule checked for every incident (and change) it applies to."""
    for incident in incidents:
        for rule_id, rule in scenario.deadlines.items():
            if rule.applies == "command_post" and not incident.command_post_required:
                continue
            if rule.applies == "major_class" and incident.major_class is None:
                continue
            instances = range(len(incident.changes)) if rule.applies == "change" else (-1,)
            for k in instances:
                verdict = check(rule_id, rule, incident, k, horizon)
                if not rule.levels or verdict.level in rule.levels:
                    yield verdict


def incident_verdicts(scenario: Scenario, incident: IncidentRecord) -> list[VerdictRecord]:
    """One incident's verdicts at the scenario's horizon.

    A change drawn for after the horizon did not happen in the drill: it calls for no report.
    """
    horizon = scenario.horizon
    return [v for v in verdicts(scenario, (incident,), horizon)
            if v.change < 0 or incident.changes[v.change] < horizon]


def check(rule_id: str, rule: DeadlineRule, incident: IncidentRecord, k: int, horizon: int) -> VerdictRecord:
    """One rule for one incident: met, missed (by how much), or pending at the horizon."""
    milestones = incident.milestones
    start = milestones.get(rule.start if k < 0 or rule.start == "occurred" else f"{rule.start}#{k}")
    end = milestones.get(rule.end if k < 0 or rule.end == "occurred" else f"{rule.end}#{k}")
    level = incident.level_at(end) if end is not None else incident.final_level
    ident, category = incident.incident, incident.category
    if start is None:
        return VerdictRecord(incident.replication, ident, rule_id, k, level, category, None, None, end, None, "pending")
    deadline = start + rule.limit
    if end is not None:
        slack = deadline - end
        return VerdictRecord(incident.replication, ident, rule_id, k, level, category, start, deadline, end, slack,
                             "met" if slack >= 0 else "missed")
    if deadline < horizon:
        return VerdictRecord(incident.replication, ident, rule_id, k, level, category, start, deadline, None, None,
                             "missed", horizon - deadline)
    return VerdictRecord(incident.replication, ident, rule_id, k, level, category, start, deadline, None, None,
                         "pending")
