"""Run independent tasks on spawned worker processes, so that one task's crash costs that task alone.

Every worker is a ``spawn`` process with its own duplex pipe. The parent hands a worker one task at a
time and so always knows which task each worker holds; the worker answers ``("value", v)`` or
``("error", line)`` and waits for the next task. When a worker's process ends without answering (a
segfault, ``os._exit``, ``sys.exit``, a SIGKILL from the out-of-memory killer) the parent sees the
process's sentinel ready and no answer in the pipe, reports that task with the exit code
(:func:`gpec.parallel.task.died_line`) and starts a fresh worker for the tasks left. The standard
``concurrent.futures.ProcessPoolExecutor`` cannot do this: one dead worker breaks the whole pool
(``BrokenProcessPool`` for every pending task) without saying which task killed it.

Workers are started on demand (at most ``workers``, never more than there are tasks), reused from task
to task (a spawned process imports ``gpec`` and the solvers once, about a second), and told to stop
when the batch is done; if the caller stops early (the iterator closed, an exception, Ctrl-C) they
are killed.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from time import perf_counter

from gpec.parallel.task import TaskResult, died_line, error_line

#: Seconds a worker told to stop is given to exit before it is terminated.
STOP_GRACE_S = 10.0


def _serve(function: Callable, conn) -> None:
    """A worker's loop: run ``function`` on each task received, send back its value or error line.

    An ``Exception`` becomes the task's error and the worker goes on; anything else (``SystemExit``,
    ``KeyboardInterrupt``) ends the worker, and the parent reports the task as died. A closed pipe or a
    ``None`` task ends the loop. The worker ignores Ctrl-C (SIGINT reaches the whole process group): the
    parent takes it and terminates its workers, without a traceback from each.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if task is None:
            return
        try:
            answer = ("value", function(task))
        except Exception as error:  # noqa: BLE001 -- every failure of a task is that task's result
            answer = ("error", error_line(error))
        try:
            conn.send(answer)  # pickles in full before writing: a value that does not pickle writes nothing
        except (EOFError, OSError):
            return
        except Exception as error:  # noqa: BLE001
            conn.send(("error", f"the value could not be sent back: {error_line(error)}"))


class _Worker:
    """One spawned worker process, its end of the pipe and the task it holds."""

    def __init__(self, context, function: Callable):
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(function, child), name="gpec-worker", daemon=True)
        self.process.start()
        child.close()
        self.key: str | None = None
        self.started = 0.0

    def hand(self, key: str, task) -> None:
        """Send ``task`` to the worker (raises if ``task`` does not pickle; a dead worker shows later)."""
        self.key, self.started = key, perf_counter()
        try:
            self.conn.send(task)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker already died (e.g. it could not import the function): its sentinel says so

    def collect(self) -> tuple[TaskResult, bool]:
        """The result of the task held, once the pipe or the process is ready; and whether the worker lives."""
        seconds = perf_counter() - self.started
        if self.conn.poll():
            try:
                kind, payload = self.conn.recv()
            except (EOFError, OSError):
                pass  # the worker died: the pipe holds no answer
            except Exception as error:  # noqa: BLE001 -- read in full, but the parent cannot unpickle it
                return TaskResult(self.key, None, f"the value could not be read: {error_line(error)}", seconds), True
            else:
                if kind == "value":
                    return TaskResult(self.key, payload, None, seconds), True
                return TaskResult(self.key, None, payload, seconds), True
        self.process.join()
        self.conn.close()
        return TaskResult(self.key, None, died_line(self.process.exitcode), seconds), False

    def stop(self) -> None:
        """Ask the worker to exit (it is idle)."""
        try:
            self.conn.send(None)
        except OSError:
            pass

    def end(self) -> None:
        """Wait for a stopped worker, terminating it if it does not exit in :data:`STOP_GRACE_S`."""
        self.process.join(STOP_GRACE_S)
        self.kill()

    def kill(self) -> None:
        """Terminate the worker if it still runs and release its resources."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        self.process.close()


def run_in_processes(function: Callable, tasks: dict[str, object], workers: int) -> Iterator[TaskResult]:
    """Run ``function(task)`` for every task on at most ``workers`` spawned processes.

    Parameters
    ----------
    function : callable
        Importable at module level (it is pickled by reference to the spawned workers).
    tasks : dict
        ``key -> task``; every task must pickle.
    workers : int
        Processes at most (at least 1).

    Yields
    ------
    TaskResult
        One per task, as the tasks finish.
    """
    context = multiprocessing.get_context("spawn")
    todo = deque(tasks.items())
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    done = False
    try:
        while todo or busy:
            while todo and (idle or len(busy) < workers):
                key, task = todo.popleft()
                worker = idle.pop() if idle else _Worker(context, function)
                try:
                    worker.hand(key, task)
                except Exception as error:  # noqa: BLE001 -- the task does not pickle
                    idle.append(worker)
                    yield TaskResult(key, None, f"the task could not be sent: {error_line(error)}", 0.0)
                    continue
                busy.append(worker)
            if not busy:
                continue
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for worker in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                busy.remove(worker)
                result, alive = worker.collect()
                if alive:
                    idle.append(worker)
                else:
                    worker.kill()
                yield result
        done = True
    finally:
        if done:
            for worker in idle:
                worker.stop()
            for worker in idle:
                worker.end()
        else:
            for worker in idle + busy:
                worker.kill()
