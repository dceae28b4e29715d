"""A deadline on one clock, passed down from a command to every phase and solver call under it.

A phase asks what is left (:meth:`Deadline.left`) to set its solver's own time limit, and the solver is
given :meth:`Deadline.passed` as a guard it checks while it runs (HiGHS's MIP callback, CP-SAT's log and
bound callbacks): a solver that overruns its own limit is stopped there and keeps its incumbent. The clock
is injectable, so tests can make time pass without waiting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Deadline:
    """The moment ``at`` on ``clock`` (seconds, ``time.perf_counter`` by default)."""

    at: float
    clock: Callable[[], float] = field(default=time.perf_counter, compare=False)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.perf_counter) -> "Deadline":
        """The deadline ``seconds`` from now on ``clock``."""
        return cls(clock() + float(seconds), clock)

    def left(self) -> float:
        """Seconds left (0 once passed)."""
        return max(self.at - self.clock(), 0.0)

    def passed(self) -> bool:
        return self.clock() >= self.at

    def share(self, fraction: float) -> "Deadline":
        """A nearer deadline: ``fraction`` of the time left from now (never beyond this one)."""
        return Deadline(self.clock() + fraction * self.left(), self.clock)

    def within(self, seconds: float) -> "Deadline":
        """At most ``seconds`` from now, and never beyond this one."""
        return Deadline(min(self.at, self.clock() + seconds), self.clock)
