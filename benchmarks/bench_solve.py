"""Benchmark: time to proof of the Landes plan (both lexicographic stages) for the default scenario and for
the Département at 1 M EUR and 2 M EUR a year; sizes, gaps, peak memory.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_solve.py [--repeat 3] [--time-limit 120]``).

Each scenario is solved ``--repeat`` times (median reported) without shadow prices, with the default
tolerances (stage 1 ``--gap 1e-3``, stage 2 ``--cost-gap 1e-2``); ``gap`` is that of the plan written
(whole units in every bassin) to the stage-1 bound, ``whole s`` the time spent making it whole. Figures are printed in seconds and as
a ratio to a reference measured in the same run (the LP relaxation of stage 1 of the default scenario),
so runs on different machines can be compared. Nothing here asserts a time: the test suite never times
anything.
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
from gpec.models import build_model  # noqa: E402
from gpec.scenario import Scenario  # noqa: E402
from gpec.solving import solve  # noqa: E402
from gpec.solvers.highs import HighsBackend  # noqa: E402

SCENARIOS = {
    "default (Departement 0.5 M EUR/yr)": {},
    "Departement 1 M EUR/yr": {"departement": 1_000_000.0},
    "Departement 2 M EUR/yr": {"departement": 2_000_000.0},
}


def lp_reference(instance) -> float:
    """Seconds to solve the LP relaxation of stage 1 (every lever on)."""
    model = build_model(instance, instance.horizon)
    backend = HighsBackend(model.lp.relaxation())
    backend.set_objective(model.lp.objective_vector("unmet"))
    return backend.solve(60.0, 0.0).runtime_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", default=str(ROOT / "instances" / "landes"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    instance = load_instance(args.instance)
    model = build_model(instance, instance.horizon)
    print(f"instance {instance.name}: {len(instance.bassins)} bassins x {len(instance.metiers)} metiers, "
          f"horizon {instance.horizon[0]}-{instance.horizon[1]} + {model.workforce.end - instance.horizon[1]} "
          f"tail years; {model.lp.n_cols} variables ({model.lp.n_integer} integer), {model.lp.n_rows} constraints")
    ref = statistics.median(lp_reference(instance) for _ in range(3))
    print(f"reference: LP relaxation of stage 1: {ref:.3f} s\n")
    print(f"{'scenario':36s} {'status':9s} {'stage 1 s':>9s} {'stage 2 s':>9s} {'whole s':>8s} {'total s':>8s} "
          f"{'x ref':>6s} {'gap':>8s} {'gap 2':>8s} {'unmet FTE-yr':>12s} {'cost EUR':>12s} viol.")
    for name, budgets in SCENARIOS.items():
        runs = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = solve(instance, Scenario(budgets=budgets, time_limit=args.time_limit, shadow_prices=False))
            runs.append((time.perf_counter() - t, result))
        total = statistics.median(t for t, _ in runs)
        r = runs[0][1]
        stage = lambda res, name: next((s for s in res.stages if s.name == name), None)
        # seconds of a stage (median over the runs), and of making the plan whole (gpec.rounding)
        med = lambda name: statistics.median(sum(s.runtime_s for s in res.stages if s.name.startswith(name))
                                             for _, res in runs)
        cost = stage(r, "cost")
        print(f"{name:36s} {r.status:9s} {med('unmet'):9.2f} {med('cost'):9.2f} {med('whole'):8.2f} {total:8.2f} "
              f"{total / ref:6.0f} {r.gap:8.1e} {cost.gap if cost else float('nan'):8.1e} {r.objective:12,.1f} "
              f"{r.cost:12,.0f} {r.violations}")
        if any(res.status != r.status for _, res in runs):
            print(f"  (statuses over the runs: {', '.join(res.status for _, res in runs)})")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS of this process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
