"""Metropolitan France région by région (``gpec solve instances/france --by-region``).

``gpec instance build --france`` writes one instance per région and an ``instance.yaml`` of kind
``regions`` listing them (:func:`gpec.territory.build.write_regions`); a bassin straddling two régions is
in both, each counting its own communes. Régions are nearly independent (few flows cross a border, and
every funding body pays in its own territory), so each is solved as its own model, all in parallel on
the one executor of :mod:`gpec.parallel`, each with the whole ``--time-limit``.

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


def region_folders(folder: str | Path) -> dict[str, Path]:
    """The régions of a ``kind: regions`` folder: INSEE code -> instance folder."""
    folder = Path(folder)
    meta_path = folder / "instance.yaml"
    try:
        parts = {str(r["code"]): folder / str(r["folder"]) for r in _regions_meta(folder)}
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
    """Solve one région and write its complete outputs to ``task.out``; its summary for ``result.json``."""
    from gpec.instance import load_instance
    from gpec.outputs import write_outputs
    from gpec.solving import solve

    result = solve(load_instance(task.folder), task.scenario)
    write_outputs(result, task.out, maps=task.maps, lang=task.lang)
    return {"status": result.status, "objective": result.objective, "bound": result.bound, "gap": result.gap,
            "cost": result.cost, "violations": result.violations, "runtime_s": result.runtime_s,
            "variables": result.n_variables, "constraints": result.n_constraints}


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
                    dask: str | None = None, maps: bool = True, lang: str = "en", progress=None) -> dict:
    """Solve every région of ``folder`` (:func:`region_folders`) and write the merged outputs to ``out``,
    then the national maps (with ``maps``; :func:`gpec.geo.national.write_national_maps`); returns the
    content of ``result.json`` (module docstring)."""
    from gpec.parallel import run_tasks

    parts = region_folders(folder)
    scenarios = route_budgets(parts, scenario)
    out = Path(out)
    tasks = {code: RegionTask(str(path), str(out / "regions" / path.name), scenarios[code], maps, lang)
             for code, path in parts.items()}
    (out / "regions").mkdir(parents=True, exist_ok=True)
    regions = {}
    for done in run_tasks(solve_region, tasks, workers=workers, dask=dask, progress=progress):
        summary = done.value if done.error is None else {"status": "error"}
        regions[done.key] = {"folder": parts[done.key].name, **summary, "error": done.error,
                             "seconds": done.seconds}
    regions = {code: regions[code] for code in sorted(regions)}
    merge_tables({code: Path(tasks[code].out) for code in regions if regions[code]["error"] is None}, out)
    result = summarise(regions)
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
