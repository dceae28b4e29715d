"""National overview maps of a by-région run (``gpec solve FOLDER --by-region``), drawn from the merged
tables in the run's output folder: ``map_unmet.png`` (share of need not covered in the last year) and one
``map_<lever>.png`` per lever some région's plan uses (units over the horizon), with every bassin de vie
of the régions at once, the régions outlined, in the words of :mod:`gpec.i18n`. The drawing is that of
the maps of one run (:func:`gpec.geo.maps.unmet_map`, :func:`gpec.geo.maps.lever_map`), without their
EHPAD points and pool arrows (too many at that scale).

A bassin straddling two régions is in both régions' instances, each counting its own communes, so it has
a row per région in the merged tables. On the national maps it is drawn once, with its figures added up
over the régions: FTE needed and not covered, units of each lever; its share of need not covered is the
sum of the uncovered FTE over the sum of the needed FTE (not a sum of shares). Its polygon is the whole
bassin in each région's ``bassins.geojson``: one is drawn (the union, should two ever differ).

A région without a plan (its solve failed, or found none) is left out of the figures; its bassins are
hatched, grey where no other région holds a part of them, and the note under each map names it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
from matplotlib.collections import PatchCollection
from matplotlib.patches import Patch, PathPatch

from gpec.by_region import region_folders, region_names, remove_maps
from gpec.geo.maps import (GREY, LEVER_MAPS, _Base, dissolved_outlines, label_names, lever_map, read_bassin_shapes,
                           source_line, unmet_map)
from gpec.i18n import check_lang, t
from gpec.schema import SCHEMAS, read_table

#: Statuses of a région that has a plan.
PLANNED = ("optimal", "feasible")
#: Fill and hatching of the bassins of a région without a plan.
NO_PLAN_FILL = "#d9d9d9"
NO_PLAN_HATCH = "////"
#: Figure size (inches) of the national maps: some 1,700 bassins.
NATIONAL_FIGSIZE = (9, 9)


def write_national_maps(folder: str | Path, out: str | Path, regions: dict[str, dict], lang: str = "en") -> list[Path]:
    """Write the national maps of a by-région run into ``out`` (module docstring), replacing those of an
    earlier run there (a ``map_*.png`` not written again is removed).

    Parameters
    ----------
    folder : path
        The ``kind: regions`` folder that was solved (:func:`gpec.by_region.region_folders`).
    out : path
        The run's output folder: merged ``workforce.csv`` and ``decisions.csv`` with a ``region`` column,
        and each région's outputs in ``regions/<folder>/`` (its ``result.json`` gives the horizon).
    regions : dict
        INSEE code -> the région's summary (``status``, ``error``, ``folder``), as in ``result.json``.
    lang : str
        ``en`` or ``fr``.

    Returns
    -------
    list of Path
        The maps written; empty when a région has no ``bassins.geojson`` or no région has a plan.

    Raises
    ------
    KeyError
        On an unknown language (nothing written).
    GpecError
        When a ``bassins.geojson`` cannot be read.
    """
    check_lang(lang)
    out = Path(out)
    planned = {code for code, summary in regions.items() if has_plan(summary)}
    shapes = region_shapes(region_folders(folder)) if planned else None
    written = [] if shapes is None else _draw_national(folder, out, regions, planned, shapes, lang)
    remove_maps(out, keep=written)
    return written


def has_plan(summary: dict) -> bool:
    """Whether a région's summary (``result.json`` ``regions``) is that of a plan."""
    return summary.get("error") is None and summary.get("status") in PLANNED


