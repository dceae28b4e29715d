"""Maps (PNG, matplotlib) and a GeoPackage (QGIS) of a result: bassins as polygons, structures as
points, pool flows as lines. Polygons come from the instance's ``bassins.geojson``.

The maps are meant for a note to elected officials, in English or French (every word from
:mod:`gpec.i18n`): ``map_unmet.png`` (share of need not covered in the last year, in per cent) and one
``map_<lever>.png`` per lever the plan uses (units over the horizon, by bassin); a lever the plan does not
use gets no map (:func:`unmapped_levers` lists them). Each map has a colour bar from 0 with its unit, the
names and values of the bassins with the largest values, the outlines of the départements (bassins
dissolved by the département of their main town, ``dep_pole``), a legend for points and lines, and a
line giving the territory, horizon, sources and the date it was computed. The national maps of a
by-région run (:mod:`gpec.geo.national`) are drawn the same way (:func:`unmet_map`, :func:`lever_map`).
"""

from __future__ import annotations

import datetime as _dt
import math
import textwrap
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import yaml
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MaxNLocator
from shapely.geometry import LineString, MultiPolygon, Polygon

from gpec.atomic import write_atomic
from gpec.charts import agg_figure
from gpec.errors import GpecError
from gpec.i18n import LABELS, check_lang, fmt_number, fmt_percent, label, t
from gpec.models.registry import REGISTRY

#: Levers that can have a map (a column of :func:`bassin_layer`): those the registry marks ``mapped``, in
#: its order; their words are ``map.what_<lever>`` and ``map.unit_<lever>`` of :mod:`gpec.i18n`.
LEVER_MAPS = tuple(name for name, spec in REGISTRY.items() if spec.mapped)
#: How many bassins are named on a map (those with the largest values).
N_NAMED = 6
#: Figure size (inches) and resolution of the maps.
FIGSIZE = (7, 7)
DPI = 110
#: Colours: EHPAD points, served EHPAD and pool arrows, département outlines.
GREY = "#7a7a7a"
ACCENT = "#d95f02"
OUTLINE = "#303030"
_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
#: Font size (points) of the bassin names.
LABEL_SIZE = 6.5


def read_bassin_shapes(folder: str | Path) -> gpd.GeoDataFrame | None:
    """The ``bassin`` and ``geometry`` columns of ``bassins.geojson`` in an instance folder; None when
    there is no such file.

    Raises
    ------
    GpecError
        When the file cannot be read.
    """
    path = Path(folder) / "bassins.geojson"
    if not path.is_file():
        return None
    try:
        return gpd.read_file(path)[["bassin", "geometry"]]
    except Exception as exc:  # any reader error of a damaged file (pyogrio, shapely, a missing column)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GpecError(f"{path}: not a readable geometry file ({detail})") from None


def bassin_layer(result, instance) -> gpd.GeoDataFrame | None:
    """Bassin polygons with the result's figures as columns (None if the instance has no polygons)."""
    shapes = read_bassin_shapes(instance.folder)
    if shapes is None:
        return None
    layer = shapes.merge(instance.bassins.drop(columns=["source", "lon", "lat"]), on="bassin", how="left")
    w = result.workforce
    last = w[w["year"] == result.horizon[1]].groupby("bassin")[["need", "unmet"]].sum()
    total = w.groupby("bassin")["unmet"].sum().rename("unmet_fte_years")
    layer = layer.merge(total, on="bassin", how="left")
    layer["unmet_share_last_year"] = layer["bassin"].map(last["unmet"] / last["need"]).fillna(0.0)
    units = result.decisions.pivot_table(index="bassin", columns="lever", values="units", aggfunc="sum")
    spend = result.decisions.groupby("bassin")["cost_eur"].sum()
    for lever in dict.fromkeys((*LEVER_MAPS, *getattr(result, "levers", ()))):
        layer[lever] = layer["bassin"].map(units[lever]).fillna(0.0).round(3) if lever in units else 0.0
    layer["cost_eur"] = layer["bassin"].map(spend).fillna(0.0)
    pool = instance.tables.get("labour_pool.csv")
    if pool is not None:  # labour-market tension (1-5) per métier, and jobseekers
        layer["jobseekers"] = layer["bassin"].map(instance.labour_pool())
        for metier, rows in pool.groupby("metier"):
            layer[f"tension_{metier}"] = layer["bassin"].map(rows.set_index("bassin")["tension"])
    return layer


