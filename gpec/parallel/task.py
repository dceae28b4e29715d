"""What one task of a batch gives back: :class:`TaskResult`, and the one-line form of its error."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task run by :func:`gpec.parallel.run_tasks`.

    Attributes
    ----------
    key : str
        The task's key, as given.
    value : object
        What the function returned; ``None`` when the task failed.
    error : str or None
        ``None`` on success; otherwise one line: the exception's type and message
        (``"ValueError: bad budget"``), or ``"worker died (exit code -9)"`` when the process running the
        task ended without an answer (a crash, ``os._exit``, the out-of-memory killer).
    seconds : float
        Wall-clock seconds from handing the task to a worker to its answer.
    """

    key: str
    value: object
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether the task returned a value."""
        return self.error is None


def error_line(error: BaseException) -> str:
    """One line naming ``error``'s type and message (whitespace runs, newlines included, become one space).

    >>> error_line(ValueError("bad\\n  budget"))
    'ValueError: bad budget'
    """
    message = " ".join(str(error).split())
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def died_line(exit_code: int | None) -> str:
    """The error of a task whose worker process ended with ``exit_code`` without answering.

    >>> died_line(-9)
    'worker died (exit code -9)'
    """
    return f"worker died (exit code {exit_code})"
