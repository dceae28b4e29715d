"""Ctrl-C (SIGINT) and SIGTERM during a solve: a request to stop that keeps the best plan found.

Within :func:`catching` (the CLI's ``gpec solve`` and :func:`gpec.groupings.solve_groups` open it), the
first SIGINT or SIGTERM does not raise: it is recorded (:func:`requested` turns True) and the solver
running at that moment is stopped at once, keeping its incumbent. The solve then skips what is left
(later stages, ``--verify``, shadow prices, the diagnosis), returns its plan with a message saying it was
interrupted, and the command writes it and exits 130 (:class:`Interrupted`).

**Why a watcher thread.** Python runs a signal handler only when the main thread executes Python code,
and a solver's C++ code runs for seconds without calling back into Python: HiGHS's MIP callback was
measured up to 5 s apart during the root cut loop of the Landes at 2 M EUR. So the handler is installed
(that makes Python catch the signal at the C level) and :func:`signal.set_wakeup_fd` hands each signal's
number to a thread of ours, which records the request and calls the stop hooks that the solver
backends register while they run (:func:`stoppable`): HiGHS's time limit set to 0 (checked within its
LP iterations, measured 0.1 to 1.4 s), OR-Tools' ``InterruptSolve``, CP-SAT's ``stop_search``. The
solvers release the GIL while they run, so the thread runs at once.

**Why a solver thread.** Some solver steps notice neither: HiGHS's sub-MIPs copy the time limit when
they start and do not call back (measured 27 s in the root heuristics of the Landes at 2 M EUR), SCIP
notices ``InterruptSolve`` only between its LPs. So within :func:`catching` HiGHS (and ``--verify``'s
SCIP) run in a solver thread of the block (:func:`call_stoppable`) while the main thread waits; a solve
not stopped :data:`GRACE_S` after the signal is left running there (:class:`Abandoned`), its backend
returning the best solution its callback reported, and the command ends with :func:`os._exit`.

A second signal aborts: the process ends at once with exit code 130 (``hard=True``, the CLI: the output
folder is replaced as one unit, so it holds the previous or the new complete result) or, in a library
(``hard=False``), the handler in place before :func:`catching` gets it (Python's: ``KeyboardInterrupt``).

The handlers are installed only from the main thread (elsewhere :func:`catching` catches nothing), not
for a signal the process ignores (a background job's SIGINT, ``nohup``), and restored when the block
ends. :func:`finishing` lets a short step that makes an incumbent usable (the plan made whole in every
bassin) run although a stop was requested.

Not interruptible: HiGHS's IIS (``getIis`` holds the GIL: the diagnosis's conflict step runs to its time
share) and Python code (loading, the model build, the tables, the check, writing): they finish first.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import sys
import threading
import time
from typing import Callable

#: The signals turned into a stop request.
SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: Exit code of an interrupted command (128 + SIGINT, as shells report Ctrl-C).
EXIT_CODE = 130
#: Seconds a solver run by :func:`call_stoppable` (HiGHS, ``--verify``'s SCIP) is waited for after the stop
#: request before it is left running in its thread (:class:`Abandoned`). HiGHS stops within about 0.1 s
#: when it listens (benchmarks/bench_interrupt.py); inside a sub-MIP it may not for tens of seconds.
GRACE_S = 0.3
#: Nice value of a solver thread left running: what the command still does (its plan made whole, checked
#: and written) comes first on a busy core (Linux, where a thread has its own priority).
LEFT_RUNNING_NICE = 19


class Interrupted(Exception):
    """A command was interrupted: :func:`gpec.cli.main` prints ``gpec: interrupted: <message>`` and exits
    with :data:`EXIT_CODE`."""


class Abandoned(Exception):
    """A solver run by :func:`call_stoppable` did not stop within :data:`GRACE_S` of the request: it runs
    on in its thread (which holds it) until it notices; its answer is lost."""


class Catcher:
    """What one :func:`catching` block caught: ``signum``, the first signal (``None``: none yet)."""

    def __init__(self, hard: bool = False, live: bool = True):
        self.signum: int | None = None
        self.at: float | None = None  # time.perf_counter() at the first signal
        self.abandoned = 0  # solver threads left running (Abandoned)
        self.count = 0
        self.hard, self.live = hard, live
        self._stops: dict[object, Callable[[], None]] = {}
        self._lock = threading.Lock()
        self._finishing = 0
        self._previous: dict[int, object] = {}
        self._handled = 0  # calls of the Python-level handler
        self._worker: _Worker | None = None  # the solver thread of call_stoppable

    @property
    def name(self) -> str | None:
        """``SIGINT`` or ``SIGTERM`` once caught."""
        return None if self.signum is None else signal.Signals(self.signum).name

    def received(self, signum: int) -> None:
        """A signal arrived (called by the watcher thread): the first records the request and calls the
        stop hooks; a further one aborts when ``hard``."""
        with self._lock:  # the hooks run under the lock: none is called once its block has ended
            self.count += 1
            first = self.signum is None
            if first:
                self.signum, self.at = signum, time.perf_counter()
                for stop in self._stops.values():
                    _quietly(stop)
        if not first and self.hard:
            os.write(2, b"gpec: interrupted again: stopped at once\n")
            os._exit(EXIT_CODE)

    def worker(self) -> "_Worker":
        """The block's solver thread (a new one after one was left running)."""
        if self._worker is None:
            self._worker = _Worker()
        return self._worker

    def handler(self, signum: int, frame) -> None:
        """The Python-level handler (main thread): the watcher thread acts on the first signal; a later
        one goes to the handler that was in place before, unless ``hard`` (the watcher exits)."""
        self._handled += 1
        if self.hard or self._handled < 2:
            return
        previous = self._previous.get(signum)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)


