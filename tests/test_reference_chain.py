"""drillsim and the hand-written reference chain (benchmarks/reference_chain.py) reach every milestone together.

The reference writes the built-in plan's flow and organisation out by hand in
bare SimPy, with its own small resource for people who hold several roles,
so it is a second, independent reading of the plan: on the benchmark
scenario every milestone of every incident must fall on the same second in
both. A change to the model that moves one milestone by one second fails
here, not only when someone runs the benchmark. Ten of the scenario's thirty
days keep the test fast and still take every branch: some 600 incidents a
replication, tasks waiting for the office, the leader, the grid workers, the
working groups, the command post and the reserve team, the party secretary
deciding, leading groups and commanding posts, and the deputies standing in
for the leader, the groups' leaders and the commander, reports sent before
the casualties are counted and followed up, final reports after the closure,
continuation reports to the province and the superiors. Each policy other
than first come, first served is compared on one replication, where it
reorders enough tasks to change the milestones; so are a grid worker who
waits for the missing elements beside a department head who sends at once,
and reports with their own transit time and human error.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from types import ModuleType

import pytest

from drillsim.model import simulate
from drillsim.scenario import Scenario, load
from tests.helpers import ROOT

#: Every milestone the benchmark scenario reaches (`name#k` keys by their name), so that a scenario
#: edited down to a few branches cannot make the comparison pass by comparing less.
MILESTONES = {"occurred", "discovered", "first_report_received", "office_received", "leadership_received",
              "decided", "group_activated", "group_reported", "closed", "closed_by_responders", "escalated",
              "province_phone_received", "province_written_received", "command_post_set_up",
              "command_post_report_received", "command_post_stood_down", "change", "continuation_received",
              "continuation_province_received", "continuation_superiors_received", "leadership_upward_received",
              "information_published", "closure", "final_report_received"}


def _reference() -> ModuleType:
    """benchmarks/reference_chain.py, loaded from its file: benchmarks/ is a folder of scripts, not a package."""
    spec = importlib.util.spec_from_file_location("reference_chain", ROOT / "benchmarks" / "reference_chain.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _reference()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load(reference.SCENARIO).replace({"horizon": "10d"})


def test_the_reference_can_run_the_benchmark_scenario(scenario: Scenario) -> None:
    assert reference.supported(scenario) == []
    assert scenario.replications == 5
    assert scenario.people["party_secretary"].roles == ("leader", "commander")


def test_the_reference_refuses_what_it_does_not_model(scenario: Scenario) -> None:
    preemptive = scenario.replace({"staffing.office.preempt": True})
    assert reference.supported(preemptive) == ["office preempts"]
    with pytest.raises(ValueError, match="office preempts"):
        reference.run(preemptive, scenario.seed, 0)


@pytest.mark.parametrize("replication", range(5))
def test_every_milestone_of_every_incident_is_the_same_second(scenario: Scenario, replication: int) -> None:
    ours = reference.run(scenario, scenario.seed, replication)
    run = simulate(scenario, scenario.seed, replication)
    theirs = {record.incident: dict(record.milestones) for record in run.incidents}
    assert reference.differences(ours, theirs) == []
    assert ours == theirs
    assert len(ours) > 500
    assert {key.partition("#")[0] for reached in ours.values() for key in reached} == MILESTONES
    waited = {step.actor for step in run.steps
              if step.queued is not None and step.started is not None and step.started > step.queued}
    assert waited >= {"office", "leader", "grid_worker", "working_group", "command_post"}
    stood_in = Counter(step.actor for step in run.steps if step.served_by == "deputy")
    assert set(stood_in) == {"leader", "working_group", "command_post"}
    secretary = Counter(step.actor for step in run.steps if "party_secretary" in step.people.split("+"))
    assert set(secretary) == {"leader", "working_group", "command_post"}
    followed_up = {step.step for step in run.steps if step.incomplete and step.missing}
    assert "verify" in followed_up


@pytest.mark.parametrize("policy", ["level", "deadline", "first_reports"])
def test_the_same_seconds_under_a_policy(scenario: Scenario, policy: str) -> None:
    variant = scenario.replace({"policy": policy, "horizon": "5d"})
    ours = reference.run(variant, scenario.seed, 1)
    theirs = {record.incident: dict(record.milestones) for record in simulate(variant, scenario.seed, 1).incidents}
    assert reference.differences(ours, theirs) == []
    assert ours == theirs
    fcfs = reference.run(variant.replace({"policy": "fcfs"}), scenario.seed, 1)
    assert len(reference.differences(ours, fcfs, limit=1000)) > 20


def test_the_same_seconds_when_nobody_holds_the_leaders_role(scenario: Scenario) -> None:
    """The deputies act at once for a leader nobody is: no hand-over delay for the decisions, nor for the groups."""
    variant = scenario.replace({"horizon": "3d", "staffing.leader.staff": 0, "staffing.deputy.staff": 8,
                                "people.party_secretary.roles": ["commander"]})
    ours = reference.run(variant, scenario.seed, 0)
    run = simulate(variant, scenario.seed, 0)
    assert reference.differences(ours, {record.incident: dict(record.milestones) for record in run.incidents}) == []
    led = [step for step in run.steps if step.actor in ("leader", "working_group") and step.started is not None]
    assert led and all(step.served_by == "deputy" for step in led)


def test_the_same_seconds_when_grid_workers_wait_for_the_missing_elements(scenario: Scenario) -> None:
    """A grid worker holds the verification report until the casualties are counted; a department head sends it
    at once and is followed up: both kinds happen, and the milestones still agree."""
    variant = scenario.replace({"horizon": "5d", "staffing.grid_worker.practice": "wait"})
    ours = reference.run(variant, scenario.seed, 2)
    run = simulate(variant, scenario.seed, 2)
    assert reference.differences(ours, {record.incident: dict(record.milestones) for record in run.incidents}) == []
    verified = Counter((step.actor, step.incomplete) for step in run.steps if step.step == "verify" and step.missing)
    assert verified[("grid_worker", False)] > 20
    assert verified[("department_head", True)] > 5
    assert verified[("grid_worker", True)] == 0
    assert len(reference.differences(ours, reference.run(scenario.replace({"horizon": "5d"}), scenario.seed, 2),
                                     limit=1000)) > 20


def test_the_same_seconds_with_a_report_s_own_transit_and_human_error(scenario: Scenario) -> None:
    """The verification and the escalation take a transit time of their own on every transmission and are
    incomplete by a per-step chance; the command post's report has a transit time too."""
    flow = reference.FLOW
    variant = scenario.replace({
        "horizon": "5d",
        f"flow[{flow.index('verify')}].report.transit": "continuation_upward",
        f"flow[{flow.index('verify')}].report.incomplete": 0.2,
        f"flow[{flow.index('escalate')}].report.transit": "continuation_upward",
        f"flow[{flow.index('escalate')}].report.incomplete": 0.3,
        f"flow[{flow.index('command_post_report')}].report.transit": "continuation_upward"})
    ours = reference.run(variant, scenario.seed, 0)
    run = simulate(variant, scenario.seed, 0)
    assert reference.differences(ours, {record.incident: dict(record.milestones) for record in run.incidents}) == []
    by_error = Counter(step.step for step in run.steps if step.incomplete and not step.missing)
    assert by_error["verify"] > 20
    assert by_error["escalate"] > 20
    assert set(by_error) == {"verify", "escalate"}
    assert len(reference.differences(ours, reference.run(scenario.replace({"horizon": "5d"}), scenario.seed, 0),
                                     limit=1000)) > 100
