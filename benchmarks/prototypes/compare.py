"""What the prototypes would buy: drillsim, the prototypes and the reference, timed side by side.

``python benchmarks/prototypes/compare.py [REPEATS]`` times one replication of
benchmarks/chain.yaml and of benchmarks/tandem.yaml (100 days) in CPU seconds,
interleaved, median of REPEATS (default 7): incident generation, the model
alone on pre-drawn incidents, and a whole replication, each as a ratio to the
hand-written reference (reference_chain.py; bare SimPy for the tandem). The
prototypes' records equal drillsim's (fast_chain.py and fast_incidents.py
check that); here only time is measured.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import fast_chain
import fast_incidents
import simpy

from drillsim.model import Chain, incidents_of, simulate
from drillsim.model.incidents import Incident
from drillsim.model.streams import Streams, replication_seed
from drillsim.scenario import Scenario, load

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import reference_chain  # noqa: E402
import tandem_simpy  # noqa: E402


def timed(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        for name in names[i % len(names):] + names[:i % len(names)]:
            gc.collect()
            started = time.process_time()
            contenders[name]()
            times[name].append(time.process_time() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def model(scenario: Scenario, incidents: list[Incident], **options: bool) -> None:
    env = simpy.Environment()
    chain = fast_chain.FastChain(env, scenario, 0, **options) if options else Chain(env, scenario, 0)
    env.process(chain.feed(incidents))
    env.run(until=scenario.horizon)


def fast_generate(scenario: Scenario, plan: fast_incidents.DrawPlan) -> list[Incident]:
    return fast_incidents.generate(scenario, Streams(replication_seed(scenario.seed, 0)), plan=plan)


def fast_replication(scenario: Scenario, plan: fast_incidents.DrawPlan, **options: bool) -> None:
    fast_chain.simulate_fast(scenario, scenario.seed, 0, fast_generate(scenario, plan), **options)


def report(title: str, median: dict[str, float], against: str) -> None:
    print(title)
    for name, seconds in median.items():
        print(f"  {name:46s} {seconds:7.3f} s   {seconds / median[against]:5.2f} x {against}")


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    scenario = load(HERE.parent / "chain.yaml")
    seed = scenario.seed
    plan = fast_incidents.DrawPlan(scenario)
    light = fast_incidents.DrawPlan(scenario, fast_incidents.LightDraw)
    incidents = incidents_of(scenario, seed, 0)
    light_incidents = fast_generate(scenario, light)
    print(f"benchmarks/chain.yaml, replication 0: {len(incidents)} incidents; CPU seconds, median of {repeats}")
    report("incident generation", timed({
        "drillsim incidents_of": partial(incidents_of, scenario, seed, 0),
        "prototype: lookups resolved once": partial(fast_generate, scenario, plan),
        "prototype: + NamedTuple draws": partial(fast_generate, scenario, light),
    }, repeats), "drillsim incidents_of")
    report("model alone, pre-drawn incidents", timed({
        "drillsim Chain": partial(model, scenario, incidents),
        "FastChain: lookups": partial(model, scenario, incidents, skip=False, inline=False),
        "FastChain: lookups + skip": partial(model, scenario, incidents, skip=True, inline=False),
        "FastChain: lookups + skip + inline": partial(model, scenario, light_incidents, skip=True, inline=True),
        "FastChain: lookups + skip + inline + grant": partial(model, scenario, light_incidents, skip=True,
                                                               inline=True, grant=True),
        "reference_chain.py": partial(reference_chain.run, scenario, seed, 0, incidents),
    }, repeats), "reference_chain.py")
    report("whole replication", timed({
        "drillsim simulate": partial(simulate, scenario, seed, 0),
        "prototypes (generation + FastChain + verdicts)": partial(fast_replication, scenario, light),
        "prototypes, with grant": partial(fast_replication, scenario, light, grant=True),
        "reference_chain.py (drillsim's incidents_of)": partial(reference_chain.run, scenario, seed, 0),
        "reference_chain.py (prototype generation)": lambda: reference_chain.run(
            scenario, seed, 0, fast_generate(scenario, light)),
    }, repeats), "reference_chain.py (drillsim's incidents_of)")
    tandem = load(HERE.parent / "tandem.yaml")
    tandem_light = fast_incidents.DrawPlan(tandem, fast_incidents.LightDraw)
    report(f"tandem, {tandem.horizon // 86400} days, whole replication", timed({
        "drillsim simulate": partial(simulate, tandem, tandem.seed, 0),
        "prototypes": lambda: fast_chain.simulate_fast(tandem, tandem.seed, 0, fast_incidents.generate(
            tandem, Streams(replication_seed(tandem.seed, 0)), plan=tandem_light)),
        "prototypes, with grant": lambda: fast_chain.simulate_fast(tandem, tandem.seed, 0, fast_incidents.generate(
            tandem, Streams(replication_seed(tandem.seed, 0)), plan=tandem_light), grant=True),
        "bare SimPy": partial(tandem_simpy.simulate, tandem.horizon / 3600, 1),
    }, repeats), "bare SimPy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
