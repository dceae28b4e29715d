"""A result in plain words: the paragraph a planner can paste into a note.

For a plan: how good it is and how sure (status, bound, gap), what it buys and spends, what it avoids
against doing nothing, what binds (each funder's envelope in which years, capacities, labour pools)
and what one more thousand euros of each funder buys, with its uncertainty ("below what this run can
resolve (±x FTE-years)"), never a bare 0 or NaN. For an infeasible run: first, in one sentence, what
cannot be reached and why (the envelopes, capacities, lags or labour pools that limit it), then the
largest reachable target and the budgets that suffice.

Every word comes from the translation table (:mod:`gpec.i18n`, keys ``explain.*``), every number from
its formatters, in English or French.
"""

from __future__ import annotations

import math

import pandas as pd

from gpec.i18n import fmt_eur, fmt_number, fmt_percent, funder_label, label, t

#: Conflict families (row or column blocks of the model) -> the limit they stand for; the blocks of a
#: lever (its decisions, totals, caps and splits, named after it) are its capacities (:func:`_limit`).
LIMITS = {"budget": "budget", "budget_carry": "budget", "budget_carried": "budget", "lever_cost": "budget",
          "spend": "budget", "labour_pool": "labour_pool", "stock_balance": "lag", "stock": "lag", "need": "lag",
          "unmet": "lag"}
#: Name prefixes of the blocks of the levers.
LEVER_BLOCKS = ("training", "apprentice", "qvct", "vehicle", "pool", "promotion", "vae", "reconversion",
                "immersion", "social")


def plain_words(result, lang: str = "en", instance=None) -> str:
    """The paragraph (module docstring) for ``result``; ``instance`` (the applied instance) adds the
    comparison with doing nothing."""
    if result.status == "infeasible":
        return _infeasible(result, lang)
    if not result.has_solution:
        return t(f"sentence.{result.status}", lang).format(message=result.message)
    parts = [_status(result, lang), _buys(result, lang)]
    if instance is not None:
        parts.append(_avoided(result, instance, lang))
    parts += [_binds(result, lang), *_marginals(result, lang)]
    return " ".join(p for p in parts if p)


def _status(result, lang: str) -> str:
    if not math.isfinite(result.bound):
        return t("sentence.feasible_no_bound", lang).format(obj=fmt_number(result.objective, lang, 1),
                                                            cost=fmt_eur(result.cost, lang))
    key = "explain.proven" if result.status == "optimal" else "explain.not_proven"
    return t(key, lang).format(obj=fmt_number(result.objective, lang, 1), bound=fmt_number(result.bound, lang, 1),
                               gap=fmt_percent(result.gap, lang, 2), first=result.horizon[0],
                               last=result.horizon[1] + result.tail_years)


def _buys(result, lang: str) -> str:
    d, spend = result.decisions, result.spend
    horizon = spend[spend["phase"] == "horizon"] if "phase" in spend else spend
    by_funder = horizon.groupby("funder")["eur"].sum() if len(horizon) else pd.Series(dtype=float)
    funders = ", ".join(f"{funder_label(f, lang, result.funders)} {fmt_eur(v, lang)}"
                        for f, v in by_funder.items() if v > 0.5)
    units = d.groupby("lever")["units"].sum() if len(d) else pd.Series(dtype=float)
    used = [f"{fmt_number(units[lv], lang, 0 if abs(units[lv] - round(units[lv])) < 1e-6 else 1)} "
            f"{label('unit', lv, lang)}" for lv in result.levers if units.get(lv, 0) > 1e-6]
    unused = [label("lever", lv, lang) for lv in result.levers if units.get(lv, 0) <= 1e-6]
    text = t("explain.spends", lang).format(cost=fmt_eur(float(by_funder.sum()), lang), first=result.horizon[0],
                                            last=result.horizon[1], funders=funders or "—",
                                            buys=", ".join(used) or t("explain.nothing", lang))
    if unused:
        text += " " + t("explain.unused", lang).format(levers=", ".join(unused))
    return text


def _avoided(result, instance, lang: str) -> str:
    from gpec.report import unmet_by_year

    table = unmet_by_year(result, instance)
    base, unmet = float(table["baseline_unmet"].sum()), float(table["unmet"].sum())
    return t("explain.avoided", lang).format(avoided=fmt_number(base - unmet, lang, 0),
                                             base=fmt_number(base, lang, 0), unmet=fmt_number(unmet, lang, 0))


