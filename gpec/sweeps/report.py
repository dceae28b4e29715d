"""What a sweep says (``gpec sweep-report DIR``): tables, charts (:mod:`gpec.sweeps.charts`) and
``summary.xlsx``, in English or French.

Everything is read from the sweep's folder (:mod:`gpec.sweeps.store`): ``points.parquet`` (what each
scenario sets: ``design``, ``index``, ``level:DIM``, ``parameter``/``side``, ``param:*``, ``envelope:*``),
``runs/*.parquet`` (what it gave) and ``plans/*.parquet`` (its units per lever x bassin). The designs are
recognised from these columns, so the spec is not read again against the instance; only Morris's number
of levels comes from the spec's copy ``spec.yaml`` (SALib needs it, default 4). The instance named in
``sweep.json``, when its folder is still there, only names the funding bodies and the bassins.

A scenario without a row yet or whose row is an ``error`` is *missing*: listed, never plotted or counted
as a figure; one whose solve proved it has no plan (infeasible) has *no plan*. Every figure of a solved
scenario is shown with its proven range ``[bound, objective]``: the true optimum lies in it, and no
difference smaller than these ranges is claimed.

Tables (:class:`SweepReport`)
-----------------------------
budget_points, budget_response
    For each body whose envelope (its mean yearly envelope over the horizon, ``envelope:BODY``) takes
    several values in the grid while everything else is fixed: one *line* per level of the other
    dimensions (e.g. departures low/default/high). ``budget_response`` has one row per step between
    consecutive solved envelopes: the weighted unmet need avoided per extra 100 k€ a year, as the point
    figure and the proven interval ``[lower, upper]`` (lower = bound_i - objective_{i+1},
    upper = objective_i - bound_{i+1}, per 100 k€); the line *stops paying* at its first step whose gain
    cannot be shown positive (lower <= 0, or unknown).
pareto
    Cost against weighted unmet need of every distinct solved scenario. Within each *world* (the
    scenarios with the same assumptions: named scenario and parameters, so differing only by envelopes,
    levers or service level), a plan is dominated when another costs no more and leaves no more unmet
    need, one of them strictly, a difference of unmet need within the two scenarios' gaps being none.
tornado
    One-at-a-time records: the objective at the record's low and high against the base, sorted by swing
    ``|high - low|``; ``swing_proven`` is the swing the proven ranges guarantee (0: within the gaps).
morris
    SALib's Morris analysis of the objective (``mu_star``, its confidence, ``sigma``) over the complete
    trajectories; effects are objective changes for a move across the factor's whole low-high range
    (SALib's ``delta`` scaling). ``noise`` is the mean uncertainty of a factor's elementary effects from
    the two solves' gaps: a ``mu_star`` below it is not shown to matter.
flips
    Lever x bassin pairs used in some solved scenarios and not in others (share, units when used, the
    scenarios without them), then the robust ones (used in all).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gpec.atomic import write_atomic, write_csv
from gpec.errors import GpecError
from gpec.i18n import check_lang, fmt_number, funder_label, label, t
from gpec.sweeps.charts import interval, world_label, write_charts
from gpec.sweeps.spec import MORRIS_LEVELS
from gpec.sweeps.store import run_files

#: Outcomes of a scenario: a plan, a proof there is none, or nothing yet (not solved, or failed).
SOLVED, NO_PLAN, MISSING = "solved", "no_plan", "missing"
#: Euros of one step of the budget response (a year).
STEP_EUR = 100_000.0
#: Units below this are a lever not used (plans keep |units| > 1e-9).
USED_UNITS = 1e-6
#: The files a report writes: charts, then the workbook and the tables as CSV.
CHARTS = ("budget_response.png", "pareto.png", "tornado.png", "morris.png")
TABLES = ("budget_response", "pareto", "tornado", "morris", "flips")
WORKBOOK = "summary.xlsx"


@dataclass
class SweepReport:
    """A sweep's report: its table and what is derived from it (module docstring).

    Attributes
    ----------
    folder : Path
        The sweep's folder.
    name, description : str
        The spec's name and description (``spec.yaml``; the folder's name without it).
    lang : str
        ``en`` or ``fr``: the notes and everything written.
    table : DataFrame
        :func:`gpec.sweeps.store.read_sweep` with ``outcome`` (:data:`SOLVED`, :data:`NO_PLAN`,
        :data:`MISSING`).
    budget_points, budget_response, pareto, tornado, morris, flips : DataFrame
        The module docstring's tables (empty when the sweep has no such design).
    notes : list of str
        What was left out and why, in ``lang``.
    bodies : dict
        The instance's funding bodies (``{}`` without the instance): names for people.
    """

    folder: Path
    name: str
    description: str
    lang: str
    table: pd.DataFrame
    budget_points: pd.DataFrame
    budget_response: pd.DataFrame
    pareto: pd.DataFrame
    tornado: pd.DataFrame
    morris: pd.DataFrame
    flips: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    bodies: dict = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        """Scenarios with ``outcome``."""
        return int((self.table["outcome"] == outcome).sum())

    def body_label(self, code: str) -> str:
        """A funding body for people (:func:`gpec.i18n.funder_label`)."""
        return funder_label(code, self.lang, self.bodies)


def sweep_report(folder: str | Path, lang: str = "en") -> SweepReport:
    """Read the sweep in ``folder`` and derive its tables (module docstring).

    Raises
    ------
    GpecError
        When ``folder`` is not a sweep's (no ``points.parquet``), a file of it is not readable Parquet
        or lacks a column, or no scenario has been solved yet.
    KeyError
        On an unknown language.
    """
    check_lang(lang)
    folder = Path(folder)
    table = read_table(folder)
    if not (table["outcome"] != MISSING).any():
        raise GpecError(f"{folder}: nothing to report yet: none of its {len(table)} scenarios is solved "
                        f"(run gpec sweep first)")
    spec = _spec(folder)
    instance = _instance(folder)
    notes = [t("sweep.note_missing", lang).format(n=n, names=_names(table.loc[table["outcome"] == MISSING]))
             for n in [int((table["outcome"] == MISSING).sum())] if n]
    points = budget_points(table)
    morris, note = morris_table(table, _morris_levels(spec))
    if note:
        notes.append(t(f"sweep.{note[0]}", lang).format(**note[1]))
    bassins = dict(zip(instance.bassins["bassin"], instance.bassins["name"])) if instance is not None else {}
    flip = flips(table, _plans(folder, table), bassins)
    oat = tornado(table)
    if max(oat["named"].nunique(), morris["named"].nunique()) > 1:
        notes.append(t("sweep.note_first_named", lang))
    return SweepReport(folder, str(spec.get("name") or folder.name), str(spec.get("description") or "").strip(),
                       lang, table, points, budget_response(points), pareto(table), oat, morris,
                       flip, notes, instance.bodies if instance is not None else {})


# -- reading ------------------------------------------------------------------------------------------
def read_table(folder: Path) -> pd.DataFrame:
    """The sweep's table (:func:`gpec.sweeps.store.read_sweep`) with each scenario's ``outcome``; a
    damaged or incomplete file is a :class:`GpecError` naming it."""
    from gpec.sweeps.store import read_sweep

    points = folder / "points.parquet"
    if not points.is_file():
        raise GpecError(f"{folder}: not a sweep's folder (no points.parquet; make one with gpec sweep)")
    for path in [points, *run_files(folder)]:
        _check_parquet(path, ("scenario", "design", "hash") if path == points else ("hash", "status"))
    table = read_sweep(folder)
    if table.empty:
        raise GpecError(f"{points}: no scenario in it")
    for column in ("objective", "bound", "gap", "cost"):
        if column not in table:
            table[column] = np.nan
        table[column] = pd.to_numeric(table[column], errors="coerce")
    status = table["status"].astype(object)
    solved = status.isin(("optimal", "feasible")) & np.isfinite(table["objective"].to_numpy(float))
    missing = status.isna() | (status == "error")
    table["outcome"] = np.where(solved, SOLVED, np.where(missing, MISSING, NO_PLAN))
    table["named"] = table["named"].fillna("") if "named" in table else ""
    return table


def _check_parquet(path: Path, columns: tuple[str, ...]) -> None:
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise GpecError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    lacking = [c for c in columns if c not in names]
    if lacking:
        raise GpecError(f"{path}: no column '{lacking[0]}' (not a file of gpec sweep)")


def _plans(folder: Path, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The plans of the solved scenarios, by hash (those whose file is there)."""
    from gpec.sweeps.store import read_plans

    hashes = [h for h in dict.fromkeys(table.loc[table["outcome"] == SOLVED, "hash"])
              if (folder / "plans" / f"{h}.parquet").is_file()]
    for h in hashes:
        _check_parquet(folder / "plans" / f"{h}.parquet", ("lever", "bassin", "units"))
    plans = read_plans(folder, hashes)
    return {h: plans[plans["hash"] == h] for h in hashes}


