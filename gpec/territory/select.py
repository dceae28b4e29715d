"""Which territory an instance covers: départements, a région or metropolitan France.

The DROM (départements 971-976, régions 01-06) are excluded: the commune file has no age bands for
them (``data/raw/communes_bv2022.csv``, ``age_note``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from gpec.errors import GpecError


@dataclass(frozen=True)
class Territory:
    """The départements an instance covers and how it is named.

    Attributes
    ----------
    deps : tuple of str
        INSEE département codes (``40``, ``2A``): sorted for a région or France, as given for ``--dep``.
    name : str
        Instance name, e.g. ``landes``, ``nouvelle_aquitaine``, ``france``.
    label : str
        Description for people, e.g. ``Landes (40)``.
    option : str
        The ``gpec instance build`` option that selects it (``--dep 40``).
    """

    deps: tuple[str, ...]
    name: str
    label: str
    option: str


def slug(text: str) -> str:
    """``Pyrénées-Atlantiques`` -> ``pyrenees_atlantiques``."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")


def select(communes: pd.DataFrame, dep: str | list[str] | None = None, region: str | None = None,
           france: bool = False) -> Territory:
    """The territory of exactly one of ``dep`` (codes), ``region`` (INSEE code) or ``france``.

    ``communes`` is ``data/raw/communes_bv2022.csv`` (columns ``dep``, ``libelle_dep``, ``reg``,
    ``libelle_reg``). Unknown codes and DROM codes raise :class:`~gpec.errors.GpecError` naming the option.
    """
    chosen = [x for x in (dep, region, france or None) if x]
    if len(chosen) != 1:
        raise GpecError("instance build: give exactly one of --dep, --region, --france")
    metro = communes[~communes["dep"].str.startswith("97")]
    deps_names = metro.drop_duplicates("dep").set_index("dep")["libelle_dep"]
    regs = metro.drop_duplicates("dep").set_index("dep")["reg"]
    if france:
        deps = sorted(deps_names.index)
        return Territory(tuple(deps), "france", "France métropolitaine", "--france")
    if region:
        code = str(region).strip().zfill(2)
        if code in communes.loc[communes["dep"].str.startswith("97"), "reg"].unique():
            raise GpecError(f"--region {region}: the DROM are excluded (the commune file has no age bands for them)")
        deps = sorted(regs.index[regs == code])
        if not deps:
            known = ", ".join(sorted(regs.unique()))
            raise GpecError(f"--region {region}: unknown région code (metropolitan régions: {known})")
        name = metro.loc[metro["reg"] == code, "libelle_reg"].iloc[0]
        return Territory(tuple(deps), slug(name), f"{name} ({code})", f"--region {code}")
    codes = [d.strip().upper() for d in ([dep] if isinstance(dep, str) else dep) for d in d.split(",") if d.strip()]
    codes = [c.zfill(2) if c.isdigit() else c for c in codes]
    for c in codes:
        if c.startswith("97"):
            raise GpecError(f"--dep {c}: the DROM are excluded (the commune file has no age bands for them)")
        if c not in deps_names.index:
            raise GpecError(f"--dep {c}: unknown département code")
    if not codes or len(set(codes)) != len(codes):
        raise GpecError(f"--dep {dep}: give distinct département codes, e.g. --dep 40 or --dep 40,64")
    names = [deps_names[c] for c in codes]
    return Territory(tuple(codes), "_".join(slug(n) for n in names),
                     ", ".join(f"{n} ({c})" for n, c in zip(names, codes)), f"--dep {','.join(codes)}")
