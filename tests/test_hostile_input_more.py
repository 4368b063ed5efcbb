"""More hostile input, found by a second attack: each refused in one line at its place, never a traceback.

NUL bytes (in a file's text, or in a path a scenario names), a plan that an
extending file names but cannot be used (blamed on the line that names it),
YAML's yes/no where a number or a yes/no is expected, and sweep factors that
would change nothing.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import drillsim
from drillsim.cli import main
from drillsim.experiment.sweeps import grid
from drillsim.files import UnreadableFile, read_text
from drillsim.scenario import ScenarioError, load, loads
from drillsim.scenario.errors import DrillsimError
from tests.helpers import ROOT
from tests.helpers import drillsim as command

EXAM = ROOT / "scenarios" / "exam-day-leak-and-fire.yaml"
NIGHT = ROOT / "scenarios" / "night-shift-one-grid-worker.yaml"
THREE = ROOT / "scenarios" / "three-level-ii-in-ten-minutes.yaml"


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


# --- YAML's yes/no where a number or a yes/no is expected ---------------------------------------


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        loads("name: m\nplan: builtin\n" + text, "m.yaml")
    return [str(problem) for problem in caught.value.problems]


_INJECT = "injects: [{at: '01:00', category: public_health, example: food_poisoning, level: II, "


@pytest.mark.parametrize(("text", "problem"), [
    ("replications: true\n", "m.yaml:3: replications: YAML reads true as a yes/no value; expected a number"),
    ("seed: no\n", "m.yaml:3: seed: YAML reads false as a yes/no value; expected a number"),
    ("staffing: {office: {staff: yes}}\n", "m.yaml:3: staffing.office.staff: YAML reads true as a yes/no value"),
    ("probabilities: {misjudged_level: true}\n", "m.yaml:3: probabilities.misjudged_level: YAML reads true as a "
                                                 "yes/no value"),
    ("sources: [{name: s, rate_per_day: on, categories: {public_health: 1}, levels: {II: 1}}]\n",
     "m.yaml:3: sources[0].rate_per_day: YAML reads true as a yes/no value"),
    (_INJECT + "command_post: 1}]\n", "m.yaml:3: injects[0].command_post: got 1; expected true or false"),
])
def test_a_yes_no_for_a_number_or_a_number_for_a_yes_no_is_refused(text: str, problem: str) -> None:
    """Formerly `replications: true` ran one replication and `staff: yes` put one person on duty, without a word."""
    assert [found[:len(problem)] for found in problems(text)] == [problem]


def test_yes_no_and_numbers_where_they_belong_still_load() -> None:
    scenario = loads("name: m\nplan: builtin\nhorizon: 1d\nreplications: 3\nseed: 0\n"
                     + _INJECT + "command_post: yes}]\n", "m.yaml")
    assert (scenario.replications, scenario.seed, scenario.injects[0].command_post) == (3, 0, True)


# --- a sweep factor that would change nothing -------------------------------------------------


@pytest.mark.parametrize(("scenario", "vary", "words"), [
    (NIGHT, {"load": [1, math.inf]}, "load inf: a load factor must be a finite number greater than 0"),
    (THREE, {"load": [1, 2]}, "vary 'load': the scenario has no incident streams (sources) for a load to multiply"),
    (NIGHT, {"seed": [1, 2]}, "vary 'seed': every combination runs with one seed and one count of replications"),
    (NIGHT, {"replications": [5, 10]}, "vary 'replications': every combination runs with one seed"),
    (NIGHT, {"staffing.office.staff": [1, 2, 1]}, "vary 'staffing.office.staff': the value 1 is given twice"),
])
def test_a_sweep_factor_that_would_change_nothing_is_refused(scenario: Path, vary: dict[str, list[Any]],
                                                              words: str) -> None:
    """Formerly each ran: load=inf on a scenario without streams, and seeds whose rows were identical while the
    header said the seeds made different incidents."""
    with pytest.raises(DrillsimError, match=re.escape(words)):
        grid(drillsim.load(scenario), vary)


def test_a_sweep_of_a_huge_range_is_refused_without_listing_it() -> None:
    with pytest.raises(DrillsimError, match="combinations, more than 10000"):
        grid(drillsim.load(NIGHT), {"staffing.office.staff": range(10**12)})


# --- one threshold per rule ---------------------------------------------------------------------


def test_a_rule_given_two_fail_under_rates_is_refused() -> None:
    """Formerly the last one silently won, and provenance recorded only it."""
    result = CliRunner().invoke(main, ["run", str(THREE), "-n", "2", "--fail-under", "grid_to_office=0.5",
                                       "--fail-under", "grid_to_office=0.9"])
    assert result.exit_code == 2
    assert result.output == ("--fail-under 'grid_to_office=0.9': grid_to_office is given a rate twice; expected "
                             "one --fail-under per rule\n")


def test_a_rule_given_two_sweep_targets_is_refused() -> None:
    with pytest.raises(DrillsimError, match=re.escape("target 'grid_to_office>=0.9': grid_to_office is given a "
                                                      "target twice")):
        drillsim.sweep(drillsim.load(THREE), {"staffing.office.staff": [1, 2]}, replications=2,
                       targets=["grid_to_office>=0.5", "grid_to_office>=0.9"])


# --- command-line numbers that cannot mean anything, and options that would change nothing -------------


@pytest.mark.parametrize("args", [
    ["run", str(THREE), "--precision", "nan"],
    ["exercise", "run", str(THREE), "--speed", "nan"],
    ["exercise", "run", str(THREE), "--speed", "inf"],
    ["exercise", "run", str(THREE), "--speed", "1e309"],
])
def test_a_float_option_that_is_not_finite_is_refused(args: list[str]) -> None:
    """Formerly nan passed click's bounds (every comparison with it is false): a traceback from the API for
    --precision, a drill clock that never moves for --speed."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1 and "is not a finite number; see 'drillsim " in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["-n", "30", "--precision", "0.1", "--max-replications", "20"],
     "-n 30 is more than --max-replications 20, so the first batch would be cut; expected -n at most the cap"),
    (["--timeline", "--precision", "0.1"],
     "--timeline tells one replication and --precision adds replications: give one of them"),
    (["-n", "2", "--max-replications", "20"],
     "--max-replications is the cap for --precision and changes nothing without it: give --precision H, or -n "
     "for a number of replications"),
])
def test_run_options_that_would_be_ignored_are_refused(args: list[str], message: str) -> None:
    """Formerly each was dropped without a word: -n cut to the cap, --precision ignored by --timeline, the cap
    ignored without --precision."""
    result = CliRunner().invoke(main, ["run", str(THREE), *args])
    assert (result.exit_code, result.output) == (2, message + "\n")


