"""Instances for any territory (``gpec instance build --dep/--region/--france``): they build from data/raw,
load without a validation error, add up to their communes, and solve; bad selections exit 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from gpec.instance import load_instance
from gpec.territory import build_instance
from gpec.territory.population import read_communes
from tests.conftest import ROOT

RAW = ROOT / "data" / "raw"


def gpec(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def communes():
    return read_communes(RAW)


@pytest.fixture(scope="module")
def gironde(tmp_path_factory):
    out = tmp_path_factory.mktemp("g33") / "g33"
    run = gpec("instance", "build", "--dep", "33", "--out", out)
    assert run.returncode == 0, run.stderr
    return out


def test_gironde_builds_and_solves(gironde, tmp_path):
    inst = load_instance(gironde)
    assert inst.name == "gironde" and len(inst.bassins) > 30
    # Gironde has no FINESS list in data/raw: aggregate EHPAD at the Gironde equipment rate (98.2, row 73)
    s = inst.table("structures.csv")
    assert (s["statut"] == "aggregate").all() and s["source"].str.contains("care_sector_figures.csv#row=73").all()
    assert set(inst.bodies) == {"cd33", "cr75", "ars75"}
    out = tmp_path / "out"
    run = gpec("solve", gironde, "--out", out, "--horizon", "2026-2028", "--no-maps", "--no-shadow-prices",
               "--quiet")
    assert run.returncode == 0, run.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["status"] in ("optimal", "feasible") and result["violations"] == 0
    spend = pd.read_csv(out / "spend.csv", dtype={"zone": str})
    assert set(spend.loc[spend["eur"] > 0, "funder"]) <= {"cd33", "cr75"}  # the ARS has 0 EUR


def test_totals_add_up_to_the_communes(gironde, communes):
    """The bassins hold the département's communes, no more, no fewer (border bassins: their part)."""
    bassins = load_instance(gironde).bassins
    c = communes[communes["dep"] == "33"]
    assert set(bassins["bassin"]) == set(c["bv2022"])
    assert bassins["pop75"].sum() == pytest.approx(c["pop_75p_rp2022"].sum(), abs=len(bassins))
    assert (bassins["dep"] == "33").all() and (bassins["reg"] == "75").all()


def test_a_region_builds(tmp_path, communes):
    out = build_instance(None, RAW, tmp_path / "ara", region="84")
    inst = load_instance(out)
    deps = sorted(communes.loc[communes["reg"] == "84", "dep"].unique())
    assert inst.name == "auvergne_rhone_alpes"
    assert {b for b in inst.bodies if b.startswith("cd")} == {f"cd{d}" for d in deps}
    assert set(inst.bassins["reg"]) == {"84"} and set(inst.bassins["dep"]) <= set(deps)
    travel = inst.table("travel.csv")
    assert inst.travel_max_minutes == 90 and travel["minutes"].max() <= 90
    assert len(travel) < 0.25 * len(inst.bassins) ** 2  # sparse: pairs within 90 minutes only


@pytest.mark.parametrize("args, words", [
    (["--dep", "971"], "DROM"),
    (["--region", "01"], "DROM"),
    (["--dep", "99"], "unknown département"),
    (["--region", "99"], "unknown région"),
    (["--dep", "40", "--region", "75"], "exactly one"),
    (["--dep", "40,40"], "distinct"),
])
def test_bad_selection_exits_2_with_one_line(tmp_path, args, words):
    run = gpec("instance", "build", *args, "--out", tmp_path / "x")
    assert run.returncode == 2 and words in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_france_builds_as_its_regions(tmp_path):
    from gpec.by_region import region_folders

    parts = region_folders(build_instance(None, RAW, tmp_path / "france", france=True))
    assert len(parts) == 13 and "01" not in parts  # the DROM (régions 01-06) are excluded
    bassins = pd.concat([load_instance(p).bassins for p in parts.values()])
    assert bassins["bassin"].nunique() > 1600 and not bassins["dep"].str.startswith("97").any()
