"""A Pyomo ConcreteModel of a gpec model, so that users with Gurobi, CPLEX or any Pyomo solver can solve
it with their own tools: variables ``x[name]`` and constraints ``c[name]`` with the readable names of
:func:`gpec.solvers.export.names` (e.g. ``stock(40088_as_2030)``); the objective is one lexicographic
stage (weighted unmet need by default).
"""

from __future__ import annotations

import numpy as np

from gpec.models.linear import LinearModel
from gpec.solvers.export import names


def to_pyomo(model, objective: str = "unmet"):
    """A Pyomo ConcreteModel of ``model`` (a :class:`~gpec.models.GpecModel` or its LinearModel):
    variables ``x[name]``, constraints ``c[name]``, the named objective minimised."""
    import pyomo.environ as pyo

    lp: LinearModel = getattr(model, "lp", model)
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
