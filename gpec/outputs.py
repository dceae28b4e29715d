"""The output folder of a run, written and read as one unit.

:func:`write_outputs` writes everything a run produces (the tables and ``result.json``, ``report.md``,
the workbook ``results.xlsx``, the inflow chart, the maps and the GeoPackage) into a staging folder beside the output folder,
``.<name>.staging-<pid>``, then swaps the two in one step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere
two renames) and removes the old one. A run killed or crashing at any point therefore leaves either
the previous complete folder or the new complete one, never a mix; a run killed hard (SIGKILL) may leave
its staging folder (or, where the exchange is not available, the previous folder renamed
``.<name>.old-<pid>``), which the next run writing there removes. Since the whole folder is replaced,
an existing folder holding files gpec does not write (or the current folder, or one above it) is
refused: nothing of the user's is ever deleted.

:func:`load_result` reads a written folder back into a :class:`~gpec.results.Result` (``explain``,
``compare``).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from gpec.atomic import write_json
from gpec.errors import GpecError
from gpec.results import OUTPUT_FILES, TABLE_COLUMNS, TABLE_FILES, Result, StageReport

#: ``renameat2`` flag exchanging two paths atomically (Linux >= 3.15, glibc >= 2.28).
RENAME_EXCHANGE = 2
_AT_FDCWD = -100
#: Files every run writes (maps, chart and GeoPackage come with a plan, and maps on).
RUN_FILES = (*OUTPUT_FILES, "report.md", "results.xlsx")
#: Columns read as text (codes keep their leading zeros).
_CODES = {name: str for name in ("lever", "pathway", "bassin", "metier", "funder", "zone", "structure", "host",
                                 "origin", "destination", "reservoir", "flow", "kind", "phase", "method", "family", "label",
                                 "unit", "status", "detail")}


def write_outputs(result: Result, out: str | Path, maps: bool = True, budget=None, lang: str = "en") -> Path:
    """Write the whole run into the folder ``out`` as one unit (module docstring); returns ``out``.

    ``result.applied`` (the instance the model was built from) is needed for the report and the maps.
    With a :class:`~gpec.solvers.TimeBudget`, writing is recorded as its phase ``write`` and
    ``result.timings`` is refreshed before ``result.json`` is written. ``lang`` (``en`` or ``fr``) is the
    language of what people read: ``report.md``, the workbook ``results.xlsx`` and the maps.

    Raises
    ------
    GpecError
        When ``out`` exists and is not a folder, or cannot be written (nothing already there is lost).
    """
    from gpec.charts import write_inflow_chart
    from gpec.geo.maps import write_geopackage, write_maps
    from gpec.report import write_report
    from gpec.workbook import write_workbook

    out = check_out(out)
    remove_leftovers(out)
    stage = out.parent / f".{out.name}.staging-{os.getpid()}"
    try:
        phase = budget.phase("write") if budget is not None else contextlib.nullcontext()
        with phase:
            shutil.rmtree(stage, ignore_errors=True)
            stage.mkdir(parents=True)
            result.write(stage)
            instance = result.applied
            write_report(result, instance, stage / "report.md", lang=lang)
            write_workbook(result, instance, stage / "results.xlsx", lang=lang)
            if result.has_solution:
                write_inflow_chart(result, stage / "inflows.png", lang=lang)
                if maps:
                    write_maps(result, instance, stage, lang=lang)
                    write_geopackage(result, instance, stage / "results.gpkg")
        if budget is not None:
            result.timings = budget.report()
            write_json(stage / "result.json", result.summary())  # again, with the time of writing
        _swap(stage, out)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise GpecError(f"--out {out}: cannot write the results ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out


def check_out(out: str | Path) -> Path:
    """The output folder to write (a symbolic link: the folder it points to).

    Raises
    ------
    GpecError
        When ``out`` is a file, the current folder or one above it, or a folder holding files that gpec
        does not write (they would be lost when the folder is replaced).
    """
    given = Path(out)
    out = given.resolve() if given.is_symlink() else given
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {given}: exists and is not a folder")
    if out.exists() and Path.cwd().resolve().is_relative_to(out.resolve()):
        raise GpecError(f"--out {given}: the current folder or one above it; choose a folder of its own")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if not _written_by_gpec(p.name))
        if foreign:
            raise GpecError(f"--out {given}: holds files gpec does not write (e.g. {foreign[0]}); the folder is "
                            "replaced as a whole, so choose a new or empty folder")
    return out


def _written_by_gpec(name: str) -> bool:
    # "alternatives": gpec alternatives' default folder, of this run's plan (replaced with it)
    return name in RUN_FILES or name in ("inflows.png", "results.gpkg", "alternatives") or (
        name.startswith("map_") and name.endswith(".png"))


def remove_leftovers(out: Path) -> None:
    """Remove the staging (or renamed previous) folders that runs killed hard left beside ``out``, unless
    their process still runs."""
    if not out.parent.is_dir():
        return
    for path in out.parent.glob(f".{out.name}.*-*"):
        kind, _, pid = path.name[len(out.name) + 2:].rpartition("-")
        if kind in ("staging", "old") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own, from an earlier call that failed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap(stage: Path, out: Path) -> None:
    """Put ``stage`` at ``out`` in one step and remove the previous ``out``."""
    if not out.exists():
        os.rename(stage, out)
        return
    if _exchange(stage, out):
        shutil.rmtree(stage, ignore_errors=True)  # now the previous run
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    try:
        os.rename(stage, out)
    except OSError:
        os.rename(old, out)  # the previous folder back in its place
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Exchange two paths atomically (Linux ``renameat2``); False where that is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return done == 0


def load_result(out: str | Path) -> Result:
    """Read a folder written by :func:`write_outputs` (or ``gpec solve``) back into a Result.

    The tables and ``result.json`` are read; ``applied`` (the instance) is not stored in the folder and
    is ``None``.

    Raises
    ------
    GpecError
        When the folder has no readable ``result.json`` of a gpec solve.
    """
    out = Path(out)
    head_path = out / "result.json"
    if not head_path.is_file():
        raise GpecError(f"{out}: no result.json (not the output folder of a gpec solve)")
    try:
        head = json.loads(head_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GpecError(f"{head_path}: not a readable result ({exc})") from None
    if not isinstance(head, dict) or not {"status", "horizon", "stages", "instance"} <= set(head):
        raise GpecError(f"{head_path}: not the result of a gpec solve (a gpec groups output, or another file?)")
    try:
        values = _result_values(head)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise GpecError(f"{head_path}: not a result this version of gpec reads ({type(exc).__name__}: {exc})") from None
    for name, file in TABLE_FILES.items():
        values[name] = _read(out / file, TABLE_COLUMNS[name])
    prices = out / "shadow_prices.csv"
    values["shadow_prices"] = _read(prices, None) if prices.is_file() else pd.DataFrame()
    return Result(**values)


def _result_values(head: dict) -> dict:
    """The Result fields of a ``result.json`` (its tables aside)."""
    fields = set(Result.__dataclass_fields__)
    values = {k: v for k, v in head.items() if k in fields}
    nan = float("nan")
    for name in ("objective", "bound", "gap", "cost"):
        values[name] = nan if values.get(name) is None else float(values[name])
    values["horizon"] = tuple(head["horizon"])
    values["levers"] = tuple(head.get("levers", ()))
    values["budgets"] = {f: {int(y): e for y, e in years.items()} for f, years in head.get("budgets", {}).items()}
    values["stages"] = [StageReport(**{**s, **{k: nan for k in ("objective", "bound", "gap") if s.get(k) is None}})
                        for s in head["stages"]]
    return values


def _read(path: Path, columns) -> pd.DataFrame:
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=list(columns or []))
    try:
        table = pd.read_csv(path, dtype=_CODES, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise GpecError(f"{path}: not a readable table ({exc})") from None
    for name in ("pathway", "metier", "zone"):  # empty codes stay empty text
        if name in table:
            table[name] = table[name].fillna("")
    return table
