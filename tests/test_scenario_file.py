"""Scenario files (``gpec solve INSTANCE --scenario FILE``): every key checked against the instance, one
line naming the file and the key for a bad one, command-line options over the file's values."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gpec.errors import GpecError
from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.scenario_file import read_scenario_file, with_options
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def landes(landes_path_module):
    return load_instance(landes_path_module)


@pytest.fixture(scope="module")
def landes_path_module():
    return ROOT / "instances" / "landes"


GOOD = """
name: roadmap
description: the Département's 2024 envelope
budgets:
  departement: 1200000
  cr75: {2027: 900000}
parameters:
  eff_qvct_exit: 0.1
  retire_rate[as]: 0.04
levers_off: [vehicles, pools]
service_level: 0.5
horizon: 2026-2030
min_places: {ide: 3}
"""


def test_a_file_gives_its_overrides(landes, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    read = read_scenario_file(path, landes)
    s = read.scenario
    assert read.name == "roadmap" and read.reference is None
    assert s.budgets == {"cd40": 1200000.0, "cr75": {2027: 900000.0}}
    assert s.parameters == {("eff_qvct_exit", ""): 0.1, ("retire_rate", "as"): 0.04}
    assert "vehicles" not in s.levers and "pools" not in s.levers and "training" in s.levers
    assert s.horizon == (2026, 2030) and s.service_level == 0.5 and s.min_places == {"ide": 3}
    applied, horizon = s.apply(landes)
    assert applied.param("eff_qvct_exit") == 0.1 and horizon == (2026, 2030)


def test_options_override_the_file(landes, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    base = read_scenario_file(path, landes).scenario
    options = Scenario(budgets={"cd40": 5.0}, parameters={("eff_qvct_exit", ""): 0.3}, time_limit=7.0,
                       horizon=(2026, 2028))
    merged = with_options(base, options, {"horizon"})
    assert merged.budgets == {"cd40": 5.0, "cr75": {2027: 900000.0}}
    assert merged.parameters == {("eff_qvct_exit", ""): 0.3, ("retire_rate", "as"): 0.04}
    assert merged.horizon == (2026, 2028) and merged.time_limit == 7.0
    assert merged.levers == base.levers and merged.service_level == 0.5  # not given: the file's


@pytest.mark.parametrize("text, key", [
    ("budgett: {cd40: 1}", "budgett: unknown key"),
    ("budgets: {cd99: 1}", "budgets.cd99:"),
    ("budgets: {cd40: -5}", "budgets.cd40: -5 is not a non-negative number of euros"),
    ("budgets: {cd40: {2040: 5}}", "budgets.cd40.2040: not a year of the horizon"),
    ("parameters: {eff_qvct_exitt: 0.1}", "parameters.eff_qvct_exitt: unknown parameter"),
    ("parameters:\n  retire_rate[as]: abc", "parameters.retire_rate[as]:"),
    ("budgets: {cd40: 1", "not a readable YAML file (line 2"),
    ("levers_off: [vehicle]", "levers_off: unknown lever 'vehicle'"),
    ("levers: [training]\nlevers_off: [pools]", "levers_off: give either"),
    ("service_level: 2", "service_level: 2 is not a share in [0, 1]"),
    ("horizon: 2026-2090", "horizon: horizon 2026-2090 is outside the instance data"),
    ("horizon: [2026, x]", "horizon: [2026, 'x'] is not FIRST-LAST"),
    ("min_places: {kine: 3}", "min_places.kine: unknown métier"),
    ("reference: nowhere", "reference:"),
    ("[1, 2]", "a scenario file is a mapping"),
])
def test_a_bad_key_is_one_line_naming_file_and_key(landes, tmp_path, text, key):
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n")
    with pytest.raises(GpecError) as error:
        read_scenario_file(path, landes)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and key in message and "\n" not in message, message


def test_cli_solves_a_scenario_file_and_exits_2_on_a_bad_one(landes_path_module, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: nothing\nbudgets: {cd40: 0, cr75: 0}\nhorizon: 2026-2028\n")
    out = tmp_path / "out"
    run = lambda *args: subprocess.run([sys.executable, "-m", "gpec.cli", "solve", str(landes_path_module),
                                        "--no-maps", "--no-shadow-prices", "--quiet", *args],
                                       capture_output=True, text=True, cwd=ROOT)
    proc = run("--scenario", str(path), "--budget", "cr75=0", "--out", str(out), "--time-limit", "60")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["horizon"] == [2026, 2028] and result["violations"] == 0
    assert result["cost"] == 0.0  # no envelope: nothing bought
    (tmp_path / "bad.yaml").write_text("budgets: {cd99: 1}\n")
    bad = run("--scenario", str(tmp_path / "bad.yaml"), "--out", str(tmp_path / "out2"))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "bad.yaml: budgets.cd99:" in bad.stderr
