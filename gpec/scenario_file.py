"""Scenario files: a named set of what-if overrides on an instance, in YAML (``gpec solve INSTANCE
--scenario FILE``)::

    name: roadmap_2024
    description: the Département's envelope of 2024, QVCT effect halved
    budgets:                      # per funding body (code or kind): one value, or one per year
      cd40: 1200000
      cr75: {2027: 900000, 2028: 950000}
    parameters:                   # any record of parameters.csv: NAME or NAME[KEY]
      eff_qvct_exit: 0.1
      retire_rate[as]: 0.04
    levers_off: [vehicles]        # or levers: [training, apprenticeship] (the levers switched on)
    service_level: 0.9
    horizon: 2026-2035
    min_places: {ide: 30}
    reference: out/landes         # an earlier output folder: among equally good plans, the closest to it

Every key is optional and checked against the instance when the file is read: an unknown key, body,
lever, parameter or métier, a value that is not of its kind or a year outside the horizon is one line
naming the file and the key (:class:`~gpec.errors.GpecError`). A relative ``reference`` is read from the
file's folder. Options given on the command line override the file's values (:func:`with_options`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from gpec.domains import violation
from gpec.errors import GpecError, InputError
from gpec.instance import Instance, check_horizon
from gpec.lever_names import LEVERS
from gpec.scenario import Scenario, parse_horizon, parse_record
from gpec.schema import EUR_MAX

#: The keys a scenario file may hold.
KEYS = ("name", "description", "budgets", "parameters", "levers", "levers_off", "service_level", "horizon",
        "min_places", "reference")


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario file read and checked against an instance."""

    name: str
    description: str
    #: the overrides as a :class:`~gpec.scenario.Scenario` (solve options at their defaults)
    scenario: Scenario
    #: the reference output folder, if any
    reference: Path | None
    #: the scenario keys the file gives (:func:`with_options` keeps the others from its base)
    given: frozenset[str] = frozenset()


def read_scenario_file(path: str | Path, instance: Instance) -> ScenarioFile:
    """Read the scenario file ``path`` and check every key against ``instance`` (module docstring)."""
    path = Path(path)
    data = read_yaml(path, "a scenario file", KEYS)
    return scenario_from_mapping(data, instance, str(path), path.stem, path.parent)


