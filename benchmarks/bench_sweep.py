"""Benchmark: a sweep on 1 and on 2 workers (time per scenario, parallel efficiency) and warm against cold
re-solves of the same scenarios.

Run: ``.venv/bin/python benchmarks/bench_sweep.py [--spec sweeps/budget.yaml] [--warm-spec SPEC]``.

1. **Parallel efficiency**: the sweep ``--spec`` (default the shipped ``sweeps/budget.yaml``: 30 Landes
   scenarios and the base) is run into a fresh folder with ``--workers 1`` and with ``--workers 2``.
   Efficiency = T1 / (2 x T2) over the scenarios after the base (which is solved alone, before the
   others, in both runs). With solves that stop at their time limit the time per scenario is that limit
   whatever the workers, so the figures that say whether parallel solving costs quality are beside it:
   the scenarios proven and the mean stage-1 gap of each run.
2. **Warm against cold**: each scenario of ``--warm-spec`` (default: training places and apprenticeships
   on the Landes over 2026-2030, envelopes x departures, solves that prove in seconds) solved on a
   planner that has just solved the scenario before it, its live model changed in place (warm, as a
   sweep's worker does), and on a new planner (cold), both with the base plan as reference, with a
   time limit long enough to prove: seconds to proof and the ratio, per scenario and in total.

Figures are printed in seconds and as ratios within the same run. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from gpec.instance import load_instance  # noqa: E402
from gpec.planner import Planner  # noqa: E402
from gpec.sweeps.run import run_sweep  # noqa: E402
from gpec.sweeps.spec import read_sweep_spec  # noqa: E402

#: The warm/cold spec: every scenario proves within its limit on the Landes (about 1-15 s each).
WARM_SPEC = {"name": "warm", "base": {"levers": ["training", "apprenticeship"], "horizon": "2026-2030"},
             "solve": {"time_limit": 300, "gap": 0.001, "cost_gap": 0.01},
             "grid": {"envelope": {"budgets": ["departement", "region"], "factors": [0.5, 1.5]},
                      "departures": {"parameters": ["exit_rate", "retire_rate"], "levels": ["low", "high"]}}}


def efficiency(instance: Path, spec: Path, out: Path) -> None:
    rows = []
    for workers in (1, 2):
        folder = out / f"workers{workers}"
        shutil.rmtree(folder, ignore_errors=True)
        began = time.perf_counter()
        run = run_sweep(instance, spec, folder, workers=workers)
        wall = time.perf_counter() - began
        table = run.table
        base = table.loc[table["design"] == "base", "seconds"].iloc[0]
        others = table[(table["design"] != "base") & ~table.duplicated("hash")]
        rows.append(dict(workers=workers, wall=wall, base=base, after_base=wall - base, scenarios=len(others),
                         proven=int((others["status"] == "optimal").sum()),
                         mean_gap=float(others["gap"].mean()), max_gap=float(others["gap"].max())))
    t1, t2 = rows[0]["after_base"], rows[1]["after_base"]
    print(f"sweep {spec} on {instance.name}: {rows[0]['scenarios']} distinct scenarios after the base")
    print(f"{'workers':>7s} {'wall s':>8s} {'base s':>7s} {'rest s':>8s} {'s/scenario':>10s} {'proven':>7s} "
          f"{'mean gap':>9s} {'max gap':>8s}")
    for r in rows:
        print(f"{r['workers']:7d} {r['wall']:8.1f} {r['base']:7.1f} {r['after_base']:8.1f} "
              f"{r['after_base'] / r['scenarios']:10.2f} {r['proven']:7d} {r['mean_gap']:9.3%} {r['max_gap']:8.3%}")
    print(f"parallel efficiency T1 / (2 T2) = {t1 / (2 * t2):.1%} (target >= 90 %)\n")


def warm_cold(instance_folder: Path, spec_path: Path) -> None:
    instance = load_instance(instance_folder)
    spec = read_sweep_spec(spec_path, instance)
    base = Planner(instance, spec.base).solve()
    reference = base.decisions
    points = [p for p in spec.points if p.design != "base"]
    warm_planner = Planner(instance, spec.base, reference=reference)
    warm_planner.solve()
    print(f"warm against cold, {len(points)} scenarios of {spec_path} (time limit {spec.base.time_limit:g} s)")
    print(f"{'scenario':50s} {'cold s':>7s} {'warm s':>7s} {'warm/cold':>9s} {'cold':>9s} {'warm':>9s}")
    totals = [0.0, 0.0]
    ratios = []
    for point in points:
        t = time.perf_counter()
        cold = Planner(instance, point.scenario, reference=reference).solve()
        cold_s = time.perf_counter() - t
        t = time.perf_counter()
        warm = warm_planner.switch(point.scenario).solve()
        warm_s = time.perf_counter() - t
        totals[0] += cold_s
        totals[1] += warm_s
        ratios.append(warm_s / cold_s)
        print(f"{point.name[:50]:50s} {cold_s:7.2f} {warm_s:7.2f} {warm_s / cold_s:9.2f} {cold.status:>9s} "
              f"{warm.status:>9s}")
    print(f"{'total':50s} {totals[0]:7.2f} {totals[1]:7.2f} {totals[1] / totals[0]:9.2f}  "
          f"(median ratio {statistics.median(ratios):.2f}; in-place updates {warm_planner.updates_in_place}, "
          f"builds {warm_planner.builds})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", default=str(ROOT / "instances" / "landes"))
    parser.add_argument("--spec", default=str(ROOT / "sweeps" / "budget.yaml"))
    parser.add_argument("--warm-spec", default=None, help="default: training and apprenticeships, 2026-2030")
    parser.add_argument("--skip-efficiency", action="store_true")
    args = parser.parse_args()
    instance = Path(args.instance)
    with tempfile.TemporaryDirectory(prefix="gpec-bench-sweep-") as tmp:
        tmp = Path(tmp)
        if not args.skip_efficiency:
            efficiency(instance, Path(args.spec), tmp)
        warm_spec = Path(args.warm_spec) if args.warm_spec else tmp / "warm.yaml"
        if not args.warm_spec:
            warm_spec.write_text(yaml.safe_dump(WARM_SPEC), encoding="utf-8")
        warm_cold(instance, warm_spec)


if __name__ == "__main__":
    main()
