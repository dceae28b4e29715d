"""Run independent tasks on a dask.distributed cluster: a ``LocalCluster`` started for the batch
(``--dask local``) or an existing scheduler (``--dask tcp://host:8786``).

The local cluster has ``workers`` single-threaded worker processes (default
:data:`LOCAL_WORKERS`) and a scheduler that gives up on a task as soon as one worker died running it
(``distributed.scheduler.allowed-failures: 0``): a task that kills its worker is reported at once as
``worker died (...)`` (dask's ``KilledWorker``), the nanny restarts the worker and the other tasks go on.
An existing scheduler keeps its own setting (dask's default retries a task on 3 more workers).

Tasks are submitted as workers are free (at most ``workers`` in flight, by default the cluster's
threads), not all at once: a worker then holds only the task it runs, and when it dies the scheduler
counts no other task as a suspect.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter
from uuid import uuid4

from gpec.errors import GpecError
from gpec.parallel.task import TaskResult, error_line

#: Worker processes of ``--dask local`` when ``workers`` is not given.
LOCAL_WORKERS = 2
#: Seconds to reach an existing scheduler before ``--dask ADDRESS`` is reported unreachable.
CONNECT_TIMEOUT_S = 5.0
#: Dask settings of the local cluster's scheduler (see the module docstring).
LOCAL_CONFIG = {"distributed.scheduler.allowed-failures": 0}


@contextmanager
def connect(address: str, workers: int | None):
    """A ``distributed.Client`` on a new local cluster (``address == "local"``) or on the scheduler at
    ``address``; both are closed on exit.

    Raises
    ------
    GpecError
        When ``distributed`` is not installed or no scheduler answers at ``address`` within
        :data:`CONNECT_TIMEOUT_S`.
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise GpecError("--dask needs dask.distributed: pip install 'distributed'") from None
    if address == "local":
        with dask.config.set(LOCAL_CONFIG):
            cluster = LocalCluster(n_workers=workers or LOCAL_WORKERS, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise GpecError(f"--dask {address}: no dask scheduler answers there ({error_line(error)})") from None
    try:
        yield client
    finally:
        client.close()


def died_on_cluster(error) -> str:
    """The error line of a task whose workers died running it (dask's ``KilledWorker``)."""
    return f"worker died (dask: {error.allowed_failures + 1} worker(s) died running it)"


def run_on_cluster(function: Callable, tasks: dict[str, object], workers: int | None,
                   address: str) -> Iterator[TaskResult]:
    """Run ``function(task)`` for every task on the dask cluster :func:`connect` gives.

    Parameters
    ----------
    function : callable
        Importable by the workers (pickled by reference when it is a module-level function).
    tasks : dict
        ``key -> task``.
    workers : int or None
        Worker processes of a local cluster; tasks in flight at most (default: the cluster's threads).
    address : str
        ``"local"`` or a scheduler address.

    Yields
    ------
    TaskResult
        One per task, as the tasks finish.
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    with connect(address, workers) as client:
        limit = workers or max(1, sum(client.nthreads().values()))
        token = uuid4().hex
        todo = deque(tasks.items())
        running = {}
        finished = as_completed()
        try:
            while todo or running:
                while todo and len(running) < limit:
                    key, task = todo.popleft()
                    try:
                        future = client.submit(function, task, key=f"gpec-{key}-{token}", pure=False)
                    except Exception as error:  # noqa: BLE001 -- the task does not serialise
                        yield TaskResult(key, None, f"the task could not be sent: {error_line(error)}", 0.0)
                        continue
                    running[future] = (key, perf_counter())
                    finished.add(future)
                if not running:
                    continue
                future = next(finished)
                key, started = running.pop(future)
                try:
                    value, error = future.result(), None
                except KilledWorker as killed:
                    value, error = None, died_on_cluster(killed)
                except Exception as failure:  # noqa: BLE001 -- every failure of a task is that task's result
                    value, error = None, error_line(failure)
                future.release()
                yield TaskResult(key, value, error, perf_counter() - started)
        finally:
            if running:
                client.cancel(list(running))