# --- a drill log's header ------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "message"), [
    ("when,incident,milestone", "unknown column 'when' (expected one of: change, elements, incident, level, "
                                "milestone, note, time); missing the column 'time' (the header is "
                                "time,incident,change,milestone,level,note)"),
    ("a,b,c,d,e", "unknown columns 'a', 'b', 'c' and 2 more, so not a drill log (expected one of: change, "
                  "elements, incident, level, milestone, note, time); missing the columns 'time', 'incident', "
                  "'milestone' (the header is time,incident,change,milestone,level,note)"),
    ("x" * 10_000 + ",time,incident,milestone", "unknown column '" + "x" * 37 + "...' (expected one of: "),
])
def test_a_wrong_header_is_one_problem(tmp_path: Path, header: str, message: str) -> None:
    """Formerly a problem per column: a run's incidents.csv given as the drill log was thirty lines."""
    log = tmp_path / "drill.csv"
    log.write_text(header + "\n09:30,leak,,occurred,,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["exercise", "evaluate", str(EXAM), str(log), "-n", "1"])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"{log}:1: header: {message}")


def test_a_run_directory_csv_as_the_drill_log_is_one_line(run_dir: Path) -> None:
    result = CliRunner().invoke(main, ["exercise", "evaluate", str(EXAM), str(run_dir / "incidents.csv"), "-n", "1"])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"{run_dir / 'incidents.csv'}:1: header: unknown columns ")


@pytest.mark.parametrize(("column", "row", "words"), [
    ("incident", "09:30,{},,occurred,,", "incident: unknown incident '{}...' (expected one of: "),
    ("milestone", "09:30,leak,,{},,", "milestone: unknown milestone '{}...' (expected one of: "),
    ("time", "{},leak,,occurred,,", "time: '{}...' is not a drill time"),
])
def test_a_huge_value_in_a_drill_log_is_shown_cut(tmp_path: Path, column: str, row: str, words: str) -> None:
    """Formerly the 200 kB value was echoed whole: one 'line' of 200 kB."""
    log = tmp_path / "drill.csv"
    log.write_text("time,incident,change,milestone,level,note\n" + row.format("q" * 200_000) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["exercise", "evaluate", str(EXAM), str(log), "-n", "1"])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"{log}:2: " + words.format("q" * 37)) and len(line) < 1000


