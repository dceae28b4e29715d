"""Funding bodies of a territory, their yearly envelopes and the levers each may pay for.

Bodies (``funders.csv``): one Conseil départemental per département (``cd40``), and for each région
the territory touches the Conseil régional (``cr75``) and the ARS with its FIR (``ars75``).

Envelopes (``budget.csv``), every year of the data:

* **Conseils départementaux**: the published envelopes of the catalogue (the Landes: S1, P21) for their
  own body; every other département gets the Landes profile x its people 75+ / the Landes' (RP 2022):
  a stated key, labelled an assumption the body replaces with its own figure.
* **Conseils régionaux**: the State funding of Nouvelle-Aquitaine's Ségur extra places (28.4 MEUR for
  1,828 places, row 37) per place, x the région's extra places (its own in Nouvelle-Aquitaine, the
  national ones x its population share elsewhere), / 3 school years, x the share of the région's
  population the territory holds.
* **ARS**: 0 EUR (no FIR amount for these levers in data/raw), to be set with ``--budget ars=EUR``.
"""

from __future__ import annotations

import pandas as pd

from gpec.territory.training import FRANCE_EXTRA_PLACES

CSF = "data/raw/care_sector_figures.csv"
NA_STATE_FUNDING_EUR = (28.4e6, 37)  # State funding for 1,828 NA extra places, 2021-22 (row 37)
NA_PLACES = 1828


def bodies(communes: pd.DataFrame, deps) -> pd.DataFrame:
    """``funders.csv``: funder, kind, territory, name, source."""
    c = communes[communes["dep"].isin(deps)]
    dep_names = c.drop_duplicates("dep").set_index("dep")["libelle_dep"]
    regs = c.drop_duplicates("reg").set_index("reg")["libelle_reg"]
    src = "data/raw/communes_bv2022.csv (libelle_dep, libelle_reg)"
    rows = [dict(funder=f"cd{d}", kind="departement", territory=d, name=dep_names[d], source=src) for d in deps]
    for r in sorted(regs.index):
        rows.append(dict(funder=f"cr{r}", kind="region", territory=r, name=regs[r], source=src))
        rows.append(dict(funder=f"ars{r}", kind="ars", territory=r, name=regs[r], source=src))
    return pd.DataFrame(rows)


def budget(funders: pd.DataFrame, communes: pd.DataFrame, deps, envelopes: pd.DataFrame,
           years: range) -> pd.DataFrame:
    """``budget.csv``: funder, year, eur, source."""
    metro = communes[~communes["dep"].str.startswith("97")]
    france_pop = int(communes["pop_municipale_2022"].sum())
    pop75 = metro.groupby("dep")["pop_75p_rp2022"].sum()
    rows = []
    for y in years:  # year by year, the bodies in their order
        for body in funders.itertuples():
            if body.kind == "departement":
                eur, src = _departement(body.territory, y, envelopes, pop75)
            elif body.kind == "region":
                eur, src = _region(body.territory, deps, metro, france_pop)
            else:
                eur, src = 0, "assumption: no FIR amount for these levers in data/raw; set it with --budget ars=EUR"
            rows.append(dict(funder=body.funder, year=y, eur=eur, source=src))
    return pd.DataFrame(rows)


def _published(envelopes: pd.DataFrame, kind: str, territory: str, year: int):
    e = envelopes[(envelopes["kind"] == kind) & (envelopes["territory"] == territory)]
    hit = e[e["year"] == str(year)]
    if hit.empty:
        later = e[e["year"] == "later"]
        first = pd.to_numeric(e["year"], errors="coerce")
        if later.empty or not (first.dropna() < year).all():
            return None
        hit = later
    return int(hit["eur"].iloc[0]), str(hit["source"].iloc[0])


def _departement(dep: str, year: int, envelopes: pd.DataFrame, pop75: pd.Series):
    own = _published(envelopes, "departement", dep, year)
    if own is not None:
        return own
    ref = envelopes.loc[envelopes["kind"] == "departement", "territory"].iloc[0]
    eur, src = _published(envelopes, "departement", ref, year)
    key = pop75[dep] / pop75[ref]
    return int(round(eur * key, -3)), (f"assumption: the {ref} envelope ({src}) x people 75+ {int(pop75[dep]):,} / "
                                       f"{int(pop75[ref]):,} (RP 2022, data/raw/communes_bv2022.csv), rounded to "
                                       "1,000 EUR; replace with the body's own envelope")


def _region(reg: str, deps, metro: pd.DataFrame, france_pop: int):
    funding, row = NA_STATE_FUNDING_EUR
    reg_pop = int(metro.loc[metro["reg"] == reg, "pop_municipale_2022"].sum())
    here = int(metro.loc[metro["dep"].isin(deps) & (metro["reg"] == reg), "pop_municipale_2022"].sum())
    if reg == "75":
        if here == reg_pop:
            return round(funding / 3), (f"der: {CSF}#row={row} (28.4 MEUR State funding of NA extra places) / 3 "
                                        "school years (the period is unclear: assumption)")
        return round(funding * here / reg_pop / 3), (
            f"der: {CSF}#row={row} (28.4 MEUR State funding of NA extra places) x department population share "
            f"{here:,}/{reg_pop:,} / 3 school years (the period is unclear: assumption)")
    places = sum(FRANCE_EXTRA_PLACES.values()) * reg_pop / france_pop
    per_place = funding / NA_PLACES
    eur = round(per_place * places * here / reg_pop / 3)
    return eur, (f"der: {CSF}#row={row} (28.4 MEUR for {NA_PLACES:,} NA extra places = {per_place:,.0f} EUR a "
                 f"place) x national extra places {sum(FRANCE_EXTRA_PLACES.values()):,.0f} (row 35) x région "
                 f"population share {reg_pop:,}/{france_pop:,} x the territory's share {here:,}/{reg_pop:,} / 3 "
                 "school years (assumption)")


def levers(funders: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """``levers.csv``: lever, funder, source — every body of each kind the catalogue lets pay for a lever."""
    rows = []
    for r in catalogue.itertuples():
        for body in funders[funders["kind"] == r.kind]["funder"]:
            rows.append(dict(lever=r.lever, funder=body, source=r.source))
    return pd.DataFrame(rows)

