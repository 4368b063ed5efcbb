"""Mutation testing of one module against its own fast tests: which of its behaviours no test pins.

mutmut (configured in pyproject.toml) changes one thing at a time in a
module's functions (a `<` for a `<=`, a constant, a dropped argument) and
runs the tests that call the function; a mutant that no test notices is a
behaviour nothing pins, so a redesign could change it unseen. Running the
whole suite per mutant would take hours, so each module here names the fast
tests meant to pin it, and mutants that change nothing any caller can observe
(listed with why in EQUIVALENT and the README's testing notes) are not
counted against it. The score is killed / (mutants - equivalent); below 95 %
the command fails.

    .venv/bin/python benchmarks/mutation.py crew     # or clocks, stats, flow, draws

One module takes a minute or two on one core (`--max-children 1`, niced:
the machine is shared). Each surviving mutant is shown as a diff.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.95

# Module -> (source file, the fast tests that pin it).
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "crew": ("src/drillsim/model/crew.py", ("tests/test_model_crew.py", "tests/test_crew_claims.py")),
    "clocks": ("src/drillsim/model/clocks.py", ("tests/test_chain_cases.py", "tests/test_clock_rules.py")),
    "stats": ("src/drillsim/results/stats.py", (
        "tests/test_stats.py", "tests/test_stats_intervals.py",
        # Coverage studies of thousands of replications: minutes per mutant, and the exact tests pin the same code.
        "--deselect", "tests/test_stats.py::test_coverage_with_one_random_branch",
        "--deselect", "tests/test_stats.py::test_coverage_on_the_erlang_c_office")),
    "draws": ("src/drillsim/model/draws.py", ("tests/test_draws.py",)),
    "flow": ("src/drillsim/scenario/flow.py", ("tests/test_flow.py", "tests/test_flow_rules.py")),
}

# Mutants that change nothing a caller can observe: name -> why (the README's testing notes say the same).
EQUIVALENT: dict[str, str] = {
    "drillsim.model.crew.xǁCrewǁclaim__mutmut_7":
        "`units == 1 and False`: a one-person claim goes through _capped too, which gives one person back",
    **dict.fromkeys(("drillsim.model.clocks.xǁClocksǁverdicts__mutmut_35",
                     "drillsim.model.clocks.xǁClocksǁverdicts__mutmut_42"),
                    "the whole incident's key asked of the flow again instead of the one resolved once: the same key"),
    **dict.fromkeys((f"drillsim.results.stats.x_{name}" for name in (
        "clustered_wilson__mutmut_3", "clustered_wilson__mutmut_5", "clustered_wilson__mutmut_8",
        "clustered_wilson__mutmut_10", "ratio_difference__mutmut_4", "ratio_difference__mutmut_6",
        "ratio_interval__mutmut_3", "ratio_interval__mutmut_5", "ratio_interval__mutmut_7", "ratio_interval__mutmut_9",
        "ratio_variance__mutmut_12", "ratio_variance__mutmut_14", "ratio_variance__mutmut_16",
        "ratio_variance__mutmut_18", "t_interval__mutmut_3", "t_interval__mutmut_5")),
                    "`np.asarray(x)` without `dtype=float`: counts stay integers, and every sum, mean and "
                    "variance of them is the same float"),
    "drillsim.results.stats.x_clustered_wilson__mutmut_42":
        "`between < binomial`: where the two are equal, rate (1 - rate) / between is the total again",
    "drillsim.results.stats.x_clustered_wilson__mutmut_44":
        "`binomial == 1`: binomial is 0 only at a rate of 0 or 1, where every replication's error and so "
        "`between` are 0 too, and it is never 1 (at most 1 / (4 incidents))",
    "drillsim.results.stats.x_clustered_wilson__mutmut_57":
        "`(1 - confidence) / 2`: t changes sign, and only its square is used",
    "drillsim.results.stats.x_ratio_difference__mutmut_61":
        "`equal_var=None`: scipy tests `if equal_var`, so None is Welch's test as False is",
    **dict.fromkeys((f"drillsim.model.draws.xǁDurationDrawsǁ{name}" for name in (
        "__init____mutmut_16", "__init____mutmut_17", "__init____mutmut_26", "of__mutmut_2", "of__mutmut_3")),
                    "whole seconds not read ahead, or a variant resolved again on every call: the same numbers "
                    "more slowly (benchmarks/run.py measures the speed)"),
    "drillsim.scenario.flow.xǁFlowǁcycle__mutmut_17":
        "a finished step marked 3 instead of 2: only 1 and None are asked",
    "drillsim.scenario.flow.xǁFlowǁcycle__mutmut_18":
        "every step searched from again, finished or not: a finished step's search finds nothing new",
    "drillsim.scenario.flow.xǁFlowǁfollowing__mutmut_8": "`grew = None` before a pass: as falsy as False",
}

KILLED = {1, 3, 24, -24, 36, 152, 255}  # mutmut's exit codes for a failing test, pytest's internal error, a timeout


def run(module: str) -> int:
    """Mutate `module` afresh against its tests, print the score and the survivors; 0 if the score reaches 95 %."""
    path, tests = MODULES[module]
    os.chdir(ROOT)
    # mutmut copies a source file only if its copy is absent: a copy left from an earlier run would be mutated instead.
    shutil.rmtree("mutants", ignore_errors=True)
    # benchmarks/coverage.py would shadow the coverage package mutmut imports.
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "benchmarks"]
    from mutmut.__main__ import cli
    from mutmut.configuration import config

    settings = config()
    settings.only_mutate = [path]
    settings.pytest_add_cli_args_test_selection = list(tests)
    cli.main(["run", "--max-children", "1"], standalone_mode=False)
    codes = json.loads((ROOT / "mutants" / f"{path}.meta").read_text(encoding="utf-8"))["exit_code_by_key"]
    survivors = sorted(name for name, code in codes.items() if code not in KILLED)
    equivalent = [name for name in survivors if name in EQUIVALENT]
    counted = len(codes) - len(equivalent)
    killed = len(codes) - len(survivors)
    score = killed / counted if counted else 1.0
    print(f"\n{module} ({path}): {len(codes)} mutants, {killed} killed, {len(equivalent)} equivalent, "
          f"{len(survivors) - len(equivalent)} survived: {score:.1%} of non-equivalent mutants killed")
    for name in equivalent:
        print(f"  equivalent: {name}")
    for name in survivors:
        if name not in EQUIVALENT:
            cli.main(["show", name], standalone_mode=False)
    stale = sorted(set(EQUIVALENT) - set(equivalent))
    for name in stale:
        if name.startswith(f"{path[4:-3].replace('/', '.')}."):
            print(f"  listed as equivalent but killed or gone (the module changed: list it again): {name}")
    return 0 if score >= TARGET else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(MODULES))
    args = parser.parse_args(argv)
    os.nice(10)
    return run(args.module)


if __name__ == "__main__":
    sys.exit(main())
