"""France région by région (``gpec solve FOLDER --by-region``) on a folder of two tiny régions: each solved
as its own model on the executor, outputs merged with a ``region`` column, result.json summed, a failing
région reported while the other goes on, budgets routed to the région of their body."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import yaml

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from gpec.by_region import PARENT_SHARE, REGION_MIN_S, region_folders, region_sizes, solve_by_region, time_limits
from gpec.errors import GpecError
from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import ROOT, write_instance

B = "B1"  # one bassin code in both régions: a bassin straddling the border is in each, with its own part
SCENARIO = Scenario(time_limit=60, shadow_prices=False)


def _region(folder, need: float, budget: float):
    write_instance(folder, bassins=[(B, 0.0, 45.0)], years=(2026, 2029),
                   need={(B, "as", y): need + 10 * (y - 2026) for y in range(2026, 2030)},
                   stock0={(B, "as"): need}, inflow={(B, "as", y): 8.0 for y in (2027, 2028, 2029)},
                   training_cap={(B, "as"): 5}, apprentice_cap={(B, "as"): 2},
                   budget={"region": budget, "departement": budget})


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fr") / "fr"
    _region(folder / "north", 100.0, 3000.0)
    _region(folder / "south", 120.0, 9000.0)
    meta = {"name": "fr", "kind": "regions", "regions": [{"code": "01", "name": "North", "folder": "north"},
                                                         {"code": "02", "name": "South", "folder": "south"}]}
    (folder / "instance.yaml").write_text(yaml.safe_dump(meta))
    return folder


@pytest.fixture(scope="module")
def run(regions, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "fr"
    return out, solve_by_region(regions, out, SCENARIO, workers=2, maps=False)


def test_each_region_as_its_own_model(regions, run):
    out, summary = run
    alone = {code: solve(load_instance(path), SCENARIO) for code, path in region_folders(regions).items()}
    assert set(summary["regions"]) == {"01", "02"}
    for code, result in alone.items():
        assert summary["regions"][code]["objective"] == pytest.approx(result.objective, rel=1e-6)
        assert summary["regions"][code]["error"] is None
    assert summary["objective"] == pytest.approx(sum(r.objective for r in alone.values()), rel=1e-6)
    assert summary["status"] == "optimal" and summary["violations"] == 0
    assert json.loads((out / "result.json").read_text())["by_region"] is True


def test_tables_merged_with_a_region_column(run):
    out, _ = run
    decisions = pd.read_csv(out / "decisions.csv", dtype={"region": str})
    assert decisions.columns[0] == "region" and set(decisions["region"]) == {"01", "02"}
    for code, part in (("01", "north"), ("02", "south")):
        own = pd.read_csv(out / "regions" / part / "decisions.csv")
        assert (decisions["region"] == code).sum() == len(own)
        assert json.loads((out / "regions" / part / "result.json").read_text())["status"] == "optimal"
    workforce = pd.read_csv(out / "workforce.csv", dtype={"region": str})
    assert (workforce.groupby(["region", "bassin"]).size() > 0).all()  # keyed by région and bassin


def test_a_failing_region_is_reported_and_the_other_goes_on(regions, tmp_path):
    broken = tmp_path / "fr"
    shutil.copytree(regions, broken)
    (broken / "south" / "need.csv").write_text("bassin,metier,year,need_fte,source\nB1,as,2026,oops,test\n")
    summary = solve_by_region(broken, tmp_path / "out", SCENARIO, workers=2, maps=False)
    assert summary["regions"]["01"]["status"] == "optimal" and summary["regions"]["01"]["error"] is None
    assert summary["regions"]["02"]["status"] == "error" and "need.csv" in summary["regions"]["02"]["error"]
    assert summary["status"] == "error" and math.isnan(summary["objective"])  # no total without every région


def test_budgets_go_to_their_bodies_region(regions, tmp_path):
    with pytest.raises(GpecError, match="cd99"):
        solve_by_region(regions, tmp_path / "x", Scenario(budgets={"cd99": 1.0}), maps=False)


def test_cli_end_to_end(regions, tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", str(regions), "--by-region", "--workers", "2",
                           "--no-maps", "--no-shadow-prices", "--quiet", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "by région: status optimal" in proc.stdout
    plain = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", str(regions), "--out", str(tmp_path / "y")],
                           capture_output=True, text=True, cwd=ROOT)
    assert plain.returncode == 2 and "--by-region" in plain.stderr and len(plain.stderr.strip().splitlines()) == 1


def test_dask_gives_the_tables_of_the_pool(regions, run, tmp_path):
    out, summary = run
    on_dask = solve_by_region(regions, tmp_path / "dask", SCENARIO, workers=2, dask="local", maps=False)
    assert {c: r["objective"] for c, r in on_dask["regions"].items()} == pytest.approx(
        {c: r["objective"] for c, r in summary["regions"].items()}, rel=1e-9)
    for name in ("decisions.csv", "workforce.csv", "spend.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask" / name), pd.read_csv(out / name))


def test_each_region_has_its_share_of_the_time_and_the_run_records_it(regions, run):
    _, summary = run
    sizes = region_sizes(region_folders(regions))
    assert sizes == {"01": sizes["02"], "02": sizes["01"]} and min(sizes.values()) > 0
    # two régions on two workers: each has the whole run's time, less the parent's share
    assert summary["workers"] == 2 and summary["time_limit_s"] == 80.0  # 80 s a région on average
    assert [r["time_limit_s"] for r in summary["regions"].values()] == pytest.approx([80.0 * (1 - PARENT_SHARE)] * 2)


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(1, 100_000), min_size=1, max_size=20),
       workers=st.integers(1, 6), total=st.floats(100.0, 5000.0),
       used=st.lists(st.floats(0.0, 1.0), min_size=20, max_size=20))
def test_regions_started_largest_first_end_by_the_limit_whatever_each_takes(sizes, workers, total, used):
    """Graham's bound: whatever each région takes up to its limit, started largest first on the first
    free worker, the last ends by the run's limit; larger régions never get less time."""
    sizes = {f"{k:02d}": s for k, s in enumerate(sizes)}
    try:
        limits = time_limits(sizes, total, workers)
    except GpecError as error:  # refused only when the floors cannot fit
        assert sum([REGION_MIN_S] * len(sizes)) / workers + (1 - 1 / workers) * REGION_MIN_S > total, error
        return
    order = list(limits)
    assert [sizes[c] for c in order] == sorted(sizes.values(), reverse=True)
    assert all(REGION_MIN_S <= limits[c] <= total for c in order)
    assert all(limits[a] >= limits[b] for a, b in zip(order, order[1:]))
    free = [0.0] * workers  # when each worker is free: list scheduling in that order
    for code, share in zip(order, used):
        start = heapq.heappop(free)
        heapq.heappush(free, start + share * limits[code])
    assert max(free) <= total * (1 + 1e-9)


def test_a_time_limit_too_short_for_the_regions_is_refused():
    with pytest.raises(GpecError, match="13 régions on 2 workers need at least"):
        time_limits({f"{k:02d}": 1000 + k for k in range(13)}, 100.0, 2)
