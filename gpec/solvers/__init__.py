"""Solver backends: a backend-neutral :class:`~gpec.models.linear.LinearModel` in, a stage outcome out.

Every backend maps its termination to the one status vocabulary of gpec (:data:`STATUSES`) and declares
what it can do (:class:`Capability`), so callers and tests ask the table instead of naming solvers.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

#: The five status words used everywhere in gpec. ``feasible`` = stopped at a limit with an incumbent.
STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "error")


class Capability(enum.Enum):
    MIP = "mixed-integer programs"
    TIME_LIMIT_INCUMBENT = "returns the incumbent and bound at a time limit"
    WARM_START = "accepts a start solution"
    IN_PLACE_CHANGES = "changes rows, bounds and costs of a live model"
    LP_DUALS = "row duals and reduced costs of linear programs"
    IIS = "irreducible infeasible subsystem (LP)"
    SOLUTION_LIMIT = "stops after a number of improving solutions (deterministic limit)"


@dataclass(frozen=True)
class StageOutcome:
    """What one solve of one objective returned."""

    status: str
    objective: float
    bound: float
    gap: float
    runtime_s: float
    x: np.ndarray | None
    solver_status: str


def relative_gap(objective: float, bound: float) -> float:
    """HiGHS's convention: |objective - bound| / |objective| (0 when they meet, inf without a bound)."""
    if not math.isfinite(bound):
        return math.inf
    diff = abs(objective - bound)
    return 0.0 if diff <= 1e-9 else diff / max(abs(objective), 1e-9)


def get_backend(name: str):
    """The backend class of a solver name."""
    from gpec.errors import GpecError
    from gpec.solvers.highs import HighsBackend
    from gpec.solvers.ortools import OrtoolsBackend

    backends = {HighsBackend.name: HighsBackend, OrtoolsBackend.name: OrtoolsBackend}
    if name not in backends:
        raise GpecError(f"unknown solver '{name}' (available: {', '.join(backends)})")
    return backends[name]
