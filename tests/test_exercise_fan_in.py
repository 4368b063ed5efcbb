"""A plan whose flow fans in (a once-per-incident step after the per-change continuation): the drill's
evaluation reads the flow as the model does, so a drill that played like a simulated run gets its attribution."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillsim import api
from drillsim.exercise.drilllog import read
from drillsim.exercise.evaluate import Evaluation, drill_steps, evaluate
from drillsim.exercise.played import to_record
from drillsim.results.bottleneck import stages
from drillsim.scenario import Scenario, load
from tests.helpers import EXAM, drill_log_of_run, with_fan_in


@pytest.fixture(scope="module")
def fan_in() -> Scenario:
    """The exam-day scenario with a summary to the leader once every change's continuation report is in."""
    return with_fan_in(load(EXAM), {"summary": {"title": "summary after every change", "limit": "3h",
                                                "start": "occurred", "end": "summary_received"}})


@pytest.fixture(scope="module")
def played(fan_in: Scenario, tmp_path_factory: pytest.TempPathFactory) -> tuple[Evaluation, api.Results]:
    path: Path = tmp_path_factory.mktemp("fan-in") / "drill.csv"
    incidents = drill_log_of_run(fan_in, fan_in.seed, path)
    results = api.run(fan_in, replications=1, seed=fan_in.seed)
    return evaluate(fan_in, incidents, read(path, fan_in, incidents), results), results


def test_the_fan_in_step_costs_the_drill_what_it_cost_the_model(
        fan_in: Scenario, played: tuple[Evaluation, api.Results]) -> None:
    """Each summary clock's costliest stage and its seconds, from the drill log and from the model's records."""
    ev, results = played
    ids = {incident.number: incident.id for incident in ev.incidents}
    parts = stages(fan_in, results.steps, results.verdicts, fan_in.horizon)
    parts = parts[(parts["rule"] == "summary") & (parts["step"] != "-") & parts["incident"].isin(list(ids))]
    per_step = parts.groupby(["incident", "step"], sort=False)["seconds"].sum()
    model = {}
    for (number, step), seconds in per_step.items():
        if seconds > model.get(ids[number], ("", -1))[1]:
            model[ids[number]] = (step, int(seconds))
    drill = {f.incident: (f.stage, f.stage_seconds) for f in ev.findings if f.rule == "summary" and f.end is not None}
    changed = {incident.id for incident in ev.incidents if incident.changes}
    assert changed and set(drill) - changed  # incidents with changes and without: a fan-in over some and none
    assert drill == {ident: model[ident] for ident in drill}


def test_the_fan_in_step_is_ready_when_the_model_queued_it(fan_in: Scenario,
                                                           played: tuple[Evaluation, api.Results]) -> None:
    """After the last change's continuation report, or at the occurrence for an incident without changes."""
    ev, results = played
    rep = results.replications[0]
    model = {s.incident: (s.queued, s.delivered) for s in rep.steps if s.step == "summary"}
    by_number = {r.incident: r for r in rep.incidents}
    drill = {}
    for incident in ev.incidents:
        record = to_record(fan_in, incident, by_number[incident.number].milestones, {}, fan_in.horizon)
        drill.update({row["incident"]: (row["queued"], row["delivered"])
                      for row in drill_steps(fan_in, incident, record) if row["step"] == "summary"})
    assert len(drill) == len(ev.incidents)
    assert drill == {number: model[number] for number in drill}
