"""A backend-neutral linear model in sparse standard form, built in labelled blocks.

Model modules speak in domain terms (a block of variables indexed by ``(bassin, metier, year)``); this
module owns the index arithmetic: each block of columns or rows has a name and a pandas index, so any
column or row maps back to a label such as ``stock_balance[40088, as, 2030]``. The arrays are handed to a
solver once (:meth:`LinearModel.to_arrays`), with no Python loop per variable.

    minimise    c_k^T x          (one cost vector per named objective k, solved lexicographically)
    subject to  row_lo <= A x <= row_hi,   col_lo <= x <= col_hi,   x_j integer for j in J

Matrix coefficients with :math:`|a| <` :data:`TINY_COEFFICIENT` are dropped when terms are added, before
they are stored: HiGHS treats them as zero anyway (its option ``small_matrix_value``, 1e-9 by default),
and building them only to have them dropped made large instances' matrices grow with the square of the
bassins (settlement weights that never reach zero). Objective coefficients are kept as given.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

#: Matrix coefficients smaller than this in absolute value are not stored (HiGHS's default
#: ``small_matrix_value``: it would drop them at hand-off; OR-Tools/SCIP treat them as numerical noise).
TINY_COEFFICIENT = 1e-9


def row_positions(index: pd.Index, frame: pd.DataFrame, columns) -> np.ndarray:
    """Positions in ``index`` of the labels held in ``frame[columns]`` (empty frames give an empty array).

    Raises ``KeyError`` if a label is not in ``index``: a model-building bug, never user input.
    """
    columns = list(columns)
    if len(columns) > 1 and all(_coded(frame[c]) for c in columns):
        found = _coded_positions(index, frame, columns)
    else:
        labels = pd.MultiIndex.from_frame(frame[columns]) if len(columns) > 1 else pd.Index(frame[columns[0]])
        found = np.asarray(index.get_indexer(labels), dtype=np.int64)
    if (found < 0).any():
        first = int(np.flatnonzero(found < 0)[0])
        raise KeyError(f"label {tuple(frame[c].iloc[first] for c in columns)} not in {list(index.names)}")
    return found


def _coded(values: pd.Series) -> bool:
    """Whether a column's labels can be looked up without hashing each one: categorical or whole numbers."""
    return isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_integer_dtype(values.dtype)