def region_shapes(parts: dict[str, Path]) -> gpd.GeoDataFrame | None:
    """Every région's bassins: ``region``, ``bassin``, ``name``, ``dep_pole``, ``dep``, ``population`` and
    the polygon, a row per région and bassin (a bassin straddling two régions has two); None when a région
    has no ``bassins.geojson``."""
    frames = []
    for code, folder in parts.items():
        shapes = read_bassin_shapes(folder)
        if shapes is None:
            return None
        table = read_table(Path(folder), SCHEMAS["bassins.csv"])
        keep = [c for c in ("bassin", "name", "dep_pole", "dep", "population") if c in table]
        frames.append(shapes.merge(table[keep], on="bassin", how="left").assign(region=code))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def national_layer(shapes: gpd.GeoDataFrame, workforce: pd.DataFrame, decisions: pd.DataFrame, last: int,
                   planned: set[str]) -> gpd.GeoDataFrame:
    """One row per bassin of France, with its figures added up over the régions that have a plan.

    Parameters
    ----------
    shapes : GeoDataFrame
        :func:`region_shapes`.
    workforce, decisions : DataFrame
        The merged tables (``region``, ``bassin`` and ``year``, ``need``, ``unmet``; ``lever``, ``units``).
    last : int
        The last year of the horizon.
    planned : set of str
        The régions with a plan; rows of the others are left out.

    Returns
    -------
    GeoDataFrame
        ``bassin``, ``name``, ``label_name``, ``region`` (of the main town, for the outlines),
        ``regions`` (every région holding a part, space-separated), ``need_last_year``,
        ``unmet_last_year``, ``unmet_share_last_year`` (their ratio, 0 without need), units of each lever
        of ``decisions`` (levers of :data:`gpec.geo.maps.LEVER_MAPS` first), ``no_plan`` (a part is in a
        région without a plan) and ``planned`` (a part is in a région with one); sorted by bassin.
    """
    layer = _one_per_bassin(shapes)
    w = workforce[workforce["region"].isin(planned) & (workforce["year"] == last)]
    sums = w.groupby("bassin")[["need", "unmet"]].sum()
    layer["need_last_year"] = layer["bassin"].map(sums["need"]).fillna(0.0)
    layer["unmet_last_year"] = layer["bassin"].map(sums["unmet"]).fillna(0.0)
    share = layer["unmet_last_year"] / layer["need_last_year"].where(layer["need_last_year"] > 0)
    layer["unmet_share_last_year"] = share.fillna(0.0)
    d = decisions[decisions["region"].isin(planned)]
    units = d.pivot_table(index="bassin", columns="lever", values="units", aggfunc="sum")
    for lever in _levers(decisions):
        layer[lever] = layer["bassin"].map(units[lever]).fillna(0.0).round(3) if lever in units else 0.0
    in_region = shapes.groupby("bassin")["region"]
    layer["no_plan"] = layer["bassin"].map(in_region.agg(lambda r: not set(r) <= planned)).astype(bool)
    layer["planned"] = layer["bassin"].map(in_region.agg(lambda r: bool(set(r) & planned))).astype(bool)
    return layer


def national_levers(layer: gpd.GeoDataFrame, decisions: pd.DataFrame) -> list[str]:
    """Levers that get a national map: those of ``decisions`` with more than 0 units in ``layer``
    (:func:`national_layer`)."""
    return [lever for lever in _levers(decisions) if layer[lever].sum() > 0]


def _levers(decisions: pd.DataFrame) -> list[str]:
    """The levers of ``decisions``, those of :data:`gpec.geo.maps.LEVER_MAPS` first, in its order."""
    seen = set(decisions["lever"].astype(str))
    return [lever for lever in LEVER_MAPS if lever in seen] + sorted(seen - set(LEVER_MAPS))


