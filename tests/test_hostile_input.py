"""Hostile input ends in one line naming what is wrong, exit 2, at once, never a hang, a blow-up or a traceback.

Special files given as a scenario or a plan, numbers too large for what they
count (in a file or on the command line), YAML beyond any scenario (aliases,
nesting, sheer size), and the README's analyst example, which must run.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import drillsim
from drillsim import api, limits
from drillsim.cli import main
from drillsim.experiment.sweeps import grid
from drillsim.files import MAX_INPUT_BYTES
from drillsim.scenario import ScenarioError, loads, yamlsource
from drillsim.scenario.errors import DrillsimError
from drillsim.scenario.units import DAY, UnitError, parse_duration, parse_offset
from tests.helpers import ROOT
from tests.helpers import drillsim as command

NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads("name: m\nplan: builtin\n" + text, "m.yaml")
    return [str(problem) for problem in caught.value.problems]


# --- special files as a scenario or a plan ---------------------------------------------


@pytest.fixture
def special(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Each kind of file that is no scenario, and the words that refuse it."""
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it to read would wait forever
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as out:  # sparse: over the cap without writing 16 MiB
        out.truncate(MAX_INPUT_BYTES + 1)
    return {"fifo": (fifo, "is not a regular file"), "device": (Path("/dev/zero"), "is not a regular file"),
            "directory": (folder, "is a directory; expected a file"),
            "over the size cap": (huge, "is larger than the limit of 16 MiB")}


@pytest.mark.parametrize("kind", ["fifo", "device", "directory", "over the size cap"])
@pytest.mark.parametrize("verb", ["validate", "run"])
def test_a_special_file_as_the_scenario_is_refused_at_once(special: dict[str, tuple[Path, str]], kind: str,
                                                           verb: str) -> None:
    path, words = special[kind]
    started = time.monotonic()
    result = command(verb, str(path), timeout=30)
    assert time.monotonic() - started < 10
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}: {words}")


@pytest.mark.parametrize("kind", ["fifo", "device", "directory", "over the size cap"])
@pytest.mark.parametrize("key", ["plan", "extends"])
def test_a_special_file_named_by_the_scenario_is_refused_at_its_line(special: dict[str, tuple[Path, str]],
                                                                     tmp_path: Path, kind: str, key: str) -> None:
    path, words = special[kind]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"name: uses a special file\n{key}: {path}\n", encoding="utf-8")
    result = command("validate", str(scenario), timeout=30)  # a process: a FIFO read in this one would hang it
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{scenario}:2: {key}: the ")
    assert f"cannot be used: {path}: {words}" in line


# --- numbers too large for what they count ----------------------------------------------


@pytest.mark.parametrize(("text", "where", "limit"), [
    ("replications: 100001\n", "m.yaml:3: replications: 100001", "100000"),
    ("seed: 18446744073709551616\n", "m.yaml:3: seed: 18446744073709551616", str(limits.MAX_SEED)),
    ("staffing:\n  office: {staff: 1000000}\n", "m.yaml:4: staffing.office.staff: 1000000", "10000"),
    ('staffing:\n  office:\n    shifts: [{from: "22:00", to: "07:00", staff: 99999}]\n',
     "m.yaml:5: staffing.office.shifts[0].staff: 99999", "10000"),
    ('staffing:\n  office:\n    absences: [{from: "1d 08:00", to: "2d 08:00", staff: 99999}]\n',
     "m.yaml:5: staffing.office.absences[0].staff: 99999", "10000"),
    ("staffing:\n  grid_worker:\n    grids:\n      grid_1: {staff: 99999}\n",
     "m.yaml:6: staffing.grid_worker.grids.grid_1.staff: 99999", "10000"),
    ("changes:\n  mean_count: {II: 1e300}\n", "m.yaml:4: changes.mean_count.II: 1e+300", "100"),
    ("costs:\n  staff_hour: {office: 1e300}\n", "m.yaml:4: costs.staff_hour.office: 1e+300", "1e+09"),
    ('durations:\n  verify: {dist: constant, value: 5m, time_of_day: [{from: "00:00", to: "07:00", '
     'factor: 1e9}]}\n', "m.yaml:4: durations.verify.time_of_day[0].factor: 1e+09", "1000"),
])
def test_a_number_beyond_what_a_run_can_do_is_refused_with_its_bound(text: str, where: str, limit: str) -> None:
    [problem] = problems(text)
    assert problem.startswith(f"{where} is more than {limit}, the most drillsim accepts (")
    assert problem.endswith(f"); expected at most {limit}")


def test_the_largest_numbers_accepted_still_validate() -> None:
    loads("name: m\nplan: builtin\nreplications: 100000\nseed: 9223372036854775807\n"
          "staffing:\n  office: {staff: 10000}\n", "m.yaml")


def test_a_step_taking_more_people_than_anyone_has_is_refused() -> None:
    scenario = drillsim.load(NIGHT)
    step = next(i for i, s in enumerate(scenario.flow) if s.actor == "office")
    with pytest.raises(ScenarioError, match="is more than 10000, the most drillsim accepts"):
        scenario.replace({f"flow[{step}].units": {"II": 10**9}})


