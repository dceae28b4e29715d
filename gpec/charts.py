"""Charts of a result that are not maps: the yearly inflows by reservoir (``inflows.png``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gpec.atomic import write_atomic  # noqa: E402
from gpec.schema import DELIVERED_KINDS  # noqa: E402

COLOURS = {"existing system": "#C8C8C8", "primary": "#4C72B0", "current": "#55A868", "transitional": "#C44E52",
           "social": "#8172B2"}


def write_inflow_chart(result, path: Path) -> Path:
    """Stacked bars: FTE entering the métiers each year for the whole territory, the existing system
    (schools, ordinary hiring) first, then the levers by reservoir (staff changing métier count where
    they arrive, failed promotions returning do not count; pools count the need they cover); a line:
    departures (retirement and exits)."""
    f = result.flows
    entering = f[f["kind"].isin(DELIVERED_KINDS)]
    group = entering["reservoir"].where(entering["lever"] != "baseline", "existing system")
    bars = entering.pivot_table(index="year", columns=group, values="fte", aggfunc="sum")
    bars = bars.reindex(columns=list(COLOURS)).fillna(0.0)
    departures = -f[f["kind"] == "departure"].groupby("year")["fte"].sum()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = 0.0
    for name, colour in COLOURS.items():
        label = name if name == "existing system" else f"levers: {name}"
        ax.bar(bars.index, bars[name], bottom=bottom, color=colour, label=label)
        bottom = bottom + bars[name]
    ax.plot(departures.index, departures.to_numpy(), color="black", marker="o", label="departures")
    ax.set_xlabel("year")
    ax.set_ylabel("FTE a year")
    ax.set_title(f"Inflows by reservoir, {result.instance} (all métiers and bassins)", fontsize=10)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    fig.tight_layout()
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
