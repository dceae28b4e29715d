"""Atomic file output: a reader never sees a half-written file, and a failed run never clobbers a good one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from gpec.errors import GpecError


def write_atomic(path: Path | str, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` then rename the temporary file onto ``path`` (same folder, atomic on POSIX)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # the writer creates it (some formats, e.g. GeoPackage, refuse an existing empty file)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(path: Path | str, table: pd.DataFrame) -> Path:
    return write_atomic(path, lambda p: table.to_csv(p, index=False, float_format="%.10g"))


def write_json(path: Path | str, data: Any) -> Path:
    def _write(p: Path) -> None:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=_json_default, allow_nan=False)
        p.write_text(text + "\n", encoding="utf-8")

    return write_atomic(path, _write)


def write_text(path: Path | str, text: str) -> Path:
    return write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def check_writable(path: Path, option: str, start: Path | None = None) -> None:
    """The nearest existing folder at or above ``start`` (default: the folder of ``path``), which writing
    ``path`` creates the rest of, is a folder that can be written.

    Raises
    ------
    GpecError
        Naming ``option`` and ``path``, when a path above is a file or that folder cannot be written.
    """
    above = (start if start is not None else Path(path).absolute().parent).absolute()
    while not above.exists():
        above = above.parent
    if not above.is_dir():
        raise GpecError(f"{option} {path}: {above} is a file, not a folder")
    if not os.access(above, os.W_OK | os.X_OK):
        raise GpecError(f"{option} {path}: cannot write in {above} (permission denied)")
