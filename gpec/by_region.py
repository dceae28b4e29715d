r"""Metropolitan France région by région (``gpec solve instances/france --by-region``).

``gpec instance build --france`` writes one instance per région and an ``instance.yaml`` of kind
``regions`` listing them (:func:`gpec.territory.build.write_regions`); a bassin straddling two régions is
in both, each counting its own communes. Régions are nearly independent (few flows cross a border, and
every funding body pays in its own territory), so each is solved as its own model, all in parallel on
the one executor of :mod:`gpec.parallel`.

**Time.** ``--time-limit`` is the whole run's, :math:`T` (default: :data:`REGION_DEFAULT_S` per région
on average, :math:`T = 80\,n / W` for :math:`n` régions on :math:`W` workers). The parent keeps
:data:`PARENT_SHARE` of it (starting workers, merging, the national maps); the rest, :math:`T'`, is
shared by size (:func:`region_sizes`: rows of the région's tables), so that a large région is not
cut short while a small one idles (Auvergne-Rhône-Alpes's LP relaxation alone takes about 30 s). Région
:math:`r` of size :math:`s_r` gets :math:`p_r = \min(T', \max(p_{min}, \alpha s_r))` seconds for its whole
solve (load, build, solve, check, outputs), with the largest :math:`\alpha` such that

.. math::  \sum_r p_r / W + (1 - 1/W) \max_r p_r \le T'

(all :math:`p_r = T'` when :math:`n \le W`). Régions are started largest first, each as soon as a
worker is free; whatever each takes up to its limit, the last one then ends by :math:`T'` (Graham's bound
for list scheduling: the last région to end started when every worker was busy). A limit too short for
:data:`REGION_MIN_S` per région is refused.

The output folder holds every région's complete outputs in ``regions/<région>/`` (its tables, maps,
report and workbook), the tables of all régions merged with a ``region`` column first (keyed by région
and bassin), the national maps drawn from them (``map_unmet.png``, ``map_<lever>.png``:
:mod:`gpec.geo.national`, every bassin of France once, the régions outlined), and a ``result.json``
whose ``status`` is the worst région's, ``objective``, ``bound``, ``cost`` and ``violations`` are
summed, ``gap`` comes from the sums, and ``regions`` gives each région's status, gap, violations,
runtime and error. A région whose solve raises or whose worker dies is reported with its error; the
others go on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import yaml

from gpec.atomic import write_csv, write_text
from gpec.errors import GpecError
from gpec.scenario import Scenario
from gpec.solvers import relative_gap

#: Status of a set of régions: the worst of theirs, in this order.
STATUS_ORDER = ("optimal", "feasible", "infeasible", "error")
#: Seconds of a worker a région gets on average when no ``--time-limit`` is given: France's 13 on 2
#: workers in 520 s (measured: 60 s for each leaves Auvergne-Rhône-Alpes without a plan).
REGION_DEFAULT_S = 80.0
#: Seconds no région is given less of (an assumption): a model solved relaxation first needs its LP
#: relaxation and restricted MIP both done (Île-de-France: 24,254 rows, 0.45 % in 60 s).
REGION_MIN_S = 45.0
#: Share of the run's time limit kept by the parent: starting the workers, merging the tables and
#: drawing the national maps after the last région.
PARENT_SHARE = 0.08


def region_folders(folder: str | Path) -> dict[str, Path]:
    """The régions of a ``kind: regions`` folder: INSEE code -> instance folder."""
    folder = Path(folder)
    meta_path = folder / "instance.yaml"
    regions = _regions_meta(folder)
    try:
        parts = {str(r["code"]): folder / str(r["folder"]) for r in regions}
    except (KeyError, TypeError) as exc:
        raise GpecError(f"{meta_path}: 'regions' needs code and folder for each région ({exc})") from None
    missing = [str(p) for p in parts.values() if not (p / "instance.yaml").is_file()]
    if missing:
        raise GpecError(f"{meta_path}: région folder {missing[0]} not found")
    return parts


def region_names(folder: str | Path) -> dict[str, str]:
    """The régions of a ``kind: regions`` folder: INSEE code -> name (the code when it has none)."""
    return {str(r["code"]): str(r.get("name") or r["code"]) for r in _regions_meta(folder)}


def _regions_meta(folder: str | Path) -> list:
    """The ``regions`` list of a ``kind: regions`` folder's ``instance.yaml``."""
    folder = Path(folder)
    meta_path = folder / "instance.yaml"
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise GpecError(f"{meta_path}: not readable ({exc})") from None
    if not isinstance(meta, dict) or meta.get("kind") != "regions":
        raise GpecError(f"--by-region: {folder} is not a folder of régions (build one with gpec instance build "
                        "--france)")
    if "regions" not in meta:
        raise GpecError(f"{meta_path}: 'regions' needs code and folder for each région ('regions')")
    return meta["regions"]


