"""The live forecast: decided deadlines said exactly, chances computed by hand, calibration against the model's own
outcomes, the board's deadlines, and the same forecast from the same seed."""

from __future__ import annotations

import itertools
import math

import pytest

from drillsim.exercise import drill_incidents
from drillsim.exercise.board import DrillBoard
from drillsim.exercise.drilllog import Entry, read
from drillsim.exercise.synthetic import simulated_entries
from drillsim.experiment import forecast as forecast_module
from drillsim.experiment.forecast import Forecaster, forecast
from drillsim.model import Incident, simulate
from drillsim.model.structure import StepPlan
from drillsim.scenario import Scenario, load
from drillsim.scenario.flow import flow_of, model_change
from drillsim.scenario.loader import loads
from tests.helpers import EXAM, LOG, ONE_LEVEL

ONE_STEP = """\
name: One step left
horizon: 1d
seed: 1
actors:
  office: {{title: Office, kind: pool}}
staffing:
  office: {{staff: 1}}
working_groups:
  information: {{title: Information group, led_by: office}}
""" + ONE_LEVEL.replace("{", "{{").replace("}", "}}") + """\
flow:
  - {{id: judge, actor: office, after: [occurred], duration: judge, milestone: judged}}
deadlines:
  judged_in_time: {{title: judged within 25 minutes, limit: 25m, start: occurred, end: judged}}
durations:
  judge: {judge}
injects:
  - {{id: one, at: "02:00", category: any, example: any, level: IV}}
{more}"""
"""One incident at 02:00 whose office (one person, nobody else's) judges it in a drawn time; 25 minutes allowed.
`more` injects more incidents for the same person."""
SECOND = """  - {{id: two, at: "02:00", category: any, example: any, level: IV}}\n"""

TWO_STEPS = """\
name: Calls judged and decided
horizon: 6h
seed: 1
actors:
  office: {title: Office, kind: pool}
  leader: {title: Leader, kind: pool}
staffing:
  office: {staff: 1}
  leader: {staff: 1}
working_groups:
  information: {title: Information group, led_by: leader}
sources:
  - {name: calls, rate_per_day: 96, categories: {any: 1}, levels: {IV: 1}}
""" + ONE_LEVEL + """\
flow:
  - {id: judge, actor: office, after: [occurred], duration: judge, milestone: judged}
  - {id: decide, actor: leader, after: [judge], duration: decide, milestone: decided}
deadlines:
  judged_in_time: {title: judged within 20 minutes, limit: 20m, start: occurred, end: judged}
  decided_in_time: {title: decided within 40 minutes, limit: 40m, start: occurred, end: decided}
durations:
  judge: {dist: lognormal, median: 8m, p90: 20m}
  decide: {dist: exponential, mean: 10m}
"""
"""Four calls an hour, each judged by the one person of the office and decided by the one leader: queues at both."""


@pytest.fixture(scope="module")
def exam() -> Scenario:
    return load(EXAM)


def _upto(entries: list[Entry], now: int) -> list[Entry]:
    return [entry for entry in entries if entry.time is None or entry.time <= now]


def test_the_forecast_lists_the_board_s_open_deadlines_and_a_past_due_one_at_exactly_nought(exam: Scenario) -> None:
    incidents = drill_incidents(exam, scripted=True)
    now = 10 * 3600  # 10:00: the leak's office reported at 09:52 and has 20 minutes to reach the leadership group
    entries = _upto(read(LOG, exam, incidents), now)
    board = DrillBoard(exam, incidents, [], lambda entry: None, entries)
    found = forecast(exam, incidents, entries, now, replications=40, seed=3)
    assert [d.key for d in found.deadlines] == [(c.incident, c.change, c.rule) for c in board.countdowns(now)]
    assert [d.due for d in found.deadlines] == [c.due for c in board.countdowns(now)]
    past = [d for d in found.deadlines if d.due < now]
    assert [d.key for d in past] == [("leak", None, "office_to_leadership")]
    for deadline in past:
        assert deadline.probability == 0.0 and deadline.interval == (0.0, 0.0) and deadline.met == 0
        assert found.chance(deadline.incident, deadline.rule, deadline.change) == 0.0
    assert any(0.0 < d.probability < 1.0 for d in found.deadlines if d.due >= now)
    late = forecast(exam, incidents, _upto(read(LOG, exam, incidents), now + 360), now + 360, replications=5)
    assert ("leak", None, "office_to_leadership") not in [d.key for d in late.deadlines]
    assert late.chance("leak", "office_to_leadership") == 0.0  # reported at 10:05, five minutes late


