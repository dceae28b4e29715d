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
    """

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        self.file, self.row, self.column, self.message = str(file), row, column, message
        where = self.file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")
