"""Population by commune (all ages, 75+, 85+) and the bassins de vie of a territory.

* Population and 75+: RP 2023 where ``data/raw/landes_pop_75_85_rp2023.csv`` has the commune (the
  Landes), RP 2022 elsewhere (``data/raw/communes_bv2022.csv``).
* 85+: observed (RP 2023) in the Landes; elsewhere ``pop85_per_pop80`` x the commune's 80+ (RP 2022),
  the ratio estimated on the Landes communes, where both are observed (:func:`pop85_ratio`).
* The four metropolitan communes without age bands in the commune file get the 75+ and 80+ shares of
  their département (stated in the source of their bassin).
* A bassin counts the territory's communes only (a border bassin keeps its part), located at the
  population-weighted centre of those communes; ``dep`` and ``reg`` are the département and région of
  the territory holding most of that population (the bodies that fund what is decided there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gpec.errors import GpecError

COMMUNES = "data/raw/communes_bv2022.csv"
LANDES_AGES = "data/raw/landes_pop_75_85_rp2023.csv"
CODES = {"code_commune": str, "dep": str, "bv2022": str, "epci": str, "reg": str}


def read_communes(raw: Path) -> pd.DataFrame:
    """``communes_bv2022.csv`` with its codes as text."""
    return pd.read_csv(raw / "communes_bv2022.csv", dtype=CODES, low_memory=False)


def pop85_ratio(raw: Path, communes: pd.DataFrame) -> tuple[float, str]:
    """85+ (RP 2023) / 80+ (RP 2022) over the communes where both are observed, and its formula."""
    ages = pd.read_csv(raw / "landes_pop_75_85_rp2023.csv", dtype={"code_commune": str, "bv2022": str})
    both = ages.merge(communes[["code_commune", "pop_80p_rp2022"]], on="code_commune")
    p85, p80 = int(both["pop_85p_rp2023"].sum()), int(both["pop_80p_rp2022"].sum())
    return p85 / p80, (f"{p85:,} people 85+ (RP 2023, {LANDES_AGES}) / {p80:,} people 80+ (RP 2022, {COMMUNES}) "
                       f"over the {len(both)} communes where both are observed")


def territory_communes(raw: Path, communes: pd.DataFrame, deps: tuple[str, ...], ratio: float) -> pd.DataFrame:
    """The territory's communes: ``code_commune, dep, reg, bv2022, population, pop75, pop85, lon, lat, ages``.

    ``ages`` tags where the ages come from: ``rp2023`` (observed), ``rp2022`` (75+ observed, 85+ derived)
    or ``imputed`` (no age bands: the département's shares).
    """
    c = communes[communes["dep"].isin(deps)].copy()
    observed = pd.read_csv(raw / "landes_pop_75_85_rp2023.csv", dtype={"code_commune": str, "bv2022": str})
    observed = observed.set_index("code_commune")
    hit = c["code_commune"].isin(observed.index)
    no_ages = ~hit & c["pop_75p_rp2022"].isna()
    pop = c["pop_rp2022"].where(c["pop_rp2022"].notna(), c["pop_municipale_2022"]).astype(float)
    pop75 = c["pop_75p_rp2022"].astype(float)
    pop80 = c["pop_80p_rp2022"].astype(float)
    if no_ages.any():  # the département's shares of 75+ and 80+
        known = c[~no_ages]
        share75 = known.groupby("dep")["pop_75p_rp2022"].sum() / known.groupby("dep")["pop_rp2022"].sum()
        share80 = known.groupby("dep")["pop_80p_rp2022"].sum() / known.groupby("dep")["pop_rp2022"].sum()
        pop75 = pop75.where(~no_ages, pop * c["dep"].map(share75))
        pop80 = pop80.where(~no_ages, pop * c["dep"].map(share80))
    pop85 = ratio * pop80
    codes = c.loc[hit, "code_commune"]
    pop.loc[hit] = observed.loc[codes, "pop_rp2023"].to_numpy(float)
    pop75.loc[hit] = observed.loc[codes, "pop_75p_rp2023"].to_numpy(float)
    pop85.loc[hit] = observed.loc[codes, "pop_85p_rp2023"].to_numpy(float)
    if c["centroid_lon"].isna().any():
        raise GpecError(f"{COMMUNES} lacks a centroid for some commune of the territory")
    ages = np.where(hit, "rp2023", np.where(no_ages, "imputed", "rp2022"))
    return pd.DataFrame({"code_commune": c["code_commune"], "dep": c["dep"], "reg": c["reg"], "bv2022": c["bv2022"],
                         "population": pop, "pop75": pop75, "pop85": pop85, "lon": c["centroid_lon"],
                         "lat": c["centroid_lat"], "ages": ages})


def bassins(communes: pd.DataFrame, raw: Path) -> pd.DataFrame:
    """One row per bassin de vie of the territory (sums of its communes), with ``dep`` and ``reg``."""
    bv = pd.read_csv(raw / "bassins_de_vie_2022.csv", dtype={"bv2022": str, "dep_pole": str})
    df = communes.assign(wlon=communes["lon"] * communes["population"], wlat=communes["lat"] * communes["population"])
    g = df.groupby("bv2022").agg(population=("population", "sum"), pop75=("pop75", "sum"), pop85=("pop85", "sum"),
                                 wlon=("wlon", "sum"), wlat=("wlat", "sum"),
                                 ages=("ages", lambda s: ",".join(sorted(set(s)))))
    g["lon"], g["lat"] = (g["wlon"] / g["population"]).round(5), (g["wlat"] / g["population"]).round(5)
    for col in ("population", "pop75", "pop85"):
        g[col] = np.round(g[col]).astype(np.int64)
    main = df.groupby(["bv2022", "dep", "reg"], as_index=False)["population"].sum()
    main = main.sort_values(["bv2022", "population"], ascending=[True, False]).drop_duplicates("bv2022")
    g = g.join(main.set_index("bv2022")[["dep", "reg"]])
    g = g.reset_index().rename(columns={"bv2022": "bassin"})
    bv = bv.assign(density=(bv["pop_municipale_2022"] / bv["area_km2"]).round(2))
    g = g.merge(bv[["bv2022", "libelle_bv2022", "dep_pole", "density"]].rename(
        columns={"bv2022": "bassin", "libelle_bv2022": "name"}), on="bassin", how="left")
    where = "centre: data/raw/communes_bv2022.csv centroids weighted by population; name, density (whole bassin, " \
            "inhabitants per km2): data/raw/bassins_de_vie_2022.csv"
    g["source"] = g["ages"].map(lambda a: f"{_age_source(a)}; {where}")
    return g[["bassin", "name", "dep_pole", "dep", "reg", "population", "pop75", "pop85", "lon", "lat", "density",
              "source"]]


def _age_source(tags: str) -> str:
    if tags == "rp2023":
        return f"{LANDES_AGES} (sum by bv2022, RP 2023)"
    parts = []
    if "rp2023" in tags:
        parts.append(f"{LANDES_AGES} (RP 2023) for its communes")
    if "rp2022" in tags or "imputed" in tags:
        parts.append(f"{COMMUNES} (sum by bv2022, RP 2022; 85+ der: pop85_per_pop80 x 80+)")
    if "imputed" in tags:
        parts.append("communes without age bands: the département's shares of 75+ and 80+ (assumption)")
    return "; ".join(parts)