def test_a_report_made_in_time_is_no_open_deadline_and_its_chance_is_one(exam: Scenario) -> None:
    incidents = drill_incidents(exam, scripted=True)
    before = forecast(exam, incidents, [Entry(34200, "leak", "occurred")], 34500, replications=20)
    rule = next(d for d in before.deadlines if d.incident == "leak")
    end = exam.deadlines[rule.rule].end
    made = [Entry(34200, "leak", "occurred"), Entry(34400, "leak", end)]
    after = forecast(exam, incidents, made, 34500, replications=20)
    assert rule.key not in [d.key for d in after.deadlines]
    assert after.chance("leak", rule.rule) == 1.0
    assert before.chance("leak", rule.rule) == rule.probability < 1.0


@pytest.mark.parametrize(("judge", "chance"), [
    # Uniform 10-30 minutes, 15 already spent: the rest is uniform 15-30, 10 of its 15 minutes in time.
    ("{dist: uniform, low: 10m, high: 30m}", 2 / 3),
    # Exponential, mean 10 minutes: memoryless, the 10 minutes left are met with 1 - e^-1.
    ("{dist: exponential, mean: 10m}", 1 - math.exp(-1)),
])
def test_one_step_left_is_met_with_the_chance_its_distribution_gives_past_the_time_already_spent(
        judge: str, chance: float) -> None:
    """Unconditioned on the 15 minutes already spent, the chances would be 3/4 and 1 - e^-2.5 (0.92): far
    outside the tolerance."""
    scenario = loads(ONE_STEP.format(judge=judge, more=""))
    incidents = drill_incidents(scenario, scripted=True)
    n = 4000
    found = forecast(scenario, incidents, [Entry(7200, "one", "occurred")], 7200 + 15 * 60, replications=n, seed=11)
    (deadline,) = found.deadlines
    assert abs(deadline.probability - chance) <= 4 * math.sqrt(chance * (1 - chance) / n)
    assert deadline.interval[0] < deadline.probability < deadline.interval[1]
    assert deadline.breaking_step == "judge" and deadline.breaking_share == 1.0


def test_an_incident_waiting_for_the_person_busy_with_another_adds_the_rest_of_that_work_to_its_own() -> None:
    """Both occur at 02:00; at 02:05 the office's one person has been judging the first for 5 minutes and the
    second waits. Exponential, mean 10 minutes: the first is judged within its 20 minutes left with 1 - e^-2; the
    second when the rest of the first (memoryless, exponential) and its own judgement fit in 20 minutes: a gamma of
    shape 2, 1 - 3e^-2."""
    scenario = loads(ONE_STEP.format(judge="{dist: exponential, mean: 10m}", more=SECOND.format()))
    incidents = drill_incidents(scenario, scripted=True)
    n = 4000
    entries = [Entry(7200, "one", "occurred"), Entry(7200, "two", "occurred")]
    found = forecast(scenario, incidents, entries, 7200 + 5 * 60, replications=n, seed=12)
    chances = {d.incident: d.probability for d in found.deadlines}
    for incident, chance in (("one", 1 - math.exp(-2)), ("two", 1 - 3 * math.exp(-2))):
        assert abs(chances[incident] - chance) <= 4 * math.sqrt(chance * (1 - chance) / n), incident


def test_a_recorded_milestone_holds_its_person_until_it_was_reached() -> None:
    """The first is judged at 02:12 (recorded), so the second's judgement began then: at 02:20 it has taken 8 of
    the uniform 10-30 minutes, which it had not exceeded anyway, and is met by 02:25 if it takes at most 13
    minutes: 3/20. (Had it begun at 02:00, the chance would be 1/2.)"""
    scenario = loads(ONE_STEP.format(judge="{dist: uniform, low: 10m, high: 30m}", more=SECOND.format()))
    incidents = drill_incidents(scenario, scripted=True)
    n = 4000
    entries = [Entry(7200, "one", "occurred"), Entry(7200, "two", "occurred"), Entry(7200 + 12 * 60, "one", "judged")]
    found = forecast(scenario, incidents, entries, 7200 + 20 * 60, replications=n, seed=13)
    (deadline,) = found.deadlines
    assert deadline.incident == "two"
    assert abs(deadline.probability - 0.15) <= 4 * math.sqrt(0.15 * 0.85 / n)
    assert found.chance("one", "judged_in_time") == 1.0


def test_a_step_the_plan_cannot_draw_that_long_finishes_at_the_next_second() -> None:
    scenario = loads(ONE_STEP.format(judge="{dist: uniform, low: 10m, high: 20m}", more=""))
    incidents = drill_incidents(scenario, scripted=True)
    found = forecast(scenario, incidents, [Entry(7200, "one", "occurred")], 7200 + 21 * 60, replications=5)
    assert [d.probability for d in found.deadlines] == [1.0]
    late = forecast(scenario, incidents, [Entry(7200, "one", "occurred")], 7200 + 25 * 60, replications=5)
    assert [d.probability for d in late.deadlines] == [0.0]


