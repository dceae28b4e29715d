"""The what-ifs of the server: one worker process per instance, a queue each, cancel, progress.

Each instance has one :class:`Worker`: a ``spawn`` process running :func:`gpec.web.worker.serve` (a
warm :class:`~gpec.planner.Planner`), its pipe, and a thread of the server reading that pipe. One
what-if solves at a time per instance; the others wait in the instance's queue (at most
:data:`MAX_QUEUE`); instances solve side by side. A what-if is a :class:`Job` keyed by its scenario's
hash: asking again for a hash queued, running or done gets the same job (no second solve).

Cancel: a queued job is dropped; a running one is stopped by a SIGINT to its worker and answers with
its incumbent, saying it was interrupted (state ``cancelled``: such an answer is never the scenario's
answer, so asking again solves again). The shadow prices, computed after the answer, are stopped the
same way when another what-if waits. A worker that dies (killed, out of memory) fails the job it held
(``worker died (exit code -9)``) and a fresh worker takes the queue on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

from gpec.parallel.task import died_line, error_line
from gpec.results import Result
from gpec.scenario import Scenario

#: What-ifs waiting per instance at most (one more is refused: HTTP 429).
MAX_QUEUE = 8
#: Finished jobs kept in memory (the oldest are dropped first; the cache folder keeps their outputs).
KEEP_DONE = 64
#: A worker that dies this many times in a row before it is ready is not started again.
MAX_FAILED_STARTS = 3
#: Seconds a worker told to stop is given to exit before it is killed.
STOP_GRACE_S = 5.0


class QueueFull(Exception):
    """An instance's queue holds :data:`MAX_QUEUE` what-ifs already."""


@dataclass
class Job:
    """One what-if: its scenario and, as it runs, its state, progress and result.

    Attributes
    ----------
    request : dict
        The request as answers echo it (:func:`gpec.web.scenarios.normalised`).
    body : dict
        The request as received (what the cache folder keeps, to answer it again after a restart).
    state : str
        ``queued``, ``running``, ``done``, ``cancelled`` or ``error``.
    progress : dict or None
        The last progress of the solve: stage, seconds, incumbent, bound, gap.
    prices : str
        The shadow prices: ``pending`` (computed after the answer), ``done`` or ``none``.
    """

    hash: str
    instance: str
    scenario: Scenario
    request: dict
    body: dict
    state: str = "queued"
    progress: dict | None = None
    result: Result | None = None
    error: str = ""
    prices: str = "none"
    cancel_asked: bool = False


