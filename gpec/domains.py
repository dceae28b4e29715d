"""Hard domains of the parameters of ``parameters.csv``: the values that make sense at all.

A record's ``low``-``high`` in an instance's ``parameters.csv`` is its *sweep range*, an opinion of the
instance that an override may leave (:meth:`gpec.instance.Instance.with_parameters` widens it). Its
*domain* here is a rule of the package: a share lies in [0, 1], a cost is not negative, a radius or a
speed is positive, a duration is a whole number of years, and every value is finite and under a stated
maximum beyond which it can only be a typo (and would reach the solver as a number it rejects or an
unbounded model). Neither an edited instance nor ``--set``, a scenario file or a sweep spec can widen
it: every one of them asks :func:`violation`, the one check, and reports what it says with its own
location (file, row and column; option; file and key).

>>> violation("retire_rate", 0.04) is None
True
>>> violation("unmet_weight", -1)
'-1 is outside the domain of unmet_weight: a weight of unmet need in [0, 1000]'
>>> violation("pathway_years", 1.5)
'1.5 is not a whole number: pathway_years is a whole number of years in [1, 10]'
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from gpec.errors import GpecError


@dataclass(frozen=True)
class Domain:
    """The values a parameter may take: ``low`` to ``high`` (``low`` excluded when ``low_open``), whole
    numbers only when ``whole``; ``what`` says what the value is, for messages."""

    low: float
    high: float
    what: str
    low_open: bool = False
    whole: bool = False

    def admits(self, value: float) -> bool:
        """Whether ``value`` lies in the domain."""
        return self.problem(value) is None

    def problem(self, value) -> str | None:
        """What is wrong with ``value`` (``"not a number"``, ``"outside"``, ``"not whole"``), or ``None``."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            return "not a number"
        if isinstance(value, bool) or not math.isfinite(number):
            return "not a number"
        below = number <= self.low if self.low_open else number < self.low
        if below or number > self.high:
            return "outside"
        if self.whole and not number.is_integer():
            return "not whole"
        return None

    def describe(self) -> str:
        """``'a share in [0, 1]'``, ``'a radius in minutes in (0, 1440]'``..."""
        return f"{self.what} in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"


# Each limit below is declared here once, with why it is that limit; the table columns and the options of
# gpec groups that hold the same quantity import it (gpec.schema, gpec.groupings), as do their messages.
# Shares, rates per year and effects expressed as a share of something: a fraction, [0, 1].
SHARE = Domain(0.0, 1.0, "a share")
RATE = Domain(0.0, 1.0, "a rate per year")
# Yearly growth or trend rates: below -1 a quantity would lose more than all of itself in a year, above 1
# it would more than double every year.
GROWTH = Domain(-1.0, 1.0, "a yearly growth rate")
# Unit costs in euros (per student-, contract-, post-, vehicle-, FTE- or place-year; also a post type's
# yearly cost in post_types.csv): a post costs about 55 kEUR a year; 10 MEUR a unit is no cost of this
# sector, and larger ones make the budget rows badly scaled against FTE coefficients of 0.01.
COST = Domain(0.0, 1e7, "a cost in EUR")
# Weights of unmet need per métier (stage 1's objective): relative, 1 by default; a ratio of more than
# 1,000 between two métiers leaves the others below the solver's tolerances.
WEIGHT = Domain(0.0, 1000.0, "a weight of unmet need")
# Durations in whole years: a training route of 0 years means none; no route or pathway lasts 10 years.
YEARS_MAX = 10.0
TRAINING_YEARS = Domain(0.0, YEARS_MAX, "a whole number of years", whole=True)
PATHWAY_YEARS = Domain(1.0, YEARS_MAX, "a whole number of years", whole=True)
# Radii in travel minutes (QVCT posts, pools; also the longest member-to-hub trip of gpec groups,
# --max-minutes): positive (a radius of 0 reaches nothing), at most a day's travel.
RADIUS = Domain(0.0, 1440.0, "a radius in minutes", low_open=True)
# Distances in km on the ground: no two points on Earth are farther than half its circumference.
KM_MAX = 20_000.0
DECAY_KM = Domain(0.0, KM_MAX, "a distance in km", low_open=True)
SETTLE_KM = Domain(0.0, KM_MAX, "a distance in km")
# Travel model: an average road speed below walking pace (5 km/h) or above 200 km/h is no road's (and
# would scale every travel time, hence the pools' travel costs, by thousands); a road is never shorter
# than the great circle (factor 1) and never ten times longer.
SPEED = Domain(5.0, 200.0, "a speed in km/h")
DETOUR = Domain(1.0, 10.0, "a ratio of road km to great-circle km")
# Counts of structures one QVCT officer serves: whole, at least one, fewer than 1,000.
STRUCTURES = Domain(1.0, 1000.0, "a whole number of structures", whole=True)
# Per-unit effects or paces bounded by what one unit can do in a year: hires per vehicle-year (a vehicle
# does not bring ten people a year), trips per FTE-year (two a day every day is 730), euros per minute
# of travel (a taxi costs about 1; also gpec groups' --travel-cost).
HIRES_PER_VEHICLE = Domain(0.0, 10.0, "hires per vehicle-year")
TRIPS = Domain(0.0, 1000.0, "trips per FTE-year")
EUR_PER_MINUTE = Domain(0.0, 100.0, "a cost in EUR per minute")
# Inhabitants per km2 (a parameter, and the density column of bassins.csv): Paris, the densest commune of
# France, has about 20,000.
DENSITY = Domain(0.0, 100_000.0, "a density in inhabitants per km2")
# Ratios per 1,000 people aged 75+: more than one place or person per person is no ratio.
PER_1000 = Domain(0.0, 1000.0, "a ratio per 1,000 people aged 75+")
# A pathway's yearly places per unit of its cap basis (pathways.csv cap_basis): per FTE in post (a stock
# basis: at most one place per person, checked with pathways.csv) or per 1,000 inhabitants (population).
CAP_RATE = Domain(0.0, 1000.0, "places a year per FTE in post or per 1,000 inhabitants")
# Staff per place (a parameter, and a post type's need per place in post_types.csv): an EHPAD has about
# 0.6 FTE per place; ten is no staffing ratio.
FTE_PER_PLACE = Domain(0.0, 10.0, "FTE per place")
# People per FTE: one person works at most one FTE, and ten people to share one FTE is no workforce.
PERSONS_PER_FTE = Domain(1.0, 10.0, "persons per FTE")