_active: Catcher | None = None
_last: Catcher | None = None


@contextlib.contextmanager
def catching(hard: bool = False):
    """Turn SIGINT and SIGTERM into a stop request for the duration of the block (module docstring);
    yields the :class:`Catcher`. Nested blocks share the outer one; outside the main thread the block
    catches nothing (its catcher never fires)."""
    global _active, _last
    if _active is not None:
        yield _active
        return
    if threading.current_thread() is not threading.main_thread():
        yield Catcher(hard, live=False)
        return
    catcher = Catcher(hard)
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    watcher = threading.Thread(target=_watch, args=(reader, catcher), name="gpec-interrupt", daemon=True)
    watcher.start()
    previous_fd = None
    try:  # what is set up is undone, also when setting up fails half-way
        previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        # a signal ignored when the block starts stays ignored (a background job's SIGINT, nohup)
        for s in SIGNALS:
            if signal.getsignal(s) != signal.SIG_IGN:
                catcher._previous[s] = signal.signal(s, catcher.handler)
        _active = _last = catcher
        yield catcher
    finally:
        # a handler installed from C (previous None) cannot be put back from Python: the default is
        for s, previous in catcher._previous.items():
            signal.signal(s, previous if previous is not None else signal.SIG_DFL)
        if previous_fd is not None:
            signal.set_wakeup_fd(previous_fd)
        with contextlib.suppress(OSError):
            writer.send(b"\0")  # ends the watcher once it has read what came before
        watcher.join(timeout=5.0)
        if catcher._worker is not None:
            catcher._worker.stop()
        _active = None
        reader.close()
        writer.close()


def _watch(reader: socket.socket, catcher: Catcher) -> None:
    """The watcher thread: each byte the C-level handler writes is a signal number; 0 ends it."""
    while True:
        try:
            data = reader.recv(64)
        except OSError:
            return
        for signum in data:
            if signum == 0:
                return
            if signum in SIGNALS:
                catcher.received(signum)
        if not data:
            return


def active() -> bool:
    """Whether a :func:`catching` block is catching signals now (backends then poll :func:`requested`)."""
    return _active is not None and _active.live


def requested() -> bool:
    """Whether a stop was requested (a first signal arrived) and no :func:`finishing` step runs."""
    catcher = _active
    return catcher is not None and catcher.signum is not None and catcher._finishing == 0


def signal_name() -> str | None:
    """The signal that requested the stop in the current (or else the last) block: ``SIGINT``, ``SIGTERM``."""
    catcher = _active or _last
    return None if catcher is None else catcher.name


def last() -> Catcher | None:
    """The catcher of the current or the last :func:`catching` block (``None`` before any)."""
    return _active or _last


