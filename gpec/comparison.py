"""What differs between two runs of the same instance and horizon (``gpec compare OUT_A OUT_B``).

Two :class:`~gpec.results.Result` objects (solved in memory, or read back from their output folders
with :func:`gpec.outputs.load_result`) are compared when they were solved on the same instance (name
and sha256 of its files) over the same horizon; otherwise :func:`compare` raises
:class:`~gpec.errors.GpecError`.

What is compared
----------------
* **Inputs** (table ``inputs``: item, a, b, changed): every funder's envelope per year (tail years
  marked), parameter overrides (``--set``), the levers switched on, the horizon, the service level,
  the minimum places per métier, whether a reference plan was used, and the solve options (solver,
  gap tolerances, time limit). Every input is listed; ``changed`` says which differ.
* **Outputs**, as tidy tables keyed like the rest of gpec, each with the value of run ``a``, of run
  ``b`` and ``difference`` = b - a:

  - ``unmet``: unmet need (FTE-years) by métier and year, with ``phase`` (``horizon``: the decision
    years; ``tail``: the model years after them, which the stage-1 objective also counts);
  - ``spend``: euros spent by funder and year (from the runs' ``spend`` tables), with ``phase``;
  - ``levers``: units, FTE and euros by lever (from the runs' ``decisions``);
  - ``by_bassin``: per bassin, euros and units of the plan (all levers, whole horizon) and unmet need
    over the horizon years; ``bassins``: the bassins that changed most, the top N per measure by
    absolute difference (only those that changed).
* **Totals** (table ``totals`` and :meth:`Comparison.summary`): the stage-1 objective (weighted unmet
  need, FTE-years, horizon and tail) and the cost (euros) of both runs and their difference, with
  their uncertainty; and unmet need summed over the horizon years (``unmet_horizon``, not judged).

Runs whose tails differ (the tail is the longest lag of the levers switched on, so a run with fewer
levers may model fewer years) have objectives summed over different years: their objective
difference reads ``not comparable`` and the tail years one run does not model read ``not modelled``
in ``unmet``; ``unmet_horizon`` still compares them.

How uncertainty is judged
-------------------------
A run stopped at a gap only proves that its optimum lies between its bound and its incumbent, so two
runs' values can differ by as much as the sum of their gaps without the scenarios truly differing.
The uncertainty of the objective's difference is ``|a.objective - a.bound| + |b.objective - b.bound|``;
that of the cost uses the stage named ``cost`` of each run (``|objective - bound|`` of that stage), a
run without such a stage counting as exact. A difference is ``within_uncertainty`` when its absolute
value is at most that uncertainty; a run with no finite bound makes the uncertainty ``unknown``.

A run without a plan (status neither ``optimal`` nor ``feasible``) can still be compared on its inputs;
its output columns read ``no plan (status ...)``. No table or summary holds a bare NaN or infinity.

For people
----------
The tables, CSV files and :meth:`Comparison.summary` (``comparison.json``) are English, for machines.
:func:`people_lines` (headline and short sentences) and :func:`people_tables` (inputs that differ,
totals) say the same in English or French (:mod:`gpec.i18n`, ``compare.*`` labels), numbers formatted
for the language.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.atomic import write_atomic, write_csv, write_json
from gpec.errors import GpecError
from gpec.i18n import LABELS, MISSING, check_lang, fmt_eur, fmt_number, fmt_percent, funder_label, label, t

#: Comparison table -> the CSV file :func:`write_comparison` writes it to.
COMPARISON_FILES = {"inputs": "inputs.csv", "totals": "totals.csv", "unmet": "unmet.csv", "spend": "spend.csv",
                    "levers": "levers.csv", "by_bassin": "by_bassin.csv", "bassins": "bassins_changed_most.csv"}
#: The difference map written when the instance has polygons.
MAP_FILE = "map_difference_unmet.png"
#: Measures per bassin: name -> unit.
BASSIN_MEASURES = {"cost_eur": "EUR (decisions of the horizon, all levers, over their duration)",
                   "units": "units (decisions of the horizon, all levers: places, contracts, posts, ...)",
                   "unmet": "FTE-years (unmet need in the horizon years, all métiers)"}
#: Relative (and absolute, below 1) size under which a difference counts as no change.
CHANGE_TOLERANCE = 1e-6


@dataclass
class Comparison:
    """What differs between two runs (see the module docstring); build with :func:`compare`.

    Attributes
    ----------
    inputs : DataFrame
        item, a, b (text), changed (bool): every input of both runs.
    totals : DataFrame
        measure (``objective``, ``cost``, ``unmet_horizon``), unit, a, b, difference, uncertainty,
        within_uncertainty (bool, or words when it cannot be judged).
    unmet : DataFrame
        metier, year, phase, a, b, difference (FTE-years).
    spend : DataFrame
        funder, year, phase, a, b, difference (EUR).
    levers : DataFrame
        lever, measure (``units``, ``fte``, ``cost_eur``), a, b, difference.
    by_bassin : DataFrame
        bassin, measure (:data:`BASSIN_MEASURES`), unit, a, b, difference: every bassin.
    bassins : DataFrame
        measure, rank, bassin, unit, a, b, difference: the ``top`` bassins per measure whose value
        changed most (by absolute difference; only changes above :data:`CHANGE_TOLERANCE`).
    runs : dict
        ``{"a": {...}, "b": {...}}``: label, status, plan (bool), objective, bound, gap, cost, solver and
        reference use of each run (JSON-able).
    instance, instance_sha256 : str
        The instance both runs solved.
    horizon : (int, int)
        Their horizon.
    top : int
        Bassins kept per measure in ``bassins``.
    notes : list of str
        What could not be compared, and why.
    funders : dict
        The instance's funding bodies (``Result.funders``), for the labels of envelopes.

    In the value columns a run without a plan reads ``no plan (status ...)`` instead of a number.
    """

    inputs: pd.DataFrame
    totals: pd.DataFrame
    unmet: pd.DataFrame
    spend: pd.DataFrame
    levers: pd.DataFrame
    by_bassin: pd.DataFrame
    bassins: pd.DataFrame
    runs: dict
    instance: str
    instance_sha256: str
    horizon: tuple[int, int]
    top: int = 10
    notes: list[str] = field(default_factory=list)
    funders: dict = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The comparison's tables by name (the keys of :data:`COMPARISON_FILES`)."""
        return {name: getattr(self, name) for name in COMPARISON_FILES}

    @property
    def both_have_plans(self) -> bool:
        return bool(self.runs["a"]["plan"] and self.runs["b"]["plan"])

    def summary(self) -> dict:
        """The JSON-able head of the comparison (``comparison.json``): runs, changed inputs, totals with
        their uncertainty, unmet need per phase, spending per funder, the levers either plan uses, the
        bassins that changed most, notes and a one-line ``headline``. Holds no NaN, infinity or null:
        what cannot be computed is said in words.
        """
        totals = {row["measure"]: {k: row[k] for k in ("unit", "a", "b", "difference", "uncertainty",
                                                        "within_uncertainty")}
                  for row in self.totals.to_dict("records")}
        changed = self.inputs[self.inputs["changed"]]
        note = None if self.runs["a"]["plan"] or self.runs["b"]["plan"] else "no plan in either run"
        head = {
            "instance": self.instance,
            "instance_sha256": self.instance_sha256,
            "horizon": [int(self.horizon[0]), int(self.horizon[1])],
            "headline": self.headline(),
            "runs": self.runs,
            "inputs_changed": changed[["item", "a", "b"]].to_dict("records"),
            "totals": totals,
            "unmet_by_phase": self._by_group(self.unmet, "phase", "FTE-years", note),
            "spend_by_funder": self._by_group(self.spend, "funder", "EUR", note),
            "levers_used": {lever: {r["measure"]: {k: r[k] for k in ("a", "b", "difference")}
                                    for r in rows.to_dict("records")}
                            for lever, rows in self.levers.groupby("lever", sort=False) if _used(rows)},
            "bassins_changed_most": {measure: rows[["rank", "bassin", "a", "b", "difference"]].to_dict("records")
                                     for measure, rows in self.bassins.groupby("measure", sort=False)},
            "notes": list(self.notes),
        }
        return _readable(head)

    def headline(self) -> str:
        """One sentence: how b differs from a in unmet need and cost, and whether beyond the runs' gaps."""
        if not self.both_have_plans:
            missing = [k for k in ("a", "b") if not self.runs[k]["plan"]]
            return (f"no plan in {' and '.join(self.runs[k]['label'] for k in missing)}: "
                    "compared on inputs only")
        rows = self.totals.set_index("measure")
        parts = []
        objective = rows.loc["objective"]
        if str(objective["within_uncertainty"]) == "not comparable":
            objective = rows.loc["unmet_horizon"]
            what = ["unmet need in the horizon years", "FTE-years", "the tails differ: objectives not comparable"]
        else:
            what = ["weighted unmet need", "FTE-years", None]
        for row, (measure, unit, verdict) in ((objective, what), (rows.loc["cost"], ["cost", "EUR", None])):
            diff, within = row["difference"], row["within_uncertainty"]
            if not _finite(diff):
                parts.append(f"{measure}: {diff}")
                continue
            if verdict is None:
                verdict = ("within the runs' uncertainty" if within else "beyond the runs' uncertainty") \
                    if isinstance(within, (bool, np.bool_)) else "uncertainty unknown"
            digits = 1 if unit == "FTE-years" else 0
            parts.append(f"{measure} {float(diff):+,.{digits}f} {unit} ({verdict})")
        return f"{self.runs['b']['label']} vs {self.runs['a']['label']}: " + "; ".join(parts)

    @staticmethod
    def _by_group(table: pd.DataFrame, key: str, unit: str, note: str | None) -> dict:
        out = {"unit": unit}
        if note:
            out["note"] = note
        for name, rows in table.groupby(key, sort=False):
            out[str(name)] = {col: _sum_or_text(rows[col]) for col in ("a", "b", "difference")}
        return out


