"""Small task functions for tests/test_parallel.py, importable by spawned workers and dask workers.

A task is ``(action, argument)``; :func:`act` runs the action named.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

#: Seconds a waiting task waits for its file at most, so that a broken test fails instead of hanging.
WAIT_AT_MOST_S = 120.0


def square(n: int) -> int:
    """``n`` squared."""
    return n * n


def fail(message: str):
    """Raise ``ValueError(message)``."""
    raise ValueError(message)


def exit_now(code: int):
    """End the process at once with ``code``, without answering."""
    os._exit(code)


def kill_self(_):
    """SIGKILL the own process, as the out-of-memory killer would."""
    os.kill(os.getpid(), signal.SIGKILL)


def wait_for(path: str) -> str:
    """Wait until ``path`` exists: ``"released"``, or ``"never released"`` after :data:`WAIT_AT_MOST_S`."""
    deadline = time.monotonic() + WAIT_AT_MOST_S
    while not Path(path).exists():
        if time.monotonic() > deadline:
            return "never released"
        time.sleep(0.01)
    return "released"


def gpec_file(_) -> str:
    """Where the worker imports gpec from."""
    import gpec
    return gpec.__file__


def pid(_) -> int:
    """The worker's process id."""
    return os.getpid()


class Unreadable:
    """A value that pickles but raises when unpickled."""

    def __reduce__(self):
        return fail, ("cannot be read",)


def unreadable(_) -> Unreadable:
    """A value the parent cannot unpickle."""
    return Unreadable()


def unsendable(_):
    """A value that does not pickle."""
    return lambda: None


ACTIONS = {f.__name__: f for f in (square, fail, exit_now, kill_self, wait_for, gpec_file, pid, unreadable,
                                   unsendable)}


def act(task):
    """Run ``ACTIONS[task[0]](task[1])``."""
    action, argument = task
    return ACTIONS[action](argument)



def solve_point_or_fail(task):
    """A sweep's task function (:func:`gpec.sweeps.worker.solve_point`) that raises for the scenario with
    the Région's envelope at 0 and exit rates at their low end (tests/test_sweep.py)."""
    from gpec.sweeps.worker import solve_point

    region = task.scenario.budgets.get("cr75")
    if isinstance(region, dict) and not any(region.values()) and task.scenario.parameters.get(("exit_rate", "as")) == 0.03:
        raise RuntimeError("this scenario raises")
    return solve_point(task)