def test_the_same_seed_gives_the_same_forecast_and_a_forecaster_the_same_at_every_refresh(exam: Scenario) -> None:
    incidents = drill_incidents(exam, scripted=True)
    entries = read(LOG, exam, incidents)
    forecaster = Forecaster(exam, incidents, replications=30, seed=5)
    now = 10 * 3600
    first = forecaster.at(_upto(entries, now), now)
    forecaster.at(_upto(entries, now + 600), now + 600)
    assert forecaster.at(_upto(entries, now), now) == first
    assert forecast(exam, incidents, _upto(entries, now), now, replications=30, seed=5) == first
    other = forecast(exam, incidents, _upto(entries, now), now, replications=30, seed=6)
    assert [d.met for d in other.deadlines] != [d.met for d in first.deadlines]
    assert forecast(load(EXAM), drill_incidents(load(EXAM), scripted=True), _upto(entries, now + 600), now + 600,
                    replications=30, seed=6) == Forecaster(exam, incidents, replications=30, seed=6).at(
                        _upto(entries, now + 600), now + 600)
    frame = first.frame()
    assert list(frame["rule"]) == [d.rule for d in first.deadlines]
    assert list(frame["probability"]) == [d.probability for d in first.deadlines]


def _cut_runs(scenario: Scenario) -> list[tuple[float, bool]]:
    """(chance forecast, met) for every deadline open, and not past due, at each hour of twelve simulated runs: each
    run is a drill (replication 0 of its seed), its milestones up to the hour the log."""
    flow = flow_of(scenario)
    pairs: list[tuple[float, bool]] = []
    for seed in range(12):
        incidents = drill_incidents(scenario, seed)
        truth = {record.incident: record for record in simulate(scenario, seed, 0).incidents}
        number = {incident.id: incident.number for incident in incidents}
        forecaster = Forecaster(scenario, incidents, replications=100, seed=1000 + seed)
        for hour in range(1, 6):
            now = hour * 3600
            entries = [Entry(incident.occurred, incident.id, "occurred") for incident in incidents
                       if incident.occurred <= now] + simulated_entries(scenario, seed, until=now)
            for deadline in forecaster.at(entries, now).deadlines:
                if deadline.due < now:
                    continue
                end = flow.key(scenario.deadlines[deadline.rule].end, model_change(deadline.change))
                reached = truth[number[deadline.incident]].milestones.get(end)
                pairs.append((deadline.probability, reached is not None and reached <= deadline.due))
    return pairs


def _calibrated(pairs: list[tuple[float, bool]]) -> bool:
    """In each bin of forecast chances (fifths, 15 pairs or more, at least three bins), the share met lies within
    3 binomial standard errors (the Monte-Carlo error of 100 replications included) of the mean chance forecast;
    and the forecast knows more than the base rate (a Brier score below three quarters of the base rate's)."""
    edges = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0001)
    checked = 0
    for low, high in itertools.pairwise(edges):
        inside = [(p, met) for p, met in pairs if low <= p < high]
        if len(inside) < 15:
            continue
        expected = sum(p for p, _ in inside) / len(inside)
        observed = sum(met for _, met in inside) / len(inside)
        spread = math.sqrt(sum(p * (1 - p) for p, _ in inside) + 0.25 * len(inside) / 100) / len(inside)
        if abs(observed - expected) > 3 * spread:
            return False
        checked += 1
    base = sum(met for _, met in pairs) / len(pairs)
    brier = sum((p - met) ** 2 for p, met in pairs) / len(pairs)
    return checked >= 3 and brier < 0.75 * sum((base - met) ** 2 for _, met in pairs) / len(pairs)


def test_forecasts_from_states_cut_out_of_simulated_runs_are_calibrated_against_how_those_runs_went() -> None:
    pairs = _cut_runs(loads(TWO_STEPS))
    assert len(pairs) > 150
    assert _calibrated(pairs)


def test_a_forecast_blind_to_the_time_already_spent_fails_the_same_calibration(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The check has teeth: steps in progress drawn afresh, as if they had just begun, finish too early."""
    def blind(self: forecast_module._Given, incident: Incident, plan: StepPlan, change: int, started: int,
              drawn: int) -> int:
        at = self.reached(incident, plan, change)
        return drawn if at is None else max(0, at - started)

    monkeypatch.setattr(forecast_module._Given, "work", blind)
    assert not _calibrated(_cut_runs(loads(TWO_STEPS)))
