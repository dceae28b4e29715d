"""Benchmark: build and solve the Landes instance; print sizes, times, peak memory.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_solve.py [--repeat N]``).

Each figure is also printed as a ratio to a reference measured in the same run (the LP relaxation of
stage 1 on the same machine), so runs on different machines can be compared. Nothing here asserts a
time: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpec.instance import load_instance  # noqa: E402
from gpec.models import build_model  # noqa: E402
from gpec.scenario import Scenario  # noqa: E402
from gpec.solve import solve  # noqa: E402
from gpec.solvers.highs import HighsBackend  # noqa: E402


def time_stage1(instance, horizon, gap: float, relax: bool = False, time_limit: float = 300.0):
    model = build_model(instance, horizon)
    if relax:
        model.lp._integer = [np.zeros_like(i) for i in model.lp._integer]
    backend = HighsBackend(model.lp)
    backend.set_objective(model.lp.objective_vector("unmet"))
    out = backend.solve(time_limit, gap)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", default=str(ROOT / "instances" / "landes"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t = time.perf_counter()
    instance = load_instance(args.instance)
    load_s = time.perf_counter() - t
    horizon = instance.horizon
    builds = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        model = build_model(instance, horizon)
        model.lp.to_arrays()
        builds.append(time.perf_counter() - t)
    lp = model.lp
    print(f"instance {instance.name}: {len(instance.bassins)} bassins x {len(instance.metiers)} metiers, "
          f"horizon {horizon[0]}-{horizon[1]}")
    print(f"model: {lp.n_cols} variables ({lp.n_integer} integer), {lp.n_rows} constraints, "
          f"{lp.to_arrays()['matrix'].nnz} nonzeros")
    print(f"load {load_s:.3f} s; build + arrays {statistics.median(builds):.3f} s (median of {args.repeat})")

    ref = statistics.median(time_stage1(instance, horizon, 0.0, relax=True).runtime_s for _ in range(args.repeat))
    print(f"reference: LP relaxation of stage 1 {ref:.3f} s")
    print(f"{'what':42s} {'status':9s} {'gap':>9s} {'seconds':>8s} {'x ref':>8s}")
    for gap in (1e-3, 1e-4, 0.0):
        runs = [time_stage1(instance, horizon, gap) for _ in range(args.repeat)]
        secs = statistics.median(r.runtime_s for r in runs)
        print(f"{'stage 1 (unmet) to gap ' + format(gap, 'g'):42s} {runs[0].status:9s} {runs[0].gap:9.2e} "
              f"{secs:8.2f} {secs / ref:8.0f}")
    for gap in (1e-3, 1e-4):
        runs = [solve(instance, Scenario(mip_gap=gap, time_limit=300)) for _ in range(args.repeat)]
        secs = statistics.median(r.runtime_s for r in runs)
        s2 = runs[0].stages[-1]
        print(f"{'full lexicographic solve, gap ' + format(gap, 'g'):42s} {runs[0].status:9s} {s2.gap:9.2e} "
              f"{secs:8.2f} {secs / ref:8.0f}   (stage 2 {s2.runtime_s:.2f} s, violations {runs[0].violations})")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
