"""Training sites and the extra training places the Région may fund there.

* **Sites**: the bassins of a département where its institutes (IFSI, IFAS, DEAES) are assumed to be:
  the bassins holding most of the département's inhabitants (one per :data:`INHABITANTS_PER_SITE` inhabitants, at
  least one). No institute-level data is in data/raw (parameters.md gap 9); ``training_sites.csv`` of the
  catalogue names the sites where they are known.
* **Extra places** per métier and year: the Ségur extra places of the région (Nouvelle-Aquitaine: rows
  38-40 of ``care_sector_figures.csv``, over 3 school years) or, elsewhere, the national extra places
  (row 35: IDE 6,600, AS 6,600, AES 3,400) x the région's share of the population; then the département's
  share of its région's population, split evenly over its sites, whole places rounded up.
"""

from __future__ import annotations

import math

import pandas as pd

CSF = "data/raw/care_sector_figures.csv"
INHABITANTS_PER_SITE = 200_000
#: Nouvelle-Aquitaine's extra places over 3 school years 2021-2023 per métier: (places, data row).
NA_EXTRA_PLACES_3Y = {"ide": (650, 38), "as": (715, 39), "aes": (450 / 2, 40), "adv": (450 / 2, 40)}
#: National Ségur extra places (data row 35: IDE 6,600 + AS 6,600 + AES 3,400), as a total over 3 years.
FRANCE_EXTRA_PLACES = {"ide": 6600, "as": 6600, "aes": 3400 / 2, "adv": 3400 / 2}
FRANCE_EXTRA_ROW = 35


def sites(communes: pd.DataFrame, dep: str, named: dict[str, str]) -> tuple[list[str], str]:
    """The training sites of ``dep`` (bassin codes, sorted) and the note saying how they were chosen:
    the bassins holding most of the département's inhabitants (``communes``: ``data/raw/communes_bv2022.csv``)."""
    own = communes[communes["dep"] == dep]
    dep_pop = own["pop_municipale_2022"].sum()
    k = max(1, round(dep_pop / INHABITANTS_PER_SITE))
    chosen = sorted(own.groupby("bv2022")["pop_municipale_2022"].sum().sort_values(ascending=False).index[:k])
    note = named.get(dep) or (f"the {k} bassin(s) holding most of the département's inhabitants, one site per "
                              f"{INHABITANTS_PER_SITE:,} inhabitants")
    return chosen, note


def extra_places(communes: pd.DataFrame, deps, named: dict[str, str]) -> pd.DataFrame:
    """``training_capacity.csv``: extra places a year per site and métier."""
    metro = communes[~communes["dep"].str.startswith("97")]
    france_pop = int(communes["pop_municipale_2022"].sum())
    rows = []
    for dep in deps:
        reg = metro.loc[metro["dep"] == dep, "reg"].iloc[0]
        dep_pop = int(metro.loc[metro["dep"] == dep, "pop_municipale_2022"].sum())
        reg_pop = int(metro.loc[metro["reg"] == reg, "pop_municipale_2022"].sum())
        share = dep_pop / reg_pop
        site_list, note = sites(communes, dep, named)
        for m in NA_EXTRA_PLACES_3Y:
            if reg == "75":
                places_3y, row = NA_EXTRA_PLACES_3Y[m]
                what = f"{CSF}#row={row} ({places_3y:g} NA extra places over 3 school years)"
            else:
                places_3y = FRANCE_EXTRA_PLACES[m] * reg_pop / france_pop
                row = FRANCE_EXTRA_ROW
                what = (f"{CSF}#row={row} ({FRANCE_EXTRA_PLACES[m]:g} national extra places) x région population "
                        f"share {reg_pop:,}/{france_pop:,}")
            per_site = math.ceil(places_3y / 3 * share / len(site_list))
            for site in site_list:
                rows.append(dict(bassin=site, metier=m, max_places_per_year=per_site,
                                 source=f"der: {what} / 3 x department population share {dep_pop:,}/{reg_pop:,} "
                                        f"(data/raw/communes_bv2022.csv), split evenly over the sites; sites: "
                                        f"assumption ({note})"))
    table = pd.DataFrame(rows)
    # a bassin can be a site of two départements (e.g. a city on their border): one row, places summed
    return (table.groupby(["bassin", "metier"], sort=False, as_index=False)
            .agg(max_places_per_year=("max_places_per_year", "sum"), source=("source", " + ".join)))
