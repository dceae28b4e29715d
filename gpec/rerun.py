"""The run an output folder records, rebuilt: its instance and the full scenario, from ``result.json``.

``gpec solve`` writes into ``result.json`` everything a :class:`~gpec.scenario.Scenario` holds:
``horizon``, ``levers`` (switched on), ``overrides`` (parameters), ``budgets`` (every funder's envelope
per model year, as applied), ``service_level``, ``min_places``, ``solver``, ``mip_gap``, ``cost_gap``,
``time_limit``, ``solution_limit``, ``verification`` (present when ``--verify``), ``timings`` (a phase
``shadow prices`` when they were computed) and the instance: ``instance_folder`` as given (relative to the
folder gpec ran in), ``instance_path`` (absolute) and ``instance_sha256``; and ``reference_folder`` when
the run kept close to a reference plan. :func:`load_run` reads them back and checks that the scenario
rebuilt gives the very envelopes and tail years the run had.

Budgets: a scenario sets a funder's envelope for every year (one value) or for years of the horizon;
``result.json`` holds the envelopes of the model years (the horizon and its tail). The years that differ
from the instance's are the scenario's: a tail year can only differ by a value set for every year, which
is then that value; the years of the horizon are given one by one.

Files written before these keys existed are read too: without ``instance_path`` the folder is looked for
from the current folder, without ``solution_limit`` there was none. Every problem is one line naming
``result.json`` and the key (:class:`~gpec.errors.GpecError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gpec.errors import GpecError
from gpec.instance import Instance, load_instance
from gpec.outputs import load_result
from gpec.results import Result
from gpec.scenario import Scenario, parse_parameter

#: Relative tolerance when envelopes read back are compared with the instance's (JSON keeps 17 digits).
EUR_TOL = 1e-9


@dataclass(frozen=True)
class Run:
    """A run rebuilt from its output folder.

    Attributes
    ----------
    folder : Path
        The output folder.
    result : Result
        Its result as written (:func:`gpec.outputs.load_result`; ``applied`` is ``None``).
    instance : Instance
        The instance as loaded from its folder, without the scenario's overrides.
    scenario : Scenario
        The scenario the run solved.
    reference : Path or None
        The output folder of the reference plan, if the run had one.
    """

    folder: Path
    result: Result
    instance: Instance
    scenario: Scenario
    reference: Path | None


def load_run(out: str | Path) -> Run:
    """Read the output folder ``out`` of a ``gpec solve`` and rebuild its instance and scenario.

    Raises
    ------
    GpecError
        When ``out`` has no readable ``result.json`` of a gpec solve, its instance folder is not there or
        changed since the run, or a key of the scenario cannot be read back (one line, naming the key).
    """
    out = Path(out)
    result = load_result(out)
    where = out / "result.json"
    instance = recorded_instance(result, where)
    scenario = recorded_scenario(result, instance, where)
    reference = Path(result.reference_folder) if result.reference_folder else None
    return Run(out, result, instance, scenario, reference)


def recorded_instance(result: Result, where: str | Path = "result.json") -> Instance:
    """The instance ``result`` was solved on, loaded from its folder (without the scenario's overrides):
    ``instance_path`` if it is there, else ``instance_folder`` from the current folder.

    Raises
    ------
    GpecError
        When neither folder is there, or the instance there is not the one solved (its sha256 differs).
    """
    if not (result.instance_folder or result.instance_path):
        raise GpecError(f"{where}: instance_folder: no instance folder recorded")
    candidates = [Path(p) for p in (result.instance_path, result.instance_folder) if p]
    folder = next((p for p in candidates if p.is_dir()), None)
    if folder is None:
        raise GpecError(f"{where}: instance_folder: {result.instance_folder or result.instance_path} not found "
                        f"(a relative folder is read from the current folder, {Path.cwd()})")
    instance = load_instance(folder)
    if result.instance_sha256 and instance.sha256 != result.instance_sha256:
        raise GpecError(f"{where}: instance_sha256: the instance in {folder} changed since the run (sha256 "
                        f"{instance.sha256[:12]}, the run's {str(result.instance_sha256)[:12]})")
    return instance


def recorded_scenario(result: Result, instance: Instance, where: str | Path = "result.json") -> Scenario:
    """The :class:`Scenario` of ``result`` (module docstring), checked against ``instance``.

    Raises
    ------
    GpecError
        One line naming ``where`` and the key that cannot be read back or does not give what the run had.
    """
    from gpec.models import default_tail
    from gpec.lever_names import LEVERS

    fail = lambda key, message: GpecError(f"{where}: {key}: {message}")
    unknown = [lever for lever in result.levers if lever not in LEVERS]
    if unknown:
        raise fail("levers", f"unknown lever '{unknown[0]}' (levers: {', '.join(LEVERS)})")
    parameters = {}
    for name, value in (result.overrides or {}).items():
        try:
            key, number = parse_parameter(f"{name}={value}")
        except GpecError as exc:
            raise fail(f"overrides.{name}", str(exc)) from None
        parameters[key] = number
    phases = (result.timings or {}).get("phases") or {}
    budgets = _scenario_budgets(result, instance, fail)
    try:
        scenario = Scenario(
            horizon=tuple(int(y) for y in result.horizon), levers=tuple(result.levers), parameters=parameters,
            budgets=budgets, time_limit=float(result.time_limit),
            mip_gap=float(result.mip_gap), cost_gap=float(result.cost_gap), solver=str(result.solver),
            solution_limit=result.solution_limit, service_level=result.service_level,
            min_places={str(m): int(n) for m, n in (result.min_places or {}).items()},
            shadow_prices=not (result.has_solution and phases and "shadow prices" not in phases),
            verify=result.verification is not None)
        applied, horizon = scenario.apply(instance)
    except (GpecError, TypeError, ValueError) as exc:
        raise GpecError(f"{where}: the scenario cannot be rebuilt on {instance.folder}: {exc}") from None
    tail = default_tail(applied, horizon, scenario.levers)
    if tail != result.tail_years:
        raise fail("tail_years", f"the run modelled {result.tail_years} years after the horizon, the instance "
                   f"now gives {tail}")
    envelopes = applied.budget()
    for funder, years in result.budgets.items():
        for year, eur in years.items():
            now = envelopes.get((funder, year))
            if now is None or abs(now - eur) > EUR_TOL * max(1.0, abs(eur)):
                raise fail(f"budgets.{funder}.{year}", f"the rebuilt scenario gives {now} EUR, the run had {eur}")
    return scenario


def _scenario_budgets(result: Result, instance: Instance, fail) -> dict:
    """The scenario's budgets: the model years whose envelope differs from the instance's (module
    docstring)."""
    envelopes, last = instance.budget(), result.horizon[1]
    budgets = {}
    for funder, years in result.budgets.items():
        tail = {eur for year, eur in years.items() if year > last}
        changed = {year: eur for year, eur in years.items() if envelopes.get((funder, year)) != eur}
        if not changed:
            continue
        if any(year > last for year in changed):
            if len(tail) != 1:
                raise fail(f"budgets.{funder}", "the envelopes after the horizon differ from the instance's and "
                           "from one another: no scenario gives that")
            flat = tail.pop()
            budgets[funder] = {None: flat, **{y: e for y, e in years.items() if y <= last and e != flat}}
        else:
            budgets[funder] = changed
    return budgets
