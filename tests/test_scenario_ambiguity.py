"""What a document gives twice is refused at the second one: ids and names in lists, overlapping windows of the day."""

from __future__ import annotations

import pytest

from drillsim.scenario import ScenarioError, loads


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads("name: twice\nplan: builtin\n" + text, "t.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("body", "expected"), [
    ("injects:\n  - id: quake\n    at: '01:00'\n    category: natural_disasters\n    level: I\n    cascades:\n"
     "      - {id: fire, after: 5m, category: accidents_disasters, level: II}\n"
     "      - {id: fire, after: 9m, category: accidents_disasters, level: II}\n",
     "t.yaml:10: injects[0].cascades[1].id: the incident id 'fire' is given twice (first at "
     "injects[0].cascades[0].id)"),
    ("injects:\n  - {id: quake, at: '01:00', category: other, level: I,\n"
     "     cascades: [{id: quake, after: 5m, category: other, level: II}]}\n",
     "t.yaml:5: injects[0].cascades[0].id: the incident id 'quake' is given twice (first at injects[0].id)"),
    ("channels: {order: [wired, wireless, wired]}\n",
     "t.yaml:3: channels.order[2]: the channel 'wired' is given twice (first at channels.order[0])"),
    ("escalation: {levels: {I: [street, district, street]}}\n",
     "t.yaml:3: escalation.levels.I[2]: the superior 'street' is given twice"),
    ("command_post: {levels: [I, II, I]}\n", "t.yaml:3: command_post.levels[2]: the level 'I' is given twice"),
    ("staffing:\n  grid_worker:\n    grids:\n      grid_1:\n        shifts:\n"
     "          - {from: '08:00', to: '20:00', staff: 2}\n          - {from: '19:00', to: '21:00', staff: 1}\n",
     "t.yaml:9: staffing.grid_worker.grids.grid_1.shifts[1]: shift 1 (19:00-21:00) overlaps shift 0 (08:00-20:00): "
     "both cover 19:00-20:00"),
    ("staffing:\n  office:\n    shifts:\n      - {from: '22:00', to: '07:00', staff: 1}\n"
     "      - {from: '23:00', to: '01:00', staff: 2}\n",
     "t.yaml:7: staffing.office.shifts[1]: shift 1 (23:00-01:00) overlaps shift 0 (22:00-07:00): both cover "
     "23:00-00:00"),
    ("durations:\n  verify:\n    dist: uniform\n    low: 1m\n    high: 2m\n    time_of_day:\n"
     "      - {from: '20:00', to: '06:00', factor: 2}\n      - {from: '05:00', to: '08:00', factor: 1.5}\n",
     "t.yaml:10: durations.verify.time_of_day[1]: window 1 (05:00-08:00) overlaps window 0 (20:00-06:00)"),
])
def test_a_second_entry_given_alike_is_refused_at_its_line(body: str, expected: str) -> None:
    found = problems(body)
    assert any(text.startswith(expected) for text in found), found


def test_a_step_after_the_same_step_twice_is_refused() -> None:
    """It would wait for two completions of a step that completes once: it would never start."""
    found = problems("flow:\n  - {id: discover, actor: discoverer, after: [occurred], duration: discovery, "
                     "milestone: discovered}\n  - {id: first_report, actor: discoverer, after: [discover, discover], "
                     "duration: first_report, milestone: first_report_received}\n"
                     "deadlines: {grid_to_office: null, office_to_leadership: null, command_post_upward: null, "
                     "province_phone: null, province_written: null, continuation: null, continuation_province: null, "
                     "final_report: null, upward_without_post: null}\n"
                     "core_elements: {time: time, place: place, scale: scale, casualties: casualties, cause: cause, "
                     "assessment: assessment, measures: measures, progress: progress, other: other}\n")
    assert found == ["t.yaml:5: flow[1].after[1]: the step 'discover' is given twice (first at flow[1].after[0]); "
                     "expected each once"]


def test_windows_that_only_touch_are_not_an_overlap() -> None:
    scenario = loads("name: touch\nplan: builtin\nstaffing:\n  office:\n    shifts:\n"
                     "      - {from: '22:00', to: '07:00', staff: 1}\n      - {from: '07:00', to: '22:00', staff: 3}\n",
                     "touch.yaml")
    assert [s.staff for s in scenario.staffing["office"].shifts] == [1, 3]
