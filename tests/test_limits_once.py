"""P12 review mends: each limit declared once, each check run once with one message, and ``load_result``
as its docstring says.

- A table column or an option holding the same quantity as a parameter has the parameter's limit
  (:mod:`gpec.domains`): the post's cost and a unit cost, a bassin's density and a vehicle density, the
  groups' ``--max-minutes`` and a radius, ``--travel-cost`` and ``travel_cost_per_minute``; a whole
  number in a table is whole exactly, as a whole-number parameter is.
- ``gpec groups`` checks the option values once (``check_values``), however it is called.
- An unknown ``--set`` name gets one message, from :class:`~gpec.scenario.Scenario` as from
  :meth:`~gpec.instance.Instance.with_parameters`; a record the instance lacks names its keys there.
- "one value for the territory" is one check for every parameter that has no key.
- The outlines of the maps need no repair of the polygons (checked at load).
- ``load_result`` reads a result.json of this version, ignores keys it does not know (top level and in a
  stage) and names the file, key, stage and field of a missing or mistyped one.

Data are real files: the line of five structures of tests/test_groups.py, copies of the Landes instance,
and one Landes solve on a two-year horizon written once for the module.
"""

from __future__ import annotations

import json
import math
import shutil
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

import gpec.groupings.options
import gpec.groupings.solve
from gpec.cli import main
from gpec.domains import COST, DENSITY, DOMAINS, EUR_PER_MINUTE, RADIUS, violation
from gpec.errors import GpecError, InputError
from gpec.geo.maps import dissolved_outlines
from gpec.groupings import GroupingOptions, load_group_data, solve_groups
from gpec.groupings.data import check_travel_cost
from gpec.groupings.options import check_values
from gpec.instance import load_instance
from gpec.outputs import STAGE_FIELDS, load_result, write_outputs
from gpec.results import StageReport
from gpec.scenario import Scenario
from gpec.schema import SCHEMAS
from gpec.solving import solve
from tests.conftest import LANDES
from tests.test_groups import _write_line