class Worker:
    """One instance's worker process, its pipe and the server thread reading it (module docstring)."""

    def __init__(self, name: str, folder: Path, jobs: "Jobs"):
        self.name, self.folder, self.jobs = name, folder, jobs
        self.queue: deque[Job] = deque()
        self.holding: Job | None = None  # the job the process works on (solve, then shadow prices)
        self.signalled = False  # a SIGINT was sent for the job held (one is enough; a second would abort)
        self.ready = False
        self.failed = ""  # why the process could not load its instance (it is not restarted then)
        self.process = self.conn = None
        self.failed_starts = 0  # processes that died before they were ready, in a row
        self.closing = False
        self._start()
        self.thread = threading.Thread(target=self._read, name=f"gpec-serve-{name}", daemon=True)
        self.thread.start()

    def _start(self) -> None:
        from gpec.web.worker import serve

        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=serve, args=(str(self.folder), child), name=f"gpec-serve-{self.name}",
                                       daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    # -- under Jobs.lock ----------------------------------------------------------------------
    def dispatch(self) -> None:
        """Hand the next queued job to the process when it is idle; stop its shadow prices when a job waits."""
        if not self.ready or self.closing:
            return
        if self.holding is not None:
            if self.queue and self.holding.state == "done" and self.holding.prices == "pending":
                self.interrupt()
            return
        if self.queue:
            job = self.queue.popleft()
            self.holding, self.signalled = job, False
            job.state = "running"
            self.jobs.solves += 1
            try:
                self.conn.send((job.hash, job.scenario))
            except OSError:
                pass  # the process died: its sentinel says so

    def interrupt(self) -> None:
        """Stop what the process does for the job held (once: a second SIGINT would abort it)."""
        if self.holding is None or self.signalled:
            return
        self.signalled = True
        with contextlib.suppress(OSError):
            os.kill(self.process.pid, signal.SIGINT)

    # -- the reading thread -------------------------------------------------------------------
    def _read(self) -> None:
        while not self.closing:
            conn, process = self.conn, self.process
            ready = wait([conn, process.sentinel])
            message = None
            if conn in ready:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    message = None
                except Exception as error:  # noqa: BLE001 -- an answer that does not unpickle
                    message = ("error", self.holding.hash if self.holding else "", f"unreadable answer: {error}")
            if message is not None:
                with self.jobs.lock:
                    try:
                        self._handle(message)
                    except Exception as error:  # noqa: BLE001 -- the reading thread outlives any answer
                        if self.holding is not None:  # the held job fails, as on a worker's own error
                            with contextlib.suppress(Exception):
                                self._handle(("error", self.holding.hash, error_line(error)))
                continue
            process.join()
            if self.closing:
                return
            with self.jobs.lock:
                self._died(process.exitcode)
            if self.failed:
                return

    def _handle(self, message: tuple) -> None:
        kind, key, *rest = message
        job = self.holding if self.holding is not None and self.holding.hash == key else None
        if kind == "ready":
            self.ready, self.failed_starts = True, 0
        elif kind == "failed":
            self._fail(rest[0])
        elif job is None:
            return
        elif kind == "progress":
            job.progress = rest[0]
        elif kind == "done":
            result = self.jobs.rebuild(job, rest[0])
            interrupted = job.cancel_asked or result.message.startswith("interrupted")
            job.result, job.state = result, "cancelled" if interrupted else "done"
            job.prices = "pending" if job.state == "done" and result.has_solution else "none"
            if job.prices == "none":
                self.jobs.priced(job)
        elif kind == "prices":  # None: not computed (stopped before they started)
            if rest[0] is not None:
                job.result = replace(job.result, shadow_prices=rest[0])
            job.prices = "done" if rest[0] is not None else "none"
            self.jobs.priced(job)
        elif kind in ("cancelled", "error"):
            if job.state in ("queued", "running"):
                job.state, job.error = kind, rest[0] if rest else "cancelled"
            if job.prices == "pending":
                job.prices = "none"
                self.jobs.priced(job)
        elif kind == "idle":
            self.holding, self.signalled = None, False
        self.dispatch()

    def _died(self, code) -> None:
        """The process ended: fail the job it held (unless answered), start a fresh one."""
        job, self.holding, self.signalled = self.holding, None, False
        if job is not None:
            if job.state in ("queued", "running"):
                job.state, job.error = "error", died_line(code)
            if job.prices == "pending":
                job.prices = "none"
                self.jobs.priced(job)
        self.conn.close()
        if not self.ready:
            self.failed_starts += 1
            if self.failed_starts >= MAX_FAILED_STARTS:
                self._fail(f"its solving process died {self.failed_starts} times at start ({died_line(code)})")
        if not self.failed:
            self._start()

    def _fail(self, why: str) -> None:
        """The instance cannot be solved here: every waiting job fails, and so will the next ones."""
        self.failed = why
        for waiting in self.queue:
            waiting.state, waiting.error = "error", f"instance {self.name} cannot be loaded: {why}"
        self.queue.clear()

    def stop(self) -> None:
        """Stop the process (it ends its loop; killed when it does not within :data:`STOP_GRACE_S`)."""
        self.closing = True
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.interrupt()
        self.process.join(STOP_GRACE_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.thread.join(STOP_GRACE_S)
        self.conn.close()


class Jobs:
    """The what-ifs of every instance (module docstring).

    Parameters
    ----------
    folders : dict
        Instance name -> folder.
    rebuild : callable
        ``rebuild(job, result) -> Result``: the result of a worker with what it left out (``applied``).
    priced : callable
        Called under :attr:`lock` when a job's answer is complete: its shadow prices are in, or none will come.
    """

    def __init__(self, folders: dict[str, Path], rebuild: Callable, priced: Callable):
        self.lock = threading.RLock()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.solves = 0
        self.rebuild, self.priced = rebuild, priced
        self.workers = {name: Worker(name, Path(folder), self) for name, folder in folders.items()}

    def submit(self, job: Job) -> Job:
        """Queue ``job``, or return the job of the same hash queued, running or done.

        Raises
        ------
        QueueFull
            When the instance's queue is full.
        """
        with self.lock:
            known = self.jobs.get(job.hash)
            if known is not None and known.state in ("queued", "running", "done"):
                self.jobs.move_to_end(job.hash)
                return known
            worker = self.workers[job.instance]
            if len(worker.queue) >= MAX_QUEUE:
                raise QueueFull(f"{len(worker.queue)} what-ifs already wait for instance {job.instance}; "
                                "try again when one is done")
            if worker.failed:
                job.state, job.error = "error", f"instance {job.instance} cannot be loaded: {worker.failed}"
            else:
                worker.queue.append(job)
            self.jobs[job.hash] = job
            self._forget()
            worker.dispatch()
            return job

    def add_done(self, job: Job) -> Job:
        """Keep a finished job read back from the cache folder."""
        with self.lock:
            self.jobs.setdefault(job.hash, job)
            self._forget()
            return self.jobs[job.hash]

    def get(self, key: str) -> Job | None:
        """A copy of the job of hash ``key`` (``None``: unknown)."""
        with self.lock:
            job = self.jobs.get(key)
            return replace(job) if job is not None else None

    def position(self, key: str) -> int:
        """0 for a job running (or not waiting), else its place in its instance's queue (1: next)."""
        with self.lock:
            job = self.jobs.get(key)
            if job is None or job.state != "queued":
                return 0
            queue = self.workers[job.instance].queue
            return next((i for i, waiting in enumerate(queue, start=1) if waiting is job), 0)

    def cancel(self, key: str) -> Job | None:
        """Cancel the job of hash ``key``: dropped when queued, stopped when running; a copy of it."""
        with self.lock:
            job = self.jobs.get(key)
            if job is None:
                return None
            worker = self.workers[job.instance]
            if job.state == "queued":
                with contextlib.suppress(ValueError):
                    worker.queue.remove(job)
                job.state, job.error = "cancelled", "cancelled before it started"
            elif job.state == "running" and worker.holding is job:
                job.cancel_asked = True
                worker.interrupt()
            return replace(job)

    def _forget(self) -> None:
        """Drop the oldest finished jobs beyond :data:`KEEP_DONE`."""
        ended = [k for k, j in self.jobs.items() if j.state in ("done", "cancelled", "error") and j.prices != "pending"]
        for key in ended[:max(0, len(ended) - KEEP_DONE)]:
            del self.jobs[key]

    def close(self) -> None:
        """Stop every worker."""
        for worker in self.workers.values():
            worker.stop()
