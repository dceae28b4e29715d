"""Result: solver status, incumbent, bound, gap, runtime and tidy decision tables; written atomically."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.atomic import write_csv, write_json
from gpec.models.levers import duration_years, empty_draws
from gpec.models.registry import LEVER_TABLES, REGISTRY
from gpec.schema import DELIVERED_KINDS

#: Columns of the tables of a Result, in output order: its own, then those the levers make beside their
#: decisions (:data:`gpec.models.registry.LEVER_TABLES`: QVCT coverage, pool flows, pathway places).
TABLE_COLUMNS = {
    "decisions": ("lever", "pathway", "bassin", "metier", "year", "units", "lag", "delivers", "fte", "cost_eur"),
    "workforce": ("bassin", "metier", "year", "stock", "need", "unmet", "pool_cover", "departures",
                  "baseline_inflow", "lever_inflow", "in_transition", "tension", "phase"),
    "unmet": ("bassin", "metier", "year", "need", "unmet", "unmet_share", "phase"),
    "spend": ("lever", "funder", "zone", "year", "eur", "phase"),
    "flows": ("bassin", "metier", "year", "reservoir", "flow", "kind", "lever", "fte"),
    "labour_pool": ("bassin", "year", "jobseekers", "available", "drawn", "used_share"),
    **{name: table.columns for name, table in LEVER_TABLES.items()},
}
#: Per-lever views of the decisions written beside them (each lever's ``decisions_file``): file -> (lever,
#: columns).
LEVER_FILES = {spec.decisions_file: (name, list(spec.decisions_columns)) for name, spec in REGISTRY.items()}
#: Table attribute of a Result -> the CSV file it is written to.
TABLE_FILES = {"decisions": "decisions.csv", "workforce": "workforce.csv", "unmet": "unmet.csv",
               "spend": "spend.csv", "flows": "flows.csv", "labour_pool": "labour_pool.csv",
               **{name: table.file for name, table in LEVER_TABLES.items()}}
#: Output files of ``gpec solve``.
OUTPUT_FILES = (*TABLE_FILES.values(), "shadow_prices.csv", *LEVER_FILES, "result.json")


@dataclass(frozen=True)
class StageReport:
    """One stage of the lexicographic solve: ``unmet`` (FTE-years) or ``cost`` (euros)."""

    name: str
    status: str
    objective: float
    bound: float
    gap: float
    runtime_s: float
    solver_status: str


@dataclass
class Figures:
    """The figures of a solve that a batch or a sweep compares (:class:`gpec.batch.SolveSummary`).

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible``, ``unbounded`` or ``error``.
    objective, bound, gap : float
        Stage 1's incumbent (weighted unmet need, FTE-years), dual bound and relative gap.
    cost : float
        Spending of the returned plan, in euros.
    runtime_s : float
        Seconds of the solve.
    """

    status: str
    objective: float
    bound: float
    gap: float
    cost: float
    runtime_s: float


@dataclass
class Result(Figures):
    """Everything a solve returns. ``objective``/``bound``/``gap`` are those of stage 1 (weighted unmet
    need, FTE-years); ``cost`` is the stage-2 spending in euros.

    Tables (empty when no incumbent was found):

    * ``decisions``: lever, pathway (pathway levers only), bassin, metier (the target métier of a
      pathway), year (start), units, lag, delivers (year), fte (FTE delivered, retained by QVCT coverage,
      or need covered by a pool; a pathway's arrivals in its target métier), cost_eur (over the decision's
      duration; pools include their travel).
    * ``workforce``: bassin, metier, year, stock, need, unmet, pool_cover, departures, baseline_inflow,
      lever_inflow (net: promotions count negative for the métier they leave), in_transition (staff of
      this métier out of post on a school-based promotion), tension (1-5 index of ``labour_pool.csv``),
      phase (``horizon``: a decision year; ``tail``: a model year after the horizon, see
      :mod:`gpec.models.workforce`).
    * ``unmet``: bassin, metier, year, need, unmet, unmet_share, phase.
    * ``spend``: lever, funder, zone, year, eur, phase (tail years pay courses started in the horizon);
      ``zone`` is the département the funder pays for decisions in (empty when funders have no
      territory: :meth:`gpec.instance.Instance.bassin_zones`); sum over zones for a funder's spending.
    * ``coverage``: structure, host (bassin of the QVCT post), year, minutes, retained_fte.
    * ``pool_flows``: origin, destination, metier, year, fte (need covered), minutes, travel_eur.
    * ``flows``: bassin, metier, year, reservoir (primary, current, transitional, social), flow, kind
      (:data:`gpec.schema.FLOW_KINDS`), lever (``baseline`` for the existing system), fte: every flow of
      the stock (departures and moves out negative) and, as kind ``cover``, need covered by pools.
    * ``labour_pool``: bassin, year, jobseekers, available (``labour_pool_share`` x jobseekers), drawn
      (people recruited by the levers), used_share.
    * ``pathway_places``: lever, pathway, year, places: the whole places bought in the territory for
      pathways whose bassin rows are an allocation (``whole_places = territory``).
    """

    solver: str
    instance: str
    instance_sha256: str
    horizon: tuple[int, int]
    levers: tuple[str, ...]
    budgets: dict[str, dict[int, float]]
    overrides: dict[str, float]
    mip_gap: float
    cost_gap: float
    time_limit: float
    n_variables: int
    n_integer: int
    n_constraints: int
    build_s: float
    stages: list[StageReport]
    decisions: pd.DataFrame = field(repr=False)
    workforce: pd.DataFrame = field(repr=False)
    unmet: pd.DataFrame = field(repr=False)
    spend: pd.DataFrame = field(repr=False)
    coverage: pd.DataFrame = field(repr=False)
    pool_flows: pd.DataFrame = field(repr=False)
    flows: pd.DataFrame = field(repr=False)
    labour_pool: pd.DataFrame = field(repr=False)
    pathway_places: pd.DataFrame = field(repr=False)
    message: str = ""
    violations: int | None = None
    violation_details: list[dict] = field(default_factory=list)
    #: the instance with the scenario's overrides applied (what the model was built from; evaluate,
    #: reports and maps read it); not written to result.json
    applied: object = field(default=None, repr=False, compare=False)
    #: shadow prices of the plan (gpec.shadow), written to shadow_prices.csv
    shadow_prices: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    #: why the scenario is infeasible and what would suffice (gpec.diagnose), None when it is not
    diagnosis: dict | None = None
    #: the other backend's answer (``--verify``), None when not asked
    verification: dict | None = None
    service_level: float | None = None
    min_places: dict = field(default_factory=dict)
    #: what each phase of the run was given and took (gpec.solvers.TimeBudget.report)
    timings: dict = field(default_factory=dict)
    #: share of a funder's unspent yearly envelope that stays available in later years
    budget_carry_over: float = 0.0
    #: model years after the horizon (no decisions; stocks, unmet need and committed costs go on)
    tail_years: int = 0
    #: the instance folder as given to the run (``gpec compare`` and maps read its geometry)
    instance_folder: str = ""
    #: the same folder as an absolute path (written to result.json from ``instance_folder`` when empty), so
    #: that a run can be rebuilt from another current folder (:mod:`gpec.rerun`)
    instance_path: str = ""
    #: the scenario's ``solution_limit`` (None: none)
    solution_limit: int | None = None
    #: the output folder of the reference plan (``gpec solve --reference``), as an absolute path; empty: none
    reference_folder: str = ""
    #: the instance's funding bodies (``funders.csv``): code -> kind, territory, name; empty when it has
    #: none. What labels for people are made from (:func:`gpec.i18n.funder_label`); tables keep the codes
    funders: dict = field(default_factory=dict)
    #: units moved from the reference plan (L1 over lever x bassin x year; None: no reference), see
    #: :mod:`gpec.models.stability`
    reference_change: float | None = None

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")

    def summary(self) -> dict:
        """The JSON-able head of the result (``result.json``)."""
        skip = (*TABLE_COLUMNS, "stages", "violation_details", "applied", "shadow_prices")
        head = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        head["stages"] = [asdict(s) for s in self.stages]
        head["violation_details"] = self.violation_details[:50]
        head["horizon"] = list(self.horizon)
        head["levers"] = list(self.levers)
        if not self.instance_path and self.instance_folder:
            head["instance_path"] = str(Path(self.instance_folder).resolve())
        return _finite_or_none(head)

    def write(self, out: str | Path) -> list[Path]:
        """Write the tables and ``result.json`` into ``out``, each file atomically; result.json last."""
        out = Path(out)
        written = [write_csv(out / file, getattr(self, name)) for name, file in TABLE_FILES.items()]
        written.append(write_csv(out / "shadow_prices.csv", self.shadow_prices))
        for file, (lever, columns) in LEVER_FILES.items():
            written.append(write_csv(out / file, self.decisions.loc[self.decisions["lever"] == lever, columns]))
        written.append(write_json(out / "result.json", self.summary()))
        return written


def read_reference(out: str | Path) -> pd.DataFrame:
    """The decisions of a written run (``OUT/decisions.csv``), to be used as a reference plan.

    Raises
    ------
    InputError
        When the file is missing, lacks a column, or has a unit count that is not a non-negative number.
    """
    from gpec.errors import InputError

    path = Path(out) / "decisions.csv"
    if not path.is_file():
        raise InputError(str(path), "no decisions.csv here: --reference takes the output folder of a gpec solve")
    codes = {name: str for name in ("lever", "pathway", "bassin", "metier")}
    table = pd.read_csv(path, dtype=codes, keep_default_na=False)
    for column in ("lever", "pathway", "bassin", "metier", "year", "units"):
        if column not in table.columns:
            raise InputError(str(path), "missing column", column=column)
    for column in ("year", "units"):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = np.flatnonzero(~(values >= 0) | ~np.isfinite(values))
        if bad.size:
            raise InputError(str(path), f"'{table[column].iloc[bad[0]]}' is not a non-negative number",
                             row=int(bad[0]) + 1, column=column)
        table[column] = values
    table["year"] = table["year"].astype(int)
    return table


def _finite_or_none(value):
    """JSON has no NaN or infinity: write null instead (recursively)."""
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def phase(years, horizon: tuple[int, int]) -> np.ndarray:
    """``horizon`` for the decision years, ``tail`` for the model years after them."""
    return np.where(np.asarray(years) > horizon[1], "tail", "horizon")


def solution_tables(model, instance, x: np.ndarray | None) -> dict[str, pd.DataFrame]:
    """Decision, workforce, unmet, spend, coverage and pool-flow tables read off a solution of ``model``."""
    if x is None:
        return {name: pd.DataFrame(columns=list(columns)) for name, columns in TABLE_COLUMNS.items()}
    lp = model.lp
    decisions = [_decision_table(lever, lp, x) for lever in model.levers]
    decisions = pd.concat([d for d in decisions if len(d)] or [pd.DataFrame(columns=list(TABLE_COLUMNS["decisions"]))],
                          ignore_index=True)

    wf = model.workforce
    stock = wf.stock.values(x)
    idx = stock.index
    cover = model.effect_values(x, "cover")
    need = instance.need().reindex(idx)
    base = instance.baseline().reindex(idx)
    survive = 1 - idx.get_level_values("metier").map(
        instance.param_by_metier("retire_rate") + instance.param_by_metier("exit_rate")).to_numpy(float)
    prev = stock.groupby(level=["bassin", "metier"]).shift(1)
    first = idx.get_level_values("year") == model.horizon[0]
    lever_inflow = model.effect_values(x, "inflows")
    workforce = pd.DataFrame({
        "stock": stock.to_numpy(), "need": need.to_numpy(),
        "unmet": wf.unmet.values(x).clip(lower=0.0).to_numpy(),
        "pool_cover": cover,
        "departures": np.where(first, np.nan, (1 - survive) * prev.to_numpy()),
        "baseline_inflow": np.where(first, np.nan, (base["school_output_fte"] + base["ordinary_hiring_fte"]).to_numpy()),
        "lever_inflow": np.where(first, np.nan, lever_inflow),
    }, index=idx).reset_index()
    unmet_table = workforce[["bassin", "metier", "year", "need", "unmet"]].copy()
    unmet_table["unmet_share"] = np.divide(unmet_table["unmet"], unmet_table["need"],
                                           out=np.zeros(len(unmet_table)), where=unmet_table["need"] > 0)
    spend = model.budget.spend.values(x).rename("eur").reset_index()
    spend["eur"] = spend["eur"].clip(lower=0.0)
    workforce["in_transition"] = _in_transition(instance, decisions).reindex(idx).fillna(0.0).to_numpy()
    tension = instance.tables.get("labour_pool.csv")
    workforce["tension"] = (tension.set_index(["bassin", "metier"])["tension"].reindex(
        idx.droplevel("year")).to_numpy() if tension is not None else np.nan)
    for table in (workforce, unmet_table, spend):
        table["phase"] = phase(table["year"], model.horizon)
    return {"decisions": decisions, "workforce": workforce, "unmet": unmet_table, "spend": spend,
            **_lever_tables(model, instance, x, decisions), "flows": _flow_table(model, instance, workforce, x),
            "labour_pool": _labour_pool_table(model, instance, x)}


def _lever_tables(model, instance, x: np.ndarray, decisions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tables the levers of ``model`` make beside their decisions (:data:`LEVER_TABLES`; empty when no
    lever switched on makes it), and what each adds to its lever's rows of ``decisions`` (in place)."""
    parts = {name: [] for name in LEVER_TABLES}
    for terms in model.levers:
        for table in REGISTRY[terms.lever].tables:
            frame = table.make(terms, instance, x)
            if frame is not None:
                parts[table.name].append(frame)
    tables = {name: (pd.DataFrame(columns=list(LEVER_TABLES[name].columns)) if not frames else
                     frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True))
              for name, frames in parts.items()}
    for terms in model.levers:
        for table in REGISTRY[terms.lever].tables:
            if table.attribute is not None:
                table.attribute(decisions, tables[table.name])
    return tables