def structure_layer(result, instance) -> gpd.GeoDataFrame:
    s = instance.table("structures.csv").drop(columns=["source"])
    served = result.coverage.groupby("structure").size() if len(result.coverage) else pd.Series(dtype=int)
    s = s.assign(qvct_years_served=s["structure"].map(served).fillna(0).astype(int))
    return gpd.GeoDataFrame(s, geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs=4326)


def flow_layer(result, instance) -> gpd.GeoDataFrame:
    xy = instance.bassins.set_index("bassin")[["lon", "lat"]]
    f = result.pool_flows
    f = f[f["origin"] != f["destination"]] if len(f) else f
    lines = [LineString([tuple(xy.loc[o]), tuple(xy.loc[d])]) for o, d in zip(f["origin"], f["destination"])]
    return gpd.GeoDataFrame(f.reset_index(drop=True), geometry=lines, crs=4326)


def write_geopackage(result, instance, path: Path) -> Path | None:
    """Layers ``bassins`` (polygons with every result figure), ``structures`` and ``pool_flows``."""
    layer = bassin_layer(result, instance)
    if layer is None:
        return None

    def _write(tmp: Path) -> None:
        layer.to_file(tmp, layer="bassins", driver="GPKG")
        structure_layer(result, instance).to_file(tmp, layer="structures", driver="GPKG", mode="a")
        flows = flow_layer(result, instance)
        if len(flows):
            flows.to_file(tmp, layer="pool_flows", driver="GPKG", mode="a")

    return write_atomic(path, _write)


# -- which maps --------------------------------------------------------------------------------------------

def lever_units(result) -> pd.Series:
    """Units of each lever of ``result.levers`` over the horizon (all bassins), rounded as on the maps."""
    d = result.decisions
    total = d.groupby("lever")["units"].sum() if len(d) else pd.Series(dtype=float)
    return pd.Series({lever: round(float(total.get(lever, 0.0)), 3) for lever in result.levers}, dtype=float)


def mapped_levers(result) -> list[str]:
    """Levers of ``result.levers`` that get a map: those the plan uses (more than 0 units)."""
    units = lever_units(result)
    return [lever for lever in result.levers if units[lever] > 0]


def unmapped_levers(result) -> list[str]:
    """Levers of ``result.levers`` that get no map because the plan does not use them (0 units in
    ``result.decisions``), in the order of ``result.levers``; for the report's one line
    (``map.unmapped`` / ``report.unmapped`` of :mod:`gpec.i18n`)."""
    used = set(mapped_levers(result))
    return [lever for lever in result.levers if lever not in used]


# -- words ---------------------------------------------------------------------------------------------------

def _t(key: str, lang: str, fallback: str) -> str:
    return t(key, lang) if key in LABELS else t(fallback, lang)


def unit_label(lever: str, lang: str = "en") -> str:
    """The unit of a lever's map (``places``, ``contrats``, ``ETP-années``, ...)."""
    return _t(f"map.unit_{lever}", lang, "map.unit_default")


def map_title(result, lever: str, lang: str = "en", overlays: bool = True) -> str:
    """The title of a map as drawn (two lines: what, then how it is counted).

    Parameters
    ----------
    result : Result
    lever : str
        A lever code, or ``unmet`` for the map of unmet need.
    lang : str
        ``en`` or ``fr``.
    overlays : bool
        Whether the map draws the EHPAD (QVCT) or the pool arrows; without them the second line does not
        mention them (``map.what_<lever>_bare``).
    """
    check_lang(lang)
    first, last = result.horizon
    if lever == "unmet":
        return f"{t('map.unmet_title', lang).format(year=last)}\n{t('map.unmet_subtitle', lang)}"
    head = t("map.lever_title", lang).format(lever=label("lever", lever, lang), first=first, last=last)
    what = f"map.what_{lever}" if overlays or f"map.what_{lever}_bare" not in LABELS else f"map.what_{lever}_bare"
    return f"{head}\n{_t(what, lang, 'map.what_default')}"


def territory_name(result, instance=None) -> str:
    """The territory as people name it: the instance description up to its first colon
    (``Landes (40)``), else the instance name."""
    description = str(_instance_meta(instance).get("description") or "").split(":")[0].strip()
    return description or str(getattr(instance, "name", None) or result.instance)


