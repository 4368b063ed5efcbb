"""Which waiting task a person takes next: each policy on hand-computed queues, preemption, and the one-class case.

tests/data/cases/office-judge-then-write.yaml: one office worker judges each
incident (10m = 600 s) and then writes its report (30m = 1800 s); a level-I
incident is to be judged within 15m, a level-IV one within 2h. A task is
queued when the step before it is done, after the worker has let go of that
step's task: so a worker who finishes a judgement takes the best task
already waiting, not the report the judgement just made ready.
"""

from __future__ import annotations

from typing import Any

import pytest

from drillsim.model import Replication, simulate
from drillsim.scenario import Scenario, load
from tests.helpers import CASES, SCENARIOS

OFFICE = CASES / "office-judge-then-write.yaml"


def _office(injects: list[tuple[str, str]], **changes: Any) -> Replication:
    scenario = load(OFFICE).replace({"injects": [{"at": at, "category": "any", "level": level}
                                                 for at, level in injects], **changes})
    return simulate(scenario, 1, 0)


def _served(rep: Replication) -> list[tuple[int, str, int, int, int]]:
    """(incident, step, queued, started, finished) in the order the worker took them."""
    return sorted(((s.incident, s.step, s.queued, s.started, s.finished) for s in rep.steps
                   if s.started is not None and s.finished is not None), key=lambda t: t[3])


# A (IV) at 00:00 is judged 0-600; B (IV) queues at 60, C (I) at 120; A's report is ready at 600.
A_B_C = [("00:00", "IV"), ("00:01", "IV"), ("00:02", "I")]


def test_first_come_first_served_takes_the_tasks_in_the_order_they_came() -> None:
    """B 600-1200, C 1200-1800, then the reports as they became ready: A's (600), B's (1200), C's (1800)."""
    assert _served(_office(A_B_C, policy="fcfs")) == [
        (1, "judge", 0, 0, 600), (2, "judge", 60, 600, 1200), (3, "judge", 120, 1200, 1800),
        (1, "write", 600, 1800, 3600), (2, "write", 1200, 3600, 5400), (3, "write", 1800, 5400, 7200)]


def test_earliest_deadline_first_takes_the_nearer_deadline_though_it_came_second() -> None:
    """At 600, B's judgement is due at 60 + 2h = 7260 and C's at 120 + 15m = 1020; the reports stop no clock
    (due never). C is judged first, 600-1200 (3m past its deadline, but 10m earlier than first come, first
    served); then B, 1200-1800; then the reports in order."""
    rep = _office(A_B_C, policy="deadline")
    assert _served(rep) == [
        (1, "judge", 0, 0, 600), (3, "judge", 120, 600, 1200), (2, "judge", 60, 1200, 1800),
        (1, "write", 600, 1800, 3600), (3, "write", 1200, 3600, 5400), (2, "write", 1800, 5400, 7200)]
    c = next(i for i in rep.incidents if i.incident == 3)
    assert c.milestones["judged"] == 1200


def test_level_serves_a_level_i_incident_before_level_iv_ones() -> None:
    """C (I) is judged first, 600-1200. At 1200 the worker takes the best task waiting, B's judgement (level IV,
    queued at 60, before A's report at 600); C's report, queued at 1200, is then the best: 1800-3600; then A's
    report, and B's."""
    assert _served(_office(A_B_C, policy="level")) == [
        (1, "judge", 0, 0, 600), (3, "judge", 120, 600, 1200), (2, "judge", 60, 1200, 1800),
        (3, "write", 1200, 1800, 3600), (1, "write", 600, 3600, 5400), (2, "write", 1800, 5400, 7200)]


# A at 00:00 is judged 0-600; B, queued at 300, is judged 600-1200; A's report is ready at 600, C's judgement
# at 900, B's report at 1200. All level IV.
A_B_C_LATER = [("00:00", "IV"), ("00:05", "IV"), ("00:15", "IV")]


def test_first_reports_first_takes_a_judgement_before_an_older_written_report() -> None:
    """First come, first served: A's report 1200-3000, then C's judgement 3000-3600. First reports first: C's
    judgement (the earlier step of the flow) 1200-1800, then A's report 1800-3600."""
    assert _served(_office(A_B_C_LATER, policy="fcfs"))[2:4] == [
        (1, "write", 600, 1200, 3000), (3, "judge", 900, 3000, 3600)]
    assert _served(_office(A_B_C_LATER, policy="first_reports")) == [
        (1, "judge", 0, 0, 600), (2, "judge", 300, 600, 1200), (3, "judge", 900, 1200, 1800),
        (1, "write", 600, 1800, 3600), (2, "write", 1200, 3600, 5400), (3, "write", 1800, 5400, 7200)]


