"""Model and instance data that grow linearly with the bassins: sparse travel.csv (``travel_max_minutes``),
the vectorised travel matrix, settlement truncated at ``settle_max_km``, structure minutes within a
radius, tiny coefficients left out, and the non-zeros of the Landes copied side by side."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml

from gpec.errors import GpecError, InputError
from gpec.evaluate import evaluate
from gpec.geo.distance import great_circle_km, pairs_within_km
from gpec.geo.graph import point_minutes, travel_matrix
from gpec.geo.reach import structure_minutes
from gpec.geo.settlement import SETTLE_WEIGHT_FLOOR, graduate_destinations, settle_max_km
from gpec.instance import RADIUS_PARAMETERS, load_instance
from gpec.models.linear import TINY_COEFFICIENT, LinearModel
from gpec.scenario import Scenario
from gpec.solving import solve
from gpec.tiling import model_size, tile_instance
from tests.conftest import LANDES, ROOT, write_instance

A, B, C, D, E = "00001", "00002", "00003", "00004", "00005"
YEARS = (2026, 2028)
CUTOFF = 40.0


def _yrs(first=YEARS[0]):
    return range(first, YEARS[1] + 1)


def _sparsify(folder: Path, cutoff: float = CUTOFF) -> Path:
    """Keep the pairs of travel.csv within ``cutoff`` and declare it in instance.yaml."""
    travel = pd.read_csv(folder / "travel.csv", dtype={"origin": str, "destination": str})
    travel[travel["minutes"] <= cutoff].to_csv(folder / "travel.csv", index=False)
    meta = yaml.safe_load((folder / "instance.yaml").read_text())
    (folder / "instance.yaml").write_text(yaml.safe_dump({**meta, "travel_max_minutes": cutoff}))
    return folder


@pytest.fixture(scope="module")
def spatial_folder(tmp_path_factory):
    """Five bassins on a parallel, 1 minute per km: A, B, C 23.6 km apart (C 47 km from A), D and E far
    east. Pools (as): need 0.5 FTE in A and in C, nothing in post: a pool in B covers both. QVCT (ide):
    two EHPAD near A (10 FTE each), stock 100 for a need of 120 in A and B. The Département can pay one
    pool FTE and one post a year. Radii 30 minutes; the sparse copy lists the pairs within 40."""
    folder = tmp_path_factory.mktemp("spatial") / "full"
    bassins = [(A, 0.0, 45.0), (B, 0.3, 45.0), (C, 0.6, 45.0), (D, 1.5, 45.0), (E, 1.8, 45.0)]
    codes = [b for b, _, _ in bassins]
    structures = [("S1", A, 0.127, 45.0, 50), ("S2", A, 0.254, 45.0, 50), ("S3", D, 1.5, 45.0, 50)]
    need = {(b, "as", y): (0.5 if b in (A, C) else 0.0) for b in codes for y in _yrs()}
    need.update({(b, "ide", y): (120.0 if b in (A, B) else 0.0) for b in codes for y in _yrs()})
    stock0 = {(b, m): (100.0 if m == "ide" and b in (A, B) else 0.0) for b in codes for m in ("as", "ide")}
    inflow = {(b, m, y): (20.0 if m == "ide" and b in (A, B) else 0.0)
              for b in codes for m in ("as", "ide") for y in _yrs(2027)}
    write_instance(folder, bassins=bassins, years=YEARS, metiers=("as", "ide"), need=need, stock0=stock0,
                   inflow=inflow, structures=structures, staff={(s, "ide"): 10.0 for s in ("S1", "S2", "S3")},
                   params={"retire_rate": 0.0, "exit_rate": 0.2, "eff_qvct_exit": 0.5,
                           "cost_pool_fte": {"as": 10_000.0}, "pool_max_share": 1.0, "eff_pool_fill": 1.0},
                   budget={"region": 0.0, "departement": 60_000.0})
    return folder


@pytest.fixture(scope="module")
def sparse_folder(spatial_folder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("spatial") / "sparse"
    shutil.copytree(spatial_folder, folder)
    return _sparsify(folder)


# -- loading ---------------------------------------------------------------------------------------------

def test_sparse_travel_loads_and_lists_fewer_pairs(spatial_folder, sparse_folder):
    full, sparse = load_instance(spatial_folder), load_instance(sparse_folder)
    assert full.travel_max_minutes is None and sparse.travel_max_minutes == CUTOFF
    assert len(sparse.travel()) < len(full.travel()) == 25
    assert (A, C) not in sparse.travel().index and (A, B) in sparse.travel().index
    assert np.isnan(sparse.travel().reindex([(A, C)]).iloc[0])  # absent: beyond reach


def test_sparse_travel_gives_the_full_matrix_plan(spatial_folder, sparse_folder):
    exact = Scenario(mip_gap=0.0, shadow_prices=False)
    full = solve(load_instance(spatial_folder), exact)
    sparse = solve(load_instance(sparse_folder), exact)
    assert full.status == sparse.status == "optimal" and full.violations == sparse.violations == 0
    assert len(full.pool_flows) and len(full.coverage), "the case must use both pools and QVCT posts"
    assert sparse.objective == pytest.approx(full.objective, abs=1e-9)
    for table in ("pool_flows", "coverage", "decisions"):
        pd.testing.assert_frame_equal(getattr(sparse, table).reset_index(drop=True),
                                      getattr(full, table).reset_index(drop=True), check_dtype=False)


def test_evaluate_flags_a_pool_flow_between_bassins_absent_from_travel(sparse_folder):
    inst = load_instance(sparse_folder)
    result = solve(inst, Scenario(mip_gap=0.0, shadow_prices=False))
    flows = result.pool_flows.copy()
    flows.loc[flows.index[0], ["origin", "destination"]] = [A, C]  # 47 minutes: not in the sparse travel.csv
    report = evaluate(inst, replace(result, pool_flows=flows))
    assert any(v.family == "pool" and "no travel time" in v.detail for v in report.violations.itertuples())


def test_radius_above_the_cutoff_is_refused_at_load(sparse_folder, tmp_path):
    folder = tmp_path / "wide"
    shutil.copytree(sparse_folder, folder)
    p = pd.read_csv(folder / "parameters.csv", keep_default_na=False)
    row = int(np.flatnonzero(p["name"] == "pool_radius_min")[0])
    p.loc[row, "value"] = 45.0
    p.to_csv(folder / "parameters.csv", index=False)
    with pytest.raises(InputError) as err:
        load_instance(folder)
    assert err.value.file.endswith("parameters.csv") and err.value.row == row + 1 and err.value.column == "value"
    assert "pool_radius_min" in err.value.message and "travel_max_minutes" in err.value.message


def test_missing_own_pair_and_bad_cutoff_are_refused(sparse_folder, tmp_path):
    folder = tmp_path / "own"
    shutil.copytree(sparse_folder, folder)
    travel = pd.read_csv(folder / "travel.csv", dtype=str)
    travel[~((travel["origin"] == E) & (travel["destination"] == E))].to_csv(folder / "travel.csv", index=False)
    with pytest.raises(InputError) as err:
        load_instance(folder)
    assert err.value.file.endswith("travel.csv") and E in err.value.message and "itself" in err.value.message
    meta = yaml.safe_load((sparse_folder / "instance.yaml").read_text())
    shutil.copyfile(sparse_folder / "travel.csv", folder / "travel.csv")
    for bad in (0, -5, "soon"):
        (folder / "instance.yaml").write_text(yaml.safe_dump({**meta, "travel_max_minutes": bad}))
        with pytest.raises(InputError) as err:
            load_instance(folder)
        assert err.value.file.endswith("instance.yaml") and err.value.key == "travel_max_minutes"
    (folder / "instance.yaml").write_text(yaml.safe_dump({k: v for k, v in meta.items() if k != "travel_max_minutes"}))
    with pytest.raises(InputError) as err:  # without the key the matrix must be square
        load_instance(folder)
    assert err.value.file.endswith("travel.csv") and "square" in err.value.message


def test_overrides_scale_the_cutoff_and_refuse_a_radius_beyond_it(sparse_folder):
    inst = load_instance(sparse_folder)
    slower = inst.with_parameters({("avg_speed_kmh", ""): 30.0})  # minutes double, so does the cutoff
    assert slower.travel_max_minutes == pytest.approx(2 * CUTOFF)
    assert slower.travel()[(A, B)] == pytest.approx(2 * inst.travel()[(A, B)])
    assert inst.with_parameters({("pool_radius_min", ""): 40.0}).param("pool_radius_min") == 40.0
    with pytest.raises(GpecError, match=r"--set pool_radius_min=45: exceeds travel_max_minutes 40"):
        inst.with_parameters({("pool_radius_min", ""): 45.0})
    with pytest.raises(GpecError, match=r"--set avg_speed_kmh=120: .* becomes 20 minutes, below qvct_radius_min 30"):
        inst.with_parameters({("avg_speed_kmh", ""): 120.0})
    with pytest.raises(GpecError, match="qvct_radius_min"):
        solve(inst, Scenario(parameters={("qvct_radius_min", ""): 50.0}))


@pytest.mark.parametrize("option, needle", [("pool_radius_min=45", "pool_radius_min"),
                                            ("avg_speed_kmh=120", "avg_speed_kmh")])
def test_cli_refuses_a_radius_beyond_the_cutoff_in_one_line(sparse_folder, tmp_path, option, needle):
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", str(sparse_folder), "--out", str(tmp_path / "o"),
                           "--no-maps", "--set", option], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and needle in lines[0] and "travel_max_minutes" in lines[0], proc.stderr
    assert not (tmp_path / "o").exists()


def test_every_minutes_parameter_is_a_checked_radius():
    p = pd.read_csv(LANDES / "parameters.csv", keep_default_na=False)
    assert set(p.loc[p["unit"] == "minutes", "name"]) == set(RADIUS_PARAMETERS)


# -- travel matrix -----------------------------------------------------------------------------------------

def _travel_reference(graph, centres, detour, speed):
    """The former implementation: networkx all-pairs Dijkstra, great-circle fallback between components."""
    codes = list(centres["bassin"])
    lengths = dict(nx.all_pairs_dijkstra_path_length(graph, weight="minutes"))
    xy = centres[["lon", "lat"]].to_numpy()
    direct = point_minutes(great_circle_km(xy[:, None, 0], xy[:, None, 1], xy[None, :, 0], xy[None, :, 1]),
                           detour, speed)
    rows = []
    for i, o in enumerate(codes):
        reach = lengths.get(o, {})
        for j, d in enumerate(codes):
            rows.append((o, d, float(reach[d]), "graph") if d in reach else (o, d, float(direct[i, j]), "direct"))
    return pd.DataFrame(rows, columns=["origin", "destination", "minutes", "method"])


@pytest.fixture(scope="module")
def island_graph():
    """60 bassins: a mainland chain-and-neighbours graph, a 4-bassin island, a bassin outside the graph."""
    rng = np.random.default_rng(7)
    n = 60
    lon, lat = rng.uniform(-1.0, 2.0, n), rng.uniform(43.0, 45.0, n)
    codes = [f"{k:05d}" for k in range(n)]
    centres = pd.DataFrame({"bassin": codes, "lon": lon, "lat": lat})
    km = great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    island = set(range(4))
    graph = nx.Graph()
    graph.add_nodes_from(codes[:-1])  # the last bassin is not in the graph
    for i in range(n - 1):
        for j in np.argsort(km[i])[1:4]:
            j = int(j)
            if j < n - 1 and (i in island) == (j in island):
                graph.add_edge(codes[i], codes[j], minutes=float(km[i, j] * 1.3))
    return graph, centres


def test_travel_matrix_without_cutoff_is_the_former_table(island_graph):
    graph, centres = island_graph
    got = travel_matrix(graph, centres, 1.3, 60.0)
    pd.testing.assert_frame_equal(got, _travel_reference(graph, centres, 1.3, 60.0))
    assert set(got["method"]) == {"graph", "direct"}


@pytest.mark.parametrize("cutoff", [0.0, 25.0, 90.0])
def test_travel_matrix_with_cutoff_keeps_the_pairs_within_it(island_graph, cutoff):
    graph, centres = island_graph
    full = _travel_reference(graph, centres, 1.3, 60.0)
    got = travel_matrix(graph, centres, 1.3, 60.0, max_minutes=cutoff)
    pd.testing.assert_frame_equal(got, full[full["minutes"] <= cutoff].reset_index(drop=True))
    assert (got["origin"] == got["destination"]).sum() == len(centres)  # every own pair, 0


def test_landes_travel_matrix_rebuilt_from_its_graph_matches_the_file():
    """The instance's travel.csv (built by the former implementation) is the table travel_matrix returns."""
    import geopandas as gpd

    from gpec.geo.graph import adjacency_graph

    landes = load_instance(LANDES)
    shapes = gpd.read_file(LANDES / "bassins.geojson")
    detour, speed = landes.param("road_detour_factor"), landes.param("avg_speed_kmh")
    table = travel_matrix(adjacency_graph(shapes, landes.bassins, detour, speed), landes.bassins, detour, speed)
    given = landes.table("travel.csv")
    for column in ("origin", "destination"):
        assert table[column].astype(str).tolist() == given[column].astype(str).tolist()
    assert np.array_equal(table["minutes"].round(3).to_numpy(), given["minutes"].to_numpy())


