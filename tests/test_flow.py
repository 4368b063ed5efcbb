"""The compiled flow: every rule of `after`, `per` and `when`, checked on small flows written by hand."""

from __future__ import annotations

import pytest

import drillsim
from drillsim.scenario.flow import EVENTS, ONCE, Flow, _compiled, flow_of, instance_key, model_change, shown_change
from drillsim.scenario.schema import Step


def step(id_: str, *after: str, per: str = "incident", when: str = "always") -> Step:
    return Step(id=id_, actor="office", after=after, duration="work", per=per, when=when, milestone=f"{id_}_done")


def flow(*steps: Step, command_post: tuple[str, ...] = ("I", "II"),
         majors: dict[str, tuple[frozenset[str], str]] | None = None) -> Flow:
    return Flow(steps, frozenset(command_post), majors or {})


# report (once) -> continuation (per change) -> summary (once): a fan-out, then a fan-in.
FAN = flow(step("report", "occurred"), step("continuation", "report", "change", per="change"),
           step("summary", "continuation"), step("close", "summary", "report"))


def test_the_events_are_the_occurrence_the_change_and_the_closure() -> None:
    assert EVENTS == ("occurred", "change", "closure")
    assert ONCE == -1


def test_instances_are_one_per_change_for_a_per_change_step_and_one_otherwise() -> None:
    assert list(FAN.instances(FAN["continuation"], 3)) == [0, 1, 2]
    assert list(FAN.instances(FAN["continuation"], 0)) == []
    assert list(FAN.instances(FAN["report"], 3)) == [ONCE]


def test_a_per_change_step_fans_out_after_a_once_per_incident_one() -> None:
    assert FAN["report"].dependents == (("continuation", True), ("close", False))
    assert FAN["continuation"].dependents == (("summary", False),)


def test_milestone_keys_are_numbered_only_for_per_change_milestones() -> None:
    assert FAN.key("continuation_done", 2) == "continuation_done#2"
    assert FAN.key("change", 0) == "change#0"
    assert FAN.key("continuation_done", ONCE) == "continuation_done"
    assert FAN.key("report_done", 1) == "report_done"
    assert FAN.key("occurred", 4) == "occurred"


def test_a_fan_in_waits_for_every_change_and_for_none_without_changes() -> None:
    summary = FAN["summary"]
    assert FAN.awaited(summary, ONCE, 3) == ("continuation_done#0", "continuation_done#1", "continuation_done#2")
    assert FAN.waits(summary, 3) == 3
    assert FAN.awaited(summary, ONCE, 0) == ()
    assert FAN.waits(summary, 0) == 0


def test_only_a_once_per_incident_step_after_a_per_change_one_fans_in() -> None:
    assert FAN.fans_in(FAN["summary"], FAN["continuation"])
    assert not FAN.fans_in(FAN["continuation"], FAN["report"])
    assert not FAN.fans_in(FAN["close"], FAN["summary"])
    chained = flow(step("a", "change", per="change"), step("b", "a", "change", per="change"))
    assert not chained.fans_in(chained["b"], chained["a"])


def test_a_per_change_instance_waits_for_its_own_change_and_the_incident_step() -> None:
    continuation = FAN["continuation"]
    assert FAN.awaited(continuation, 1, 3) == ("report_done", "change#1")
    assert FAN.waits(continuation, 3) == 2
    assert FAN.awaited(FAN["close"], ONCE, 5) == ("summary_done", "report_done")


def test_what_a_recorded_milestone_proves_is_only_what_is_certain() -> None:
    assert sorted(FAN.proven_by("continuation_done#1")) == ["report_done"]
    assert sorted(FAN.proven_by("close_done")) == ["report_done", "summary_done"]
    assert list(FAN.proven_by("summary_done")) == []  # how many changes there were is not in the key
    chained = flow(step("a", "change", per="change"), step("b", "a", "change", per="change"))
    assert list(chained.proven_by("b_done#2")) == ["a_done#2"]
    assert chained.awaited(chained["b"], 2, 3) == ("a_done#2", "change#2")
    assert list(chained.proven_by("b_done")) == []
    assert list(FAN.proven_by("occurred")) == []


def test_the_steps_following_an_event_stay_within_its_instance() -> None:
    # summary waits for the changes' instances: the occurrence alone does not set it going.
    assert [n.id for n in FAN.following("occurred")] == ["report", "close"]
    assert [n.id for n in FAN.following("change")] == ["continuation"]


def test_the_rank_puts_each_step_after_those_it_waits_for() -> None:
    backwards = flow(step("late", "early"), step("early", "occurred"), step("alone", "occurred"))
    assert dict(backwards.rank) == {"early": 0, "late": 1, "alone": 2}


def test_a_cycle_is_found_from_the_first_step_on_it() -> None:
    looped = flow(step("a", "occurred"), step("b", "a", "c"), step("c", "b"))
    assert looped.cycle() == (1, ("b", "c", "b"))
    assert "b" not in looped.rank and "c" not in looped.rank
    assert FAN.cycle() is None


def test_the_conditions_read_the_levels_in_question() -> None:
    conditional = flow(step("a", "occurred"), majors={"fire": (frozenset({"I"}), "fire_major")})
    assert conditional.needs_command_post(["III", "II"])
    assert not conditional.needs_command_post(["III", "IV"])
    assert conditional.needs_command_post([], told=True)
    assert conditional.major_class("fire", ["II", "I"]) == "fire_major"
    assert conditional.major_class("fire", ["II"]) is None
    assert conditional.major_class("flood", ["I"]) is None
    assert conditional.major_class("flood", [], given="flood_major") == "flood_major"


