"""Benchmark: build and solve the Landes instance; print sizes, times, gaps and peak memory.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_solve.py [--repeat N] [--time-limit S]``).

Figures are printed in seconds and as a ratio to a reference measured in the same run (the LP
relaxation of stage 1 with every lever on), so runs on different machines can be compared. Nothing here
asserts a time: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpec.instance import load_instance  # noqa: E402
from gpec.models import LEVER_BUILDERS, build_model  # noqa: E402
from gpec.scenario import Scenario  # noqa: E402
from gpec.solve import solve  # noqa: E402
from gpec.solvers.highs import HighsBackend  # noqa: E402

P1_LEVERS = ("training", "apprenticeship")
P2_LEVERS = (*P1_LEVERS, "qvct", "vehicles", "pools")
ALL_LEVERS = tuple(LEVER_BUILDERS)  # P2b: the pathways of the four reservoirs too


def stage1(instance, levers, gap: float, time_limit: float, relax: bool = False):
    model = build_model(instance, instance.horizon, levers)
    if relax:
        for flags in model.lp._integer:
            flags[:] = False
    backend = HighsBackend(model.lp)
    backend.set_objective(model.lp.objective_vector("unmet"))
    return backend.solve(time_limit, gap)


def median(values):
    return statistics.median(list(values))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", default=str(ROOT / "instances" / "landes"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    instance = load_instance(args.instance)
    print(f"instance {instance.name}: {len(instance.bassins)} bassins x {len(instance.metiers)} metiers, "
          f"{len(instance.table('structures.csv'))} structures, horizon {instance.horizon[0]}-{instance.horizon[1]}")
    ref = median(stage1(instance, ALL_LEVERS, 0.0, args.time_limit, relax=True).runtime_s
                 for _ in range(max(args.repeat, 3)))
    print(f"reference: LP relaxation of stage 1, all levers: {ref:.3f} s")

    for levers in (P1_LEVERS, P2_LEVERS, ALL_LEVERS):
        t = time.perf_counter()
        model = build_model(instance, instance.horizon, levers)
        nnz = model.lp.to_arrays()["matrix"].nnz
        build_s = time.perf_counter() - t
        print(f"\nlevers {', '.join(levers)}")
        print(f"  model: {model.lp.n_cols} variables ({model.lp.n_integer} integer), {model.lp.n_rows} constraints, "
              f"{nnz} nonzeros; build + arrays {build_s:.3f} s")
        print(f"  {'what':38s} {'status':9s} {'gap':>9s} {'seconds':>8s} {'x ref':>7s}")
        for gap in (1e-3, 1e-4):
            runs = [stage1(instance, levers, gap, args.time_limit) for _ in range(args.repeat)]
            secs = median(r.runtime_s for r in runs)
            print(f"  {'stage 1 (unmet) to gap ' + format(gap, 'g'):38s} {runs[0].status:9s} {runs[0].gap:9.2e} "
                  f"{secs:8.2f} {secs / ref:7.0f}")
        for gap, cost_gap in ((1e-3, 1e-2), (1e-3, 1e-3)):
            runs = [solve(instance, Scenario(levers=levers, mip_gap=gap, cost_gap=cost_gap,
                                             time_limit=args.time_limit)) for _ in range(args.repeat)]
            secs = median(r.runtime_s for r in runs)
            s1, s2 = runs[0].stages[0], runs[0].stages[-1]
            print(f"  {f'both stages, gaps {gap:g} / {cost_gap:g}':38s} {runs[0].status:9s} {s2.gap:9.2e} "
                  f"{secs:8.2f} {secs / ref:7.0f}   stage 1 {s1.status} {s1.gap:.2e} in {s1.runtime_s:.2f} s, "
                  f"stage 2 {s2.runtime_s:.2f} s; unmet {runs[0].objective:,.1f} FTE-years, cost "
                  f"{runs[0].cost:,.0f} EUR, violations {runs[0].violations}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS of this process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