# -- settlement ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grid_case(tmp_path_factory):
    """A 6 x 6 grid of bassins 0.25 degrees apart, training sites in three of them, need in every bassin
    but one corner (and none within reach of site G for métier ide)."""
    folder = tmp_path_factory.mktemp("grid") / "grid"
    bassins = [(f"1{r}{c}00", 0.25 * c, 44.0 + 0.25 * r) for r in range(6) for c in range(6)]
    codes = [b for b, _, _ in bassins]
    need = {(b, m, y): (0.0 if b == "10000" else 10.0 + k) for k, b in enumerate(codes)
            for m in ("as", "ide") for y in _yrs()}
    need.update({(b, "ide", y): 0.0 for b in codes[:8] for y in _yrs()})
    write_instance(folder, bassins=bassins, years=YEARS, metiers=("as", "ide"), need=need,
                   stock0={(b, m): 5.0 for b in codes for m in ("as", "ide")},
                   inflow={(b, m, y): 0.0 for b in codes for m in ("as", "ide") for y in _yrs(2027)},
                   training_cap={("10000", "as"): 5, ("13300", "as"): 5, ("15500", "as"): 5, ("10000", "ide"): 5},
                   params={"retain_local": 0.4, "decay_km": 20.0, "settle_max_km": 50.0})
    return load_instance(folder)


