"""Solving région by région is exact when nothing crosses the border, and no better than the whole model
when something does: a two-région instance with regional bodies, solved whole and split into its régions."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from gpec.by_region import solve_by_region
from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import write_instance

EXACT = Scenario(mip_gap=1e-9, cost_gap=1e-9, time_limit=60, shadow_prices=False)
#: bassin -> (département, région); the bodies: a Conseil départemental each, a Conseil régional each.
ZONES = {"B1": ("11", "01"), "B2": ("22", "02")}
REGION_OF_DEP = {dep: reg for dep, reg in ZONES.values()}
BODIES = [("cd11", "departement", "11"), ("cd22", "departement", "22"), ("cr01", "region", "01"),
          ("cr02", "region", "02")]


def _two_regions(folder, lon2: float):
    """B1 and B2 in régions 01 and 02, ``lon2`` degrees apart; training (Région) and apprenticeships
    (Département), a graduate settling in the other bassin only if it is within reach."""
    bassins = [("B1", 0.0, 45.0), ("B2", lon2, 45.0)]
    write_instance(folder, bassins=bassins, years=(2026, 2030),
                   need={(b, "as", y): n + 12 * (y - 2026) for b, n in (("B1", 100), ("B2", 80))
                         for y in range(2026, 2031)},
                   stock0={("B1", "as"): 100.0, ("B2", "as"): 80.0},
                   inflow={(b, "as", y): 6.0 for b in ("B1", "B2") for y in range(2027, 2031)},
                   training_cap={("B1", "as"): 6}, apprentice_cap={("B1", "as"): 2, ("B2", "as"): 2},
                   budget={"x": 0.0}, params={"retain_local": 0.5})
    b = pd.read_csv(folder / "bassins.csv", dtype=str)
    b["dep"], b["reg"] = b["bassin"].map(lambda x: ZONES[x][0]), b["bassin"].map(lambda x: ZONES[x][1])
    b.to_csv(folder / "bassins.csv", index=False)
    pd.DataFrame([dict(funder=f, kind=k, territory=t, name=f, source="test") for f, k, t in BODIES]).to_csv(
        folder / "funders.csv", index=False)
    envelope = {"cd11": 4000.0, "cd22": 2000.0, "cr01": 3000.0, "cr02": 0.0}
    pd.DataFrame([dict(funder=f, year=y, eur=e, source="test") for f, e in envelope.items()
                  for y in range(2026, 2031)]).to_csv(folder / "budget.csv", index=False)
    pd.DataFrame([dict(lever="training", funder=f, source="test") for f in ("cr01", "cr02")]
                 + [dict(lever="apprenticeship", funder=f, source="test") for f in ("cd11", "cd22")]).to_csv(
        folder / "levers.csv", index=False)
    return folder


def _split(whole, parts):
    """The folder of régions of ``whole``: each région's rows of every table (its bassins, its bodies)."""
    regions = []
    for reg, name in (("01", "r01"), ("02", "r02")):
        part = parts / name
        shutil.copytree(whole, part)
        mine = {b for b, (_, r) in ZONES.items() if r == reg}
        bodies = {f for f, k, t in BODIES if (REGION_OF_DEP[t] if k == "departement" else t) == reg}
        for file in part.glob("*.csv"):
            t = pd.read_csv(file, dtype=str, keep_default_na=False)
            for column in ("bassin", "origin", "destination"):
                if column in t:
                    t = t[t[column].isin(mine)]
            if "funder" in t:
                t = t[t["funder"].isin(bodies)]
            t.to_csv(file, index=False)
        meta = yaml.safe_load((part / "instance.yaml").read_text())
        (part / "instance.yaml").write_text(yaml.safe_dump({**meta, "name": name}))
        regions.append({"code": reg, "name": name, "folder": name})
    (parts / "instance.yaml").write_text(yaml.safe_dump({"name": "two", "kind": "regions", "regions": regions}))
    return parts


@pytest.mark.parametrize("lon2, crossing", [(10.0, False), (0.5, True)])
def test_by_region_against_the_whole(tmp_path, lon2, crossing):
    whole = _two_regions(tmp_path / "whole", lon2)
    mono = solve(load_instance(whole), EXACT)
    assert mono.status == "optimal" and mono.violations == 0
    by = solve_by_region(_split(whole, tmp_path / "parts"), tmp_path / "out", EXACT, workers=2, maps=False)
    assert by["status"] == "optimal" and by["violations"] == 0
    if crossing:  # graduates of B1 settle in B2 too: the whole model can use that, the régions cannot
        assert mono.objective <= by["objective"] + 1e-6
    else:
        assert by["objective"] == pytest.approx(mono.objective, rel=1e-9, abs=1e-6)
