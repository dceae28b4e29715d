"""Grouping options (what a department asks for), the scale of needs in the models, and their checks.

Every value is checked before a model is built (:func:`check_run`, :func:`check_values`,
:func:`check_structures`; :func:`check_options` is the last two), by the Python API
(:func:`gpec.groupings.solve_groups`) as by ``gpec groups``: a bad value is a
:class:`~gpec.errors.GpecError` naming the option, never a plan computed from it. Each check runs once
per call of :func:`~gpec.groupings.solve_groups`; ``gpec groups`` also runs :func:`check_run` before
it reads the data (two comparisons, so that a bad ``--time-limit`` or ``--gap`` fails before any file
is read).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gpec.domains import RADIUS
from gpec.errors import GpecError

if TYPE_CHECKING:
    from gpec.groupings.data import GroupData

#: Needs are integers in thousandths of an FTE in the model.
NEED_SCALE = 1000
#: Longest member-to-hub trip ``--max-minutes`` accepts: the high end of the radius domain,
#: :data:`gpec.domains.RADIUS` (a day; a name for messages and tests, not a second limit). A structure
#: further than that from its hub cannot share a post with it, and the bound keeps every travel cost an
#: exact integer.
MAX_MINUTES = RADIUS.high


@dataclass(frozen=True)
class GroupingOptions:
    """What a department asks for: see the options of the formulation in :mod:`gpec.groupings.compact`.

    ``max_size`` 0 means no upper bound on the size of a group (:meth:`bounded` turns it into a number for
    the models); ``no_alone`` asks every structure to join a group.
    """

    max_minutes: float = 30.0
    min_size: int = 2
    max_size: int = 8  # 0: no bound
    groups: int | None = None
    groups_exact: bool = True
    alone: tuple[str, ...] = ()
    together: tuple[tuple[str, str], ...] = ()
    fixed_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # hub -> members
    no_alone: bool = False

    def bounded(self, n_structures: int) -> GroupingOptions:
        """These options with a number as the maximum size: without a bound (``max_size`` 0) or with a
        maximum above the number of structures, the number of structures (no group can be larger), or the
        minimum size if that is larger (no group forms then, as the minimum asks); an upper bound on the
        number of groups (``groups`` with ``groups_exact`` False) above the number of structures, that
        number (no plan has more groups); otherwise unchanged.

        Parameters
        ----------
        n_structures
            The number of structures of the data.

        Returns
        -------
        GroupingOptions
            A copy whose ``max_size`` is positive when ``min_size`` is (``self`` when it already was).
        """
        changes = {}
        if self.max_size == 0 or self.max_size > max(n_structures, self.min_size):
            changes["max_size"] = max(n_structures, self.min_size)
        if self.groups is not None and not self.groups_exact and self.groups > n_structures:
            changes["groups"] = n_structures
        return replace(self, **changes) if changes else self

    def size_words(self, n_structures: int | None = None) -> str:
        """The group sizes asked, for people: ``2-8``, or ``at least 2`` without an upper bound
        (``max_size`` 0, or at least ``n_structures``: a bound no group can reach)."""
        unbounded = self.max_size == 0 or (n_structures is not None and self.max_size >= n_structures)
        return f"at least {self.min_size}" if unbounded else f"{self.min_size}-{self.max_size}"

    def record(self) -> dict:
        """The options as plain values for ``result.json`` (tuples as lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def check_run(time_limit: float, mip_gap: float) -> None:
    """Reject a time limit or a gap tolerance that cannot make sense, before anything is solved.

    Parameters
    ----------
    time_limit
        Seconds for the whole grouping (``--time-limit``): a finite number above 0.
    mip_gap
        Relative gap tolerance (``--gap``): in [0, 1).

    Raises
    ------
    GpecError
        Naming the option and its value.
    """
    if not _number(time_limit) or not (0 < time_limit < math.inf):
        raise GpecError(f"--time-limit {_shown(time_limit)}: must be a positive, finite number of seconds")
    if not _number(mip_gap) or not 0 <= mip_gap < 1:
        raise GpecError(f"--gap {_shown(mip_gap)}: must lie in [0, 1), e.g. 0 to prove the optimum or 0.01 for 1 %")


def check_values(options: GroupingOptions, n_structures: int) -> None:
    """Reject option values that cannot make sense whatever the structures' places and travel times.

    Parameters
    ----------
    options
        The options asked for.
    n_structures
        The number of structures of the data.

    Raises
    ------
    GpecError
        On a travel limit that is not a positive number up to :data:`MAX_MINUTES`, group sizes that are not
        whole numbers or out of order (a maximum of 0 is no bound), a number of groups that is negative or,
        asked exactly, above the number of structures, ``groups_exact`` False (``--at-most``) without a
        number of groups, ``no_alone`` with structures that must stay alone, or a structure asked to be
        together with itself.
    """
    minutes = options.max_minutes
    if not _number(minutes) or not RADIUS.admits(minutes):
        raise GpecError(f"--max-minutes {_shown(minutes)}: the travel limit must be positive, at most "
                        f"{MAX_MINUTES:g} minutes (a day)")
    _check_sizes(options)
    if options.groups is not None:
        if not _whole(options.groups) or options.groups < 0:
            raise GpecError(f"--groups {options.groups}: must be a whole number, not negative")
        if options.groups_exact and options.groups > n_structures:
            raise GpecError(f"--groups {options.groups}: more groups than the {n_structures} structures (give at "
                            f"most {n_structures}, or --at-most)")
    elif not options.groups_exact:
        raise GpecError("--at-most: goes with --groups N (a maximum number of groups)")
    if options.no_alone and options.alone:
        raise GpecError(f"--no-alone and --alone {options.alone[0]}: a structure cannot stay alone when every "
                        "structure must join a group (give one of the two options)")
    same = [a for a, b in options.together if a == b]
    if same:
        raise GpecError(f"--together {same[0]},{same[0]}: a structure is always with itself; name two structures")


def check_options(data: GroupData, options: GroupingOptions, pairs: pd.DataFrame) -> None:
    """Reject options that cannot make sense for ``data``, before any model is built: :func:`check_values`
    then :func:`check_structures`.

    Parameters
    ----------
    data
        The structures and their travel times.
    options
        The options asked for.
    pairs
        The member-to-hub pairs within the travel limit (:meth:`GroupData.pairs`).

    Raises
    ------
    GpecError
        On the values :func:`check_values` rejects, or what :func:`check_structures` rejects.
    """
    check_values(options, len(data.structures))
    check_structures(data, options, pairs)


def check_structures(data: GroupData, options: GroupingOptions, pairs: pd.DataFrame) -> None:
    """Reject options naming structures the data do not hold, or keeping a group whose member is beyond the
    travel limit. The values themselves are :func:`check_values`'s (run once, on the options as asked,
    by :func:`gpec.groupings.solve_groups`; :func:`check_options` runs both).

    Parameters
    ----------
    data
        The structures and their travel times.
    options
        The options asked for (their names of structures and the travel limit are what is read).
    pairs
        The member-to-hub pairs within the travel limit (:meth:`GroupData.pairs`).

    Raises
    ------
    GpecError
        On a structure the data do not hold (naming ``--alone``, ``--together`` or ``--keep``), or a kept
        group's member beyond the travel limit.
    """
    known = set(data.structures["structure"])
    named = [*(("--alone", s) for s in options.alone),
             *(("--together", s) for pair in options.together for s in pair),
             *(("--keep", s) for hub, members in options.fixed_groups.items() for s in (hub, *members))]
    unknown = [(option, s) for option, s in named if s not in known]
    if unknown:
        option, s = unknown[0]
        raise GpecError(f"{option} {s}: unknown structure (FINESS id) in the grouping data")
    reach = set(zip(pairs["structure"], pairs["hub"]))
    for hub, members in options.fixed_groups.items():
        far = [s for s in members if (s, hub) not in reach]
        if far:
            raise GpecError(f"existing group of {hub}: member {far[0]} is beyond {options.max_minutes:g} minutes")


def _check_sizes(options: GroupingOptions) -> None:
    """Whole sizes, 1 <= min size, and min size <= max size unless the maximum is 0 (no bound)."""
    for name, size in (("--min-size", options.min_size), ("--max-size", options.max_size)):
        if not _whole(size):
            raise GpecError(f"{name} {size}: must be a whole number")
    if options.max_size < 0:
        raise GpecError(f"--max-size {options.max_size}: must not be negative (0: no bound)")
    if options.min_size < 1:
        raise GpecError(f"--min-size {options.min_size}: the min size of a group must be at least 1 (its hub)")
    if options.max_size and options.min_size > options.max_size:
        raise GpecError(f"--min-size {options.min_size} and --max-size {options.max_size}: need min size <= max "
                        "size (0: no bound)")


def _number(value) -> bool:
    """A real number (an int or a float, not a bool or a string); NaN included, for the range checks."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _shown(value) -> str:
    """A value as the user typed it: ``2`` rather than ``2.0``."""
    return format(value, "g") if _number(value) else repr(value)


def _whole(value) -> bool:
    """A whole number (an int, or a float with no fractional part)."""
    if isinstance(value, (int, np.integer)):
        return not isinstance(value, bool)
    return isinstance(value, (float, np.floating)) and float(value).is_integer()


def isolated(data: GroupData, options: GroupingOptions, pairs: pd.DataFrame) -> list[str]:
    """The structures that must join a group (``no_alone``) but have no other structure within the travel
    limit, either way: none they could lead, none whose group they could join. ``data``, ``options`` and
    ``pairs`` as in :func:`check_options`.

    Returns
    -------
    list of str
        Their FINESS ids in the order of the data; empty without ``no_alone``.
    """
    if not options.no_alone:
        return []
    linked = set(pairs["structure"]) | set(pairs["hub"])
    return [s for s in data.structures["structure"] if s not in linked]