def label_codes(labels: pd.Index, values: pd.Series) -> np.ndarray:
    """Positions in ``labels`` of ``values`` (-1 where absent); a categorical's categories are looked up
    once, not each value."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        found = np.append(labels.get_indexer(values.cat.categories), -1)  # code -1 (NaN) -> -1
        return found[values.cat.codes.to_numpy()]
    return labels.get_indexer(values.to_numpy())


def _coded_positions(index: pd.MultiIndex, frame: pd.DataFrame, columns: list) -> np.ndarray:
    """:func:`row_positions` of categorical or whole-number columns: each label's code in each level of
    ``index`` (a categorical column's categories are looked up once), the codes combined into one whole
    number per label and per row of ``index``; -1 for a label not in ``index``."""
    keys, wanted, known = np.zeros(len(index), np.int64), np.zeros(len(frame), np.int64), np.ones(len(frame), bool)
    for k, column in enumerate(columns):
        level = index.levels[k]
        codes = label_codes(level, frame[column])
        known &= codes >= 0
        size = len(level) + 1
        keys, wanted = keys * size + index.codes[k], wanted * size + codes
    return np.where(known, pd.Index(keys).get_indexer(wanted), -1).astype(np.int64)


@dataclass(frozen=True)
class Block:
    """A named range of columns (variables) or rows (constraints) with its pandas index."""

    name: str
    index: pd.Index
    start: int

    @property
    def size(self) -> int:
        return len(self.index)

    @property
    def positions(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size)

    def locate(self, labels: pd.DataFrame | pd.Index) -> np.ndarray:
        """Global positions of the given labels (a frame with the index's level names as columns).

        Raises ``KeyError`` if a label is not in the block: a model-building bug, never user input.
        """
        if not isinstance(labels, pd.DataFrame):
            labels = labels.to_frame(index=False, name=list(self.index.names))
        try:
            return row_positions(self.index, labels, self.index.names) + self.start
        except KeyError as exc:
            raise KeyError(f"{self.name}: {exc.args[0]}") from None

    def values(self, x: np.ndarray) -> pd.Series:
        """The block's values in ``x`` (a solution of its columns or the activity of its rows), by label."""
        return pd.Series(x[self.start:self.start + self.size], index=self.index, name=self.name)

    def label(self, position: int) -> str:
        key = self.index[position - self.start]
        key = key if isinstance(key, tuple) else (key,)
        return f"{self.name}[{', '.join(str(k) for k in key)}]"


@dataclass
class LinearModel:
    """Columns, rows and named objectives of a (mixed-integer) linear program."""

    columns: dict[str, Block] = field(default_factory=dict)
    rows: dict[str, Block] = field(default_factory=dict)
    _col_lo: list = field(default_factory=list)
    _col_hi: list = field(default_factory=list)
    _integer: list = field(default_factory=list)
    _row_lo: list = field(default_factory=list)
    _row_hi: list = field(default_factory=list)
    _entries: list = field(default_factory=list)  # (rows, cols, vals)
    _objective_parts: dict = field(default_factory=dict)
    n_cols: int = 0
    n_rows: int = 0

    # -- building -----------------------------------------------------------------------------
    def add_variables(self, name: str, index: pd.Index, lower=0.0, upper=np.inf, integer=False) -> Block:
        """Add one column per label of ``index``; ``integer`` is a flag or one flag per column."""
        if name in self.columns:
            raise ValueError(f"variable block {name} exists")
        block = Block(name, index, self.n_cols)
        n = len(index)
        self._col_lo.append(np.broadcast_to(np.asarray(lower, float), (n,)).copy())
        self._col_hi.append(np.broadcast_to(np.asarray(upper, float), (n,)).copy())
        self._integer.append(np.broadcast_to(np.asarray(integer, bool), (n,)).copy())
        self.columns[name] = block
        self.n_cols += n
        return block

    def add_constraints(self, name: str, index: pd.Index, terms, lower=-np.inf, upper=np.inf) -> Block:
        """Add one row per label of ``index``.

        ``terms`` is an iterable of ``(row_local, col_global, coef)`` arrays: ``row_local`` counts from
        0 within this block (e.g. from ``index.get_indexer``), ``col_global`` from :meth:`Block.locate`.
        """
        if name in self.rows:
            raise ValueError(f"constraint block {name} exists")
        block = Block(name, index, self.n_rows)
        n = len(index)
        for rows, cols, vals in terms:
            rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
            vals = np.broadcast_to(np.asarray(vals, float), rows.shape)
            if rows.size and (rows.min() < 0 or rows.max() >= n):
                raise IndexError(f"{name}: row out of range")
            self._store(rows + block.start, cols, vals)
        self._row_lo.append(np.broadcast_to(np.asarray(lower, float), (n,)).copy())
        self._row_hi.append(np.broadcast_to(np.asarray(upper, float), (n,)).copy())
        self.rows[name] = block
        self.n_rows += n
        return block

    def add_to_rows(self, name: str, rows_local, cols, coefs) -> None:
        """Add terms to rows of an existing block (e.g. elastic columns of a diagnosis)."""
        block = self.rows[name]
        rows_local = np.asarray(rows_local, np.int64)
        if rows_local.size and (rows_local.min() < 0 or rows_local.max() >= block.size):
            raise IndexError(f"{name}: row out of range")
        vals = np.broadcast_to(np.asarray(coefs, float), rows_local.shape)
        self._store(rows_local + block.start, np.asarray(cols, np.int64), vals)

    def _store(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """Store copies of the entries, leaving out those smaller than :data:`TINY_COEFFICIENT` in absolute
        value (NaN is kept, for the solver hand-off to refuse); positions as 32-bit integers, as HiGHS
        takes them (16 bytes an entry instead of 24)."""
        cols = np.broadcast_to(cols, rows.shape)
        keep = ~(np.abs(vals) < TINY_COEFFICIENT)
        if not keep.all():
            rows, cols, vals = rows[keep], cols[keep], np.asarray(vals)[keep]
        self._entries.append((rows.astype(np.int32), cols.astype(np.int32), np.array(vals, float)))

    def column_bounds(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the lower and upper bounds of one variable block."""
        k = list(self.columns).index(name)
        return self._col_lo[k].copy(), self._col_hi[k].copy()

    def set_column_bounds(self, name: str, lower, upper) -> None:
        """Change the bounds of one variable block before the model is handed to a solver."""
        k = list(self.columns).index(name)
        n = self.columns[name].size
        self._col_lo[k] = np.broadcast_to(np.asarray(lower, float), (n,)).copy()
        self._col_hi[k] = np.broadcast_to(np.asarray(upper, float), (n,)).copy()

    def copy(self) -> "LinearModel":
        """A copy whose column bounds and integrality can be changed without touching this model (rows,
        entries and objectives are shared: add none to either)."""
        return replace(self, columns=dict(self.columns), _col_lo=list(self._col_lo), _col_hi=list(self._col_hi),
                       _integer=list(self._integer))

    def set_integer(self, name: str, integer) -> None:
        """Change the integrality of one variable block (a flag or one flag per column)."""
        k = list(self.columns).index(name)
        self._integer[k] = np.broadcast_to(np.asarray(integer, bool), (self.columns[name].size,)).copy()

    def add_objective(self, objective: str, cols, coefs) -> None:
        """Add ``coefs`` to the cost of ``cols`` in the named objective (duplicates are summed)."""
        cols = np.asarray(cols, np.int64)
        self._objective_parts.setdefault(objective, []).append(
            (cols, np.broadcast_to(np.asarray(coefs, float), cols.shape).copy()))

    # -- reading ------------------------------------------------------------------------------
    def objective_vector(self, objective: str) -> np.ndarray:
        c = np.zeros(self.n_cols)
        for cols, vals in self._objective_parts.get(objective, []):
            np.add.at(c, cols, vals)
        return c

    def bounds(self) -> dict[str, np.ndarray]:
        """Column bounds, integrality and row bounds (copies), without the matrix."""
        cat = lambda parts, dtype=float: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
        return {"col_lower": cat(self._col_lo), "col_upper": cat(self._col_hi), "integer": cat(self._integer, bool),
                "row_lower": cat(self._row_lo), "row_upper": cat(self._row_hi)}

    def matrix(self) -> sp.csr_matrix:
        """The constraint matrix, duplicates summed and explicit zeros removed."""
        if self._entries:
            r = np.concatenate([e[0] for e in self._entries])
            c = np.concatenate([e[1] for e in self._entries])
            v = np.concatenate([e[2] for e in self._entries])
        else:
            r = c = np.zeros(0, np.int32)
            v = np.zeros(0)
        matrix = sp.csr_matrix((v, (r, c)), shape=(self.n_rows, self.n_cols))
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return matrix

    def same_matrix(self, other: "LinearModel") -> bool:
        """Whether ``other`` holds this model's very matrix (one is a :meth:`copy` of the other)."""
        return self._entries is other._entries and self.n_rows == other.n_rows and self.n_cols == other.n_cols

    def to_arrays(self) -> dict[str, np.ndarray | sp.csr_matrix]:
        """Column bounds, integrality, the CSR matrix and row bounds."""
        return {**self.bounds(), "matrix": self.matrix()}

    def relaxation(self) -> "LinearModel":
        """A :meth:`copy` with every column continuous (the LP relaxation)."""
        relaxed = self.copy()
        relaxed._integer = [np.zeros(len(flags), bool) for flags in self._integer]
        return relaxed

    def is_integer(self, name: str) -> np.ndarray:
        """Integrality flags of one variable block."""
        return self._integer[list(self.columns).index(name)].copy()

    @property
    def n_integer(self) -> int:
        return int(sum(i.sum() for i in self._integer))

    def values(self, x: np.ndarray, name: str) -> pd.Series:
        """Solution values of one variable block, indexed by its labels."""
        return self.columns[name].values(x)

    def column_label(self, j: int) -> str:
        return _label(self.columns, j)

    def row_label(self, i: int) -> str:
        return _label(self.rows, i)


def block_at(blocks: dict[str, Block], position: int) -> Block:
    """The block (of columns or rows) holding a global position."""
    for block in blocks.values():
        if block.start <= position < block.start + block.size:
            return block
    raise IndexError(position)


def _label(blocks: dict[str, Block], position: int) -> str:
    return block_at(blocks, position).label(position)
