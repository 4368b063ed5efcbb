"""Issue 7's figures in one command: ``python benchmarks/run.py`` (full) or ``--quick``.

Each figure is measured pair by pair, interleaved (the order of the pair
alternates from one repeat to the next), as the median over repeats, and
printed as a ratio or value against the issue's target, PASS or FAIL:

- drillsim full chain / reference_chain.py on benchmarks/chain.yaml, the same
  incidents; the milestones of both models are compared on every timed pair
  and must be identical, or the run stops.
- drillsim tandem / Ciw tandem and / bare SimPy tandem (benchmarks/tandem*.py),
  after a check that all three agree with Jackson-network theory.
- 200 replications, ``--jobs 2`` / ``--jobs 1``, wall time of the command: a week of
  the benchmark chain each with ``--keep summary``, and the baseline with every record.
- peak memory of one long summary-only replication, in a fresh process
  (memory_probe.py): 1 million incidents, and 10x against 1x the horizon.
- ``drillsim --help`` and ``drillsim run scenarios/baseline-week.yaml``, wall time.

In-process pairs are timed in CPU seconds of this process (``time.process_time``):
they are single-threaded, and CPU time is far less disturbed than wall time when
other work shares the machine. Commands are timed in wall seconds. The load
average is printed before and after so a reader can judge the noise.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reference_chain
import simpy
import tandem_ciw
import tandem_drillsim
import tandem_simpy
from tandem_theory import batch_means, mean_time_in_system

from drillsim.model import Chain, incidents_of, simulate
from drillsim.scenario import load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline-week.yaml"
DAY = 86400


@dataclass(frozen=True)
class Sizes:
    repeats: int
    chain_days: int
    tandem_days: int
    sanity_days: int
    sanity_tolerance: float
    memory_incidents: int
    command_repeats: int


QUICK = Sizes(repeats=5, chain_days=10, tandem_days=20, sanity_days=400, sanity_tolerance=0.05,
              memory_incidents=10_000, command_repeats=1)
FULL = Sizes(repeats=9, chain_days=30, tandem_days=100, sanity_days=2000, sanity_tolerance=0.03,
             memory_incidents=100_000, command_repeats=3)
MILLION = 1_000_000


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    value: float | None
    target: str
    verdict: str
    note: str = ""


# --- timing ----------------------------------------------------------------------------


def cpu_time(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.process_time()
    result = fn()
    return time.process_time() - started, result


def interleaved(contenders: dict[str, Callable[[], Any]], repeats: int,
                check: Callable[[dict[str, Any]], None] | None = None) -> dict[str, float]:
    """Median CPU seconds of each contender; the order rotates each repeat; `check` sees every round's results."""
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        results = {}
        for name in names[i % len(names):] + names[:i % len(names)]:
            seconds, results[name] = cpu_time(contenders[name])
            times[name].append(seconds)
        if check is not None:
            check(results)
        del results
    return {name: statistics.median(values) for name, values in times.items()}


@dataclass(frozen=True)
class Command:
    """Median wall seconds of a command and the CPU seconds it and its children used; or its error."""

    wall: float | None
    cpu: float | None
    error: str = ""

    def text(self, what: str = "") -> str:
        if self.wall is None:
            return f"error: {self.error}"
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU{what}"


