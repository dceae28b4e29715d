"""Scenario: what-if overrides on an instance (budgets, horizon, levers, parameters) and solve options."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from gpec.domains import check_override
from gpec.errors import GpecError
from gpec.instance import Instance, check_horizon
from gpec.schema import EUR_MAX, PEOPLE_MAX


@dataclass(frozen=True)
class Scenario:
    """Overrides applied to an :class:`~gpec.instance.Instance` before the model is built.

    Attributes
    ----------
    horizon : (int, int) or None
        First and last decision year (the model runs on over a tail of years after it,
        :mod:`gpec.models.workforce`); ``None`` = the instance's default horizon.
    budgets : dict
        ``funder -> euros per year``, replacing that funder's envelope in every year, or
        ``funder -> {year: euros}``, replacing the years given (key ``None``: every year, applied first).
        A funder is named by its code (``cd40``) or, in an instance with ``funders.csv``, by its kind
        (``departement``) when the instance has one body of that kind
        (:meth:`~gpec.instance.Instance.funder_code`); names of the same body combine as if spelled the same.
    levers : tuple of str or None
        Levers switched on; ``None`` = all, ``()`` = the calibrated baseline alone.
    parameters : dict
        ``(name, key) -> value`` overrides of ``parameters.csv`` records, each in its parameter's domain
        (:mod:`gpec.domains`; else a :class:`~gpec.errors.GpecError` naming ``--set NAME[KEY]=VALUE``).
    time_limit : float
        Seconds for the whole run: the build, the stages, making the plan whole, ``verify``, shadow prices
        or the diagnosis, the check (and, in the CLI, loading the instance and writing the outputs).
        :data:`~gpec.solving.RESERVE_SHARE` (15 %) of it is kept for what cannot stop at a limit (tables,
        check, outputs). The phases that can stop share the rest in order (:mod:`gpec.solving`), each
        offered its weight over the weights of the phases still to come of the time left when it starts:
        stage 1 :data:`~gpec.solving.STAGE1_WEIGHT` (6), each later stage (stage 2, and stage 3 with a
        reference plan) :data:`~gpec.solving.STAGE_WEIGHT` (2), making the plan whole when whole totals
        are split over bassins (:mod:`gpec.rounding`) :data:`~gpec.solving.WHOLE_UNITS_WEIGHT` (1),
        ``verify`` the stages' weights together, shadow prices :data:`~gpec.solving.POST_WEIGHT` (2).
        So on the Landes default (shadow prices, no ``verify``) stage 1 is offered 6/11 of the time left
        after the build, stage 2 then 2/5 of what stage 1 leaves, making the plan whole 1/3 of what is
        left then, and shadow prices the rest; without split totals stage 1 gets 6/10 and stage 2 half
        of what it leaves. A model solved relaxation first (a région) weighs stage 1
        :data:`~gpec.solving.RELAXATION_STAGE1_WEIGHT` (24) and making its plan whole
        :data:`~gpec.solving.RELAXATION_WHOLE_UNITS_WEIGHT` (4).
    mip_gap : float
        Relative gap tolerance of stage 1 (weighted unmet need). When whole totals are split over bassins,
        stage 1 aims at :data:`~gpec.solving.WHOLE_UNITS_AIM` (0.5) of it, so that the plan made whole
        stays within it, and settles for the whole gap after :data:`~gpec.solving.ENOUGH_SHARE` (0.25)
        of its time.
    cost_gap : float
        Relative gap tolerance of stage 2 (least cost at the stage-1 value) and, with a reference plan, of
        stage 3 (:mod:`gpec.models.stability`). Stage 2 only removes spending that buys nothing more; its
        whole-unit knapsack under each yearly envelope is slow to prove, so it stops at 1 % by default
        (its gap is reported with the stage).
    solver : str
        Backend name: ``highs`` (the default) or ``ortools`` (:func:`gpec.solvers.get_backend`).
    solution_limit : int or None
        Stop each stage after this many improving solutions (a deterministic limit, e.g. for a quick
        first plan or for tests of the ``feasible`` path); ``None`` = no limit.
    service_level : float or None
        Hard target: unmet need at most ``1 - service_level`` of need in every bassin, métier and year
        from the first year a lever can deliver (the second of the horizon) to the last of the horizon
        (:mod:`gpec.models.targets`).
    min_places : dict
        Hard target: ``metier -> N``, at least ``N`` extra training places for that métier over the
        horizon, all sites together (:mod:`gpec.models.targets`).
    shadow_prices : bool
        Compute shadow prices (:mod:`gpec.shadow`) for a solved plan, with the time the stages, making
        the plan whole and ``verify`` leave.
    verify : bool
        Re-solve with the other backend, started from the first backend's plan, with as much of the time
        as the first backend's stages, and report whether both agree (``Result.verification``).
    """

    horizon: tuple[int, int] | None = None
    budgets: dict[str, float | dict[int, float]] = field(default_factory=dict)
    levers: tuple[str, ...] | None = None
    parameters: dict[tuple[str, str], float] = field(default_factory=dict)
    time_limit: float = 60.0
    mip_gap: float = 1e-3
    cost_gap: float = 1e-2
    solver: str = "highs"
    solution_limit: int | None = None
    service_level: float | None = None
    min_places: dict[str, int] = field(default_factory=dict)
    shadow_prices: bool = True
    verify: bool = False

    def __post_init__(self):
        for (name, key), value in self.parameters.items():
            check_override(name, key, value)  # the instance's records: Instance.with_parameters, at apply
        if self.service_level is not None and not 0 <= self.service_level <= 1:
            raise GpecError(f"service level must lie in [0, 1], got {self.service_level}")
        for metier, places in self.min_places.items():
            if not (0 <= places <= PEOPLE_MAX and float(places).is_integer()):
                raise GpecError(f"--min-places {metier}={places}: a whole number of places in [0, {PEOPLE_MAX:g}]")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise GpecError(f"solution limit must be at least 1, got {self.solution_limit}")
        if not (self.time_limit > 0 and math.isfinite(self.time_limit)):
            raise GpecError(f"time limit must be a positive number of seconds, got {self.time_limit}")
        for name, gap in (("gap", self.mip_gap), ("cost gap", self.cost_gap)):
            if not 0 <= gap < 1:
                raise GpecError(f"{name} must lie in [0, 1), got {gap}")

    def apply(self, instance: Instance) -> tuple[Instance, tuple[int, int]]:
        """The instance with this scenario's overrides, and the horizon to model."""
        horizon = self.horizon or instance.horizon
        check_horizon(instance, horizon, "--horizon" if self.horizon else "horizon")
        if self.parameters:
            instance = instance.with_parameters(self.parameters)
        if self.budgets:
            try:
                budgets = instance.resolve_budgets(self.budgets)  # codes and aliases, combined per body
            except GpecError as exc:
                raise GpecError(f"--budget: {exc}") from None
            for funder, value in budgets.items():
                outside = [y for y in (value if isinstance(value, dict) else {}) if y is not None
                           and not horizon[0] <= y <= horizon[1]]
                if outside:
                    raise GpecError(f"--budget {funder}:{outside[0]}: {outside[0]} is outside the horizon "
                                    f"{horizon[0]}-{horizon[1]}")
            instance = instance.with_budget(budgets)
        unknown = sorted(set(self.min_places) - set(instance.metiers["metier"]))
        if unknown:
            raise GpecError(f"--min-places {unknown[0]}: unknown metier (known: "
                            f"{', '.join(instance.metiers['metier'])})")
        return instance, horizon


