"""Error messages as a planner reads them: all at once, at the right field, saying what to write instead."""

from __future__ import annotations

import pytest

from drillsim.scenario import ScenarioError, loads


def messages(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads("name: m\nplan: builtin\n" + text, "m.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_every_kind_of_problem_is_reported_in_one_pass() -> None:
    found = messages('horizon: 1d\nreplications: lots\ninjects:\n'
                     '  - {at: "2d 01:00", category: natural_disasters, example: fire, level: V}\n'
                     'deadlines:\n  province_phone: {start: occured}\n')
    assert found == [
        "m.yaml:4: replications: got 'lots'; expected a whole number",
        "m.yaml:6: injects[0].at: 2d 01:00 is outside the horizon; expected a time before the drill ends at "
        "1d 00:00 (horizon 1d)",
        "m.yaml:6: injects[0].example: unknown example of natural_disasters 'fire' (expected one of: earthquake, "
        "flood, landslide)",
        "m.yaml:6: injects[0].level: unknown level 'V'; did you mean 'IV'? (expected one of: I, II, III, IV)",
        "m.yaml:8: deadlines.province_phone.start: unknown milestone 'occured'; did you mean 'occurred'? "
        "(expected one of: change, closed, closed_by_responders, closure, command_post_report_received, "
        "command_post_set_up, command_post_stood_down, continuation_province_received, continuation_received, "
        "continuation_superiors_received, decided, discovered, escalated, final_report_received, "
        "first_report_received, group_activated, group_reported, information_published, leadership_received, "
        "leadership_upward_received, occurred, office_received, province_phone_received, province_written_received)",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ('injects:\n  - {at: "01:00", category: other, level: 2}\n',
     "m.yaml:4: injects[0].level: unknown level '2'; did you mean 'II'?"),
    ("probabilities:\n  misjudged_level: 15%\n",
     "m.yaml:4: probabilities.misjudged_level: got '15%'; expected a number (write 15% as 0.15)"),
    ("durations:\n  verify: 8 min\n",
     "m.yaml:4: durations.verify: '8 min' is not a duration with units, e.g. 45s, 20m, 1h30m, 2d, 10y (a year is "
     "365 days); write 8m"),
    ("durations:\n  verify: yes\n",
     "m.yaml:4: durations.verify: YAML reads true as a yes/no value; write a duration with units"),
    ('injects:\n  - {at: "01:00", category: other, level: II, first_receiver: grid}\n',
     "m.yaml:4: injects[0].first_receiver: unknown actor 'grid'; did you mean 'grid_worker'?"),
    ("staffing:\n  office: [2]\n",
     "m.yaml:4: staffing.office: got a list; expected a mapping of fields (absences, grids, handover, policy, "
     "practice, preempt, shifts, staff)"),
    ("staffing:\n  office:\n    shifts: {from: '08:00', to: '18:00', staff: 3}\n",
     "m.yaml:5: staffing.office.shifts: got a mapping; expected a list (one '- ' line per entry, or [a, b])"),
    ("staffing:\n  office:\n    shifts:\n      - {from: '08:00', to: '08:00', staff: 3}\n",
     "m.yaml:6: staffing.office.shifts[0]: the window is empty: 'from' equals 'to' (08:00); expected two different "
     "times (from 22:00 to 07:00 wraps past midnight)"),
    ("durations:\n  judge: {dist: lognormal, median: 10m, p90: 5m}\n",
     "m.yaml:4: durations.judge: 'p90' must be greater than 'median' (median 10m, p90 5m)"),
    ("durations:\n  judge: {dist: lognorm, median: 1m, p90: 2m}\n",
     "m.yaml:4: durations.judge: unknown distribution 'lognorm'; did you mean 'lognormal'? (expected one of: "
     "constant, exponential, uniform, triangular, lognormal, empirical)"),
    ("sources:\n  - {name: s, rate_per_day: .inf, categories: {other: 1}, levels: {I: 1}}\n",
     "m.yaml:4: sources[0].rate_per_day: got inf; expected a finite number"),
    ("sources:\n  - {name: s, rate_per_day: 1, categories: {other: .nan}, levels: {I: 1}}\n",
     "m.yaml:4: sources[0].categories.other: got nan; expected a finite number"),
    ("changes:\n  mean_count: {I: -1}\n", "m.yaml:4: changes.mean_count.I: got -1; expected 0 or more"),
    ("plan: 3\n", "m.yaml:3: plan: expected builtin, the name of a built-in plan or the path to a plan file; got 3"),
])
def test_a_message_says_what_to_write(text: str, expected: str) -> None:
    if text.startswith("plan:"):
        with pytest.raises(ScenarioError) as caught:
            loads("name: m\nhorizon: 1d\n" + text, "m.yaml")
        found = [str(problem) for problem in caught.value.problems]
    else:
        found = messages(text)
    assert any(message.startswith(expected) for message in found), found


def test_one_bad_entry_does_not_also_make_its_list_too_short() -> None:
    found = messages("durations:\n  verify: {dist: empirical, samples: [5]}\n")
    assert found == ["m.yaml:4: durations.verify.samples[0]: the bare number 5 has no unit; write a duration with "
                     "units, e.g. 45s, 20m, 1h30m, 2d, 10y (a year is 365 days)"]


def test_a_misspelt_field_is_not_also_reported_missing() -> None:
    assert messages("durations:\n  judge: {dist: triangular, low: 1m, mdoe: 2m, high: 3m}\n") == [
        "m.yaml:4: durations.judge.mdoe: unknown field 'mdoe'; did you mean 'mode'? "
        "(expected one of: by_category, by_level, dist, high, low, mode, time_of_day)"]


def test_a_yaml_syntax_error_names_the_field_being_written() -> None:
    assert messages("injects:\n  - {at: '01:00', category: [other, level: II}\n") == [
        "m.yaml:4: injects[0].category[1]: YAML syntax error: expected ',' or ']', but got '}'"]


def test_a_problem_stays_on_one_line_whatever_the_names() -> None:
    [problem] = messages('injects:\n  - {at: "01:00", category: "fire\\nand smoke", level: II}\n')
    assert "\n" not in problem and "unknown category 'fire\\nand smoke'" in problem


_DEEP = "the document nests lists and mappings more than 50 deep; a scenario needs fewer than ten"


@pytest.mark.parametrize(("text", "problem"), [
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", f"m.yaml:1: a: {_DEEP}"),
    ("a:\n" + "".join("  " * i + "-\n" for i in range(2000)), f"m.yaml:52: a: {_DEEP}"),
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
     + "".join(f"{x}: &{x} [{', '.join([f'*{y}'] * 10)}]\n" for y, x in zip("abcde", "bcdef", strict=True)),
     "m.yaml:5: e: aliases expand the document by more than 100000 values, the most drillsim reads; "
     "write fewer aliases of large values"),
])
def test_documents_beyond_any_scenario_are_refused_not_crashed_on(text: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        loads(text, "m.yaml")
    assert [str(found) for found in caught.value.problems] == [problem]
