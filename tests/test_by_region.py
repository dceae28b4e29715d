"""France région by région (``gpec solve FOLDER --by-region``) on a folder of two tiny régions: each solved
as its own model on the executor, outputs merged with a ``region`` column, result.json summed, a failing
région reported while the other goes on (the national maps drawn for the other), budgets routed to the
région of their body, the national layer with a straddling bassin once, its parts added up."""

from __future__ import annotations

import heapq
import json
import math
import shutil
import struct
import subprocess
import sys
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gpec.by_region import PARENT_SHARE, REGION_MIN_S, region_folders, region_sizes, solve_by_region, time_limits
from gpec.errors import GpecError
from gpec.geo.maps import DPI, map_title
from gpec.geo.national import NATIONAL_FIGSIZE, national_layer, region_shapes
from gpec.i18n import LANGUAGES
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
    _polygons(folder, {B: box(-0.1, 44.9, 0.1, 45.1)})


def _polygons(folder, shapes: dict) -> None:
    """``bassins.geojson``: {bassin: polygon}."""
    gpd.GeoDataFrame({"bassin": list(shapes)}, geometry=list(shapes.values()), crs=4326).to_file(
        folder / "bassins.geojson", driver="GeoJSON")


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
    out = tmp_path / "out"
    out.mkdir()
    (out / "map_vae.png").write_bytes(b"an earlier run's map")
    summary = solve_by_region(broken, out, SCENARIO, workers=2, lang="fr")
    assert summary["regions"]["01"]["status"] == "optimal" and summary["regions"]["01"]["error"] is None
    assert summary["regions"]["02"]["status"] == "error" and "need.csv" in summary["regions"]["02"]["error"]
    assert summary["status"] == "error" and math.isnan(summary["objective"])  # no total without every région
    # the national maps are drawn for the région with a plan, the other hatched; an earlier run's map is gone
    maps = sorted(p.name for p in out.glob("map_*.png"))
    assert "map_unmet.png" in maps and "map_vae.png" not in maps
    assert set(maps) <= {f"map_{name}.png" for name in ("unmet", "training", "apprenticeship")}
    for name in maps:
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, name
        assert struct.unpack(">II", data[16:24]) == (NATIONAL_FIGSIZE[0] * DPI, NATIONAL_FIGSIZE[1] * DPI)


def _merged(out, name):
    return pd.read_csv(out / name, dtype={"region": str, "bassin": str})


def test_national_layer_has_each_bassin_once_with_its_parts_added_up(regions, run):
    out, _ = run
    shapes = region_shapes(region_folders(regions))
    assert sorted(shapes["region"]) == ["01", "02"] and shapes.geometry[0].equals(shapes.geometry[1])
    workforce, decisions = _merged(out, "workforce.csv"), _merged(out, "decisions.csv")
    last = workforce.loc[workforce["phase"] == "horizon", "year"].max()
    layer = national_layer(shapes, workforce, decisions, last, {"01", "02"})
    assert list(layer["bassin"]) == [B] and layer["regions"][0] == "01 02"  # once, for both régions
    assert layer.geometry[0].equals(shapes.geometry[0])
    for code in ("01", "02"):  # each région counts its own part
        assert workforce.loc[(workforce["region"] == code) & (workforce["year"] == last), "need"].sum() > 0
    at_last = workforce[workforce["year"] == last]
    need, unmet = at_last["need"].sum(), at_last["unmet"].sum()
    assert layer["need_last_year"][0] == pytest.approx(need) and layer["unmet_last_year"][0] == pytest.approx(unmet)
    assert layer["unmet_share_last_year"][0] == pytest.approx(unmet / need)  # a ratio of sums, not a sum of shares
    for lever, units in decisions.groupby("lever")["units"].sum().items():
        assert layer[lever][0] == pytest.approx(units, abs=1e-3)
    assert layer["planned"][0] and not layer["no_plan"][0]
    north = national_layer(shapes, workforce, decisions, last, {"01"})  # the south without a plan
    alone = at_last[at_last["region"] == "01"]
    assert north["need_last_year"][0] == pytest.approx(alone["need"].sum())
    assert north["planned"][0] and north["no_plan"][0]


def test_national_layer_greys_a_bassin_only_in_a_region_without_plan():
    shapes = gpd.GeoDataFrame({"region": ["01", "01", "02", "02"], "bassin": ["N", "X", "X", "S"],
                               "name": ["n", "x", "x", "s"]},
                              geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 0, 2, 1.5), box(2, 0, 3, 1)], crs=4326)
    workforce = pd.DataFrame({"region": ["01", "01", "02", "02"], "bassin": ["N", "X", "X", "S"], "year": 2030,
                              "need": [10.0, 4.0, 6.0, 8.0], "unmet": [1.0, 1.0, 2.0, 8.0]})
    decisions = pd.DataFrame({"region": ["01", "02"], "bassin": ["X", "X"], "lever": "training", "units": [2.0, 3.0]})
    both = national_layer(shapes, workforce, decisions, 2030, {"01", "02"}).set_index("bassin")
    assert both.loc["X", "unmet_share_last_year"] == pytest.approx(3.0 / 10.0) and both.loc["X", "training"] == 5.0
    assert both.loc["X"].geometry.equals(box(1, 0, 2, 1.5))  # polygons that differ: their union
    north = national_layer(shapes, workforce, decisions, 2030, {"01"}).set_index("bassin")
    assert north["planned"].to_dict() == {"N": True, "S": False, "X": True}  # S: grey
    assert north["no_plan"].to_dict() == {"N": False, "S": True, "X": True}  # S and X: hatched
    assert north.loc["S", "need_last_year"] == 0.0 and north.loc["X", "training"] == 2.0


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


def test_national_titles_promise_no_points_or_arrows():
    run = SimpleNamespace(horizon=(2026, 2035))  # the national maps draw neither EHPAD nor pool arrows
    for lang in LANGUAGES:
        assert "EHPAD" in map_title(run, "qvct", lang) and "EHPAD" not in map_title(run, "qvct", lang, overlays=False)
        assert map_title(run, "pools", lang) != map_title(run, "pools", lang, overlays=False)
        assert map_title(run, "training", lang) == map_title(run, "training", lang, overlays=False)
