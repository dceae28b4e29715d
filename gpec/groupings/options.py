"""Grouping options (what a department asks for), the scale of needs in the models, and their checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from gpec.errors import GpecError

if TYPE_CHECKING:
    from gpec.groupings.data import GroupData

#: Needs are integers in thousandths of an FTE in the model.
NEED_SCALE = 1000


@dataclass(frozen=True)
class GroupingOptions:
    """What a department asks for: see the options of the formulation in :mod:`gpec.groupings.compact`."""

    max_minutes: float = 30.0
    min_size: int = 2
    max_size: int = 8
    groups: int | None = None
    groups_exact: bool = True
    alone: tuple[str, ...] = ()
    together: tuple[tuple[str, str], ...] = ()
    fixed_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # hub -> members


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
        On a travel limit that is not positive, group sizes out of order, a negative number of groups, a
        structure the data do not hold, or a kept group's member beyond the travel limit.
    """
    if not options.max_minutes > 0:
        raise GpecError(f"--max-minutes {options.max_minutes}: the travel limit must be positive")
    if not 1 <= options.min_size <= options.max_size:
        raise GpecError(f"group sizes: need 1 <= min size ({options.min_size}) <= max size ({options.max_size})")
    if options.groups is not None and options.groups < 0:
        raise GpecError(f"--groups {options.groups}: must not be negative")
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