def wall_time(command: list[str], repeats: int) -> Command:
    """Run a command `repeats` times; a failure stops at once with its last line of stderr."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
            return Command(None, None, lines[-1])
    return Command(statistics.median(walls), statistics.median(cpus))


def drillsim_command() -> list[str]:
    script = Path(sys.executable).with_name("drillsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "drillsim"]


def verdict(value: float | None, limit: float, *, strict: bool = False) -> str:
    if value is None:
        return "ERROR"
    return "PASS" if (value < limit if strict else value <= limit) else "FAIL"


# --- the figures -----------------------------------------------------------------------


def chain_rows(sizes: Sizes) -> list[Row]:
    """drillsim's whole replication and its model alone against the hand-written reference.

    Each contender returns only the milestones (drillsim's records are dropped
    as soon as they are read), so that neither is timed while the other's
    objects are alive for the garbage collector to walk through.
    """
    scenario = load(HERE / "chain.yaml").model_copy(update={"horizon": sizes.chain_days * DAY})
    seed = scenario.seed

    def same(results: dict[str, Any]) -> None:
        diff = reference_chain.differences(results["reference"], results["drillsim"])
        if diff:
            raise SystemExit("reference_chain.py and drillsim disagree:\n  " + "\n  ".join(diff))

    def drillsim_full() -> dict[int, dict[str, int]]:
        return {record.incident: record.milestones for record in simulate(scenario, seed, 0).incidents}

    full = interleaved({"drillsim": drillsim_full,
                        "reference": lambda: reference_chain.run(scenario, seed, 0)}, sizes.repeats, same)

    generation = interleaved({"incidents_of": lambda: incidents_of(scenario, seed, 0)}, sizes.repeats)
    incidents = incidents_of(scenario, seed, 0)

    def drillsim_model() -> dict[int, dict[str, int]]:
        env = simpy.Environment()
        chain = Chain(env, scenario, 0)
        env.process(chain.feed(incidents))
        env.run(until=scenario.horizon)
        return {record.incident: record.milestones for record in chain.incidents}

    model = interleaved({"drillsim": drillsim_model,
                         "reference": lambda: reference_chain.run(scenario, seed, 0, incidents)}, sizes.repeats,
                        same)
    n = len(incidents)
    return [
        Row("drillsim full chain / reference_chain.py, same incidents",
            f"{full['drillsim']:.3f} s / {full['reference']:.3f} s ({n} incidents, milestones identical)",
            full["drillsim"] / full["reference"], "<= 1.3", verdict(full["drillsim"] / full["reference"], 1.3)),
        Row("  model only (incidents pre-drawn, no verdicts)",
            f"{model['drillsim']:.3f} s / {model['reference']:.3f} s; incidents_of {generation['incidents_of']:.3f} s",
            model["drillsim"] / model["reference"], "<= 1.3", verdict(model["drillsim"] / model["reference"], 1.3)),
    ]


def tandem_sanity(sizes: Sizes) -> list[str]:
    """Mean time in system of the three implementations against Jackson-network theory."""
    hours = sizes.sanity_days * 24
    theory = mean_time_in_system()
    lines = [f"tandem check, {sizes.sanity_days} days ({hours} h), first 2 % as warm-up: "
             f"Jackson theory W = {theory:.4f} h ({theory * 60:.2f} min)"]
    runs = {"drillsim": lambda: tandem_drillsim.simulate(tandem_drillsim.scenario(hours), 1),
            "Ciw": lambda: tandem_ciw.simulate(hours, 1),
            "bare SimPy": lambda: tandem_simpy.simulate(hours, 1)}
    for name, run in runs.items():
        times = run()
        mean, half, n = batch_means([a for a, _ in times], [d - a for a, d in times], hours * 0.02)
        error = mean / theory - 1
        ok = abs(error) <= sizes.sanity_tolerance
        lines.append(f"  {name:<10} W = {mean:.4f} h +- {half:.4f} (95 %, batch means), {n} customers, "
                     f"{error:+.1%} from theory: {'agrees' if ok else 'DISAGREES'} "
                     f"(tolerance {sizes.sanity_tolerance:.0%})")
        if not ok:
            raise SystemExit("\n".join(lines))
    return lines


def same_customers(results: dict[str, Any]) -> None:
    if sorted(results["drillsim"]) != sorted(results["streaming"]):  # streamed in the order customers leave
        raise SystemExit("drillsim's tandem gives other customers when its records are handed over and dropped")


def tandem_rows(sizes: Sizes) -> list[Row]:
    hours = sizes.tandem_days * 24
    scenario = tandem_drillsim.scenario(hours)
    median = interleaved({"drillsim": lambda: tandem_drillsim.simulate(scenario, 1),
                          "streaming": lambda: tandem_drillsim.simulate_streaming(scenario, 1),
                          "Ciw": lambda: tandem_ciw.simulate(hours, 1),
                          "SimPy": lambda: tandem_simpy.simulate(hours, 1)}, sizes.repeats, same_customers)
    vs_ciw = median["drillsim"] / median["Ciw"]
    vs_simpy = median["drillsim"] / median["SimPy"]
    streaming = median["streaming"]
    return [
        Row("drillsim tandem / Ciw tandem", f"{median['drillsim']:.3f} s / {median['Ciw']:.3f} s "
            f"({sizes.tandem_days} days, ~{round(6 * hours)} customers)", vs_ciw, "<= 0.5", verdict(vs_ciw, 0.5)),
        Row("drillsim tandem / bare SimPy tandem", f"{median['drillsim']:.3f} s / {median['SimPy']:.3f} s",
            vs_simpy, "<= 1.3", verdict(vs_simpy, 1.3)),
        Row("  the same, records handed over and dropped (as --keep summary), / bare SimPy",
            f"{streaming:.3f} s; {streaming / median['Ciw']:.2f} of Ciw", streaming / median["SimPy"], "(detail)", ""),
    ]


def jobs_ratio(command: list[str], repeats: int) -> tuple[dict[int, float], dict[int, float]] | Command:
    """Median wall and CPU seconds of a command with --jobs 1 and --jobs 2, interleaved; or the failure."""
    times: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    for i in range(repeats):
        for jobs in ((1, 2) if i % 2 == 0 else (2, 1)):
            done = wall_time([*command, "--jobs", str(jobs)], 1)
            if done.wall is None or done.cpu is None:
                return done
            times[jobs].append(done.wall)
            cpu[jobs].append(done.cpu)
    return ({jobs: statistics.median(v) for jobs, v in times.items()},
            {jobs: statistics.median(v) for jobs, v in cpu.items()})


def parallel_rows(sizes: Sizes) -> list[Row]:
    """200 replications with 2 jobs and with 1: where replications dominate, and the planner's baseline.

    The first, the target's, is an analyst's run: 200 replications of a week
    of the benchmark chain, keeping running totals. The second, a detail, is
    `drillsim run` of the baseline with every record, where each replication
    takes about 4 ms and the parent's serial work (start-up, imports, the
    bottleneck analysis) is most of the command: Amdahl's law bounds its
    ratio at about 0.8, whatever the replications cost.
    """
    with tempfile.TemporaryDirectory(prefix="drillsim-bench-") as tmp:
        week = Path(tmp) / "chain-week.yaml"
        text = (HERE / "chain.yaml").read_text(encoding="utf-8")
        week.write_text(re.sub(r"(?m)^horizon: .*$", "horizon: 7d", text), encoding="utf-8")
        return [_jobs_row("200 replications, --jobs 2 / --jobs 1 wall time",
                          [*drillsim_command(), "run", str(week), "-n", "200", "--keep", "summary", "-q"],
                          "chain, a week each, --keep summary", sizes, target=True),
                _jobs_row("  the same, baseline week, every record (bounded by Amdahl's law)",
                          [*drillsim_command(), "run", str(BASELINE), "-n", "200", "-q"],
                          "drillsim run, baseline", sizes, target=False)]


def _jobs_row(figure: str, command: list[str], what: str, sizes: Sizes, *, target: bool) -> Row:
    done = jobs_ratio(command, sizes.command_repeats)
    if isinstance(done, Command):
        return Row(figure, done.text(), None, "<= 0.56", "ERROR")
    wall, cpu = done
    ratio = wall[2] / wall[1]
    measured = f"{wall[2]:.2f} s / {wall[1]:.2f} s wall; CPU {cpu[2]:.2f} s / {cpu[1]:.2f} s ({what})"
    if not target:
        return Row(figure, measured, ratio, "(detail)", "")
    return Row(figure, measured, ratio, "<= 0.56", verdict(ratio, 0.56))


def probe(incidents: int, keep: str = "all") -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(HERE / "memory_probe.py"), str(incidents), "--keep", keep],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"error": (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]}
    return dict(json.loads(lines[-1]))


def memory_rows(sizes: Sizes) -> list[Row]:
    """Summary-only runs of the benchmark chain at N and 10 N incidents (N = 100,000 in the full run)."""
    n = sizes.memory_incidents
    one, ten, full = probe(n, "summary"), probe(10 * n, "summary"), probe(n, "all")
    failed = next((p["error"] for p in (one, ten, full) if "error" in p), None)
    if failed is not None:
        return [Row("peak memory of a summary-only run", f"error: {failed}", None, "< 300 MB", "ERROR")]
    million = ten["peak_rss_mb"] if 10 * n == MILLION else None
    ratio = ten["peak_rss_mb"] / one["peak_rss_mb"]
    grown = (full["peak_rss_mb"] - full["rss_after_imports_mb"]) / full["incidents"]
    return [
        Row("peak memory of a summary-only run of 1 million incidents",
            f"{million:.0f} MB peak RSS ({ten['incidents']} incidents, {ten['seconds']:.0f} s)" if million
            else "measured in the full run only", million, "< 300 MB",
            verdict(million, 300, strict=True) if million else "N/A"),
        Row("peak memory at 10x horizon / 1x (summary only)",
            f"{ten['peak_rss_mb']:.0f} MB / {one['peak_rss_mb']:.0f} MB "
            f"({ten['incidents']} / {one['incidents']} incidents, peak RSS)", ratio, "<= 1.5", verdict(ratio, 1.5)),
        Row("  every record kept, at 1x (detail)",
            f"{full['peak_rss_mb']:.0f} MB ({full['incidents']} incidents; {grown * 1024:.1f} kB per incident)",
            None, "(detail)", ""),
    ]


def command_rows(sizes: Sizes) -> list[Row]:
    help_run = wall_time([*drillsim_command(), "--help"], 5)
    baseline = wall_time([*drillsim_command(), "run", str(BASELINE)], sizes.command_repeats)
    return [
        Row("drillsim --help wall time", help_run.text(" (median of 5)"), help_run.wall, "< 0.5 s",
            verdict(help_run.wall, 0.5, strict=True)),
        Row("drillsim run scenarios/baseline-week.yaml wall time",
            baseline.text(f" (median of {sizes.command_repeats})"), baseline.wall, "< 10 s",
            verdict(baseline.wall, 10, strict=True)),
    ]


# --- the table -------------------------------------------------------------------------


def render(rows: list[Row]) -> str:
    """The table, one row per figure; a row's note becomes a numbered footnote under it."""
    head = ("figure", "measured", "value", "target", "verdict")
    cells: list[tuple[str, ...]] = []
    notes: list[str] = []
    for row in rows:
        measured = row.measured
        if row.note:
            notes.append(f"[{len(notes) + 1}] {row.note}")
            measured += f" [{len(notes)}]"
        cells.append((row.figure, measured, "-" if row.value is None else f"{row.value:.2f}", row.target, row.verdict))
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]

    def line(c: tuple[str, ...]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip()

    table = [line(head), "-+-".join("-" * w for w in widths), *map(line, cells)]
    return "\n".join([*table, "", *notes] if notes else table)


def main() -> int:
    parser = argparse.ArgumentParser(description="Measure issue 7's figures against their targets.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (about 2 minutes)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    load_at_start = os.getloadavg()[0]
    print(f"drillsim benchmarks ({'quick' if args.quick else 'full'}): Python {platform.python_version()}, "
          f"SimPy {simpy.__version__}, {os.cpu_count()} CPUs, load average {load_at_start:.2f} at start")
    started = time.perf_counter()
    for line in tandem_sanity(sizes):
        print(line)
    rows: list[Row] = []
    for section in (chain_rows, tandem_rows, parallel_rows, memory_rows, command_rows):
        rows.extend(section(sizes))
    print()
    print(render(rows))
    load_now = os.getloadavg()[0]
    print(f"\n{time.perf_counter() - started:.0f} s in all; load average {load_now:.2f} at the end. "
          "In-process ratios are CPU seconds, commands wall seconds; medians of "
          f"{sizes.repeats} interleaved repeats.")
    if max(load_at_start, load_now) > (os.cpu_count() or 1):
        print("warning: other work kept the CPUs busy (load average above the CPU count): the wall-time rows "
              "(--jobs, --help, drillsim run) measure the contention as much as drillsim; see their CPU seconds.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
