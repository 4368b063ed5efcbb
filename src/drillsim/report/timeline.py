"""Each incident's story, minute by minute, for trainers to read aloud.

Built from one replication's step log and verdicts: who received what when,
who waited for whom, and which deadline was met or missed by how much.
"""

from __future__ import annotations

import pandas as pd

from drillsim.results import Results
from drillsim.scenario.units import format_duration, format_offset


def _who(results: Results, actor: str, unit: str = "") -> str:
    title = results.scenario.actors[actor].title.lower() if actor in results.scenario.actors else actor
    return f"the {title} of {unit}" if unit else f"the {title}"


def story(results: Results, replication: int = 0) -> str:
    """The timeline of every incident of one replication, as plain text."""
    scenario = results.scenario
    steps = results.steps[results.steps["replication"] == replication]
    verdicts = results.verdicts[results.verdicts["replication"] == replication]
    incidents = results.incidents[results.incidents["replication"] == replication]
    titles = {step.id: step.title or step.id for step in scenario.flow}
    blocks = []
    for inc in incidents.itertuples(index=False):
        judged = f", judged {inc.judged_level}" if inc.judged_level != inc.level else ""
        major = f", major class: {inc.major_class}" if isinstance(inc.major_class, str) else ""
        grid = f" in {inc.grid}" if inc.grid else ""
        lines = [f"Incident {inc.incident}: {inc.description} ({inc.category}, level {inc.level}{judged}{major})"
                 f"{grid}"]
        events: list[tuple[int, int, str]] = [(int(inc.occurred), 0, "the incident occurs")]
        for s in steps[steps["incident"] == inc.incident].itertuples(index=False):
            what = titles[s.step] + (f" (change {s.change + 1})" if s.change >= 0 else "")
            who = _who(results, s.served_by, s.unit)
            if pd.notna(s.started) and s.started > s.queued:
                wait = format_duration(s.started - s.queued)
                events.append((int(s.queued), 1, f"{what}: waits for {_who(results, s.actor, s.unit)}"))
                stand = f" (standing in for {_who(results, s.actor)})" if s.served_by != s.actor else ""
                events.append((int(s.started), 2, f"{who}{stand} takes it after waiting {wait}"))
            elif pd.notna(s.started):
                events.append((int(s.started), 2, f"{what}: {who} starts at once"))
            else:
                events.append((int(s.queued), 1, f"{what}: waits for {_who(results, s.actor, s.unit)} "
                                                  "(still waiting at the end of the drill)"))
            if pd.notna(s.delivered):
                late = " after a follow-up for missing core elements" if s.incomplete else ""
                events.append((int(s.delivered), 3, f"{_who(results, s.receiver.split('+')[-1])} receives the "
                                                    f"report over {s.channel}{late}"))
        for v in verdicts[verdicts["incident"] == inc.incident].itertuples(index=False):
            rule = scenario.deadlines[v.rule]
            name = f"{rule.title} ({format_duration(rule.limit)})"
            if v.status == "met":
                events.append((int(v.end), 4, f"deadline met: {name}, {format_duration(v.slack)} to spare"))
            elif v.status == "missed" and pd.notna(v.end):
                events.append((int(v.end), 4, f"DEADLINE MISSED: {name}, {format_duration(-v.slack)} late"))
            elif v.status == "missed":
                events.append((int(v.deadline), 4, f"DEADLINE MISSED: {name}, no report by the deadline"))
        events.sort()
        for time, _, text in events:
            lines.append(f"  {format_offset(time)}  {text}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "No incident occurred in this replication."
