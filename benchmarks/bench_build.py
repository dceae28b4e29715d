"""Benchmark: building the model and handing it to HiGHS, gpec against linopy (P9 item 4).

The stock-and-flow core with training places, apprenticeships and budgets
(``build_model(instance, horizon, levers=("training", "apprenticeship"))``, no targets) is built twice
from the same instance tables: with gpec (:class:`gpec.models.linear.LinearModel`) and with linopy's own
labelled API (xarray variables with masks for the sparse decision grids, groupby sums for the graduates'
settlement and the zones, shifts for the lags; linopy's default dense model and legacy semantics).
Preparing the input data (decision grids, graduates' destinations, parameters) reuses gpec's helpers in
both: the modelling layer is what is compared. Nothing is solved but the Landes check below.

Hand-off: gpec's is :class:`gpec.solvers.highs.HighsBackend` (``to_arrays`` and ``passModel``) then the
``unmet`` objective set on the live model; linopy's is ``linopy.io.to_highspy`` (what ``io_api="direct"``
runs: the CSR matrices, ``addVars``, ``addRows``, objective, integrality); the raw ``passModel`` hands
gpec's arrays over by hand (one ``highspy.HighsLp``, row-wise CSR with int32 indices, costs and
integrality), its ``to_arrays`` not timed.

For the Landes, Nouvelle-Aquitaine and the whole of France (one monolithic instance of 1,681 bassins,
written on first use into ``out/bench/france_whole``, about 30 s), each measurement in a fresh process of
this script (so that peak RSS is per variant), it prints:

* the size handed to HiGHS (columns, rows, non-zeros read back from the ``highspy.Highs`` objects);
* build and hand-off seconds of gpec and linopy and the ratio gpec/linopy (instance loading excluded,
  printed apart; the share of the build spent in the shared input helpers, printed apart too);
* peak RSS above the RSS of the loaded instance (total peak in brackets) and the ratio;
* gpec's hand-off against the raw ``passModel``;
* bytes per non-zero over the three sizes (flat: memory grows linearly);
* gpec's full model (every lever, ``build_model(instance, horizon)``) at the three sizes.

Targets of the issue at the France size: time <= 0.6x linopy, memory <= 1.0x, hand-off within 1.5x of
the raw ``passModel``. Figures are printed, never asserted. Asserted: both models hand HiGHS the same
numbers of columns, rows and non-zeros, and on the Landes the LP relaxations of both have the same
optimal unmet need (relative 1e-6), which shows the two formulations are the same model.

Run: ``.venv/bin/python benchmarks/bench_build.py [--sizes landes nouvelle_aquitaine france] [--no-full]
[--repeat N]`` (``--repeat``: the fastest of N runs, for a busy machine). linopy is the benchmark-only
extra: ``pip install -e .[bench]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpec.geo.settlement import graduate_destinations  # noqa: E402
from gpec.instance import NO_ZONE, load_instance  # noqa: E402
from gpec.models import build_model, default_tail  # noqa: E402
from gpec.models.levers import decision_grid  # noqa: E402

#: The core model's levers (the rest of the model: stock and flow, budgets, labour pool).
CORE = ("training", "apprenticeship")
SIZES = {"landes": ROOT / "instances" / "landes", "nouvelle_aquitaine": ROOT / "instances" / "nouvelle_aquitaine",
         "france": ROOT / "out" / "bench" / "france_whole"}
linopy = xr = None  # imported by the linopy measurement only (:func:`_import_linopy`)


# -- input data shared by both builders (gpec's helpers: not what is compared) ------------------------
@dataclass
class CoreData:
    """The instance tables of the core model, as plain pandas objects."""

    bassins: pd.Index
    metiers: pd.Index
    years: pd.Index  # model years: the horizon and its tail
    metier: pd.DataFrame  # per métier: survive, keep, lag, unit_training, unit_apprentice, weight
    baseline: pd.DataFrame  # (bassin, metier, year): stock_fte, inflow
    need: pd.Series  # (bassin, metier, year)
    training: pd.DataFrame  # decision grid: bassin (the site), metier, year, cap, lag
    apprenticeship: pd.DataFrame  # decision grid: bassin, metier, year, cap, lag
    destinations: pd.DataFrame  # site, bassin, metier, share, for the sites and métiers of ``training``
    zone: pd.Series  # bassin -> zone (its département, or NO_ZONE)
    scope: dict  # funder -> zones it may pay in
    lever_funders: pd.DataFrame  # lever, funder
    envelope: pd.Series  # (funder, year) euros
    carry_share: float
    apprentice_conversion: float
    jobseekers: pd.Series | None  # bassin -> jobseekers
    pool_share: float


def core_data(instance) -> CoreData:
    """Read the tables of the core model from ``instance`` (over its horizon and gpec's default tail)."""
    first, last = instance.horizon
    end = last + default_tail(instance, instance.horizon, CORE)
    years = pd.Index(np.arange(first, end + 1), name="year")
    p = instance.param_by_metier
    metiers = pd.Index(instance.metiers["metier"], name="metier")
    metier = pd.DataFrame({"survive": 1 - p("retire_rate") - p("exit_rate"), "keep": 1 - p("dropout"),
                           "lag": p("training_years"), "unit_training": p("cost_training_place"),
                           "unit_apprentice": p("cost_apprentice"), "weight": p("unmet_weight")}).reindex(metiers)
    base = instance.baseline()
    baseline = pd.DataFrame({"stock_fte": base["stock_fte"],
                             "inflow": base["school_output_fte"] + base["ordinary_hiring_fte"]})
    lag = p("training_years")
    training = decision_grid(instance.table("training_capacity.csv"), "max_places_per_year", lag,
                             instance.horizon, end)
    apprenticeship = decision_grid(instance.table("apprenticeship_capacity.csv"), "max_contracts_per_year", lag,
                                   instance.horizon, end)
    dest = graduate_destinations(instance).rename("share").reset_index()
    sites = training[["bassin", "metier"]].drop_duplicates().rename(columns={"bassin": "site"})
    zones = instance.bassin_zones()
    bassins = pd.Index(instance.bassins["bassin"], name="bassin")
    zone = pd.Series(NO_ZONE, index=bassins) if zones is None else zones.reindex(bassins)
    pairs = instance.lever_funders()
    return CoreData(bassins, metiers, years, metier, baseline, instance.need(), training, apprenticeship,
                    dest.merge(sites, on=["site", "metier"]), zone, instance.funder_zones(),
                    pairs[pairs["lever"].isin(CORE)].reset_index(drop=True), instance.budget(),
                    float(instance.param("budget_carry_over")), float(instance.param("apprentice_conversion")),
                    instance.labour_pool(), float(instance.param("labour_pool_share")))


# -- the core model in linopy ------------------------------------------------------------------------
def build_linopy(instance):
    """The core model of ``instance`` with linopy's labelled API (same rows, columns and coefficients as
    gpec's; see :mod:`gpec.models.workforce`, ``training``, ``apprenticeship``, ``budget``,
    ``labour_pool`` for the formulation)."""
    return linopy_model(core_data(instance))


def linopy_model(d: CoreData):
    """The core model of the tables ``d`` in linopy.

    The counts handed to HiGHS match gpec's exactly: linopy hands over only the unmasked columns and the
    rows with at least one term, and the rows it builds over full label grids (training_split over zone x
    métier x year, lever_cost over lever x zone x year, labour_pool over bassin x year) are empty exactly
    where gpec builds no row (gpec's rows are the cells some column reaches; its core has no empty row and
    no unused column). gpec drops coefficients below 1e-9 and linopy only exact zeros: the core has none
    that small (the smallest is a settlement share of about 3e-6).
    """
    _import_linopy()
    m = linopy.Model()  # linopy's default: dense labelled arrays, legacy arithmetic semantics
    with warnings.catch_warnings():
        # Under the legacy semantics (linopy's default) an absent slot (masked column, shifted-in year)
        # contributes nothing to a sum, which this model relies on; linopy warns that the opt-in v1
        # semantics would drop such rows instead.
        warnings.simplefilter("ignore", getattr(linopy.config, "LinopySemanticsWarning", UserWarning))
        stock, unmet = _workforce_variables(m, d)
        places, totals = _training_variables(m, d)
        contracts = _apprenticeship_variables(m, d)
        spend, carried = _budget_variables(m, d)
        entrants, graduates = _settlement(places, d)
        completed = _lagged(contracts * _by_metier(d, d.metier["keep"] * d.apprentice_conversion), d)
        later = d.years[1:]
        balance = (stock - _by_metier(d, d.metier["survive"]) * stock.shift(year=1) - graduates - completed)
        inflow = _cells(d.baseline["inflow"], [d.bassins, d.metiers, d.years])
        m.add_constraints(balance.sel(year=later) == inflow.sel(year=later), name="stock_balance")
        m.add_constraints(stock + unmet >= _cells(d.need, [d.bassins, d.metiers, d.years]), name="need")
        _budget_rows(m, d, totals, contracts, spend, carried)
        if d.jobseekers is not None:
            drawn = entrants + contracts.sum("metier")
            bound = d.pool_share * xr.DataArray(d.jobseekers.reindex(d.bassins).to_numpy(float), coords=[d.bassins])
            m.add_constraints(drawn <= bound, name="labour_pool")
        m.add_objective((unmet * _by_metier(d, d.metier["weight"])).sum())
    return m


def _import_linopy() -> None:
    """Import linopy and xarray (the gpec measurements never load them)."""
    global linopy, xr
    import linopy
    import xarray as xr


def _by_metier(d: CoreData, values: pd.Series):
    """A per-métier parameter as a DataArray (0 where not given: a métier without a training route has no
    dropout or course cost, and no column they would multiply)."""
    return xr.DataArray(values.reindex(d.metiers).fillna(0.0).to_numpy(float), coords=[d.metiers])


def _cells(values: pd.Series, coords: list[pd.Index]):
    """A Series indexed by (some of) the product of ``coords`` as a dense DataArray (NaN where missing)."""
    index = pd.MultiIndex.from_product(coords)
    return xr.DataArray(values.reindex(index).to_numpy(float).reshape([len(c) for c in coords]), coords=coords)


def _grid(d: CoreData, grid: pd.DataFrame, site: str):
    """A decision grid (:func:`gpec.models.levers.decision_grid`) as (cap, mask) DataArrays over (``site``,
    metier, model year): one column where the grid has a row, none elsewhere (a masked slot)."""
    coords = [pd.Index(sorted(grid["bassin"].unique()), name=site), d.metiers, d.years]
    keys = pd.MultiIndex.from_frame(grid[["bassin", "metier", "year"]])
    cap = _cells(pd.Series(grid["cap"].to_numpy(), index=keys), coords)
    return cap.fillna(0.0), cap.notnull()


def _workforce_variables(m, d: CoreData):
    """Stock (fixed in the first year) and unmet need over bassin x métier x model year."""
    coords = [d.bassins, d.metiers, d.years]
    base = _cells(d.baseline["stock_fte"], coords)
    first = xr.DataArray(d.years == d.years[0], coords=[d.years])
    stock = m.add_variables(base.where(first, 0.0), base.where(first, np.inf), coords=coords, name="stock")
    unmet = m.add_variables(0.0, np.inf, coords=coords, name="unmet")
    return stock, unmet


def _training_variables(m, d: CoreData):
    """Places at each site (continuous) and their whole totals per zone, métier and year, and the split rows
    (:func:`gpec.models.levers.whole_totals`)."""
    cap, mask = _grid(d, d.training, "site")
    upper = np.floor(cap + 1e-9)
    places = m.add_variables(0.0, upper, coords=cap.coords, mask=mask, name="training_places")
    zone = _site_zones(d, cap)
    total_upper = upper.groupby(zone).sum()
    has = mask.groupby(zone).any()
    totals = m.add_variables(0.0, total_upper, coords=total_upper.coords, mask=has, integer=True,
                             name="training_total")
    m.add_constraints(places.groupby(zone).sum() - totals == 0, name="training_split")
    return places, totals


def _site_zones(d: CoreData, grid):
    return xr.DataArray(d.zone.reindex(grid["site"].to_numpy()).to_numpy(object), coords=[grid["site"]], name="zone")


def _apprenticeship_variables(m, d: CoreData):
    cap, mask = _grid(d, d.apprenticeship, "bassin")
    cap, mask = cap.reindex(bassin=d.bassins, fill_value=0.0), mask.reindex(bassin=d.bassins, fill_value=False)
    return m.add_variables(0.0, cap, coords=cap.coords, mask=mask, integer=True, name="apprenticeships")


def _budget_variables(m, d: CoreData):
    """Euros of each lever paid by each funder in each zone it may pay in, and euros carried over."""
    funders = pd.Index(sorted(d.envelope.index.get_level_values("funder").unique()), name="funder")
    zones = pd.Index(sorted(set(d.zone) | set().union(*d.scope.values())), name="zone")
    levers = pd.Index(list(CORE), name="lever")
    pays = np.zeros((len(levers), len(funders), len(zones)), bool)
    for lever, funder in d.lever_funders.itertuples(index=False):
        pays[levers.get_loc(lever), funders.get_loc(funder)] = zones.isin(d.scope[funder])
    mask = xr.DataArray(pays, coords=[levers, funders, zones]).expand_dims(year=d.years, axis=3)
    spend = m.add_variables(0.0, np.inf, coords=mask.coords, mask=mask, name="spend")
    last = xr.DataArray(d.years == d.years[-1], coords=[d.years])
    upper = xr.zeros_like(last, float).where(last | (d.carry_share <= 0), np.inf)
    carried = m.add_variables(0.0, upper.expand_dims(funder=funders), coords=[funders, d.years],
                              name="budget_carried")
    return spend, carried


def _settlement(places, d: CoreData):
    """Entrants drawn in (bassin, start year) and graduates arriving in (bassin, métier, year): each site's
    places spread over the bassins its graduates settle in (:mod:`gpec.geo.settlement`), métier by métier."""
    parts = []
    for metier, pairs in d.destinations.groupby("metier"):
        pair = lambda column: xr.DataArray(pairs[column].to_numpy(), dims="pair")
        drawn = places.sel(metier=metier).sel(site=pair("site")) * pair("share")  # (pair, start year)
        parts.append(drawn.groupby(pair("bassin").rename("bassin")).sum().reindex(bassin=d.bassins)
                     .expand_dims(metier=[metier]))
    drawn = linopy.merge(parts, dim="metier").reindex(metier=d.metiers)  # (bassin, metier, start year)
    return drawn.sum("metier"), _lagged(drawn * _by_metier(d, d.metier["keep"]), d)


def _lagged(expr, d: CoreData):
    """``expr`` over (bassin, métier, start year) moved to the year its units deliver, ``training_years``
    of its métier later (métiers without a training route are left empty)."""
    lag = d.metier["lag"]
    parts = [expr.sel(metier=list(ms)).shift(year=int(k)) for k, ms in lag[lag >= 1].groupby(lag).groups.items()]
    return linopy.merge(parts, dim="metier").reindex(metier=d.metiers)


def _yearly_cost(expr, unit: pd.Series, d: CoreData):
    """Euros of ``expr`` (units over metier, start year) due in each year: ``unit`` of its métier in each
    of its ``training_years``, summed over the métiers."""
    lag = d.metier["lag"]
    parts = []
    for k in range(int(lag.max())):
        ms = list(lag.index[lag > k])
        parts.append((expr.sel(metier=ms) * _by_metier(d, unit).sel(metier=ms)).shift(year=k).sum("metier"))
    return linopy.merge(parts)


def _budget_rows(m, d: CoreData, totals, contracts, spend, carried) -> None:
    """lever_cost, budget (and budget_carry) rows of :mod:`gpec.models.budget`."""
    zones = spend.coords["zone"].to_index()
    bassin_zone = xr.DataArray(d.zone.reindex(d.bassins).to_numpy(object), coords=[d.bassins], name="zone")
    training = _yearly_cost(totals, d.metier["unit_training"], d).reindex(zone=zones)
    apprentice = _yearly_cost(contracts, d.metier["unit_apprentice"], d).groupby(bassin_zone).sum().reindex(zone=zones)
    cost = linopy.merge([training.expand_dims(lever=["training"]), apprentice.expand_dims(lever=["apprenticeship"])],
                        dim="lever")
    m.add_constraints(spend.sum("funder") - cost == 0, name="lever_cost")
    funders = carried.coords["funder"].to_index()
    envelope = _cells(d.envelope, [funders, d.years])
    paid = spend.sum(["lever", "zone"]).reindex(funder=funders)
    m.add_constraints(paid + carried - carried.shift(year=1) <= envelope, name="budget")
    share = d.carry_share
    if 0 < share < 1:
        m.add_constraints(share * paid + carried - share * carried.shift(year=1) <= share * envelope,
                          name="budget_carry")


# -- measurements, one per fresh process -------------------------------------------------------------
def _peak_mb() -> float:
    """Peak resident set size of this process so far, MiB: ``VmHWM`` of ``/proc/self/status`` on Linux, else
    ``ru_maxrss`` (KiB on Linux, which after fork and exec also counts the parent's RSS at the fork: a
    large parent would hide a small measurement)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


def _quiet_highs() -> None:
    """Make a first HiGHS object with stdout silenced: HiGHS prints its banner then (in no timing)."""
    import highspy

    from gpec.solvers.highs import _quiet_stdout

    with _quiet_stdout():
        highspy.Highs()


def _size(h) -> dict:
    return {"cols": h.getNumCol(), "rows": h.getNumRow(), "nnz": h.getNumNz()}


def gpec_handoff(model):
    """gpec's hand-off: :class:`HighsBackend` passes the arrays, then the ``unmet`` objective is set (as
    the first stage of a solve does); returns the ``highspy.Highs``."""
    from gpec.solvers.highs import HighsBackend

    backend = HighsBackend(model.lp)
    cost = model.lp.objective_vector("unmet")
    backend.h.changeColsCost(cost.size, np.arange(cost.size, dtype=np.int32), cost)
    return backend.h


def raw_pass_model(arrays: dict, cost: np.ndarray):
    """The same arrays handed over by hand: one ``HighsLp`` (row-wise CSR, int32 indices) and ``passModel``."""
    import highspy

    csr = arrays["matrix"]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = csr.shape[1], csr.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_, lp.col_upper_ = arrays["col_lower"], arrays["col_upper"]
    lp.row_lower_, lp.row_upper_ = arrays["row_lower"], arrays["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.asarray(csr.indptr, np.int32)
    lp.a_matrix_.index_ = np.asarray(csr.indices, np.int32)
    lp.a_matrix_.value_ = csr.data
    lp.integrality_ = np.where(arrays["integer"], highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def measure(variant: str, folder: Path) -> dict:
    """Load the instance at ``folder``, build and hand over one ``variant``; seconds, size and memory.

    ``gpec``, ``linopy``: the core model; ``raw``: the core model by gpec, then only the raw ``passModel``
    of its arrays is timed as the hand-off; ``full``: gpec's model with every lever."""
    _quiet_highs()
    if variant == "linopy":
        _import_linopy()
    start = time.perf_counter()
    instance = load_instance(folder)
    load_s, loaded_mb = time.perf_counter() - start, _peak_mb()
    start = time.perf_counter()
    if variant == "linopy":
        data = core_data(instance)
        prep_s = time.perf_counter() - start
        model = linopy_model(data)
    else:
        model = build_model(instance, instance.horizon, None if variant == "full" else CORE)
        prep_s = None
    build_s = time.perf_counter() - start
    if variant == "raw":
        arrays, cost = model.lp.to_arrays(), model.lp.objective_vector("unmet")
        start = time.perf_counter()
        h = raw_pass_model(arrays, cost)
    else:
        start = time.perf_counter()
        h = linopy.io.to_highspy(model) if variant == "linopy" else gpec_handoff(model)
    handoff_s = time.perf_counter() - start
    return {"variant": variant, "bassins": len(instance.bassins), "load_s": load_s, "prep_s": prep_s,
            "build_s": build_s, "handoff_s": handoff_s, "loaded_mb": loaded_mb, "peak_mb": _peak_mb(), **_size(h)}