def _gpec(monkeypatch, capsys, *args) -> tuple[int, str]:
    """Run the console script in this process: (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["gpec", *map(str, args)])
    with pytest.raises(SystemExit) as stop:
        main()
    code = stop.value.code
    return (0 if code is None else code), capsys.readouterr().err


def _one_line(code: int, err: str, *needles: str) -> str:
    """Exit code 2 and one line ``gpec: error: ...`` holding every needle; that line."""
    assert code == 2, (code, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gpec: error: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _above(limit: float) -> float:
    """The next float above ``limit``: the smallest value a maximum refuses."""
    return float(np.nextafter(limit, math.inf))


@pytest.fixture(scope="module")
def line_folder(tmp_path_factory):
    return _write_line(tmp_path_factory.mktemp("line") / "line")


@pytest.fixture
def landes(tmp_path):
    """A copy of the Landes instance to damage."""
    folder = tmp_path / "landes"
    shutil.copytree(LANDES, folder)
    return folder


# -- one limit per quantity ----------------------------------------------------------------------------

def test_a_post_costs_at_most_what_any_unit_may_cost(line_folder, tmp_path):
    """post_types.csv cost_eur and the unit costs of parameters.csv share gpec.domains.COST."""
    assert violation("cost_qvct_officer", COST.high) is None
    assert violation("cost_qvct_officer", _above(COST.high)) is not None
    folder = tmp_path / "line"
    shutil.copytree(line_folder, folder)
    posts = pd.read_csv(folder / "post_types.csv", dtype=str)
    posts.loc[0, "cost_eur"] = repr(COST.high)
    posts.to_csv(folder / "post_types.csv", index=False)
    assert load_group_data(folder, "p", travel_file=folder / "travel.csv").post["cost_eur"] == COST.high
    posts.loc[0, "cost_eur"] = repr(_above(COST.high))
    posts.to_csv(folder / "post_types.csv", index=False)
    with pytest.raises(InputError) as error:
        load_group_data(folder, "p", travel_file=folder / "travel.csv")
    assert (error.value.row, error.value.column) == (1, "cost_eur")
    assert f"above the maximum {COST.high:g}" in error.value.message


def test_a_bassin_density_has_the_limit_of_a_density_parameter(landes):
    """bassins.csv density and vehicle_max_density share gpec.domains.DENSITY."""
    assert SCHEMAS["bassins.csv"].column("density").maximum == DENSITY.high == DOMAINS["vehicle_max_density"].high
    table = pd.read_csv(landes / "bassins.csv", dtype=str, keep_default_na=False)
    table.loc[2, "density"] = repr(_above(DENSITY.high))
    table.to_csv(landes / "bassins.csv", index=False)
    with pytest.raises(InputError) as error:
        load_instance(landes)
    assert (error.value.file, error.value.row, error.value.column) == (str(landes / "bassins.csv"), 3, "density")


def test_the_groups_travel_limits_are_the_parameter_domains():
    """--max-minutes is a radius (gpec.domains.RADIUS), --travel-cost a cost per minute (EUR_PER_MINUTE)."""
    check_values(GroupingOptions(max_minutes=RADIUS.high), 5)
    assert violation("pool_radius_min", RADIUS.high) is None
    with pytest.raises(GpecError, match=rf"^--max-minutes {_above(RADIUS.high):g}: .* at most {RADIUS.high:g} "):
        check_values(GroupingOptions(max_minutes=_above(RADIUS.high)), 5)
    assert violation("pool_radius_min", _above(RADIUS.high)) is not None
    assert check_travel_cost(EUR_PER_MINUTE.high, "--travel-cost") == EUR_PER_MINUTE.high
    assert violation("travel_cost_per_minute", EUR_PER_MINUTE.high) is None
    with pytest.raises(GpecError, match=rf"^--travel-cost .*\[0, {EUR_PER_MINUTE.high:g}\]"):
        check_travel_cost(_above(EUR_PER_MINUTE.high), "--travel-cost")


@pytest.mark.parametrize("value,whole", [("3", True), ("3.0", True), ("3.8919209032075974e-101", False),
                                         ("2.9999999999999996", False), ("3.000000001", False)])
def test_a_whole_number_column_is_whole_exactly(value, whole, landes):
    """A count in a table is whole as a whole-number parameter is (gpec.domains): no tolerance that turns
    3.9e-101 contracts into 0 in silence."""
    table = pd.read_csv(landes / "apprenticeship_capacity.csv", dtype=str, keep_default_na=False)
    table.loc[1, "max_contracts_per_year"] = value
    table.to_csv(landes / "apprenticeship_capacity.csv", index=False)
    if whole:
        capacity = load_instance(landes).table("apprenticeship_capacity.csv")["max_contracts_per_year"]
        assert capacity.iloc[1] == 3
        return
    with pytest.raises(InputError) as error:
        load_instance(landes)
    assert (error.value.row, error.value.column) == (2, "max_contracts_per_year")
    assert error.value.message.startswith(f"'{value}' is not a whole number")


# -- each check once ------------------------------------------------------------------------------------

def _counted(calls: list, real):
    """``real``, appending its arguments to ``calls`` at each call (the real function runs)."""
    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)
    return counted


def test_groups_checks_the_option_values_once(line_folder, monkeypatch, capsys, tmp_path):
    """One solve_groups call, or one gpec groups, checks the options' values once, on the options asked."""
    calls = []
    for module in (gpec.groupings.options, gpec.groupings.solve):
        monkeypatch.setattr(module, "check_values", _counted(calls, check_values))
    data = load_group_data(line_folder, "p", travel_file=line_folder / "travel.csv")
    result = solve_groups(data, GroupingOptions(max_minutes=15, max_size=0), mip_gap=0.0)
    assert result.has_solution and len(calls) == 1 and calls[0][0].max_size == 0  # as asked, not bounded
    code, err = _gpec(monkeypatch, capsys, "groups", line_folder, "--post", "p", "--max-minutes", 15,
                      "--travel", line_folder / "travel.csv", "--out", tmp_path / "out", "--no-maps", "--quiet")
    assert code == 0, err
    assert len(calls) == 2
    code, err = _gpec(monkeypatch, capsys, "groups", line_folder, "--post", "p", "--max-minutes", 15,
                      "--travel", line_folder / "travel.csv", "--min-size", 4, "--max-size", 3, "--out",
                      tmp_path / "bad")
    _one_line(code, err, "--min-size 4 and --max-size 3")
    assert len(calls) == 3 and not (tmp_path / "bad").exists()


def test_an_unknown_set_name_gets_one_message(monkeypatch, capsys, tmp_path):
    """Scenario and Instance.with_parameters refuse an unknown name by the same check, with the same line."""
    overrides = {("decay_kms", ""): 10.0}
    with pytest.raises(GpecError) as from_scenario:
        Scenario(parameters=overrides)
    with pytest.raises(GpecError) as from_instance:
        load_instance(LANDES).with_parameters(overrides)
    message = str(from_scenario.value)
    assert message == str(from_instance.value)
    assert message == "--set decay_kms=10: unknown parameter 'decay_kms' (no domain in gpec.domains; did you mean decay_km?)"
    code, err = _gpec(monkeypatch, capsys, "solve", LANDES, "--set", "decay_kms=10", "--out", tmp_path / "out")
    assert _one_line(code, err) == f"gpec: error: {message}"


@pytest.mark.parametrize("record,value,needles", [
    (("retire_rate", "zz"), 0.1, ("--set retire_rate[zz]=0.1: no record retire_rate[zz] in", "parameters.csv",
                                  "keys of retire_rate there: ", "as, ash")),
    (("retire_rate", ""), 0.1, ("--set retire_rate=0.1: no record retire_rate in", "keys of retire_rate there")),
    (("decay_km", "x"), 3.0, ("--set decay_km[x]=3: no record decay_km[x] in",
                              "decay_km is one value for the territory: give it without [KEY]")),
    (("pathway_cost", "nosuch"), 100.0, ("--set pathway_cost[nosuch]=100: no record", "carers")),
])
def test_a_record_the_instance_lacks_is_named_with_its_keys(record, value, needles):
    """A known parameter without that record: refused when applied (the scenario alone cannot know)."""
    scenario = Scenario(parameters={record: value})  # a name with a domain: the scenario accepts it
    with pytest.raises(GpecError) as error:
        scenario.apply(load_instance(LANDES))
    for needle in needles:
        assert needle in str(error.value), str(error.value)


