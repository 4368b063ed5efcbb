"""Reports as the plan writes them (Art. 8.1, 8.3-8.5, 10.2): the nine core elements, the follow-up of a report sent
before one of them is known, the office's practice, continuation reports of the major classes, the final report.

Times are worked out by hand from the deterministic base of tests/helpers.py: an incident at 0 in an idle chain is
discovered at 2m, its first report's work ends at 3m and it reaches the grid worker at 3m30s, the verification's
work ends at 8m30s and its report reaches the office at 9m, the judgement's work ends at 13m and reaches the
leadership group at 13m30s; every channel is wired (30s) and a follow-up call comes 6m after a report arrives.
"""

from __future__ import annotations

import pytest

from drillsim.model import simulate
from drillsim.scenario import ScenarioError
from drillsim.scenario.schema import Scenario
from tests.helpers import case, milestones, run, step, verdict

M = 60


def incident(category: str = "social_security", level: str = "III", **more: object) -> str:
    fields = ", ".join(f"{key}: {value}" for key, value in more.items())
    return f"injects:\n  - {{at: '00:00', category: {category}, level: {level}{', ' + fields if fields else ''}}}\n"


def counting(minutes: int, extra: str = "") -> Scenario:
    """The casualties are counted `minutes` after the first report (Art. 8.4(4) is learnt while verifying)."""
    return case(incident() + f"durations: {{count_casualties: {minutes}m}}\n" + extra)


def test_the_first_report_carries_time_and_place_and_is_complete() -> None:
    rep = run(case(incident()))
    first = step(rep, 1, "first_report")
    assert (first.carried, first.missing, first.incomplete) == ("time+place", "", False)
    assert first.delivered == 3 * M + 30


def test_an_office_report_sent_before_the_casualties_are_known_is_followed_up_once_they_are() -> None:
    """Counted 10m after the first report's work (3m): known at 13m. The report leaves at 8m30s, reaches the office
    at 9m, the office calls back at 15m, is answered at once (known since 13m), and the report arrives again at
    15m30s."""
    rep = run(counting(10))
    verify = step(rep, 1, "verify")
    assert (verify.carried, verify.missing, verify.incomplete) == ("time+place+scale", "casualties", True)
    assert verify.delivered == milestones(rep, 1)["office_received"] == 15 * M + 30


def test_a_follow_up_waits_for_the_casualties_when_the_call_back_comes_first() -> None:
    """Counted 20m after 3m: known at 23m, after the call back at 15m: the answer goes at 23m, arrives at 23m30s."""
    rep = run(counting(20))
    assert milestones(rep, 1)["office_received"] == 23 * M + 30


@pytest.mark.parametrize(("minutes", "send_now", "wait"), [
    (10, 15 * M + 30, 13 * M + 30), (20, 23 * M + 30, 23 * M + 30), (3, 9 * M, 9 * M)])
def test_waiting_for_the_elements_against_sending_at_once(minutes: int, send_now: int, wait: int) -> None:
    """The grid worker's practice `wait`: the report leaves when the casualties are known (3m + count) and arrives
    30s later; never before the work is done (8m30s). Sending at once costs the round trip (30s + 6m) unless the
    count takes longer still; counted before the report leaves (6m), the report is complete either way."""
    now = milestones(run(counting(minutes)), 1)["office_received"]
    waiting = run(counting(minutes, "staffing: {grid_worker: {practice: wait}}\n"))
    verify = step(waiting, 1, "verify")
    assert (now, milestones(waiting, 1)["office_received"]) == (send_now, wait)
    assert verify.incomplete is False
    assert verify.missing == ("casualties" if 3 + minutes > 8.5 else "")


def test_the_office_report_to_the_leadership_group_carries_what_the_office_knows() -> None:
    """`carries: known`: everything known when it leaves at 13m (the judgement's own elements with it), never
    incomplete: the measures (the decision) and the progress (the group at work) come later."""
    rep = run(counting(20))
    judge = step(rep, 1, "judge")
    assert judge.carried == "time+place+scale+casualties+cause+assessment+other"
    assert (judge.missing, judge.incomplete) == ("", False)


def test_a_flat_human_error_of_a_report_costs_the_old_round_trip() -> None:
    """`report.incomplete: 1` on the first report: 30s, a call back 6m later, 30s again: 3m + 7m = 10m."""
    scenario = case(incident())
    scenario = scenario.replace({"flow[1].report.incomplete": 1.0})
    rep = run(scenario)
    first = step(rep, 1, "first_report")
    assert (first.delivered, first.incomplete, first.missing) == (10 * M, True, "")


