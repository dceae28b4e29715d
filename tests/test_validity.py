"""Validity rules no override can widen (:mod:`gpec.domains`), year grids, names and geometry.

Each case breaks one thing (an instance file of a copy of ``instances/landes`` in ``tmp_path``, an
option, a scenario file or a sweep spec), runs the command line in process
(:func:`tests.cli_helpers.run_gpec`) and asserts exit code 2, exactly one line on stderr naming where
(file and row and column, option, or file and key: :func:`tests.cli_helpers.assert_one_line_error`), and
that nothing was written.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gpec.domains import DOMAINS, violation
from gpec.errors import GpecError
from gpec.instance import MODEL_PARAMETERS, OPTIONAL_PARAMETERS, PATHWAY_PARAMETERS, load_instance
from gpec.schema import SCHEMAS
from tests.cli_helpers import assert_one_line_error, run_gpec

ROOT = Path(__file__).resolve().parents[1]
LANDES = ROOT / "instances" / "landes"
CATALOGUE = ROOT / "gpec" / "territory" / "catalogue" / "parameters.csv"
COMMITTED_PARAMETERS = [CATALOGUE, *sorted((ROOT / "instances").glob("*/parameters.csv"))]


# -- helpers -----------------------------------------------------------------------------------------

@pytest.fixture
def landes(tmp_path) -> Path:
    folder = tmp_path / "landes"
    shutil.copytree(LANDES, folder)
    return folder


@pytest.fixture
def solve(tmp_path):
    """``solve(folder, *options, needles=...)``: solve, expect a refusal naming the needles, nothing written."""
    out = tmp_path / "out"

    def refused(folder: Path, *options, needles=()):
        run = run_gpec("solve", folder, "--out", out, "--time-limit", 10, "--quiet", "--no-maps", *options)
        line = assert_one_line_error(run.code, run.err, *needles)
        assert not out.exists(), "a refused run writes nothing"
        return line

    return refused


def read(folder: Path, file: str) -> pd.DataFrame:
    return pd.read_csv(folder / file, dtype=str, keep_default_na=False)


def write(folder: Path, file: str, table: pd.DataFrame) -> None:
    table.to_csv(folder / file, index=False)


def record_row(table: pd.DataFrame, name: str, key: str = "") -> int:
    """The 0-based index of a record of parameters.csv."""
    return int(table.index[(table["name"] == name) & (table["key"] == key)][0])


# -- the domain table --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", COMMITTED_PARAMETERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_committed_parameter_has_a_domain_its_values_respect(path):
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for i, row in table.iterrows():
        assert row["name"] in DOMAINS, f"{path.name} row {i + 1}: {row['name']} has no domain in gpec.domains"
        for column in ("value", "low", "high"):
            if row[column] != "":  # the catalogue leaves some values to the builder
                assert violation(row["name"], float(row[column])) is None, (path.name, i + 1, column)


def test_every_parameter_the_code_reads_has_a_domain():
    for name in (*MODEL_PARAMETERS, *PATHWAY_PARAMETERS, *OPTIONAL_PARAMETERS, "cost_pool_fte", "labour_pool_share"):
        assert name in DOMAINS, name


def test_domains_are_finite_and_whole_where_they_count_years():
    for name, domain in DOMAINS.items():
        assert math.isfinite(domain.low) and math.isfinite(domain.high) and domain.low < domain.high, name
        assert violation(name, math.inf) is not None and violation(name, math.nan) is not None, name
        assert violation(name, 1e308) is not None, name
    for name in ("training_years", "pathway_years"):
        assert DOMAINS[name].whole and violation(name, 1.5) is not None
    assert violation("unmet_weight", -1) is not None and violation("eff_qvct_exit", 1.01) is not None
    assert violation("avg_speed_kmh", 0) is not None and violation("qvct_radius_min", 0) is not None


def test_every_numeric_column_has_a_stated_maximum():
    for file, schema in SCHEMAS.items():
        for column in schema.columns:
            if column.kind in ("int", "float") and not (file == "parameters.csv"
                                                         and column.name in ("value", "low", "high")):
                assert column.maximum is not None and math.isfinite(column.maximum), (file, column.name)


# -- parameters.csv: value, low and high in the domain -------------------------------------------

PARAMETER_CASES = {
    "negative_weight": ("unmet_weight", "as", {"value": "-1", "low": "-1"}, "value", "unmet_weight[as]"),
    "share_above_one": ("eff_qvct_exit", "", {"high": "1.5"}, "high", "eff_qvct_exit"),
    "zero_speed_low": ("avg_speed_kmh", "", {"low": "0"}, "low", "avg_speed_kmh"),
    "absurd_cost": ("cost_vehicle", "", {"value": "1e308", "high": "1e308"}, "value", "cost_vehicle"),
    "infinite_radius": ("pool_radius_min", "", {"high": "inf"}, "high", "not finite"),
    "fractional_years": ("training_years", "ide", {"value": "2.5"}, "value", "whole number"),
    "zero_radius": ("qvct_radius_min", "", {"value": "0", "low": "0"}, "value", "qvct_radius_min"),
}


@pytest.mark.parametrize("case", list(PARAMETER_CASES))
def test_parameters_outside_their_domain_are_refused_at_load(case, landes, solve):
    name, key, cells, column, needle = PARAMETER_CASES[case]
    table = read(landes, "parameters.csv")
    i = record_row(table, name, key)
    for col, value in cells.items():
        table.loc[i, col] = value
    write(landes, "parameters.csv", table)
    solve(landes, needles=("parameters.csv", f"row {i + 1}", f"column '{column}'", needle))


def test_an_unknown_parameter_name_is_refused_with_the_closest_name(landes, solve):
    table = read(landes, "parameters.csv")
    i = record_row(table, "decay_km")
    table.loc[i, "name"] = "decay_kms"
    write(landes, "parameters.csv", table)
    solve(landes, needles=("parameters.csv", f"row {i + 1}", "column 'name'", "decay_kms", "did you mean decay_km"))


def test_a_scalar_parameter_with_a_key_is_refused(landes, solve):
    table = read(landes, "parameters.csv")
    i = record_row(table, "cost_vehicle")
    table.loc[i, "key"] = "as"
    write(landes, "parameters.csv", table)
    solve(landes, needles=("parameters.csv", f"row {i + 1}", "column 'key'", "cost_vehicle"))


# -- --set: the same domains, naming the option -------------------------------------------------------

SET_CASES = {
    "negative_weight": ("unmet_weight[as]=-1", "--set unmet_weight[as]=-1"),
    "absurd_cost": ("cost_vehicle=1e308", "--set cost_vehicle="),
    "zero_decay": ("decay_km=0", "--set decay_km=0"),
    "share_above_one": ("retire_rate[as]=1.2", "--set retire_rate[as]=1.2"),
    "not_finite": ("eff_pool_fill=nan", "--set eff_pool_fill=nan"),
    "fractional_years": ("pathway_years[carers]=1.5", "whole number"),
    "unknown_name": ("retire_rat[as]=0.1", "--set retire_rat[as]"),
    "unknown_pathway": ("pathway_cost[nosuch]=100", "--set pathway_cost[nosuch]"),
    "record_rule": ("pathway_cap_rate[ash_as_promotion]=2", "--set pathway_cap_rate[ash_as_promotion]=2"),
}


@pytest.mark.parametrize("case", list(SET_CASES))
def test_set_outside_the_domain_is_refused_naming_the_option(case, solve):
    option, needle = SET_CASES[case]
    solve(LANDES, "--set", option, needles=(needle,))


def test_with_parameters_widens_the_sweep_range_never_the_domain():
    inst = load_instance(LANDES)
    wider = inst.with_parameters({("eff_qvct_exit", ""): 0.9})  # range [0, 0.25] in parameters.csv
    row = wider.parameters.set_index(["name", "key"]).loc[("eff_qvct_exit", "")]
    assert row["value"] == 0.9 and row["high"] == 0.9
    with pytest.raises(GpecError, match=r"^--set eff_qvct_exit=1\.5: .*\[0, 1\]"):
        inst.with_parameters({("eff_qvct_exit", ""): 1.5})
    with pytest.raises(GpecError, match=r"^--set unmet_weight\[as\]=-1: "):
        inst.with_parameters({("unmet_weight", "as"): -1.0})


BUDGET_CASES = {
    "absurd_flat": ("cd40=1e308", "--budget 'cd40=1e308'"),
    "absurd_year": ("cd40:2027=1e12", "--budget 'cd40:2027=1e12'"),
}


@pytest.mark.parametrize("case", list(BUDGET_CASES))
def test_absurd_budgets_are_refused_naming_the_option(case, solve):
    option, needle = BUDGET_CASES[case]
    solve(LANDES, "--budget", option, needles=(needle, "at most"))


# -- 1e308 in any numeric column of any instance file -------------------------------------------------

NUMERIC = [(file, column.name) for file, schema in SCHEMAS.items() for column in schema.columns
           if column.kind in ("int", "float") and (LANDES / file).is_file()]


@pytest.mark.parametrize("file,column", NUMERIC, ids=[f"{f}:{c}" for f, c in NUMERIC])
def test_absurd_numbers_in_instance_files_are_refused(file, column, landes, solve):
    table = read(landes, file)
    table.loc[0, column] = "1e308"
    write(landes, file, table)
    solve(landes, needles=(file, "row 1", f"column '{column}'"))


# -- year grids ------------------------------------------------------------------------------------

@pytest.mark.parametrize("file", ["need.csv", "baseline.csv"])
def test_a_year_missing_from_a_grid_is_refused(file, landes, solve):
    table = read(landes, file)
    write(landes, file, table[table["year"] != "2030"])
    solve(landes, needles=(file, "column 'year'", "no row for bassin", "year 2030"))


def test_a_year_missing_for_one_funder_is_refused(landes, solve):
    table = read(landes, "budget.csv")
    write(landes, "budget.csv", table[~((table["funder"] == "cr75") & (table["year"] == "2031"))])
    solve(landes, needles=("budget.csv", "cr75", "2031"))


def test_a_grid_shorter_than_the_horizon_is_refused(landes, solve):
    for file in ("need.csv", "baseline.csv"):
        table = read(landes, file)
        write(landes, file, table[table["year"].astype(int) <= 2033])
    solve(landes, needles=("need.csv", "year 2034"))


def test_a_horizon_outside_the_grid_is_refused(solve):
    solve(LANDES, "--horizon", "2020-2035", needles=("2020-2035", "outside"))


# -- names -------------------------------------------------------------------------------------------

def test_an_unknown_lever_in_levers_csv_is_refused(landes, solve):
    table = read(landes, "levers.csv")
    i = int(table.index[table["lever"] == "qvct"][0])
    table.loc[i, "lever"] = "qvc"
    write(landes, "levers.csv", table)
    solve(landes, needles=("levers.csv", f"row {i + 1}", "column 'lever'", "qvc"))


def test_an_unknown_funder_in_levers_csv_is_refused(landes, solve):
    table = read(landes, "levers.csv")
    table.loc[0, "funder"] = "cd99"
    write(landes, "levers.csv", table)
    solve(landes, needles=("levers.csv", "row 1", "column 'funder'", "cd99"))


def test_an_unknown_funder_in_budget_csv_is_refused(landes, solve):
    table = read(landes, "budget.csv")
    i = int(table.index[table["funder"] == "cd40"][0])
    table.loc[table["funder"] == "cd40", "funder"] = "cd4O"
    write(landes, "budget.csv", table)
    solve(landes, needles=("budget.csv", f"row {i + 1}", "column 'funder'", "cd4O"))


def test_an_unknown_pathway_in_parameters_csv_is_refused(landes, solve):
    table = read(landes, "parameters.csv")
    i = record_row(table, "pathway_cost", "carers")
    table.loc[i, "key"] = "carer"
    write(landes, "parameters.csv", table)
    solve(landes, needles=("parameters.csv", f"row {i + 1}", "column 'key'", "unknown pathway 'carer'"))


def test_an_unknown_lever_option_is_refused(solve):
    solve(LANDES, "--lever-off", "vehicle", needles=("--lever-off vehicle", "unknown lever"))


# -- scenario files and sweep specs: the same checks, naming the file and the key -----------------------

SCENARIO_CASES = {
    "negative_weight": ({"parameters": {"unmet_weight[as]": -1}}, "parameters.unmet_weight[as]", "[0, 1000]"),
    "absurd_cost": ({"parameters": {"cost_vehicle": 1e308}}, "parameters.cost_vehicle", "outside the domain"),
    "fractional_years": ({"parameters": {"training_years[ide]": 2.5}}, "parameters.training_years[ide]",
                         "whole number"),
    "unknown_parameter": ({"parameters": {"decay_kms": 10}}, "parameters.decay_kms", "unknown parameter"),
    "unknown_lever": ({"levers_off": ["vehicle"]}, "levers_off", "unknown lever 'vehicle'"),
    "absurd_budget": ({"budgets": {"cd40": 1e308}}, "budgets.cd40", "at most"),
    "unknown_funder": ({"budgets": {"cd4O": 1000}}, "budgets.cd4O", "unknown funder"),
}


@pytest.mark.parametrize("case", list(SCENARIO_CASES))
def test_scenario_files_are_checked_naming_the_file_and_key(case, solve, tmp_path):
    data, key, needle = SCENARIO_CASES[case]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    solve(LANDES, "--scenario", path, needles=(f"{path}: {key}: ", needle))


SWEEP_CASES = {
    "level_outside_domain": ({"grid": {"departures": {"parameters": ["exit_rate"], "levels": [1.5]}}},
                             "grid.departures.levels", "outside the domain of exit_rate["),
    "whole_years_level": ({"grid": {"routes": {"parameters": ["training_years[ide]"], "levels": [2.5]}}},
                          "grid.routes.levels", "whole number"),
    "absurd_euros": ({"grid": {"envelope": {"budgets": ["cd40"], "euros": [1e308]}}}, "grid.envelope.euros",
                     "at most"),
    "base_parameter": ({"base": {"parameters": {"cost_vehicle": -5}}}, "parameters.cost_vehicle", "[0, 1e+07]"),
}


@pytest.mark.parametrize("case", list(SWEEP_CASES))
def test_sweep_specs_are_checked_naming_the_file_and_key(case, tmp_path):
    data, key, needle = SWEEP_CASES[case]
    spec, out = tmp_path / "spec.yaml", tmp_path / "sweep"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    run = run_gpec("sweep", LANDES, spec, "--out", out, "--workers", 1, "--quiet")
    assert_one_line_error(run.code, run.err, str(spec), key, needle)
    assert not out.exists()


# -- instance.yaml -------------------------------------------------------------------------------------

META = {"name": "landes", "base_year": 2023, "horizon": [2026, 2035]}
META_CASES = {
    "missing_name": ({k: v for k, v in META.items() if k != "name"}, "key 'name'"),
    "missing_horizon": ({k: v for k, v in META.items() if k != "horizon"}, "key 'horizon'"),
    "text_base_year": ({**META, "base_year": "soon"}, "key 'base_year'"),
    "absurd_base_year": ({**META, "base_year": 10**12}, "key 'base_year'"),
    "horizon_not_a_pair": ({**META, "horizon": 2026}, "key 'horizon'"),
    "horizon_backwards": ({**META, "horizon": [2035, 2026]}, "key 'horizon'"),
    "horizon_before_base_year": ({**META, "horizon": [2020, 2035]}, "key 'horizon'"),
    "text_cutoff": ({**META, "travel_max_minutes": "far"}, "key 'travel_max_minutes'"),
    "not_a_mapping": ([1, 2], "mapping"),
}


@pytest.mark.parametrize("case", list(META_CASES))
def test_instance_yaml_errors_name_the_file_and_key(case, landes, solve):
    meta, needle = META_CASES[case]
    (landes / "instance.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    solve(landes, needles=("instance.yaml", needle))


def test_unreadable_instance_yaml_names_the_file_and_line(landes, solve):
    (landes / "instance.yaml").write_text("name: landes\nhorizon: [2026, 2035\n", encoding="utf-8")
    solve(landes, needles=("instance.yaml", "not a readable YAML file", "line"))


def test_missing_instance_yaml_is_named(landes, solve):
    (landes / "instance.yaml").unlink()
    solve(landes, needles=("instance.yaml", "file is missing"))


# -- geometry, checked when the instance loads ---------------------------------------------------

def _features(folder: Path) -> dict:
    return json.loads((folder / "bassins.geojson").read_text(encoding="utf-8"))


def _write_features(folder: Path, data: dict) -> None:
    (folder / "bassins.geojson").write_text(json.dumps(data), encoding="utf-8")


BOWTIE = {"type": "Polygon", "coordinates": [[[-1, 43], [0, 44], [0, 43], [-1, 44], [-1, 43]]]}
GEOMETRY_CASES = {
    "no_geometry": (lambda f: f.__setitem__("geometry", None), "feature 4", "no polygon"),
    "a_point": (lambda f: f.__setitem__("geometry", {"type": "Point", "coordinates": [0, 44]}), "feature 4",
                "'Point'"),
    "invalid_polygon": (lambda f: f.__setitem__("geometry", BOWTIE), "feature 4", "invalid polygon"),
    "no_bassin": (lambda f: f.__setitem__("properties", {"name": "x"}), "feature 4", "'bassin' property"),
    "unknown_bassin": (lambda f: f["properties"].__setitem__("bassin", "99999"), "feature 4", "99999"),
    "lambert_coordinates": (lambda f: f.__setitem__("geometry", {"type": "Polygon", "coordinates": [
        [[400000, 6300000], [410000, 6300000], [410000, 6310000], [400000, 6300000]]]}), "feature 4", "WGS84"),
}


@pytest.mark.parametrize("case", list(GEOMETRY_CASES))
def test_broken_geometry_is_refused_before_anything_runs(case, landes, solve):
    change, where, needle = GEOMETRY_CASES[case]
    data = _features(landes)
    bassin = data["features"][3]["properties"]["bassin"]
    change(data["features"][3])
    _write_features(landes, data)
    line = solve(landes, needles=("bassins.geojson", where, needle))
    assert bassin in line or case in ("no_bassin", "unknown_bassin")


def test_truncated_geometry_file_is_refused(landes, solve):
    text = (landes / "bassins.geojson").read_text(encoding="utf-8")
    (landes / "bassins.geojson").write_text(text[: len(text) // 3], encoding="utf-8")
    solve(landes, needles=("bassins.geojson", "not a readable GeoJSON file"))


def test_a_bassin_without_polygon_is_refused(landes, solve):
    data = _features(landes)
    gone = data["features"].pop(7)["properties"]["bassin"]
    _write_features(landes, data)
    solve(landes, needles=("bassins.geojson", f"no polygon for bassin {gone}"))


def test_a_file_that_is_not_a_feature_collection_is_refused(landes, solve):
    _write_features(landes, {"type": "Feature", "properties": {}, "geometry": None})
    solve(landes, needles=("bassins.geojson", "FeatureCollection"))