def parse_budget_year(text: str) -> tuple[str, int | None, float]:
    """``'cd40=600000'`` -> ``('cd40', None, 600000.0)`` (every year); ``'departement:2027=800000'`` ->
    ``('departement', 2027, 800000.0)`` (that year). The funder name is resolved against the instance
    later (:meth:`Scenario.apply`)."""
    m = re.fullmatch(r"\s*([A-Za-z_][\w-]*)\s*(?::\s*(\d{4}))?\s*=\s*(\S+)\s*", text)
    if not m:
        raise GpecError(f"--budget '{text}': expected FUNDER=EUR or FUNDER:YEAR=EUR, e.g. cd40=600000 or "
                        "departement:2027=800000")
    try:
        eur = float(m.group(3))
    except ValueError:
        raise GpecError(f"--budget '{text}': '{m.group(3)}' is not a number of euros") from None
    if not (math.isfinite(eur) and 0 <= eur <= EUR_MAX):
        raise GpecError(f"--budget '{text}': the envelope must be a non-negative number of euros, at most {EUR_MAX:g}")
    return m.group(1), int(m.group(2)) if m.group(2) else None, eur


def budgets_from_options(texts) -> dict:
    """``--budget`` options as :attr:`Scenario.budgets`: a flat value sets every year, a ``FUNDER:YEAR``
    value that year, whatever the order of the options (:meth:`Scenario.apply` checks the years)."""
    flat, years = {}, {}
    for text in texts:
        funder, year, eur = parse_budget_year(text)
        if year is None:
            flat[funder] = eur
        else:
            years.setdefault(funder, {})[year] = eur
    budgets = {}
    for funder in [*flat, *(f for f in years if f not in flat)]:
        budgets[funder] = flat[funder] if funder not in years else (
            {**({None: flat[funder]} if funder in flat else {}), **years[funder]})  # None: every year, first
    return budgets


