"""Readings in the plan file: which one is in force, what `read_as` sets, and what a scenario without an entry
can still be read by (drillsim.scenario.readings)."""

from __future__ import annotations

import pytest

from drillsim.scenario import ScenarioError, loads
from drillsim.scenario import readings as rd
from drillsim.scenario.paths import parse_path

BUILTIN = "name: the built-in plan\n"


def test_the_plan_file_is_read_by_its_defaults() -> None:
    """Each reading's `default` is what the plan file's values say: none of them is a name only."""
    plan = loads(BUILTIN)
    assert rd.in_force(plan) == {name: reading.default for name, reading in plan.readings.items()}


def test_every_path_of_every_alternative_names_an_entry_of_the_plan() -> None:
    """A reading's value of an entry a scenario lacks is skipped (a rule it removed), so a misspelt path in the
    plan would silently do nothing: every one must reach an entry the built-in plan has."""
    plan = loads(BUILTIN)
    doc = plan.model_dump(mode="json", by_alias=True)
    for name, reading in plan.readings.items():
        for alternative, values in reading.alternatives.items():
            for text in values.set:
                path = parse_path(text)
                assert rd._present(doc, path[:-1]), (name, alternative, text)


def test_each_alternative_reads_differently_and_can_be_taken() -> None:
    plan = loads(BUILTIN)
    found = rd.choices(plan)
    assert set(found) == set(plan.readings)
    for name, options in found.items():
        assert [c.alternative for c in options] == list(plan.readings[name].alternatives)
        assert [c.in_force for c in options].count(True) == 1
        for choice in options:
            assert rd.in_force(choice.scenario)[name] == choice.alternative


def test_read_as_sets_the_alternatives_values_as_the_scenario_is_loaded() -> None:
    scenario = loads(BUILTIN + "read_as: {command_post_upward.start: command_post_set_up, final_report: none,"
                               " leadership_upward.when: command_post}\n")
    assert scenario.deadlines["command_post_upward"].start == "command_post_set_up"
    assert "final_report" not in scenario.deadlines
    assert next(s for s in scenario.flow if s.id == "leadership_upward").when == "command_post"
    forced = rd.in_force(scenario)
    assert forced["command_post_upward.start"] == "command_post_set_up"
    assert forced["office_to_leadership.start"] == "occurred"
    again = scenario.replace({"replications": 3})  # validated again from its own document, read_as and all
    assert again.deadlines == scenario.deadlines and again.flow == scenario.flow


def test_a_value_written_directly_is_recognised_and_one_of_its_own_is_said_to_be() -> None:
    direct = loads(BUILTIN + "deadlines: {office_to_leadership: {start: office_received}}\n")
    assert rd.in_force(direct)["office_to_leadership.start"] == "office_received"
    own = loads(BUILTIN + "deadlines: {grid_to_office: {limit: 25m}}\n")
    assert rd.in_force(own)["grid_to_office.limit"] == rd.OWN


def test_another_reading_of_a_variant_keeps_the_others() -> None:
    scenario = loads(BUILTIN + "read_as: {grid_to_office.limit: 10m}\n")
    other = rd.variant(scenario, "office_to_leadership.start", "office_received")
    assert other.deadlines["grid_to_office"].limit == 600
    assert other.deadlines["office_to_leadership"].start == "office_received"
    assert rd.variant(scenario, "grid_to_office.limit", "10m") is scenario


def test_a_reading_of_a_rule_the_scenario_removed_is_not_offered() -> None:
    """Without the final report's rule there is nothing to read; the continuation clock is still read for the
    rule that remains."""
    scenario = loads(BUILTIN + "deadlines: {final_report: null, continuation_province: null}\n")
    found = rd.choices(scenario)
    assert "final_report" not in found and "continuation_province.limit" not in found
    starts = {c.alternative: c.scenario for c in found["continuation.start"]}
    assert starts["change_known"].deadlines["continuation"].not_before == "office_received"
    assert "continuation_province" not in starts["change_known"].deadlines
    assert rd.in_force(scenario)["final_report"] == "none"


@pytest.mark.parametrize(("written", "said"), [
    ("  command_post_upward.strat: command_post_set_up\n",
     "unknown reading 'command_post_upward.strat'; did you mean 'command_post_upward.start'?"),
    ("  command_post_upward.start: 指揮部成立\n",
     "unknown alternative of command_post_upward.start '指揮部成立' (expected one of: command_post_set_up, "
     "occurred)"),
])
def test_a_reading_misspelt_is_an_error_at_its_own_line(written: str, said: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        loads(BUILTIN + "read_as:\n  final_report: none\n" + written, "s.yaml")
    problem, = caught.value.problems
    assert (problem.file, problem.line) == ("s.yaml", 4)
    assert said in problem.message


def test_clock_readings_are_rechecked_unless_someone_serves_by_deadline() -> None:
    plan = loads(BUILTIN)
    assert rd.recheckable(plan, "office_to_leadership.start")
    assert not rd.recheckable(plan, "other.working_group")
    assert rd.rules_moved(plan.readings["continuation.start"]) == {"continuation", "continuation_province"}
    assert set(rd.relevant(plan, "province_written")) == {"province_written.start", "other.working_group",
                                                          "leadership_upward.when", "publish_information.when",
                                                          "casualties.known"}
    by_deadline = loads(BUILTIN + "staffing: {office: {policy: deadline}}\n")
    assert not rd.recheckable(by_deadline, "office_to_leadership.start")
    assert set(rd.relevant(by_deadline, "province_written")) == set(plan.readings)


def test_a_flow_step_is_named_by_its_id_in_a_path() -> None:
    plan = loads(BUILTIN)
    changed = plan.replace({"flow.verify.report.incomplete": 0.25})
    assert next(s for s in changed.flow if s.id == "verify").report.incomplete == 0.25  # type: ignore[union-attr]
    with pytest.raises(ScenarioError, match="no entry of flow has the id 'verfy'"):
        plan.replace({"flow.verfy.duration": "judge"})


def test_an_alternative_that_sets_one_value_and_removes_another_is_recognised_when_written_so() -> None:
    written = loads(BUILTIN + "core_elements: {casualties: {after: verify, duration: null}}\n")
    assert rd.in_force(written)["casualties.known"] == "with_verification"
    half = loads(BUILTIN + "core_elements: {casualties: {after: verify}}\n")  # still drawn after the verification
    assert rd.in_force(half)["casualties.known"] == rd.OWN


def test_taking_a_reading_leaves_the_document_it_was_given_as_it_was() -> None:
    doc = loads(BUILTIN).model_dump(mode="json", by_alias=True)
    before = repr(doc)
    taken, problems = rd.apply({**doc, "read_as": {"final_report": "none", "leadership_upward.when": "command_post",
                                                   "grid_to_office.limit": "10m"}}, lambda path: ("p", None))
    assert problems == [] and repr(doc) == before
    assert "final_report" not in taken["deadlines"] and taken["deadlines"]["grid_to_office"]["limit"] == "10m"
    assert next(s for s in taken["flow"] if s["id"] == "leadership_upward")["when"] == "command_post"