def test_a_report_s_own_transit_comes_on_top_of_the_channel() -> None:
    """The verification's report by hand (a courier of 2m): 8m30s + 30s + 2m = 11m."""
    scenario = case(incident()).replace({"durations.courier": "2m", "flow[2].report.transit": "courier"})
    assert milestones(run(scenario), 1)["office_received"] == 11 * M


def test_a_major_class_continuation_report_reaches_the_province() -> None:
    """A level II natural disaster (a major class) changing at 1h, with office staff to spare: the continuation to the
    leadership group is done at 65m and arrives at 65m30s; the office then reports on to the province (4m + 30s):
    70m, 30m before its 40m from the change; to the superiors of level II (street, then district): 70m, 70m30s."""
    scenario = case(incident("natural_disasters", "II", changes="[{after: 1h}]")
                    + "staffing: {office: {staff: 5, shifts: []}}\n")
    rep = run(scenario)
    reached = milestones(rep, 1)
    assert reached["continuation_received#0"] == 65 * M + 30
    assert reached["continuation_province_received#0"] == 70 * M
    assert reached["continuation_superiors_received#0"] == 70 * M + 30
    assert verdict(rep, 1, "continuation_province", 0) == ("met", 30 * M)


def test_a_continuation_of_an_incident_of_no_major_class_goes_to_the_leadership_group_only() -> None:
    rep = run(case(incident(changes="[{after: 1h}]")))
    assert {s.step for s in rep.steps if s.change == 0} == {"continuation"}
    assert not [v for v in rep.verdicts if v.rule == "continuation_province"]


def test_the_final_report_follows_the_reserve_team_s_closure() -> None:
    """The group is activated at 19m (work done 18m30s); the reserve team resolves it in 2h: closed at 2h19m. The office
    writes the final report (30m) to the street (30s): 2h49m30s, with all nine elements, 1h29m30s inside its 2h."""
    rep = run(case(incident()))
    reached = milestones(rep, 1)
    assert reached["closed"] == reached["closure"] == 2 * 3600 + 19 * M
    final = step(rep, 1, "final_report")
    assert final.delivered == reached["final_report_received"] == 2 * 3600 + 49 * M + 30
    assert (final.missing, final.incomplete) == ("", False)
    assert final.carried.split("+") == list(case().core_elements)
    assert verdict(rep, 1, "final_report") == ("met", 3600 + 29 * M + 30)


def test_the_final_report_follows_the_responders_closure_too() -> None:
    """An accident: the responders called at the first report (3m30s) take 1h30m: closed at 1h33m30s; the final
    report arrives 30m30s later, 1h4m."""
    rep = run(case(incident("accidents_disasters")))
    reached = milestones(rep, 1)
    assert reached["closed_by_responders"] == reached["closure"] == 3600 + 33 * M + 30
    assert reached["final_report_received"] == 2 * 3600 + 4 * M
    assert "closed" not in reached


def test_the_final_report_waits_for_an_element_known_only_after_the_closure() -> None:
    """Progress is learnt from the working group's response here (done at 19m + 30m = 49m); the responders close the
    accident at 1h33m30s, so the final report is complete when written: its elements do not delay it. Learnt only from
    the response's report to the leader (49m30s) it is the same: the report leaves at 2h3m30s."""
    scenario = case(incident("accidents_disasters")).replace({"core_elements.progress.after": "group_reported"})
    rep = run(scenario)
    assert step(rep, 1, "final_report").missing == ""
    assert milestones(rep, 1)["final_report_received"] == 2 * 3600 + 4 * M


def test_an_incident_without_a_command_post_has_the_open_upward_rule_and_one_with_has_the_post_s() -> None:
    """Level III without a post: the escalation (judged at 13m, 2m of work, 30s to the street) is at 15m30s + 30s."""
    rep = run(case(incident()))
    assert milestones(rep, 1)["escalated"] == 16 * M
    assert verdict(rep, 1, "upward_without_post") == ("met", 44 * M)
    post = run(case(incident(level="II")))
    assert [v.rule for v in post.verdicts if v.rule in ("upward_without_post", "command_post_upward")] == [
        "command_post_upward"]


def test_the_leadership_group_reports_a_major_matter_upward_and_the_office_publishes_information() -> None:
    """Level II natural disaster, with a commander of its own: the leader decides from 13m30s to 16m30s, activates the
    group until 18m30s (asked first, as the plan lists it), then reports upward (3m) to the street and the district
    (30s each): 22m30s, before the group's response, asked at 19m; the office publishes information for the post's
    incident (20m from 16m30s)."""
    rep = run(case(incident("natural_disasters", "II")
                   + "staffing: {office: {staff: 5, shifts: []}, commander: {staff: 1}}\n"
                   + "people: {party_secretary: {roles: [leader]}}\n"))
    reached = milestones(rep, 1)
    assert reached["leadership_upward_received"] == 22 * M + 30
    assert step(rep, 1, "group_response").started == 21 * M + 30
    assert reached["information_published"] == 36 * M + 30
    assert step(rep, 1, "publish_information").actor == "office"


