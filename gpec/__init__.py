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
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["load_instance", "Scenario", "solve", "evaluate", "build_model", "Planner", "write_outputs", "load_result",
           "compare"]


def __getattr__(name):  # lazy, so that importing gpec.evaluate does not pull in the solvers
    if name == "load_instance":
        from gpec.instance import load_instance
        return load_instance
    if name == "Scenario":
        from gpec.scenario import Scenario
        return Scenario
    if name == "solve":
        from gpec.solving import solve
        return solve
    if name == "evaluate":
        from gpec.evaluate import evaluate
        return evaluate
    if name in ("write_outputs", "load_result"):
        import gpec.outputs
        return getattr(gpec.outputs, name)
    if name == "compare":
        from gpec.comparison import compare
        return compare
    if name == "Planner":
        from gpec.planner import Planner
        return Planner
    if name == "build_model":
        from gpec.models import build_model
        return build_model
    raise AttributeError(name)
