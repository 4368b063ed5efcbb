"""Bottleneck attribution on scenarios whose bottleneck is known by construction, computed by hand.

Every case uses the deterministic base of tests/helpers.py (constant durations:
discover 2m, first report 1m, verify 5m, judge 4m, decide 3m, activate 2m,
set up the command post 10m, its report 5m; wired channel 30s) with a few
numbers changed, so each stage's seconds can be worked out on paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from drillsim import api
from drillsim.results import Results, bottleneck
from drillsim.scenario import Scenario
from tests.helpers import ROOT, case

M = 60


def run(scenario: Scenario) -> Results:
    return api.run(scenario, replications=1, seed=1)


def stages_of(results: Results, incident: int, rule: str) -> list[tuple[str, str, str, int]]:
    own = results.stages[(results.stages["incident"] == incident) & (results.stages["rule"] == rule)]
    return [(r.step, r.kind, r.actor, r.seconds) for r in own.itertuples(index=False)]


def test_shared_leader_command_post_miss_is_the_wait_for_the_leader(shared_leader: Results) -> None:
    """The party secretary decides, activates each group, commands each command post (set up 10m, report 5m,
    run 1h, held from set-up to stand-down) and reports each incident, a major class, upward (3m), one task at a
    time, first come first served: a decision's activation, set-up and upward report queue in the plan's order.

    Decisions 02:13:30-02:28:30, 02:28:30-02:43:30, 02:43:30-02:58:30; then incident 1's activation (-03:03:30),
    command post (03:03:30-04:19:00) and upward report (-04:22:00), incident 2's activation (-04:27:00), post
    (04:27:00-05:42:30) and upward report (-05:45:30), incident 3's activation (-05:50:30) and set-up
    05:50:30-06:00:30: incident 3's set-up waited from the end of its decision, 02:58:30, 2h52m; its report (5m,
    30s wired) arrives at 06:06:00. The three set-ups waited 35m (02:28:30-03:03:30), 1h43m30s (02:43:30-04:27:00)
    and 2h52m, each the largest stage of its miss; during each wait the secretary was busy with another
    incident's task, and the committee members (anonymous staff) name nobody. Over the three windows (79m from
    02:00, 161m30s from 02:01, 244m from 02:02: 484m30s on duty) the secretary worked on other incidents 30m
    (decisions 2 and 3), 113m (decisions 1 and 3, incident 1's activation 5m, post 10m + 5m + 60m and upward
    report 3m) and 196m (both other posts and their decisions, activations and upward reports): 339m, 70 % of
    their on-duty time. The command post is no crew, so no queue is measured for it. The written reports of
    incidents 2 and 3 and the final report of incident 3, followed up until the activation tells their progress,
    miss rules of their own; with three misses, the post's rule is the run's bottleneck.
    """
    assert stages_of(shared_leader, 3, "command_post_upward") == [
        ("discover", "work", "discoverer", 2 * M),
        ("first_report", "work", "discoverer", 1 * M), ("first_report", "transit", "discoverer", 30),
        ("verify", "work", "grid_worker", 5 * M), ("verify", "transit", "grid_worker", 30),
        ("judge", "work", "office", 4 * M), ("judge", "transit", "office", 30),
        ("decide", "wait", "leader", 28 * M), ("decide", "work", "leader", 15 * M),
        ("set_up_command_post", "wait", "command_post", 172 * M),
        ("set_up_command_post", "work", "commander", 10 * M),
        ("command_post_report", "work", "commander", 5 * M),
        ("command_post_report", "transit", "command_post", 30),
    ]
    verdicts = shared_leader.verdicts
    missed = verdicts[verdicts["status"] == "missed"]
    assert sorted(zip(missed["incident"], missed["rule"], strict=True)) == [
        (1, "command_post_upward"), (2, "command_post_upward"), (2, "province_written"), (3, "command_post_upward"),
        (3, "final_report"), (3, "province_written")]
    table = shared_leader.bottlenecks()
    post = table[table["rule"] == "command_post_upward"]
    assert len(post) == 1
    post = post.iloc[0]
    assert (post["step"], post["kind"], post["actor"], post["misses"], post["share"]) == \
        ("set_up_command_post", "wait", "command_post", 3, 1.0)
    assert post["median_seconds"] == 103 * M + 30 and post["median_budget"] == pytest.approx(6210 / 3600)
    assert post["waited_for"] == "party_secretary"
    assert post["utilisation"] == pytest.approx(339 / 484.5) and np.isnan(post["queue"])
    headline = shared_leader.bottleneck()
    assert (headline["rule"], headline["actor"], headline["kind"]) == ("command_post_upward", "command_post", "wait")
    assert headline["sentence"] == (
        "The on-site command post: 100 % of the 'command post reports upward' reports that missed their 1h deadline "
        "lost most of their time waiting for them to take 'the on-site command post is set up' (median 1h43m30s): "
        "they waited for the community party secretary (party_secretary), busy with another task; while those "
        "reports were due, other incidents kept that person busy 70 % of their on-duty time.")


def test_a_wait_names_nobody_when_no_person_of_the_task_was_busy_elsewhere() -> None:
    """Three level-IV social-security incidents a minute apart from 02:00 in three grids; one office worker, judge
    15m.

    They reach the office at 02:09, 02:10 and 02:11; the one worker (anonymous staff: `people` is empty) judges
    02:09-02:24, 02:24-02:39 and 02:39-02:54, so the third waits 28m, the largest stage of its miss (reported at
    02:54:30, 52m30s after it occurred), and names nobody.
    """
    results = run(case("""
        staffing:
          office: {staff: 1}
        durations: {judge: 15m}
        injects:
          - {at: "02:00", category: social_security, level: IV, grid: grid_1}
          - {at: "02:01", category: social_security, level: IV, grid: grid_2}
          - {at: "02:02", category: social_security, level: IV, grid: grid_3}
        """))
    assert stages_of(results, 3, "office_to_leadership")[-3:] == [
        ("judge", "wait", "office", 28 * M), ("judge", "work", "office", 15 * M), ("judge", "transit", "office", 30)]
    table = results.bottlenecks()
    row = table[(table["rule"] == "office_to_leadership") & (table["kind"] == "wait")].iloc[0]
    assert (row["step"], row["actor"], row["misses"]) == ("judge", "office", 1)
    assert row["waited_for"] == "" and "they waited for" not in row["sentence"]


@pytest.fixture(scope="module")
def night_shift() -> Results:
    """One grid, three grid workers by day and one at night; four incidents a minute apart by day and at night.

    verify 7m, judge 2m. At night the worker takes them in turn from 23:03:30:
    the third (23:02) waits 12m and reaches the leadership group at 23:27:30,
    the fourth (23:03) waits 18m and reaches it at 23:34:30; both miss 20m.
    By day three workers share them and every report is on time.
    """
    return run(case("""
        staffing:
          office: {staff: 5}
          grid_worker:
            grids:
              grid_1: null
              grid_2: null
              grid_3: null
              community:
                staff: 3
                shifts: [{from: "22:00", to: "07:00", staff: 1}]
        durations: {verify: 7m, judge: 2m}
        injects:
          - {at: "10:00", category: social_security, example: group_fight, level: III, grid: community}
          - {at: "10:01", category: social_security, example: group_fight, level: III, grid: community}
          - {at: "10:02", category: social_security, example: group_fight, level: III, grid: community}
          - {at: "10:03", category: social_security, example: group_fight, level: III, grid: community}
          - {at: "23:00", category: social_security, example: group_fight, level: III, grid: community}
          - {at: "23:01", category: social_security, example: group_fight, level: III, grid: community}
          - {at: "23:02", category: social_security, example: group_fight, level: III, grid: community}
          - {at: "23:03", category: social_security, example: group_fight, level: III, grid: community}
        """, name="night shift"))


def test_one_worker_night_shift_misses_are_the_wait_for_the_grid_worker(night_shift: Results) -> None:
    verdicts = night_shift.verdicts
    missed = verdicts[verdicts["status"] == "missed"]
    assert sorted(zip(missed["incident"], missed["rule"], strict=True)) == \
        [(7, "office_to_leadership"), (8, "office_to_leadership")]
    waits = night_shift.stages[(night_shift.stages["kind"] == "wait") & (night_shift.stages["rule"] ==
                                                                        "office_to_leadership")]
    assert dict(zip(waits["incident"], waits["seconds"], strict=True)) == {4: 4 * M, 6: 6 * M, 7: 12 * M, 8: 18 * M}
    table = night_shift.bottlenecks()
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["rule"], row["step"], row["kind"], row["actor"], row["misses"], row["share"]) == \
        ("office_to_leadership", "verify", "wait", "grid_worker", 2, 1.0)
    # Windows 23:02-23:27:30 and 23:03-23:34:30 (57m with one worker on duty): the other incidents'
    # verifications fill 17m and 21m of them; tasks waited 6m + 12m + 18m in each window.
    assert row["utilisation"] == pytest.approx(38 / 57)
    assert row["queue"] == pytest.approx(72 / 57)
    assert (row["busiest_from"], row["busiest_to"]) == (22 * 3600, 24 * 3600 % 86400)


def test_time_of_day_load_shows_the_night_shift(night_shift: Results) -> None:
    profile = night_shift.workload.by_time_of_day(3600)
    worker = profile[profile["actor"] == "grid_worker"].set_index("clock")
    assert worker.loc[23 * 3600, "on_duty"] == 1 and worker.loc[10 * 3600, "on_duty"] == 3
    # 23:00-24:00: four verifications of 7m, less the part of the first before 23:02:30 (none): 28m by one worker.
    assert worker.loc[23 * 3600, "busy"] == pytest.approx(28 / 60)
    assert worker.loc[23 * 3600, "utilisation"] == pytest.approx(28 / 60)
    assert worker.loc[23 * 3600, "queue"] == pytest.approx(36 / 60)
    assert worker.loc[10 * 3600, "utilisation"] == pytest.approx(28 / 60 / 3)


def test_failed_channel_miss_is_the_transit_of_the_report() -> None:
    """Wired and wireless down 01:05-01:20: the grid worker's report at 01:08:30 loses 2m + 3m and goes by
    satellite (5m), arriving at 01:18:30; the leadership group hears at 01:23, 3m late."""
    results = run(case("""
        channels:
          media:
            wired: {failures: [{from: "01:05", to: "01:20"}]}
            wireless: {failures: [{from: "01:05", to: "01:20"}]}
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: III, grid: grid_1}
        """, name="failed channel"))
    assert ("verify", "transit", "grid_worker", 10 * M) in stages_of(results, 1, "office_to_leadership")
    row = results.bottlenecks().iloc[0]
    assert (row["rule"], row["step"], row["kind"], row["share"], row["fallback"], row["incomplete"]) == \
        ("office_to_leadership", "verify", "transit", 1.0, 1.0, 0.0)
    assert results.bottleneck()["sentence"] == (
        "The channels: 100 % of the 'office to the leadership group' reports that missed their 20m deadline lost "
        "most of their time with the report of 'verification (on site where needed), then report to the office' "
        "in transit (median 10m); 100 % went over a fallback channel.")


def test_a_step_longer_than_its_budget_is_called_too_slow_not_overloaded() -> None:
    results = run(case("""
        durations: {verify: 25m}
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: III, grid: grid_1}
        """, name="slow verification"))
    row = results.bottlenecks().iloc[0]
    assert (row["rule"], row["step"], row["kind"], row["actor"]) == ("office_to_leadership", "verify", "work",
                                                                    "grid_worker")
    assert (row["utilisation"], row["queue"]) == (0.0, 0.0)
    sentence = results.bottleneck()["sentence"]
    assert "The step 'verification (on site where needed), then report to the office' of the grid worker is " \
        "itself too slow for the deadline" in sentence
    assert "median 25m, 125 % of the 20m" in sentence and "more staff would not" in sentence
    assert "did not keep the grid worker busy at all then" in sentence and "busy only" not in sentence


def test_a_report_never_made_is_split_up_to_the_horizon() -> None:
    """At 23:30 with a 40m verification, the drill ends (24:00) while the grid worker is still at it."""
    results = run(case("""
        durations: {verify: 40m}
        injects:
          - {at: "23:30", category: social_security, example: group_fight, level: III, grid: grid_1}
        """, name="cut off"))
    assert stages_of(results, 1, "office_to_leadership") == [
        ("discover", "work", "discoverer", 2 * M), ("first_report", "work", "discoverer", 1 * M),
        ("first_report", "transit", "discoverer", 30), ("verify", "work", "grid_worker", 26 * M + 30)]


def test_no_miss_says_so() -> None:
    results = run(case("""
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: III, grid: grid_1}
        """, name="calm"))
    assert results.bottlenecks().empty
    assert results.bottleneck()["sentence"] == bottleneck.NO_MISS


def test_stages_fill_every_window_exactly() -> None:
    """Over a random week, each verdict's stages add up to its whole window, and nothing is negative."""
    results = api.run(api.load(ROOT / "scenarios" / "earthquake-cascade.yaml"), replications=2)
    stages = results.stages
    assert (stages["seconds"] > 0).all()
    total = stages.groupby(["replication", "incident", "rule", "change"]).agg(
        seconds=("seconds", "sum"), start=("start", "first"), end=("end", "first"))
    assert (total["seconds"] == total["end"] - total["start"]).all()
    decided = results.verdicts[results.verdicts["start"].notna() & (results.verdicts["end"] > results.verdicts[
        "start"])]
    assert len(total) == len(decided)


