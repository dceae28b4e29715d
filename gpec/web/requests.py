"""The bodies the API accepts (pydantic): a what-if to solve and a scenario to save.

Each field is checked on its own here, with the package's own rules and phrases (a parameter's value by
:func:`gpec.domains.violation`, an envelope against :data:`gpec.schema.EUR_MAX`, a lever against
:data:`gpec.lever_names.LEVERS`); what needs the instance (a funder's name, a record of its
``parameters.csv``, the years of its data) is checked when the request is resolved into a scenario
(:func:`gpec.web.scenarios.resolve`). Every refusal is one phrase, answered as a 422 with its ``loc``:
the field, then the record within it when there is one, named as the request names it (``["body",
"budgets", "cd40", "2027"]``, ``["body", "parameters", "retire_rate[as]"]``), so that the page puts it
next to its control.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from gpec.domains import violation
from gpec.lever_names import LEVERS
from gpec.scenario import parse_record
from gpec.schema import EUR_MAX

#: An instance's name (a key given to ``gpec serve``, never a path).
NAME_PATTERN = r"^[a-z0-9_]{1,64}$"
#: A result's hash (:func:`gpec.web.scenarios.scenario_hash`).
HASH_PATTERN = r"^[0-9a-f]{16}$"


def _refuse(message: str, *record):
    """A validation error whose message is ``message`` as it is (no "Value error, " prefix); ``record``,
    the key within the field (a funder and a year, a parameter), goes to its context, whence the server
    adds it to the error's ``loc``."""
    return PydanticCustomError("gpec", "{message}", {"message": message, "record": [str(key) for key in record]})


class SolveRequest(BaseModel):
    """A what-if: the same names as :meth:`gpec.Planner.update` (all but ``instance`` optional).

    Attributes
    ----------
    instance : str
        The instance's name, one of those the server was given.
    budgets : dict
        ``funder -> EUR a year`` or ``funder -> {year: EUR}``; a funder named by its code (``cd40``) or,
        with ``funders.csv``, its kind (``departement``).
    levers_off : list of str
        Levers switched off.
    parameters : dict
        ``"name"`` or ``"name[key]"`` -> value, overrides of the instance's ``parameters.csv`` records.
    horizon : (int, int) or None
        First and last decision year (default: the instance's).
    service_level : float or None
        Unmet need at most ``1 - service_level`` of need everywhere (default: none).
    """

    model_config = ConfigDict(extra="forbid")

    instance: str = Field(pattern=NAME_PATTERN)
    budgets: dict[str, float | dict[int, float]] = Field(default_factory=dict, max_length=50)
    levers_off: list[str] = Field(default_factory=list, max_length=len(LEVERS))
    parameters: dict[str, float] = Field(default_factory=dict, max_length=500)
    horizon: tuple[int, int] | None = None
    service_level: float | None = None

    @field_validator("budgets")
    @classmethod
    def _envelopes(cls, budgets: dict) -> dict:
        for funder, value in budgets.items():
            for year, eur in (value.items() if isinstance(value, dict) else [(None, value)]):
                where = f"{funder}" if year is None else f"{funder}:{year}"
                if not (math.isfinite(eur) and 0 <= eur <= EUR_MAX):
                    raise _refuse(f"budgets {where}: {eur:g} is not an envelope: a non-negative number of euros, "
                                  f"at most {EUR_MAX:g}", *([funder] if year is None else [funder, year]))
        return budgets

    @field_validator("levers_off")
    @classmethod
    def _levers(cls, levers: list) -> list:
        unknown = [lever for lever in levers if lever not in LEVERS]
        if unknown:
            raise _refuse(f"levers_off: unknown lever '{unknown[0]}' (known: {', '.join(LEVERS)})")
        return levers

    @field_validator("parameters")
    @classmethod
    def _parameters(cls, parameters: dict) -> dict:
        for name, value in parameters.items():
            record = parse_record(name)
            if record is None:
                raise _refuse(f"parameters: '{name}' is not NAME or NAME[KEY], e.g. retire_rate[as]", name)
            reason = violation(record[0], value, name.strip())
            if reason is not None:
                raise _refuse(f"parameters {name.strip()}: {reason}", name)
        return parameters

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, horizon):
        if horizon is not None and horizon[0] > horizon[1]:
            raise _refuse(f"horizon {horizon[0]}-{horizon[1]}: the first year is after the last")
        return horizon

    @field_validator("service_level")
    @classmethod
    def _service_level(cls, level):
        if level is not None and not (math.isfinite(level) and 0 <= level <= 1):
            raise _refuse(f"service_level {level:g}: a share of need in [0, 1]")
        return level


class SaveRequest(BaseModel):
    """A scenario saved under a name: the hash of a solved what-if."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    hash: str = Field(pattern=HASH_PATTERN)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        name = " ".join(name.split())
        if not name:
            raise _refuse("name: empty (give the scenario a name)")
        return name
