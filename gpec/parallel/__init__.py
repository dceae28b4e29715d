"""The one place gpec runs independent tasks in parallel (France solved région by région, scenario sweeps).

:func:`run_tasks` runs ``function(task)`` for every task of a batch, on spawned worker processes
(:mod:`gpec.parallel.processes`) or on a dask cluster (:mod:`gpec.parallel.cluster`), and yields each
task's :class:`TaskResult` as it finishes. A task that raises, or whose worker process dies, is reported
with a one-line error and the others go on.

The function must be importable at module level (``gpec.batch.solve_task``, not a lambda or a nested
function): workers are spawned, not forked, and import it by name. Tasks and values must pickle; keep
them small (a path and a :class:`~gpec.scenario.Scenario` in, a summary out), each travels through a
pipe or the network. A script that calls :func:`run_tasks` needs the ``if __name__ == "__main__":``
guard, as any user of spawned processes.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterator
from contextlib import closing

from gpec.errors import GpecError
from gpec.parallel.task import TaskResult, died_line, error_line

__all__ = ["TaskResult", "died_line", "error_line", "run_tasks", "slots"]


def run_tasks(function: Callable, tasks: dict[str, object], workers: int | None = None, dask: str | None = None,
              progress: Callable[[int, int, TaskResult], None] | None = None) -> Iterator[TaskResult]:
    """Run ``function(task)`` for every task; yield the results as they finish (not in submission order).

    Parameters
    ----------
    function : callable
        Called with one task; importable at module level (see the module docstring).
    tasks : dict
        ``key -> task``: the key names the task in its :class:`TaskResult`.
    workers : int, optional
        Worker processes at most (default: ``os.cpu_count()``; with ``dask="local"``, the cluster's
        workers, default 2; with a scheduler address, the tasks in flight, default its threads).
    dask : str, optional
        ``None``: a pool of spawned processes. ``"local"``: a dask ``LocalCluster`` started for the batch
        and closed after it. Any other string: the address of a running dask scheduler
        (``tcp://host:8786``).
    progress : callable, optional
        ``progress(done, total, result)``, called after each result, before it is yielded.

    Yields
    ------
    TaskResult
        One per task. Its ``error`` is ``None`` on success, else one line: the exception's type and
        message, or ``worker died (exit code N)`` when the task's process ended without answering.

    Raises
    ------
    GpecError
        ``workers`` below 1, an empty ``dask``, or a scheduler that does not answer (raised when the
        iteration starts).
    TypeError
        ``function`` does not pickle (a lambda, a nested function).

    Examples
    --------
    >>> from gpec.batch import SolveTask, solve_task                                  # doctest: +SKIP
    >>> tasks = {f"{b} EUR": SolveTask("instances/landes", Scenario(budgets={"cd40": b}))
    ...          for b in (500_000, 1_000_000)}                                       # doctest: +SKIP
    >>> for result in run_tasks(solve_task, tasks, workers=2):                        # doctest: +SKIP
    ...     print(result.key, result.error or result.value.objective)
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise GpecError(f"--workers must be a whole number at least 1, got {workers!r}")
    if dask is not None and not (isinstance(dask, str) and dask.strip()):
        raise GpecError(f"--dask must be 'local' or a scheduler address such as tcp://host:8786, got {dask!r}")
    try:
        pickle.dumps(function)
    except Exception as error:  # noqa: BLE001 -- pickle raises several types
        raise TypeError(f"run_tasks needs a function importable at module level: {error_line(error)}") from None
    return _run(function, dict(tasks), workers, dask, progress)


def slots(workers: int | None = None, dask: str | None = None) -> int:
    """How many tasks :func:`run_tasks` runs at once with these options: ``workers`` when given, else
    the cores (process pool), a local cluster's default workers, or a running scheduler's threads (asked
    of it: :class:`~gpec.errors.GpecError` when it does not answer)."""
    if workers is not None:
        return workers
    if dask is None:
        return os.cpu_count() or 1
    from gpec.parallel.cluster import LOCAL_WORKERS, connect
    if dask.strip() == "local":
        return LOCAL_WORKERS
    with connect(dask.strip(), None) as client:
        return max(1, sum(client.nthreads().values()))


def _run(function, tasks, workers, dask, progress) -> Iterator[TaskResult]:
    """The iteration of :func:`run_tasks`, once its options are checked."""
    if not tasks:
        return
    if dask is None:
        from gpec.parallel.processes import run_in_processes
        results = run_in_processes(function, tasks, workers or os.cpu_count() or 1)
    else:
        from gpec.parallel.cluster import run_on_cluster
        results = run_on_cluster(function, tasks, workers, dask.strip())
    with closing(results):
        for done, result in enumerate(results, start=1):
            if progress is not None:
                progress(done, len(tasks), result)
            yield result