def _spec(folder: Path) -> dict:
    """The spec's copy as plain YAML (name, description, Morris's levels); ``{}`` when unreadable."""
    try:
        data = yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _morris_levels(spec: dict) -> int:
    """Morris's number of levels in the spec's copy (checked when the sweep ran), else the default."""
    levels = (spec.get("morris") or {}).get("levels", MORRIS_LEVELS) if isinstance(spec.get("morris"), dict) \
        else MORRIS_LEVELS
    return levels if isinstance(levels, int) and levels >= 2 and levels % 2 == 0 else MORRIS_LEVELS


def _instance(folder: Path):
    """The instance of ``sweep.json`` when its folder is still there (names only), else None."""
    import json

    from gpec.instance import load_instance

    try:
        name = json.loads((folder / "sweep.json").read_text(encoding="utf-8")).get("instance")
        return load_instance(Path(name)) if name and Path(name).is_dir() else None
    except (OSError, ValueError, AttributeError, GpecError):
        return None


# -- budget response ----------------------------------------------------------------------------------
def budget_points(table: pd.DataFrame) -> pd.DataFrame:
    """The points of every budget-response line (module docstring): ``body``, ``line``, ``envelope_eur``,
    ``scenario``, ``outcome``, ``objective``, ``bound``; missing points kept (without figures)."""
    grid = table[table["design"] == "grid"]
    bodies = [c.split(":", 1)[1] for c in table.columns if c.startswith("envelope:")]
    inputs = _input_columns(table)
    rows = []
    for body in bodies:
        column = f"envelope:{body}"
        keys = inputs + [f"envelope:{b}" for b in bodies if b != body]
        for _, group in grid.groupby(keys, dropna=False, sort=False):
            if group[column].nunique() < 2:
                continue
            line = _constant_levels(group)
            # one point per envelope: a solved one first, then the scenario that names the body
            order = group.assign(_rank=(group["outcome"] != SOLVED).astype(int) * 2
                                 - group["scenario"].str.contains(body, regex=False).astype(int))
            for envelope, same in order.sort_values([column, "_rank"], kind="stable").groupby(column, sort=True):
                first = same.iloc[0]
                rows.append({"body": body, "line": line, "envelope_eur": float(envelope),
                             "scenario": first["scenario"], "outcome": first["outcome"],
                             "objective": _figure(first, "objective"), "bound": _bound(first)})
    return pd.DataFrame(rows, columns=["body", "line", "envelope_eur", "scenario", "outcome", "objective",
                                       "bound"])


