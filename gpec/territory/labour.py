"""Jobseekers and tension per bassin de vie x métier, from the bassins d'emploi (BMO 2019 zoning).

France Travail publishes jobseekers (category ABC, 2021) and a tension index (1-5) per bassin d'emploi
and ROME code (``data/raw/tension_metiers_soin_bassins_emploi_2021.csv``); a bassin d'emploi without a
row for a code (not published) counts 0 jobseekers of it, as its source says.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def labour_pool(raw: Path, deps, communes: pd.DataFrame, metiers: pd.DataFrame) -> pd.DataFrame:
    """Jobseekers and tension per bassin de vie x métier, from the bassins d'emploi (BMO 2019 zoning).

    A bassin d'emploi's jobseekers are split onto the bassins de vie it overlaps in proportion to
    population: share = population of the department's communes in both / population of the bassin
    d'emploi (all its communes, France). The tension index is the overlap-weighted mean over the bassins
    d'emploi that publish it.
    """
    zoning = pd.read_csv(raw / "communes_bassin_emploi_bmo2019.csv", dtype=str)
    tension = pd.read_csv(raw / "tension_metiers_soin_bassins_emploi_2021.csv", dtype={"bassin_emploi": str})
    tension = tension.reset_index().rename(columns={"index": "i"})
    c = communes[["code_commune", "dep", "bv2022", "pop_municipale_2022"]].merge(
        zoning[["code_commune", "bassin_emploi_bmo2019"]], on="code_commune", how="inner")
    be_pop = c.groupby("bassin_emploi_bmo2019")["pop_municipale_2022"].sum()
    overlap = (c[c["dep"].isin(deps)].groupby(["bv2022", "bassin_emploi_bmo2019"], as_index=False)
               ["pop_municipale_2022"].sum())
    overlap["share"] = overlap["pop_municipale_2022"] / overlap["bassin_emploi_bmo2019"].map(be_pop)
    rome = dict(zip(metiers["metier"], metiers["rome"]))
    t = tension[tension["code_rome"].isin(rome.values())]
    rows = []
    for bassin, parts in overlap.groupby("bv2022"):
        for metier, code in rome.items():
            hit = parts.merge(t[t["code_rome"] == code], left_on="bassin_emploi_bmo2019", right_on="bassin_emploi")
            jobseekers = float((hit["share"] * hit["demandeurs_emploi_abc"]).sum())
            w = hit["pop_municipale_2022"]
            index = float((w * hit["ind_tension_d"]).sum() / w.sum()) if w.sum() > 0 else np.nan
            split = ", ".join(f"{r.bassin_emploi} x {r.share:.4f} (row {r.i + 1})" for r in hit.itertuples())
            rows.append(dict(bassin=bassin, metier=metier, rome=code, jobseekers=round(jobseekers, 3),
                             tension=round(index, 2) if index == index else np.nan,
                             source=("der: data/raw/tension_metiers_soin_bassins_emploi_2021.csv demandeurs_emploi_abc "
                                     f"and ind_tension_d of bassins d'emploi {split or 'none published'}; share = "
                                     "overlap population / bassin d'emploi population (data/raw/communes_bv2022.csv, "
                                     "data/raw/communes_bassin_emploi_bmo2019.csv)")))
    return pd.DataFrame(rows)
