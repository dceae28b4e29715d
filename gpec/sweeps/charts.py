"""The charts of a sweep's report (:mod:`gpec.sweeps.report`), in English or French (every word from
:mod:`gpec.i18n`): ``budget_response.png``, ``pareto.png``, ``tornado.png``, ``morris.png``.

Every figure of a scenario is drawn with its proven range (bound to objective); a scenario missing or
without a plan is marked as such at the foot of its panel, never drawn as a value. matplotlib's object
API only (:class:`~matplotlib.figure.Figure`): no backend is chosen, no global state is touched.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from gpec.atomic import write_atomic
from gpec.i18n import LABELS, fmt_number, t

#: Colours: lines and points in turn, the low and high sides of a tornado, what does not pay.
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B2", "#937860", "#DA8BC3", "#8C8C8C")
LOW, HIGH, STOP, BAND = "#4C72B0", "#DD8452", "#C44E52", 0.25
#: Most worlds coloured apart on the Pareto chart (more: one colour).
MAX_WORLDS = len(PALETTE)
DPI = 110


def write_charts(report, out: Path) -> list[Path]:
    """Write the charts the report has data for into ``out``; return their paths."""
    out = Path(out)
    charts = (("budget_response.png", report.budget_points, budget_chart),
              ("pareto.png", report.pareto, pareto_chart),
              ("tornado.png", report.tornado, tornado_chart),
              ("morris.png", report.morris, morris_chart))
    return [_save(draw(report), out / name) for name, table, draw in charts if not table.empty]


# -- budget response -----------------------------------------------------------------------------------
def budget_chart(report) -> Figure:
    """One panel per line (rows) and body (columns): weighted unmet need against the body's yearly
    envelope, the proven band, each step's proven value per extra 100 k€ a year, where it stops paying."""
    lang, points, steps = report.lang, report.budget_points, report.budget_response
    bodies, lines = list(dict.fromkeys(points["body"])), list(dict.fromkeys(points["line"]))
    fig = Figure(figsize=(5.4 * len(bodies), 2.5 * len(lines) + 1.3))
    axes = fig.subplots(len(lines), len(bodies), squeeze=False)
    for i, line in enumerate(lines):
        for j, body in enumerate(bodies):
            ax = axes[i][j]
            part = points[(points["body"] == body) & (points["line"] == line)].sort_values("envelope_eur")
            if part.empty:
                ax.set_visible(False)
                continue
            mine = steps[(steps["body"] == body) & (steps["line"] == line)]
            _budget_panel(ax, part, mine, lang, PALETTE[i % len(PALETTE)])
            ax.set_title(textwrap.fill(", ".join(p for p in (report.body_label(body), line) if p), 70), fontsize=8.5)
            if j == 0:
                ax.set_ylabel(t("sweep.axis_unmet", lang), fontsize=8)
    for column in axes.T:  # the envelope's name under the lowest panel of each body
        [ax for ax in column if ax.get_visible()][-1].set_xlabel(t("sweep.axis_envelope", lang), fontsize=8)
    legend = {}
    for ax in axes.flat:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(text, handle)  # the first line's colours stand for all
    top = 0.4 / fig.get_figheight()
    fig.suptitle(t("sweep.title_budget", lang).format(name=report.name), fontsize=10)
    fig.legend(legend.values(), legend.keys(), loc="upper center", bbox_to_anchor=(0.5, 1 - 0.3 / fig.get_figheight()),
               ncol=len(legend), fontsize=7, frameon=False)
    return _footer(fig, t("sweep.foot_budget", lang), top=top)


def _budget_panel(ax, part: pd.DataFrame, steps: pd.DataFrame, lang: str, colour: str) -> None:
    x = part["envelope_eur"].to_numpy(float) / 1000.0
    objective, bound = part["objective"].to_numpy(float), part["bound"].to_numpy(float)
    solved = part["outcome"].to_numpy() == "solved"
    ax.plot(x[solved], objective[solved], color=colour, marker="o", markersize=3.5, lw=1.2,
            label=t("sweep.legend_plan", lang))
    ax.fill_between(x[solved], bound[solved], objective[solved], color=colour, alpha=BAND, lw=0,
                    label=t("sweep.legend_band", lang))
    _mark_unsolved(ax, x, part["outcome"].to_numpy(), lang)
    for _, step in steps.iterrows():
        a, b = (part[part["envelope_eur"] == step[k]].iloc[0] for k in ("from_eur", "to_eur"))
        text = interval(step["lower_per_100k"], step["upper_per_100k"], lang)
        ax.annotate(text, ((step["from_eur"] + step["to_eur"]) / 2000.0, (a["objective"] + b["objective"]) / 2),
                    textcoords="offset points", xytext=(0, 5), ha="center", fontsize=6.5,
                    color="#1a1a1a" if step["pays"] else STOP)
        if step["stops_paying"]:
            ax.axvline(step["from_eur"] / 1000.0, color=STOP, ls=":", lw=1)
            ax.text(step["from_eur"] / 1000.0, 0.97, " " + t("sweep.stops_here", lang), color=STOP, fontsize=6.5,
                    va="top", transform=ax.get_xaxis_transform())
    _number_axes(ax, lang)


