"""Benchmark: groupements d'employeurs on the real EHPAD and on random instances, beside the compact model.

Run: ``.venv/bin/python benchmarks/bench_groups.py [--only TEXT] [--seeds 1,2,3,4,5] [--sizes 200,500]
[--solvers highs,cpsat] [--no-compact] [--messages]``.

Cases (the targets of the issue that asked for them, P11):

- the 167 EHPAD of the Landes and the Pyrénées-Atlantiques (``instances/landes_pyrenees_atlantiques``),
  night nurses, members within 30 minutes, groups of 2-8: 120 s (target: proven);
- random instances, seeds 1-5: structures uniform in a 150 x 150 km square (south-west of 45° N),
  20-120 places each (uniform integers; night nurses: 0.0114 FTE a place, 0.23-1.37 FTE), great-circle
  minutes x 1.3 at 60 km/h given as the travel matrix, members within 30 minutes, groups of at least 2
  and **no upper bound on size** (``--max-size 0``), travel 0.5 EUR a minute: 200 structures in 300 s
  (target: proven) and 500 in 300 s (target: within 1 %).

Each case runs ``gpec groups``'s default method (``solve_groups``) and, unless ``--no-compact``, the
compact model solved directly by HiGHS and by CP-SAT under the same limit (no phases, no cut), and prints
status, cost, bound, gap, the run's limit beside its wall time, posts alone vs grouped, and the ratio of
each wall time to the default method's in the same run. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpec.groupings import GroupData, GroupingOptions, load_group_data, solve_groups  # noqa: E402
from gpec.groupings.compact import build_grouping_model  # noqa: E402
from gpec.groupings.data import computed_minutes  # noqa: E402
from gpec.groupings.generation import CPSAT_COMPACT, group_backend  # noqa: E402
from gpec.solvers import relative_gap  # noqa: E402


def random_instance(n: int, post: dict, seed: int) -> GroupData:
    """``n`` structures, uniform in a 150 x 150 km square, 20-120 places (module docstring)."""
    rng = np.random.default_rng(seed)
    lon = -1.0 + rng.uniform(0, 150, n) / 78.7  # km -> degrees at 45° N
    lat = 43.5 + rng.uniform(0, 150, n) / 111.2
    places = rng.integers(20, 121, n)
    ids = [f"R{i:04d}" for i in range(n)]
    structures = pd.DataFrame({"structure": ids, "name": ids, "lon": lon, "lat": lat,
                               "need_fte": places * post["need_per_place"] + post["need_per_structure"]})
    return GroupData(post, structures, computed_minutes(structures, 1.3, 60.0), 0.5)


def compact(data: GroupData, options: GroupingOptions, solver: str, time_limit: float):
    """The compact model solved directly (no phases): status, cost, bound, gap, wall seconds."""
    t = time.perf_counter()
    options = options.bounded(len(data.structures))
    model = build_grouping_model(data.structures, data.pairs(options.max_minutes), int(data.post["cost_eur"]),
                                 options)
    backend = group_backend(solver, model.lp, CPSAT_COMPACT)
    backend.set_objective(model.lp.objective_vector("cost"))
    out = backend.solve(time_limit, 0.0)
    return out.status, out.objective, out.bound, relative_gap(out.objective, out.bound), time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--sizes", default="200,500")
    parser.add_argument("--solvers", default="highs", help="backends of the default method (highs, cpsat)")
    parser.add_argument("--no-compact", action="store_true", help="skip the compact model beside each case")
    parser.add_argument("--messages", action="store_true", help="print each default run's message")
    args = parser.parse_args()
    landes = load_group_data(ROOT / "instances" / "landes", "night_nurse")
    cases = [("Landes + Pyrénées-Atlantiques, 167 EHPAD, 2-8",
              lambda: load_group_data(ROOT / "instances" / "landes_pyrenees_atlantiques", "night_nurse"),
              GroupingOptions(max_minutes=30), 120.0)]
    no_bound = GroupingOptions(max_minutes=30, max_size=0)
    for n in map(int, args.sizes.split(",")):
        for seed in map(int, args.seeds.split(",")):
            cases.append((f"random {n}, seed {seed}, no size bound",
                          lambda n=n, seed=seed: random_instance(n, landes.post, seed), no_bound, 300.0))
    print(f"{'case':48s} {'run':14s} {'status':9s} {'cost':>12s} {'bound':>12s} {'gap':>8s} {'limit':>6s} "
          f"{'wall':>7s} {'x dflt':>7s} {'alone':>6s} {'grouped':>7s}")
    for name, make, options, limit in cases:
        if args.only not in name:
            continue
        data = make()
        for solver in args.solvers.split(","):
            t = time.perf_counter()
            r = solve_groups(data, options, solver=solver, time_limit=limit)
            wall = time.perf_counter() - t
            print(f"{name:48s} {'groups ' + solver:14s} {r.status:9s} {r.objective:12,.0f} {r.bound:12,.0f} "
                  f"{r.gap:8.3%} {limit:6.0f} {wall:7.1f} {1.0:7.2f} {r.standalone_posts:6d} {r.posts:7d}", flush=True)
            if args.messages:
                print(f"    {r.message}", flush=True)
            reference = wall
        if args.no_compact:
            continue
        for solver in ("highs", "cpsat"):
            status, cost, bound, gap, secs = compact(data, options, solver, limit)
            print(f"{name:48s} {'compact ' + solver:14s} {status:9s} {cost:12,.0f} {bound:12,.0f} {gap:8.3%} "
                  f"{limit:6.0f} {secs:7.1f} {secs / reference:7.2f}", flush=True)


if __name__ == "__main__":
    main()
