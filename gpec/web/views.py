"""What the page reads, as JSON: an instance's controls, a what-if's state and answer, a comparison.

Numbers stay numbers (the page formats them for its language); a number that is not finite is
``null``. Words for people come from :mod:`gpec.i18n` and :func:`gpec.explain.plain_words`; no path of
the machine is ever part of an answer.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gpec.explain import plain_words
from gpec.i18n import LABELS, LANGUAGES, funder_label, label
from gpec.lever_names import LEVERS

#: Shadow-price methods shown (the fixed-integer LP's rows, one per bassin, métier and year, are not).
PRICE_METHODS = ("lp_relaxation", "mip_marginal")
#: Columns of a shadow price row kept in the answer.
PRICE_COLUMNS = ("method", "family", "funder", "bassin", "metier", "year", "unit", "value", "uncertainty",
                 "eur_per_fte_year", "binding", "status")


def number(value):
    """A JSON number, or ``None`` when ``value`` is missing or not finite."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and abs(value) < 1e20 else None


def instance_view(name: str, instance) -> dict:
    """An instance's controls: horizon, years, funders (with their envelope by year, ``budget.csv``), levers,
    the levers' assumed effect sizes."""
    bodies = instance.bodies
    envelopes = instance.budget()
    funders = []
    for code in dict.fromkeys(instance.table("budget.csv")["funder"]):
        funders.append({"code": code, "kind": bodies.get(code, {}).get("kind", code),
                        **{f"label_{lang}": funder_label(code, lang, bodies) for lang in LANGUAGES},
                        "budget": {str(year): number(eur) for year, eur in envelopes.xs(code, level="funder").items()}})
    present = set(instance.table("levers.csv")["lever"])
    levers = [{"name": lever, **{f"label_{lang}": label("lever", lever, lang) for lang in LANGUAGES}}
              for lever in LEVERS if lever in present]
    table = instance.parameters
    effects = table[table["lever"].fillna("").astype(str) != ""] if "lever" in table else table.iloc[:0]
    parameters = [{"name": row["name"], "key": _text(row.get("key")), "value": number(row["value"]),
                   "low": number(row.get("low")), "high": number(row.get("high")), "unit": _text(row.get("unit")),
                   "lever": _text(row.get("lever")), "confidence": _text(row.get("confidence")),
                   "source": _text(row.get("source"))} for row in effects.to_dict("records")]
    years = instance.data_years()
    return {"name": name, "horizon": list(instance.horizon), "base_year": instance.base_year,
            "years": list(range(years[0], years[1] + 1)), "funders": funders, "levers": levers,
            "parameters": parameters, "service_level": None}


def labels(lang: str) -> dict[str, str]:
    """Every label of :data:`gpec.i18n.LABELS` in ``lang``."""
    return {key: entry[lang] for key, entry in LABELS.items()}


def job_view(job, position: int, answer: dict | None = None) -> dict:
    """A what-if's state, progress and (once done) answer; the shape of ``GET /api/results/{hash}``.
    ``answer`` is :func:`result_view` of its result when the caller keeps it (it is the slow part)."""
    view = {"hash": job.hash, "state": job.state, "position": position, "progress": _progress(job.progress),
            "prices": job.prices, "scenario": job.request, "error": job.error or None}
    if job.result is None:
        return {**view, "status": None, "objective": None, "bound": None, "gap": None, "cost": None,
                "message": job.error or "", "interrupted": False, "time_limit_reached": False, "explain": None,
                "shadow_prices": [], "by_year": [], "by_bassin": [], "totals": None}
    return {**view, **(answer if answer is not None else result_view(job.result))}


def result_view(result) -> dict:
    """The answer of a solved what-if: status and proof, words, shadow prices, figures by year and bassin."""
    return {
        "status": result.status, "objective": number(result.objective), "bound": number(result.bound),
        "gap": number(result.gap), "cost": number(result.cost), "message": result.message,
        "interrupted": result.message.startswith("interrupted"),
        "time_limit_reached": any("time limit" in s.solver_status.lower() for s in result.stages),
        "explain": {lang: plain_words(result, lang, result.applied) for lang in LANGUAGES},
        "shadow_prices": _prices(result.shadow_prices),
        "by_year": _by_year(result), "by_bassin": _by_bassin(result), "totals": _totals(result),
    }