def budget_response(points: pd.DataFrame) -> pd.DataFrame:
    """The steps between consecutive solved envelopes of each line (module docstring)."""
    rows = []
    for (body, line), part in points.groupby(["body", "line"], sort=False):
        solved = part[part["outcome"] == SOLVED].sort_values("envelope_eur")
        stopped = False
        for (_, a), (_, b) in zip(solved.iterrows(), solved.iloc[1:].iterrows()):
            steps = (b["envelope_eur"] - a["envelope_eur"]) / STEP_EUR
            lower = (a["bound"] - b["objective"]) / steps
            pays = bool(lower > 0)  # NaN (no bound): not shown positive
            between = part[(part["envelope_eur"] > a["envelope_eur"]) & (part["envelope_eur"] < b["envelope_eur"])]
            rows.append({"body": body, "line": line, "from_eur": a["envelope_eur"], "to_eur": b["envelope_eur"],
                         "from_scenario": a["scenario"], "to_scenario": b["scenario"],
                         "gain_per_100k": (a["objective"] - b["objective"]) / steps, "lower_per_100k": lower,
                         "upper_per_100k": (a["objective"] - b["bound"]) / steps, "pays": pays,
                         "stops_paying": not pays and not stopped, "not_solved_between": _names(between)})
            stopped = stopped or not pays
    return pd.DataFrame(rows, columns=["body", "line", "from_eur", "to_eur", "from_scenario", "to_scenario",
                                       "gain_per_100k", "lower_per_100k", "upper_per_100k", "pays",
                                       "stops_paying", "not_solved_between"])