def _instance_meta(instance) -> dict:
    """``instance.yaml`` of the instance's folder; empty when there is none or it cannot be read."""
    folder = getattr(instance, "folder", None)
    if folder is None:
        return {}
    try:
        meta = yaml.safe_load((Path(folder) / "instance.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return meta if isinstance(meta, dict) else {}


def source_line(result, instance=None, lang: str = "en", date: _dt.date | None = None) -> str:
    """``gpec — <territory>, horizon <first>–<last>. Sources: ... Computed <date>.``: the sources of an
    instance built by ``gpec instance build`` (``data/raw/SOURCES.md``), else a pointer to the source
    columns of the instance's tables."""
    check_lang(lang)
    if "gpec instance build" in str(_instance_meta(instance).get("built_by", "")):
        sources = t("map.sources_built", lang)
    else:
        folder = getattr(instance, "folder", None)
        sources = t("map.sources_instance", lang).format(folder=Path(folder).name if folder else result.instance)
    date = date or _dt.date.today()
    day = date.isoformat() if lang == "en" else date.strftime("%d/%m/%Y")
    first, last = result.horizon
    return t("map.source", lang).format(territory=territory_name(result, instance), first=first, last=last,
                                        sources=sources, date=day)


def _fmt_units(value: float, lang: str) -> str:
    whole = abs(value - round(value)) < 1e-6 or abs(value) >= 100
    return fmt_number(value, lang, 0 if whole else 1)


def _percent_decimals(vmax: float) -> int:
    return 0 if vmax >= 0.05 else 1 if vmax >= 0.005 else 2


# -- drawing -------------------------------------------------------------------------------------------------

def write_maps(result, instance, out: Path, lang: str = "en") -> list[Path]:
    """Write ``map_unmet.png`` and one ``map_<lever>.png`` per lever the plan uses into ``out``.

    Parameters
    ----------
    result : Result
        A result with a plan.
    instance : Instance
        The instance the result was computed from (polygons, bassin names, EHPAD).
    out : path
        The folder to write into (it exists).
    lang : str
        ``en`` or ``fr``: every word on the maps, and the numbers (``9 %``, decimal comma in French).

    Returns
    -------
    list of Path
        The maps written; empty when the instance has no ``bassins.geojson``. Levers with no map:
        :func:`unmapped_levers`.

    Raises
    ------
    KeyError
        On an unknown language (nothing written).
    GpecError
        When ``bassins.geojson`` cannot be read.
    """
    check_lang(lang)
    out = Path(out)
    layer = bassin_layer(result, instance)
    if layer is None:
        return []
    layer["label_name"] = label_names(layer)
    base = _Base(layer, departement_outlines(layer))
    footer = source_line(result, instance, lang)
    w = result.workforce
    w_last = w[w["year"] == result.horizon[1]]
    written = [unmet_map(layer, result, float(w_last["need"].sum()), float(w_last["unmet"].sum()),
                         out / "map_unmet.png", lang, base, footer)]
    for lever in mapped_levers(result):
        extra, handles = _overlays(result, instance, lever, lang)
        written.append(lever_map(layer, result, lever, out / f"map_{lever}.png", lang, base, footer, extra=extra,
                                 handles=handles))
    return written


def label_names(layer: gpd.GeoDataFrame) -> pd.Series:
    """The name of each bassin as written on a map: its ``name``, else its code."""
    return layer["name"].where(layer["name"].notna(), layer["bassin"]).astype(str)


def unmet_map(layer: gpd.GeoDataFrame, run, need: float, unmet: float, path: Path, lang: str, base: _Base,
              footer: str, caveat: str = "", extra=(), handles=()) -> Path:
    """Draw the map of unmet need: column ``unmet_share_last_year`` of ``layer`` in reds.

    Parameters
    ----------
    layer : GeoDataFrame
        Bassins with ``unmet_share_last_year`` and ``label_name``, in the order of ``base``.
    run : Result or an object with ``horizon``
        For the title (:func:`map_title`).
    need, unmet : float
        FTE needed and not covered in the last year, whole territory (the note under the map).
    path : Path
        The PNG to write (atomically).
    lang : str
        ``en`` or ``fr``.
    base : _Base
        Paths, outlines and frame shared by the maps of a run.
    footer : str
        The source line (:func:`source_line`).
    caveat : str
        Sentences added to the note (e.g. what the figures leave out).
    extra, handles
        What is drawn over the bassins (functions of the axes) and its legend entries.
    """
    last = run.horizon[1]
    decimals = _percent_decimals(float(layer["unmet_share_last_year"].max()))
    share = unmet / need if need > 0 else float("nan")
    note = t("map.unmet_total", lang).format(share=fmt_percent(share, lang, decimals), year=last,
                                             unmet=fmt_number(unmet, lang, 0), need=fmt_number(need, lang, 0))
    return _draw(layer, "unmet_share_last_year", map_title(run, "unmet", lang),
                 t("map.unmet_legend", lang).format(year=last), path, lang, base, _join(note, caveat), footer,
                 cmap="Reds", share=True, extra=extra, handles=handles)


def lever_map(layer: gpd.GeoDataFrame, run, lever: str, path: Path, lang: str, base: _Base, footer: str,
              caveat: str = "", extra=(), handles=(), overlays: bool = True) -> Path:
    """Draw the map of a lever: units of column ``lever`` of ``layer`` over the horizon, in blues, with
    their total in the note. Parameters as :func:`unmet_map`; ``overlays`` as :func:`map_title`."""
    first, last = run.horizon
    unit = unit_label(lever, lang)
    note = t("map.total", lang).format(total=_fmt_units(float(layer[lever].sum()), lang), unit=unit)
    return _draw(layer, lever, map_title(run, lever, lang, overlays),
                 t("map.legend_units", lang).format(unit=unit, first=first, last=last), path, lang, base,
                 _join(note, caveat), footer, extra=extra, handles=handles)


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def departement_outlines(layer: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The bassin polygons dissolved by ``dep_pole`` (the département of each bassin's main town); the
    whole territory as one outline when the layer has no ``dep_pole`` (:func:`dissolved_outlines`)."""
    return dissolved_outlines(layer, "dep_pole")


def dissolved_outlines(layer: gpd.GeoDataFrame, column: str) -> gpd.GeoSeries:
    """The outlines of the bassin polygons dissolved by ``column`` (one per value); the whole territory
    as one outline when the layer has no such column. Gaps the independent simplification of the
    polygons left between neighbours are closed (±300 m in Lambert-93), and a hole that no other group
    fills (a wider gap, a lake) is no border: only enclaves of another group are outlined inside."""
    keys = layer[column].astype(str) if column in layer else pd.Series("all", index=layer.index)
    crs = layer.crs or "EPSG:4326"
    # no repair (buffer(0)) needed: an instance's polygons are checked valid when it loads (gpec.geo.shapes),
    # and buffer(300) below makes a valid shape of any ring
    metric = layer.set_crs(crs, allow_override=True).to_crs(2154)
    shapes = metric.geometry.buffer(300).groupby(keys.to_numpy()).agg(lambda g: g.union_all())
    dissolved = gpd.GeoSeries(list(shapes.to_numpy()), crs=2154).buffer(-300)
    whole = dissolved.union_all()
    return gpd.GeoSeries([_enclaves_only(shape, whole) for shape in dissolved], crs=2154).to_crs(crs).boundary


def _enclaves_only(shape, whole):
    """``shape`` (a dissolved group) without its holes that ``whole`` (every group) leaves mostly empty."""
    if shape.is_empty:
        return shape
    polygons = [Polygon(p.exterior, [h for h in p.interiors if _filled(Polygon(h), whole)])
                for p in getattr(shape, "geoms", [shape]) if p.geom_type == "Polygon"]
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _filled(hole: Polygon, whole) -> bool:
    return hole.intersection(whole).area > 0.5 * hole.area


def legend_labels(result, instance, lever: str, lang: str = "en") -> list[str]:
    """The legend entries of a map (``unmet`` or a lever), as drawn: the département outlines, then
    the EHPAD (QVCT map; "served" only when the plan serves one) or the pool arrows (pools map, when a
    pool covers need in another bassin)."""
    check_lang(lang)
    _, handles = _overlays(result, instance, lever, lang)
    return [t("map.departements", lang), *(h.get_label() for h in handles)]


def _overlays(result, instance, lever: str, lang: str) -> tuple[list, list]:
    """What a lever's map draws over the bassins (functions of the axes) and their legend handles."""
    extra, handles = [], []
    if lever == "qvct":
        _qvct_points(structure_layer(result, instance), lang, extra, handles)
    if lever == "pools":
        _pool_arrows(result, instance, lang, extra, handles)
    return extra, handles


def _qvct_points(structures, lang, extra, handles) -> None:
    served = structures[structures["qvct_years_served"] > 0]
    extra.append(lambda ax: ax.scatter(structures.geometry.x, structures.geometry.y, s=10, color=GREY, zorder=4,
                                       edgecolors="white", linewidths=0.3))
    handles.append(Line2D([], [], linestyle="", marker="o", markersize=3.5, color=GREY, label=t("map.ehpad", lang)))
    if len(served):
        extra.append(lambda ax: ax.scatter(served.geometry.x, served.geometry.y, s=16, color=ACCENT, zorder=5,
                                           edgecolors="black", linewidths=0.3))
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=5, color=ACCENT, markeredgecolor="black",
                              markeredgewidth=0.3, label=t("map.ehpad_served", lang)))


def _pool_arrows(result, instance, lang, extra, handles) -> None:
    f = result.pool_flows
    if not len(f):
        return
    f = f[f["origin"] != f["destination"]]
    pairs = f.groupby(["origin", "destination"])["fte"].sum()
    pairs = pairs[pairs > 0]
    if not len(pairs):
        return
    xy = instance.bassins.set_index("bassin")[["lon", "lat"]]
    top = float(pairs.max())

    def draw(ax):
        for (o, d), fte in pairs.items():
            if o in xy.index and d in xy.index:
                ax.annotate("", xy=tuple(xy.loc[d]), xytext=tuple(xy.loc[o]), zorder=5,
                            arrowprops=dict(arrowstyle="-|>,head_length=0.5,head_width=0.25", color=ACCENT,
                                            lw=0.6 + 2.4 * fte / top, shrinkA=1, shrinkB=1, alpha=0.9))

    extra.append(draw)
    handles.append(Line2D([], [], color=ACCENT, lw=2, marker=">", markersize=4, label=t("map.pool_flows", lang)))


class _Base:
    """What every map of a run draws the same way, computed once: the bassin polygons as matplotlib
    paths, the outlines (départements, or régions on the national maps) as line segments with the key
    of their legend entry, the limits and aspect of the axes, the size of the figure (inches). (Drawing
    through matplotlib collections rather than ``GeoDataFrame.plot``, which draws the whole figure once
    more at each call.)"""

    def __init__(self, layer: gpd.GeoDataFrame, outlines: gpd.GeoSeries, outline_label: str = "map.departements",
                 figsize: tuple[float, float] = FIGSIZE):
        self.outline_label = outline_label
        self.figsize = figsize
        self.paths = [_polygon_path(g) for g in layer.geometry]
        self.outlines = [np.asarray(line.coords)[:, :2] for g in outlines if g is not None and not g.is_empty
                         for line in (g.geoms if hasattr(g, "geoms") else [g])]
        x0, y0, x1, y1 = layer.total_bounds
        dx, dy = 0.03 * (x1 - x0), 0.03 * (y1 - y0)
        self.xlim, self.ylim = (x0 - dx, x1 + dx), (y0 - dy, y1 + dy)
        geographic = layer.crs is None or layer.crs.is_geographic
        self.aspect = 1.0 / math.cos(math.radians((y0 + y1) / 2)) if geographic else 1.0


def _polygon_path(geometry) -> MplPath:
    """A (multi)polygon with its holes as one matplotlib path."""
    parts = getattr(geometry, "geoms", [geometry])
    vertices, codes = [], []
    for polygon in parts:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    if not vertices:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _draw(layer: gpd.GeoDataFrame, column: str, title: str, legend: str, path: Path, lang: str, base: _Base,
          note: str, footer: str, cmap: str = "Blues", share: bool = False, extra=(), handles=()) -> Path:
    values = layer[column].astype(float).fillna(0.0)
    vmax = float(values.max())
    if not vmax > 0:  # a scale from 0 to 0 is degenerate: the unmet map of a plan that covers every need
        vmax = 0.01 if share else 1.0
    norm = Normalize(vmin=0.0, vmax=vmax)
    colour = matplotlib.colormaps[cmap]
    named = layer.assign(map_value=values)
    named = named[named["map_value"] > 0].nlargest(N_NAMED, "map_value")
    if len(named):
        note += " " + (t("map.named_all", lang) if len(named) == int((values > 0).sum()) else
                       t("map.named_one", lang) if len(named) == 1 else t("map.named", lang).format(n=len(named)))

    fig = agg_figure(base.figsize)
    ax = fig.subplots()
    handles = [Line2D([], [], color=OUTLINE, lw=1.4, label=t(base.outline_label, lang)), *handles]
    fig.subplots_adjust(left=0.02, right=0.98, top=0.89, bottom=_foot(fig, note, footer, handles))
    ax.add_collection(PatchCollection([PathPatch(p) for p in base.paths], facecolors=colour(norm(values)),
                                      edgecolors="#b0b0b0", linewidths=0.4, zorder=1), autolim=False)
    ax.add_collection(LineCollection(base.outlines, colors=OUTLINE, linewidths=1.4, zorder=3), autolim=False)
    ax.set_xlim(*base.xlim)
    ax.set_ylim(*base.ylim)
    ax.set_aspect(base.aspect)
    for draw in extra:
        draw(ax)
    ax.set_xlim(*base.xlim)  # points and arrows do not move the frame
    ax.set_ylim(*base.ylim)

    if share:
        decimals = _percent_decimals(vmax)
        text = lambda v: fmt_percent(v, lang, decimals)
        ticks = FuncFormatter(lambda v, _: fmt_percent(v, lang, decimals))
    else:
        text = lambda v: _fmt_units(v, lang)
        ticks = FuncFormatter(lambda v, _: fmt_number(v, lang, 0 if vmax >= 3 else 1))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=colour), ax=ax, shrink=0.55, pad=0.01, format=ticks)
    if not share and vmax >= 3:
        bar.locator = MaxNLocator(nbins=6, integer=True)
        bar.update_ticks()
    bar.set_label(legend, fontsize=8)
    bar.ax.tick_params(labelsize=7)

    labels = [(f"{row.label_name}\n{text(row.map_value)}", row.geometry.representative_point())
              for row in named.itertuples()]
    for (words, _), (x, y) in zip(labels, _place_labels(ax, [(w, (p.x, p.y)) for w, p in labels])):
        ax.text(x, y, words, ha="center", va="center", fontsize=LABEL_SIZE, linespacing=1.0, zorder=6,
                path_effects=_HALO)

    head, _, subtitle = title.partition("\n")
    fig.text(0.5, 0.975, textwrap.fill(head, 80), fontsize=11, ha="center", va="top")
    fig.text(0.5, 0.943, textwrap.fill(subtitle, 105), fontsize=8.5, ha="center", va="top", color="#303030")
    ax.set_axis_off()
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))


