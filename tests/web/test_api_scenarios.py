"""What-if requests made scenarios (gpec.web.scenarios): the hash their results are kept under."""

from __future__ import annotations

import pytest

from gpec.instance import load_instance
from gpec.web.requests import SolveRequest
from gpec.web.scenarios import Options, canonical, resolve, scenario_hash

from tests.conftest import LANDES


@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


def key(instance, options=Options(), **body) -> str:
    return scenario_hash(canonical(resolve(SolveRequest(instance="landes", **body), instance, options), instance))


def test_names_of_the_same_body_and_the_default_horizon_hash_alike(landes):
    assert key(landes, budgets={"departement": 6e5}) == key(landes, budgets={"cd40": 600_000})
    assert key(landes, budgets={"CD40": {"2027": 7e5}}) == key(landes, budgets={"departement": {2027: 700_000}})
    assert key(landes) == key(landes, horizon=list(landes.horizon), levers_off=[], parameters={})
    assert key(landes, levers_off=["pools", "qvct"]) == key(landes, levers_off=["qvct", "pools"])


@pytest.mark.parametrize("body", [
    {"budgets": {"cd40": 600_001}}, {"budgets": {"cd40": {2027: 600_000}}}, {"levers_off": ["pools"]},
    {"parameters": {"eff_qvct_exit": 0.2}}, {"parameters": {"retire_rate[as]": 0.04}}, {"horizon": [2026, 2030]},
    {"service_level": 0.9},
])
def test_every_change_of_the_scenario_changes_the_hash(landes, body):
    assert key(landes, **body) != key(landes, budgets={"cd40": 600_000})
    assert key(landes, **body) != key(landes)


def test_the_server_options_are_part_of_the_hash(landes):
    assert key(landes, Options(time_limit=10)) != key(landes, Options(time_limit=60))
    assert len(key(landes)) == 16 and int(key(landes), 16) >= 0