def test_a_written_report_is_paused_for_a_judgement_and_resumed_with_its_remaining_work() -> None:
    """A is judged 0-600 and A's report starts at 600. B comes at 900: its judgement pauses the report, 900-1500;
    the report resumes at 1500 with the 1800 - 300 s it had left, and is done at 3000 = started + work + paused
    (600 + 1800 + 600). B's report waits behind it: 3000-4800."""
    rep = _office([("00:00", "IV"), ("00:15", "IV")], policy="first_reports", **{"staffing.office.preempt": True})
    write_a = next(s for s in rep.steps if (s.incident, s.step) == (1, "write"))
    judge_b = next(s for s in rep.steps if (s.incident, s.step) == (2, "judge"))
    assert (judge_b.queued, judge_b.started, judge_b.finished, judge_b.paused) == (900, 900, 1500, 0)
    assert (write_a.started, write_a.finished, write_a.paused) == (600, 3000, 600)
    assert write_a.finished == (write_a.started or 0) + 1800 + write_a.paused
    assert write_a.paused == (judge_b.finished or 0) - (judge_b.started or 0)  # the judgement's time
    assert _served(rep)[-1] == (2, "write", 1500, 3000, 4800)


def test_a_report_paused_at_the_horizon_counts_its_pause_up_to_the_horizon() -> None:
    """The same, with the drill ending at 00:20 (1200), while B's judgement (900-1500) still holds the worker:
    A's report, paused at 900, is paused for the last 300 s of the drill, and its people were not busy then."""
    rep = _office([("00:00", "IV"), ("00:15", "IV")], policy="first_reports", horizon="20m",
                  **{"staffing.office.preempt": True})
    write_a = next(s for s in rep.steps if (s.incident, s.step) == (1, "write"))
    assert (write_a.started, write_a.finished, write_a.paused) == (600, None, 1200 - 900)


@pytest.mark.parametrize("policy", ["fcfs", "level"])
def test_a_preemptive_worker_pauses_nothing_for_a_task_no_better_than_the_one_in_hand(policy: str) -> None:
    """First come, first served has no better task than the one in hand (it came first), and under `level`
    B's judgement is level IV as A's report is: preemption changes nothing, B is judged when the report is
    done (2400-3000)."""
    plain = _office([("00:00", "IV"), ("00:15", "IV")], policy=policy)
    preemptive = _office([("00:00", "IV"), ("00:15", "IV")], policy=policy, **{"staffing.office.preempt": True})
    assert _served(preemptive) == _served(plain) == [
        (1, "judge", 0, 0, 600), (1, "write", 600, 600, 2400), (2, "judge", 900, 2400, 3000),
        (2, "write", 3000, 3000, 4800)]
    assert all(s.paused == 0 for s in preemptive.steps)


def _one_class(scenario: Scenario) -> Scenario:
    """A busier week of level-III incidents only, never misjudged (a change keeps the level)."""
    return scenario.replace({"sources[0].rate_per_day": 12, "sources[0].levels": {"III": 1},
                             "probabilities.misjudged_level": 0})


def test_with_one_class_level_gives_exactly_the_first_come_first_served_records() -> None:
    """Every task of one level has the same priority, so `level` takes them in arrival order, at every crew, desk
    and team: every record is the same. With the plan's four levels the records differ (the test can fail)."""
    week = load(next(path for path in SCENARIOS if path.stem == "baseline-week"))
    one = _one_class(week)
    fcfs = simulate(one, one.seed, 0)
    level = simulate(one.replace({"policy": "level"}), one.seed, 0)
    assert sum(1 for s in fcfs.steps if s.started is not None and s.started > s.queued) > 50  # queues do form
    assert level.steps == fcfs.steps and level.incidents == fcfs.incidents and level.verdicts == fcfs.verdicts
    mixed = week.replace({"sources[0].rate_per_day": 12, "probabilities.misjudged_level": 0})
    assert simulate(mixed.replace({"policy": "level"}), mixed.seed, 0).steps != \
        simulate(mixed, mixed.seed, 0).steps
