"""The builder's catalogue: data files in ``gpec/territory/catalogue/`` (see its README.md), and the
parameter records that depend on the territory (rates chosen per département, derived ratios)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FOLDER = Path(__file__).parent / "catalogue"


def table(name: str) -> pd.DataFrame:
    """A catalogue file with every column as text except the numbers of ``parameters.csv``."""
    if name == "parameters.csv":
        p = pd.read_csv(FOLDER / name, dtype={"name": str, "key": str, "unit": str, "confidence": str, "source": str,
                                              "note": str, "lever": str},
                        keep_default_na=False, na_values={"value": [""], "high": [""]})
        return p
    return pd.read_csv(FOLDER / name, dtype=str, keep_default_na=False)


def parameters(metro_75p: int, ssiad: list, ehpad: list, pop85: tuple[float, str] | None) -> pd.DataFrame:
    """``parameters.csv`` of an instance: the catalogue's records with the territory's values filled in.

    Parameters
    ----------
    metro_75p : int
        Metropolitan people 75+ (RP 2022), the denominator of ``home_aides_per_1000_75p``.
    ssiad, ehpad : list of (département, :class:`~gpec.territory.structures.Rate`)
        The SSIAD rate used in each département, and the EHPAD rate of the départements whose EHPAD are
        aggregate structures (empty when every EHPAD is listed).
    pop85 : (ratio, formula) or None
        The 85+ / 80+ ratio when some commune's 85+ is derived from its 80+.
    """
    p = table("parameters.csv")
    home = p["name"] == "home_aides_per_1000_75p"
    value = round(570_000 / metro_75p * 1000, 2)
    p.loc[home, "value"], p.loc[home, "high"] = value, value
    p.loc[home, "note"] = p.loc[home, "note"].str.replace("{metro_75p:,}", f"{metro_75p:,}", regex=False)
    row = p.index[p["name"] == "ssiad_places_per_1000_75p"][0]
    rates = {r.row: r for _, r in ssiad}
    if set(rates) != {int(p.at[row, "source"].rsplit("=", 1)[1])}:  # not the catalogue's rate alone
        values = [r.value for r in rates.values()]
        main = max(rates.values(), key=lambda r: sum(1 for _, x in ssiad if x.row == r.row))
        p.loc[row, ["value", "low", "high"]] = [main.value, min(values + [20.3]), max(values + [20.9])]
        p.at[row, "source"] = ";".join(f"data/raw/care_sector_figures.csv#row={k}" for k in sorted(rates))
        p.at[row, "note"] = _per_dep("SSIAD + SPASAD places per 1,000 75+, the most local rate", ssiad)
    extra = []
    if ehpad:
        values = [r.value for _, r in ehpad]
        main = max((r for _, r in ehpad), key=lambda r: sum(1 for _, x in ehpad if x.row == r.row))
        extra.append(dict(name="ehpad_places_per_1000_75p", key="", value=main.value, low=min(values + [83.4]),
                          high=max(values + [105.2]), unit="places per 1,000 75+", confidence="pub",
                          source=";".join(sorted({r.source for _, r in ehpad})),
                          note=_per_dep("EHPAD places of the aggregate structures, the most local rate", ehpad)
                          + "; FINESS counts are 20-26 % below the NA rate in the Landes and Pyrénées-Atlantiques "
                            "(83.4 and 84.1), hence the low end"))
    if pop85 is not None:
        ratio, formula = pop85
        extra.append(dict(name="pop85_per_pop80", key="", value=round(ratio, 4), low=0.51, high=0.6,
                          unit="people 85+ per person 80+", confidence="der", source="data/raw/landes_pop_75_85_rp2023.csv;"
                          "data/raw/communes_bv2022.csv", note=f"{formula}; range: assumption"))
    if extra:
        at = int(np.flatnonzero(p["name"] == "pop85_growth")[0]) + 1
        p = pd.concat([p.iloc[:at], pd.DataFrame(extra), p.iloc[at:]], ignore_index=True)
    return p


def _per_dep(what: str, used: list) -> str:
    groups: dict = {}
    for dep, r in used:
        groups.setdefault((r.value, r.where, r.row), []).append(dep)
    parts = [f"{v:g} ({where}, row {row}) in {', '.join(deps)}" for (v, where, row), deps in groups.items()]
    return f"{what}: " + "; ".join(parts)
