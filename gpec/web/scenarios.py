"""A request made a :class:`~gpec.scenario.Scenario` of its instance, and the hash the results are kept under.

:func:`resolve` checks what needs the instance (the horizon against its data years, each funder's name,
years of an envelope inside the horizon, each parameter record), naming the request's field in a
:class:`RequestError`, then builds the scenario with the server's solve options. Its canonical form
(:func:`canonical`) holds what decides the answer and nothing else: the instance's files (sha256), the
version of gpec, the horizon, the envelopes by funder code (so ``departement`` and ``cd40`` are the same
scenario), the levers switched on, the parameter overrides, the service level and the server's solve
options. :func:`scenario_hash` is the first 16 hex digits of its sha256.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass

from gpec import __version__
from gpec.errors import GpecError
from gpec.instance import Instance, check_horizon
from gpec.lever_names import LEVERS
from gpec.scenario import Scenario, parse_record
from gpec.web.requests import SolveRequest


@dataclass(frozen=True)
class Options:
    """The server's solve options (not request fields): ``time_limit`` seconds per solve, ``mip_gap``."""

    time_limit: float = 60.0
    mip_gap: float = 1e-3


class RequestError(Exception):
    """A request the instance refuses: ``field`` of the body, the ``record`` within it (a funder and a
    year, a parameter; empty when the field is refused whole) and the phrase saying why."""

    def __init__(self, field: str, message: str, record: tuple = ()):
        super().__init__(message)
        self.field, self.message, self.record = field, message, tuple(str(key) for key in record)


def resolve(request: SolveRequest, instance: Instance, options: Options) -> Scenario:
    """The scenario ``request`` asks of ``instance``, solved with the server's ``options`` (shadow prices
    off: the worker computes them after answering, :mod:`gpec.web.worker`).

    Raises
    ------
    RequestError
        Naming the field (``horizon``, ``budgets``, ``parameters``) and the instance's reason.
    """
    horizon = tuple(request.horizon) if request.horizon else instance.horizon
    with _field("horizon", instance):
        check_horizon(instance, horizon, "horizon")
    for name, value in request.budgets.items():
        with _field("budgets", instance, name):
            instance.funder_code(name)
        outside = [y for y in (value if isinstance(value, dict) else {}) if not horizon[0] <= y <= horizon[1]]
        if outside:
            raise RequestError("budgets", f"{name}:{outside[0]}: {outside[0]} is outside the horizon "
                               f"{horizon[0]}-{horizon[1]}", (name, outside[0]))
    budgets = instance.resolve_budgets(request.budgets)  # every name known now
    parameters = {}
    for name, value in request.parameters.items():
        record = parse_record(name)
        with _field("parameters", instance, name):
            instance.check_parameter(*record, float(value))
        parameters[record] = float(value)
    with _field("parameters", instance):  # the overrides together
        instance.with_parameters(parameters)
    off = set(request.levers_off)
    with _field("body", instance):
        scenario = Scenario(horizon=horizon, budgets=budgets, parameters=parameters,
                            levers=tuple(lever for lever in LEVERS if lever not in off),
                            service_level=request.service_level, time_limit=options.time_limit,
                            mip_gap=options.mip_gap, shadow_prices=False)
        scenario.apply(instance)
    return scenario


def canonical(scenario: Scenario, instance: Instance) -> dict:
    """What decides a scenario's answer, as JSON (module docstring); ``scenario`` from :func:`resolve`."""
    return {
        "instance_sha256": instance.sha256, "gpec": __version__,
        "horizon": list(scenario.horizon or instance.horizon), "budgets": _budgets(scenario, instance),
        "levers": list(scenario.levers if scenario.levers is not None else LEVERS),
        "parameters": {f"{name}[{key}]" if key else name: float(value)
                       for (name, key), value in sorted(scenario.parameters.items())},
        "service_level": scenario.service_level, "time_limit": scenario.time_limit, "mip_gap": scenario.mip_gap,
        "solver": scenario.solver,
    }


def scenario_hash(form: dict) -> str:
    """The first 16 hex digits of the sha256 of ``form`` (:func:`canonical`) as sorted, compact JSON."""
    text = json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def normalised(request: SolveRequest, scenario: Scenario, instance: Instance) -> dict:
    """The request as the answer echoes it: funders by code, the horizon resolved, parameters as given."""
    return {"instance": request.instance, "budgets": _budgets(scenario, instance),
            "levers_off": sorted(set(request.levers_off), key=LEVERS.index),
            "parameters": dict(sorted((name.strip(), value) for name, value in request.parameters.items())),
            "horizon": list(scenario.horizon), "service_level": scenario.service_level}


def _budgets(scenario: Scenario, instance: Instance) -> dict:
    """The scenario's envelopes as JSON: by funder code (sorted), a value a year or ``{year: EUR}`` by year
    (``"*"``: the years not named)."""
    budgets = {}
    for code, value in sorted(instance.resolve_budgets(scenario.budgets).items()):
        if isinstance(value, dict):
            value = {("*" if year is None else str(year)): float(eur) for year, eur in sorted(
                value.items(), key=lambda item: -1 if item[0] is None else item[0])}
        budgets[code] = value if isinstance(value, dict) else float(value)
    return budgets


@contextlib.contextmanager
def _field(field: str, instance: Instance, *record):
    """A :class:`~gpec.errors.GpecError` of the block as a :class:`RequestError` of ``field`` (and
    ``record`` within it), the instance's folder (a path of this machine) replaced by its name."""
    try:
        yield
    except GpecError as error:
        text = str(error)
        for folder in {str(instance.folder.resolve()), str(instance.folder)}:
            text = text.replace(folder, instance.name)
        raise RequestError(field, text, record) from None
