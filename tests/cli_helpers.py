"""Running gpec's command line in tests, and the one check of a refusal (P12).

- :func:`run_gpec` runs the command line in this process through :func:`gpec.cli.main`, the console
  script's entry point (so a :class:`~gpec.errors.GpecError`, or an option typer refuses, becomes one
  line on stderr and exit code 2 exactly as in a real process), with ``sys.argv`` set and stdout and
  stderr captured. No interpreter to start, nothing to import again: the default.
- :func:`run_gpec_process` runs ``python -m gpec.cli`` as a subprocess. Only for what a real process
  alone shows: that nothing else reaches stderr (a warning printed while importing, a message at
  interpreter shutdown) and the exit status the shell sees.
- :func:`assert_one_line_error`: exit code 2 and exactly one line on stderr, ``gpec: error: ...``,
  naming where (every needle), never a traceback.

Plain functions rather than fixtures: module-scoped fixtures and hypothesis examples use them too.
"""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

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
