"""The compiled flow's rules at their edges, each flow built inside its test.

What the flow says about a step is fixed when the flow is compiled, so each
flow here is compiled by the test that reads it (a flow compiled once for a
whole module would pin the compiled answers, not the compiling).
"""

from __future__ import annotations

import drillsim
from drillsim.scenario.flow import ONCE, Flow, flow_of, instance_key
from drillsim.scenario.schema import Step


def step(id_: str, *after: str, per: str = "incident") -> Step:
    return Step(id=id_, actor="office", after=after, duration="work", per=per, milestone=f"{id_}_done")


def fan() -> Flow:
    """report (once) -> continuation (per change) -> summary (once) -> close (once, also after report)."""
    return Flow((step("report", "occurred"), step("continuation", "report", "change", per="change"),
                 step("summary", "continuation"), step("close", "summary", "report")))


def test_each_step_knows_whether_it_follows_the_occurrence_or_each_change() -> None:
    flow = fan()
    assert [(node.id, node.on_occurred, node.on_change) for node in flow] == [
        ("report", True, False), ("continuation", False, True), ("summary", False, False), ("close", False, False)]
    assert [node.predecessors for node in flow] == [(), ("report",), ("continuation",), ("summary", "report")]


def test_only_a_per_change_step_after_a_once_per_incident_step_fans_out() -> None:
    """Once -> per change fans out; per change -> per change, per change -> once and once -> once do not."""
    flow = Flow((step("a", "change", per="change"), step("b", "a", "change", per="change"), step("c", "b"),
                 step("d", "c"), step("e", "d", "change", per="change")))
    assert [node.dependents for node in flow] == [
        (("b", False),), (("c", False),), (("d", False),), (("e", True),), ()]


def test_the_change_and_every_per_change_milestone_are_numbered() -> None:
    flow = fan()
    assert flow.per_change("change") and flow.per_change("continuation_done")
    assert not flow.per_change("report_done") and not flow.per_change("occurred")
    assert flow.key("change", 0) == "change#0"
    assert flow.key("continuation_done", 0) == "continuation_done#0"
    assert instance_key("continuation_done", 0) == "continuation_done#0"
    assert instance_key("continuation_done", ONCE) == "continuation_done"


def test_a_step_is_found_by_its_id_or_not_at_all() -> None:
    flow = fan()
    assert flow.get("summary") is flow["summary"] is flow.steps[2]
    assert flow.get("occurred") is None


def test_a_once_per_incident_step_after_once_per_incident_steps_waits_for_each_once() -> None:
    flow = fan()
    assert flow.waits(flow["close"], 5) == 2
    assert flow.waits(flow["report"], 5) == 1


def test_the_steps_following_an_event_include_those_listed_before_their_predecessors() -> None:
    backwards = Flow((step("c", "b"), step("b", "a"), step("a", "occurred")))
    assert [node.id for node in backwards.following("occurred")] == ["c", "b", "a"]


def test_a_report_without_an_alternative_receiver_has_one_doer() -> None:
    told = Step(id="tell", actor="office", after=("occurred",), duration="work", milestone="told",
                report={"to": "leader"})
    flow = Flow((told, step("answer", "tell").model_copy(update={"actor": "@tell"})))
    assert flow.doers(flow["answer"]) == ("leader",)


def test_a_flow_of_many_joins_is_checked_for_cycles_in_linear_time() -> None:
    """Thirty layers of two steps, each after both of the layer below: 2^30 paths, 60 steps to visit once.

    The last layer is listed first, so the search starts from the top; a search that forgot what it had
    already finished would walk every path.
    """
    layers = [("a0", ("occurred",)), ("b0", ("occurred",))] + [
        (f"{name}{i}", (f"a{i - 1}", f"b{i - 1}")) for i in range(1, 30) for name in "ab"]
    flow = Flow(tuple(step(id_, *after) for id_, after in reversed(layers)))
    assert flow.cycle() is None
    assert len(flow.rank) == 60


def test_the_flow_of_a_scenario_knows_its_major_classes() -> None:
    """Loaded afresh: what `flow_of` compiles for a scenario it has not seen (baseline: the built-in plan)."""
    flow = flow_of(drillsim.load("scenarios/baseline-week.yaml"))
    assert flow.major_class("public_health", ["III", "II"]) == "major_public_health"
    assert flow.major_class("social_security", ["II"]) is None
    assert flow.needs_command_post(["II"]) and not flow.needs_command_post(["III"])