def compare(a, b, labels: tuple[str, str] = ("a", "b"), top: int = 10) -> Comparison:
    """Compare two runs of the same instance and horizon.

    Parameters
    ----------
    a, b : Result
        The runs (:func:`gpec.solve`, :meth:`gpec.Planner.solve` or :func:`gpec.outputs.load_result`);
        differences are ``b - a``.
    labels : (str, str)
        Names of the runs in the summary (e.g. their output folders).
    top : int
        Bassins kept per measure in the table of bassins that changed most.

    Returns
    -------
    Comparison

    Raises
    ------
    GpecError
        When the runs solved different instances (name or sha256 of the files) or horizons.
    """
    if a.instance != b.instance:
        raise GpecError(f"cannot compare runs of different instances: '{a.instance}' and '{b.instance}'")
    if a.instance_sha256 != b.instance_sha256:
        raise GpecError(f"cannot compare runs of instance '{a.instance}' whose files differ (sha256 "
                        f"{a.instance_sha256[:12]} vs {b.instance_sha256[:12]})")
    if tuple(a.horizon) != tuple(b.horizon):
        raise GpecError(f"cannot compare runs of different horizons: {a.horizon[0]}-{a.horizon[1]} and "
                        f"{b.horizon[0]}-{b.horizon[1]}")
    if top < 1:
        raise GpecError(f"top must be at least 1, got {top}")
    horizon = (int(a.horizon[0]), int(a.horizon[1]))
    plans = {"a": a.has_solution, "b": b.has_solution}
    missing = {k: f"no plan (status {r.status})" for k, r in (("a", a), ("b", b)) if not plans[k]}
    notes = [f"run {labels[0 if k == 'a' else 1]} has {text}: its outputs are not compared"
             for k, text in missing.items()]

    unmet = _pair(_unmet_by(a, ["metier", "year"]), _unmet_by(b, ["metier", "year"]), ["metier", "year"])
    unmet.insert(2, "phase", _phase(unmet["year"], horizon))
    unmet = _not_modelled(unmet, a, b, horizon)
    spend = _pair(_sum(a.spend, ["funder", "year"], "eur", a), _sum(b.spend, ["funder", "year"], "eur", b),
                  ["funder", "year"])
    spend.insert(2, "phase", _phase(spend["year"], horizon))
    levers = _lever_table(a, b)
    by_bassin = _bassin_table(a, b, horizon)

    comparison = Comparison(
        inputs=_inputs(a, b, horizon),
        totals=_totals(a, b, missing, unmet),
        unmet=_mark(unmet, missing), spend=_mark(spend, missing), levers=_mark(levers, missing),
        by_bassin=_mark(by_bassin, missing), bassins=_mark(_changed_most(by_bassin, plans, top), missing),
        runs={k: _run_head(r, label) for k, r, label in (("a", a, labels[0]), ("b", b, labels[1]))},
        instance=a.instance, instance_sha256=a.instance_sha256, horizon=horizon, top=top, notes=notes,
        funders=dict(a.funders or b.funders or {}))
    return comparison


