"""Result: solver status, incumbent, bound, gap, runtime and tidy decision tables; written atomically."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.atomic import write_csv, write_json

#: Columns of the decision tables, in output order.
TABLE_COLUMNS = {
    "decisions": ("lever", "bassin", "metier", "year", "units", "lag", "delivers", "fte", "cost_eur"),
    "workforce": ("bassin", "metier", "year", "stock", "need", "unmet", "departures", "baseline_inflow",
                  "lever_inflow"),
    "unmet": ("bassin", "metier", "year", "need", "unmet", "unmet_share"),
    "spend": ("lever", "funder", "year", "eur"),
}
#: Output files of ``gpec solve``.
OUTPUT_FILES = ("decisions.csv", "workforce.csv", "unmet.csv", "spend.csv", "result.json")


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
class Result:
    """Everything a solve returns. ``objective``/``bound``/``gap`` are those of stage 1 (weighted unmet
    need, FTE-years); ``cost`` is the stage-2 spending in euros.

    Tables (empty when no incumbent was found):

    * ``decisions``: lever, bassin, metier, year (start), units, lag, delivers (year), fte, cost_eur.
    * ``workforce``: bassin, metier, year, stock, need, unmet, departures, baseline_inflow, lever_inflow.
    * ``unmet``: bassin, metier, year, need, unmet, unmet_share.
    * ``spend``: lever, funder, year, eur.
    """

    status: str
    objective: float
    bound: float
    gap: float
    cost: float
    runtime_s: float
    solver: str
    instance: str
    instance_sha256: str
    horizon: tuple[int, int]
    levers: tuple[str, ...]
    budgets: dict[str, dict[int, float]]
    n_variables: int
    n_integer: int
    n_constraints: int
    build_s: float
    stages: list[StageReport]
    decisions: pd.DataFrame = field(repr=False)
    workforce: pd.DataFrame = field(repr=False)
    unmet: pd.DataFrame = field(repr=False)
    spend: pd.DataFrame = field(repr=False)
    message: str = ""
    violations: int | None = None
    violation_details: list[dict] = field(default_factory=list)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")

    def summary(self) -> dict:
        """The JSON-able head of the result (``result.json``)."""
        head = {k: v for k, v in asdict(self).items()
                if k not in ("decisions", "workforce", "unmet", "spend", "stages", "violation_details")}
        head["stages"] = [asdict(s) for s in self.stages]
        head["violation_details"] = self.violation_details[:50]
        head["horizon"] = list(self.horizon)
        head["levers"] = list(self.levers)
        return {k: _finite_or_none(v) for k, v in head.items()}

    def write(self, out: str | Path) -> list[Path]:
        """Write the tables and ``result.json`` into ``out``, each file atomically; result.json last."""
        out = Path(out)
        written = [
            write_csv(out / "decisions.csv", self.decisions),
            write_csv(out / "workforce.csv", self.workforce),
            write_csv(out / "unmet.csv", self.unmet),
            write_csv(out / "spend.csv", self.spend),
        ]
        written.append(write_json(out / "result.json", self.summary()))
        return written


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def solution_tables(model, instance, x: np.ndarray | None) -> dict[str, pd.DataFrame]:
    """Decision, workforce, unmet and spend tables read off a solution vector of ``model``."""
    if x is None:
        return {name: pd.DataFrame(columns=list(columns)) for name, columns in TABLE_COLUMNS.items()}
    lp = model.lp
    decisions = []
    for lever in model.levers:
        units = lp.values(x, lever.block.name).round().astype(int)
        table = units.rename("units").reset_index()
        table.insert(0, "lever", lever.lever)
        fte = lever.inflows.groupby("col")["fte"].sum().reindex(lever.block.positions).fillna(0).to_numpy()
        eur = lever.costs.groupby("col")["eur"].sum().reindex(lever.block.positions).fillna(0).to_numpy()
        lag = instance.param_by_metier("training_years")
        table["lag"] = table["metier"].map(lag).astype(int)
        table["delivers"] = table["year"] + table["lag"]
        table["fte"] = units.to_numpy() * fte
        table["cost_eur"] = units.to_numpy() * eur
        decisions.append(table[table["units"] > 0])
    decisions = (pd.concat(decisions, ignore_index=True) if decisions
                 else pd.DataFrame(columns=list(TABLE_COLUMNS["decisions"])))

    wf = model.workforce
    stock = lp.values(x, wf.stock.name)
    unmet = lp.values(x, wf.unmet.name).clip(lower=0.0)
    idx = stock.index
    need = instance.need().reindex(idx)
    base = instance.baseline().reindex(idx)
    survive = 1 - idx.get_level_values("metier").map(
        instance.param_by_metier("retire_rate") + instance.param_by_metier("exit_rate")).to_numpy(float)
    prev = stock.groupby(level=["bassin", "metier"]).shift(1)
    first = idx.get_level_values("year") == model.horizon[0]
    departures = np.where(first, np.nan, (1 - survive) * prev.to_numpy())
    baseline_inflow = np.where(first, np.nan, (base["school_output_fte"] + base["ordinary_hiring_fte"]).to_numpy())
    lever_inflow = np.zeros(len(idx))
    for lever in model.levers:
        flows = lever.inflows.assign(value=lever.inflows["fte"] * x[lever.inflows["col"].to_numpy()])
        got = flows.groupby(["bassin", "metier", "year"])["value"].sum()
        lever_inflow += got.reindex(idx).fillna(0.0).to_numpy()
    workforce = pd.DataFrame({"stock": stock.to_numpy(), "need": need.to_numpy(), "unmet": unmet.to_numpy(),
                              "departures": departures, "baseline_inflow": baseline_inflow,
                              "lever_inflow": np.where(first, np.nan, lever_inflow)}, index=idx).reset_index()
    unmet_table = workforce[["bassin", "metier", "year", "need", "unmet"]].copy()
    unmet_table["unmet_share"] = np.divide(unmet_table["unmet"], unmet_table["need"],
                                           out=np.zeros(len(unmet_table)), where=unmet_table["need"] > 0)
    spend = lp.values(x, model.budget.spend.name).rename("eur").reset_index()
    spend["eur"] = spend["eur"].clip(lower=0.0)
    return {"decisions": decisions, "workforce": workforce, "unmet": unmet_table, "spend": spend}