def _foot(fig, note: str, footer: str, handles: list) -> float:
    """Write the note and the source line at the foot of the figure, and the legend just above them; the
    bottom of the map (figure fraction), above both."""
    foot = fig.text(0.02, 0.012, textwrap.fill(note, 140) + "\n" + textwrap.fill(footer, 140), fontsize=6,
                    ha="left", va="bottom", color="#404040", linespacing=1.3)
    renderer = fig.canvas.get_renderer()
    to_figure = fig.transFigure.inverted()
    top = to_figure.transform(foot.get_window_extent(renderer))[1, 1]
    legend = fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.02, top + 0.004), fontsize=6.5,
                        frameon=False, borderaxespad=0.0)
    top = to_figure.transform(legend.get_window_extent(renderer))[1, 1]
    return max(0.1, top + 0.008)


def _place_labels(ax, labels: list[tuple[str, tuple[float, float]]]) -> list[tuple[float, float]]:
    """Positions (data coordinates) of two-line labels centred on their points, in order, each moved to
    the nearest of a few places beside its point where it does not overlap an earlier one (sizes
    estimated from the font size: no drawing needed)."""
    ax.apply_aspect()
    to_px, to_data = ax.transData, ax.transData.inverted()
    px = ax.figure.dpi / 72.0 * LABEL_SIZE
    placed: list[tuple[float, float, float, float]] = []  # centre x, y, half width, half height (pixels)
    positions = []
    for words, point in labels:
        hw = 0.3 * px * max(len(line) for line in words.split("\n")) + 2
        hh = 1.1 * px + 1
        x0, y0 = to_px.transform(point)
        for dx, dy in ((0, 0), (0, 2 * hh), (0, -2 * hh), (2 * hw, 0), (-2 * hw, 0), (0, 4 * hh), (0, -4 * hh)):
            x, y = x0 + dx, y0 + dy
            if all(abs(x - a) >= hw + b or abs(y - c) >= hh + d for a, c, b, d in placed):
                break
        else:
            x, y = x0, y0
        placed.append((x, y, hw, hh))
        positions.append(tuple(to_data.transform((x, y))))
    return positions
