"""Grouping options (what a department asks for), the scale of needs in the models, and their checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from gpec.errors import GpecError

if TYPE_CHECKING:
    from gpec.groupings.data import GroupData

#: Needs are integers in thousandths of an FTE in the model.
NEED_SCALE = 1000


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
        """These options with a number as the maximum size: without a bound (``max_size`` 0), the number
        of structures (no group can be larger), or the minimum size if that is larger (no group forms
        then, as the minimum asks); otherwise unchanged.

        Parameters
        ----------
        n_structures
            The number of structures of the data.

        Returns
        -------
        GroupingOptions
            A copy whose ``max_size`` is positive when ``min_size`` is (``self`` when it already was).
        """
        if self.max_size != 0:
            return self
        return replace(self, max_size=max(n_structures, self.min_size))

    def size_words(self, n_structures: int | None = None) -> str:
        """The group sizes asked, for people: ``2-8``, or ``at least 2`` without an upper bound
        (``max_size`` 0, or at least ``n_structures``: a bound no group can reach)."""
        unbounded = self.max_size == 0 or (n_structures is not None and self.max_size >= n_structures)
        return f"at least {self.min_size}" if unbounded else f"{self.min_size}-{self.max_size}"

    def record(self) -> dict:
        """The options as plain values for ``result.json`` (tuples as lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def check_options(data: GroupData, options: GroupingOptions, pairs: pd.DataFrame) -> None:
    """Reject options that cannot make sense for ``data``, before any model is built.

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
        On a travel limit that is not positive, group sizes out of order (a maximum of 0 is no bound), a
        negative number of groups, ``no_alone`` with structures that must stay alone, a structure the data
        do not hold, or a kept group's member beyond the travel limit.
    """
    if not options.max_minutes > 0:
        raise GpecError(f"--max-minutes {options.max_minutes}: the travel limit must be positive")
    _check_sizes(options)
    if options.groups is not None and options.groups < 0:
        raise GpecError(f"--groups {options.groups}: must not be negative")
    if options.no_alone and options.alone:
        raise GpecError(f"--no-alone and --alone {options.alone[0]}: a structure cannot stay alone when every "
                        "structure must join a group (give one of the two options)")
    known = set(data.structures["structure"])
    named = [*options.alone, *(s for pair in options.together for s in pair), *options.fixed_groups,
             *(s for members in options.fixed_groups.values() for s in members)]
    unknown = [s for s in named if s not in known]
    if unknown:
        raise GpecError(f"unknown structure (FINESS id) '{unknown[0]}' in the grouping options")
    reach = set(zip(pairs["structure"], pairs["hub"]))
    for hub, members in options.fixed_groups.items():
        far = [s for s in members if (s, hub) not in reach]
        if far:
            raise GpecError(f"existing group of {hub}: member {far[0]} is beyond {options.max_minutes:g} minutes")


def _check_sizes(options: GroupingOptions) -> None:
    """1 <= min size, and min size <= max size unless the maximum is 0 (no bound)."""
    if options.max_size < 0:
        raise GpecError(f"--max-size {options.max_size}: must not be negative (0: no bound)")
    if not 1 <= options.min_size <= (options.max_size or options.min_size):
        raise GpecError(f"group sizes: need 1 <= min size ({options.min_size}) <= max size ({options.max_size}; "
                        "0: no bound)")


def isolated(data: GroupData, options: GroupingOptions, pairs: pd.DataFrame) -> list[str]:
    """The structures that must join a group (``no_alone``) but have no other structure within the travel
    limit, either way: none they could lead, none whose group they could join.

    Parameters
    ----------
    data
        The structures and their travel times.
    options
        The options asked for.
    pairs
        The member-to-hub pairs within the travel limit (:meth:`GroupData.pairs`).

    Returns
    -------
    list of str
        Their FINESS ids in the order of the data; empty without ``no_alone``.
    """
    if not options.no_alone:
        return []
    linked = set(pairs["structure"]) | set(pairs["hub"])
    return [s for s in data.structures["structure"] if s not in linked]