# -- Pareto ---------------------------------------------------------------------------------------------
def pareto(table: pd.DataFrame) -> pd.DataFrame:
    """Cost and unmet need of each distinct solved scenario with ``non_dominated`` (module docstring)
    within its ``world``: the scenarios solving with the same parameters (the same assumptions), which
    differ only by what a funder or planner chooses (envelopes, levers, service level). A world of one
    scenario compares nothing (``non_dominated`` empty)."""
    solved = table[table["outcome"] == SOLVED].drop_duplicates("hash")
    worlds = _worlds(table).loc[solved.index]
    frame = pd.DataFrame({"scenario": solved["scenario"].to_numpy(), "world": worlds["label"],
                          "world_id": worlds["id"], "cost": solved["cost"].to_numpy(float),
                          "objective": solved["objective"].to_numpy(float),
                          "bound": [_bound(row) for _, row in solved.iterrows()], "non_dominated": None},
                         index=solved.index)
    for _, part in frame.groupby("world_id", sort=False):
        if len(part) > 1:
            frame.loc[part.index, "non_dominated"] = ~_dominated(part)
    return frame.sort_values("cost", kind="stable", ignore_index=True)


def _dominated(part: pd.DataFrame) -> np.ndarray:
    """Whether another plan of ``part`` costs no more and leaves no more unmet need, one of them strictly,
    a difference of unmet need within both scenarios' gaps being none (no finite bound: 0, unmet need is
    never negative)."""
    cost, objective, bound = (part[c].to_numpy(float) for c in ("cost", "objective", "bound"))
    gaps = np.where(np.isnan(bound), objective, objective - bound)
    gaps = gaps[None, :] + gaps[:, None]  # [i, j]: plan j against plan i
    no_worse = (cost[None, :] <= cost[:, None]) & (objective[None, :] - objective[:, None] <= gaps)
    better = (cost[None, :] < cost[:, None]) | (objective[:, None] - objective[None, :] > gaps)
    return (no_worse & better).any(axis=1)


# -- tornado ----------------------------------------------------------------------------------------------
def tornado(table: pd.DataFrame) -> pd.DataFrame:
    """The one-at-a-time records with the objective at low and high against the base (module docstring),
    by named scenario, the largest swing first."""
    oat = table[table["design"] == "one_at_a_time"]
    rows = []
    for named, part in oat.groupby("named", sort=False):
        base = table[(table["design"] == "base") & (table["named"] == named)]
        base = base.iloc[0] if len(base) else None
        for record, sides in part.groupby("parameter", sort=False):
            low, high = (sides[sides["side"] == side] for side in ("low", "high"))
            row = {"named": named, "parameter": record}
            for side, rows_ in (("low", low), ("high", high)):
                point = rows_.iloc[0] if len(rows_) else None
                row[f"{side}_value"] = float(point[f"param:{record}"]) if point is not None else math.nan
                row[f"objective_{side}"] = _figure(point, "objective")
                row[f"bound_{side}"] = _bound(point)
            row["objective_base"], row["bound_base"] = _figure(base, "objective"), _bound(base)
            row["swing"] = abs(row["objective_high"] - row["objective_low"])
            # how far apart the two proven ranges are at least (0: they overlap); NaN propagates
            row["swing_proven"] = float(np.max([0.0, row["bound_low"] - row["objective_high"],
                                                row["bound_high"] - row["objective_low"]]))
            rows.append(row)
    columns = ["named", "parameter", "low_value", "high_value", "objective_base", "bound_base", "objective_low",
               "bound_low", "objective_high", "bound_high", "swing", "swing_proven"]
    frame = pd.DataFrame(rows, columns=columns)
    order = {n: i for i, n in enumerate(dict.fromkeys(frame["named"]))}
    frame["_named"] = frame["named"].map(order)
    frame = frame.sort_values(["_named", "swing"], ascending=[True, False], na_position="last", kind="stable")
    return frame.drop(columns="_named").reset_index(drop=True)


