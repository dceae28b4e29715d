"""Benchmark: ten successive what-ifs on the Landes, warm (one :class:`gpec.Planner` changed in place)
against cold (:func:`gpec.solve` from the instance each time).

Run: ``.venv/bin/python benchmarks/bench_whatif.py [--time-limit 60] [--horizon 2026-2035]``.

The what-ifs, each from the one before: the Département's envelope +10 %, -10 %, +20 %, -20 % of the
base, the Région's +10 % and -10 %, intermittent pools switched off and on again, ``eff_qvct_exit`` and
``eff_vehicle_hire`` changed. Both paths solve every scenario with the default tolerances, without
shadow prices; the table gives each one's seconds, status and objective, and the ratio cold / warm
(above 1: warm is faster). Nothing here asserts a time: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpec.instance import load_instance  # noqa: E402
from gpec.planner import Planner  # noqa: E402
from gpec.scenario import Scenario, parse_horizon  # noqa: E402
from gpec.solving import solve  # noqa: E402


def whatifs(instance) -> list[tuple[str, dict]]:
    """The ten updates, as ``Planner.update`` keyword arguments."""
    base = instance.budget().groupby(level="funder").mean()
    dep, reg = (float(base[instance.funder_code(kind)]) for kind in ("departement", "region"))  # cd40, cr75
    return [
        ("departement +10 %", {"budgets": {"departement": 1.1 * dep}}),
        ("departement -10 %", {"budgets": {"departement": 0.9 * dep}}),
        ("departement +20 %", {"budgets": {"departement": 1.2 * dep}}),
        ("departement -20 %", {"budgets": {"departement": 0.8 * dep}}),
        ("region +10 %", {"budgets": {"departement": dep, "region": 1.1 * reg}}),
        ("region -10 %", {"budgets": {"region": 0.9 * reg}}),
        ("pools off", {"budgets": {"region": reg}, "levers_off": ["pools"]}),
        ("pools on", {"levers_off": []}),
        ("eff_qvct_exit 0.15", {"parameters": {"eff_qvct_exit": 0.15}}),
        ("eff_vehicle_hire 0.3", {"parameters": {"eff_vehicle_hire": 0.3}}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", default=str(ROOT / "instances" / "landes"))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--horizon", default=None)
    args = parser.parse_args()
    instance = load_instance(args.instance)
    scenario = Scenario(time_limit=args.time_limit, shadow_prices=False,
                        horizon=parse_horizon(args.horizon) if args.horizon else None)
    planner = Planner(instance, scenario)
    t = time.perf_counter()
    first = planner.solve()
    print(f"base scenario: {first.status}, {first.objective:,.2f} FTE-years, {time.perf_counter() - t:.2f} s "
          f"(build and solve)\n")
    print(f"{'what-if':22s} {'warm s':>7s} {'cold s':>7s} {'cold/warm':>9s}  {'warm':>9s} {'cold':>9s} "
          f"{'warm objective':>15s} {'cold objective':>15s}  in place")
    warm_total = cold_total = 0.0
    ratios = []
    for name, change in whatifs(instance):
        planner.update(**change)
        t = time.perf_counter()
        warm = planner.solve()
        warm_s = time.perf_counter() - t
        t = time.perf_counter()
        cold = solve(instance, planner.scenario)
        cold_s = time.perf_counter() - t
        warm_total, cold_total = warm_total + warm_s, cold_total + cold_s
        ratios.append(cold_s / warm_s)
        print(f"{name:22s} {warm_s:7.2f} {cold_s:7.2f} {cold_s / warm_s:9.2f}  {warm.status:>9s} {cold.status:>9s} "
              f"{warm.objective:15,.2f} {cold.objective:15,.2f}  {planner.builds == 1}")
    print(f"\ntotal: warm {warm_total:.1f} s, cold {cold_total:.1f} s, ratio {cold_total / warm_total:.2f} "
          f"(median per what-if {statistics.median(ratios):.2f}); solver models built: {planner.builds}, "
          f"updates in place: {planner.updates_in_place}")


if __name__ == "__main__":
    main()