def read_yaml(path: Path, what: str, keys) -> dict:
    """The mapping a YAML file holds (empty for an empty file); one line naming the file (and the line
    and column of a syntax error) when it is not readable or not a mapping of ``keys``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise GpecError(f"{path}: not a readable YAML file ({where}{str(exc).splitlines()[0]})") from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise GpecError(f"{path}: {what} is a mapping of keys ({', '.join(keys)})")
    return data


def scenario_from_mapping(data: dict, instance: Instance, where: str, name: str = "",
                          folder: Path = Path(".")) -> ScenarioFile:
    """A scenario file's keys (``data``) checked against ``instance``; errors start with ``where`` (the
    file), ``name`` is the default name, a relative ``reference`` is read from ``folder``."""
    path = where
    fail = lambda key, message: GpecError(f"{where}: {key}: {message}")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise fail(unknown[0], f"unknown key (known: {', '.join(KEYS)})")
    if "levers" in data and "levers_off" in data:
        raise fail("levers_off", "give either levers (switched on) or levers_off, not both")

    horizon = None
    if data.get("horizon") is not None:
        value = data["horizon"]
        try:
            horizon = (parse_horizon(value) if isinstance(value, str) else
                       tuple(_whole(v) for v in value) if isinstance(value, list) and len(value) == 2 else None)
        except (GpecError, TypeError, ValueError):
            horizon = None
        if horizon is None or None in horizon:
            raise fail("horizon", f"{value!r} is not FIRST-LAST, e.g. 2026-2035")
        try:
            check_horizon(instance, horizon)
        except (GpecError, InputError) as exc:
            raise fail("horizon", getattr(exc, "message", str(exc))) from None
    years = horizon or instance.horizon

    budgets = {}
    for body, value in _mapping(data, "budgets", path).items():
        key = f"budgets.{body}"
        try:
            code = instance.funder_code(str(body))
        except GpecError as exc:
            raise fail(key, str(exc)) from None
        if isinstance(value, dict):
            per_year = {}
            for year, eur in value.items():
                y = _whole(year)
                if y is None or not years[0] <= y <= years[1]:
                    raise fail(f"{key}.{year}", f"not a year of the horizon {years[0]}-{years[1]}")
                per_year[y] = _euros(eur, fail, f"{key}.{year}")
            value = per_year
        else:
            value = _euros(value, fail, key)
        if code in budgets:
            raise fail(key, f"names the body {code} again")
        budgets[code] = value

    parameters = {}
    for name, value in _mapping(data, "parameters", path).items():
        record, number = _parameter(name, value, instance, lambda message: fail(f"parameters.{name}", message))
        parameters[record] = number

    levers = None
    for key in ("levers", "levers_off"):
        if key in data:
            names = data[key] if isinstance(data[key], list) else None
            if names is None or not all(isinstance(n, str) for n in names):
                raise fail(key, "a list of lever names, e.g. [vehicles, pools]")
            bad = [n for n in names if n not in LEVERS]
            if bad:
                raise fail(key, f"unknown lever '{bad[0]}' (levers: {', '.join(LEVERS)})")
            levers = tuple(lv for lv in LEVERS if (lv in names) == (key == "levers"))

    min_places = {}
    for metier, places in _mapping(data, "min_places", path).items():
        if metier not in set(instance.metiers["metier"]):
            raise fail(f"min_places.{metier}", f"unknown métier (métiers: {', '.join(instance.metiers['metier'])})")
        if _whole(places) is None or _whole(places) < 0:
            raise fail(f"min_places.{metier}", f"{places!r} is not a whole, non-negative number of places")
        min_places[str(metier)] = _whole(places)

    service_level = data.get("service_level")
    if service_level is not None and not (_number(service_level) and 0 <= service_level <= 1):
        raise fail("service_level", f"{service_level!r} is not a share in [0, 1]")

    reference = None
    if data.get("reference") is not None:
        reference = Path(str(data["reference"]))
        reference = reference if reference.is_absolute() else folder / reference
        if not (reference / "decisions.csv").is_file():
            raise fail("reference", f"{reference} holds no decisions.csv (an output folder of gpec solve)")

    scenario = Scenario(horizon=horizon, budgets=budgets, parameters=parameters, levers=levers,
                        service_level=service_level, min_places=min_places)
    try:
        scenario.apply(instance)  # the overrides together (e.g. parameters that must agree)
    except (GpecError, InputError) as exc:
        raise GpecError(f"{path}: {getattr(exc, 'message', str(exc))}") from None
    given = {"horizon": "horizon", "budgets": "budgets", "parameters": "parameters", "levers": "levers",
             "levers_off": "levers", "service_level": "service_level", "min_places": "min_places"}
    return ScenarioFile(str(data.get("name") or name), str(data.get("description") or ""), scenario, reference,
                        frozenset(given[k] for k in data if k in given))


def with_options(base: Scenario, options: Scenario, given: set[str]) -> Scenario:
    """``base`` (a scenario file's) with the command line's ``options``: the fields named in ``given``
    replace the file's, budgets and parameters body by body and record by record; the solve options
    (time limit, gaps, solver...) are always the command line's."""
    merged = replace(options, horizon=base.horizon, levers=base.levers, service_level=base.service_level,
                     min_places=base.min_places, budgets={**base.budgets, **options.budgets},
                     parameters={**base.parameters, **options.parameters})
    for name in ("horizon", "levers", "service_level", "min_places"):
        if name in given:
            merged = replace(merged, **{name: getattr(options, name)})
    return merged


def _parameter(name, value, instance: Instance, fail) -> tuple[tuple[str, str], float]:
    """One record of ``parameters:``: ``NAME`` or ``NAME[KEY]`` of the instance, and a number in the
    parameter's domain (:func:`gpec.domains.violation`); ``fail(message)`` makes the error."""
    record = parse_record(str(name))
    if record is None:
        raise fail("expected NAME or NAME[KEY], e.g. retire_rate[as]")
    number = _float(value)
    if number is None:
        raise fail(f"{value!r} is not a number")
    reason = violation(record[0], number, str(name).strip())
    if reason is not None:
        raise fail(reason)
    try:
        instance.with_parameters({record: number})
    except GpecError as exc:
        raise fail(str(exc).removeprefix("--set ")) from None
    return record, number


def _float(value) -> float | None:
    """``value`` as a number (a YAML number or a text holding one), else ``None``."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _mapping(data: dict, key: str, path: Path) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise GpecError(f"{path}: {key}: a mapping, e.g. {key}: {{NAME: VALUE}}")
    return value


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value) -> int | None:
    """``value`` as a whole number (an int, or a float or text holding one), else ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number.is_integer() and not isinstance(value, bool) else None


def _euros(value, fail, key: str) -> float:
    if not (_number(value) and 0 <= value <= EUR_MAX):
        raise fail(key, f"{value!r} is not a non-negative number of euros at most {EUR_MAX:g}")
    return float(value)
