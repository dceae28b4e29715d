"""Benchmark: groupements d'employeurs on the real EHPAD and on random instances, both backends.

Run: ``.venv/bin/python benchmarks/bench_groups.py [--time-limit 60] [--post night_nurse]
[--methods columns,compact] [--only TEXT]``.

Instances: the 59 Landes EHPAD (``instances/landes``), the 167 EHPAD of the Landes and the
Pyrénées-Atlantiques with a known capacity (``instances/landes_pyrenees_atlantiques``), and random
instances of 200 and 500 structures (uniform points in a 150 x 150 km square, 20-120 places, seed 0)
with their travel matrix given (great-circle minutes). Prints, per instance, method (default: both) and
backend: status, gap at the time limit, seconds, posts alone vs grouped, and the ratio of seconds to a
reference measured in the same run (the LP relaxation of the Landes model). Nothing here asserts a time.
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
from gpec.solvers.highs import HighsBackend  # noqa: E402


def random_instance(n: int, post: dict, seed: int = 0) -> GroupData:
    rng = np.random.default_rng(seed)
    lon = -1.0 + rng.uniform(0, 150, n) / 78.7  # km -> degrees at 45° N
    lat = 43.5 + rng.uniform(0, 150, n) / 111.2
    places = rng.integers(20, 121, n)
    ids = [f"R{i:04d}" for i in range(n)]
    structures = pd.DataFrame({"structure": ids, "name": ids, "lon": lon, "lat": lat,
                           "need_fte": places * post["need_per_place"] + post["need_per_structure"]})
    from gpec.groupings.data import computed_minutes  # the same great-circle minutes, given as a matrix

    return GroupData(post, structures, computed_minutes(structures, 1.3, 60.0), 0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--post", default="night_nurse")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--methods", default="columns,compact", help="columns, compact or both (comma-separated)")
    parser.add_argument("--only", default="", help="run only the instances whose name contains this text")
    args = parser.parse_args()
    landes = load_group_data(ROOT / "instances" / "landes", args.post)
    options = GroupingOptions(max_minutes=args.minutes)
    model = build_grouping_model(landes.structures, landes.pairs(args.minutes), int(landes.post["cost_eur"]), options)
    relaxed = HighsBackend(model.lp.relaxation())
    relaxed.set_objective(model.lp.objective_vector("cost"))
    ref = relaxed.solve(60, 0.0).runtime_s
    print(f"post {args.post}, members within {args.minutes:g} min, groups of {options.min_size}-{options.max_size}; "
          f"reference: LP relaxation of the Landes model {ref:.3f} s")
    cases = [("Landes, 59 EHPAD", landes),
             ("Landes + Pyrénées-Atlantiques, 167 EHPAD",
              load_group_data(ROOT / "instances" / "landes_pyrenees_atlantiques", args.post)),
             ("random 200", random_instance(200, landes.post)), ("random 500", random_instance(500, landes.post))]
    print(f"{'instance':42s} {'method':8s} {'solver':6s} {'pairs':>6s} {'status':9s} {'gap':>9s} {'seconds':>8s} "
          f"{'x ref':>7s} {'alone':>6s} {'grouped':>7s} {'saved':>6s}  fewest posts")
    runs = [(name, data, method, solver) for name, data in cases if args.only in name
            for method in args.methods.split(",") for solver in ("highs", "cpsat")]
    for name, data, method, solver in runs:
        t = time.perf_counter()
        r = solve_groups(data, options, solver=solver, time_limit=args.time_limit, method=method)
        secs = time.perf_counter() - t
        print(f"{name:42s} {method:8s} {solver:6s} {r.n_pairs:6d} {r.status:9s} {r.gap:9.2e} {secs:8.1f} "
              f"{secs / ref:7.0f} {r.standalone_posts:6d} {r.posts:7d} {r.posts_saved:6d}  >= {r.min_posts} "
              f"(violations {r.violations})", flush=True)


if __name__ == "__main__":
    main()
