"""Summaries of a Result as tables (what the CLI prints) and a markdown report (``report.md``)."""

from __future__ import annotations

import pandas as pd

from gpec.atomic import write_text
from gpec.i18n import LABELS, fmt_eur, fmt_number, fmt_percent, funder_label, label, t
from gpec.results import phase
from gpec.schema import RESERVOIRS
from gpec.stock import baseline_stock

#: Flow kinds that bring FTE to the métiers (not moves between them): the inflow mix.
ENTERING_KINDS = ("entry", "retained", "cover")


def unmet_by_year(result, instance) -> pd.DataFrame:
    """Need, unmet need with the plan and without any lever (the calibrated baseline under the same
    scenario parameters), by model year (``phase``: the horizon, then its tail)."""
    w = result.workforce
    base = baseline_stock(instance, (result.horizon[0], result.horizon[1] + result.tail_years))
    need = instance.need()
    idx = pd.MultiIndex.from_frame(w[["bassin", "metier", "year"]])
    baseline_unmet = (need.reindex(idx) - base.reindex(idx)).clip(lower=0.0).to_numpy()
    table = w.assign(baseline_unmet=baseline_unmet).groupby("year")[["need", "stock", "unmet", "baseline_unmet"]].sum()
    table["unmet_share"] = table["unmet"] / table["need"]
    table["avoided"] = table["baseline_unmet"] - table["unmet"]
    table = table.reset_index()
    table.insert(1, "phase", phase(table["year"], result.horizon))
    return table


def spend_by_year(result) -> pd.DataFrame:
    """Spending per funder and year against the envelope and the euros carried in from earlier years
    (``budget_carry_over`` x what was left unspent; ``used`` = spend / (envelope + carried in)); tail years
    (``phase``) only where courses started in the horizon are still paid."""
    rows = []
    spent = result.spend.groupby(["funder", "year"])["eur"].sum() if len(result.spend) else pd.Series(dtype=float)
    for funder, years in result.budgets.items():
        carried = 0.0
        for year, envelope in sorted(years.items()):
            eur = float(spent.get((funder, year), 0.0))
            available = envelope + carried
            tail = year > result.horizon[1]
            if not tail or eur > 0:
                rows.append(dict(funder=funder, year=year, phase="tail" if tail else "horizon", spend_eur=eur,
                                 envelope_eur=envelope, carried_in_eur=carried,
                                 used=eur / available if available > 0 else 0.0))
            carried = result.budget_carry_over * max(0.0, available - eur)
    return pd.DataFrame(rows)


def allocation_by_bassin(result, instance, top: int = 10) -> pd.DataFrame:
    """Units bought per bassin and lever (training places at their site), by spending, largest first."""
    d = result.decisions
    if d.empty:
        return pd.DataFrame(columns=["bassin", "name", *result.levers, "cost_eur"])
    units = d.pivot_table(index="bassin", columns="lever", values="units", aggfunc="sum", fill_value=0)
    levers = [lever for lever in result.levers if lever in units]  # the levers the plan uses
    money = d.groupby("bassin")[["cost_eur"]].sum()
    table = units[levers].join(money).sort_values("cost_eur", ascending=False).head(top)
    names = instance.bassins.set_index("bassin")["name"]
    table.insert(0, "name", names.reindex(table.index).to_numpy())
    return table.reset_index()


def lever_summary(result) -> pd.DataFrame:
    """One row per lever of the run, chosen or not: units, FTE delivered, retained or covered, cost."""
    totals = result.decisions.groupby("lever")[["units", "fte", "cost_eur"]].sum()
    table = totals.reindex(list(result.levers), fill_value=0).rename_axis("lever").reset_index()
    table = table.astype({"units": float, "fte": float, "cost_eur": float})
    whole = (table["units"] - table["units"].round()).abs().max() < 1e-6  # department totals of split places
    return table.assign(units=table["units"].round().astype(int)) if whole else table


def inflow_mix(result) -> pd.DataFrame:
    """Every flow summed over the horizon, by reservoir, flow, kind and lever (``baseline`` = the existing
    system): FTE (departures and moves out negative), and each entering flow's share of all FTE entering
    (kinds ``entry``, ``retained``, ``cover``: moves between métiers and returns are not new staff)."""
    f = result.flows
    if f.empty:
        return pd.DataFrame(columns=["reservoir", "flow", "kind", "lever", "fte", "share_of_entering"])
    table = f.groupby(["reservoir", "flow", "kind", "lever"], as_index=False)["fte"].sum()
    entering = table["fte"].where(table["kind"].isin(ENTERING_KINDS), 0.0)
    table["share_of_entering"] = entering / entering.sum() if entering.sum() > 0 else 0.0
    table["order"] = table["reservoir"].map({r: i for i, r in enumerate(RESERVOIRS)})
    return table.sort_values(["order", "fte"], ascending=[True, False]).drop(columns="order").reset_index(drop=True)


