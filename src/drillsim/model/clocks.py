"""The plan's deadline clocks, checked from recorded milestone times.

Verdicts are computed after the run from whole-second times, never by racing
timer events: a report at exactly its deadline is met, one a second later is
missed, whatever order processes ran in. Which name a clock's start and end
are recorded under (`name` or `name#k`) is the flow's to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from drillsim.model.records import IncidentRecord, VerdictRecord, verdict_record
from drillsim.scenario.flow import ONCE, flow_of
from drillsim.scenario.schema import DeadlineRule, Scenario


class Clocks:
    """A scenario's deadline rules with their milestone keys resolved by the flow, resolved once per run."""

    def __init__(self, scenario: Scenario) -> None:
        flow = flow_of(scenario)
        self.horizon = scenario.horizon
        self._key = flow.key
        self._rules = tuple((rule_id, rule, flow.key(rule.start, ONCE), flow.key(rule.end, ONCE),
                             flow.rule_per_change(rule)) for rule_id, rule in scenario.deadlines.items())

    def verdicts(self, incidents: Iterable[IncidentRecord], horizon: int) -> Iterator[VerdictRecord]:
        """Every deadline rule checked for every incident (and change) it applies to, at `horizon`."""
        key = self._key
        for incident in incidents:
            for rule_id, rule, start, end, per_change in self._rules:
                if not applies(rule.applies, incident.command_post_required, incident.major_class):
                    continue
                for k in range(len(incident.changes)) if per_change else (ONCE,):
                    if incident.ticks and not due(incident, k, key("change", k)):
                        continue
                    verdict = check(rule_id, rule, incident, k, horizon, start if k == ONCE else key(rule.start, k),
                                    end if k == ONCE else key(rule.end, k))
                    if not rule.levels or verdict.level in rule.levels:
                        yield verdict

    def settled(self, incident: IncidentRecord) -> list[VerdictRecord]:
        """One incident's verdicts at the horizon.

        A change drawn for after the horizon did not happen in the drill: it calls for no report.
        """
        horizon = self.horizon
        return [v for v in self.verdicts((incident,), horizon)
                if v.change == ONCE or incident.changes[v.change] < horizon]


def due(incident: IncidentRecord, k: int, change_key: str) -> bool:
    """Whether change `k` calls for its reports: a change always; a report on the cadence when it fell due while the
    incident was open (the chain records its `change#k` then, and only then)."""
    return k not in incident.ticks or change_key in incident.milestones


def applies(applies: str, command_post_required: bool, major_class: str | None) -> bool:
    """Whether a rule's `applies` takes in an incident: with or without a command post, of a major class or not."""
    if applies == "command_post":
        return command_post_required
    if applies == "no_command_post":
        return not command_post_required
    if applies == "major_class":
        return major_class is not None
    return True


def verdicts(scenario: Scenario, incidents: Iterable[IncidentRecord], horizon: int) -> Iterator[VerdictRecord]:
    """Every deadline rule of a scenario checked for every incident (and change) it applies to, at `horizon`."""
    return Clocks(scenario).verdicts(incidents, horizon)


def incident_verdicts(scenario: Scenario, incident: IncidentRecord) -> list[VerdictRecord]:
    """One incident's verdicts at the scenario's horizon (`Clocks.settled`)."""
    return Clocks(scenario).settled(incident)


def check(rule_id: str, rule: DeadlineRule, incident: IncidentRecord, k: int, horizon: int, start_key: str,
          end_key: str) -> VerdictRecord:
    """One rule for one incident (change `k`, or ONCE) whose clock runs from milestone `start_key` to `end_key`:
    met, missed (by how much), or pending at the horizon."""
    start = incident.milestones.get(start_key)
    if rule.not_before is not None and start is not None:
        known = incident.milestones.get(rule.not_before)
        start = None if known is None else max(start, known)
    end = incident.milestones.get(end_key)
    level = incident.level_at(end) if end is not None else incident.final_level
    deadline = slack = late = None
    if start is None:
        status = "pending"
    else:
        deadline = start + rule.limit
        if end is not None:
            slack = deadline - end
            status = "met" if slack >= 0 else "missed"
        elif deadline < horizon:
            status, late = "missed", horizon - deadline
        else:
            status = "pending"
    return verdict_record(replication=incident.replication, incident=incident.incident, rule=rule_id, change=k,
                          level=level, category=incident.category, start=start, deadline=deadline, end=end,
                          slack=slack, status=status, late_at_least=late)


__all__ = ["Clocks", "applies", "check", "due", "incident_verdicts", "verdicts"]
