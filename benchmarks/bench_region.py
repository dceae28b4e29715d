"""Solve a région with every lever under a time limit and print the model size, the proof and the time
of each phase (P8: Nouvelle-Aquitaine within 1 % in 60 s on 2 cores). Timings are printed, never asserted.

    python benchmarks/bench_region.py [instances/nouvelle_aquitaine ...] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("instances", nargs="*", default=[str(ROOT / "instances/nouvelle_aquitaine"),
                                                          str(ROOT / "instances/auvergne_rhone_alpes")])
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    for folder in args.instances:
        start = time.perf_counter()
        inst = load_instance(folder)
        result = solve(inst, Scenario(time_limit=args.time_limit))
        wall = time.perf_counter() - start
        print(f"{inst.name}: {len(inst.bassins)} bassins, {result.n_variables:,} variables "
              f"({result.n_integer:,} integer), {result.n_constraints:,} rows")
        print(f"  status {result.status}, unmet {result.objective:,.1f} FTE-years, bound {result.bound:,.1f}, "
              f"gap {result.gap:.3%}, violations {result.violations}, {wall:.1f} s wall (limit {args.time_limit:g})")
        for stage in result.stages:
            print(f"  - {stage.name}: {stage.status} in {stage.runtime_s:.1f} s ({stage.solver_status[:110]})")


if __name__ == "__main__":
    main()