def _dense_shares(inst, d_max):
    """The formula of gpec.geo.settlement on the full site x bassin matrix (the oracle)."""
    b = inst.bassins
    lam, d0 = inst.param("retain_local"), inst.param("decay_km")
    base = inst.need().xs(inst.base_year, level="year").unstack("metier").reindex(b["bassin"])
    cap = inst.table("training_capacity.csv")
    out = {}
    for site, metier in zip(cap["bassin"], cap["metier"]):
        s = b.set_index("bassin").loc[site]
        km = great_circle_km(s["lon"], s["lat"], b["lon"].to_numpy(), b["lat"].to_numpy())
        inside = km <= d_max
        w = np.exp(-km / d0) * base[metier].to_numpy() * inside
        if not w.sum() > 0:
            w = np.exp(-km / d0) * inside
        share = lam * (b["bassin"].to_numpy() == site) + (1 - lam) * w / w.sum()
        out.update({(site, code, metier): v for code, v in zip(b["bassin"], share) if v > 0})
    return pd.Series(out)


def test_settlement_shares_sum_to_one_and_vanish_beyond_the_truncation(grid_case):
    shares = graduate_destinations(grid_case)
    assert settle_max_km(grid_case) == 50.0
    sums = shares.groupby(level=["site", "metier"]).sum()
    assert len(sums) == 4 and np.allclose(sums.to_numpy(), 1.0, atol=1e-12)
    xy = grid_case.bassins.set_index("bassin")[["lon", "lat"]]
    s, d = xy.loc[shares.index.get_level_values("site")], xy.loc[shares.index.get_level_values("bassin")]
    km = great_circle_km(s["lon"].to_numpy(), s["lat"].to_numpy(), d["lon"].to_numpy(), d["lat"].to_numpy())
    assert km.max() <= 50.0 and km.max() > 40.0
    expected = _dense_shares(grid_case, 50.0)
    pd.testing.assert_series_equal(shares, expected.reindex(shares.index), check_names=False)
    assert set(expected.index) == set(shares.index)
    # site 10000 has no ide need within 50 km: spread by distance alone, still summing to 1
    assert sums[("10000", "ide")] == pytest.approx(1.0)


