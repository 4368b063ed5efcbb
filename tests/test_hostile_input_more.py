"""More hostile input, found by a second attack: each refused in one line at its place, never a traceback.

NUL bytes (in a file's text, or in a path a scenario names), a plan that an
extending file names but cannot be used (blamed on the line that names it),
and YAML's yes/no where a number or a yes/no is expected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from drillsim.cli import main
from drillsim.files import UnreadableFile, read_text
from drillsim.scenario import ScenarioError, load
from tests.conftest import ROOT

EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load(path)
    return [str(problem) for problem in caught.value.problems]


# --- NUL bytes ---------------------------------------------------------------------------


def test_a_file_with_a_nul_byte_is_no_text_and_is_named_with_its_line(tmp_path: Path) -> None:
    """Formerly a YAML error without a line and a drill log header of a thousand escaped NULs."""
    path = tmp_path / "x.yaml"
    path.write_bytes(b"name: x\nplan: builtin\n\0\0\0\n")
    with pytest.raises(UnreadableFile) as caught:
        read_text(path, what="YAML text")
    assert (caught.value.line, str(caught.value)) == (3, f"{path}:3: not a text file (a NUL byte at byte 22); "
                                                         f"expected YAML text")


@pytest.mark.parametrize("verb", ["validate", "evaluate"])
def test_a_zero_filled_file_is_one_line_with_its_line(tmp_path: Path, verb: str) -> None:
    path = tmp_path / "zeros"
    path.write_bytes(bytes(1000))
    args = ["validate", str(path)] if verb == "validate" else ["exercise", "evaluate", str(EXAM), str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"{path}:1: not a text file (a NUL byte at byte 0); expected ")


@pytest.mark.parametrize("key", ["plan", "extends"])
def test_a_nul_in_a_path_a_scenario_names_is_refused_at_its_line(tmp_path: Path, key: str) -> None:
    """Formerly a traceback: ValueError: embedded null byte."""
    path = tmp_path / "s.yaml"
    path.write_text(f'name: x\n{key}: "a\\0b.yaml"\n', encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:2: {key}: expected ")
    assert problem.endswith("got 'a\\x00b.yaml'")


def test_a_nul_in_any_path_read_is_no_such_file() -> None:
    with pytest.raises(UnreadableFile, match=r"no such file \(the name contains a NUL byte\)"):
        read_text("a\0b.yaml")


# --- a plan named over a base's -------------------------------------------------------------


@pytest.mark.parametrize(("plan", "words"), [
    ("missing.yaml", "plan: the plan 'missing.yaml' cannot be used: "),
    ("''", "plan: expected builtin, the name of a built-in plan or the path to a plan file; got ''"),
])
def test_a_plan_an_extending_file_names_is_blamed_on_its_own_line(tmp_path: Path, plan: str, words: str) -> None:
    """Formerly blamed on the base's `plan: builtin` line, under a claim that the base could not be used."""
    (tmp_path / "base.yaml").write_text(NIGHT.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: base.yaml\nplan: {plan}\n", encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:2: {words}")