@dataclass(frozen=True)
class RegionTask:
    """What a worker needs to solve one région and write its outputs (picklable)."""

    folder: str
    out: str
    scenario: Scenario
    maps: bool = True
    lang: str = "en"


def solve_region(task: RegionTask) -> dict:
    """Solve one région and write its complete outputs to ``task.out`` within ``task.scenario``'s time
    limit (loading and writing included, as a single ``gpec solve``); its summary for ``result.json``."""
    from gpec.instance import load_instance
    from gpec.outputs import write_outputs
    from gpec.solving import solve, time_budget

    budget = time_budget(task.scenario)
    with budget.phase("load"):
        instance = load_instance(task.folder)
    result = solve(instance, task.scenario, budget=budget)
    write_outputs(result, task.out, maps=task.maps, budget=budget, lang=task.lang)
    return {"status": result.status, "objective": result.objective, "bound": result.bound, "gap": result.gap,
            "cost": result.cost, "violations": result.violations, "runtime_s": result.runtime_s,
            "time_limit_s": task.scenario.time_limit, "variables": result.n_variables,
            "constraints": result.n_constraints}


def region_sizes(parts: dict[str, Path]) -> dict[str, int]:
    """The size of each région's instance: the rows of its CSV tables (its model's non-zeros are 8 to
    20 times as many; a proxy read without building the model)."""
    def rows(path: Path) -> int:
        with path.open("rb") as handle:
            return max(0, sum(1 for _ in handle) - 1)
    return {code: sum(rows(f) for f in sorted(path.glob("*.csv"))) for code, path in parts.items()}


def time_limits(sizes: dict[str, float], total_s: float, workers: int) -> dict[str, float]:
    """Each région's time limit out of ``total_s`` seconds for the régions on ``workers`` workers, and
    the order to start them in (largest first): the module docstring's rule.

    Raises
    ------
    GpecError
        When ``total_s`` cannot give every région :data:`REGION_MIN_S` (names the shortest that can).
    """
    order = sorted(sizes, key=lambda code: (-sizes[code], code))
    if len(sizes) <= workers:
        return {code: total_s for code in order}
    makespan = lambda p: sum(p.values()) / workers + (1 - 1 / workers) * max(p.values())
    given = lambda alpha: {code: min(total_s, max(REGION_MIN_S, alpha * sizes[code])) for code in order}
    if makespan(given(0.0)) > total_s:
        shortest = makespan(given(0.0)) / (1 - PARENT_SHARE)
        raise GpecError(f"--time-limit: {len(sizes)} régions on {workers} workers need at least "
                        f"{math.ceil(shortest)} s ({REGION_MIN_S:g} s each)")
    low, high = 0.0, total_s / max(min(sizes.values()), 1)  # high: every région given total_s
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if makespan(given(mid)) <= total_s else (low, mid)
    return given(low)


def route_budgets(parts: dict[str, Path], scenario: Scenario) -> dict[str, Scenario]:
    """Each région's scenario: the ``--budget`` envelopes of its own bodies only. A body must be named by
    its code (``cd33``, ``cr75``, ``ars84``): a kind names one body per région."""
    bodies = {code: set(pd.read_csv(path / "budget.csv", usecols=["funder"], dtype=str)["funder"])
              for code, path in parts.items()}
    known = set().union(*bodies.values())
    for funder in scenario.budgets:
        if funder not in known:
            raise GpecError(f"--budget {funder}: no funding body of that code in any région (with --by-region "
                            "name a body by its code, e.g. cd33, cr75, ars84)")
    return {code: replace(scenario, budgets={f: v for f, v in scenario.budgets.items() if f in bodies[code]})
            for code in parts}


