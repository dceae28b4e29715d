"""Model builders: one module per decision family, all building into one :class:`LinearModel`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gpec.models.apprenticeship import add_apprenticeship
from gpec.models.budget import BudgetBlocks, add_budget
from gpec.models.levers import LeverTerms
from gpec.models.linear import LinearModel
from gpec.models.objective import STAGES
from gpec.models.training import add_training
from gpec.models.workforce import WorkforceBlocks, add_workforce

#: Lever name -> builder; the order is the column order of the model.
LEVER_BUILDERS = {"training": add_training, "apprenticeship": add_apprenticeship}


@dataclass
class GpecModel:
    """The built model and the maps from its columns back to domain tables."""

    lp: LinearModel
    horizon: tuple[int, int]
    levers: list[LeverTerms]
    workforce: WorkforceBlocks
    budget: BudgetBlocks
    stages: tuple[str, ...] = STAGES


def build_model(instance, horizon: tuple[int, int], levers: tuple[str, ...] | None = None) -> GpecModel:
    """Build the multi-year MILP of ``instance`` over ``horizon`` with the given levers switched on.

    ``levers=None`` switches every lever on; ``()`` builds the calibrated baseline alone.
    """
    names = tuple(LEVER_BUILDERS) if levers is None else tuple(levers)
    unknown = set(names) - set(LEVER_BUILDERS)
    if unknown:
        raise ValueError(f"unknown lever(s): {', '.join(sorted(unknown))}")
    lp = LinearModel()
    terms = [LEVER_BUILDERS[name](lp, instance, horizon) for name in LEVER_BUILDERS if name in names]
    inflows = pd.concat([t.inflows for t in terms], ignore_index=True) if terms else pd.DataFrame()
    workforce = add_workforce(lp, instance, horizon, inflows)
    budget = add_budget(lp, instance, horizon, terms)
    return GpecModel(lp, horizon, terms, workforce, budget)
