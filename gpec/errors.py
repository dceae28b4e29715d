"""Errors gpec raises on purpose: each names what the user must fix.

The CLI turns any :class:`GpecError` into one line on stderr and exit code 2.
"""

from __future__ import annotations


class GpecError(Exception):
    """A problem the user can fix (bad input, bad option, missing file)."""


class InputError(GpecError):
    """Bad input data, located by file, row and column.

    Parameters
    ----------
    file : str
        Path of the offending file (as given by the user).
    message : str
        What is wrong, in plain words.
    row : int, optional
        1-based data row (the header is row 0), as a spreadsheet user counts rows below the header.
    column : str, optional
        Column name.
    key : str, optional
        The key of a YAML file (``instance.yaml``: ``horizon``), instead of a row and column.
    """

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None,
                 key: str | None = None):
        self.file, self.row, self.column, self.key, self.message = str(file), row, column, key, message
        where = self.file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        if key is not None:
            where += f", key '{key}'"
        super().__init__(f"{where}: {message}")