def reservoir_summary(result) -> pd.DataFrame:
    """One row per reservoir, FTE over the horizon: ``entering`` the métiers (new staff, staff retained,
    need covered by pools), of which ``from_levers``; ``moving`` between métiers (arrivals); ``leaving``
    (departures and moves out net of failed promotions returning); ``share`` of all FTE entering."""
    mix = inflow_mix(result)
    rows = []
    for reservoir in RESERVOIRS:
        r = mix[mix["reservoir"] == reservoir]
        entering = r[r["kind"].isin(ENTERING_KINDS)]
        rows.append(dict(reservoir=reservoir, entering=float(entering["fte"].sum()),
                         from_levers=float(entering.loc[entering["lever"] != "baseline", "fte"].sum()),
                         moving=float(r.loc[r["kind"] == "move_in", "fte"].sum()),
                         leaving=float(r.loc[r["kind"].isin(("departure", "move_out", "return")), "fte"].sum()),
                         share=float(r["share_of_entering"].sum())))
    return pd.DataFrame(rows)


def binding_summary(prices: pd.DataFrame, top: int = 8) -> list[tuple[str, pd.DataFrame]]:
    """What binds and what one more unit is worth (``shadow_prices.csv``), as titled tables."""
    if prices.empty:
        return []
    cols = ["label", "value", "unit", "eur_per_fte_year", "binding", "detail"]
    pick = lambda method, family: prices[(prices["method"] == method) & (prices["family"] == family)]
    out = [("Budgets, MIP marginal value (warm re-solves; FTE-years avoided per 1,000 EUR)",
            pick("mip_marginal", "budget")[cols]),
           ("Budgets, LP-relaxation duals (FTE-years avoided per 1,000 EUR in that year)",
            pick("lp_relaxation", "budget")[cols[:-1]])]
    for family, title in (("training_capacity", "Training capacity, LP value of one more place a year"),
                          ("labour_pool", "Labour pools that bind, LP value of one more person"),
                          ("qvct_posts", "QVCT posts, LP value of one more post (paid from the budget)"),
                          ("stock_balance", "One more FTE entering, fixed-integer LP value (FTE-years)")):
        frame = pick("fixed_integer_lp" if family == "stock_balance" else "lp_relaxation", family)
        if family == "labour_pool":
            frame = frame[frame["binding"].astype(bool)]
        if len(frame):
            out.append((title, frame.sort_values("value", ascending=False).head(top)[cols[:3]]))
    return [(title, frame) for title, frame in out if len(frame)]


def decisions_by_metier(result) -> pd.DataFrame:
    d = result.decisions
    if d.empty:
        return pd.DataFrame(columns=["lever", "metier", "units", "fte", "cost_eur"])
    return d.groupby(["lever", "metier"], as_index=False)[["units", "fte", "cost_eur"]].sum()


#: The summary tables for people: title key -> how to make the table; ``report.md`` has them all.
PEOPLE_TABLES = {
    "summary.by_year": lambda result, instance: unmet_by_year(result, instance),
    "summary.by_funder": lambda result, instance: spend_by_year(result),
    "summary.levers": lambda result, instance: lever_summary(result),
    "report.reservoirs": lambda result, instance: reservoir_summary(result),
    "report.flows": lambda result, instance: inflow_mix(result),
    "report.decisions": lambda result, instance: decisions_by_metier(result),
    "report.bassins": lambda result, instance: allocation_by_bassin(result, instance),
}
#: The ones the CLI prints after a solve.
CONSOLE_TABLES = ("summary.by_year", "summary.by_funder", "summary.levers", "report.reservoirs", "report.bassins")


def people_tables(result, instance, lang: str = "en", keys=tuple(PEOPLE_TABLES)) -> list[tuple[str, pd.DataFrame]]:
    """Summary tables of a plan for people (the console and ``report.md``): titled in ``lang``, columns
    labelled and codes named (:func:`for_people`), numbers left as numbers; none without a plan."""
    if not result.has_solution:
        return []
    return [(t(key, lang), for_people(PEOPLE_TABLES[key](result, instance), instance, lang, result.funders))
            for key in keys]