def write_comparison(comparison: Comparison, out: str | Path, instance=None) -> list[Path]:
    """Write a comparison into the folder ``out``, each file atomically.

    One CSV per table (:data:`COMPARISON_FILES`; comma separator, ``.`` decimals), ``comparison.json``
    (:meth:`Comparison.summary`) and, when ``instance`` is given, has a ``bassins.geojson`` and both runs
    have a plan, the map :data:`MAP_FILE` of the change in unmet need per bassin over the horizon.

    Parameters
    ----------
    comparison : Comparison
        From :func:`compare`.
    out : path
        Output folder (created if missing).
    instance : Instance, optional
        The runs' instance (``gpec.instance.load_instance(result.instance_folder)``): gives the bassins'
        names (column ``name`` of the bassin tables) and their polygons for the map.

    Returns
    -------
    list of Path
        The files written, ``comparison.json`` last.

    Raises
    ------
    GpecError
        When ``out`` exists and is not a folder, cannot be written, or the instance's geometry cannot be
        read.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {out}: exists and is not a folder")
    names = None
    if instance is not None:
        names = instance.bassins.set_index("bassin")["name"]
    written = []
    try:
        for name, file in COMPARISON_FILES.items():
            table = comparison.tables[name]
            if names is not None and "bassin" in table:
                table = table.copy()
                table.insert(table.columns.get_loc("bassin") + 1, "name",
                             table["bassin"].map(names).fillna("").to_numpy())
            written.append(write_csv(out / file, _numbers_as_text(table)))
        summary = comparison.summary()
        if instance is not None:
            path = write_difference_map(comparison, instance, out / MAP_FILE)
            if path is not None:
                written.append(path)
                summary["map"] = path.name
            else:
                summary["notes"].append(_why_no_map(comparison, instance))
        written.append(write_json(out / "comparison.json", summary))
    except OSError as exc:
        raise GpecError(f"--out {out}: cannot write the comparison ({exc.strerror or exc})") from None
    return written


def write_difference_map(comparison: Comparison, instance, path: str | Path) -> Path | None:
    """Map of the change in unmet need per bassin over the horizon (b - a, FTE-years).

    A diverging colour map centred on 0 (red: more unmet need in b, blue: less), the names and changes of
    the (up to 8) bassins whose unmet need changed most, a colour bar with its unit and a source line
    (instance, its sha256, the polygons' file, the date drawn). The polygons are read by
    :func:`gpec.geo.maps.bassin_layer`.

    Parameters
    ----------
    comparison : Comparison
        From :func:`compare`.
    instance : Instance
        The runs' instance.
    path : path
        The PNG to write (atomically).

    Returns
    -------
    Path or None
        ``path``, or None (nothing drawn) when the instance has no ``bassins.geojson`` or a run has no
        plan.

    Raises
    ------
    GpecError
        When ``bassins.geojson`` cannot be read.
    """
    if not comparison.both_have_plans:
        return None
    from types import SimpleNamespace

    from gpec.charts import agg_figure
    from gpec.geo.maps import bassin_layer
    from gpec.results import TABLE_COLUMNS

    empty = {name: pd.DataFrame(columns=list(cols)) for name, cols in TABLE_COLUMNS.items()}
    layer = bassin_layer(SimpleNamespace(horizon=comparison.horizon, **empty), instance)
    if layer is None:
        return None
    from matplotlib.colors import TwoSlopeNorm

    unmet = comparison.by_bassin[comparison.by_bassin["measure"] == "unmet"].set_index("bassin")["difference"]
    layer = layer[["bassin", "name", "geometry"]].copy()
    layer["change"] = layer["bassin"].map(unmet.astype(float)).fillna(0.0)
    reach = float(layer["change"].abs().max())
    reach = reach if reach > 0 else 1.0
    labelled = set(comparison.bassins.loc[comparison.bassins["measure"] == "unmet", "bassin"].head(8))

    first, last = comparison.horizon
    a, b = comparison.runs["a"]["label"], comparison.runs["b"]["label"]
    fig = agg_figure((7, 7))
    ax = fig.subplots()
    layer.plot(ax=ax, column="change", cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -reach, reach), edgecolor="grey",
               linewidth=0.4, legend=True,
               legend_kwds={"label": f"change in unmet need, FTE-years {first}-{last} (b - a)", "shrink": 0.6})
    for row in layer.itertuples():
        if row.bassin in labelled:
            p = row.geometry.representative_point()
            ax.annotate(f"{row.name}\n{row.change:+.1f}", (p.x, p.y), ha="center", va="center", fontsize=6.5,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7))
    runs = "b vs a" if (a, b) == ("a", "b") else f"b = {b}  vs  a = {a}"
    ax.set_title(f"Change in unmet need by bassin, {first}-{last} (all métiers)\n{runs}", fontsize=10)
    ax.set_axis_off()
    total = float(layer["change"].sum())
    fig.text(0.01, 0.01,
             f"Red: more unmet need in b, blue: less; total {total:+,.1f} FTE-years. Source: gpec runs of instance "
             f"{comparison.instance} (sha256 {comparison.instance_sha256[:12]}), polygons "
             f"{Path(instance.folder).name}/bassins.geojson; drawn {_dt.date.today().isoformat()}.",
             fontsize=6, ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return write_atomic(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png", bbox_inches="tight"))


# -- for people (the console, in English or French) ------------------------------------------------------

def people_lines(comparison: Comparison, lang: str = "en") -> list[str]:
    """Sentences for people, in ``lang`` (``en`` or ``fr``): the headline (how b differs from a in unmet
    need and cost, judged against the runs' uncertainty), what was compared, how many inputs differ, and
    why some outputs are not compared (a run without a plan, different tails). Numbers are formatted for
    the language (:func:`gpec.i18n.fmt_number`, :func:`gpec.i18n.fmt_eur`); no ``nan``, ``inf`` or
    ``None``. :meth:`Comparison.summary` (JSON) stays English.

    Raises
    ------
    KeyError
        On an unknown language.
    """
    check_lang(lang)
    runs = comparison.runs
    lines = [_people_headline(comparison, lang),
             t("compare.scope", lang).format(instance=comparison.instance, first=comparison.horizon[0],
                                             last=comparison.horizon[1], a=runs["a"]["label"], b=runs["b"]["label"])]
    n = int(comparison.inputs["changed"].sum())
    lines.append(t("compare.inputs_same", lang) if n == 0 else t("compare.inputs_differ_one", lang) if n == 1 else
                 t("compare.inputs_differ_many", lang).format(n=fmt_number(n, lang)))
    for run in ("a", "b"):
        if not runs[run]["plan"]:
            key = "compare.run_no_plan" if runs[run]["label"] != run else "compare.run_no_plan_unlabelled"
            lines.append(t(key, lang).format(run=run, label=runs[run]["label"],
                                             status=_status_word(runs[run]["status"], lang)))
    tails = _tail_years(comparison)
    if comparison.both_have_plans and tails is not None and tails[0] != tails[1]:
        lines.append(t("compare.tails_differ", lang).format(ta=fmt_number(tails[0], lang),
                                                            tb=fmt_number(tails[1], lang)))
    return lines


def people_tables(comparison: Comparison, lang: str = "en") -> list[tuple[str, pd.DataFrame]]:
    """Titled tables for people, in ``lang``: the inputs that differ (input, run a, run b) and the totals
    (measure, unit, a, b, difference b - a, uncertainty, whether within the runs' uncertainty: yes/no or
    words). Headers, inputs, measures, units and words are translated; numbers are formatted as text for
    the language (euros without decimals, FTE-years with one, differences signed); no cell reads ``nan``,
    ``inf`` or ``None``. The CSV files and :meth:`Comparison.summary` keep English codes.

    Raises
    ------
    KeyError
        On an unknown language.
    """
    check_lang(lang)
    changed = comparison.inputs[comparison.inputs["changed"]]
    inputs = pd.DataFrame({
        t("compare.col_item", lang): [_item_words(item, lang, comparison.funders) for item in changed["item"]],
        t("compare.col_a", lang): [_input_value(item, v, lang) for item, v in zip(changed["item"], changed["a"])],
        t("compare.col_b", lang): [_input_value(item, v, lang) for item, v in zip(changed["item"], changed["b"])],
    }, columns=[t(f"compare.col_{c}", lang) for c in ("item", "a", "b")])
    rows = []
    for row in comparison.totals.to_dict("records"):
        measure = row["measure"]
        eur = measure == "cost"
        digits = 0 if eur else 1
        key = f"compare.measure_{measure}"
        rows.append({
            "measure": t(key, lang) if key in LABELS else str(measure),
            "unit": t("compare.unit_eur" if eur else "compare.unit_fte_years", lang),
            "a": _cell(row["a"], lang, digits),
            "b": _cell(row["b"], lang, digits),
            "difference": _cell(row["difference"], lang, digits, signed=True),
            "uncertainty": _cell(row["uncertainty"], lang, digits),
            "within_uncertainty": _cell(row["within_uncertainty"], lang, digits),
        })
    columns = {"measure": "col_measure", "unit": "col_unit", "a": "col_a", "b": "col_b",
               "difference": "col_difference", "uncertainty": "col_uncertainty", "within_uncertainty": "col_within"}
    totals = pd.DataFrame(rows, columns=list(columns)).rename(
        columns={k: t(f"compare.{v}", lang) for k, v in columns.items()})
    return [(t("compare.inputs_title", lang), inputs.reset_index(drop=True)),
            (t("compare.totals_title", lang), totals)]


def _people_headline(comparison: Comparison, lang: str) -> str:
    runs = comparison.runs
    if not comparison.both_have_plans:
        missing = [runs[k]["label"] for k in ("a", "b") if not runs[k]["plan"]]
        names = missing[0] if len(missing) == 1 else t("compare.and", lang).format(first=missing[0],
                                                                                  second=missing[1])
        return t("compare.no_plan_headline", lang).format(runs=names)
    rows = comparison.totals.set_index("measure")
    objective, what, verdict = rows.loc["objective"], "compare.what_objective", None
    if str(objective["within_uncertainty"]) == "not comparable":
        objective, what, verdict = rows.loc["unmet_horizon"], "compare.what_unmet_horizon", "compare.tails_verdict"
    parts = []
    for row, what, verdict, eur in ((objective, what, verdict, False), (rows.loc["cost"], "compare.what_cost", None,
                                                                         True)):
        diff, within = row["difference"], row["within_uncertainty"]
        if not _finite(diff):
            parts.append(t("compare.part_words", lang).format(what=t(what, lang), words=_words(diff, lang)))
            continue
        if verdict is None:
            verdict = (("compare.within" if within else "compare.beyond") if isinstance(within, (bool, np.bool_))
                       else "compare.uncertainty_unknown")
        amount = (_signed_eur(diff, lang) if eur else
                  f"{_signed(diff, lang, 1)} {t('compare.unit_fte_years', lang)}")
        parts.append(t("compare.part", lang).format(what=t(what, lang), diff=amount, verdict=t(verdict, lang)))
    separator = "; " if lang == "en" else " ; "  # French puts a space before the semicolon
    return t("compare.headline", lang).format(a=runs["a"]["label"], b=runs["b"]["label"], parts=separator.join(parts))


def _tail_years(comparison: Comparison) -> tuple[int, int] | None:
    row = comparison.inputs[comparison.inputs["item"] == "tail years"]
    if row.empty:
        return None
    try:
        return int(row["a"].iloc[0]), int(row["b"].iloc[0])
    except (TypeError, ValueError):
        return None


def _status_word(status: str, lang: str) -> str:
    """A status in one or two words ('infeasible', 'infaisable'): its label without the explanation."""
    key = f"status.{status}"
    return t(key, lang).split(" (")[0] if key in LABELS else str(status)


def _signed(value, lang: str, digits: int) -> str:
    text = fmt_number(value, lang, digits)
    return "+" + text if _finite(value) and round(float(value), digits) > 0 else text


def _signed_eur(value, lang: str) -> str:
    text = fmt_eur(value, lang)
    return "+" + text if _finite(value) and round(float(value)) > 0 else text


def _cell(value, lang: str, digits: int, signed: bool = False) -> str:
    """A value of the totals for people: yes/no, a number in the language's format, or words."""
    if isinstance(value, (bool, np.bool_)):
        return t("value.yes" if value else "value.no", lang)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not _finite(value):
            return MISSING[lang]
        return _signed(value, lang, digits) if signed else fmt_number(value, lang, digits)
    return _words(value, lang)


def _words(value, lang: str) -> str:
    """The words of a comparison table (English, from :func:`compare`) in ``lang``."""
    if value is None:
        return MISSING[lang]
    text = str(value)
    match = re.fullmatch(r"no plan \(status (\w+)\)", text)
    if match:
        return t("compare.no_plan", lang).format(status=_status_word(match.group(1), lang))
    match = re.fullmatch(r"unknown: run (\w+) has no finite bound", text)
    if match:
        return t("compare.unknown_bound", lang).format(run=match.group(1))
    if text.startswith("not comparable"):
        return t("compare.not_comparable", lang)
    if text.startswith("not judged:"):
        return t("compare.not_judged_uncertainty", lang)
    if text.startswith("not modelled"):
        return t("compare.not_modelled", lang)
    fixed = {"no plan in either run": "compare.no_plan_either", "not available": "compare.not_available",
             "not judged": "compare.not_judged", "unknown": "compare.unknown", "on": "compare.value_on",
             "off": "compare.value_off", "default": "compare.value_default", "used": "compare.value_used",
             "none (calibrated baseline)": "compare.value_baseline", "no envelope": "compare.value_no_envelope",
             "not a finite number": "compare.value_not_finite", "none": "value.none", "yes": "value.yes",
             "no": "value.no", "no finite bound": "compare.not_available"}
    if text in fixed:
        return t(fixed[text], lang)
    if text.lower() in ("nan", "inf", "-inf", "none", "null", "infinity", "-infinity"):
        return MISSING[lang]
    return text


def _item_words(item: str, lang: str, bodies: dict | None = None) -> str:
    """An input's name (column ``item`` of :attr:`Comparison.inputs`) in ``lang``; an envelope named by
    the runs' funding ``bodies``."""
    match = re.fullmatch(r"budget (\S+) (\d+)( \(tail\))?", item)
    if match:
        funder, year, tail = match.groups()
        return t("compare.item_budget_tail" if tail else "compare.item_budget", lang).format(
            envelope=funder_label(funder, lang, bodies, envelope=True), year=year)
    for prefix, key, field_ in (("parameter ", "compare.item_parameter", "name"),
                                ("lever ", "compare.item_lever", "lever"),
                                ("min places ", "compare.item_min_places", "metier")):
        if item.startswith(prefix) and item != "parameter overrides":
            code = item[len(prefix):]
            name = label(field_, code, lang) if field_ in ("lever", "metier") else code
            return t(key, lang).format(**{field_: name})
    fixed = {"parameter overrides": "item_overrides", "levers": "item_levers", "horizon": "item_horizon",
             "tail years": "item_tail_years", "service level": "item_service_level",
             "min places": "item_min_places_none", "reference plan": "item_reference", "solver": "item_solver",
             "gap tolerance (stage 1)": "item_gap_stage1", "gap tolerance (stage 2, cost)": "item_gap_stage2",
             "time limit (s)": "item_time_limit"}
    return t(f"compare.{fixed[item]}", lang) if item in fixed else item


def _input_value(item: str, value, lang: str) -> str:
    """An input's value (text, from :func:`compare`) for people: euros for envelopes, a percentage for
    the service level, numbers in the language's format, words translated."""
    text = _words(value, lang)
    if text != str(value) or value is None:
        return text
    if item == "horizon":
        return text.replace("-", "–")
    try:
        number = float(text)
    except (TypeError, ValueError):
        return text
    if not math.isfinite(number):
        return MISSING[lang]
    if item.startswith("budget "):
        return fmt_eur(number, lang)
    if item == "service level":
        return fmt_percent(number, lang, 1)
    if number == int(number) and abs(number) < 1e15:
        return fmt_number(number, lang, 0)
    plain = f"{number:.6g}"
    return plain.replace(".", ",") if lang == "fr" else plain


# -- building the tables --------------------------------------------------------------------------------

def _run_head(r, label: str) -> dict:
    plan = r.has_solution
    text = f"no plan (status {r.status})"
    number = lambda v: float(v) if plan and _finite(v) else (text if not plan else "not available")
    bound = float(r.bound) if _finite(r.bound) else "no finite bound"
    return {"label": str(label), "status": r.status, "plan": bool(plan), "objective": number(r.objective),
            "bound": bound, "gap": float(r.gap) if _finite(r.gap) else "not available", "cost": number(r.cost),
            "solver": r.solver,
            "reference_change": ("no reference" if r.reference_change is None else
                                 float(r.reference_change) if _finite(r.reference_change) else "not available")}


def _inputs(a, b, horizon: tuple[int, int]) -> pd.DataFrame:
    rows = []

    def add(item, va, vb):
        rows.append({"item": item, "a": va, "b": vb, "changed": va != vb})

    for funder in _union(a.budgets, b.budgets):
        ya, yb = a.budgets.get(funder, {}), b.budgets.get(funder, {})
        for year in sorted(set(ya) | set(yb)):
            tail = " (tail)" if int(year) > horizon[1] else ""
            add(f"budget {funder} {int(year)}{tail}", _envelope(a, funder, year, horizon),
                _envelope(b, funder, year, horizon))
    names = _union(a.overrides, b.overrides)
    for name in names:
        add(f"parameter {name}", _number(a.overrides.get(name), "default"), _number(b.overrides.get(name), "default"))
    if not names:
        add("parameter overrides", "none", "none")
    for lever in _union(a.levers, b.levers):
        add(f"lever {lever}", "on" if lever in a.levers else "off", "on" if lever in b.levers else "off")
    if not a.levers and not b.levers:
        add("levers", "none (calibrated baseline)", "none (calibrated baseline)")
    add("horizon", f"{a.horizon[0]}-{a.horizon[1]}", f"{b.horizon[0]}-{b.horizon[1]}")
    add("tail years", str(int(a.tail_years)), str(int(b.tail_years)))
    add("service level", _number(a.service_level, "none"), _number(b.service_level, "none"))
    metiers = _union(a.min_places or {}, b.min_places or {})
    for metier in metiers:
        add(f"min places {metier}", _number((a.min_places or {}).get(metier), "none"),
            _number((b.min_places or {}).get(metier), "none"))
    if not metiers:
        add("min places", "none", "none")
    add("reference plan", "used" if a.reference_change is not None else "none",
        "used" if b.reference_change is not None else "none")
    add("solver", str(a.solver), str(b.solver))
    add("gap tolerance (stage 1)", _number(a.mip_gap, "none"), _number(b.mip_gap, "none"))
    add("gap tolerance (stage 2, cost)", _number(a.cost_gap, "none"), _number(b.cost_gap, "none"))
    add("time limit (s)", _number(a.time_limit, "none"), _number(b.time_limit, "none"))
    table = pd.DataFrame(rows, columns=["item", "a", "b", "changed"])
    table["changed"] = table["changed"].astype(bool)
    return table


def _envelope(r, funder: str, year: int, horizon: tuple[int, int]) -> str:
    value = r.budgets.get(funder, {}).get(year)
    if value is None and int(year) > horizon[1] + int(r.tail_years):
        return "not modelled (after the run's tail)"
    return _number(value, "no envelope")


def _totals(a, b, missing: dict, unmet: pd.DataFrame) -> pd.DataFrame:
    """Objective and cost with their uncertainty (module docstring), and unmet need in the horizon years
    (always comparable, not judged: the gaps bound the whole objective only)."""
    horizon_unmet = unmet[unmet["phase"] == "horizon"]
    sums = {run: (float(pd.to_numeric(horizon_unmet[run]).sum()) if run not in missing else None)
            for run in ("a", "b")}
    tails = (int(a.tail_years), int(b.tail_years))
    rows = []
    for measure, unit, va, vb, ua, ub in (
            ("objective", "FTE-years (weighted unmet need, horizon and tail)", a.objective, b.objective,
             _gap_abs(a.objective, a.bound), _gap_abs(b.objective, b.bound)),
            ("cost", "EUR", a.cost, b.cost, _cost_gap(a), _cost_gap(b)),
            ("unmet_horizon", "FTE-years (unmet need in the horizon years, not weighted)", sums["a"], sums["b"],
             None, None)):
        va, vb = (float(v) if v is not None else math.nan for v in (va, vb))
        row = {"measure": measure, "unit": unit, "a": missing.get("a", va), "b": missing.get("b", vb)}
        if missing:
            text = next(iter(missing.values())) if len(missing) == 1 else "no plan in either run"
            row.update(difference=text, uncertainty=text, within_uncertainty=text)
        elif not (_finite(va) and _finite(vb)):
            row.update(difference="not available", uncertainty="not available", within_uncertainty="not available")
        elif measure == "objective" and tails[0] != tails[1]:
            text = (f"not comparable: run a models {tails[0]} tail years, run b {tails[1]} (the objective sums "
                    "unmet need over the horizon and its tail; see unmet_horizon)")
            row.update(difference=text, within_uncertainty="not comparable",
                       uncertainty=ua + ub if ua is not None and ub is not None else "unknown")
        elif measure == "unmet_horizon":
            row.update(difference=vb - va, uncertainty="not judged: the gaps bound the objective only",
                       within_uncertainty="not judged")
        else:
            diff = vb - va
            row["difference"] = diff
            if ua is None or ub is None:
                row["uncertainty"] = "unknown: " + ("run a" if ua is None else "run b") + " has no finite bound"
                row["within_uncertainty"] = "unknown"
            else:
                row["uncertainty"] = ua + ub
                row["within_uncertainty"] = bool(abs(diff) <= ua + ub)
        rows.append(row)
    return pd.DataFrame(rows, columns=["measure", "unit", "a", "b", "difference", "uncertainty",
                                       "within_uncertainty"])


def _gap_abs(objective: float, bound: float) -> float | None:
    """|objective - bound|, None when either is not a finite number."""
    return abs(float(objective) - float(bound)) if _finite(objective) and _finite(bound) else None


def _cost_gap(r) -> float | None:
    stage = next((s for s in r.stages if s.name == "cost"), None)
    return 0.0 if stage is None else _gap_abs(stage.objective, stage.bound)


def _unmet_by(r, keys: list[str], last_year: int | None = None) -> pd.Series | None:
    """A run's unmet need summed by ``keys`` (up to ``last_year``); None without a plan."""
    if not r.has_solution:
        return None
    table = r.unmet
    if last_year is not None:
        table = table[pd.to_numeric(table["year"]) <= last_year]
    return _sum(table, keys, "unmet", r)


def _sum(table: pd.DataFrame, keys: list[str], value: str, r) -> pd.Series | None:
    """``value`` of a run's table summed by ``keys`` (codes as text, years as int); None without a plan."""
    if not r.has_solution:
        return None
    if table.empty:
        return pd.Series(dtype=float, index=pd.MultiIndex.from_tuples([], names=keys) if len(keys) > 1 else
                         pd.Index([], name=keys[0]))
    table = table.assign(**{value: pd.to_numeric(table[value], errors="coerce").fillna(0.0).astype(float)})
    if "year" in keys:
        table = table.assign(year=pd.to_numeric(table["year"]).astype(int))
    for key in keys:
        if key != "year":
            table = table.assign(**{key: table[key].astype(str)})
    return table.groupby(keys)[value].sum()


def _pair(sa: pd.Series | None, sb: pd.Series | None, keys: list[str]) -> pd.DataFrame:
    """Outer join of two sums on ``keys``: a, b, difference (a key missing in a run counts 0; a run without
    a plan, None, gives NaN, replaced by words in :func:`_mark`)."""
    columns = [*keys, "a", "b", "difference"]
    parts = [s for s in (sa, sb) if s is not None and len(s)]
    if not parts:
        return pd.DataFrame(columns=columns)
    index = parts[0].index
    for s in parts[1:]:
        index = index.union(s.index)
    col = lambda s: s.reindex(index).fillna(0.0).to_numpy(float) if s is not None else np.full(len(index), np.nan)
    table = pd.DataFrame({"a": col(sa), "b": col(sb)}, index=index)
    table["difference"] = _denoise(table["b"] - table["a"], table["a"], table["b"])
    table = table.reset_index()
    if "year" in table:
        table["year"] = table["year"].astype(int)
    return table[columns].sort_values(keys, kind="stable").reset_index(drop=True)


def _not_modelled(unmet: pd.DataFrame, a, b, horizon: tuple[int, int]) -> pd.DataFrame:
    """Words instead of 0 for the tail years a run does not model (its levers' longest lag is shorter)."""
    last = {"a": horizon[1] + int(a.tail_years), "b": horizon[1] + int(b.tail_years)}
    beyond = {run: unmet["year"].to_numpy(int) > end for run, end in last.items()}
    if not any(mask.any() for mask in beyond.values()):
        return unmet
    unmet = unmet.astype({"a": object, "b": object, "difference": object})
    for run, r in (("a", a), ("b", b)):
        if r.has_solution and beyond[run].any():
            text = f"not modelled (run {run} has {int(r.tail_years)} tail years)"
            unmet.loc[beyond[run], run] = text
            unmet.loc[beyond[run], "difference"] = text
    return unmet


def _lever_table(a, b) -> pd.DataFrame:
    levers = _union(a.levers, b.levers)
    frames = []
    for measure in ("units", "fte", "cost_eur"):
        sums = [_sum(r.decisions, ["lever"], measure, r) for r in (a, b)]
        sums = [s.reindex(pd.Index(_union(levers, s.index), name="lever")).fillna(0.0) if s is not None else None
                for s in sums]
        pair = _pair(*sums, ["lever"])
        pair.insert(1, "measure", measure)
        frames.append(pair)
    table = pd.concat(frames, ignore_index=True)
    order = {lever: i for i, lever in enumerate(_union(levers, table["lever"]))}
    table["_lever"] = table["lever"].map(order)
    table["_measure"] = table["measure"].map({"units": 0, "fte": 1, "cost_eur": 2})
    table = table.sort_values(["_lever", "_measure"], kind="stable")
    return table.drop(columns=["_lever", "_measure"]).reset_index(drop=True)


def _bassin_table(a, b, horizon: tuple[int, int]) -> pd.DataFrame:
    frames = []
    for measure, unit in BASSIN_MEASURES.items():
        if measure == "unmet":
            sums = [_unmet_by(r, ["bassin"], last_year=horizon[1]) for r in (a, b)]
        else:
            sums = [_sum(r.decisions, ["bassin"], measure, r) for r in (a, b)]
        pair = _pair(*sums, ["bassin"])
        pair.insert(1, "measure", measure)
        pair.insert(2, "unit", unit)
        frames.append(pair)
    table = pd.concat(frames, ignore_index=True)
    bassins = sorted(set(table["bassin"]))
    full = pd.MultiIndex.from_product([bassins, list(BASSIN_MEASURES)], names=["bassin", "measure"])
    table = table.set_index(["bassin", "measure"]).reindex(full).reset_index()
    table["unit"] = table["measure"].map(BASSIN_MEASURES)
    for run, r in (("a", a), ("b", b)):  # a bassin a run never mentions: nothing there (NaN: no plan)
        if r.has_solution:
            table[run] = table[run].fillna(0.0)
    table["difference"] = _denoise(table["b"] - table["a"], table["a"], table["b"])
    return table[["bassin", "measure", "unit", "a", "b", "difference"]]


def _changed_most(by_bassin: pd.DataFrame, plans: dict, top: int) -> pd.DataFrame:
    """The ``top`` bassins per measure by absolute difference (by the value of the run that has a plan when
    only one has); only changes above :data:`CHANGE_TOLERANCE`."""
    columns = ["measure", "rank", "bassin", "unit", "a", "b", "difference"]
    if not any(plans.values()):
        return pd.DataFrame(columns=columns)
    frames = []
    for measure in BASSIN_MEASURES:
        rows = by_bassin[by_bassin["measure"] == measure]
        if all(plans.values()):
            size = rows["difference"].abs()
            scale = np.maximum(1.0, np.maximum(rows["a"].abs(), rows["b"].abs()))
        else:
            size = rows["a" if plans["a"] else "b"].abs()
            scale = 1.0
        changed = (size > CHANGE_TOLERANCE * scale).to_numpy()
        keep = rows[changed].assign(_size=size.to_numpy()[changed])
        keep = keep.sort_values(["_size", "bassin"], ascending=[False, True], kind="stable").head(top)
        frames.append(keep.assign(rank=np.arange(1, len(keep) + 1)).drop(columns="_size"))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return table[columns].reset_index(drop=True)


def _mark(table: pd.DataFrame, missing: dict) -> pd.DataFrame:
    """Words instead of numbers in the columns of a run without a plan (and in ``difference``)."""
    if not missing:
        return table
    table = table.copy()
    for run, text in missing.items():
        table[run] = pd.Series([text] * len(table), index=table.index, dtype=object)
    text = next(iter(missing.values())) if len(missing) == 1 else "no plan in either run"
    table["difference"] = pd.Series([text] * len(table), index=table.index, dtype=object)
    return table


# -- small helpers --------------------------------------------------------------------------------------

def _denoise(difference: pd.Series, a: pd.Series, b: pd.Series) -> pd.Series:
    """Differences of floating-point noise (below 1e-9 of the values) are 0."""
    scale = np.maximum(1.0, np.maximum(a.abs().fillna(0.0), b.abs().fillna(0.0)))
    return difference.where(~(difference.abs() <= 1e-9 * scale), 0.0)


def _phase(years: pd.Series, horizon: tuple[int, int]) -> np.ndarray:
    return np.where(years.to_numpy(int) > horizon[1], "tail", "horizon")


def _union(first, second) -> list:
    """Keys of both, in first-seen order."""
    return list(dict.fromkeys([*first, *second]))


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _number(value, missing: str) -> str:
    """An input value as text ('500000', '0.04'); ``missing`` for None."""
    if value is None:
        return missing
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "not a finite number"
    return f"{number:.10g}"


def _used(rows: pd.DataFrame) -> bool:
    """Whether a lever has any unit in either run (or a run has no plan: words)."""
    values = pd.to_numeric(pd.concat([rows["a"], rows["b"]]), errors="coerce")
    return bool(values.isna().any() or (values.abs() > 0).any())


def _sum_or_text(column: pd.Series):
    """The sum of a value column, or its first words when some rows are words (no plan, not modelled)."""
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.isna().any():
        return str(column[numbers.isna()].iloc[0])
    return float(numbers.sum())


def _readable(value):
    """JSON-able values with no NaN, infinity or None (recursively): words instead."""
    if isinstance(value, dict):
        return {str(k): _readable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(v) for v in value]
    if value is None:
        return "not available"
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else "not available"
    return value


def _numbers_as_text(table: pd.DataFrame) -> pd.DataFrame:
    """Numbers in text columns (a run's words beside the other run's numbers) written like the float
    columns (``%.10g``)."""
    mixed = [c for c in table.columns if table[c].dtype == object]
    if not mixed:
        return table
    table = table.copy()
    for column in mixed:
        table[column] = table[column].map(
            lambda v: f"{v:.10g}" if isinstance(v, (float, np.floating)) and not isinstance(v, bool) else v)
    return table


def _why_no_map(comparison: Comparison, instance) -> str:
    if not comparison.both_have_plans:
        return "no difference map: a run has no plan"
    return f"no difference map: {Path(instance.folder) / 'bassins.geojson'} not found"
