"""One solve as a task of a batch (:func:`gpec.parallel.run_tasks`): a small picklable task in, a small
summary out.

A task names its instance by folder (each worker loads it; a path travels faster than the tables) or
gives the :class:`~gpec.instance.Instance` itself; the summary keeps what a sweep compares, not the
decision tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gpec.instance import Instance, load_instance
from gpec.results import Figures
from gpec.scenario import Scenario
from gpec.solving import solve


@dataclass(frozen=True)
class SolveTask:
    """An instance and a scenario to solve.

    Attributes
    ----------
    instance : str, Path or Instance
        An instance folder (loaded by the worker) or a loaded instance.
    scenario : Scenario
        The scenario (default: ``Scenario()``).
    """

    instance: str | Path | Instance
    scenario: Scenario = field(default_factory=Scenario)


@dataclass
class SolveSummary(Figures):
    """What a sweep compares of one solve: the :class:`~gpec.results.Figures` of its Result, and ``message``
    (str), the solver's message when there is no plan."""

    message: str = ""


def solve_task(task: SolveTask) -> SolveSummary:
    """Solve ``task`` with :func:`gpec.solving.solve` and summarise the result."""
    instance = task.instance if isinstance(task.instance, Instance) else load_instance(task.instance)
    result = solve(instance, task.scenario)
    return SolveSummary(result.status, result.objective, result.bound, result.gap, result.cost, result.runtime_s,
                        result.message)