def test_a_huge_unknown_name_in_a_scenario_is_shown_cut() -> None:
    [problem] = problems(_INJECT.replace("public_health", "c" * 100_000) + "}]\n")
    assert problem.startswith("m.yaml:3: injects[0].category: unknown category '" + "c" * 37 + "...' (expected")
    assert len(problem) < 400


# --- the facilitator's console ---------------------------------------------------------------------------


def test_the_console_without_a_terminal_is_refused(tmp_path: Path) -> None:
    """Formerly it redrew the screen forever into a pipe, reading no key: a hang at full CPU."""
    result = command("exercise", "run", str(THREE), "--log", str(tmp_path / "drill.csv"), timeout=30)
    assert result.returncode == 2
    assert result.stderr == ("the facilitator's console needs a terminal, and stdin or stdout is not one (a pipe or "
                             "a file); run it in a terminal\n")
    assert not (tmp_path / "drill.csv").exists()


def test_a_console_start_after_the_drill_ends_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["exercise", "run", str(THREE), "--start", "0d 24:00",
                                       "--log", str(tmp_path / "drill.csv")])
    assert (result.exit_code, result.output) == (2, "--start 1d 00:00 is outside the drill; expected a time before "
                                                    "it ends at 0d 12:00 (horizon 12h)\n")


# --- export cap options ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cap") / "run"
    assert CliRunner().invoke(main, ["run", str(EXAM), "-n", "2", "--out", str(out), "-q"]).exit_code == 0
    return out


@pytest.mark.parametrize(("option", "message"), [
    (["--epoch", "9999-12-31T23:59:59+00:00"], "--epoch 9999-12-31T23:59:59+00:00: the drill's times from it fall "
                                               "outside the years 1-9999"),
    (["--domain", "a@b"], "--domain 'a@b': not a domain name; expected one such as community.drill.invalid"),
    (["--domain", ""], "--domain '': not a domain name"),
    (["--replication", "5"], "--replication 5: the run has replications 0 to 1; expected one of them"),
])
def test_an_export_cap_option_that_cannot_be_used_is_refused(run_dir: Path, tmp_path: Path, option: list[str],
                                                             message: str) -> None:
    """Formerly a traceback (OverflowError), senders such as office@a@b, or no message at all and exit 0."""
    result = CliRunner().invoke(main, ["export", "cap", str(run_dir), "-o", str(tmp_path / "cap"), *option])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(message)
    assert not (tmp_path / "cap").exists()


# --- a sweep's point file of another shape --------------------------------------------------------------


@pytest.mark.parametrize("edit", [{"rules": 5, "cost": "x"}, {"rules": [{"rule": "first_report"}]},
                                  {"mean_waits": None}])
def test_a_resumed_point_of_another_shape_is_refused_at_its_file(tmp_path: Path, edit: dict[str, Any]) -> None:
    """Formerly a point with the right values and anything else was trusted: a TypeError traceback mid-table."""
    import json
    out = tmp_path / "sweep"
    args = ["sweep", str(NIGHT), "-n", "2", "--vary", "staffing.office.staff=1,2", "--out", str(out), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    point = out / "points" / "0000.json"
    point.write_text(json.dumps({**json.loads(point.read_text(encoding="utf-8")), **edit}), encoding="utf-8")
    result = CliRunner().invoke(main, [*args, "--resume"])
    assert (result.exit_code, result.output) == (2, f"{point}: not a point a sweep wrote (its point, cost, load, "
                                                    f"rules or mean waits are missing or of another type); delete "
                                                    f"it to run the point again\n")


@pytest.mark.parametrize("verb", [["report"], ["export", "cap"]])
def test_a_fifo_or_a_device_as_the_run_directory_is_named_as_such(tmp_path: Path, verb: list[str]) -> None:
    """Formerly click let them through (file_okay refuses only regular files): 'cannot be written: is a file'."""
    import os
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/null")):
        result = CliRunner().invoke(main, [*verb, str(path)])
        assert result.exit_code == 2
        command = "drillsim " + " ".join(verb)
        assert result.output == (f"{command}: Invalid value for 'RUN_DIR': '{path}' is not a directory (a FIFO, "
                                 f"device or socket); expected the folder `drillsim run --out` wrote; see "
                                 f"'{command} --help'\n")