def test_a_number_python_cannot_read_is_a_problem_at_its_line() -> None:
    assert problems("replications: " + "9" * 5000 + "\n") == [
        "m.yaml:3: replications: a number of 5000 digits is more than drillsim reads; expected a number of at "
        "most 4300 digits"]


@pytest.mark.parametrize(("text", "shown"), [
    ("horizon: 36500d\nsources:\n  - {name: s, rate_per_day: 100, categories: {accidents_disasters: 1}, "
     "levels: {IV: 1}}\n", "about 3.65e+06"),
    ("sources:\n  - {name: s, rate_per_day: 1e308, categories: {accidents_disasters: 1}, levels: {IV: 1}, "
     'time_of_day: [{from: "00:00", to: "07:00", factor: 1000}]}\n', "more than 1e308"),
])
def test_streams_bringing_more_incidents_than_a_run_holds_are_refused(text: str, shown: str) -> None:
    [problem] = problems(text)
    assert problem.startswith(f"m.yaml:{5 if 'horizon' in text else 4}: sources[0].rate_per_day: the incident "
                              f"streams bring {shown} incidents a replication")
    assert "more than 2000000, the most drillsim accepts" in problem


def test_a_sweep_range_of_a_trillion_is_refused_before_it_is_built() -> None:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["sweep", str(NIGHT), "--vary", "staffing.office.staff=1..1000000000000"])
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    assert "the range has 1000000000000 values, more than 10000, the most combinations a sweep runs" \
        in result.output


def test_a_grid_of_too_many_combinations_is_refused_before_any_is_validated() -> None:
    scenario = drillsim.load(NIGHT)
    with pytest.raises(DrillsimError, match=r"1000000000000 x 1 values make 1000000000000 combinations, more "
                                            r"than 10000"):
        grid(scenario, {"staffing.office.staff": range(1, 10**12 + 1), "load": [1]})


@pytest.mark.parametrize(("load", "words"), [
    (1e300, "the incident streams at load 1e+300 bring about"),
    ("lots", "load 'lots': a load factor must be a finite number greater than 0"),
])
def test_a_load_that_cannot_be_run_is_refused(load: Any, words: str) -> None:
    with pytest.raises(DrillsimError, match=re.escape(words)):
        grid(drillsim.load(NIGHT), {"load": [1, load]})


@pytest.mark.parametrize("args", [
    ["run", str(NIGHT), "-n", "100001"], ["run", str(NIGHT), "--jobs", "100000"],
    ["run", str(NIGHT), "--seed", str(2**64)], ["run", str(NIGHT), "--precision", "0.1", "--max-replications",
                                                 "1000000"],
    ["sweep", str(NIGHT), "--vary", "load=1", "-n", "1000000"], ["compare", str(NIGHT), str(NIGHT), "--jobs", "999"],
    ["exercise", "evaluate", str(NIGHT), "log.csv", "-n", "1000000"],
    ["exercise", "msel", str(NIGHT), "--seed", str(2**64)],
])
def test_a_command_line_number_beyond_its_bound_is_refused_before_anything_runs(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert re.search(r"is not in the range \d+<=x<=\d+", result.output), result.output
    assert len(result.output.splitlines()) == 1, result.output


@pytest.mark.parametrize(("args", "says"), [
    (["run", str(NIGHT), "--nope"], "drillsim run: No such option '--nope'; see 'drillsim run --help'"),
    (["frob"], "drillsim: No such command 'frob'; see 'drillsim --help'"),
    (["exercise", "msel"], "drillsim exercise msel: Missing argument 'SCENARIO'; see 'drillsim exercise msel --help'"),
    (["run", str(NIGHT), "-n", "ten"], "drillsim run: Invalid value for '-n' / '--replications': 'ten' is not a "
                                       "valid integer range; see 'drillsim run --help'"),
], ids=["option", "command", "argument", "value"])
def test_a_usage_error_is_one_line_naming_the_command_exit_2(args: list[str], says: str) -> None:
    """click's own report is four lines (usage, hint, blank, error); drillsim's every other error is one."""
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.output) == (2, says + "\n")


def test_help_and_version_still_exit_0_and_no_arguments_still_show_the_help() -> None:
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0
    assert CliRunner().invoke(main, ["run", "--help"]).output.startswith("Usage: drillsim run [OPTIONS] SCENARIO")
    bare = CliRunner().invoke(main, [])
    assert bare.exit_code == 2 and bare.output.startswith("Usage: drillsim [OPTIONS] COMMAND")


# --- YAML beyond any scenario -----------------------------------------------------------


def test_a_large_document_without_aliases_is_read_on_its_merits() -> None:
    """Formerly refused as 'aliases too deep?' past 200,000 values."""
    text = "name: m\nsamples: [" + ", ".join(["1m"] * 250_000) + "]\n"
    value, _, found = yamlsource.parse_yaml(text, "m.yaml")
    assert found == [] and len(value["samples"]) == 250_000