# -- Morris -----------------------------------------------------------------------------------------------
def morris_table(table: pd.DataFrame, levels: int = MORRIS_LEVELS) -> tuple[pd.DataFrame, tuple | None]:
    """SALib's Morris analysis of the objective, by named scenario (module docstring), and a note (its
    ``sweep.*`` key and fields) when trajectories were left out or the analysis could not run."""
    from SALib.analyze import morris

    columns = ["named", "parameter", "mu", "mu_star", "mu_star_conf", "sigma", "noise", "trajectories"]
    points = table[table["design"] == "morris"]
    frames, note = [], None
    for named, part in points.groupby("named", sort=False):
        part = part.sort_values("index", kind="stable")
        names = [c for c in table.columns if c.startswith("param:") and part[c].nunique() > 1]
        size = len(names) + 1
        if not names or len(part) % size:
            note = ("note_morris_shape", {"n": len(part)})
            continue
        x = part[names].to_numpy(float)
        y = np.where(part["outcome"] == SOLVED, part["objective"].to_numpy(float), np.nan)
        u = (part["objective"] - [_bound(row) for _, row in part.iterrows()]).to_numpy(float)
        whole = ~np.isnan(y).reshape(-1, size).any(axis=1)
        if whole.sum() < 2:
            note = ("note_morris_skipped", {"complete": int(whole.sum()), "total": len(whole)})
            continue
        if not whole.all():
            note = ("note_morris_partial", {"complete": int(whole.sum()), "total": len(whole)})
        keep = np.repeat(whole, size)
        x, y, u = x[keep], y[keep], u[keep]
        problem = {"num_vars": len(names), "names": [c[len("param:"):] for c in names],
                   "bounds": [[float(x[:, i].min()), float(x[:, i].max())] for i in range(len(names))]}
        result = morris.analyze(problem, x, y, num_levels=levels, seed=1)
        frame = pd.DataFrame({k: np.asarray(result[k], float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")})
        frame.insert(0, "parameter", problem["names"])
        frame.insert(0, "named", named)
        frame["noise"] = _morris_noise(x, u, size, levels)
        frame["trajectories"] = int(whole.sum())
        frames.append(frame.sort_values("mu_star", ascending=False, kind="stable"))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return frame[columns], note


def _morris_noise(x: np.ndarray, u: np.ndarray, size: int, levels: int) -> np.ndarray:
    """Per factor, the mean uncertainty of its elementary effects: the two solves' ``objective - bound``
    over SALib's step ``delta`` (the effects' own scale)."""
    delta = levels / (2.0 * (levels - 1))
    sums, counts = np.zeros(x.shape[1]), np.zeros(x.shape[1])
    for start in range(0, len(x), size):
        for j in range(start, start + size - 1):
            factor = int(np.argmax(np.abs(x[j + 1] - x[j])))
            sums[factor] += (u[j] + u[j + 1]) / delta
            counts[factor] += 1
    return np.divide(sums, counts, out=np.full(len(sums), np.nan), where=counts > 0)


# -- flipping decisions -------------------------------------------------------------------------------------
def flips(table: pd.DataFrame, plans: dict[str, pd.DataFrame], bassins: dict | None = None) -> pd.DataFrame:
    """Lever x bassin pairs of the solved scenarios' plans (module docstring): ``used_in`` of ``solved``
    scenarios (rows of the table, those with a plan file), ``share``, ``min_units``/``max_units`` when
    used, ``robust`` (used in all), ``off_in`` (the scenarios without it); flipping pairs first, the
    most used first."""
    columns = ["lever", "bassin", "bassin_name", "used_in", "solved", "share", "min_units", "max_units",
               "robust", "off_in"]
    solved = table[(table["outcome"] == SOLVED) & table["hash"].isin(list(plans))]
    frames = [plan[plan["units"].abs() > USED_UNITS].assign(hash=h) for h, plan in plans.items()]
    units = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["hash", "lever", "bassin",
                                                                                       "units"])
    if solved.empty or units.empty:
        return pd.DataFrame(columns=columns)
    weight = solved.groupby("hash").size()  # a hash solved once may be several scenarios of the table
    rows = []
    for (lever, bassin), part in units.groupby(["lever", "bassin"], sort=True):
        using = set(part["hash"])
        used_in = int(weight[weight.index.isin(using)].sum())
        off = solved[~solved["hash"].isin(using)]
        rows.append({"lever": lever, "bassin": bassin, "bassin_name": (bassins or {}).get(bassin, ""),
                     "used_in": used_in, "solved": len(solved), "share": used_in / len(solved),
                     "min_units": float(part["units"].min()), "max_units": float(part["units"].max()),
                     "robust": used_in == len(solved), "off_in": _names(off)})
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["robust", "share", "lever", "bassin"], ascending=[True, False, True, True],
                             kind="stable", ignore_index=True)


# -- helpers ------------------------------------------------------------------------------------------------
def _input_columns(table: pd.DataFrame) -> list[str]:
    """What a scenario solves with apart from its envelopes."""
    return [c for c in table.columns if c.startswith("param:") or c in ("named", "service_level", "levers")]


def _constant_levels(rows: pd.DataFrame) -> str:
    """``dim=level, ...`` of the grid dimensions that are the same in every row that sets them; the named
    scenario first."""
    parts = []
    for column in [c for c in rows.columns if c.startswith("level:")]:
        values = rows[column].dropna().unique()
        if len(values) == 1:
            parts.append(f"{column.removeprefix('level:')}={values[0]}")
    named = rows["named"].iloc[0]
    text = ", ".join(parts)
    return f"{named}: {text}" if named and text else named or text


def _worlds(table: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, its assumptions (named scenario and parameters): ``id`` (a number per distinct set)
    and ``label``: the grid levels shared by the grid scenarios that have them (:func:`_constant_levels`),
    else the design of the first scenario that has them (``base``, ``one_at_a_time``, ...)."""
    groups = table.groupby([c for c in _input_columns(table) if c not in ("service_level", "levers")],
                           dropna=False, sort=False)
    ids, labels = groups.ngroup(), {}
    for _, group in groups:
        grid = group[group["design"] == "grid"]
        labels[ids[group.index[0]]] = (_constant_levels(grid) if len(grid) else "") or group["design"].iloc[0]
    return pd.DataFrame({"id": ids, "label": ids.map(labels)})


def _figure(row, column: str) -> float:
    """A solved scenario's figure, NaN for one that is missing or has no plan."""
    if row is None or row["outcome"] != SOLVED:
        return math.nan
    value = row[column]
    return float(value) if value is not None and np.isfinite(float(value)) else math.nan


def _bound(row) -> float:
    """The proven bound of a solved scenario, never above its objective; NaN when not finite."""
    bound, objective = _figure(row, "bound"), _figure(row, "objective")
    return min(bound, objective) if not math.isnan(bound) else math.nan


def _names(rows: pd.DataFrame) -> str:
    return "; ".join(rows["scenario"].astype(str))


# -- for people -----------------------------------------------------------------------------------------
def summary_lines(report: SweepReport) -> list[str]:
    """What the report says in a few sentences, in the report's language: scenarios solved and missing,
    what 100 k€ a year of each body buys and where it stops paying, the most influential parameters, the
    decisions that flip, and the notes."""
    lang = report.lang
    lines = [t("sweep.counts", lang).format(name=report.name, total=len(report.table), solved=report.count(SOLVED),
                                            no_plan=report.count(NO_PLAN), missing=report.count(MISSING))]
    for (body, line), steps in report.budget_response.groupby(["body", "line"], sort=False):
        lines.append(_budget_sentence(", ".join(p for p in (report.body_label(body), line) if p), steps, lang))
    for table, key, value in ((report.tornado, "sweep.influential_oat", "swing"),
                              (report.morris, "sweep.influential_morris", "mu_star")):
        if len(table):
            top = table[table["named"] == table["named"].iloc[0]].head(3)
            within = top["swing_proven"] == 0 if value == "swing" else ~(top["mu_star"] > top["noise"])
            items = [f"{row['parameter']} {fmt_number(row[value], lang, 1)}"
                     + (f" ({t('sweep.within_gaps', lang)})" if flag else "")
                     for (_, row), flag in zip(top.iterrows(), within)]
            lines.append(t(key, lang).format(items=t("sweep.separator", lang).join(items)))
    if len(report.flips):
        robust = int(report.flips["robust"].sum())
        lines.append(t("sweep.flip_count", lang).format(flips=len(report.flips) - robust, robust=robust,
                                                        solved=int(report.flips["solved"].iloc[0])))
    return lines + report.notes


def _budget_sentence(where: str, steps: pd.DataFrame, lang: str) -> str:
    """What the first step of a budget-response line buys, then where the line stops paying (or that it
    still pays at its last step)."""
    first, stop = steps.iloc[0], steps[steps["stops_paying"]]
    proven = lambda step: interval(step["lower_per_100k"], step["upper_per_100k"], lang)
    text = t("sweep.never_pays" if first["stops_paying"] else "sweep.buys", lang).format(
        where=where, start=_keur(first["from_eur"], lang), end=_keur(first["to_eur"], lang), range=proven(first))
    if first["stops_paying"]:
        return text
    if len(stop):
        step = stop.iloc[0]
        return text + " " + t("sweep.stops", lang).format(at=_keur(step["from_eur"], lang),
                                                          end=_keur(step["to_eur"], lang), range=proven(step))
    last = steps.iloc[-1]
    return text + " " + t("sweep.still_pays", lang).format(at=_keur(last["to_eur"], lang), range=proven(last))


def _keur(eur: float, lang: str) -> str:
    return t("sweep.keur", lang).format(value=fmt_number(eur / 1000.0, lang, 0))


def write_sweep_report(report: SweepReport, out: str | Path | None = None) -> list[Path]:
    """Write the charts, ``summary.xlsx`` and the tables as CSV into ``out`` (default: the sweep's
    folder), each atomically; a chart or CSV of an earlier report that this one has no data for is
    removed (so nothing stale is left beside it). Returns the paths written."""
    out = Path(out) if out is not None else report.folder
    written = write_charts(report, out)
    for name in TABLES:
        table = getattr(report, name)
        if len(table):
            written.append(write_csv(out / f"{name}.csv", table))
    written.append(write_workbook(report, out / WORKBOOK))
    for stale in [*CHARTS, *(f"{name}.csv" for name in TABLES)]:
        if out / stale not in written:
            (out / stale).unlink(missing_ok=True)
    return written


# -- summary.xlsx ----------------------------------------------------------------------------------------
#: Sheets after the summary and the scenarios: table -> ((column, kind), ...), each column's header
#: ``sweep.col_<column>``; kinds are :data:`gpec.workbook.NUMBER_FORMATS`'s, or words (:func:`_sheet`).
SHEET_COLUMNS = {
    "budget_response": (
        ("body", "body"), ("line", "text"), ("from_eur", "eur"), ("to_eur", "eur"), ("gain_per_100k", "fte"),
        ("lower_per_100k", "fte"), ("upper_per_100k", "fte"), ("pays", "bool"), ("stops_paying", "bool"),
        ("from_scenario", "text"), ("to_scenario", "text"), ("not_solved_between", "text")),
    "pareto": (
        ("scenario", "text"), ("world", "world"), ("cost", "eur"), ("objective", "fte1"), ("bound", "fte1"),
        ("non_dominated", "bool")),
    "tornado": (
        ("named", "text"), ("parameter", "text"), ("low_value", "value"), ("high_value", "value"),
        ("objective_base", "fte1"), ("bound_base", "fte1"), ("objective_low", "fte1"), ("bound_low", "fte1"),
        ("objective_high", "fte1"), ("bound_high", "fte1"), ("swing", "fte1"), ("swing_proven", "fte1")),
    "morris": (
        ("named", "text"), ("parameter", "text"), ("mu_star", "fte1"), ("mu_star_conf", "fte1"), ("mu", "fte1"),
        ("sigma", "fte1"), ("noise", "fte1"), ("trajectories", "int")),
    "flips": (
        ("lever", "text"), ("lever_label", "text"), ("bassin", "text"), ("bassin_name", "text"), ("used_in", "int"),
        ("solved", "int"), ("share", "share"), ("min_units", "units"), ("max_units", "units"), ("robust", "bool"),
        ("off_in", "text")),
}
#: The scenario sheet's first columns (then ``level:*`` after ``named``, envelopes, spending, units,
#: parameters, time and error).
SCENARIO_COLUMNS = (
    ("scenario", "text"), ("design", "design"), ("named", "text"), ("parameter", "text"), ("side", "text"),
    ("outcome", "outcome"), ("status", "status"), ("objective", "fte1"), ("bound", "fte1"), ("gap", "gap"),
    ("cost", "eur"))


def write_workbook(report: SweepReport, path: str | Path) -> Path:
    """``summary.xlsx``: the summary in words, the scenarios, then one sheet per table the sweep has."""
    from gpec.workbook import Cell, write_book

    lang = report.lang
    rows = [[Cell(t("sweep.title", lang).format(name=report.name), title=True)],
            [Cell(report.description or None, wide=True)], []]
    rows += [[Cell(line, wide=True)] for line in summary_lines(report)]
    sheets = [(t("sweep.sheet_summary", lang), rows, False),
              (t("sweep.sheet_scenarios", lang), _sheet(report, report.table, scenario_columns(report)), True)]
    for name, columns in SHEET_COLUMNS.items():
        table = getattr(report, name)
        if name == "flips":
            table = table.assign(lever_label=[label("lever", lv, lang) for lv in table["lever"]])
        if len(table):
            headed = [(column, t(f"sweep.col_{column}", lang), kind) for column, kind in columns]
            sheets.append((t(f"sweep.sheet_{name}", lang), _sheet(report, table, headed), True))
    return write_atomic(path, lambda tmp: write_book(tmp, sheets))


def scenario_columns(report: SweepReport) -> list[tuple[str, str, str]]:
    """The scenario sheet's columns, ``(column, header, kind)``: :data:`SCENARIO_COLUMNS` with what the grid
    sets, then envelopes, spending and units by body and lever, the parameters, the time and the error."""
    lang, present = report.lang, report.table.columns
    columns = [(c, t(f"sweep.col_{c}", lang), kind) for c, kind in SCENARIO_COLUMNS]
    columns[3:3] = [(c, c.removeprefix("level:"), "text") for c in present if c.startswith("level:")]
    for prefix, key, kind in (("envelope:", "envelope_of", "eur"), ("spend:", "spend_of", "eur"),
                              ("units:", "units_of", "units")):
        for column in (c for c in present if c.startswith(prefix)):
            code = column[len(prefix):]
            name = report.body_label(code) if prefix != "units:" else label("lever", code, lang)
            columns.append((column, t(f"sweep.col_{key}", lang).format(name=name), kind))
    columns += [(c, c.removeprefix("param:"), "value") for c in present if c.startswith("param:")]
    return columns + [(c, t(f"sweep.col_{c}", lang), k) for c, k in (("seconds", "seconds"), ("error", "text"))
                      if c in present]


def _sheet(report: SweepReport, table: pd.DataFrame, columns) -> list:
    """The header and rows of one sheet; ``columns``: ``(column, header, kind)``, a kind of words being
    translated (``body``, ``outcome``, ``design``, ``world``, ``status``, ``bool``) or kept (``text``)."""
    from gpec.workbook import Cell

    lang = report.lang
    header = [Cell(head, bold=True) for _, head, _ in columns]
    words = {"body": report.body_label, "outcome": lambda v: t(f"sweep.outcome_{v}", lang),
             "design": lambda v: t(f"sweep.design_{v}", lang), "world": lambda v: world_label(v, lang),
             "status": lambda v: label("status", v, lang),
             "bool": lambda v: t("value.yes" if v else "value.no", lang), "text": str}
    body = []
    for _, row in table.iterrows():
        cells = []
        for column, _, kind in columns:
            value = row[column] if column in table else None
            if value is None or (not isinstance(value, str) and (pd.isna(value) or np.isinf(value))):
                cells.append(Cell(None))
            elif kind in words:
                cells.append(Cell(words[kind](value) if value != "" else None))
            else:
                cells.append(Cell(float(value), kind))
        body.append(cells)
    return [header, *body]
