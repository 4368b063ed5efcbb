"""Tabletop exercise tools: the inject list, the facilitator's console, drill evaluation, the AAR, CAP export.

A drill plays a list of incidents (the scenario's scripted injects, or the
incidents of one simulated run); the facilitator records when the players
reach each milestone of the plan's flow in a drill log; the evaluation turns
that log into the same IncidentRecords the model produces and checks them
with the model's own deadline rules.
"""

from drillsim.exercise.played import ChangeSpec, DrillIncident, drill_incidents

__all__ = ["ChangeSpec", "DrillIncident", "drill_incidents"]
