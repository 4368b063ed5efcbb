"""Two scenarios draw the same incidents exactly when drillsim.model.pairing finds nothing that differs.

Checked against the incidents `generate` actually draws, and through what
`compare`, `exercise aar --compare` and `sweep` then say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from drillsim.cli import main
from drillsim.model.incidents import generate
from drillsim.model.pairing import differences, same_incidents
from drillsim.model.streams import Streams, replication_seed
from drillsim.scenario import Scenario, load
from tests.helpers import ROOT

EXAM = load(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml")


def drawn(scenario: Scenario, replication: int = 0, seed: int = 3) -> list[tuple[Any, ...]]:
    """What an incident is, apart from how long each step takes to handle it."""
    return [(i.occurred, i.source, i.category, i.example, i.level, i.judged_level, i.grid, i.command_post, i.changes)
            for i in generate(scenario, Streams(replication_seed(seed, replication)))]


@pytest.mark.parametrize("changes", [
    {"staffing.office.staff": 5},
    {"staffing.grid_worker.grids.*.staff": 3, "staffing.leader.shifts": [{"from": "22:00", "to": "07:00",
                                                                            "staff": 0}]},
    {"durations.verify": "1m", "deadlines.grid_to_office.limit": "10m"},
    {"channels.media.wired.delay": "5m", "probabilities.incomplete_report": 0.5},
])
def test_handling_changes_leave_the_same_incidents(changes: dict[str, Any]) -> None:
    other = EXAM.replace(changes)
    assert differences(EXAM, other) == [] and same_incidents(EXAM, other)
    assert all(drawn(EXAM, r) == drawn(other, r) for r in range(3))


@pytest.mark.parametrize(("changes", "said"), [
    ({"horizon": "2d"}, "the horizon differs: 1d vs 2d"),
    ({"sources.0.rate_per_day": 3}, "the source everyday differs: 1.5 a day vs 3 a day"),
    ({"sources.0.levels": {"I": 0.6, "II": 0.08, "III": 0.3, "IV": 0.02}}, "the source everyday differs: its mix of "
                                                                            "levels"),
    ({"injects.1.at": "10:40"}, "the injects differ: 2 (leak, fire) vs 2 (leak, fire)"),
    ({"changes.mean_count.IV": 3}, "the mean counts of changes differ: I 3, II 2, III 0.5, IV 0.2 vs "
                                   "I 3, II 2, III 0.5, IV 3"),
    ({"probabilities.misjudged_level": 0.5}, "the probability misjudged_level differs: 0.1 vs 0.5"),
    ({"durations.change_interval": "10m"}, "the duration change_interval differs: exponential(mean 45m) vs 10m"),
    ({"staffing.grid_worker.grids.grid_4": {"staff": 1}}, "the grids incidents are sent to differ: grid_1, grid_2, "
                                                          "grid_3 vs grid_1, grid_2, grid_3, grid_4"),
])
def test_changes_to_what_draws_incidents_are_said_in_words(changes: dict[str, Any], said: str) -> None:
    other = EXAM.replace(changes)
    assert differences(EXAM, other) == [said]
    assert any(drawn(EXAM, r) != drawn(other, r) for r in range(3))


def test_a_warm_up_draws_the_same_incidents_but_counts_others() -> None:
    other = EXAM.replace({"warm_up": "2h"})
    assert differences(EXAM, other) == ["the warm-up differs: 0s vs 2h (the same incidents are drawn, but other ones "
                                        "are counted)"]
    assert drawn(EXAM) == drawn(other)


def test_seed_and_load_count_as_what_draws_the_incidents() -> None:
    assert differences(EXAM, EXAM, seeds=(1, 2), loads=(1.0, 2.0)) == ["the seed differs: 1 vs 2",
                                                                       "the load differs: 1 vs 2"]
    assert drawn(EXAM, seed=1) != drawn(EXAM, seed=2)


def test_a_mix_listed_in_another_order_draws_other_incidents_and_is_said() -> None:
    levels = dict(EXAM.sources[0].levels)
    other = EXAM.replace({"sources.0.levels": dict(reversed(levels.items()))})
    assert differences(EXAM, other) == ["the source everyday differs: its mix of levels"]
    assert any(drawn(EXAM, r) != drawn(other, r) for r in range(5))


def compare(tmp_path: Path, b_text: str) -> list[str]:
    (tmp_path / "b.yaml").write_text(b_text, encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", str(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"),
                                       str(tmp_path / "b.yaml"), "-n", "3", "-q"])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_cli_compare_claims_the_same_incidents_only_when_true(tmp_path: Path) -> None:
    base = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
    same = compare(tmp_path, f"extends: {base}\nstaffing: {{office: {{staff: 4, shifts: null}}}}\n")
    assert same[2] == "3 replications, seed 615: B - A on the same incidents, 95% paired intervals"
    differ = compare(tmp_path, "name: plain week\nplan: builtin\nstaffing: {office: {staff: 4, shifts: null}}\n")
    assert differ[2] == ("3 replications, seed 615: B - A on DIFFERENT incidents (the horizon differs: 1d vs 7d; the "
                         "injects differ: 2 (leak, fire) vs none): not paired on the same incidents, 95% unpaired "
                         "intervals")
    assert "same incidents, 95% paired" not in "\n".join(differ)


def test_cli_compare_json_says_whether_the_incidents_are_the_same(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("name: b\nplan: builtin\nhorizon: 1d\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", str(ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"),
                                       str(tmp_path / "b.yaml"), "-n", "2", "-q", "--format", "json"])
    data = json.loads(result.stdout)
    assert (data["same_incidents"], data["differences"]) == (False, ["the injects differ: 2 (leak, fire) vs none"])


def test_the_unpaired_intervals_are_those_of_the_frame(tmp_path: Path) -> None:
    from drillsim import api
    other = EXAM.replace({"horizon": "2d"})
    comparison = api.compare(EXAM, other, replications=3)
    from drillsim.cli.sweep import render_comparison
    text = render_comparison(comparison, "a", "b")
    row = comparison.frame.iloc[8]  # office_to_leadership, all levels: a rate that varies in both runs
    assert row["name"] == "office_to_leadership"
    line = next(line for line in text.splitlines() if line.startswith(row["name"]))
    assert f"{row['unpaired_low']:+.1%} to {row['unpaired_high']:+.1%}" in line
    assert not np.isclose(row["unpaired_low"], row["low"])


def test_aar_comparison_says_whether_the_incidents_are_the_same() -> None:
    from drillsim import api
    from drillsim.exercise.aar import _comparison
    base = api.run(EXAM, replications=2)
    same = _comparison(EXAM, base, api.run(EXAM.replace({"staffing.office.staff": 4}), replications=2,
                                           seed=base.seed))
    assert same.differences == ()
    other = _comparison(EXAM, base, api.run(EXAM.replace({"horizon": "2d"}), replications=2, seed=base.seed))
    assert other.differences == ("the horizon differs: 1d vs 2d",)


def test_sweep_header_claims_the_same_incidents_only_when_every_combination_draws_them() -> None:
    from drillsim.cli.sweep import incidents_said
    from drillsim.experiment.sweeps import grid
    assert incidents_said(grid(EXAM, {"staffing.office.staff": [1, 2], "durations.judge": ["2m", "9m"]})) == \
        "the same incidents for every combination"
    assert incidents_said(grid(EXAM, {"staffing.office.staff": [1, 2], "horizon": ["1d", "2d"]})) == \
        "different incidents between combinations (the horizon differs: 1d vs 2d)"


def test_the_after_action_report_says_when_the_comparison_is_on_other_incidents() -> None:
    from drillsim import api
    from drillsim.exercise import drill_incidents
    from drillsim.exercise.aar import draft, render_html, render_markdown
    from drillsim.exercise.drilllog import read
    from drillsim.exercise.evaluate import evaluate
    from tests.helpers import LOG
    incidents = drill_incidents(EXAM, scripted=True)
    base = api.run(EXAM, replications=2, seed=615)
    ev = evaluate(EXAM, incidents, read(LOG, EXAM, incidents), base, "log.csv")
    other = api.run(EXAM.replace({"horizon": "2d", "staffing.office.staff": 6}), replications=2, seed=615)
    for render in (render_markdown, render_html):
        text = render(draft(ev, base, other))
        assert "but the two draw different incidents (the horizon differs: 1d vs 2d)" in text
        assert "Adopt the staffing" not in text
    same = render_markdown(draft(ev, base, api.run(EXAM.replace({"staffing.office.staff": 6}), replications=2,
                                                     seed=615)))
    assert "with the same seed (615), so both see the same incidents" in same