def _mark_unsolved(ax, x: np.ndarray, outcome: np.ndarray, lang: str) -> None:
    """Missing scenarios and those without a plan: a mark at the foot of the panel, not a value."""
    for kind, marker, colour in (("missing", "x", "#7f7f7f"), ("no_plan", "s", STOP)):
        where = outcome == kind
        if where.any():
            ax.plot(x[where], np.full(where.sum(), 0.03), ls="none", marker=marker, color=colour, markersize=5,
                    transform=ax.get_xaxis_transform(), clip_on=False, label=t(f"sweep.outcome_{kind}", lang))


# -- Pareto ----------------------------------------------------------------------------------------------
def pareto_chart(report) -> Figure:
    """Cost against weighted unmet need of every solved scenario, the proven range as a bar, a colour
    per world (the same assumptions); the plans not dominated within their world joined, circled and
    named (without the world's own levels). A log scale when the worlds are far apart."""
    lang, table = report.lang, report.pareto
    fig = Figure(figsize=(9, 6))
    ax = fig.subplots()
    labels = list(dict.fromkeys(table["world"]))
    colours = {w: PALETTE[k % len(PALETTE)] for k, w in enumerate(labels)} if len(labels) <= MAX_WORLDS else \
        dict.fromkeys(labels, PALETTE[0])
    for world in labels:
        part = table[table["world"] == world]
        below = (part["objective"] - part["bound"]).fillna(0.0)  # down to the bound: the proven range
        ax.errorbar(part["cost"] / 1000.0, part["objective"], yerr=[below, np.zeros(len(part))], ls="none",
                    marker="o", markersize=4, color=colours[world], elinewidth=1, capsize=2,
                    label=world_label(world, lang) if len(labels) <= MAX_WORLDS else None)
    fronts = table[table["non_dominated"].eq(True)].sort_values("cost")
    for k, (_, front) in enumerate(fronts.groupby("world_id", sort=False)):
        world = front["world"].iloc[0]
        ax.plot(front["cost"] / 1000.0, front["objective"], color=colours[world], lw=0.8, drawstyle="steps-post")
        ax.plot(front["cost"] / 1000.0, front["objective"], ls="none", marker="o", markersize=9, mfc="none",
                color="black", label=t("sweep.legend_front", lang) if k == 0 else None)
        for n, (_, row) in enumerate(front.iterrows()):
            ax.annotate(_short_name(row["scenario"], world), (row["cost"] / 1000.0, row["objective"]),
                        fontsize=6, textcoords="offset points", xytext=(5, 5 if n % 2 else -9))
    objective = table["objective"].to_numpy(float)
    if (objective > 0).all() and objective.max() > 20 * objective.min():
        ax.set_yscale("log", nonpositive="clip")
    ax.set_xlabel(t("sweep.axis_cost", lang), fontsize=8)
    ax.set_ylabel(t("sweep.axis_unmet", lang), fontsize=8)
    ax.set_title(t("sweep.title_pareto", lang).format(name=report.name), fontsize=10)
    _number_axes(ax, lang)
    ax.legend(fontsize=7, frameon=False)
    return _footer(fig, t("sweep.foot_pareto", lang))


def world_label(world: str, lang: str) -> str:
    """A world of the Pareto table for people: its grid levels, or its design's name."""
    key = f"sweep.design_{world}"
    return t(key, lang) if key in LABELS else world


def _short_name(scenario: str, world: str) -> str:
    """A scenario's name without the levels its world already says (the colour does)."""
    shared = set(world.split(", "))
    return textwrap.fill(", ".join(p for p in scenario.split(", ") if p not in shared) or scenario, 30)


