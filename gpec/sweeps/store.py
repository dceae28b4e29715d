"""A sweep's folder: what was asked, what each scenario gave, written so that nothing finished is lost.

``DIR/points.parquet``
    One row per scenario of the spec (:mod:`gpec.sweeps.spec`): ``scenario`` (its name), ``design``,
    ``named``, ``index``, ``hash``, what it sets (``level:DIM`` per grid dimension, ``parameter`` and
    ``side`` for one at a time) and the values it solves with (``param:NAME[KEY]`` for every record the
    sweep varies, ``envelope:BODY``: the body's mean yearly envelope over the horizon, in euros),
    written before anything is solved.
``DIR/runs/HASH.parquet``
    One row per solved scenario: its columns of ``points.parquet`` (of the first scenario with that
    hash), then :data:`RUN_COLUMNS`, ``spend:BODY``, ``units:LEVER``, ``fte:LEVER``, written atomically
    the moment it finishes; a scenario that failed has ``status`` ``error`` and its
    ``error``, and is solved again by the next run.
``DIR/plans/HASH.parquet``
    Its plan: units per ``lever`` x ``bassin`` (summed over métiers, pathways and years), written just
    before its row.

``HASH`` is the scenario's key (:func:`scenario_key`): a digest of the instance's files and of everything
the solve depends on (envelopes and parameters as applied, horizon, levers, targets, solve options,
reference plan), so a re-run skips what is already solved and a changed instance or option solves again.
:func:`read_sweep` joins points and runs into the sweep's table.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from gpec.atomic import write_atomic
from gpec.instance import Instance

#: Columns every run row has, in order (then ``spend:BODY``, ``units:LEVER``, ``fte:LEVER``).
RUN_COLUMNS = ("hash", "status", "objective", "bound", "gap", "cost", "unmet_fte", "runtime_s", "seconds",
               "warm", "violations", "message", "error", "pid")
#: Files read to make an instance's digest (the instance's own tables and settings).
INSTANCE_SUFFIXES = (".csv", ".yaml", ".geojson")


def instance_digest(folder: str | Path) -> str:
    """A digest of the instance folder's files (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).iterdir() if p.suffix in INSTANCE_SUFFIXES and p.is_file()):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def scenario_key(digest: str, applied: Instance, horizon: tuple[int, int], scenario, reference: str | None) -> str:
    """The key of a scenario's solve (module docstring): 16 hex digits.

    ``applied`` is the instance under the scenario (:meth:`gpec.scenario.Scenario.apply`), so two
    scenarios that spell the same envelopes or values differently have the same key.
    """
    from gpec.lever_names import LEVERS

    budget = applied.tables["budget.csv"][["funder", "year", "eur"]].sort_values(["funder", "year"])
    params = applied.parameters[["name", "key", "value"]].sort_values(["name", "key"])
    payload = {
        "instance": digest, "horizon": list(horizon),
        "budget": budget.to_numpy().tolist(), "parameters": params.to_numpy().tolist(),
        "levers": [lv for lv in LEVERS if scenario.levers is None or lv in scenario.levers],
        "service_level": scenario.service_level, "min_places": sorted(scenario.min_places.items()),
        "options": [scenario.time_limit, scenario.mip_gap, scenario.cost_gap, scenario.solver,
                    scenario.solution_limit],
        "reference": reference,
    }
    text = json.dumps(payload, sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_parquet(path: Path, table: pd.DataFrame) -> Path:
    """``table`` to ``path`` atomically (a reader never sees half a file)."""
    return write_atomic(path, lambda p: table.to_parquet(p, index=False))


def write_run(folder: Path, row: dict, plan: pd.DataFrame | None) -> None:
    """Persist one finished scenario: its plan (if any), then its row (the row's presence says it is done)."""
    if plan is not None:
        write_parquet(folder / "plans" / f"{row['hash']}.parquet", plan)
    write_parquet(folder / "runs" / f"{row['hash']}.parquet", pd.DataFrame([row]))


def run_files(folder: Path) -> list[Path]:
    """The run rows of ``folder``, without the temporary files a killed write leaves (``.NAME.tmp...``)."""
    return sorted(p for p in (folder / "runs").glob("*.parquet") if not p.name.startswith("."))


def finished(folder: Path) -> dict[str, str]:
    """``hash -> status`` of the scenarios solved in ``folder`` (not those that failed)."""
    done = {}
    for path in run_files(folder):
        row = pd.read_parquet(path, columns=["hash", "status"]).iloc[0]
        if row["status"] != "error":
            done[row["hash"]] = row["status"]
    return done


def read_runs(folder: Path) -> pd.DataFrame:
    """Every run row of ``folder`` (failed ones included)."""
    paths = run_files(folder)
    if not paths:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def read_sweep(folder: str | Path) -> pd.DataFrame:
    """The sweep's table: one row per scenario of ``points.parquet`` with its run's columns (empty for
    one not solved yet)."""
    folder = Path(folder)
    points = pd.read_parquet(folder / "points.parquet")
    runs = read_runs(folder)
    return points.merge(runs[["hash", *(c for c in runs.columns if c not in points.columns)]], on="hash", how="left")


def read_plans(folder: str | Path, hashes) -> pd.DataFrame:
    """The plans of ``hashes`` (those solved): ``hash``, ``lever``, ``bassin``, ``units``."""
    folder = Path(folder)
    frames = [pd.read_parquet(p).assign(hash=h) for h in dict.fromkeys(hashes)
              if (p := folder / "plans" / f"{h}.parquet").is_file()]
    if not frames:
        return pd.DataFrame(columns=["hash", "lever", "bassin", "units"])
    return pd.concat(frames, ignore_index=True)
