r"""Model builders: one module per decision family, all building into one :class:`LinearModel`.

**Objective**: lexicographic in two stages (three with a reference plan), :data:`STAGES`.

1. ``unmet``: minimise weighted unmet need in FTE-years, :math:`z_1 = \sum_{b,m,t} w_m U_{b,m,t}` over the
   model years, the horizon and its tail (:mod:`gpec.models.workforce`) (weights ``unmet_weight``, 1 by
   default: every FTE-year counts the same).
2. ``cost``: minimise total spending :math:`z_2 = \sum_{\ell,f,z,t} P_{\ell,f,z,t}` subject to
   :math:`z_1 \le z_1^*`, the stage-1 incumbent, so stage 2 never worsens stage 1; it removes spending
   that buys nothing (e.g. surplus staff) and picks the cheapest of equally good plans.
3. ``change``, only when a reference plan is given: minimise the units moved from it subject to
   :math:`z_1 \le z_1^*` and :math:`z_2 \le z_2^*` (:mod:`gpec.models.stability`).

Both cost vectors are registered by the modules that own the columns (:mod:`gpec.models.workforce`,
:mod:`gpec.models.budget`); this module names the order. The caps :math:`z_1 \le z_1^*` (and
:math:`z_2 \le z_2^*`) are not blocks of the :class:`LinearModel`: the solve adds each to the live solver
model once its stage is done, with a hair of slack (:math:`10^{-7}` relative) for floating point
(:mod:`gpec.solving`). :mod:`gpec.models.alternatives` adds a stage of its own, ``distance``, for
near-optimal alternatives.

Each model module's docstring ends with a ``Constraints`` section naming the row blocks it adds to the
:class:`LinearModel`, each with its formula (``tests/test_docstrings.py`` checks that the module builds
exactly those).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpec.models.budget import BudgetBlocks, add_budget
from gpec.models.labour_pool import add_labour_pool
from gpec.models.levers import LeverTerms
from gpec.models.linear import Block, LinearModel, row_positions
from gpec.models.registry import REGISTRY
from gpec.models.stability import STAGE as CHANGE_STAGE
from gpec.models.stability import add_stability
from gpec.models.targets import add_targets
from gpec.models.workforce import WorkforceBlocks, add_workforce_columns, add_workforce_rows

#: The lexicographic stages, in order (module docstring).
STAGES: tuple[str, ...] = ("unmet", "cost")

#: Lever name -> builder (:data:`gpec.models.registry.REGISTRY`); the order is the column order of the model.
LEVER_BUILDERS = {name: spec.build for name, spec in REGISTRY.items()}


@dataclass
class GpecModel:
    """The built model and the maps from its columns back to domain tables."""

    lp: LinearModel
    horizon: tuple[int, int]
    levers: list[LeverTerms]
    workforce: WorkforceBlocks
    budget: BudgetBlocks
    stages: tuple[str, ...] = STAGES
    #: units of the reference plan with no column in this model (``None``: no reference)
    reference_unmatched: float | None = None
    #: the ``labour_pool`` rows (``None``: the instance has no labour pool)
    labour_pool: Block | None = None
    #: the column of the required service level (``None``: no service level is required)
    service_level: Block | None = None

    def lever(self, name: str) -> LeverTerms | None:
        """The terms of lever ``name`` (``None`` when it is switched off)."""
        return next((terms for terms in self.levers if terms.lever == name), None)

    def effect_values(self, x: np.ndarray, kind: str) -> np.ndarray:
        """FTE the levers add to the stock (``kind="inflows"``) or cover without being stock
        (``kind="cover"``, pools) in solution ``x``, aligned with the workforce index."""
        total = np.zeros(self.workforce.stock.size)
        for lever in self.levers:
            effects = getattr(lever, kind)
            rows = row_positions(self.workforce.stock.index, effects, ["bassin", "metier", "year"])
            np.add.at(total, rows, effects["fte"].to_numpy() * x[effects["col"].to_numpy(dtype=np.int64)])
        return total

    def tighten(self, x: np.ndarray) -> np.ndarray:
        return self.workforce.tighten(x, self.effect_values(x, "cover"))


def build_model(instance, horizon: tuple[int, int], levers: tuple[str, ...] | None = None,
                service_level: float | None = None, min_places: dict[str, int] | None = None,
                tail: int | None = None, reference=None) -> GpecModel:
    """Build the multi-year MILP of ``instance``: decisions over ``horizon``, the model over ``horizon``
    and ``tail`` more years (:mod:`gpec.models.workforce`) with the given levers switched on.

    ``levers=None`` switches every lever on; ``()`` builds the calibrated baseline alone.
    ``service_level`` and ``min_places`` are hard targets (:mod:`gpec.models.targets`). ``tail=None``
    takes :func:`default_tail`. A ``reference`` decision table adds the third stage ``change``
    (:mod:`gpec.models.stability`).
    """
    names = tuple(REGISTRY) if levers is None else tuple(levers)
    unknown = set(names) - set(REGISTRY)
    if unknown:
        raise ValueError(f"unknown lever(s): {', '.join(sorted(unknown))}")
    if tail is None:
        tail = default_tail(instance, horizon, names)
    elif not 0 <= tail <= _data_last(instance) - horizon[1]:
        raise ValueError(f"tail of {tail} years: the instance's data end in {_data_last(instance)}")
    lp = LinearModel()
    workforce = add_workforce_columns(lp, instance, horizon, horizon[1] + tail)
    terms = [spec.build(lp, instance, horizon, workforce) for name, spec in REGISTRY.items() if name in names]
    workforce = add_workforce_rows(lp, instance, horizon, workforce, [t.inflows for t in terms],
                                   [t.cover for t in terms])
    budget = add_budget(lp, instance, (horizon[0], workforce.end), terms)
    pool = add_labour_pool(lp, instance, (horizon[0], workforce.end), terms)
    level = add_targets(lp, horizon, workforce, terms, service_level, min_places)
    blocks = dict(labour_pool=pool, service_level=level)
    if reference is None:
        return GpecModel(lp, horizon, terms, workforce, budget, **blocks)
    unmatched = add_stability(lp, terms, reference)
    return GpecModel(lp, horizon, terms, workforce, budget, (*STAGES, CHANGE_STAGE), unmatched, **blocks)


def longest_lag(instance, levers: tuple[str, ...]) -> int:
    """Years from a decision to its last effect, over the levers switched on (each lever's ``lag``,
    :class:`~gpec.models.levers.LeverSpec`; 0 with none)."""
    return max([0, *(spec.lag(instance, name) for name, spec in REGISTRY.items() if name in levers)])


def default_tail(instance, horizon: tuple[int, int], levers: tuple[str, ...]) -> int:
    """Tail years after the horizon: the longest lag of the levers switched on, as far as the instance
    gives need, baseline and budgets for (an instance whose data end with the horizon has no tail)."""
    return max(0, min(longest_lag(instance, levers), _data_last(instance) - horizon[1]))


def _data_last(instance) -> int:
    """The last year the instance gives need, baseline and budgets for."""
    last_budget = instance.budget().reset_index().groupby("funder")["year"].max().min()
    return min(instance.data_years()[1], int(last_budget))
