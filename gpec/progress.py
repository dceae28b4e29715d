"""Progress of a solve on stderr: what stage runs, for how long, and how good the plan is so far.

On a terminal a live line (rich) shows the stage, its elapsed time and, where the backend reports them
(HiGHS's MIP callback), the incumbent, the bound and the gap; each finished stage leaves one line above
it. In a pipe or a log only the finished stages are written, one line each. ``quiet`` writes nothing.
"""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.live import Live
from rich.text import Text

#: Shortest interval between two redraws of the live line (seconds).
REFRESH_S = 0.25


class Progress:
    """A solve's progress reporter (see the module docstring); :func:`gpec.solve` calls :meth:`start`,
    :meth:`update` and :meth:`done` for each stage. Use it as a context manager, so the live line is
    removed when the run ends.

    Parameters
    ----------
    quiet : bool
        Write nothing.
    console : rich.console.Console, optional
        Where to write (default: stderr).
    """

    def __init__(self, quiet: bool = False, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self.live = None if quiet or not self.console.is_terminal else Live(
            self, console=self.console, refresh_per_second=1 / REFRESH_S, transient=True)
        self.stage, self.began, self.values = "", time.perf_counter(), (math.nan, math.nan, math.nan)

    def __enter__(self) -> "Progress":
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.stop()

    def start(self, stage: str) -> None:
        """A stage begins."""
        self.stage, self.began, self.values = stage, time.perf_counter(), (math.nan, math.nan, math.nan)

    def update(self, seconds: float, incumbent: float, bound: float, gap: float) -> None:
        """The solver's incumbent, bound and gap so far (called from its callback)."""
        self.values = (incumbent, bound, gap)

    def done(self, report) -> None:
        """A stage ended (a :class:`gpec.results.StageReport`): one line."""
        if self.quiet:
            return
        self.console.print(Text(f"{report.name}: {report.status}, {_number(report.objective)} (bound "
                                f"{_number(report.bound)}, gap {_gap(report.gap)}) in {report.runtime_s:.1f} s"),
                           highlight=False)

    def __rich__(self) -> Text:
        incumbent, bound, gap = self.values
        seconds = time.perf_counter() - self.began
        line = f"{self.stage or 'building'} {seconds:5.1f} s"
        if math.isfinite(incumbent) or math.isfinite(bound):
            line += f"  incumbent {_number(incumbent)}  bound {_number(bound)}  gap {_gap(gap)}"
        return Text(line)


def _number(value: float) -> str:
    return f"{value:,.6g}" if math.isfinite(value) and abs(value) < 1e20 else "-"


def _gap(value: float) -> str:
    return f"{value:.2%}" if math.isfinite(value) and value < 1e6 else "-"
