"""Staff, need and the baseline path of a territory: the same calibration everywhere.

* **Observed staff** (base year) per bassin x métier x setting = capacity x observed staffing ratio:
  EHPAD places (listed or aggregate structures); SSIAD places (equipment rate x 75+); home-care aides =
  national aides per 1,000 people 75+ x the bassin's 75+, converted to FTE.
* **Need** = observed staff / (1 - vacancy rate), grown with the 85+ (EHPAD) or 75+ (SSIAD, home).
* **Baseline** (no lever): staff keep pace with need at the observed vacancy rate up to the first model
  year, then grow at a stated trend per métier; inflow(t) = S(t) - (1 - retire - exit) S(t-1), split into
  school output (graduates-per-stock rate) and ordinary hiring.
* **Apprenticeship capacity**: a share of the first model year's baseline stock, whole contracts.
* **Staff of each structure**: its places x the EHPAD ratios (the staff a QVCT post reaches).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def stock(bassins: pd.DataFrame, structures: pd.DataFrame, ssiad: pd.Series, pv: dict) -> pd.DataFrame:
    """``stock.csv``: observed FTE per bassin x métier x setting (``ssiad``: SSIAD places per bassin)."""
    places = structures.groupby("bassin")["places"].sum().reindex(bassins["bassin"]).fillna(0).to_numpy()
    pop75 = bassins["pop75"].to_numpy(float)
    ssiad = ssiad.reindex(bassins["bassin"]).to_numpy(float)
    as_aes = pv[("ratio_ehpad_as_aes", "")]
    share_as = pv[("share_as_in_as_aes", "")]
    home = pv[("home_aides_per_1000_75p", "")] * pop75 / 1000 / pv[("persons_per_fte_home", "")]
    src_e = "EHPAD places (structures.csv) x {}"
    parts = [
        ("as", "ehpad", places * as_aes * share_as, src_e.format("ratio_ehpad_as_aes x share_as_in_as_aes")),
        ("aes", "ehpad", places * as_aes * (1 - share_as), src_e.format("ratio_ehpad_as_aes x (1 - share_as_in_as_aes)")),
        ("ide", "ehpad", places * pv[("ratio_ehpad", "ide")], src_e.format("ratio_ehpad[ide]")),
        ("ash", "ehpad", places * pv[("ratio_ehpad", "ash")], src_e.format("ratio_ehpad[ash]")),
        ("as", "ssiad", ssiad * pv[("ratio_ssiad", "as")], "pop75 x ssiad_places_per_1000_75p x ratio_ssiad[as]"),
        ("ide", "ssiad", ssiad * pv[("ratio_ssiad", "ide")], "pop75 x ssiad_places_per_1000_75p x ratio_ssiad[ide]"),
        ("adv", "home", home, "pop75 x home_aides_per_1000_75p / persons_per_fte_home"),
    ]
    rows = [pd.DataFrame({"bassin": bassins["bassin"], "metier": m, "setting": s, "stock_fte": v.round(3),
                          "source": "derived (observed 2023): " + src}) for m, s, v, src in parts]
    return pd.concat(rows, ignore_index=True)


def need(stock: pd.DataFrame, pv: dict, years: range, base_year: int) -> pd.DataFrame:
    """``need.csv``: need per bassin x métier x year."""
    v = pv[("vacancy_rate", "")]
    growth = {"ehpad": pv[("pop85_growth", "")], "ssiad": pv[("pop75_growth", "")], "home": pv[("pop75_growth", "")]}
    s = stock.copy()
    s["g"] = s["setting"].map(growth)
    frames = []
    for y in years:
        f = s[["bassin", "metier"]].copy()
        f["year"] = y
        f["need_fte"] = s["stock_fte"] / (1 - v) * (1 + s["g"]) ** (y - base_year)
        frames.append(f)
    out = pd.concat(frames).groupby(["bassin", "metier", "year"], as_index=False)["need_fte"].sum()
    out["need_fte"] = out["need_fte"].round(4)
    out["source"] = ("derived: stock.csv / (1 - vacancy_rate), grown by pop85_growth (EHPAD) or pop75_growth "
                     f"(SSIAD, home care) from {base_year}")
    return out


def baseline(need: pd.DataFrame, pv: dict, first_model_year: int) -> pd.DataFrame:
    """``baseline.csv``: the no-lever path of staff and its inflows."""
    v = pv[("vacancy_rate", "")]
    n = need.set_index(["bassin", "metier", "year"])["need_fte"].unstack("year")
    metiers = n.index.get_level_values("metier")
    trend = metiers.map(lambda m: pv[("stock_trend", m)]).to_numpy(float)
    survive = metiers.map(lambda m: 1 - pv[("retire_rate", m)] - pv[("exit_rate", m)]).to_numpy(float)
    school_rate = metiers.map(lambda m: pv[("school_output_rate", m)]).to_numpy(float)
    stock = pd.DataFrame(index=n.index, columns=n.columns, dtype=float)
    for y in n.columns:
        if y <= first_model_year:
            stock[y] = n[y] * (1 - v)
        else:
            stock[y] = stock[y - 1] * (1 + trend)
    frames = []
    for y in n.columns[1:]:
        inflow = stock[y] - survive * stock[y - 1]
        school = np.minimum(inflow, school_rate * stock[y - 1])
        frames.append(pd.DataFrame({"year": y, "stock_fte": stock[y].round(4), "school_output_fte": school.round(4),
                                    "ordinary_hiring_fte": (inflow - school).round(4)}, index=n.index))
    base = pd.concat(frames).reset_index()
    base["source"] = (f"derived: staff keep pace with need at vacancy_rate until {first_model_year}, then grow by "
                      "stock_trend; inflow = S(t) - (1 - retire_rate - exit_rate) S(t-1), school part = "
                      "school_output_rate x S(t-1)")
    return base[["bassin", "metier", "year", "stock_fte", "school_output_fte", "ordinary_hiring_fte", "source"]]


def apprenticeship_capacity(baseline: pd.DataFrame, pv: dict, first_model_year: int) -> pd.DataFrame:
    """``apprenticeship_capacity.csv``: whole contracts per bassin x métier with a training route."""
    s = baseline[baseline["year"] == first_model_year]
    s = s[s["metier"].map(lambda m: pv[("training_years", m)] >= 1)]
    cap = np.ceil(s["stock_fte"] * pv[("apprentice_max_share", "")]).astype(int)
    return pd.DataFrame({"bassin": s["bassin"], "metier": s["metier"], "max_contracts_per_year": cap,
                         "source": f"der: apprentice_max_share (assumption) x baseline stock {first_model_year}"})


def structure_staff(structures: pd.DataFrame, pv: dict) -> pd.DataFrame:
    """``structure_staff.csv``: observed staff of each EHPAD (places x EHPAD staffing ratios)."""
    as_aes, share_as = pv[("ratio_ehpad_as_aes", "")], pv[("share_as_in_as_aes", "")]
    ratios = {"as": as_aes * share_as, "aes": as_aes * (1 - share_as), "ide": pv[("ratio_ehpad", "ide")],
              "ash": pv[("ratio_ehpad", "ash")]}
    rows = [pd.DataFrame({"structure": structures["structure"], "metier": m,
                          "staff_fte": (structures["places"] * r).round(3),
                          "source": "derived (observed 2023): places (structures.csv) x EHPAD staffing ratio "
                                    "(parameters ratio_ehpad_as_aes, share_as_in_as_aes, ratio_ehpad)"})
            for m, r in ratios.items()]
    return pd.concat(rows, ignore_index=True)