def test_attribution_shares_sum_to_one_and_appear_in_the_json_summary() -> None:
    results = api.run(api.load(ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"), replications=2)
    table = results.bottlenecks()
    assert not table.empty
    assert table.groupby("rule")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert (table.groupby("rule")["misses"].sum() == table.groupby("rule")["missed"].first()).all()
    overall = results.rules().query("level == 'all'").set_index("rule")["missed"]
    assert table.groupby("rule")["missed"].first().to_dict() == overall[overall > 0].to_dict()
    summary = results.summary()["bottleneck"]
    assert len(summary["stages"]) == len(table)
    assert summary["sentence"] == table[table["rule"] == summary["rule"]]["sentence"].iloc[0]
    assert pd.Series([row["utilisation"] for row in summary["stages"]]).dropna().between(0, 1).all()


def test_a_wait_for_named_people_says_whose_busiest_hours_the_role_s_are() -> None:
    """The three level-II incidents: the decision waits for the secretary; the hours in which the leader's role is
    busiest are the role's own tasks, a part of those people's load, and the sentence says so.

    The one office worker at night now also publishes information for each incident (a post at level II) and the
    grid workers' reports are followed up for the casualties, so the judgements wait longer: every decision the
    director took standing in came after a judgement wait longer than its own, so the misses whose largest stage is
    the decision's wait were all decided by the secretary, who alone is named (with the publishing or the
    casualty count taking no time, the director is named too)."""
    scenario = api.load(ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml")
    table = api.run(scenario, replications=10).bottlenecks()
    row = table[(table["actor"] == "leader") & (table["step"] == "decide")].iloc[0]
    assert row["waited_for"] == "party_secretary"
    assert "; as leadership group leader they are busiest between 02:00 and 04:00 (busy " in row["sentence"]
    office = table[(table["actor"] == "office") & (table["kind"] == "wait")].iloc[0]
    assert office["waited_for"] == "" and "; they are busiest between" in office["sentence"]
