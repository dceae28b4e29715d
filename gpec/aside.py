"""Work done aside: a function run in a forked child process while this process goes on.

Writing a run's folder is mostly pure Python: the workbook alone takes about as long as the tables,
the report and the chart together (``benchmarks/bench_interrupt.py``), and a thread would not shorten
it (the GIL). :func:`aside` runs such a function in a child forked from this process, which therefore
already holds every table and module it needs, on the second core; it may wait there for a value the
caller computes meanwhile (:meth:`Aside.send`: the check's outcome, which the workbook's first sheet
shows), and :meth:`Aside.wait` waits for it and raises here what it raised there. Where ``fork`` is not offered or not safe to use (every system but
Linux: macOS's frameworks are not fork-safe), the function runs in this process after the block: same
result, one after the other.

The child only writes files: it ignores SIGINT and SIGTERM (this process decides what a signal stops,
and a Ctrl-C in the terminal reaches the whole process group), dies with this process (a ``kill -9``
leaves no writer behind) and ends with :func:`os._exit`, so that it neither flushes this process's
buffers nor runs its exit handlers. Leaving the ``with`` block of :func:`aside` early (an exception, a
second Ctrl-C) kills it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
import warnings
from typing import Callable, Iterator

#: Whether :func:`aside` forks (Linux); elsewhere the function runs in this process.
FORKS = sys.platform.startswith("linux") and hasattr(os, "fork")
#: ``prctl`` option: the signal the child gets when its parent ends.
_PR_SET_PDEATHSIG = 1


class Aside:
    """A function running in a forked child (:func:`aside`): :meth:`send` it what it waits for,
    :meth:`wait` for it, :meth:`kill` it."""

    def __init__(self, pid: int | None, pipe: int | None, what: str, inbox: int | None = None):
        self.pid, self._pipe, self.what, self._inbox = pid, pipe, what, inbox
        self.sent: list = []  # without fork: what the function receives when it runs, after the block

    def send(self, value) -> None:
        """Hand ``value`` to the function (its ``receive()``, :func:`aside`); once."""
        if self.pid is None:  # no child (no fork): kept for the function, which runs after the block
            self.sent.append(value)
            return
        pipe, self._inbox = os.fdopen(self._inbox, "wb"), None
        with contextlib.suppress(BrokenPipeError), pipe:  # a child gone: wait() says why
            pickle.dump(value, pipe)  # closed after: the child sees the end of it

    def _close_inbox(self) -> None:
        if self._inbox is not None:  # nothing sent: the child's receive() fails instead of waiting
            os.close(self._inbox)
            self._inbox = None

    def wait(self) -> None:
        """Wait for the child to end; raise what the function raised in it (the same exception, when it
        pickles), or ``OSError`` when the child ended otherwise (killed)."""
        self._close_inbox()
        if self.pid is None:
            return
        chunks = []
        while chunk := os.read(self._pipe, 1 << 16):
            chunks.append(chunk)
        os.close(self._pipe)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if chunks:
            raise pickle.loads(b"".join(chunks))
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            code = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            kind = "signal" if os.WIFSIGNALED(status) else "code"
            raise OSError(f"the process writing {self.what} ended by {kind} {code}")

    def kill(self) -> None:
        """Stop the child at once if it still runs (nothing it wrote is kept by the caller)."""
        self._close_inbox()
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.close(self._pipe)
        os.waitpid(self.pid, 0)
        self.pid = None


@contextlib.contextmanager
def aside(function: Callable[[Callable[[], object]], object], what: str) -> Iterator[Aside]:
    """Run ``function(receive)`` in a forked child while the ``with`` block runs here; at the end of the
    block, wait for it and raise what it raised (``what`` names its work in a message: ``results.xlsx``).
    ``receive()`` waits for what the block hands over with :meth:`Aside.send` (``EOFError`` when the block
    ends without it). Without fork (module docstring), ``function`` runs here, after the block."""
    if not FORKS:
        child = Aside(None, None, what)
        yield child
        function(lambda: child.sent[0] if child.sent else _nothing_sent())
        return
    read, write = os.pipe()
    inbox_read, inbox_write = os.pipe()
    parent = os.getpid()
    with warnings.catch_warnings():  # Python >= 3.12 warns on a fork with threads running: the child
        # only writes files (no lock of another thread: the writers are imported before the fork)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        os.close(inbox_write)
        _run_child(lambda: function(lambda: _receive(inbox_read)), write, parent)
    os.close(write)
    os.close(inbox_read)
    child = Aside(pid, read, what, inbox_write)
    try:
        yield child
        child.wait()
    finally:
        child.kill()


def _receive(pipe: int):
    """In the child: what the parent sent (:meth:`Aside.send`), waited for."""
    with os.fdopen(pipe, "rb") as stream:
        return pickle.load(stream)


def _nothing_sent():
    raise EOFError("nothing was sent to the function run aside")


def _run_child(function: Callable[[], object], pipe: int, parent: int) -> None:
    """The child's whole life: the function, then what it raised (pickled) into ``pipe``; never returns."""
    code = 0
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent ended before prctl took effect
            os._exit(1)
        function()
    except BaseException as exc:  # noqa: BLE001 — carried to the parent
        code = 1
        try:
            payload = pickle.dumps(exc)
        except Exception:  # noqa: BLE001 — an exception that does not pickle: its words
            payload = pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))
        with contextlib.suppress(OSError):
            view = memoryview(payload)
            while view:
                view = view[os.write(pipe, view):]
    finally:
        os._exit(code)
