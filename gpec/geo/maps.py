"""Maps (PNG, matplotlib) and a GeoPackage (QGIS) of a result: bassins as polygons, structures as
points, pool flows as lines. Polygons come from the instance's ``bassins.geojson``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from shapely.geometry import LineString  # noqa: E402

from gpec.atomic import write_atomic  # noqa: E402
from gpec.errors import GpecError  # noqa: E402

#: Lever -> (title, unit) of its map.
LEVER_MAPS = {
    "training": ("Extra training places opened (at training sites)", "places"),
    "apprenticeship": ("Apprenticeship contracts started", "contracts"),
    "qvct": ("Shared QVCT officer post-years (points: EHPAD; red: served)", "post-years"),
    "vehicles": ("Vehicle-years for home-care workers", "vehicle-years"),
    "pools": ("Intermittent pool FTE-years (lines: need covered across bassins)", "FTE-years"),
    "promotion": ("Promotion places started (school-based, passerelles)", "places"),
    "vae": ("VAE candidates started", "candidates"),
    "reconversion": ("Reconversion trainees (expected, by bassin of origin)", "trainees"),
    "immersion": ("Immersions of jobseekers", "immersions"),
    "social": ("Civic-service volunteers and carers accompanied", "people"),
}


def bassin_layer(result, instance) -> gpd.GeoDataFrame | None:
    """Bassin polygons with the result's figures as columns (None if the instance has no polygons)."""
    path = Path(instance.folder) / "bassins.geojson"
    if not path.is_file():
        return None
    try:
        shapes = gpd.read_file(path)[["bassin", "geometry"]]
    except Exception as exc:  # any reader error of a damaged file (pyogrio, shapely, a missing column)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GpecError(f"{path}: not a readable geometry file ({detail})") from None
    layer = shapes.merge(instance.bassins.drop(columns=["source", "lon", "lat"]), on="bassin", how="left")
    w = result.workforce
    last = w[w["year"] == result.horizon[1]].groupby("bassin")[["need", "unmet"]].sum()
    total = w.groupby("bassin")["unmet"].sum().rename("unmet_fte_years")
    layer = layer.merge(total, on="bassin", how="left")
    layer["unmet_share_last_year"] = layer["bassin"].map(last["unmet"] / last["need"]).fillna(0.0)
    units = result.decisions.pivot_table(index="bassin", columns="lever", values="units", aggfunc="sum")
    spend = result.decisions.groupby("bassin")["cost_eur"].sum()
    for lever in LEVER_MAPS:
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


def write_maps(result, instance, out: Path) -> list[Path]:
    """``map_unmet.png`` and one ``map_<lever>.png`` per lever of the run (drawn even when unused)."""
    layer = bassin_layer(result, instance)
    if layer is None:
        return []
    written = [_draw(layer, "unmet_share_last_year",
                     f"Unmet share of need in {result.horizon[1]} (all métiers)", "share", out / "map_unmet.png",
                     cmap="Reds")]
    structures = structure_layer(result, instance)
    flows = flow_layer(result, instance)
    for lever in result.levers:
        title, unit = LEVER_MAPS[lever]
        extra = []
        if lever == "qvct":
            extra.append(lambda ax: structures.plot(ax=ax, markersize=8, color="grey"))
            served = structures[structures["qvct_years_served"] > 0]
            if len(served):
                extra.append(lambda ax: served.plot(ax=ax, markersize=14, color="red"))
        if lever == "pools" and len(flows):
            extra.append(lambda ax: flows.plot(ax=ax, color="navy", linewidth=1 + 2 * flows["fte"] / flows["fte"].max()))
        written.append(_draw(layer, lever, f"{title}, {result.horizon[0]}-{result.horizon[1]}", unit,
                             out / f"map_{lever}.png", extra=extra))
    return written


def _draw(layer: gpd.GeoDataFrame, column: str, title: str, unit: str, path: Path, cmap: str = "Blues",
          extra=()) -> Path:
    fig, ax = plt.subplots(figsize=(7, 7))
    layer.plot(ax=ax, column=column, cmap=cmap, edgecolor="white", linewidth=0.5, legend=True,
               legend_kwds={"label": unit, "shrink": 0.6}, vmin=0)
    for draw in extra:
        draw(ax)
    for row in layer.itertuples():
        value = getattr(row, column)
        if value:
            p = row.geometry.representative_point()
            ax.annotate(f"{value:.0f}" if abs(value) >= 1 else f"{value:.2f}", (p.x, p.y), ha="center",
                        fontsize=6)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    fig.tight_layout()
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
