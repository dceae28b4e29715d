"""gpec: workforce planning for the care sector (métiers de l'autonomie), by bassin de vie.

Python API (the CLI is a thin layer over it)::

    from gpec import load_instance, Scenario, solve, evaluate, Planner, write_outputs, load_result, compare
    inst = load_instance("instances/landes")
    result = solve(inst, Scenario(budgets={"departement": 600_000}))
    result.status, result.objective, result.gap, result.decisions
    evaluate(inst, result).violations
    planner = Planner(inst)  # what-ifs re-solved in place: planner.update(...).solve()
    write_outputs(result, "out/landes", lang="fr")  # the whole run as one folder; load_result reads it
    compare(load_result("out/landes"), load_result("out/b600"))

    from gpec import GroupingOptions, load_group_data, solve_groups  # groupements d'employeurs
    groups = solve_groups(load_group_data("instances/landes", "night_nurse"), GroupingOptions(max_minutes=30))

The public names are those of :data:`__all__`, each imported from its module on first use (:data:`_EXPORTS`),
so that ``import gpec`` stays light and importing one module (the independent check, say) does not pull in
the models and solvers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    # instances, scenarios, solving
    "Instance": "gpec.instance",
    "load_instance": "gpec.instance",
    "Scenario": "gpec.scenario",
    "build_model": "gpec.models",
    "solve": "gpec.solving",
    "Result": "gpec.results",
    "Planner": "gpec.planner",
    # checking, writing, reading and comparing runs
    "evaluate": "gpec.evaluate",
    "Evaluation": "gpec.evaluate",
    "write_outputs": "gpec.outputs",
    "load_result": "gpec.outputs",
    "compare": "gpec.comparison",
    "Comparison": "gpec.comparison",
    # sweeps
    "run_sweep": "gpec.sweeps.run",
    "sweep_report": "gpec.sweeps.report",
    # groupements d'employeurs
    "GroupingOptions": "gpec.groupings",
    "GroupData": "gpec.groupings",
    "load_group_data": "gpec.groupings",
    "solve_groups": "gpec.groupings",
    "GroupResult": "gpec.groupings",
    "evaluate_groups": "gpec.groupings",
    "write_grouping": "gpec.groupings",
    # errors a caller may catch (bad input: InputError)
    "GpecError": "gpec.errors",
    "InputError": "gpec.errors",
}

__all__ = ["Instance", "load_instance", "Scenario", "build_model", "solve", "Result", "Planner", "evaluate",
           "Evaluation", "write_outputs", "load_result", "compare", "Comparison", "run_sweep", "sweep_report",
           "GroupingOptions", "GroupData", "load_group_data", "solve_groups", "GroupResult", "evaluate_groups",
           "write_grouping", "GpecError", "InputError"]

if TYPE_CHECKING:  # what IDEs and type checkers read (the same names as _EXPORTS; a test checks it)
    from gpec.comparison import Comparison, compare
    from gpec.errors import GpecError, InputError
    from gpec.evaluate import Evaluation, evaluate
    from gpec.groupings import (GroupData, GroupingOptions, GroupResult, evaluate_groups, load_group_data,
                                solve_groups, write_grouping)
    from gpec.instance import Instance, load_instance
    from gpec.models import build_model
    from gpec.outputs import load_result, write_outputs
    from gpec.planner import Planner
    from gpec.results import Result
    from gpec.scenario import Scenario
    from gpec.solving import solve
    from gpec.sweeps.report import sweep_report
    from gpec.sweeps.run import run_sweep


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
