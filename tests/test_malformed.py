"""Every malformed scenario in tests/data/malformed/ is refused with FILE:LINE: field: message, exit 2, no traceback.

Each file states what it expects on its first line:
`# expect: LINE FIELD words of the message` (FIELD `-` when the problem has no field).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import MALFORMED, drillsim

FILES = sorted(MALFORMED.glob("*.yaml"))
NO_COMMENT = {"18-empty-file.yaml": (1, "-", "the file is empty")}


def expectation(path: Path) -> tuple[int | None, str, str]:
    if path.name in NO_COMMENT:
        return NO_COMMENT[path.name]
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")  # the rest may not be UTF-8
    assert first.startswith("# expect: "), f"{path.name} must state its expectation"
    line, field, words = first.removeprefix("# expect: ").split(" ", 2)
    return int(line), field, words


def test_there_are_enough_malformed_cases() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_malformed_scenario_is_explained(path: Path) -> None:
    line, field, words = expectation(path)
    result = drillsim("validate", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    prefix = where + (f"{field}: " if field != "-" else "")
    matching = [text for text in result.stderr.splitlines() if text.startswith(prefix)]
    assert matching, f"no line starts with {prefix!r} in:\n{result.stderr}"
    assert any(words.lower() in text.lower() for text in matching), result.stderr


def test_a_missing_file_is_explained() -> None:
    result = drillsim("validate", "no/such/scenario.yaml")
    assert result.returncode == 2
    assert "no/such/scenario.yaml: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_refuses_a_malformed_scenario_the_same_way() -> None:
    path = MALFORMED / "10-unknown-category.yaml"
    result = drillsim("run", str(path))
    assert result.returncode == 2
    assert f"{path}:6: injects[0].category: unknown category 'public_helth'" in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout


def test_every_problem_of_a_file_is_reported_not_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text('name: many\nplan: builtin\nhorizn: 1d\nreplications: lots\nstaffing:\n  office: {staff: -1}\n'
                    'injects:\n  - {at: "01:00", category: fier, level: II}\n'
                    '  - {at: "8d 01:00", category: natural_disasters, example: fire, level: I}\n', encoding="utf-8")
    result = drillsim("validate", str(path))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any(text.startswith(f"{path}:3: horizn: unknown field 'horizn'; did you mean 'horizon'") for text in lines)
    assert any(text.startswith(f"{path}:4: replications: ") for text in lines)
    assert any(text.startswith(f"{path}:6: staffing.office.staff: ") for text in lines)
    assert any(text.startswith(f"{path}:8: injects[0].category: unknown category 'fier'") for text in lines)
    # Cross-references are checked in the same pass: the horizon (the plan's 7d, as `horizn` is unknown), examples.
    assert any(text.startswith(f"{path}:9: injects[1].at: 8d 01:00 is outside the horizon") for text in lines)
    assert any(text.startswith(f"{path}:9: injects[1].example: unknown example") for text in lines)
    assert len(lines) == 6
