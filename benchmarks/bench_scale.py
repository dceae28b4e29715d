"""Benchmark: how the model grows with the number of bassins. The Landes copied k times side by side
(:func:`gpec.tiling.tile_instance`: copies 3 degrees of longitude apart, sparse travel.csv within 60
minutes) for k = 1, 4, 16 by default; for each, bassins, variables, rows, non-zeros of the matrix and the
seconds to build the model (no solve).

Run: ``.venv/bin/python benchmarks/bench_scale.py [--k 1 4 16] [--untruncated]``.

``--untruncated`` also builds each model as gpec did before the sparsity work: graduates spread over
every bassin (``settle_max_km`` set beyond any distance) and tiny coefficients stored
(:data:`gpec.models.linear.TINY_COEFFICIENT` = 0), to show the non-zeros that grew with the square of
the bassins. Figures are printed, never asserted (tests/test_sparse.py checks the growth is linear).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gpec.models.linear as linear  # noqa: E402
from gpec.instance import load_instance  # noqa: E402
from gpec.models import build_model  # noqa: E402
from gpec.tiling import tile_instance  # noqa: E402


def measure(instance) -> tuple[int, int, int, float]:
    t = time.perf_counter()
    lp = build_model(instance, instance.horizon).lp
    nnz = lp.to_arrays()["matrix"].nnz
    return lp.n_cols, lp.n_rows, nnz, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", default=str(ROOT / "instances" / "landes"))
    parser.add_argument("--k", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--untruncated", action="store_true", help="also build as before (no truncation)")
    args = parser.parse_args()
    base = load_instance(args.instance)
    print(f"{'k':>3s} {'bassins':>7s} {'variables':>10s} {'rows':>9s} {'non-zeros':>10s} {'nnz/bassin':>10s} "
          f"{'build s':>8s}" + (f" {'nnz before':>11s}" if args.untruncated else ""))
    for k in args.k:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            instance = tile_instance(base, k, Path(tmp) / "tiled")
            tile_s = time.perf_counter() - t
            n_cols, n_rows, nnz, build_s = measure(instance)
            line = (f"{k:3d} {len(instance.bassins):7d} {n_cols:10,d} {n_rows:9,d} {nnz:10,d} "
                    f"{nnz / len(instance.bassins):10,.0f} {build_s:8.2f}")
            if args.untruncated:
                tiny = linear.TINY_COEFFICIENT
                linear.TINY_COEFFICIENT = 0.0
                try:
                    _, _, before, _ = measure(instance.with_parameters({("settle_max_km", ""): 1e6}))
                finally:
                    linear.TINY_COEFFICIENT = tiny
                line += f" {before:11,d}"
            print(line + f"   (instance written in {tile_s:.1f} s)")


if __name__ == "__main__":
    main()
