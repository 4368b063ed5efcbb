"""`extends: other.yaml`: a scenario merged over another scenario, chains allowed, cycles refused at their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillsim.scenario import ScenarioError, load
from tests.helpers import ROOT

EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
MORE = ROOT / "scenarios" / "more-staff.yaml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load(path)
    return [str(p) for p in caught.value.problems]


def test_more_staff_is_the_exam_day_with_more_office_staff_only() -> None:
    lines = [line for line in MORE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert len(lines) == 2 and lines[0] == "extends: exam-day-leak-and-fire.yaml"
    exam, more = load(EXAM), load(MORE)
    a, b = exam.model_dump(), more.model_dump()
    assert [key for key in a if a[key] != b[key]] == ["staffing"]
    assert more.horizon == exam.horizon == 86400 and [i.id for i in more.injects] == ["leak", "fire"]
    assert more.staffing["office"].shifts[0].staff > exam.staffing["office"].shifts[0].staff


def test_a_chain_merges_each_file_over_its_base_relative_to_the_file(tmp_path: Path) -> None:
    write(tmp_path, "bases/week.yaml", "name: week\nplan: builtin\nhorizon: 2d\nstaffing: {office: {staff: 3}}\n")
    write(tmp_path, "bases/night.yaml", "extends: week.yaml\nname: night\nstaffing: {leader: {staff: 2}}\n")
    top = write(tmp_path, "top.yaml", "extends: bases/night.yaml\nseed: 5\n")
    scenario = load(top)
    assert (scenario.name, scenario.horizon, scenario.seed) == ("night", 2 * 86400, 5)
    assert (scenario.staffing["office"].staff, scenario.staffing["leader"].staff) == (3, 2)
    assert scenario.staffing["deputy"].handover == 300  # the plan's, under both bases


def test_plan_is_inherited_unless_the_extending_file_sets_it(tmp_path: Path) -> None:
    plan_text = (ROOT / "src" / "drillsim" / "scenario" / "plans" / "lanzhou-community.yaml").read_text(
        encoding="utf-8")
    write(tmp_path, "plans/slow.yaml", plan_text.replace("  judge: {dist: triangular, low: 2m, mode: 4m, high: 8m}",
                                                         "  judge: 1h"))
    write(tmp_path, "base.yaml", "name: base\nplan: plans/slow.yaml\nhorizon: 1d\n")
    assert load(write(tmp_path, "inherits.yaml", "extends: base.yaml\n")).durations["judge"].mean() == 3600
    own = load(write(tmp_path, "own.yaml", "extends: base.yaml\nplan: builtin\n"))
    assert own.durations["judge"].mean() == pytest.approx((2 + 4 + 8) * 60 / 3)  # the built-in plan's triangular
    assert own.horizon == 86400


def test_a_cycle_is_refused_at_the_extends_that_closes_it(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path, "b.yaml", "# b\nextends: a.yaml\n")
    found = messages(a)
    assert any(text.startswith(f"{tmp_path / 'b.yaml'}:2: extends: extends 'a.yaml', which leads back here: a cycle "
                               f"(a.yaml -> b.yaml -> a.yaml)") for text in found)
    assert any(text.startswith(f"{a}:2: extends: the scenario 'b.yaml' cannot be used") for text in found)
    itself = write(tmp_path, "self.yaml", "name: s\nextends: self.yaml\n")
    assert messages(itself) == [f"{itself}:2: extends: extends 'self.yaml', which leads back here: a cycle "
                                f"(self.yaml -> self.yaml); expected a chain of scenarios that ends in one without "
                                f"extends"]


def test_problems_of_a_base_are_reported_at_its_own_lines(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "name: base\nplan: builtin\nstaffing:\n  office: {staff: -1}\n")
    top = write(tmp_path, "top.yaml", "extends: base.yaml\nhorizon: 1d\n")
    assert set(messages(top)) == {f"{top}:1: extends: the scenario 'base.yaml' cannot be used: {base} has 1 problem, "
                                  f"each listed at its line",
                                  f"{base}:4: staffing.office.staff: got -1; expected 0 or more"}
    # A base that is fine on its own: a bad value of the extending file is at the extending file's line.
    base.write_text("name: base\nplan: builtin\n", encoding="utf-8")
    top.write_text("extends: base.yaml\nhorizon: 1d\ninjects:\n  - {at: '2d', category: other, level: II}\n",
                   encoding="utf-8")
    assert messages(top)[0].startswith(f"{top}:4: injects[0].at: 2d 00:00 is outside the horizon")


def test_a_name_the_base_wrote_is_blamed_on_the_base_not_on_the_extending_file(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "name: base\nplan: builtin\ndurations: {discover: 1m}\n")
    top = write(tmp_path, "top.yaml", "extends: base.yaml\n")
    assert any(text.startswith(f"{base}:3: durations.discover: no step, report transit or core element takes the "
                               "duration 'discover'") for text in messages(top))


@pytest.mark.parametrize(("text", "words"), [
    ("extends: [a.yaml]\n", "extends: expected the path to a scenario file, relative to this one; got ['a.yaml']"),
    ("extends: missing.yaml\n", "extends: the scenario 'missing.yaml' cannot be used: "),
])
def test_a_bad_extends_is_one_line_at_its_line(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, "x.yaml", "name: x\n" + text)
    found = messages(path)
    assert found[0].startswith(f"{path}:2: {words}"), found


def test_the_effective_scenario_of_an_extending_run_has_no_extends_and_runs_as_it_is(tmp_path: Path) -> None:
    from drillsim import api
    from drillsim.experiment.rundir import write_run
    out = tmp_path / "run"
    write_run(api.run(load(MORE), replications=1), out)
    text = (out / "scenario.yaml").read_text(encoding="utf-8")
    assert "extends" not in text
    again = load(out / "scenario.yaml")
    assert again.model_dump(exclude={"seed", "replications", "plan"}) == load(MORE).model_dump(
        exclude={"seed", "replications", "plan"})
    # An effective scenario is itself a base another file can extend.
    assert load(write(tmp_path, "over.yaml", "extends: run/scenario.yaml\nhorizon: 2d\n")).horizon == 2 * 86400


def test_a_chain_too_long_is_refused_in_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    write(tmp_path, "s0.yaml", "name: root\nplan: builtin\n")
    for i in range(1, 40):
        write(tmp_path, f"s{i}.yaml", f"extends: s{i - 1}.yaml\n")
    found = messages(tmp_path / "s39.yaml")
    assert any(": extends: the chain of extends is longer than 32 files" in text for text in found)
    assert load(tmp_path / "s20.yaml").name == "root"


def test_a_whole_plan_extended_takes_no_plan_of_its_own(tmp_path: Path) -> None:
    plan = (ROOT / "src" / "drillsim" / "scenario" / "plans" / "lanzhou-community.yaml").read_text(encoding="utf-8")
    write(tmp_path, "whole.yaml", plan)
    path = write(tmp_path, "x.yaml", "name: x\nplan: builtin\nextends: whole.yaml\n")
    assert messages(path) == [f"{path}:2: plan: 'whole.yaml' is a whole plan (it defines actors and flow and names "
                              f"no plan), so what extends it takes no plan; remove plan"]
    assert load(write(tmp_path, "y.yaml", "name: y\nextends: whole.yaml\nhorizon: 1d\n")).name == "y"