def parse_min_places(text: str) -> tuple[str, int]:
    """``'ide=30'`` -> ``('ide', 30)``."""
    m = re.fullmatch(r"\s*(\w+)\s*=\s*(\d+)\s*", text)
    if not m:
        raise GpecError(f"--min-places '{text}': expected METIER=N (a whole number of places), e.g. ide=30")
    return m.group(1), int(m.group(2))


def parse_horizon(text: str) -> tuple[int, int]:
    """``'2026-2035'`` -> ``(2026, 2035)``."""
    m = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", text)
    if not m:
        raise GpecError(f"--horizon '{text}': expected FIRST-LAST, e.g. 2026-2035")
    first, last = int(m.group(1)), int(m.group(2))
    if first > last:
        raise GpecError(f"--horizon '{text}': first year after last year")
    return first, last


def parse_parameter(text: str) -> tuple[tuple[str, str], float]:
    """``'eff_qvct_exit=0.2'`` or ``'retire_rate[as]=0.04'`` -> ``(('retire_rate', 'as'), 0.04)``.

    Only the syntax: the value's domain is checked by :class:`Scenario` (whatever the instance), the
    record against the instance when the scenario is applied (:meth:`Instance.with_parameters`)."""
    m = re.fullmatch(r"\s*([^=\s]+)\s*=\s*(\S+)\s*", text)
    record = parse_record(m.group(1)) if m else None
    if record is None:
        raise GpecError(f"--set '{text}': expected NAME=VALUE or NAME[KEY]=VALUE, e.g. retire_rate[as]=0.04")
    try:
        value = float(m.group(2))
    except ValueError:
        raise GpecError(f"--set '{text}': '{m.group(2)}' is not a number") from None
    return record, value


def parse_record(text: str) -> tuple[str, str] | None:
    """``'retire_rate[as]'`` -> ``('retire_rate', 'as')``, ``'decay_km'`` -> ``('decay_km', '')``; ``None``
    when ``text`` is not ``NAME`` or ``NAME[KEY]``."""
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)(?:\[(\w*)\])?\s*", str(text))
    return (m.group(1), m.group(2) or "") if m else None