#: The domain of every parameter of ``parameters.csv`` (catalogue and instances), by name.
DOMAINS: dict[str, Domain] = {
    # departures, training and apprenticeships (gpec.models.workforce, training, apprenticeship)
    "retire_rate": RATE,
    "exit_rate": RATE,
    "unmet_weight": WEIGHT,
    "training_years": TRAINING_YEARS,
    "dropout": SHARE,
    "cost_training_place": COST,
    "cost_apprentice": COST,
    "apprentice_conversion": SHARE,
    "retain_local": SHARE,
    "decay_km": DECAY_KM,
    "settle_max_km": SETTLE_KM,
    # travel
    "road_detour_factor": DETOUR,
    "avg_speed_kmh": SPEED,
    # QVCT posts
    "cost_qvct_officer": COST,
    "qvct_structures_per_officer": STRUCTURES,
    "qvct_radius_min": RADIUS,
    "eff_qvct_exit": SHARE,
    # vehicles
    "cost_vehicle": COST,
    "cofund_mobility": SHARE,
    "eff_vehicle_exit": SHARE,
    "eff_vehicle_hire": HIRES_PER_VEHICLE,
    "vehicle_max_density": DENSITY,
    "vehicle_max_share": SHARE,
    # pools
    "cost_pool_fte": COST,
    "pool_coordination": SHARE,
    "pool_radius_min": RADIUS,
    "eff_pool_fill": SHARE,
    "pool_max_share": SHARE,
    "pool_trips_per_year": TRIPS,
    "travel_cost_per_minute": EUR_PER_MINUTE,
    # budgets
    "budget_carry_over": SHARE,
    # pathways (keyed by pathway id, gpec.models.pathways) and the labour pool
    "pathway_years": PATHWAY_YEARS,
    "pathway_success": SHARE,
    "pathway_cost": COST,
    "pathway_cap_rate": CAP_RATE,
    "labour_pool_share": SHARE,
    # what gpec/territory builds an instance's tables from (read by the builder, not the model)
    "vacancy_rate": SHARE,
    "pop75_growth": GROWTH,
    "pop85_growth": GROWTH,
    "pop85_per_pop80": SHARE,
    "ehpad_places_per_1000_75p": PER_1000,
    "ssiad_places_per_1000_75p": PER_1000,
    "home_aides_per_1000_75p": PER_1000,
    "persons_per_fte_home": PERSONS_PER_FTE,
    "ratio_ehpad": FTE_PER_PLACE,
    "ratio_ehpad_as_aes": FTE_PER_PLACE,
    "ratio_ssiad": FTE_PER_PLACE,
    "share_as_in_as_aes": SHARE,
    "stock_trend": GROWTH,
    "school_output_rate": RATE,
    "apprentice_max_share": RATE,
}
#: Parameters whose values are whole numbers (years, structures): sweeps vary them in grids, not samples.
WHOLE_PARAMETERS = tuple(name for name, domain in DOMAINS.items() if domain.whole)


def violation(name: str, value, label: str | None = None) -> str | None:
    """Why ``value`` cannot be a value of parameter ``name``, in one phrase, or ``None`` when it can.

    The one check of a parameter's value against its hard domain (:data:`DOMAINS`), for instance files,
    ``--set``, scenario files and sweep specs alike; the caller says where the value comes from.
    ``label`` names the record in the phrase (``retire_rate[as]``; default ``name``).
    """
    domain = DOMAINS.get(name)
    if domain is None:
        return unknown_parameter(name)
    problem = domain.problem(value)
    if problem is None:
        return None
    text, label = shown(value), label or name
    if problem == "not a number":
        return f"{text} is not a finite number: {label} is {domain.describe()}"
    if problem == "not whole":
        return f"{text} is not a whole number: {label} is {domain.describe()}"
    return f"{text} is outside the domain of {label}: {domain.describe()}"


def check_override(name: str, key: str, value) -> None:
    """Refuse an override of the record ``name[key]`` whose value lies outside the parameter's domain, or
    whose name has no domain: the one check of ``--set`` values, run by :class:`gpec.scenario.Scenario`
    (whatever the instance) and :meth:`gpec.instance.Instance.with_parameters` (which also asks that the
    instance has the record), with one message naming the option.

    Raises
    ------
    GpecError
        ``--set NAME[KEY]=VALUE: <why>`` (:func:`violation`'s phrase; an unknown name with the closest
        known one).
    """
    label = f"{name}[{key}]" if key else name
    reason = violation(name, value, label)
    if reason is not None:
        raise GpecError(f"--set {label}={shown(value)}: {reason}")


def unknown_parameter(name: str) -> str:
    """The phrase for a parameter name with no domain: unknown, with the closest known name."""
    close = difflib.get_close_matches(str(name), list(DOMAINS), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown parameter '{name}' (no domain in gpec.domains{hint})"


def shown(value) -> str:
    """A value as messages show it: ``1e+308``, ``-1``, ``0.04`` (``repr`` when it is not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return repr(value)
    return repr(value) if isinstance(value, bool) else f"{number:g}"
