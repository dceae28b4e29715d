"""Export a model with readable names: MPS/LP files (written by HiGHS) and a Pyomo ConcreteModel.

Column and row names are the block labels with the index joined by ``_``, e.g. ``stock(40088_as_2030)``
or ``budget(departement_2028)``, so a user with another solver (Gurobi, CPLEX) can read and solve it.
The objective exported is the first lexicographic stage (weighted unmet need).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from gpec.atomic import write_atomic
from gpec.models.linear import Block, LinearModel

_UNSAFE = re.compile(r"[^A-Za-z0-9_.]")


def names(blocks: dict[str, Block]) -> list[str]:
    """One readable, solver-safe name per column (or row), in model order."""
    out = []
    for block in blocks.values():
        for key in block.index:
            key = key if isinstance(key, tuple) else (key,)
            out.append(f"{block.name}({_UNSAFE.sub('', '_'.join(str(k) for k in key))})")
    return out


def write_model(lp: LinearModel, objective: str, path: Path | str) -> Path:
    """Write the model in MPS or LP format (by the file's extension) with readable names."""
    from gpec.solvers.highs import HighsBackend

    path = Path(path)
    if path.suffix not in (".mps", ".lp"):
        raise ValueError(f"{path}: the extension must be .mps or .lp")
    backend = HighsBackend(lp)
    backend.set_objective(lp.objective_vector(objective))
    for j, name in enumerate(names(lp.columns)):
        backend.h.passColName(j, name)
    for i, name in enumerate(names(lp.rows)):
        backend.h.passRowName(i, name)
    return write_atomic(path, lambda tmp: backend.h.writeModel(str(tmp)))


def to_pyomo(lp: LinearModel, objective: str = "unmet"):
    """A Pyomo ConcreteModel of the same model: variables ``x[name]``, constraints ``c[name]``."""
    import pyomo.environ as pyo

    arrays = lp.to_arrays()
    col_names, row_names = names(lp.columns), names(lp.rows)
    model = pyo.ConcreteModel()
    model.x = pyo.Var(col_names)
    for j, name in enumerate(col_names):
        var = model.x[name]
        var.domain = pyo.Integers if arrays["integer"][j] else pyo.Reals
        lo, hi = arrays["col_lower"][j], arrays["col_upper"][j]
        var.setlb(float(lo) if np.isfinite(lo) else None)
        var.setub(float(hi) if np.isfinite(hi) else None)
    csr = arrays["matrix"]

    def row_rule(m, name):
        i = row_index[name]
        start, end = csr.indptr[i], csr.indptr[i + 1]
        body = sum(float(v) * m.x[col_names[j]] for j, v in zip(csr.indices[start:end], csr.data[start:end]))
        lo, hi = arrays["row_lower"][i], arrays["row_upper"][i]
        return (float(lo) if np.isfinite(lo) else None, body, float(hi) if np.isfinite(hi) else None)

    row_index = {name: i for i, name in enumerate(row_names)}
    model.c = pyo.Constraint(row_names, rule=row_rule)
    cost = lp.objective_vector(objective)
    model.objective = pyo.Objective(expr=sum(float(cost[j]) * model.x[col_names[j]] for j in np.flatnonzero(cost)),
                                    sense=pyo.minimize)
    return model