def test_a_new_element_delay_changes_no_other_draw() -> None:
    """Common random numbers: each element's delay has its own stream, so the work times stay the same."""
    plain = simulate(case(incident()).replace({"durations.count_casualties": {"dist": "uniform", "low": "1m",
                                                                               "high": "9m"}}), seed=3, replication=0)
    other = simulate(case(incident()).replace({"durations.count_casualties": {"dist": "uniform", "low": "1m",
                                                                               "high": "30m"}}), seed=3, replication=0)
    assert [(s.step, s.finished - s.started) for s in plain.steps if s.finished is not None and s.step == "verify"] == [
        (s.step, s.finished - s.started) for s in other.steps if s.finished is not None and s.step == "verify"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"core_elements.casualties.after": "verfy"}, "unknown step or milestone 'verfy'; did you mean 'verify'?"),
    ({"core_elements.casualties.after": "office_received"},
     "'casualties' is known only after 'office_received', which waits for this report"),
    ({"core_elements.casualties.after": "set_up_command_post"}, "is not reached by every incident once"),
    ({"flow[2].report.carries": ["time", "casualtie"]}, "unknown core element 'casualtie'; did you mean 'casualties'?"),
    ({"flow[2].report.carries": "everything"}, "carries"),
])
def test_an_element_that_cannot_be_known_in_time_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        case(incident()).replace(changes)
    assert message in str(error.value)


def test_the_plan_s_text_says_what_each_report_must_carry_and_when_each_element_is_known() -> None:
    from drillsim.report.plan import text
    plain = text(case())
    assert "  casualties casualties (dead, seriously and slightly injured); known after first_report, then " \
           "count_casualties: 0s  [Art. 8.4(4)]" in plain
    assert "reports to office; must carry time, place, scale, casualties (sent at once, followed up when they are " \
           "known)" in plain
    waiting = text(case("staffing: {grid_worker: {practice: wait}}\n"))
    assert "must carry time, place, scale, casualties (grid_worker: wait; department_head: send_now)" in waiting
    assert "practice: send_now; waits until the elements are known: grid_worker" in waiting
    assert "continuation_province    40m  change (not before discovered) -> continuation_province_received; " \
           "applies to the six major classes, at each change" in plain


def test_continuation_reports_on_a_cadence_fall_due_until_the_closure() -> None:
    """A cadence of 1h for level III: reports due at 1h and 2h, before the closure at 2h19m; none after it. The
    office (free) writes each 5m and sends it (30s): 1h5m30s and 2h5m30s, each 24m30s inside its 30m."""
    rep = run(case(incident() + "changes: {cadence: {III: 1h}}\n"))
    record = rep.incidents[0]
    assert record.changes[:3] == (3600, 7200, 10800) and len(record.changes) == 23  # up to the horizon of 1d
    assert record.ticks == tuple(range(23))
    reached = milestones(rep, 1)
    assert (reached["continuation_received#0"], reached["continuation_received#1"]) == (3600 + 330, 7200 + 330)
    assert "change#2" not in reached
    assert [(v.change, v.status, v.slack) for v in rep.verdicts if v.rule == "continuation"] == [
        (0, "met", 1470), (1, "met", 1470)]
    assert reached["final_report_received"] == 8340 + 1830


def test_a_cadence_that_would_call_for_too_many_reports_is_refused() -> None:
    with pytest.raises(ScenarioError) as error:
        case("changes: {cadence: {III: 1s}}\n", horizon="1d")
    assert "changes.cadence.III: a report every 1s over the horizon of 1d is more than 10000 reports an incident; " \
           "expected a cadence of at least 9s" in str(error.value)


def test_a_drill_s_cadence_reports_fall_due_until_the_closure_it_recorded() -> None:
    """The drill discovered the incident at 2m and closed it at 1h30m: the report due at 1h is judged (missed: never
    made), the one due at 2h and the later ones are not due."""
    from drillsim.exercise import drill_incidents
    from drillsim.exercise.played import to_record
    from drillsim.model.clocks import incident_verdicts
    scenario = case(incident() + "changes: {cadence: {III: 1h}}\n")
    drill, = drill_incidents(scenario, 1)
    assert [change.tick for change in drill.changes] == [True] * 23
    record = to_record(scenario, drill, {"discovered": 120, "closed": 5400}, {}, 86400)
    assert (record.milestones["change#0"], record.ticks) == (3600, tuple(range(23)))
    assert "change#1" not in record.milestones
    assert [(v.change, v.status) for v in incident_verdicts(scenario, record) if v.rule == "continuation"] == [
        (0, "missed")]