# -- tornado -----------------------------------------------------------------------------------------------
def tornado_chart(report) -> Figure:
    """The one-at-a-time records of the first named scenario (the base), the largest swing at the top:
    bars from the base's objective to the objective at low and at high, each end with its proven range."""
    lang, table = report.lang, report.tornado
    table = table[table["named"] == table["named"].iloc[0]].iloc[::-1]
    fig = Figure(figsize=(8.5, 1.6 + 0.42 * len(table)))
    ax = fig.subplots()
    base, base_bound = table["objective_base"].iloc[0], table["bound_base"].iloc[0]
    y = np.arange(len(table))
    for side, colour, offset in (("low", LOW, 0.18), ("high", HIGH, -0.18)):
        value, bound = table[f"objective_{side}"].to_numpy(float), table[f"bound_{side}"].to_numpy(float)
        ax.barh(y + offset, value - base, left=base, height=0.34, color=colour, label=t(f"sweep.legend_{side}", lang))
        ax.hlines(y + offset, bound, value, color="black", lw=2.5)
        for k in np.flatnonzero(np.isnan(value)):
            ax.text(base, y[k] + offset, " " + t("sweep.outcome_missing", lang), fontsize=6.5, va="center",
                    color="#7f7f7f")
    if not math.isnan(base):
        ax.axvline(base, color="black", lw=1, label=t("sweep.legend_base", lang))
        ax.axvspan(base_bound, base, color="black", alpha=0.12, lw=0)
    ax.set_yticks(y, [_tornado_label(row, lang) for _, row in table.iterrows()], fontsize=7)
    ax.set_xlabel(t("sweep.axis_unmet", lang), fontsize=8)
    _number_axes(ax, lang, y=False)
    named = table["named"].iloc[0]
    ax.set_title(t("sweep.title_tornado", lang).format(name=report.name + (f" ({named})" if named else "")),
                 fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    return _footer(fig, t("sweep.foot_tornado", lang))


def _tornado_label(row, lang: str) -> str:
    mark = " *" if row["swing_proven"] == 0 else ""
    return f"{row['parameter']} ({number(row['low_value'], lang, 3)} → {number(row['high_value'], lang, 3)}){mark}"


# -- Morris --------------------------------------------------------------------------------------------------
def morris_chart(report) -> Figure:
    """μ* against σ of the first named scenario's Morris analysis, μ*'s confidence as a bar; a factor
    whose μ* is within the solves' gaps hollow."""
    lang, table = report.lang, report.morris
    table = table[table["named"] == table["named"].iloc[0]]
    fig = Figure(figsize=(7.5, 5.4))
    ax = fig.subplots()
    shown = (table["mu_star"] > table["noise"]).to_numpy()
    for beyond, face in ((True, PALETTE[0]), (False, "none")):
        part = table[shown == beyond]
        if len(part):
            ax.errorbar(part["mu_star"], part["sigma"], xerr=part["mu_star_conf"], ls="none", marker="o",
                        mfc=face, color=PALETTE[0], capsize=2, elinewidth=0.8,
                        label=t("sweep.legend_beyond" if beyond else "sweep.legend_within", lang))
    for _, row in table.iterrows():
        ax.annotate(row["parameter"], (row["mu_star"], row["sigma"]), fontsize=7, textcoords="offset points",
                    xytext=(5, 4))
    ax.set_xlabel(t("sweep.axis_mu_star", lang), fontsize=8)
    ax.set_ylabel(t("sweep.axis_sigma", lang), fontsize=8)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_title(t("sweep.title_morris", lang).format(name=report.name, n=int(table["trajectories"].iloc[0])),
                 fontsize=10)
    _number_axes(ax, lang)
    ax.legend(fontsize=7, frameon=False)
    return _footer(fig, t("sweep.foot_morris", lang))


# -- shared ------------------------------------------------------------------------------------------------
def interval(lower: float, upper: float, lang: str) -> str:
    """A proven interval for people: ``[5.10; 5.75]`` (en), ``[5,10 ; 5,75]`` (fr), with the decimals its
    larger end needs (:func:`number`), more (up to 3) when its ends would otherwise look the same."""
    size = max(abs(v) for v in (lower, upper, 0.0) if np.isfinite(v))
    decimals = _decimals_for(size)
    while decimals < 3 and lower != upper and fmt_number(lower, lang, decimals) == fmt_number(upper, lang, decimals):
        decimals += 1
    return t("sweep.interval", lang).format(lower=fmt_number(lower, lang, decimals),
                                            upper=fmt_number(upper, lang, decimals))


def number(value: float, lang: str, small: int = 2) -> str:
    """A figure with the decimals it needs: ``small`` below 1, two below 10, one below 100, none above."""
    return fmt_number(value, lang, _decimals_for(abs(value) if np.isfinite(value) else 0.0, small))


def _decimals_for(size: float, small: int = 2) -> int:
    return small if size < 1 else 2 if size < 10 else 1 if size < 100 else 0


def _number_axes(ax, lang: str, y: bool = True) -> None:
    """Tick labels in the language's number format, with the decimals the ticks' spacing needs."""
    for axis in (ax.xaxis, ax.yaxis) if y else (ax.xaxis,):
        if axis.get_scale() == "linear":
            axis.set_major_formatter(FuncFormatter(lambda v, _, axis=axis: fmt_number(v, lang, _decimals(axis))))
        else:
            axis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, lang, 0 if v >= 1 else 2)))
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)


def _decimals(axis) -> int:
    ticks = [v for v in axis.get_majorticklocs() if np.isfinite(v)]
    step = min((abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a), default=1.0)
    return max(0, min(4, -math.floor(math.log10(step)))) if step > 0 else 0


def _footer(fig: Figure, text: str, top: float = 0.0) -> Figure:
    """A note under the chart (what its bands and marks mean), then the layout (``top``: the share of the
    height kept above the axes)."""
    lines = textwrap.fill(text, int(18 * fig.get_figwidth()))
    fig.text(0.01, 0.005, lines, fontsize=6.5, ha="left", va="bottom", color="#404040")
    fig.tight_layout(rect=(0, (0.12 * (lines.count("\n") + 1) + 0.05) / fig.get_figheight(), 1, 1 - top))
    return fig


def _save(fig: Figure, path: Path) -> Path:
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))
