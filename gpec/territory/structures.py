"""Establishments of a territory and the equipment rates that stand in for them where none are listed.

* **FINESS EHPAD** (``data/raw/ehpad_finess_landes_pyrenees_atlantiques.csv``: the Landes and the
  Pyrénées-Atlantiques) with their permanent places; EHPAD without a permanent capacity are left out
  (their need is unknown) and listed by :func:`unknown_capacity`.
* **Aggregate EHPAD** elsewhere: one structure per bassin and département part, with places =
  the most local EHPAD equipment rate (places per 1,000 people 75+: département, else région, else
  metropolitan France; DREES 2018, ``data/raw/care_sector_figures.csv``) x the part's 75+. Such a
  structure stands for every EHPAD of its part (statut ``aggregate``): levers that count structures (QVCT
  coverage, groupings) see one structure there, as the outputs say.
* **SSIAD places** per bassin: the most local SSIAD + SPASAD rate x 75+, summed over the bassin's parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

FINESS = "data/raw/ehpad_finess_landes_pyrenees_atlantiques.csv"
CSF = "data/raw/care_sector_figures.csv"
RATE = "taux_equipement_places_pour_1000_75p"
CATEGORIES = {"ehpad": "EHPAD", "ssiad": "SSIAD + SPASAD"}


@dataclass(frozen=True)
class Rate:
    """An equipment rate (places per 1,000 people 75+) and where it comes from."""

    value: float
    row: int  # data row of care_sector_figures.csv
    where: str  # e.g. "Gironde 2018"

    @property
    def source(self) -> str:
        return f"{CSF}#row={self.row}"


def equipment_rates(raw: Path) -> pd.DataFrame:
    """The EHPAD and SSIAD rates of ``care_sector_figures.csv``: ``category, level, code, value, row, where``."""
    f = pd.read_csv(raw / "care_sector_figures.csv", dtype=str)
    f["row"] = range(1, len(f) + 1)
    rows = []
    for category, name in CATEGORIES.items():
        hit = f[(f["indicator"] == RATE) & (f["metier_or_category"] == name)]
        for r in hit.itertuples():
            rows.append(dict(category=category, level=r.territory_level, code=r.territory_code, value=float(r.value),
                             row=r.row, where=f"{r.territory_name} {r.reference_year}"))
    return pd.DataFrame(rows)


def most_local_rate(rates: pd.DataFrame, category: str, dep: str, reg: str) -> Rate:
    """The département's rate, else the région's, else metropolitan France's."""
    r = rates[rates["category"] == category]
    for level, code in (("departement", dep), ("region", reg), ("pays", "FRM")):
        hit = r[(r["level"] == level) & (r["code"] == code)]
        if len(hit):
            h = hit.iloc[0]
            return Rate(float(h["value"]), int(h["row"]), str(h["where"]))
    raise LookupError(f"no {category} equipment rate for France métropolitaine in {CSF}")


def read_finess(raw: Path) -> pd.DataFrame:
    return pd.read_csv(raw / "ehpad_finess_landes_pyrenees_atlantiques.csv",
                       dtype={"dep": str, "finess_et": str, "bv2022": str})


def finess_structures(ehpad: pd.DataFrame, deps) -> pd.DataFrame:
    """The listed EHPAD of ``deps`` with a permanent capacity (``structures.csv`` rows, file rows as sources)."""
    e = ehpad.reset_index().rename(columns={"index": "i"})
    e = e[e["dep"].isin(deps) & e["capacite_hebergement_permanent"].notna()]
    return pd.DataFrame({
        "structure": e["finess_et"], "name": e["raison_sociale"], "category": "ehpad", "statut": e["statut"],
        "bassin": e["bv2022"], "lon": e["lon"], "lat": e["lat"],
        "places": e["capacite_hebergement_permanent"].astype(int),
        "source": [f"{FINESS}#row={i + 1}" for i in e["i"]],
    })


def unknown_capacity(ehpad: pd.DataFrame, deps) -> pd.DataFrame:
    """Listed EHPAD of ``deps`` without a permanent capacity (left out)."""
    return ehpad[ehpad["dep"].isin(deps) & ehpad["capacite_hebergement_permanent"].isna()]


def aggregate_structures(communes: pd.DataFrame, bassins: pd.DataFrame, deps, rates: pd.DataFrame) -> pd.DataFrame:
    """One aggregate EHPAD per bassin and département part of ``deps`` (départements with no FINESS list)."""
    parts = communes[communes["dep"].isin(deps)]
    w = parts.assign(wlon=parts["lon"] * parts["population"], wlat=parts["lat"] * parts["population"])
    g = w.groupby(["bv2022", "dep", "reg"], as_index=False)[["pop75", "population", "wlon", "wlat"]].sum()
    names = bassins.set_index("bassin")["name"]
    rows = []
    for r in g.itertuples():
        rate = most_local_rate(rates, "ehpad", r.dep, r.reg)
        places = int(round(rate.value * r.pop75 / 1000))
        if places <= 0:
            continue
        rows.append(dict(structure=f"bv{r.bv2022}-{r.dep}", name=f"EHPAD of {names[r.bv2022]} ({r.dep}), aggregate",
                         category="ehpad", statut="aggregate", bassin=r.bv2022,
                         lon=round(r.wlon / r.population, 5), lat=round(r.wlat / r.population, 5), places=places,
                         source=f"der: {rate.value:g} EHPAD places per 1,000 people 75+ ({rate.where}, {rate.source}) "
                                f"x {r.pop75:,.0f} people 75+ of the bassin's communes in département {r.dep}; one "
                                "structure stands for all EHPAD there (no FINESS list in data/raw)"))
    return pd.DataFrame(rows, columns=["structure", "name", "category", "statut", "bassin", "lon", "lat", "places",
                                       "source"])


def ssiad_places(communes: pd.DataFrame, bassins: pd.DataFrame, rates: pd.DataFrame) -> pd.Series:
    """SSIAD places per bassin (index ``bassin``): the most local rate x 75+, summed over the parts."""
    g = communes.groupby(["bv2022", "dep", "reg"], as_index=False)["pop75"].sum()
    g["places"] = [most_local_rate(rates, "ssiad", d, r).value * p / 1000
                   for d, r, p in zip(g["dep"], g["reg"], g["pop75"])]
    return g.groupby("bv2022")["places"].sum().reindex(bassins["bassin"]).fillna(0.0)


def rates_used(rates: pd.DataFrame, category: str, deps, regs) -> list[tuple[str, Rate]]:
    """(département, rate) for each département of the territory."""
    return [(d, most_local_rate(rates, category, d, r)) for d, r in zip(deps, regs)]
