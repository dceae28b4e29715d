"""Benchmark: a what-if's first plan with its gap, with the first look (:mod:`gpec.first_look`) against
without it, on the Landes.

Run: ``.venv/bin/python benchmarks/bench_first_look.py [--time-limit 20] [--horizon 2026-2035]``.

Two :class:`gpec.Planner` objects go through the ten what-ifs of ``bench_whatif.py`` one after the other:
one readies its look after each solve (:meth:`gpec.Planner.prepare`, as ``gpec serve`` does in idle time,
not counted), the other does not (the reference). For each what-if, the seconds from ``solve()`` to the
first progress with a finite incumbent and gap (build included), the gap then, and the ratio reference /
look (above 1: the look shows a plan sooner); then each one's status and stage-1 value at the end
(``--time-limit`` each). Nothing here asserts a time: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_whatif import whatifs  # noqa: E402
from gpec.instance import load_instance  # noqa: E402
from gpec.planner import Planner  # noqa: E402
from gpec.scenario import Scenario, parse_horizon  # noqa: E402


class FirstGap:
    """A progress that keeps the seconds and the gap of the first report with a finite incumbent and gap."""

    def __init__(self):
        self.began, self.first = time.perf_counter(), None

    def start(self, stage: str) -> None:
        pass

    def update(self, seconds: float, incumbent: float, bound: float, gap: float) -> None:
        if self.first is None and math.isfinite(gap) and abs(incumbent) < 1e20:
            self.first = (time.perf_counter() - self.began, gap)

    def done(self, report) -> None:
        pass


def timed(planner: Planner, change: dict):
    planner.update(**change)
    progress = FirstGap()
    result = planner.solve(progress=progress)
    return progress.first or (math.nan, math.nan), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default=str(ROOT / "instances" / "landes"))
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--horizon", default=None)
    args = parser.parse_args()
    instance = load_instance(args.instance)
    scenario = Scenario(time_limit=args.time_limit, shadow_prices=False,
                        horizon=parse_horizon(args.horizon) if args.horizon else None)
    looking, reference = Planner(instance, scenario), Planner(instance, scenario)
    looking.solve()
    reference.solve()
    looking.prepare(args.time_limit)
    print(f"{'what-if':22s} {'look s':>7s} {'gap':>7s} {'ref s':>7s} {'gap':>7s} {'ref/look':>8s}  "
          f"{'end (look)':>24s} {'end (reference)':>24s}")
    ratios = []
    for name, change in whatifs(instance):
        (look_s, look_gap), with_look = timed(looking, change)
        looking.prepare(args.time_limit)
        (ref_s, ref_gap), without = timed(reference, change)
        ratio = ref_s / look_s
        if math.isfinite(ratio):
            ratios.append(ratio)
        end = lambda r: f"{r.status} {r.objective:,.1f} ({r.gap:.1e})"
        print(f"{name:22s} {look_s:7.2f} {look_gap:7.2%} {ref_s:7.2f} {ref_gap:7.2%} {ratio:8.2f}  "
              f"{end(with_look):>24s} {end(without):>24s}")
    print(f"\nmedian ratio reference / look: {statistics.median(ratios):.2f} over {len(ratios)} what-ifs")


if __name__ == "__main__":
    main()