def _one_per_bassin(shapes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A row per bassin: its polygon (the union, should those of its régions differ), name, the région
    of its main town (the row whose ``dep`` is ``dep_pole``, else the most populated part) and every
    région holding a part."""
    order = shapes.assign(
        _pole=(shapes["dep"] == shapes["dep_pole"]) if {"dep", "dep_pole"} <= set(shapes) else False,
        _pop=shapes["population"] if "population" in shapes else 0)
    main = order.sort_values(["bassin", "_pole", "_pop"], ascending=[True, False, False]).drop_duplicates("bassin")
    layer = main[["bassin", "name", "region", "geometry"]].reset_index(drop=True)
    layer["regions"] = layer["bassin"].map(shapes.groupby("bassin")["region"].agg(lambda r: " ".join(sorted(r))))
    parts = shapes["bassin"].value_counts()
    layer["geometry"] = [_one_polygon(shapes.geometry[shapes["bassin"] == b]) if parts[b] > 1 else geometry
                         for b, geometry in zip(layer["bassin"], layer.geometry)]
    layer["label_name"] = label_names(layer)
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=shapes.crs)


def _one_polygon(polygons: gpd.GeoSeries):
    """The polygon of a bassin drawn by several régions: theirs when they are the same, else their union."""
    first = polygons.iloc[0]
    if all(p.equals_exact(first, 1e-9) for p in polygons.iloc[1:]):
        return first
    return polygons.union_all()


# -- drawing -------------------------------------------------------------------------------------------------

def _draw_national(folder, out: Path, regions: dict, planned: set[str], shapes: gpd.GeoDataFrame,
                   lang: str) -> list[Path]:
    """Read the merged tables, build the layer and draw its maps (:func:`write_national_maps`)."""
    run = SimpleNamespace(horizon=_horizon(out, regions, planned), instance=Path(folder).name)
    territory = SimpleNamespace(folder=Path(folder), name=Path(folder).name)
    workforce = _merged(out / "workforce.csv", ["region", "bassin", "year", "need", "unmet"])
    decisions = _merged(out / "decisions.csv", ["region", "bassin", "lever", "units"])
    layer = national_layer(shapes, workforce, decisions, run.horizon[1], planned)
    base = _Base(layer, dissolved_outlines(layer, "region"), outline_label="map.regions", figsize=NATIONAL_FIGSIZE)
    footer = source_line(run, territory, lang)
    names = region_names(folder)
    missing = [names.get(code, code) for code in sorted(set(regions) - planned)]
    caveat = " ".join(([t("map.straddling", lang)] if layer["regions"].str.contains(" ").any() else []) +
                      ([t("map.no_plan_note", lang).format(regions=", ".join(missing))] if missing else []))
    extra, handles = _no_plan_overlay(layer, base, missing, lang)
    written = [unmet_map(layer, run, float(layer["need_last_year"].sum()), float(layer["unmet_last_year"].sum()),
                         out / "map_unmet.png", lang, base, footer, caveat, extra, handles)]
    for lever in national_levers(layer, decisions):
        written.append(lever_map(layer, run, lever, out / f"map_{lever}.png", lang, base, footer, caveat, extra,
                                 handles, overlays=False))
    return written


def _no_plan_overlay(layer: gpd.GeoDataFrame, base: _Base, missing: list[str], lang: str) -> tuple[list, list]:
    """Grey fill (no part planned) and hatching (a part not planned) over the bassins of régions without a
    plan, and its legend entry; nothing when every région has a plan."""
    if not missing:
        return [], []
    hatched = [p for p, flag in zip(base.paths, layer["no_plan"]) if flag]
    empty = [p for p, flag in zip(base.paths, layer["planned"]) if not flag]

    def draw(ax):
        ax.add_collection(PatchCollection([PathPatch(p) for p in empty], facecolors=NO_PLAN_FILL, edgecolors="none",
                                          zorder=1.5), autolim=False)
        ax.add_collection(PatchCollection([PathPatch(p) for p in hatched], facecolors="none", edgecolors=GREY,
                                          linewidths=0.0, hatch=NO_PLAN_HATCH, zorder=2), autolim=False)

    handle = Patch(facecolor=NO_PLAN_FILL, edgecolor=GREY, hatch=NO_PLAN_HATCH, linewidth=0.0,
                   label=textwrap.fill(t("map.no_plan", lang).format(regions=", ".join(missing)), 140))
    return [draw], [handle]


def _horizon(out: Path, regions: dict, planned: set[str]) -> tuple[int, int]:
    """The horizon of the run: that of the first région with a plan (every région has the same)."""
    code = min(planned)
    summary = json.loads((out / "regions" / regions[code]["folder"] / "result.json").read_text(encoding="utf-8"))
    first, last = summary["horizon"]
    return int(first), int(last)


def _merged(path: Path, columns: list[str]) -> pd.DataFrame:
    """Columns of a merged table, codes as text (``01283``, ``2A004``)."""
    return pd.read_csv(path, usecols=columns, dtype={"region": str, "bassin": str, "lever": str})