def lp_relaxation(h) -> float:
    """Optimal objective of the LP relaxation of the model held by ``h`` (integrality dropped)."""
    import highspy

    h.setOptionValue("output_flag", False)
    n = h.getNumCol()
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"LP relaxation: {h.modelStatusToString(h.getModelStatus())}")
    return h.getInfo().objective_function_value


def same_relaxation(folder: Path) -> dict:
    """Both core models of ``folder``: their sizes and the optimal unmet need of their LP relaxations."""
    _quiet_highs()
    _import_linopy()
    instance = load_instance(folder)
    gpec_h = gpec_handoff(build_model(instance, instance.horizon, CORE))
    linopy_h = linopy.io.to_highspy(build_linopy(instance))
    return {"gpec": {**_size(gpec_h), "lp": lp_relaxation(gpec_h)},
            "linopy": {**_size(linopy_h), "lp": lp_relaxation(linopy_h)}}


def in_fresh_process(*args: str) -> dict:
    """Run this script with ``--one *args`` in a new interpreter and return what it measured."""
    done = subprocess.run([sys.executable, __file__, "--one", *args], capture_output=True, text=True,
                          cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"--one {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def france_instance(folder: Path) -> Path:
    """The whole of France as one instance (1,681 bassins), written into ``folder`` on first use."""
    if (folder / "instance.yaml").exists():
        return folder
    from gpec.territory import population
    from gpec.territory.build import write_instance
    from gpec.territory.select import select

    print(f"writing the whole-France instance into {folder.relative_to(ROOT)} (once, about 30 s)", flush=True)
    raw = ROOT / "data" / "raw"
    communes = population.read_communes(raw)
    partial = folder.with_name(folder.name + ".partial")  # renamed once complete: no half-written cache
    shutil.rmtree(partial, ignore_errors=True)
    write_instance(select(communes, france=True), raw, partial, communes)
    partial.rename(folder)
    return folder


# -- report ------------------------------------------------------------------------------------------
def best_of(repeat: int, *args: str) -> dict:
    """:func:`in_fresh_process` ``repeat`` times: the fewest seconds of each step (the machine may be busy),
    the memory of the first run."""
    runs = [in_fresh_process(*args) for _ in range(repeat)]
    return {**runs[0], **{k: min(r[k] for r in runs) for k in runs[0] if k.endswith("_s") and runs[0][k] is not None}}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def _total(r: dict) -> float:
    """Build and hand-off seconds."""
    return r["build_s"] + r["handoff_s"]


def _mb(r: dict) -> float:
    """Peak RSS above the RSS of the loaded instance, MiB."""
    return r["peak_mb"] - r["loaded_mb"]


def check_sizes(gpec: dict, other: dict, name: str) -> None:
    """Both models hand HiGHS the same numbers of columns, rows and non-zeros (the one assertion on sizes)."""
    a, b = (tuple(r[k] for k in ("cols", "rows", "nnz")) for r in (gpec, other))
    assert a == b, f"{name}: gpec hands HiGHS {a} (cols, rows, nnz), linopy {b}"


def check_same_model(folder: Path) -> None:
    """The LP relaxations of both core models of ``folder`` have the same optimum (relative 1e-6)."""
    check = in_fresh_process("check", str(folder))
    check_sizes(check["gpec"], check["linopy"], folder.name)
    a, b = check["gpec"]["lp"], check["linopy"]["lp"]
    assert abs(a - b) <= 1e-6 * max(1.0, abs(a)), f"{folder.name}: LP relaxations differ: gpec {a}, linopy {b}"
    print(f"{folder.name} core, LP relaxation: unmet need {a:,.6f} FTE-years (gpec), {b:,.6f} (linopy): same model")


def print_core(results: dict) -> None:
    """The gpec/linopy table of the core model."""
    print("\ncore model (training, apprenticeship, budgets): seconds to build and to hand over to HiGHS; MB: peak "
          "RSS above the loaded instance (total peak)")
    print(f"{'size':18s} {'bassins':>7s} {'cols':>9s} {'rows':>9s} {'nnz':>10s} | {'gpec':>5s} {'hand':>5s} "
          f"{'total':>6s} | {'linopy':>6s} {'hand':>5s} {'total':>6s} | {'time':>5s} | {'gpec MB':>12s} "
          f"{'linopy MB':>12s} {'mem':>5s} | {'raw':>5s} {'hand':>5s}")
    print(f"{'':18s} {'':>7s} {'':>9s} {'':>9s} {'':>10s} | {'build':>5s} {'-off':>5s} {'':>6s} | {'build':>6s} "
          f"{'-off':>5s} {'':>6s} | {'g/l':>5s} | {'':>12s} {'':>12s} {'g/l':>5s} | {'pass':>5s} {'/raw':>5s}")
    for name, r in results.items():
        g, lin, raw = r["gpec"], r["linopy"], r["raw"]
        gt, lt = _total(g), _total(lin)
        print(f"{name:18s} {g['bassins']:7,d} {g['cols']:9,d} {g['rows']:9,d} {g['nnz']:10,d} | {g['build_s']:5.2f} "
              f"{g['handoff_s']:5.3f} {gt:6.2f} | {lin['build_s']:6.2f} {lin['handoff_s']:5.3f} {lt:6.2f} | "
              f"{_ratio(gt, lt):>5s} | {_mb(g):5.0f} ({g['peak_mb']:4.0f}) {_mb(lin):5.0f} ({lin['peak_mb']:4.0f}) "
              f"{_ratio(_mb(g), _mb(lin)):>5s} | {raw['handoff_s']:5.3f} "
              f"{_ratio(g['handoff_s'], raw['handoff_s']):>5s}")
    print("instance loading, s (not counted above): "
          + ", ".join(f"{name} {r['gpec']['load_s']:.2f}" for name, r in results.items()))
    print("of each build, input data through gpec's helpers (decision grids, graduates' destinations; the same "
          "calls in both), s: " + ", ".join(f"{name} {r['linopy']['prep_s']:.2f}" for name, r in results.items()))
    print("without them (build + hand-off - input data), time g/l: " + ", ".join(
        f"{name} {_ratio(_total(r['gpec']) - prep, _total(r['linopy']) - prep)}"
        for name, r in results.items() for prep in [r["linopy"]["prep_s"]]))
    print("targets at the France size: time g/l <= 0.6, mem g/l <= 1.0, hand-off/raw <= 1.5")
    print("bytes per non-zero (peak RSS above the loaded instance / nnz; flat = linear growth): "
          + ", ".join(f"{name} gpec {_mb(r['gpec']) * 2**20 / r['gpec']['nnz']:.0f} "
                      f"linopy {_mb(r['linopy']) * 2**20 / r['linopy']['nnz']:.0f}" for name, r in results.items()))


def print_full(full: dict) -> None:
    """gpec's model with every lever."""
    print("\ngpec's full model (every lever): seconds to build and to hand over; MB: peak RSS above the loaded "
          "instance (total peak)")
    print(f"{'size':18s} {'bassins':>7s} {'cols':>9s} {'rows':>9s} {'nnz':>10s} | {'build':>6s} {'hand-off':>8s} "
          f"{'total':>6s} | {'MB':>12s} {'bytes/nnz':>9s}")
    for name, f in full.items():
        print(f"{name:18s} {f['bassins']:7,d} {f['cols']:9,d} {f['rows']:9,d} {f['nnz']:10,d} | {f['build_s']:6.2f} "
              f"{f['handoff_s']:8.2f} {_total(f):6.2f} | {_mb(f):5.0f} ({f['peak_mb']:4.0f}) "
              f"{_mb(f) * 2**20 / f['nnz']:9.0f}")


def versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{p} {version(p)}" for p in ("linopy", "highspy", "xarray", "pandas", "numpy"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--no-full", action="store_true", help="skip gpec's full model")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the fastest is printed")
    parser.add_argument("--one", nargs=2, metavar=("VARIANT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a measurement, in its own process
        variant, folder = args.one
        print(json.dumps(same_relaxation(Path(folder)) if variant == "check" else measure(variant, Path(folder))))
        return
    folders = {name: france_instance(SIZES[name]) if name == "france" else SIZES[name] for name in args.sizes}
    print(versions())
    if "landes" in folders:
        check_same_model(folders["landes"])
    results = {}
    for name, folder in folders.items():
        results[name] = {v: best_of(args.repeat, v, str(folder)) for v in ("gpec", "linopy", "raw")}
        check_sizes(results[name]["gpec"], results[name]["linopy"], name)
    print_core(results)
    if not args.no_full:
        print_full({name: best_of(args.repeat, "full", str(folder)) for name, folder in folders.items()})


if __name__ == "__main__":
    main()