def for_people(table: pd.DataFrame, instance, lang: str, bodies: dict | None = None) -> pd.DataFrame:
    """Columns labelled from the translation table (``column.*``, a lever column by its lever's name),
    codes of levers, funders (by the run's ``bodies``, :func:`gpec.i18n.funder_label`), reservoirs, flows
    and periods replaced by their names, métiers by the instance's labels; CSV files keep the codes, this
    is for people."""
    out = table.copy()
    names = {"lever": "lever", "reservoir": "reservoir", "flow": "flow", "phase": "phase", "kind": "kind"}
    for column, group in names.items():
        if column in out:
            out[column] = [label(group, code, lang) for code in out[column]]
    if "funder" in out:
        out["funder"] = [funder_label(code, lang, bodies) for code in out["funder"]]
    if "metier" in out and instance is not None:
        metiers = instance.metiers.set_index("metier")["label"]
        out["metier"] = [metiers.get(m, label("metier", m, lang)) for m in out["metier"]]
    renamed = {}
    named = {"lever": "lever_label", "funder": "funder_label", "reservoir": "reservoir_label", "flow": "flow_label",
             **({"metier": "metier_label"} if instance is not None else {})}  # names, not codes, below
    for column in out.columns:
        key = {"name": "bassin_name", "fte": "fte_delivered", **named}.get(column, column)
        if f"column.{key}" in LABELS:
            renamed[column] = t(f"column.{key}", lang)
        elif f"lever.{column}" in LABELS:
            renamed[column] = t(f"lever.{column}", lang)
        elif f"report.{column}" in LABELS:
            renamed[column] = t(f"report.{column}", lang)
    return out.rename(columns=renamed)


def markdown(result, instance, lang: str = "en") -> str:
    """A short markdown report of a result, in ``lang``: the plain-words paragraph, the proof, then the
    summary tables."""
    from gpec.explain import plain_words
    from gpec.geo.maps import unmapped_levers

    num = lambda v, d=1: fmt_number(v, lang, d)
    overrides = ", ".join(f"{k}={v:g}" for k, v in result.overrides.items()) or t("value.none", lang)
    lines = [
        "# " + t("summary.title", lang).format(instance=result.instance, first=result.horizon[0],
                                               last=result.horizon[1]),
        "",
        plain_words(result, lang, instance),
        "",
        f"- {t('summary.status', lang)}: **{t(f'status.{result.status}', lang)}** ({result.message})",
        f"- {t('summary.objective', lang)}: {num(result.objective)}; {t('summary.bound', lang)}: "
        f"{num(result.bound)}; {t('summary.gap', lang)}: {fmt_percent(result.gap, lang, 3)}",
        f"- {t('summary.cost', lang)}: {fmt_eur(result.cost, lang)}",
        f"- {t('report.levers_on', lang)}: "
        + (", ".join(label("lever", lv, lang) for lv in result.levers) or t("value.none", lang)),
        f"- {t('report.overrides', lang)}: {overrides}",
        f"- {t('summary.violations', lang)}: {result.violations if result.violations is not None else '—'}",
        f"- {t('report.model', lang).format(variables=num(result.n_variables, 0), integer=num(result.n_integer, 0), constraints=num(result.n_constraints, 0), seconds=num(result.runtime_s, 2))}",
        f"- {t('summary.instance', lang)} sha256: `{result.instance_sha256}`",
    ]
    unmapped = unmapped_levers(result) if result.has_solution else []
    if unmapped:
        lines.append(f"- {t('report.unmapped', lang)}: " + ", ".join(label("lever", lv, lang) for lv in unmapped))
    lines.append("")
    for title, table in people_tables(result, instance, lang):
        lines += [f"## {title}", "", _md_table(table, lang), ""]
    return "\n".join(lines)


def write_report(result, instance, path, lang: str = "en") -> None:
    write_text(path, markdown(result, instance, lang))


def _md_table(table: pd.DataFrame, lang: str = "en") -> str:
    if table.empty:
        return t("value.none", lang)
    fmt = table.copy()
    for col in fmt.columns:
        if pd.api.types.is_float_dtype(fmt[col]):
            fmt[col] = fmt[col].map(lambda v: fmt_number(v, lang, 3 if abs(v) < 1 else 1))
    header = "| " + " | ".join(map(str, fmt.columns)) + " |"
    sep = "|" + "---|" * len(fmt.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in fmt.itertuples(index=False)]
    return "\n".join([header, sep, *body])
