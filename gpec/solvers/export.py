"""Export a model with readable names: MPS/LP files (written by HiGHS); :mod:`gpec.solvers.pyomo` gives a
Pyomo ConcreteModel with the same names.

Column and row names are the block labels with the index joined by ``_``, e.g. ``stock(40088_as_2030)``
or ``budget(departement_2028)``, so a user with another solver (Gurobi, CPLEX) can read and solve it.
The objective exported is the first lexicographic stage (weighted unmet need).
"""

from __future__ import annotations

import re
from pathlib import Path

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
