"""Every answer true: what the reports, the timeline, the exit status and the API say is what the run showed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim import api
from drillsim.cli import main
from drillsim.exercise import drill_incidents
from drillsim.exercise.aar import draft, render_html, render_markdown
from drillsim.exercise.drilllog import read
from drillsim.exercise.evaluate import UNRECORDED, Evaluation, evaluate, render_text
from drillsim.scenario import load
from tests.helpers import CASES, EXAM, LOG, case

# --- 1. a milestone never recorded is "not recorded", never a time -------------------------------------------


@pytest.fixture(scope="module")
def unrecorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Evaluation]:
    """The hand log going on to 12:30, so the fire's written report (2h from its phone report at 10:25, Art. 8.3(2))
    is missed, never made; the fire's verification (office_received) was never recorded either."""
    exam = load(EXAM)
    incidents = drill_incidents(exam, scripted=True)
    path = tmp_path_factory.mktemp("log") / "log.csv"
    path.write_text("".join(line for line in LOG.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith("09:55,fire,,office_received"))
                    + "12:30,fire,,closed,,the fire's written report never sent\n", encoding="utf-8")
    results = api.run(exam, replications=4, seed=615)
    return path, evaluate(exam, incidents, read(path, exam, incidents), results, str(path))


def test_a_stage_whose_end_was_never_recorded_has_no_time(unrecorded: tuple[Path, Evaluation]) -> None:
    _, ev = unrecorded
    fire = {f.rule: f for f in ev.findings if f.incident == "fire"}
    never = fire["province_written"]  # the written report was never made: its step never recorded as done
    assert (never.status, never.late_at_least) == ("missed", 5 * 60)  # due 12:25, the drill ends 12:30
    assert (never.stage, never.stage_recorded, never.stage_seconds, never.stage_share) == \
        ("written_province", False, None, None)
    recorded = [f for f in ev.findings if f.stage_recorded]
    assert recorded and all(f.stage_seconds is not None for f in recorded)
    text = render_text(ev)
    line = next(row for row in text.splitlines() if row.strip().startswith("province_written") and "no report" in row)
    assert "written_province not recorded" in line and not re.search(r"written_province \d", line)


def test_the_after_action_report_never_gives_an_unrecorded_stage_a_time(unrecorded: tuple[Path, Evaluation]) -> None:
    _, ev = unrecorded
    aar = draft(ev)
    written = next(a for a in aar.actions if a.protects.startswith("Written report to the province"))
    assert "not recorded" in written.action or "never recorded" in written.action
    # the window from the phone report (10:25) to the end of the drill (12:30) is 2h5m: not how long writing took
    assert "took" not in written.action and "2h5m" not in written.action
    analysis = next(o.analysis for o in aar.improvements if o.rule == "province_written")
    assert "not recorded" in analysis and "up to" not in analysis
    for text in (render_html(aar), render_markdown(aar)):
        assert "it took 2h5m" not in text and "up to 2h5m" not in text
        assert "not recorded" in text


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_evaluate_csv_and_json_say_not_recorded(unrecorded: tuple[Path, Evaluation], fmt: str) -> None:
    path, _ = unrecorded
    out = CliRunner().invoke(main, ["exercise", "evaluate", str(EXAM), str(path), "--scripted", "-n", "2",
                                    "--format", fmt])
    assert out.exit_code == 0, out.output
    if fmt == "json":
        rows = json.loads(out.output)
    else:
        import csv
        import io
        rows = list(csv.DictReader(io.StringIO(out.output)))
    row = next(r for r in rows if r["incident"] == "fire" and r["rule"] == "province_written")
    assert str(row["stage_recorded"]) in ("False", "false")
    assert row["stage_seconds"] in (None, "") and row["stage_share"] in (None, "")


# --- 2. --precision not reached is a failed run; the report's run time and colours -----------------------------

BASELINE = EXAM.parent / "baseline-week.yaml"


