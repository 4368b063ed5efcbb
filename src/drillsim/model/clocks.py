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


def check(rule_id: str, rule: DeadlineRule, incident: IncidentRecord, k: int, horizon: int) -> VerdictRecord:
    """One rule for one incident: met, missed (by how much), or pending at the horizon."""
    def milestone(name: str) -> int | None:
        return incident.milestones.get(name if k < 0 or name == "occurred" else f"{name}#{k}")

    start, end = milestone(rule.start), milestone(rule.end)
    level = incident.level_at(end) if end is not None else incident.final_level
    common = dict(replication=incident.replication, incident=incident.incident, rule=rule_id, change=k,
                  level=level, category=incident.category, start=start, end=end)
    if start is None:
        return VerdictRecord(**common, deadline=None, slack=None, status="pending")  # type: ignore[arg-type]
    deadline = start + rule.limit
    if end is not None:
        slack = deadline - end
        return VerdictRecord(**common, deadline=deadline, slack=slack,  # type: ignore[arg-type]
                             status="met" if slack >= 0 else "missed")
    if deadline < horizon:
        return VerdictRecord(**common, deadline=deadline, slack=None, status="missed",  # type: ignore[arg-type]
                             late_at_least=horizon - deadline)
    return VerdictRecord(**common, deadline=deadline, slack=None, status="pending")  # type: ignore[arg-type]