@pytest.mark.parametrize("name", ["cost_vehicle", "settle_max_km", "labour_pool_share"])
def test_one_value_for_the_territory_is_one_check(name, landes):
    """A model scalar, an optional parameter and the labour pool's share: the same check, row and column."""
    table = pd.read_csv(landes / "parameters.csv", dtype=str, keep_default_na=False)
    if name not in set(table["name"]):  # settle_max_km is optional: give it a record
        table = pd.concat([table, pd.DataFrame([dict(name=name, key="", value="30", low="30", high="30", unit="km",
                                                     confidence="ass", source="test", note="")])],
                          ignore_index=True)
    i = int(table.index[table["name"] == name][0])
    table.loc[i, "key"] = "as"
    table.to_csv(landes / "parameters.csv", index=False)
    with pytest.raises(InputError) as error:
        load_instance(landes)
    assert (error.value.row, error.value.column) == (i + 1, "key")
    assert error.value.message == f"{name} is one value for the territory: its key must be empty"


# -- the outlines of the maps --------------------------------------------------------------------------

def test_outlines_need_no_repair_of_the_polygons():
    """dissolved_outlines draws from any ring (its ±300 m buffers make valid shapes): no buffer(0) first,
    and an instance's polygons are checked valid when it loads (tests/test_validity.py)."""
    bowtie = Polygon([(0, 44), (0.2, 44.2), (0.2, 44), (0, 44.2), (0, 44)])
    square = Polygon([(0.2, 44), (0.4, 44), (0.4, 44.2), (0.2, 44.2)])
    far = Polygon([(1, 44), (1.2, 44), (1.2, 44.2), (1, 44.2)])
    layer = gpd.GeoDataFrame({"dep_pole": ["40", "40", "64"]}, geometry=[bowtie, square, far], crs=4326)
    assert not layer.is_valid.all()
    outlines = dissolved_outlines(layer, "dep_pole")
    assert len(outlines) == 2 and not outlines.is_empty.any() and outlines.crs == layer.crs


# -- load_result ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The output folder of a Landes solve on two years, written by this version."""
    out = tmp_path_factory.mktemp("written") / "out"
    result = solve(load_instance(LANDES), Scenario(horizon=(2026, 2027), shadow_prices=False))
    return write_outputs(result, out, maps=False)


def _edited(written, tmp_path, edit):
    """A copy of ``written`` whose result.json ``edit`` (a function of the dict) changed."""
    out = tmp_path / "out"
    shutil.copytree(written, out)
    head = json.loads((out / "result.json").read_text())
    edit(head)
    (out / "result.json").write_text(json.dumps(head))
    return out


def test_the_fields_of_a_stage_are_those_of_a_stage_report():
    assert set(STAGE_FIELDS) == set(StageReport.__dataclass_fields__)


def test_a_result_of_this_version_with_keys_of_a_later_one_loads(written, tmp_path):
    """Keys a later version may add, at the top and in a stage, are ignored; what is known is read."""
    def later(head):
        head["written_by"] = "gpec 9"
        head["stages"][0]["iterations"] = 1234
        head["stages"][1]["nodes"] = {"explored": 3}
    plain, extra = load_result(written), load_result(_edited(written, tmp_path, later))
    assert len(plain.stages) >= 2 and extra.stages == plain.stages
    assert not hasattr(extra, "written_by") and extra.objective == pytest.approx(plain.objective)


@pytest.mark.parametrize("edit,needles", [
    (lambda h: h["stages"][1].pop("solver_status"),
     ("key 'stages', stage 2 (cost): field 'solver_status' is missing",)),
    (lambda h: h["stages"][0].update(gap="small"),
     ("key 'stages', stage 1 (unmet): field 'gap' is \"small\", expected a finite number or null",)),
    (lambda h: h["stages"][0].pop("name"), ("key 'stages', stage 1: field 'name' is missing",)),
    (lambda h: h.pop("n_variables"), ("key 'n_variables' is missing",)),
    (lambda h: h.update(horizon=[2027, 2026]), ("key 'horizon' is [2027, 2026], expected [first, last] years",)),
    (lambda h: h.update(stages=[1]), ("key 'stages' is [1], expected a list of stages",)),
], ids=["stage_field_missing", "stage_field_mistyped", "stage_name_missing", "key_missing", "key_mistyped",
        "stages_not_objects"])
def test_a_missing_or_mistyped_key_is_named(edit, needles, written, tmp_path, monkeypatch, capsys):
    out = _edited(written, tmp_path, edit)
    with pytest.raises(GpecError) as error:
        load_result(out)
    assert str(error.value).startswith(f"{out / 'result.json'}: ")
    for needle in needles:
        assert needle in str(error.value), str(error.value)
    code, err = _gpec(monkeypatch, capsys, "explain", out)
    assert _one_line(code, err, *needles) == f"gpec: error: {error.value}"