def test_precision_not_reached_exits_1_saying_what_was_reached_and_what_it_would_take() -> None:
    out = CliRunner().invoke(main, ["run", str(BASELINE), "-q", "--precision", "0.01", "--max-replications", "3"])
    assert out.exit_code == 1
    message = out.output.strip().splitlines()[-1]
    assert message.startswith("precision not reached: the widest 95% half-width is ±")
    assert "after 3 replications" in message and "the target is ±1.0%" in message
    needed = int(re.search(r"about (\d+) replications", message)[1])  # type: ignore[index]
    assert needed > 3


def test_precision_reached_exits_0() -> None:
    out = CliRunner().invoke(main, ["run", str(BASELINE), "-q", "--precision", "0.45", "-n", "2",
                                    "--max-replications", "4", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["precision"]["reached"] is True


# --- 3. the bottleneck in the plan's words and percentages; a follow-up round trip is its own kind --------------


def test_a_miss_caused_by_a_follow_up_round_trip_is_a_follow_up_not_transit() -> None:
    """Every report incomplete: the first report takes 1m + 30s + a 6m follow-up + 30s, 8m against 5m."""
    results = api.run(case("""
        injects:
          - {at: "01:00", category: social_security, example: group_fight, level: III, grid: grid_1}
        """, name="incomplete", incomplete=1.0), replications=1, seed=1)
    table = results.bottlenecks()
    first = table[table["rule"] == "first_report"].iloc[0]
    assert (first["step"], first["kind"], first["share"], first["incomplete"]) == \
        ("first_report", "follow-up", 1.0, 1.0)
    assert "transit" not in set(table["kind"])
    assert first["sentence"] == (
        "Incomplete reports: 100 % of the 'first report to grid worker or department head' reports that missed "
        "their 5m deadline lost most of their time on a follow-up round trip, the report of 'first report, "
        "immediately, to a grid worker or department head' missing core elements and sent again once completed "
        "(median 7m from sending to arrival).")
    stages = results.summary()["bottleneck"]["stages"]
    assert {row["kind"] for row in stages if row["rule"] == "first_report"} == {"follow-up"}



def test_the_run_table_gives_how_busy_a_stage_s_actor_was_as_a_percentage() -> None:
    from drillsim.report.terminal import render_summary
    results = api.run(load(EXAM), replications=3, seed=615)
    lines = render_summary(results).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("where the misses lost most time"))
    stages = lines[start + 1:lines.index("", start)]
    busy = [line.split()[-2] for line in stages]
    assert busy and all(re.fullmatch(r"\d+%|-", cell) for cell in busy), stages
    assert any(cell.endswith("%") for cell in busy)

def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {"rule": "office_to_leadership", "step": "verify", "actor": "grid_worker",
                              "share": 0.5, "median_seconds": 754.0, "median_budget": 0.63, "utilisation": 0.02,
                              "queue": 0.0, "busiest_from": 22 * 3600, "busiest_to": 0,
                              "busiest_utilisation": 0.456, "fallback": float("nan"), "incomplete": float("nan")}
    return {**row, **values}


@pytest.mark.parametrize(("row", "says"), [
    (_row(kind="wait", utilisation=0.56, queue=1.4),
     "waiting for them to take 'verification (on site where needed), then report to the office' (median 12m34s); "
     "while those reports were due, other incidents kept them busy 56 % of their on-duty time, with 1.4 tasks "
     "waiting on average; they are busiest between 22:00 and 00:00 (busy 46 % of the time)"),
    (_row(kind="work"), "kept the grid worker busy only 2 % of their time then and nobody waited for them"),
    (_row(kind="work", utilisation=0.0), "did not keep the grid worker busy at all then"),
    (_row(kind="work", utilisation=0.85, queue=0.7), "was also loaded then (busy 85 % with other incidents, "
                                                     "0.7 tasks waiting on average)"),
    (_row(kind="work", utilisation=0.6, queue=0.2), "kept the grid worker busy 60 % of their time then, with "
                                                    "0.2 tasks waiting on average"),
    (_row(kind="transit", fallback=0.25), "in transit (median 12m34s); 25 % went over a fallback channel"),
    (_row(kind="follow-up", fallback=0.0, incomplete=1.0), "lost most of their time on a follow-up round trip"),
    (_row(kind="other", step="-", actor="-"), "Waiting for a condition or for a step off the critical path: 50 % of"),
], ids=["wait", "work-idle", "work-not-busy", "work-loaded", "work-some", "transit", "follow-up", "other"])
def test_every_kind_of_bottleneck_sentence_speaks_the_plans_words(row: dict[str, object], says: str) -> None:
    from drillsim.results.bottleneck import sentence
    text = sentence(case(name="words"), row)
    assert says in text, text
    assert not re.search(r"\b0\.\d\d\b", text), "shares are percentages, never decimals"
    assert "(verify" not in text and "'verify'" not in text and "grid_worker" not in text
    assert "50 % of the 'office to the leadership group' reports that missed their 20m deadline" in text


@pytest.fixture(scope="module")
def gated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "night"
    small = CASES / "night-one-grid-worker.yaml"  # two incidents: fast plots
    result = CliRunner().invoke(main, ["run", str(small), "-q", "-n", "2", "--out", str(out), "--report",
                                       "--fail-under", "office_to_leadership=0.9", "--fail-under", "first_report=0.5"])
    assert result.exit_code == 1  # one of the two incidents misses the office's 15m
    return out


def _rate_cells(html: str) -> dict[str, str]:
    """Each rule's title -> the class of its hit-rate cell over all levels."""
    rows = re.findall(r'<td><strong>(.*?)</strong>(?: <a class="reading-mark"[^>]*>\*</a>)?</td>'
                      r'.*?<td class="num"[^>]*>\d+</td><td class="num"[^>]*>\d+</td>'
                      r'\s*<td class="(num[^"]*)">', html, flags=re.S)
    return dict(rows)


def test_the_report_colours_rates_only_against_the_runs_targets(gated_run: Path) -> None:
    from drillsim.experiment.rundir import report_page as build
    provenance = json.loads((gated_run / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["fail_under"] == {"office_to_leadership": 0.9, "first_report": 0.5}
    summary = json.loads((gated_run / "summary.json").read_text(encoding="utf-8"))
    rates = {r["rule"]: r["rate"] for r in summary["rules"] if r["level"] == "all"}
    titles = {r["rule"]: r["title"] for r in summary["rules"] if r["level"] == "all"}
    cells = _rate_cells((gated_run / "report.html").read_text(encoding="utf-8"))
    assert cells[titles["first_report"]] == "num ok" and rates["first_report"] >= 0.5
    assert cells[titles["office_to_leadership"]] == "num low" and rates["office_to_leadership"] < 0.9
    assert {cells[titles[r]] for r in titles if r not in provenance["fail_under"]} == {"num"}
    assert 'id="colours"' in (gated_run / "report.html").read_text(encoding="utf-8")
    del provenance["fail_under"]
    (gated_run / "provenance.json").write_text(json.dumps(provenance), encoding="utf-8")
    html = build(gated_run)
    assert set(_rate_cells(html).values()) == {"num"}, "no target: no colour"
    assert "No target was set for this run, so no hit rate is coloured" in html


def test_the_report_gives_the_runs_real_elapsed_time_or_none(gated_run: Path) -> None:
    from drillsim.experiment.rundir import report_page as build
    from drillsim.report.html import run_time
    provenance = json.loads((gated_run / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["elapsed_seconds"] > 0.01  # loading, two replications and the analysis
    html = (gated_run / "report.html").read_text(encoding="utf-8")
    shown = re.search(r"<dt>Run time</dt><dd>([^<]*)</dd>", html)
    assert shown is not None and shown[1].startswith(run_time(provenance["elapsed_seconds"]) or "?")
    assert "0.0 s" not in shown[1]
    assert run_time(0.012) == "0.012 s" and run_time(3.25) == "3.2 s" and run_time(125) == "2m5s"
    for unknown in (None, "soon", -1, float("nan"), True):
        assert run_time(unknown) is None
    provenance.pop("elapsed_seconds")
    (gated_run / "provenance.json").write_text(json.dumps(provenance), encoding="utf-8")
    assert "Run time" not in build(gated_run)


# --- 4. the timeline says which replication and seed it tells, and only the superiors actually reached ---------


def test_the_timeline_says_which_replication_and_seed_and_how_to_replay_it() -> None:
    three = EXAM.parent / "three-level-ii-in-ten-minutes.yaml"
    out = CliRunner().invoke(main, ["run", str(three), "--timeline", "--seed", "11"])
    assert out.exit_code == 0, out.output
    first = out.output.splitlines()[0]
    assert first == (f"Timeline of replication 0 of seed 11 (Three level-II incidents within ten minutes); replay it "
                     f"with: drillsim run {three} --seed 11 --timeline")
    assert CliRunner().invoke(main, ["run", str(three), "--timeline", "--seed", "11"]).output == out.output
    escalations = [line for line in out.output.splitlines() if "escalat" in line]
    assert escalations and all("city" not in line for line in escalations), "level II reaches street and district"
    assert any("the street office and the district government receive the report" in line for line in escalations)


def test_the_timeline_tells_the_superiors_reached_and_what_was_on_its_way_at_the_horizon() -> None:
    """Level I at 23:44 in the deterministic case: the escalation leaves at 23:59:30 for street, district and
    city, 30s each, and the drill ends at midnight; level II at 01:00 reaches street and district at 01:16:30."""
    from drillsim.report.timeline import story
    results = api.run(case("""
        injects:
          - {at: "23:44", category: social_security, example: group_fight, level: I, grid: grid_1}
          - {at: "01:00", category: social_security, example: group_fight, level: II, grid: grid_1}
        """, name="cut"), replications=1, seed=1)
    text = story(results, 0)
    assert text.splitlines()[0].startswith("Timeline of replication 0 of seed 1 (cut); replay it with")
    level_ii, level_i = text.split("\n\nIncident 2")
    assert "0d 01:16:30  the street office and the district government receive the report over wired (carried " \
        "time, place, scale, casualties, cause, assessment, other): the office escalates level by level to the " \
        "superiors of the level (level II)" in level_ii
    assert "city" not in level_ii
    assert "0d 23:59:30  the report is sent level by level; it has not reached them all by the end of the drill: " \
        "the office escalates level by level to the superiors of the level: level I, to the street office, the " \
        "district government and the city government" in level_i
    assert "reports still on their way: the office escalates level by level to the superiors of the level: level " \
        "I, to the street office" in level_i
    with pytest.raises(ValueError, match="no replication 3"):
        story(results, 3)


# --- 5. the notebooks use the public API only, and it gives the CLI's own verdict ------------------------------


@pytest.mark.parametrize("name", ["01-quick-start", "02-night-shift-staffing", "03-choosing-replications"])
def test_the_notebooks_use_only_the_public_api_and_end_with_their_answer(name: str) -> None:
    import nbformat

    import drillsim
    notebook = nbformat.read(EXAM.parent.parent / "notebooks" / f"{name}.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert not re.search(r"^\s*(from|import)\s+drillsim\.", code, flags=re.M), "no internal module imported"
    used = set(re.findall(r"\bdrillsim\.(\w+)", code))
    assert used and used <= set(drillsim.__all__), used - set(drillsim.__all__)
    assert all(hasattr(drillsim, attribute) for attribute in used)
    last = notebook.cells[-1]
    assert last.cell_type == "code" and "print(" in last.source, "the last cell states the answer, computed"


@pytest.mark.parametrize(("rate", "low", "high", "target", "expected"), [
    (0.96, 0.91, 0.98, 0.9, "met"), (0.96, 0.9, 0.98, 0.9, "met"), (0.93, 0.85, 0.97, 0.9, "undecided"),
    (0.88, 0.80, 0.93, 0.9, "undecided"), (0.8, 0.7, 0.89, 0.9, "not met"), (1.0, 0.8, 1.0, 1.0, "undecided"),
    (0.95, None, None, 0.9, "met"), (None, None, None, 0.9, "not met"), (float("nan"), float("nan"), float("nan"),
                                                                         0.5, "not met")])
def test_the_apis_verdict_is_the_clis_question_mark(rate: float | None, low: float | None, high: float | None,
                                                   target: float, expected: str) -> None:
    import drillsim
    assert drillsim.verdict(rate, low, high, target) == expected
    cli_unsure = low is not None and low == low and low < target <= (high or 0)
    assert (expected == "undecided") == cli_unsure


def test_the_public_api_gives_what_the_notebooks_need() -> None:
    import drillsim
    from drillsim.experiment.per_replication import rule_counts
    from drillsim.experiment.sweeps import cost
    from drillsim.results.stats import clustered_wilson, wilson
    night = drillsim.load(EXAM.parent / "night-shift-one-grid-worker.yaml").replace(horizon="1d")
    results = drillsim.run(night, replications=3, seed=2)
    assert drillsim.cost(night) == cost(night)
    counts = drillsim.replication_counts(results)
    assert counts.equals(rule_counts(results))
    part = counts[counts["rule"] == "office_to_leadership"]
    assert drillsim.hit_rate_interval(part["met"], part["decided"]) == clustered_wilson(part["met"], part["decided"])
    assert drillsim.pooled_interval(7, 9) == wilson(7, 9)
    capped = drillsim.run(night, replications=2, seed=2, precision=0.01, max_replications=3)
    assert drillsim.precision_sentence(capped.precision).startswith("Precision ±1.0% NOT reached")
    assert capped.precision["estimated_replications"] > 3
    assert drillsim.plots.sweep_hit_rates is not None


# --- a report the log skipped, though a later recorded step needed it, is made and not recorded ------------------


def test_a_skipped_milestone_that_a_later_recorded_step_needed_is_made_not_missed(tmp_path: Path) -> None:
    exam = load(EXAM)
    incidents = drill_incidents(exam, scripted=True)
    path = tmp_path / "log.csv"
    path.write_text("".join(line for line in LOG.read_text(encoding="utf-8").splitlines(keepends=True)
                            if not line.startswith("09:52,leak,,office_received")), encoding="utf-8")
    ev = evaluate(exam, incidents, read(path, exam, incidents), api.run(exam, replications=2, seed=615), str(path))
    leak = {f.rule: f for f in ev.of("leak")}
    skipped = leak["grid_to_office"]
    assert (skipped.status, skipped.end, skipped.slack, skipped.late, skipped.late_at_least) == \
        (UNRECORDED, None, None, None, None)
    assert leak["office_to_leadership"].status == "missed"  # its own end was recorded: judged as before
    text = render_text(ev)
    assert "made, time not recorded" in text and "at least" not in next(
        line for line in text.splitlines() if line.strip().startswith("grid_to_office") and "not recorded" in line)
    # the leak's continuation report to the province is missed and its final report's clock runs from the closure
    assert "3 met, 4 missed, 2 not judged" in text
    objective = next(o for o in draft(ev).objectives if o.rule == "grid_to_office")
    assert (objective.met, objective.missed, objective.pending) == (1, 0, 1)


def test_what_a_recorded_milestone_proves_follows_every_after_back_and_the_change_it_belongs_to() -> None:
    from drillsim.exercise.evaluate import proven
    from drillsim.scenario.schema import Step

    def step(id_: str, after: list[str], per: str = "incident") -> Step:
        return Step(id=id_, actor="office", after=tuple(after), duration="judge", milestone=f"{id_}_done", per=per)

    # A real scenario with only its flow replaced: only the wiring proves anything, the rest stays the exam day's.
    plan = load(EXAM).model_copy(update={"flow": (
        step("verify", ["occurred"]), step("judge", ["verify"]), step("note", ["change", "judge"], "change"),
        step("send", ["note"], "change"), step("close", ["judge", "send"]))})
    assert proven(plan, {"send_done#1": 10}) == {"note_done#1", "judge_done", "verify_done"}
    assert proven(plan, {"close_done": 10}) == {"judge_done", "verify_done"}  # which change's notes: not certain
    assert proven(plan, {"judge_done": 10, "verify_done": 5}) == set()
    assert proven(load(EXAM), {"continuation_received#0": 1}) == {  # judge's report is leadership_received
        "leadership_received", "office_received", "first_report_received", "discovered"}