def test_a_step_condition_holds_always_or_at_a_level_that_calls_for_it() -> None:
    conditional = flow(step("a", "occurred"), majors={"fire": (frozenset({"I"}), "fire_major")})
    assert conditional.holds("always", "flood", [])
    assert conditional.holds("command_post", "flood", ["III", "II"])
    assert not conditional.holds("command_post", "flood", ["III"])
    assert conditional.holds("command_post", "flood", ["III"], command_post=True)
    assert conditional.holds("major_class", "fire", ["II", "I"])
    assert not conditional.holds("major_class", "fire", ["II"], command_post=True)
    assert not conditional.holds("major_class", "flood", ["I"])
    assert conditional.holds("major_class", "flood", ["IV"], major_class="flood_major")


def test_the_flow_of_the_scenario_last_asked_for_is_answered_without_compiling_again() -> None:
    scenario = drillsim.load("scenarios/night-shift-one-grid-worker.yaml")
    compiled = flow_of(scenario)
    before = _compiled.cache_info()
    assert flow_of(scenario) is compiled
    assert _compiled.cache_info() == before
    variant = scenario.replace({"horizon": "2d"})
    assert flow_of(variant) is compiled  # the same flow: compiled once, found by the cache
    assert _compiled.cache_info().hits == before.hits + 1


def test_a_scenario_compiles_its_flow_once_and_its_variant_gets_its_own() -> None:
    scenario = drillsim.load("scenarios/baseline-week.yaml")
    compiled = flow_of(scenario)
    assert flow_of(scenario) is compiled
    assert [node.id for node in compiled] == [step.id for step in scenario.flow]
    assert compiled.reaching(scenario.flow[0].milestone) is compiled.steps[0]
    assert compiled.reaching("occurred") is None
    stricter = scenario.replace({"command_post.levels": ["I"]})
    assert flow_of(stricter) is not compiled
    assert not flow_of(stricter).needs_command_post(["II"])
    assert compiled.needs_command_post(["II"])


@pytest.mark.parametrize("path", ["scenarios/baseline-week.yaml", "scenarios/earthquake-cascade.yaml"])
def test_the_bundled_plans_have_no_cycle_and_rank_every_step(path: str) -> None:
    compiled = flow_of(drillsim.load(path))
    assert compiled.cycle() is None
    assert sorted(compiled.rank.values()) == list(range(len(compiled)))


def test_a_step_is_done_by_its_actor_or_by_whoever_received_the_report_it_names() -> None:
    reported = Step(id="report", actor="office", after=("occurred",), duration="work", milestone="sent",
                    report={"to": "leader", "or": "deputy", "probability": "department_head_first"})
    silent = step("silent", "occurred")
    plan = flow(reported, step("follow", "report").model_copy(update={"actor": "@report"}),
                silent, step("echo", "silent").model_copy(update={"actor": "@silent"}))
    assert plan.doers(plan["report"]) == ("office",)
    assert plan.doers(plan["follow"]) == ("leader", "deputy")
    assert plan.doers(plan["echo"]) == ()


def test_an_instance_key_is_what_the_flow_records_for_a_per_change_milestone() -> None:
    assert instance_key("continuation_done", 2) == FAN.key("continuation_done", 2) == "continuation_done#2"
    assert instance_key("change", ONCE) == "change"


def test_people_number_changes_from_one_and_the_whole_incident_not_at_all() -> None:
    assert [shown_change(k) for k in (ONCE, 0, 2)] == [None, 1, 3]
    assert [model_change(n) for n in (None, 1, 3)] == [ONCE, 0, 2]


def test_a_step_done_by_the_receiver_of_an_earlier_report_names_that_step_not_an_actor() -> None:
    follow_up = Step(id="follow_up", actor="@report", after=("report",), duration="work", milestone="followed")
    compiled = flow(step("report", "occurred"), follow_up)
    assert (compiled["report"].actor, compiled["report"].receiver_of) == ("office", None)
    assert (compiled["follow_up"].actor, compiled["follow_up"].receiver_of) == (None, "report")


def test_a_step_after_the_closure_comes_after_every_step_that_can_close_in_the_flow_s_order() -> None:
    """The final report is listed before the steps that close the incident; its place follows them all."""
    from drillsim.scenario.flow import _first_ready_order
    from drillsim.scenario.schema import Step
    steps = tuple(Step.model_validate(raw, context={}) for raw in (
        {"id": "final", "actor": "office", "after": ["closure"], "duration": "d", "milestone": "final_done"},
        {"id": "resolve", "actor": "office", "after": ["occurred"], "duration": "d", "effect": "close",
         "milestone": "closed"},
        {"id": "respond", "actor": "office", "after": ["occurred"], "duration": "d", "effect": "close",
         "milestone": "closed_by_responders"}))
    assert _first_ready_order(steps) == {"resolve": 0, "respond": 1, "final": 2}


def test_a_step_after_two_steps_that_share_a_predecessor_always_runs() -> None:
    """judge -> decide, and report after both judge and decide: every incident runs it (reached twice from judge)."""
    from drillsim.scenario.flow import Flow
    from drillsim.scenario.schema import Step
    steps = tuple(Step.model_validate(raw, context={}) for raw in (
        {"id": "judge", "actor": "office", "after": ["occurred"], "duration": "d", "milestone": "judged"},
        {"id": "decide", "actor": "leader", "after": ["judge"], "duration": "d", "milestone": "decided"},
        {"id": "report", "actor": "office", "after": ["judge", "decide"], "duration": "d", "milestone": "reported"},
        {"id": "post", "actor": "office", "after": ["report"], "duration": "d", "when": "command_post",
         "milestone": "posted"}))
    flow = Flow(steps)
    assert [flow.always_runs(step.id) for step in steps] == [True, True, True, False]
