"""The live what-if loop: a :class:`Planner` keeps the built model and re-solves it in place.

A planner solves, changes one thing, solves again and compares. :func:`gpec.solve` rebuilds the model
from the instance each time; a :class:`Planner` builds it once and, after :meth:`Planner.update`,
builds the changed model and hands the solver only the numbers that differ (bounds, right-hand sides,
coefficients: ``update`` of :class:`~gpec.solvers.InPlaceChanges`), then solves from the last plan (when
the backend has :attr:`~gpec.solvers.Capability.WARM_START`). A change that alters the model's shape
(levers switched off or on, another horizon or tail, a service level added or removed), or a backend
without :attr:`~gpec.solvers.Capability.IN_PLACE_CHANGES`, builds a new solver model instead,
transparently: either way the result is the solve of exactly the model :func:`gpec.solve` would build
for the same scenario.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from gpec.errors import GpecError
from gpec.first_look import LOOK_LP_S, LOOK_PLAN_S, FirstLook, Floored
from gpec.instance import Instance
from gpec.models import LEVER_BUILDERS, build_model
from gpec.results import Result
from gpec.scenario import Scenario, parse_parameter
from gpec.solving import Built, build, reference_table, solve_built, time_budget
from gpec.solvers import in_place

#: ``Planner.update(service_level=KEEP)``: leave the service level as it is (``None`` removes it).
KEEP = object()


class Planner:
    """Solve an instance, change a scenario, re-solve warm: the same :class:`~gpec.results.Result` as
    :func:`gpec.solve`.

    Parameters
    ----------
    instance : Instance
        The instance.
    scenario : Scenario, optional
        The starting scenario (default ``Scenario()``); :meth:`update` changes it.
    reference : Result or DataFrame, optional
        A reference plan every solve stays close to (:mod:`gpec.models.stability`); there is no default
        reference, and it is not replaced by the last plan, so results never depend on solving order.

    Attributes
    ----------
    scenario : Scenario
        The scenario the next :meth:`solve` solves.
    builds : int
        Solver models built so far (1 after the first solve; more when an update changed the shape).
    updates_in_place : int
        Solves that changed the live model in place.
    look_seconds : tuple of float
        Seconds a first look (after :meth:`prepare`) gives the side LP and the LP of its plan (default
        :data:`~gpec.first_look.LOOK_LP_S`, :data:`~gpec.first_look.LOOK_PLAN_S`).
    """

    def __init__(self, instance: Instance, scenario: Scenario | None = None, reference=None):
        self.instance = instance
        self.scenario = scenario or Scenario()
        self.reference = reference_table(reference)
        self._base_levers = tuple(self.scenario.levers if self.scenario.levers is not None else LEVER_BUILDERS)
        self._live: Built | None = None
        self.builds = self.updates_in_place = 0
        self.last: Result | None = None
        self._look: FirstLook | None = None  # the first look of the live model's shape (prepare)
        self.look_seconds = (LOOK_LP_S, LOOK_PLAN_S)

    # -- what-ifs ----------------------------------------------------------------------------
    def update(self, budgets: dict | None = None, levers_off=None, parameters: dict | None = None,
               service_level=KEEP) -> "Planner":
        """Change the scenario of the next :meth:`solve`; returns the planner.

        Parameters
        ----------
        budgets : dict, optional
            ``funder -> EUR a year`` (every year) or ``funder -> {year: EUR}``; funders not named keep
            their envelope; years given keep what was set before for the other years. A funder is named by its code or alias
            (:meth:`~gpec.instance.Instance.funder_code`).
        levers_off : iterable of str, optional
            The levers switched off, among those the planner started with (``[]`` switches them all
            back on); ``None`` leaves them as they are.
        parameters : dict, optional
            Parameter overrides, ``{(name, key): value}`` or ``{"name[key]": value}``; they add to the
            overrides already made.
        service_level : float or None, optional
            The required service level; ``None`` removes it; not given: unchanged.
        """
        scenario = self.scenario
        if budgets is not None:
            merged = self.instance.resolve_budgets(scenario.budgets)
            for name, value in budgets.items():  # a year given keeps the other years given before
                funder = self.instance.funder_code(name)
                before = merged.get(funder)
                if isinstance(value, dict) and before is not None:  # years over what was set before
                    value = {**(before if isinstance(before, dict) else {None: before}), **value}
                merged[funder] = value
            scenario = replace(scenario, budgets=merged)
        if levers_off is not None:
            off = {levers_off} if isinstance(levers_off, str) else set(levers_off)
            unknown = sorted(off - set(self._base_levers))
            if unknown:
                raise GpecError(f"levers_off: unknown lever '{unknown[0]}' (levers of this planner: "
                                f"{', '.join(self._base_levers)})")
            scenario = replace(scenario, levers=tuple(lv for lv in LEVER_BUILDERS
                                                      if lv in self._base_levers and lv not in off))
        if parameters:
            parsed = {_key(name): _number(name, value) for name, value in parameters.items()}
            scenario = replace(scenario, parameters={**scenario.parameters, **parsed})
        if service_level is not KEEP:
            scenario = replace(scenario, service_level=service_level)
        scenario.apply(self.instance)  # validate now: a bad update leaves the planner as it was
        self.scenario = scenario
        return self

    def switch(self, scenario: Scenario) -> "Planner":
        """Make ``scenario`` the next solve's, whole (every override of the current one replaced, not added
        to as by :meth:`update`); returns the planner. Its levers may be any, not only the planner's first ones."""
        scenario.apply(self.instance)  # validate now: a bad scenario leaves the planner as it was
        self.scenario = scenario
        self._base_levers = tuple(LEVER_BUILDERS)
        return self

    def solve(self, progress=None) -> Result:
        """Solve the current scenario, from the last plan when the model was changed in place; after
        :meth:`prepare`, a first look (:mod:`gpec.first_look`) gives ``progress`` a plan and a bound
        at once and the solve its start."""
        budget = time_budget(self.scenario)
        with budget.phase("build") as built:
            live, warm = self._live_model()
        start, seconds = live.x if warm else None, built.seconds
        if warm and self._look is not None:  # (it is warm and holds this model: _live_model)
            with budget.phase("first look") as looked:
                look = self._look.look(*self.look_seconds)
                start = self._look.start(look, start)
            seconds += looked.seconds
            if progress is not None:
                progress = Floored(progress, look, f"stage {live.model.stages[0]}")
        self.last = solve_built(live, self.scenario, budget, seconds, start=start, progress=progress)
        return self.last

    def prepare(self, time_limit: float) -> bool:
        """Get the next what-if's first look ready (:mod:`gpec.first_look`): the LP relaxation of the live
        model's stage 1 solved within ``time_limit`` seconds (for idle time, after a solve: ``gpec serve``);
        whether it is. A solve that changes the model in place then starts with a plan and a bound at once."""
        live = self._live
        if live is None or not in_place(live.backend) or live.backend.name != "highs":
            return False
        try:
            if self._look is None or not self._look.usable:  # else it holds the live model (_live_model)
                self._look = FirstLook(live.model)
            return self._look.prepare(time_limit)
        except BaseException:
            self._look = None  # half solved: made again by the next prepare
            raise

    def shadow_prices(self, time_limit: float):
        """Shadow prices (:func:`gpec.shadow.shadow_prices`) of the last plan, on the live model, within
        ``time_limit`` seconds: for a solve without them (``Scenario(shadow_prices=False)``) that answers
        first and prices after (``gpec serve``). Empty when the last solve has no plan. The live model is
        changed in place by them and set back by the next :meth:`solve`, as within a solve that prices."""
        from gpec.shadow import COLUMNS, shadow_prices
        from gpec.solvers import TimeBudget

        live, last = self._live, self.last
        if live is None or last is None or live.x is None or not last.has_solution:
            return pd.DataFrame(columns=list(COLUMNS))
        return shadow_prices(live.model, live.x, last.objective, last.bound, self.scenario.mip_gap,
                             TimeBudget(time_limit), live.backend)

    # -- the live model ----------------------------------------------------------------------
    def _live_model(self) -> tuple[Built, bool]:
        """The live model made that of the current scenario (in place when it can) and whether it was
        changed in place (then its last plan is a start)."""
        scenario, live = self.scenario, self._live
        changeable = (live is not None and scenario.solver == live.backend.name  # the same solver, which
                      and in_place(live.backend)  # changes its model in place and was not left running
                      and set(self._levers_on()) == set(live.levers))
        model = None
        if changeable:
            applied, horizon = scenario.apply(self.instance)
            model = build_model(applied, horizon, scenario.levers, scenario.service_level, scenario.min_places,
                                reference=self.reference)
            if _same_shape(model.lp, live.model.lp):
                live.backend.update(model.lp)
                self._live = replace(live, applied=applied, horizon=horizon, model=model)
                self.updates_in_place += 1
                self._follow(model)
                return self._live, live.x is not None
        self._live = build(self.instance, scenario, self.reference, model)  # the model just built, if any
        self._look = None
        self.builds += 1
        return self._live, False

    def _follow(self, model) -> None:
        """Keep the first look on ``model``, the live model changed in place: a warm look is changed with it,
        any other dropped (:meth:`prepare` makes a new one), so a look kept always holds the live model."""
        look, self._look = self._look, None
        if look is not None and look.warm and look.usable:
            look.update(model)
            self._look = look

    def _levers_on(self) -> tuple[str, ...]:
        """The levers switched on, in the model's order (as a cold solve lists them)."""
        on = set(self.scenario.levers if self.scenario.levers is not None else LEVER_BUILDERS)
        return tuple(lever for lever in LEVER_BUILDERS if lever in on)


def _key(name) -> tuple[str, str]:
    """``"retire_rate[as]"`` or ``("retire_rate", "as")`` -> ``("retire_rate", "as")``."""
    if isinstance(name, tuple):
        return name
    key, _ = parse_parameter(f"{name}=0")
    return key


def _number(name, value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise GpecError(f"parameters: {name} = {value!r} is not a number") from None


def _same_shape(a, b) -> bool:
    """Same column and row blocks, with the same labels, in the same order."""
    same = lambda x, y: list(x) == list(y) and all(x[k].index.equals(y[k].index) for k in x)
    return a.n_cols == b.n_cols and a.n_rows == b.n_rows and same(a.columns, b.columns) and same(a.rows, b.rows)