def comparison_view(comparison, lang: str) -> dict:
    """``GET /api/compare``: the summary, the tables for people, unmet need by bassin (a, b, b - a)."""
    from gpec.comparison import people_lines, people_tables

    tables = [{"title": title, "columns": [str(c) for c in table.columns],
               "rows": [[_cell(v) for v in row] for row in table.itertuples(index=False)]}
              for title, table in people_tables(comparison, lang)]
    unmet = comparison.by_bassin[comparison.by_bassin["measure"] == "unmet"]
    by_bassin = [{"bassin": str(row["bassin"]), "a": number(row["a"]), "b": number(row["b"]),
                  "diff": number(row["difference"])} for row in unmet.to_dict("records")]
    lines = people_lines(comparison, lang)
    return {"summary": comparison.summary(), "headline": lines[0], "lines": lines, "tables": tables,
            "by_bassin": by_bassin}


def _progress(progress: dict | None) -> dict | None:
    if progress is None:
        return None
    return {"stage": progress["stage"], "seconds": number(progress["seconds"]),
            **{k: number(progress[k]) for k in ("incumbent", "bound", "gap")}}


def _prices(prices: pd.DataFrame) -> list[dict]:
    if prices is None or prices.empty:
        return []
    shown = prices[prices["method"].isin(PRICE_METHODS)]
    rows = []
    for row in shown.to_dict("records"):
        entry = {"resource": _text(row.get("label"))}
        for column in PRICE_COLUMNS:
            value = row.get(column)
            if column in ("value", "uncertainty", "eur_per_fte_year"):
                entry[column] = number(value)
            elif column == "year":
                entry[column] = None if number(value) is None else int(value)
            else:
                entry[column] = _cell(value)
        rows.append(entry)
    return rows


def _by_year(result) -> list[dict]:
    if not result.has_solution:
        return []
    unmet = result.unmet.groupby("year")["unmet"].sum()
    spend = result.spend.groupby("year")["eur"].sum() if len(result.spend) else pd.Series(dtype=float)
    phase = result.unmet.groupby("year")["phase"].first()
    years = sorted(set(unmet.index) | set(spend.index))
    return [{"year": int(y), "phase": str(phase.get(y, "tail")), "unmet_fte": number(unmet.get(y, 0.0)),
             "spend_eur": number(spend.get(y, 0.0))} for y in years]


def _by_bassin(result) -> list[dict]:
    """Per bassin: unmet need over the horizon years (FTE-years) and each lever's units (whole horizon)."""
    if not result.has_solution:
        return []
    horizon = result.unmet[result.unmet["phase"] == "horizon"]
    unmet = horizon.groupby("bassin")["unmet"].sum()
    need = horizon.groupby("bassin")["need"].sum()
    units = (result.decisions.groupby(["bassin", "lever"], observed=True)["units"].sum().unstack(fill_value=0.0)
             if len(result.decisions) else pd.DataFrame())
    rows = []
    for bassin in unmet.index:
        row = {"bassin": str(bassin), "unmet_fte": number(unmet[bassin]), "need_fte": number(need[bassin])}
        for lever in result.levers:
            row[lever] = number(units.at[bassin, lever]) if bassin in units.index and lever in units.columns else 0.0
        rows.append(row)
    return rows


def _totals(result) -> dict | None:
    if not result.has_solution:
        return None
    horizon = result.unmet[result.unmet["phase"] == "horizon"]
    spend = result.spend.groupby("funder")["eur"].sum() if len(result.spend) else pd.Series(dtype=float)
    units = result.decisions.groupby("lever")["units"].sum() if len(result.decisions) else pd.Series(dtype=float)
    return {"unmet_fte": number(horizon["unmet"].sum()), "need_fte": number(horizon["need"].sum()),
            "unmet_fte_all_years": number(result.unmet["unmet"].sum()), "spend_eur": number(result.spend["eur"].sum()),
            "spend_by_funder": {str(k): number(v) for k, v in spend.items()},
            "units_by_lever": {str(k): number(v) for k, v in units.items()}}


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _cell(value):
    """A table cell as JSON: numbers as numbers (``None`` when not finite), the rest as text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number(value)
    return _text(value)
