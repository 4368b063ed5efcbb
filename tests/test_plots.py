"""Plots: each drawn for every bundled scenario without a warning, and each showing the run's own numbers.

The PNGs of the bundled scenarios are kept in artifacts/plots/ for a person
to look at; the checks below read the numbers back from the artists.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from drillsim import api, plots
from drillsim.experiment import rundir
from drillsim.results import Results
from tests.helpers import ROOT, SCENARIOS, case

matplotlib.use("Agg")
ARTIFACTS = ROOT / "artifacts" / "plots"
M = 60


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_plot_of_every_bundled_scenario_draws_without_warnings(scenario: Path) -> None:
    results = api.run(api.load(scenario), replications=2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, figure in plots.render(results):
            png = plots.to_bytes(figure, "png")
            assert png.startswith(b"\x89PNG") and len(png) > 20_000
            (ARTIFACTS / f"{scenario.stem}--{name}.png").write_bytes(png)
            ax = figure.axes[0]
            assert results.label in ax.get_title()
            assert ax.get_xlabel() and (ax.get_ylabel() or ax.get_yticklabels())
            assert any(unit in ax.get_xlabel() for unit in ("minutes", "%", "time of day"))


def test_write_plots_writes_png_and_svg_of_each(tmp_path: Path) -> None:
    results = api.run(api.load(SCENARIOS[-1]), replications=1)
    written = rundir.write_plots(results, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{n}.{f}" for n in plots.PLOTS for f in ("png", "svg"))
    svg = (tmp_path / "bottleneck.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_hit_rates_draw_each_rate_with_its_interval_in_the_plans_level_colours() -> None:
    results = api.run(api.load(ROOT / "scenarios" / "baseline-week.yaml"), replications=3)
    ax = plots.hit_rates(results)
    table = results.rules()
    bars = [c for c in ax.containers]
    overall = table[(table["level"] == "all") & table["rate"].notna()]
    x = bars[0].lines[0].get_xdata()
    assert np.allclose(x, overall["rate"].to_numpy(dtype=float) * 100)
    level_one = bars[1].lines[0]
    assert level_one.get_color() == plots.LEVEL_SHADES["red"] and level_one.get_marker() == "s"
    assert ax.lines[-1].get_xdata()[0] == 100  # the plan's target: every report on time


def test_stage_breakdown_stacks_the_hand_computed_stages(shared_leader: Results) -> None:
    ax = plots.stage_breakdown(shared_leader)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels.count("missed (n = 3)") == 1
    row = labels.index("missed (n = 3)")
    y = ax.get_yticks()[row]
    widths = [p.get_width() for p in ax.patches if abs(p.get_y() + p.get_height() / 2 - y) < 1e-9]
    # The three command-post reports (the rule's only misses, tests/test_bottleneck.py; the written and final
    # reports' misses are rows of their own, n = 2 and n = 1) took 79m, 161m30s and 244m against the 1h deadline:
    # 161m30s on average, 103m30s of it waiting for the party secretary to set the post up (35m, 1h43m30s and
    # 2h52m).
    assert sum(widths) == pytest.approx(161.5 / 60 * 100)
    assert max(widths) == pytest.approx(103.5 / 60 * 100)
    wait = next(p for p in ax.patches if abs(p.get_width() - 103.5 / 60 * 100) < 1e-9)
    assert wait.get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb(plots.KIND_COLOURS["wait"]))


def test_swimlane_defaults_to_the_worst_miss_with_its_deadline_in_red(shared_leader: Results) -> None:
    assert plots.worst_miss(shared_leader) == (0, 3)
    ax = plots.swimlane(shared_leader)
    assert "incident 3 of replication 0" in ax.get_title()
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    # The party secretary's two roles are two lanes, each naming them; the working group is the incident's own.
    assert {"Leadership group leader (party_secretary)", "On-site command post",
            "Command-post commander (party_secretary)", "Public health group"} <= set(lanes)
    red = [line.get_xdata()[0] for line in ax.lines if line.get_color() == plots.MISS]
    # The deadlines incident 3 missed: the post's 1h after 02:02; the written report's 2h after the phone report
    # (02:20:00, 138m), followed up until the activation (05:50:30) tells its progress; the final report's 2h
    # after the responders close it (03:35:30, 213m30s), followed up for the same.
    assert red == [60.0, 138.0, 213.5]
    waits = sorted((round(p.get_x(), 6), round(p.get_width(), 6)) for p in ax.patches if p.get_hatch())
    # The office's five people judge incidents 1-3 (4m each, from 02:09, 02:10, 02:11); each judgement queues the
    # phone call (3m), the escalation (2m) and, as writing may start with the call (Art. 8.3(2)), the written
    # report (30m): incident 1's three start at 02:13:30, incident 2's at 02:14:30, 02:15 and 02:15:30, so incident
    # 3's, queued at 13m30s (02:15:30), wait 1m, 1m30s and 2m for incident 1's call (to 02:16:30) and incident 2's
    # escalation (02:17) and call (02:17:30).
    # The decision waits 28m from 13m30s (02:15:30); the activation, the set-up and the upward report, queued at
    # 56m30s (02:58:30), wait for the party secretary until 05:45:30 (167m), 05:50:30 (172m) and, after incident
    # 3's post (05:50:30-07:06:00), 07:06:00 (247m30s); the group's response, queued at 229m (05:51:00), waits
    # 138m until 08:09:00, after the upward report (-07:09:00) and the two earlier groups (30m each).
    assert waits == [(13.5, 1.0), (13.5, 1.5), (13.5, 2.0), (13.5, 28.0), (56.5, 167.0), (56.5, 172.0),
                     (56.5, 247.5), (229.0, 138.0)]


def test_time_to_report_crosses_each_deadline_at_its_hit_rate() -> None:
    results = api.run(api.load(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"), replications=4)
    ax = plots.time_to_report(results)
    overall = results.rules().query("level == 'all' and applicable > 0").set_index("rule")
    dots = [(line.get_xdata()[0], line.get_ydata()[0]) for line in ax.lines if line.get_marker() == "o"]
    expected = [(results.scenario.deadlines[rule].limit / M, row["rate"] * 100) for rule, row in overall.iterrows()]
    assert np.allclose(np.array(dots), np.array(expected))
    assert ax.get_xscale() == "log"


def test_actor_load_shows_the_night_shift_and_its_queue() -> None:
    results = api.run(case("""
        staffing:
          office: {staff: 3, shifts: [{from: "22:00", to: "07:00", staff: 1}]}
        durations: {judge: 20m}
        injects:
          - {at: "23:00", category: social_security, example: group_fight, level: III, grid: grid_1}
          - {at: "23:00", category: social_security, example: group_fight, level: III, grid: grid_2}
        """, name="night office"), replications=1)
    ax = plots.actor_load(results)
    texts = [t.get_text() for t in ax.texts]
    assert "office 3→1" in texts and "office 1→3" in texts
    # Reports reach the office at 23:09; one person judges (20m each) 23:09-23:29 and 23:29-23:49, then
    # escalates (2m each, queued when a judgement's report arrives, 30s after it) 23:49-23:53.
    # 23:30-24:00: 23m busy of 30; the escalations wait 19m (from 23:30) and 1m30s.
    profile = results.workload.by_time_of_day(1800)
    night = profile[(profile["actor"] == "office") & (profile["clock"] == 23 * 3600 + 1800)].iloc[0]
    assert (night["on_duty"], night["utilisation"], night["queue"]) == (1, pytest.approx(23 / 30),
                                                                         pytest.approx(20.5 / 30))
    drawn = [line.get_ydata() for line in ax.lines if len(line.get_ydata()) == 49]
    assert any(y[47] == pytest.approx(100 * 23 / 30) for y in drawn)


def test_sweep_plot_marks_the_cheapest_option_meeting_the_target() -> None:
    frame = pd.DataFrame({
        "point": [0, 1, 2], "staffing.office.staff": [1, 2, 3], "load": 1.0, "cost": [168.0, 336.0, 504.0],
        "rule": "office_to_leadership", "applicable": 100, "met": [70, 96, 99], "missed": [30, 4, 1],
        "pending": 0, "rate": [0.70, 0.96, 0.99], "low": [0.6, 0.9, 0.95], "high": [0.78, 0.98, 1.0],
        "target": 0.95, "meets": [False, True, True], "meets_all": [False, True, True],
        "cheapest": [False, True, False]})
    ax = plots.sweep_hit_rates(frame)
    assert ax.get_xlabel() == "staffing.office.staff"
    star = ax.collections[-1].get_offsets()
    assert star.tolist() == [[2.0, 96.0]]
    labels = [t.get_text().replace("\n    ", " ") for t in ax.get_legend().get_texts()]
    # 95 % lies inside the cheapest option's interval (90-98 %): as the CLI's `?`, the legend says undecided
    assert "cheapest meeting every target: staffing.office.staff = 2 (cost 336); undecided: an interval still " \
        "contains its target" in labels
    assert any(np.allclose(line.get_ydata(), 95) for line in ax.lines)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]


def test_sweep_plot_draws_a_line_per_value_of_the_second_factor_on_whole_staff_ticks() -> None:
    """Two factors: office staff 1-3 on the x axis, a line for each grid staff (1 and 2), never one line
    zigzagging through both; staff counts get whole-number ticks."""
    office, grid = "staffing.office.staff", "staffing.grid_worker.staff"
    rates = {(1, 1): 0.5, (1, 2): 0.6, (2, 1): 0.8, (2, 2): 0.9, (3, 1): 0.97, (3, 2): 0.99}
    rows = [{"point": i, office: o, grid: g, "load": 1.0, "cost": 100.0 * o + 50 * g, "rule": "continuation",
             "applicable": 50, "met": 0, "missed": 0, "pending": 0, "rate": r, "low": r - 0.1, "high": min(r + 0.02, 1),
             "target": 0.95, "verdict": None, "meets": r >= 0.95, "meets_all": r >= 0.95, "cheapest": (o, g) == (3, 1)}
            for i, ((o, g), r) in enumerate(rates.items())]
    ax = plots.sweep_hit_rates(pd.DataFrame(rows))
    assert ax.get_xlabel() == office
    lines = [container.lines[0] for container in ax.containers]
    assert len(lines) == 2
    for line, g in zip(lines, (1, 2), strict=True):
        assert np.round(line.get_xdata()).tolist() == [1, 2, 3]
        assert np.allclose(line.get_ydata(), [rates[(o, g)] * 100 for o in (1, 2, 3)])
    labels = [t.get_text().replace("\n    ", " ") for t in ax.get_legend().get_texts()]
    assert labels[:2] == [f"continuation (target 95%): {grid} = 1", f"continuation (target 95%): {grid} = 2"]
    assert ax.get_xticks().tolist() == [1.0, 2.0, 3.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    star = ax.collections[-1].get_offsets()
    assert np.round(star[:, 0]).tolist() == [3.0] and star[0, 1] == pytest.approx(97.0)


def test_matplotlib_stays_out_of_the_model_results_and_cli_imports() -> None:
    code = ("import sys, drillsim.cli, drillsim.api, drillsim.results, drillsim.model\n"
            "assert 'matplotlib' not in sys.modules, sorted(m for m in sys.modules if 'matplotlib' in m)[:3]")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_actor_load_names_the_people_holding_a_role_in_its_legend(shared_leader: Results) -> None:
    """The party secretary is the leader and the commander: both lines say so, one person's two roles."""
    ax = plots.actor_load(shared_leader)
    legend = ax.get_legend()
    assert legend is not None
    labels = [text.get_text() for text in legend.get_texts()]
    assert "Leadership group leader (1 on duty; held by party_secretary)" in labels
    assert "Command-post commander (1 on duty; held by party_secretary)" in labels
    assert "Office (information group) (5 on duty)" in labels
