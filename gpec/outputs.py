"""The output folder of a run, written and read as one unit.

:func:`write_outputs` writes everything a run produces (the tables and ``result.json``, ``report.md``,
the workbook ``results.xlsx``, the inflow chart, the maps and the GeoPackage) into a staging folder beside the output folder,
``.<name>.staging-<pid>``, then swaps the two in one step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere
two renames) and removes the old one. A run killed or crashing at any point therefore leaves either
the previous complete folder or the new complete one, never a mix; a run killed hard (SIGKILL) may leave
its staging folder (or, where the exchange is not available, the previous folder renamed
``.<name>.old-<pid>``), which the next run writing there removes. Since the whole folder is replaced,
an existing folder holding files gpec does not write (or the current folder, or one above it) is
refused: nothing of the user's is ever deleted. The staging, the swap and these checks are
:func:`write_folder`'s, which ``gpec groups`` uses too (:func:`gpec.groupings.output.write_grouping`).

:func:`load_result` reads a written folder back into a :class:`~gpec.results.Result` (``explain``,
``compare``).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from gpec.atomic import write_json
from gpec.errors import GpecError
from gpec.results import OUTPUT_FILES, TABLE_COLUMNS, TABLE_FILES, Result, StageReport
from gpec.solvers import STATUSES

#: ``renameat2`` flag exchanging two paths atomically (Linux >= 3.15, glibc >= 2.28).
RENAME_EXCHANGE = 2
_AT_FDCWD = -100
#: Files every run writes (maps, chart and GeoPackage come with a plan, and maps on).
RUN_FILES = (*OUTPUT_FILES, "report.md", "results.xlsx")
#: Columns read as text (codes keep their leading zeros).
_CODES = {name: str for name in ("lever", "pathway", "bassin", "metier", "funder", "zone", "structure", "host",
                                 "origin", "destination", "reservoir", "flow", "kind", "phase", "method", "family", "label",
                                 "unit", "status", "detail")}


def write_outputs(result: Result, out: str | Path, maps: bool = True, budget=None, lang: str = "en",
                  check: bool = False) -> Path:
    """Write the whole run into the folder ``out`` as one unit (module docstring); returns ``out``.

    ``result.applied`` (the instance the model was built from) is needed for the report and the maps.
    ``check``: the independent check (:func:`gpec.solving.check_result`) of a result solved without it
    runs here, while a child process writes the workbook's table sheets (:mod:`gpec.aside`; ``gpec
    solve``: an interrupted run ends sooner). With a :class:`~gpec.solvers.TimeBudget`, writing is
    recorded as its phase ``write`` (the check, when run here, as a phase within it) and
    ``result.timings`` is refreshed before ``result.json`` is written. ``lang`` (``en`` or ``fr``) is the
    language of what people read: ``report.md``, the workbook ``results.xlsx`` and the maps.

    Raises
    ------
    GpecError
        When ``out`` exists and is not a folder, or cannot be written (nothing already there is lost).
    """
    from gpec.aside import aside
    from gpec.charts import write_inflow_chart
    from gpec.geo.maps import write_geopackage, write_maps
    from gpec.report import write_report
    from gpec.solving import check_result
    from gpec.workbook import write_workbook

    def fill(stage: Path) -> None:
        phase = budget.split("write", None) if budget is not None else contextlib.nullcontext()
        instance = result.applied

        def workbook(receive) -> None:  # in a child (gpec.aside): the tables, then the check's outcome
            def checked() -> None:
                result.violations, result.violation_details = receive()

            write_workbook(result, instance, stage / "results.xlsx", lang=lang, checked=checked if check else None)

        with phase as within, aside(workbook, "results.xlsx") as child:  # the rest meanwhile
            if check:
                check_result(result, within)
                child.send((result.violations, result.violation_details))
            result.write(stage)
            write_report(result, instance, stage / "report.md", lang=lang)
            if result.has_solution:
                write_inflow_chart(result, stage / "inflows.png", lang=lang)
                if maps:
                    _draw_maps(result, instance, stage, lang, write_maps, write_geopackage)
        if budget is not None:
            result.timings = budget.report()
            write_json(stage / "result.json", result.summary())  # again, with the time of writing

    return write_folder(out, fill)


def write_folder(out: str | Path, fill: Callable[[Path], None],
                 written: Callable[[str], bool] | None = None) -> Path:
    """Write the folder ``out`` as one unit (module docstring): ``fill(stage)`` writes every file into the
    staging folder ``.<name>.staging-<pid>`` beside ``out``, which then replaces ``out`` in one step; returns
    the folder written (when ``out`` is a symbolic link, the folder it points to).

    ``out`` is checked first (:func:`check_out`, with ``written`` telling by its name whether a file is one
    this command writes; default: those of ``gpec solve``) and what runs killed hard left beside it is
    removed (:func:`remove_leftovers`). Whatever ``fill`` raises, or a failure to swap, leaves ``out`` as
    it was and no staging folder.

    Raises
    ------
    GpecError
        When ``out`` is refused (:func:`check_out`) or cannot be written (an ``OSError`` of ``fill`` or of
        the swap: a full disk, no permission); nothing already there is lost.
    """
    out = check_out(out, written)
    remove_leftovers(out)
    stage = out.parent / f".{out.name}.staging-{os.getpid()}"
    try:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        fill(stage)
        _swap(stage, out)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise GpecError(f"--out {out}: cannot write the results ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out


def _draw_maps(result: Result, instance, stage: Path, lang: str, write_maps, write_geopackage) -> None:
    """The maps and the GeoPackage into ``stage`` (:func:`draw_or_say`)."""
    def draw() -> None:
        write_maps(result, instance, stage, lang=lang)
        write_geopackage(result, instance, stage / "results.gpkg")

    why = draw_or_say(draw, lambda: [*stage.glob("map_*.png"), stage / "results.gpkg"])
    if why:
        result.message += f"; maps not drawn ({why})"
        write_json(stage / "result.json", result.summary())


def draw_or_say(draw: Callable[[], object], drawn: Callable[[], list[Path]]) -> str | None:
    """Run ``draw()``; None when it drew. A map is not worth the plan: when drawing fails (a bug, a
    library's), the files ``drawn()`` lists are removed and the words that say why are returned (for the
    result's message), so that the tables and the rest are written as usual. A failure to write
    (``OSError``: a full disk) still fails the whole write."""
    try:
        draw()
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 — any failure of drawing, reported in the result
        for path in drawn():
            path.unlink(missing_ok=True)
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def check_out(out: str | Path, written: Callable[[str], bool] | None = None) -> Path:
    """The output folder to write (a symbolic link: the folder it points to). ``written(name)`` tells
    whether a file of that name is one the command writes (default: those of ``gpec solve``).

    Raises
    ------
    GpecError
        When ``out`` is a file, the current folder or one above it, or a folder holding files that gpec
        does not write (they would be lost when the folder is replaced).
    """
    written = written or _written_by_gpec
    given = Path(out)
    out = given.resolve() if given.is_symlink() else given
    if out.exists() and not out.is_dir():
        raise GpecError(f"--out {given}: exists and is not a folder")
    if out.exists() and Path.cwd().resolve().is_relative_to(out.resolve()):
        raise GpecError(f"--out {given}: the current folder or one above it; choose a folder of its own")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if not written(p.name))
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
    is ``None``. Everything read is checked first, so that a reader (``explain``, ``compare``,
    ``alternatives``) never works on a foreign or damaged folder: ``result.json`` must be the JSON object
    of a gpec solve, with every required key of :data:`HEAD_FIELDS` (and, in each stage of ``stages``,
    every field of :data:`STAGE_FIELDS`), each key it has of the type written; every table of
    :data:`~gpec.results.TABLE_FILES` must be there, complete (ending with its last line's newline), with
    its columns, numbers where numbers belong. Keys this version does not know, in ``result.json`` or in a
    stage, are ignored (forward compatibility: a later version may write more), so a ``result.json``
    written by this version or a later one that keeps these keys loads.

    Raises
    ------
    GpecError
        In one line naming the folder or the file (and the key, row or column) and what is wrong: a
        folder that does not exist, is empty or is the output of another command; a ``result.json``
        missing, unreadable, truncated, or not that of a gpec solve (a required key missing, a key of
        another type: named, ``stages`` with the stage); a table missing or damaged.
    """
    out = Path(out)
    head_path = _result_file(out)
    try:
        text = head_path.read_text(encoding="utf-8")
        head = json.loads(text, parse_constant=_no_constant)
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise GpecError(f"{head_path}: not a readable result ({_first_line(exc)}; damaged or truncated?)") from None
    _check_head(head_path, head)
    try:
        values = _result_values(head)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise GpecError(f"{head_path}: not a result this version of gpec reads ({type(exc).__name__}: {exc})") from None
    for name, file in TABLE_FILES.items():
        values[name] = _read(out / file, TABLE_COLUMNS[name], required=True)
    from gpec.shadow import COLUMNS as PRICE_COLUMNS

    prices = out / "shadow_prices.csv"  # not written by older runs without shadow prices
    values["shadow_prices"] = _read(prices, PRICE_COLUMNS) if prices.is_file() else pd.DataFrame()
    return Result(**values)


#: Files that mark the output folder of another command than ``gpec solve`` (or an instance), and what
#: the folder is then.
OTHER_OUTPUTS = {"sweep.json": "a gpec sweep folder (read it with gpec sweep-report)",
                 "alternatives.json": "the output of gpec alternatives",
                 "breakeven.csv": "the output of gpec breakeven",
                 "comparison.json": "the output of gpec compare",
                 "group_posts.csv": "the output of gpec groups",
                 "instance.yaml": "an instance folder (solve it first: gpec solve FOLDER --out OUT)"}


def _result_file(out: Path) -> Path:
    """``out/result.json``, once ``out`` is known to be a folder that holds one.

    Raises
    ------
    GpecError
        When ``out`` does not exist, is not a folder, is empty, or has no ``result.json`` (naming what the
        folder is, when another command wrote it).
    """
    if not out.exists():
        raise GpecError(f"{out}: no such folder (give the output folder of a gpec solve)")
    if not out.is_dir():
        raise GpecError(f"{out}: not a folder (give the output folder of a gpec solve)")
    head_path = out / "result.json"
    if head_path.is_file():
        return head_path
    if not any(out.iterdir()):
        raise GpecError(f"{out}: empty folder, no result.json (not the output folder of a gpec solve)")
    other = next((what for marker, what in OTHER_OUTPUTS.items() if (out / marker).exists()), None)
    if other:
        raise GpecError(f"{out}: {other}, no result.json (not the output folder of a gpec solve)")
    raise GpecError(f"{out}: no result.json (not the output folder of a gpec solve)")


def _no_constant(name: str):
    """JSON has no NaN or Infinity (gpec writes null): one in result.json is damage."""
    raise ValueError(f"{name} is not JSON (gpec writes null)")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- the keys of result.json --------------------------------------------------------------------------

def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _count(v) -> bool:
    return _whole(v) and v >= 0


def _text(v) -> bool:
    return isinstance(v, str)


def _flag(v) -> bool:
    return isinstance(v, bool)


def _or_null(check):
    return lambda v: v is None or check(v)


def _list_of(check):
    return lambda v: isinstance(v, list) and all(check(x) for x in v)


def _dict_of(check, key=_text):
    return lambda v: isinstance(v, dict) and all(key(k) and check(x) for k, x in v.items())


def _record(required: dict | None = None, optional: dict | None = None):
    """A JSON object with the ``required`` keys and any of the ``optional`` ones, each passing its check
    (other keys are let through)."""
    required, optional = required or {}, optional or {}

    def check(v) -> bool:
        return (isinstance(v, dict) and all(k in v and c(v[k]) for k, c in required.items())
                and all(c(v[k]) for k, c in optional.items() if k in v))
    return check


def _horizon(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_whole(y) for y in v) and v[0] <= v[1]


def _year_key(k) -> bool:
    return isinstance(k, str) and k.lstrip("-").isdigit()


def _phase(v) -> bool:
    """A timed phase of ``timings`` (its own phases nested)."""
    return _record(optional={"start_s": _or_null(_number), "limit_s": _or_null(_number),
                             "seconds": _or_null(_number), "phases": _dict_of(_phase)})(v)


def _nonnegative(v) -> bool:
    return _number(v) and v >= 0


def _share(v) -> bool:
    return _number(v) and 0 <= v <= 1


_SECONDS = ("a number of seconds, not negative", _nonnegative)
_NUMBER_OR_NULL = ("a finite number or null", _or_null(_number))
_TEXT = ("a string", _text)
#: ``result.json`` of a gpec solve: key -> (required, what its value must be, the check). Keys not listed
#: (written by a later version) are let through.
HEAD_FIELDS = {
    "status": (True, f"one of {', '.join(STATUSES)}", lambda v: v in STATUSES),
    "objective": (True, *_NUMBER_OR_NULL), "bound": (True, *_NUMBER_OR_NULL),
    "gap": (True, "a number, not negative, or null", _or_null(_nonnegative)),
    "cost": (True, *_NUMBER_OR_NULL), "runtime_s": (True, *_SECONDS), "solver": (True, *_TEXT),
    "instance": (True, *_TEXT), "instance_sha256": (True, *_TEXT),
    "horizon": (True, "[first, last] years", _horizon),
    "levers": (False, "a list of lever names", _list_of(_text)),
    "budgets": (False, "funder -> year -> EUR", _dict_of(_dict_of(_number, key=_year_key))),
    "overrides": (True, "parameter -> number", _dict_of(_number)),
    "mip_gap": (True, "a share in [0, 1]", _share), "cost_gap": (True, "a share in [0, 1]", _share),
    "time_limit": (True, *_SECONDS),
    "n_variables": (True, "a count", _count), "n_integer": (True, "a count", _count),
    "n_constraints": (True, "a count", _count), "build_s": (True, *_SECONDS),
    "stages": (True, "a list of stages (objects: name, status, objective, bound, gap, runtime_s, solver_status)",
               _list_of(lambda s: isinstance(s, dict))),  # each stage's fields: STAGE_FIELDS
    "message": (False, *_TEXT),
    "violations": (False, "a count or null", _or_null(_count)),
    "violation_details": (False, "a list of objects", _list_of(lambda d: isinstance(d, dict))),
    "diagnosis": (False, "null or a diagnosis", _or_null(_record(optional={
        "lp_relaxation": _or_null(_text), "iis": _or_null(_text), "conflict_size": _count,
        "conflict": _list_of(_record({"text": _text, "bound": _text}, {"family": _text})),
        "budget_increase": _list_of(_record({"funder": _text, "year": _whole, "increase_eur": _number,
                                             "envelope_eur": _number})),
        "suggested_budgets": _dict_of(_number), "suggested_service_level": _or_null(_number),
        "suggestion": _or_null(_text)}))),
    "verification": (False, "null or a verification", _or_null(_record(
        {"solver": _text, "status": _text},
        {**{k: _or_null(_number) for k in ("objective", "bound", "gap", "cost", "runtime_s", "relative_difference")},
         **{k: _or_null(_flag) for k in ("start_kept", "bounds_agree", "incumbents_within_gap",
                                         "incumbents_within_1pct", "agree")},
         "started_from": _or_null(_text)}))),
    "service_level": (False, "a share in [0, 1] or null", _or_null(_share)),
    "min_places": (False, "métier -> places", _dict_of(_number)),
    "timings": (False, "the run's timings (limit_s, total_s, phases)",
                lambda v: v == {} or _record({"limit_s": _number}, {"total_s": _or_null(_number),
                                                                    "reserve_s": _or_null(_number),
                                                                    "phases": _dict_of(_phase)})(v)),
    "budget_carry_over": (False, "a share in [0, 1]", _share), "tail_years": (False, "a count", _count),
    "instance_folder": (False, *_TEXT), "instance_path": (False, *_TEXT), "reference_folder": (False, *_TEXT),
    "solution_limit": (False, "a count or null", _or_null(_count)),
    "funders": (False, "code -> kind, territory, name",
                _dict_of(_record(optional={"kind": _text, "territory": _text, "name": _text}))),
    "reference_change": (False, *_NUMBER_OR_NULL),
}

#: A stage of ``stages`` in ``result.json`` (:class:`~gpec.results.StageReport`): field -> (what its value
#: must be, the check); every field is required, other keys are let through (and not read).
STAGE_FIELDS = {"name": _TEXT, "status": _TEXT, "objective": _NUMBER_OR_NULL, "bound": _NUMBER_OR_NULL,
                "gap": _NUMBER_OR_NULL, "runtime_s": ("a finite number", _number), "solver_status": _TEXT}


def _check_head(path: Path, head) -> None:
    """``head``, read from ``path``, is the result.json of a gpec solve (:data:`HEAD_FIELDS`).

    Raises
    ------
    GpecError
        Naming the first key missing or of the wrong type, or what the file is instead.
    """
    if not isinstance(head, dict):
        raise GpecError(f"{path}: not the result of a gpec solve (a JSON {type(head).__name__}, not an object)")
    if "post_type" in head:
        raise GpecError(f"{path}: the result of gpec groups, not of a gpec solve (explain and compare read the "
                        "output folders of gpec solve)")
    if head.get("by_region") is True:
        raise GpecError(f"{path}: the result of gpec solve --by-region: give one région's folder "
                        "(OUT/regions/<name>)")
    if not {"status", "horizon", "stages", "instance"} & set(head):
        raise GpecError(f"{path}: not the result of a gpec solve (none of its keys: status, horizon, stages, "
                        "instance)")
    for key, (required, what, check) in HEAD_FIELDS.items():
        if key not in head:
            if required:
                raise GpecError(f"{path}: key '{key}' is missing (a damaged result.json, or not of a gpec solve)")
            continue
        if not check(head[key]):
            raise GpecError(f"{path}: key '{key}' is {_shown(head[key])}, expected {what} (a damaged result.json?)")
    for number, stage in enumerate(head["stages"], start=1):
        _check_stage(path, number, stage)


def _check_stage(path: Path, number: int, stage: dict) -> None:
    """Stage ``number`` (1-based) of ``stages`` has every field of :data:`STAGE_FIELDS`, each of its type.

    Raises
    ------
    GpecError
        Naming the file, the key ``stages``, the stage (its number and name) and the field.
    """
    name = stage.get("name")
    where = f"{path}: key 'stages', stage {number}" + (f" ({name})" if isinstance(name, str) else "")
    for field, (what, check) in STAGE_FIELDS.items():
        if field not in stage:
            raise GpecError(f"{where}: field '{field}' is missing (a damaged result.json, or not of a gpec solve)")
        if not check(stage[field]):
            raise GpecError(f"{where}: field '{field}' is {_shown(stage[field])}, expected {what} "
                            "(a damaged result.json?)")


def _shown(value) -> str:
    """A JSON value as messages show it: at most 60 characters."""
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 60 else shown[:57] + "..."


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
    values["stages"] = [StageReport(**{k: nan if s[k] is None else s[k] for k in STAGE_FIELDS})
                        for s in head["stages"]]  # keys a later version adds are not read
    return values


# -- the tables -------------------------------------------------------------------------------------

def _read(path: Path, columns, required: bool = False) -> pd.DataFrame:
    """A table of an output folder: ``columns`` must be there (unless the file holds no column at all,
    as gpec writes an empty table), and those that are not codes (:data:`_CODES`) or flags
    (``binding``) hold numbers or nothing; ``required``: the file must exist and have its header.

    Raises
    ------
    GpecError
        Naming the file (and the column or row) of a table missing, truncated, unreadable, without one of
        ``columns`` or with text where numbers belong.
    """
    if not path.is_file():
        if required:
            raise GpecError(f"{path}: missing (the output folder is incomplete: run gpec solve again)")
        return pd.DataFrame(columns=list(columns or []))
    size, last = _size_and_last_byte(path)
    if size and last != b"\n":
        raise GpecError(f"{path}: truncated (its last line is incomplete: run gpec solve again)")
    if size <= 1:  # gpec writes a table without columns as one newline
        if required:
            raise GpecError(f"{path}: empty, without its header line (damaged: run gpec solve again)")
        return pd.DataFrame(columns=list(columns or []))
    try:
        table = pd.read_csv(path, dtype=_CODES, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise GpecError(f"{path}: not a readable table ({_first_line(exc)})") from None
    missing = [c for c in (columns or ()) if c not in table.columns]
    if missing:
        raise GpecError(f"{path}, column '{missing[0]}': missing (not a table of gpec solve, or damaged)")
    numbers = [c for c in (columns or ()) if c in table.columns and c not in _CODES and c != "binding"]
    for column in numbers:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy() & table[column].notna().to_numpy())
        if bad.size:
            i = int(bad[0])
            raise GpecError(f"{path}, row {i + 1}, column '{column}': '{table[column].iloc[i]}' is not a number "
                            f"(file line {i + 2}; damaged?)")
        table[column] = values
    for name in ("pathway", "metier", "zone"):  # empty codes stay empty text
        if name in table:
            table[name] = table[name].fillna("")
    return table


def _size_and_last_byte(path: Path) -> tuple[int, bytes]:
    """The size of a file and its last byte (empty for an empty file)."""
    with path.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        if not size:
            return 0, b""
        f.seek(size - 1)
        return size, f.read(1)
