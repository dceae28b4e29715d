"""The map of a grouping (``map_groups.png``): the structures with a point (lon, lat) only."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gpec.groupings.result import GroupResult, _count
from gpec.i18n import check_lang, t

if TYPE_CHECKING:
    from gpec.groupings.data import GroupData


def write_group_map(result: GroupResult, data: GroupData, path: Path, lang: str = "en") -> Path | None:
    """Structures coloured by group (grey: alone), hubs as stars, lines from members to their hub; title,
    legend and axes in ``lang`` (``en`` or ``fr``).

    Structures without a point (lon, lat unknown: a ``--structures`` table with ``--travel``) are left
    off, and so is a line to or from one of them.

    Returns
    -------
    pathlib.Path or None
        ``path``; None, and no file written, when no structure has a point.
    """
    check_lang(lang)
    xy = data.structures.set_index("structure")[["lon", "lat"]].dropna()
    g = result.groups.join(xy, on="structure", how="inner")
    if g.empty:
        return None
    import matplotlib

    from gpec.atomic import write_atomic
    from gpec.charts import agg_figure

    fig = agg_figure((7, 8))
    ax = fig.subplots()
    _draw_groups(ax, g, xy, matplotlib.colormaps["tab20"])
    lone = g[g["role"] == "alone"]
    ax.scatter(lone["lon"], lone["lat"], color="lightgrey", edgecolor="grey", s=18, zorder=2,
               label=t("groups.map_alone", lang))
    ax.set_title(t("groups.map_title", lang).format(post=data.post["label"],
                                                    groups=_count("groups.group", result.n_groups, lang),
                                                    saved=_count("groups.saved", result.posts_saved, lang)),
                 fontsize=10)
    ax.set_xlabel(t("groups.longitude", lang))
    ax.set_ylabel(t("groups.latitude", lang))
    ax.set_aspect(1 / np.cos(np.radians(float(g["lat"].mean()))))
    ax.legend(handles=_legend(ax, (g["role"] != "alone").any(), lang), loc="best", fontsize=8)
    fig.tight_layout()
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))


def _draw_groups(ax, g: pd.DataFrame, xy: pd.DataFrame, colours) -> None:
    """Each group in its colour: its structures with a point, its hub as a star and a line from each
    member to the hub, where both have a point."""
    for k, (group, rows) in enumerate(g[g["role"] != "alone"].groupby("group")):
        colour = colours(k % 20)
        ax.scatter(rows["lon"], rows["lat"], color=colour, s=18, zorder=3)
        if group not in xy.index:  # the hub has no point: its members stand without lines
            continue
        hub = xy.loc[group]
        for r in rows[rows["role"] == "member"].itertuples():
            ax.plot([r.lon, hub["lon"]], [r.lat, hub["lat"]], color=colour, linewidth=0.8)
        ax.scatter([hub["lon"]], [hub["lat"]], color=colour, marker="*", s=160, edgecolor="black", zorder=4)


def _legend(ax, grouped: bool, lang: str) -> list:
    """The legend's entries: hub and member (when a group is drawn), then structures alone."""
    from matplotlib.lines import Line2D

    handles, _ = ax.get_legend_handles_labels()
    if not grouped:
        return handles
    return [Line2D([], [], marker="*", markersize=12, color="none", markerfacecolor="white",
                   markeredgecolor="black", label=t("groups.map_hub", lang)),
            Line2D([], [], marker="o", markersize=5, color="grey", linewidth=0.8,
                   label=t("groups.map_member", lang)), *handles]