def test_settlement_without_truncation_is_the_former_formula_and_the_default_is_stated(grid_case):
    # the domain's maximum (gpec.domains): farther than any two points on Earth
    wide = grid_case.with_parameters({("settle_max_km", ""): 20_000.0})
    shares = graduate_destinations(wide)
    expected = _dense_shares(wide, np.inf)
    pd.testing.assert_series_equal(shares, expected.reindex(shares.index), check_names=False)
    assert len(shares) == len(expected) and len(shares) > len(graduate_destinations(grid_case))
    p = grid_case.parameters
    without = replace(grid_case, tables={**grid_case.tables, "parameters.csv": p[p["name"] != "settle_max_km"]})
    assert settle_max_km(without) == pytest.approx(20.0 * math.log(1 / SETTLE_WEIGHT_FLOOR))


def test_pairs_within_km_match_the_full_product():
    rng = np.random.default_rng(3)
    lon_a, lat_a = rng.uniform(-2, 3, 40), rng.uniform(42, 48, 40)
    lon_b, lat_b = np.concatenate([lon_a[:5], rng.uniform(-2, 3, 70)]), np.concatenate([lat_a[:5], rng.uniform(42, 48, 70)])
    km = great_circle_km(lon_a[:, None], lat_a[:, None], lon_b[None, :], lat_b[None, :])
    for limit in (0.0, 60.0, 250.0):
        i, j, got = pairs_within_km(lon_a, lat_a, lon_b, lat_b, limit)
        ei, ej = np.nonzero(km <= limit)
        assert np.array_equal(i, ei) and np.array_equal(j, ej) and np.allclose(got, km[ei, ej])