def test_a_document_writing_more_values_than_the_limit_says_the_limit_and_the_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "_MAX_VALUES", 100)
    text = "name: m\nsamples:\n" + "".join(f"  - {i}m\n" for i in range(1, 200))
    _, _, [problem] = yamlsource.parse_yaml(text, "m.yaml")
    assert (problem.line, problem.path) == (100, ("samples",))
    assert problem.message.startswith("the document writes more than 100 values, the most drillsim reads")
    assert "alias" not in problem.message


def test_an_alias_bomb_is_refused_at_the_alias_that_crosses_the_limit() -> None:
    text = "a: &a [" + ", ".join(["lol"] * 10) + "]\n" + "".join(
        f"{x}: &{x} [{', '.join([f'*{y}'] * 10)}]\n" for y, x in zip("abcdefgh", "bcdefghi", strict=True))
    started = time.monotonic()
    _, _, [problem] = yamlsource.parse_yaml(text, "m.yaml")
    assert time.monotonic() - started < 2
    assert str(problem) == ("m.yaml:5: e: aliases expand the document by more than 100000 values, the most "
                            "drillsim reads; write fewer aliases of large values")


def test_aliases_keep_working_and_keep_their_lines() -> None:
    text = "name: m\nbase: &shift {from: '22:00', to: '07:00', staff: 1}\nshifts:\n  - *shift\n  - *shift\n"
    value, where, found = yamlsource.parse_yaml(text, "m.yaml")
    assert found == []
    assert value["shifts"] == [value["base"], value["base"]] and value["shifts"][0] is not value["shifts"][1]
    assert where.lines[("shifts", 1, "staff")] == 2


@pytest.mark.parametrize(("text", "problem"), [
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)) + "  " * 80 + "v: 1\n",
     "m.yaml:52: a: the document nests lists and mappings more than 50 deep"),
    ("a: &a [1]\nb: &b [*a]\n" + "".join(f"c{i}: &c{i} [*{'b' if i == 0 else f'c{i - 1}'}]\n" for i in range(60)),
     "m.yaml:50: c47: the document nests lists and mappings more than 50 deep"),
    ("a: &a [*a]\n", "m.yaml:1: a[0]: YAML syntax error: the alias *a refers to the value it is part of"),
    ("a: *nowhere\n", "m.yaml:1: a: YAML syntax error: the alias *nowhere refers to no anchor defined before it"),
])
def test_nesting_and_broken_aliases_are_refused_at_their_line(text: str, problem: str) -> None:
    _, _, [found] = yamlsource.parse_yaml(text, "m.yaml")
    assert str(found).startswith(problem)


def test_a_syntax_error_in_a_large_document_is_explained_in_one_fast_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past 1 MiB, libyaml's own message: PyYAML's pure-Python parser would take minutes over 16 MiB."""
    monkeypatch.setattr(yamlsource, "_EXPLAINED", 10)
    _, _, [problem] = yamlsource.parse_yaml("name: m\ninjects:\n  - {at: [unclosed\n", "m.yaml")
    assert (problem.line, problem.path) == (4, ("injects", 0, "at", 0))
    assert problem.message.startswith("YAML syntax error: did not find expected ',' or ']'")


# --- years, and the README's analyst example ---------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    ("10y", 3650 * DAY), ("1y", 365 * DAY), ("1.5y", 547 * DAY + DAY // 2), ("1y 2d 3h", (367 * DAY) + 3 * 3600),
    ("100y", 36500 * DAY),
])
def test_a_year_is_365_days(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds
    assert parse_offset(text) == seconds


@pytest.mark.parametrize(("text", "words"), [
    ("101y", "is longer than 36500d"), ("10 years", "write 10y"), ("2yrs", "write 2y"),
    ("ten", "10y (a year is 365 days)"),
])
def test_a_bad_year_says_what_to_write(text: str, words: str) -> None:
    with pytest.raises(UnitError, match=re.escape(words)):
        parse_duration(text)


def _readme_python() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    analysts = readme.split("## For analysts", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", analysts, re.DOTALL)
    assert blocks, "the README's analyst section has a Python example"
    return "\n".join(blocks)


def test_the_readme_analyst_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call as written, each run cut to 2 replications of at most a week, so the test stays fast."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    week = 7 * DAY

    def short(value: Any) -> Any:
        return value.replace(horizon="7d") if getattr(value, "horizon", 0) > week else value

    def cut(call: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return call(*(short(a) for a in args), **{**kwargs, "replications": 2})
        return wrapper

    seen: list[int] = []
    original_replace = type(drillsim.load(NIGHT)).replace

    def replace(self: Any, changes: Any = None, /, **more: Any) -> Any:
        variant = original_replace(self, changes, **more)
        seen.append(variant.horizon)
        return variant

    for name in ("run", "compare", "sweep"):
        monkeypatch.setattr(api, name, cut(getattr(api, name)))
    monkeypatch.setattr(type(drillsim.load(NIGHT)), "replace", replace)
    exec(compile(_readme_python(), "README.md", "exec"), {})  # the README's own example, as written
    assert 3650 * DAY in seen  # horizon="10y" was read as ten years of 365 days