@contextlib.contextmanager
def stoppable(stop: Callable[[], None]):
    """Register ``stop`` (called from the watcher thread on the first signal: it must be thread-safe and
    quick, e.g. a solver's interrupt) for the duration of the block. A caller checks :func:`requested`
    after entering: a signal that came before the hook was registered does not call it."""
    catcher = _active
    if catcher is None:
        yield
        return
    token = object()
    with catcher._lock:
        catcher._stops[token] = stop
    try:
        yield
    finally:
        with catcher._lock:
            catcher._stops.pop(token, None)


def call_stoppable(call: Callable, stop: Callable[[], None], grace: float | None = None):
    """``call()`` (a solver's solve, which must release the GIL), stopped by ``stop`` on a signal; returns
    its value. With ``grace`` seconds, within :func:`catching`, it runs in the block's solver thread while
    this thread waits, so that a solver that does not stop at once (HiGHS inside a sub-MIP, SCIP inside an
    LP) is left running ``grace`` seconds after the signal: :class:`Abandoned` is raised, and the caller
    must not touch that solver again (the thread holds it; the next call gets a new thread). A command
    that abandoned one ends with :func:`os._exit` (:attr:`Catcher.abandoned`). Without ``grace``, or
    outside :func:`catching`, it runs here, and a solver that does not stop at once is waited for.
    """
    catcher = _active
    if catcher is None or not catcher.live or grace is None:
        with stoppable(stop):
            return call()
    box: dict = {}
    done = threading.Event()

    def task() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    with stoppable(stop):
        worker = catcher.worker()
        started = time.perf_counter()
        worker.tasks.put(task)
        while not done.wait(0.02):  # grace from the signal, or from this call when it began later
            if requested() and time.perf_counter() - max(catcher.at, started) > grace:
                worker.retired, catcher._worker = True, None
                worker.yield_cpu()
                catcher.abandoned += 1
                raise Abandoned()
    if "error" in box:
        raise box["error"]
    return box["value"]


def at_worker_exit(key: str, cleanup: Callable[[], None]) -> None:
    """Run ``cleanup`` in the solver thread of :func:`call_stoppable` when it ends (once per ``key``; e.g.
    HiGHS's per-thread scheduler shut down); nothing when called from another thread."""
    worker = getattr(_local, "worker", None)
    if worker is not None:
        worker.cleanups.setdefault(key, cleanup)


def lower_priority(native_id: int | None, nice: int) -> None:
    """Set the nice value of the thread of ``native_id`` (:func:`threading.get_native_id`) to ``nice``, on
    Linux, where a thread's native id is a process id for ``setpriority``; nothing elsewhere."""
    if sys.platform.startswith("linux") and native_id is not None:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, native_id, nice)


class _Worker:
    """The thread that runs the solves of a :func:`catching` block (per-thread solver state, such as
    HiGHS's task scheduler, is made once). It ends on ``None``, or after its task once ``retired``."""

    def __init__(self):
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.retired = False
        self.cleanups: dict[str, Callable[[], None]] = {}
        self.thread = threading.Thread(target=self._loop, name="gpec-solver", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        _local.worker = self
        while True:
            task = self.tasks.get()
            if task is None:
                break
            task()
            if self.retired:
                break
        for cleanup in self.cleanups.values():
            _quietly(cleanup)

    def yield_cpu(self) -> None:
        """Give the thread the lowest priority (:data:`LEFT_RUNNING_NICE`), on Linux; nothing elsewhere."""
        lower_priority(self.thread.native_id, LEFT_RUNNING_NICE)

    def stop(self) -> None:
        """End the thread once its task is done (waits a little for it)."""
        self.tasks.put(None)
        self.thread.join(timeout=5.0)


_local = threading.local()


@contextlib.contextmanager
def finishing():
    """A short step that makes the incumbent usable runs although a stop was requested: within the block
    :func:`requested` is False (a further signal still aborts, as usual)."""
    catcher = _active
    if catcher is None:
        yield
        return
    catcher._finishing += 1
    try:
        yield
    finally:
        catcher._finishing -= 1


def _quietly(stop: Callable[[], None]) -> None:
    """Call a stop hook; a hook that fails (its solver already gone) must not end the watcher."""
    try:
        stop()
    except Exception:  # noqa: BLE001 - the watcher thread must survive any hook
        pass