# -- structure minutes -----------------------------------------------------------------------------------

def test_structure_minutes_within_a_radius_are_the_full_pairs_filtered(spatial_folder, tmp_path):
    folder = tmp_path / "routed"
    shutil.copytree(spatial_folder, folder)
    # S3 (in D, ~100 km from A) 5 minutes from A by a routing engine; S1 50 minutes from A
    pd.DataFrame([dict(structure="S3", host=A, minutes=5.0, source="routing"),
                  dict(structure="S1", host=A, minutes=50.0, source="routing")]).to_csv(
        folder / "structure_travel.csv", index=False)
    inst = load_instance(folder)
    full = structure_minutes(inst)
    assert len(full) == 15
    for radius in (10.0, 30.0, 200.0):
        got = structure_minutes(inst, radius)
        pd.testing.assert_frame_equal(got, full[full["minutes"] <= radius].reset_index(drop=True))
    near = structure_minutes(inst, 30.0)
    assert ("S3", A) in set(zip(near["structure"], near["host"])) and ("S1", A) not in set(zip(near["structure"], near["host"]))


# -- linear model ----------------------------------------------------------------------------------------

def test_tiny_coefficients_are_not_stored():
    lp = LinearModel()
    x = lp.add_variables("x", pd.Index(["a", "b", "c"], name="k"))
    lp.add_constraints("r", pd.Index([0, 1], name="i"),
                       [([0, 0, 0, 1], x.positions[[0, 1, 2, 2]], [1.0, TINY_COEFFICIENT / 2, -TINY_COEFFICIENT, 0.0])])
    lp.add_to_rows("r", [1, 1], x.positions[:2], [-TINY_COEFFICIENT / 10, 2.0])
    matrix = lp.to_arrays()["matrix"]
    assert matrix.nnz == 3 and sum(len(e[2]) for e in lp._entries) == 3
    assert matrix.toarray().tolist() == [[1.0, 0.0, -TINY_COEFFICIENT], [0.0, 2.0, 0.0]]


# -- scaling ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


def test_tiled_landes_copies_are_separate_and_complete(landes, tmp_path):
    two = tile_instance(landes, 2, tmp_path / "x2")
    assert len(two.bassins) == 58 and two.travel_max_minutes == 60.0
    codes = set(two.bassins["bassin"])
    assert {f"{b}~1" for b in landes.bassins["bassin"]} <= codes
    t = two.table("travel.csv")
    assert not (t["origin"].str.endswith("~1") != t["destination"].str.endswith("~1")).any()
    assert two.budget().sum() == pytest.approx(2 * landes.budget().sum())
    with pytest.raises(GpecError, match="farther apart"):
        tile_instance(landes, 2, tmp_path / "near", dlon=0.5)


def test_nonzeros_grow_linearly_with_the_bassins(landes, tmp_path):
    size = {k: model_size(tile_instance(landes, k, tmp_path / f"x{k}")) for k in (2, 4)}
    assert size[4]["nonzeros"] / size[2]["nonzeros"] <= 2.2, size
    assert size[4]["rows"] / size[2]["rows"] <= 2.2 and size[4]["variables"] / size[2]["variables"] <= 2.2, size