def check_region_out(out: str | Path) -> Path:
    """The output folder of a by-région run: new, empty, or an earlier by-région run's (whose files are
    replaced région by région); anything else is refused, so that no other file is lost."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        try:
            earlier = json.loads((out / "result.json").read_text(encoding="utf-8")).get("by_region")
        except (OSError, ValueError, AttributeError):
            earlier = False
        if not earlier:
            raise GpecError(f"--out {out}: holds files of something else than a by-région run; choose a new or "
                            "empty folder")
    return out


def solve_by_region(folder: str | Path, out: str | Path, scenario: Scenario, workers: int | None = None,
                    dask: str | None = None, maps: bool = True, lang: str = "en", progress=None,
                    time_limit: float | None = None) -> dict:
    """Solve every région of ``folder`` (:func:`region_folders`) and write the merged outputs to ``out``,
    then the national maps (with ``maps``; :func:`gpec.geo.national.write_national_maps`), within
    ``time_limit`` seconds for the whole run (``None``: the module docstring's default; the scenario's
    own ``time_limit`` is replaced by each région's share); returns the content of ``result.json``
    (module docstring)."""
    from gpec.parallel import run_tasks, slots

    parts = region_folders(folder)
    scenarios = route_budgets(parts, scenario)
    width = slots(workers, dask)
    total = REGION_DEFAULT_S * len(parts) / width if time_limit is None else float(time_limit)
    limits = time_limits(region_sizes(parts), (1 - PARENT_SHARE) * total, width)
    out = Path(out)
    tasks = {code: RegionTask(str(parts[code]), str(out / "regions" / parts[code].name),
                              replace(scenarios[code], time_limit=limit), maps, lang)
             for code, limit in limits.items()}  # largest first
    (out / "regions").mkdir(parents=True, exist_ok=True)
    regions = {}
    for done in run_tasks(solve_region, tasks, workers=workers, dask=dask, progress=progress):
        summary = done.value if done.error is None else {"status": "error"}
        regions[done.key] = {"folder": parts[done.key].name, **summary, "error": done.error,
                             "seconds": done.seconds}
    regions = {code: regions[code] for code in sorted(regions)}
    merge_tables({code: Path(tasks[code].out) for code in regions if regions[code]["error"] is None}, out)
    result = {**summarise(regions), "time_limit_s": total, "workers": width}
    write_text(out / "result.json", json.dumps(_plain(result), indent=2) + "\n")
    if maps:
        from gpec.geo.national import write_national_maps

        write_national_maps(folder, out, regions, lang)
    else:
        remove_maps(out)
    return result


def remove_maps(out: str | Path, keep=()) -> None:
    """Remove the national maps (``map_*.png``) of an earlier run from the output folder ``out`` of a
    by-région run, but those in ``keep``."""
    for path in set(Path(out).glob("map_*.png")) - {Path(k) for k in keep}:
        path.unlink()


def summarise(regions: dict[str, dict]) -> dict:
    """``result.json`` of a by-région run from each région's summary (module docstring)."""
    worst = max((r["status"] for r in regions.values()), key=_rank, default="error")
    planned = all(r["status"] in ("optimal", "feasible") for r in regions.values())
    total = {k: float(sum(r.get(k, math.nan) for r in regions.values())) if planned else math.nan
             for k in ("objective", "bound", "cost")}
    violations = sum(int(r.get("violations") or 0) for r in regions.values()) if planned else None
    return {"status": worst, **total, "gap": relative_gap(total["objective"], total["bound"]) if planned else math.inf,
            "violations": violations, "by_region": True, "regions": regions}


def merge_tables(outs: dict[str, Path], out: Path) -> list[str]:
    """Every CSV table of the régions' outputs, concatenated with a ``region`` column first."""
    names = sorted({p.name for folder in outs.values() for p in folder.glob("*.csv")})
    for name in names:
        frames = [pd.read_csv(folder / name, dtype=str, keep_default_na=False).assign(region=code)
                  for code, folder in outs.items() if (folder / name).is_file()]
        table = pd.concat(frames, ignore_index=True)
        write_csv(out / name, table[["region", *[c for c in table.columns if c != "region"]]])
    return names


def _rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _plain(value):
    """``value`` as strict JSON: non-finite numbers become ``null``."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