def _binds(result, lang: str) -> str:
    prices = result.shadow_prices
    if prices is None or prices.empty or "method" not in prices:
        return t("explain.no_prices", lang)
    lp = prices[(prices["method"] == "lp_relaxation") & (prices["status"] == "optimal")]
    if lp.empty:
        return t("explain.binds_not_computed", lang)
    binding = lp["binding"].astype(str).str.lower().isin(("true", "1"))
    parts = []
    budget = lp[binding & (lp["family"] == "budget")]
    for funder, rows in budget.groupby("funder"):
        parts.append(t("explain.envelope_binds", lang).format(**_envelope(funder, lang, result.funders),
                                                              years=_years(rows["year"])))
    for family in ("training_capacity", "labour_pool"):
        n = int((binding & (lp["family"] == family)).sum())
        if n:
            parts.append(t(f"explain.binds_{family}", lang).format(n=n))
    if not parts:
        return t("explain.nothing_binds", lang)
    return t("explain.binds", lang).format(what="; ".join(parts))


def _marginals(result, lang: str) -> list[str]:
    prices = result.shadow_prices
    if prices is None or prices.empty or "method" not in prices:
        return []
    mip = prices[(prices["method"] == "mip_marginal") & prices["label"].astype(str).str.contains(r"\+|all years")]
    out = []
    for funder, rows in mip.groupby("funder"):
        up = rows[rows["detail"].astype(str).str.startswith("+")]
        row = (up if len(up) else rows).iloc[0]
        value, spread = float(row["value"]), float(row.get("uncertainty", math.nan))
        envelope = _envelope(funder, lang, result.funders)
        if not math.isfinite(value):
            out.append(t("explain.marginal_unknown", lang).format(**envelope))
        elif math.isfinite(spread) and abs(value) <= spread:
            out.append(t("explain.marginal_unresolved", lang).format(**envelope, spread=fmt_number(spread, lang, 3)))
        else:
            out.append(t("explain.marginal", lang).format(**envelope, value=fmt_number(value, lang, 3),
                                                          spread=fmt_number(spread, lang, 3)))
    return out


def _infeasible(result, lang: str) -> str:
    d = result.diagnosis or {}
    if result.service_level is not None:
        target = t("explain.target_service", lang).format(level=fmt_percent(result.service_level, lang, 1))
    elif result.min_places:
        target = t("explain.target_places", lang).format(places=", ".join(
            f"{n} {label('metier', m, lang)}" for m, n in result.min_places.items()))
    else:
        target = t("explain.target_none", lang)
    limits = []
    for item in d.get("conflict", []):
        kind = _limit(str(item.get("family", "")))
        if kind and kind not in limits:
            limits.append(kind)
    if limits:
        why = ", ".join(t(f"explain.limit_{k}", lang) for k in limits)
    elif d.get("lp_relaxation") == "optimal":
        why = t("explain.limit_whole", lang)
    else:
        why = t("explain.limit_unknown", lang)
    parts = [t("explain.cannot", lang).format(target=target, why=why)]
    if d.get("suggested_service_level") is not None:
        parts.append(t("explain.largest_level", lang).format(
            level=fmt_percent(d["suggested_service_level"], lang, 1)))
    if d.get("suggested_budgets"):
        parts.append(t("explain.budgets_suffice", lang).format(budgets=", ".join(
            f"{funder_label(f, lang, result.funders, envelope=True)} {fmt_eur(v, lang)}"
            for f, v in sorted(d["suggested_budgets"].items()))))
    return " ".join(parts)


def _envelope(funder: str, lang: str, bodies: dict | None = None) -> dict:
    """A funder's envelope as a sentence needs it: ``envelope`` as labelled (from the instance's
    ``bodies`` when it has ``funders.csv``), ``envelope_lc`` with a small first letter (French:
    « l'enveloppe du Conseil départemental (Landes) »)."""
    name = funder_label(funder, lang, bodies, envelope=True)
    return {"envelope": name, "envelope_lc": name[:1].lower() + name[1:]}


def _limit(family: str) -> str | None:
    """The limit a conflicting block stands for (None: the target itself, e.g. the service level)."""
    if family in LIMITS:
        return LIMITS[family]
    return "capacity" if family.startswith(LEVER_BLOCKS) else None


def _years(years) -> str:
    """``2026-2029, 2032``: consecutive years as ranges."""
    ys = sorted({int(y) for y in years})
    runs, start = [], ys[0]
    for a, b in zip(ys, ys[1:] + [None]):
        if b != a + 1:
            runs.append(str(start) if start == a else f"{start}–{a}")
            start = b
    return ", ".join(runs)