def _in_transition(instance, decisions: pd.DataFrame) -> pd.Series:
    """Staff out of post on school-based promotions, by (bassin, source metier, year)."""
    paths = instance.pathways().set_index("pathway")
    school = decisions[decisions["pathway"].map(paths["mode"]).eq("out_of_post")]
    lags = school["lag"].to_numpy(int)
    frame = pd.DataFrame({
        "bassin": np.repeat(school["bassin"].to_numpy(), lags),
        "metier": np.repeat(school["pathway"].map(paths["from_metier"]).to_numpy(), lags),
        "year": duration_years(school["year"].to_numpy(), lags),
        "units": np.repeat(school["units"].to_numpy(float), lags)})
    return frame.groupby(["bassin", "metier", "year"])["units"].sum()


def _flow_table(model, instance, workforce: pd.DataFrame, x: np.ndarray) -> pd.DataFrame:
    """Every flow of the stock by reservoir (the existing system and the levers), and need covered by pools."""
    first, last = model.horizon[0], model.workforce.end
    w = workforce.sort_values(["bassin", "metier", "year"])
    previous = w.groupby(["bassin", "metier"])["stock"].shift(1)
    later = (w["year"] > first).to_numpy()
    w, previous = w[later], previous[later].to_numpy()
    keys = w[["bassin", "metier", "year"]].assign(lever="baseline")
    base = instance.baseline().reindex(pd.MultiIndex.from_frame(w[["bassin", "metier", "year"]]))
    rate = lambda name: w["metier"].map(instance.param_by_metier(name)).to_numpy(float)
    parts = [keys.assign(reservoir="primary", flow="school_output", kind="entry",
                         fte=base["school_output_fte"].to_numpy()),
             keys.assign(reservoir="primary", flow="ordinary_hiring", kind="entry",
                         fte=base["ordinary_hiring_fte"].to_numpy()),
             keys.assign(reservoir="current", flow="retirement", kind="departure",
                         fte=-rate("retire_rate") * previous),
             keys.assign(reservoir="current", flow="exit", kind="departure", fte=-rate("exit_rate") * previous)]
    for lever in model.levers:
        for effects in (lever.inflows, lever.cover):
            e = effects[effects["year"].between(first + 1, last)]
            parts.append(e.drop(columns="col").assign(lever=lever.lever,
                                                      fte=e["fte"].to_numpy() * x[e["col"].to_numpy(np.int64)]))
    table = pd.concat(parts, ignore_index=True)
    table = table.groupby(list(TABLE_COLUMNS["flows"][:-1]), as_index=False, sort=False)["fte"].sum()
    return table.loc[table["fte"].abs() > 1e-9, list(TABLE_COLUMNS["flows"])].reset_index(drop=True)


