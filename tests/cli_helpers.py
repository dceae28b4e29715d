"""Running gpec's command line in tests, and the one check of a refusal (P12).

- :func:`run_gpec` runs the command line in this process through :func:`gpec.cli.main`, the console
  script's entry point (so a :class:`~gpec.errors.GpecError`, or an option typer refuses, becomes one
  line on stderr and exit code 2 exactly as in a real process), with ``sys.argv`` set and stdout and
  stderr captured. No interpreter to start, nothing to import again: the default.
- :func:`run_gpec_process` runs ``python -m gpec.cli`` as a subprocess. Only for what a real process
  alone shows: that nothing else reaches stderr (a warning printed while importing, a message at
  interpreter shutdown) and the exit status the shell sees.
- :class:`TerminalRun` runs ``python -m gpec.cli`` with stderr on a pseudo-terminal, to be signalled
  (the interrupt tests of ``gpec solve`` and ``gpec groups``).
- :func:`assert_one_line_error`: exit code 2 and exactly one line on stderr, ``gpec: error: ...``,
  naming where (every needle), never a traceback.

Plain functions rather than fixtures: module-scoped fixtures and hypothesis examples use them too.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pytest

from gpec.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: Seconds a subprocess of :func:`run_gpec_process` may run (a hung run fails the test).
PROCESS_TIMEOUT = 300


class CliRun(NamedTuple):
    """What one command printed and how it ended."""

    code: int
    out: str
    err: str


def run_gpec(*args) -> CliRun:
    """``gpec ARGS`` in this process (:func:`gpec.cli.main`); its exit code, stdout and stderr.

    An exception that escapes ``main`` (never a user error: those are one line and exit code 2) is
    not caught: the test fails with its traceback.
    """
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["gpec", *map(str, args)]
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main()
        code = 0
    except SystemExit as stop:
        code = exit_code(stop.code)
    finally:
        sys.argv = argv
    return CliRun(code, out.getvalue(), err.getvalue())


def exit_code(code) -> int:
    """The status a process reports for ``sys.exit(code)``: 0 for ``None``, 1 for a message."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run_gpec_process(*args) -> CliRun:
    """``python -m gpec.cli ARGS`` as a subprocess, from the repository's root; its exit status, stdout and
    stderr."""
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=PROCESS_TIMEOUT)
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def assert_one_line_error(code: int, stderr: str, *needles: str, stdout: str | None = None) -> str:
    """Exit code 2 and exactly one line on stderr, ``gpec: error: ...``, holding every needle, and no
    traceback (on stdout either, when given); returns the line."""
    assert "Traceback" not in stderr, stderr
    if stdout is not None:
        assert "Traceback" not in stdout, stdout
    assert code == 2, (code, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    line = lines[0]
    assert line.startswith("gpec: error: "), line
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    return line


# -- a run on a pseudo-terminal, to be signalled (gpec.interrupt) -----------------------------------------

#: Seconds a run on a terminal may take to reach what a test waits for, or to end.
PATIENCE = 300


def default_signals() -> None:
    """In the child: SIGINT and SIGTERM as a shell gives them (a test runner's worker may ignore SIGINT,
    and an ignored signal stays ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def gpec_env() -> dict:
    """The environment of a gpec subprocess: this checkout importable, a terminal 160 columns wide."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "TERM": "xterm", "COLUMNS": "160"}


class TerminalRun:
    """``gpec ARGS`` as a subprocess in a session of its own (``os.killpg`` signals it as a whole), stderr
    on a pseudo-terminal (its live line, read as it comes), stdout to a file in ``tmp_path``."""

    def __init__(self, tmp_path, *args):
        self.master, slave = pty.openpty()
        self.stdout_path = tmp_path / f"stdout-{time.monotonic_ns()}.txt"
        with open(self.stdout_path, "w") as stdout:
            self.proc = subprocess.Popen([sys.executable, "-m", "gpec.cli", *map(str, args)], cwd=ROOT,
                                         env=gpec_env(), stdin=subprocess.DEVNULL, stdout=stdout, stderr=slave,
                                         start_new_session=True, preexec_fn=default_signals)
        os.close(slave)
        self.stderr = ""

    def _read(self, timeout: float) -> bool:
        """Read what the terminal has within ``timeout``; False once it is closed."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.stderr += chunk.decode("utf-8", "replace")
        return bool(chunk)

    def wait_for(self, pattern: str) -> None:
        """Until the terminal shows ``pattern`` (a regular expression); fails if the run ends first."""
        deadline = time.monotonic() + PATIENCE
        while not re.search(pattern, self.stderr):
            assert self.proc.poll() is None, f"ended ({self.proc.returncode}) before {pattern!r}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"no {pattern!r} in {PATIENCE} s:\n{self.stderr}"
            self._read(0.05)

    def finish(self) -> int:
        """Read the terminal until the run ends (a child writing to a full terminal would block); its exit
        code."""
        deadline = time.monotonic() + PATIENCE
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"still running {PATIENCE} s after the signal:\n{self.stderr}")
            if not self._read(0.05):
                break
        code = self.proc.wait(timeout=PATIENCE)
        while self._read(0.0):
            pass
        os.close(self.master)
        return code
