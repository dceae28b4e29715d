"""The lever registry: every lever is declared once by its module, and every place that needs the levers
reads it (the vocabulary of names, the builders, the tables, the labels, the maps, levers.csv)."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
import sys
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

import gpec.models
from gpec import schema
from gpec.errors import InputError
from gpec.geo.maps import LEVER_MAPS
from gpec.i18n import LABELS, LANGUAGES
from gpec.instance import load_instance
from gpec.lever_names import LEVERS, PATHWAY_LEVERS
from gpec.models import LEVER_BUILDERS, build_model, longest_lag
from gpec.models.levers import LeverTerms
from gpec.models.registry import LEVER_TABLES, MODULES, REGISTRY
from gpec.results import LEVER_FILES, OUTPUT_FILES, TABLE_COLUMNS, TABLE_FILES, Result, solution_tables
from tests.conftest import LANDES


@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


@pytest.fixture(scope="module")
def landes_model(landes):
    return build_model(landes, (2026, 2030))


def test_the_registry_has_every_lever_of_the_vocabulary_in_its_order():
    assert schema.LEVERS is LEVERS and schema.PATHWAY_LEVERS is PATHWAY_LEVERS  # one list, re-exported
    assert tuple(REGISTRY) == LEVERS
    assert tuple(LEVER_BUILDERS) == LEVERS
    assert set(PATHWAY_LEVERS) <= set(REGISTRY)
    assert all(name == spec.name for name, spec in REGISTRY.items())


def test_every_module_that_declares_levers_is_collected():
    declaring = []
    for info in pkgutil.iter_modules(gpec.models.__path__):
        module = importlib.import_module(f"gpec.models.{info.name}")
        if hasattr(module, "SPECS"):
            declaring.append(module)
    assert set(declaring) == set(MODULES)
    declared = [spec.name for module in MODULES for spec in module.SPECS]
    assert sorted(declared) == sorted(LEVERS), "each lever declared by exactly one module, once"


def test_every_lever_is_built_by_its_own_spec(landes, landes_model):
    assert [terms.lever for terms in landes_model.levers] == list(REGISTRY)
    for terms in landes_model.levers:
        assert isinstance(terms, LeverTerms)
        assert terms.block.size > 0, terms.lever
        assert landes_model.lp.columns[terms.block.name] is terms.block
        assert landes_model.lever(terms.lever) is terms
    alone = build_model(landes, (2026, 2027), levers=("qvct",))
    assert [terms.lever for terms in alone.levers] == ["qvct"] and alone.lever("training") is None


def test_every_lever_has_its_words_in_every_language():
    for name, spec in REGISTRY.items():
        keys = [f"lever.{name}", f"unit.{name}"]
        if spec.mapped:
            keys += [f"map.what_{name}", f"map.unit_{name}"]
        for key in keys:
            assert key in LABELS and set(LABELS[key]) == set(LANGUAGES), key
    assert LEVER_MAPS == tuple(name for name, spec in REGISTRY.items() if spec.mapped)


def test_levers_csv_takes_the_levers_of_the_registry_and_no_other(landes, tmp_path):
    assert set(landes.lever_funders()["lever"]) == set(REGISTRY)  # the Landes funds every lever
    folder = tmp_path / "landes"
    shutil.copytree(LANDES, folder)
    levers = pd.read_csv(folder / "levers.csv")
    levers.loc[3, "lever"] = "mobility"  # the old module name of the vehicles
    levers.to_csv(folder / "levers.csv", index=False)
    with pytest.raises(InputError) as caught:
        load_instance(folder)
    assert (caught.value.file.endswith("levers.csv"), caught.value.row, caught.value.column) == (True, 4, "lever")
    assert "'mobility'" in caught.value.message


def test_the_result_files_come_from_the_registry():
    result_fields = {f.name for f in fields(Result)}
    for name, table in LEVER_TABLES.items():
        assert name in result_fields and TABLE_FILES[name] == table.file and TABLE_COLUMNS[name] == table.columns
        assert table.file in OUTPUT_FILES
    for name, spec in REGISTRY.items():
        assert LEVER_FILES[spec.decisions_file] == (name, list(spec.decisions_columns))
        assert set(spec.decisions_columns) <= set(TABLE_COLUMNS["decisions"])
        for table in spec.tables:
            assert LEVER_TABLES[table.name] is table, "levers sharing a table share its declaration"
    assert len(LEVER_FILES) == len(REGISTRY)


def test_the_lever_tables_are_read_off_the_blocks_the_levers_hand_over(landes, landes_model):
    x = np.zeros(landes_model.lp.n_cols)
    qvct, pools = landes_model.lever("qvct"), landes_model.lever("pools")
    served = qvct.coverage.positions[[0, 3]]
    x[served] = 1.0
    x[pools.flows.positions[2]] = 0.5
    tables = solution_tables(landes_model, landes, x)
    assert len(tables["coverage"]) == 2 and tables["pool_flows"]["fte"].tolist() == [0.5]
    assert set(tables["coverage"]["structure"]) == set(qvct.coverage.index[[0, 3]].get_level_values("structure"))


def test_the_longest_lag_is_that_of_the_levers_switched_on(landes):
    course = int(landes.param_by_metier("training_years").max())
    paths = landes.pathways()
    expected = {"training": course, "apprenticeship": course, "qvct": 1, "vehicles": 1, "pools": 0,
                **{lever: int(paths.loc[paths["lever"] == lever, "years"].max()) for lever in PATHWAY_LEVERS}}
    assert set(expected) == set(REGISTRY)
    for name, lag in expected.items():
        assert longest_lag(landes, (name,)) == lag, name
    assert longest_lag(landes, ()) == 0
    assert longest_lag(landes, ("pools", "qvct")) == 1


def test_every_lever_gives_the_formulation_of_its_own_module():
    formulations = {spec.formulation for spec in REGISTRY.values()}
    assert "" not in formulations
    assert len(formulations) == len(MODULES), "one per module: the five pathway levers share theirs"
    assert REGISTRY["vehicles"].formulation == sys.modules["gpec.models.vehicles"].__doc__


def test_the_report_does_not_import_the_independent_check():
    code = "import sys, gpec.report; print('gpec.evaluate' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