def _labour_pool_table(model, instance, x: np.ndarray) -> pd.DataFrame:
    jobseekers = instance.labour_pool()
    if jobseekers is None:
        return pd.DataFrame(columns=list(TABLE_COLUMNS["labour_pool"]))
    first, last = model.horizon  # people are recruited when decisions start: in the horizon
    draws = pd.concat([empty_draws(), *[lv.draws for lv in model.levers]], ignore_index=True)
    drawn = (draws["people"] * x[draws["col"].to_numpy(np.int64)]).groupby([draws["bassin"], draws["year"]]).sum()
    index = pd.MultiIndex.from_product([jobseekers.index, range(first, last + 1)], names=["bassin", "year"])
    table = pd.DataFrame({"jobseekers": jobseekers.reindex(index.get_level_values("bassin")).to_numpy()}, index=index)
    table["available"] = instance.param("labour_pool_share") * table["jobseekers"]
    table["drawn"] = drawn.reindex(index).fillna(0.0).clip(lower=0.0).to_numpy()
    table["used_share"] = np.divide(table["drawn"], table["available"], out=np.zeros(len(table)),
                                    where=table["available"] > 0)
    return table.reset_index()


def _decision_table(lever, lp, x: np.ndarray) -> pd.DataFrame:
    units = lever.block.values(x)
    whole = lp.is_integer(lever.block.name) | (lever.totals is not None)  # split of whole totals: made whole
    units = units.round(9).where(~whole, units.round())
    table = units.rename("units").reset_index()
    if "metier" not in table:
        table.insert(1, "metier", lever.metier)
    if "pathway" not in table:
        table["pathway"] = ""
    table.insert(0, "lever", lever.lever)
    cols = lever.block.positions
    effects = pd.concat([lever.inflows, lever.cover])
    effects = effects.loc[effects["kind"].isin(DELIVERED_KINDS), ["col", "fte"]]  # not who leaves or returns
    fte = effects.groupby("col")["fte"].sum().reindex(cols).fillna(0.0).to_numpy()
    eur = lever.cost_per_unit()
    table["lag"] = lever.lags
    table["delivers"] = table["year"] + table["lag"]
    table["fte"] = units.to_numpy() * fte
    table["cost_eur"] = units.to_numpy() * eur
    return table.loc[table["units"] > 1e-7, list(TABLE_COLUMNS["decisions"])]

