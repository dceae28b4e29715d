"""Charts of a result that are not maps: the yearly inflows by reservoir (``inflows.png``), in English or
French (every word from :mod:`gpec.i18n`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from gpec.atomic import write_atomic
from gpec.i18n import check_lang, fmt_number, t
from gpec.schema import DELIVERED_KINDS

#: Bar groups (the existing system, then the levers by reservoir) and their colours.
COLOURS = {"existing system": "#C8C8C8", "primary": "#4C72B0", "current": "#55A868", "transitional": "#C44E52",
           "social": "#8172B2"}


def agg_figure(figsize: tuple[float, float]) -> Figure:
    """A figure drawn by matplotlib's Agg canvas, outside :mod:`matplotlib.pyplot`: no backend is chosen and
    no global state is touched (a notebook keeps its own backend), and nothing needs closing."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def inflow_labels(lang: str = "en") -> dict[str, str]:
    """The legend label of each bar group of :data:`COLOURS` and of the departures line, in ``lang``."""
    check_lang(lang)
    labels = {"existing system": t("chart.existing", lang)}
    for reservoir in list(COLOURS)[1:]:
        name = t(f"reservoir.{reservoir}", lang)
        labels[reservoir] = t("chart.levers_reservoir", lang).format(reservoir=name[:1].lower() + name[1:])
    labels["departures"] = t("chart.departures", lang)
    return labels


def chart_title(result, lang: str = "en") -> str:
    """The title of the inflow chart: territory and horizon."""
    from gpec.geo.maps import territory_name

    check_lang(lang)
    first, last = result.horizon
    return t("chart.inflow_title", lang).format(territory=territory_name(result, getattr(result, "applied", None)),
                                                first=first, last=last)


def write_inflow_chart(result, path: Path, lang: str = "en") -> Path:
    """Stacked bars: FTE entering the métiers each year for the whole territory, the existing system
    (schools, ordinary hiring) first, then the levers by reservoir (staff changing métier count where
    they arrive, failed promotions returning do not count; pools count the need they cover); a line:
    departures (retirement and exits). ``lang`` (``en`` or ``fr``): every word and the numbers of the
    axis; a source line at the bottom (:func:`gpec.geo.maps.source_line`).

    Raises
    ------
    KeyError
        On an unknown language (nothing written).
    """
    from gpec.geo.maps import source_line

    labels = inflow_labels(lang)
    title = chart_title(result, lang)
    footer = source_line(result, getattr(result, "applied", None), lang)
    f = result.flows
    entering = f[f["kind"].isin(DELIVERED_KINDS)]
    group = entering["reservoir"].where(entering["lever"] != "baseline", "existing system")
    bars = entering.pivot_table(index="year", columns=group, values="fte", aggfunc="sum")
    bars = bars.reindex(columns=list(COLOURS)).fillna(0.0)
    departures = -f[f["kind"] == "departure"].groupby("year")["fte"].sum()
    fig = agg_figure((8, 4.8))
    ax = fig.subplots()
    bottom = 0.0
    for name, colour in COLOURS.items():
        ax.bar(bars.index, bars[name], bottom=bottom, color=colour, label=labels[name])
        bottom = bottom + bars[name]
    ax.plot(departures.index, departures.to_numpy(), color="black", marker="o", label=labels["departures"])
    ax.set_xlabel(t("chart.year", lang))
    ax.set_ylabel(t("chart.fte_a_year", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, lang, 0)))
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(textwrap.fill(title, 90), fontsize=10)
    ax.legend(fontsize=7.5, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    fig.text(0.01, 0.01, textwrap.fill(footer, 170), fontsize=6, ha="left", va="bottom", color="#404040")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return write_atomic(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
