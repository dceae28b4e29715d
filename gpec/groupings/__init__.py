"""Groupements d'employeurs (``gpec groups``): which structures pool which posts, and the posts they save.

Structures (EHPAD, services...) each need a fraction of a post of one type (night nurse, QVCT officer,
psychologist...) that nobody can fill alone. A group led by a hub structure hires whole posts for the
summed need of its members, all within a travel limit of the hub; a structure may stay alone (unless
``no_alone``). Group sizes range from a minimum to a maximum (0: no bound). The feature finds the groups
of least cost (posts and members' travel) in two phases: first the fewest posts any plan needs (a valid
lower bound on the posts, not a target: the cheapest plan may hire more posts to save travel), then the
least cost.

A groupings folder holds ``structures.csv`` (FINESS id, name, category, statut, bassin, lon, lat, places),
``post_types.csv`` (need per place and per structure, cost of a post, visits per member and year, each
with its source) and ``parameters.csv`` (``road_detour_factor``, ``avg_speed_kmh``,
``travel_cost_per_minute``). The Landes instance has them; ``gpec instance build --dep 40,64`` writes such
a folder for the 168 EHPAD of the Landes and the Pyrénées-Atlantiques. A user table of structures
(``--structures``: structure, name, lon, lat or bassin, and places or ``need_<post type>``) and a travel
matrix (``--travel``: origin, destination, minutes between structures) replace the computed ones; with a
travel matrix, the table of structures needs no lon and lat (the map shows those that have them).

Modules:

- :mod:`~gpec.groupings.options`: :class:`GroupingOptions` (what a department asks for), ``NEED_SCALE``
  (needs in thousandths of an FTE in the models) and the option checks.
- :mod:`~gpec.groupings.data`: :class:`GroupData` and :func:`load_group_data` (structures, needs, travel).
- :mod:`~gpec.groupings.compact`: the compact hub/member MILP (phase 1, the fewest posts; ``--method
  compact``).
- :mod:`~gpec.groupings.candidates`: candidate groups and their pricing and enumeration, with the
  formulation of the exact method.
- :mod:`~gpec.groupings.master`: the set-partitioning master over candidate groups.
- :mod:`~gpec.groupings.generation`: column generation on the master, then the proof (phase 2), and the
  solver backends for groupings.
- :mod:`~gpec.groupings.branch`: branch and price over candidate groups (the proof when they are too many
  to enumerate).
- :mod:`~gpec.groupings.solve`: :func:`solve_groups`, the two phases from data to a checked result.
- :mod:`~gpec.groupings.result`: :class:`GroupResult` (tables, summary, files) and :func:`people_lines` /
  :func:`people_tables` for people in English or French.
- :mod:`~gpec.groupings.check`: :func:`evaluate_groups`, the independent check of a grouping (no model or
  solver code).
- :mod:`~gpec.groupings.map`: :func:`write_group_map` (``map_groups.png``).
- :mod:`~gpec.groupings.output`: :func:`write_grouping`, the output folder written as one unit (the
  tables, ``result.json`` and the map).

The names below are imported on first use, so that importing one module (the check, say) does not pull in
the models and solvers.
"""

from __future__ import annotations

import importlib

#: Public name -> the module of the package that defines it.
_EXPORTS = {
    "GroupingOptions": "options",
    "GroupData": "data",
    "load_group_data": "data",
    "solve_groups": "solve",
    "GroupResult": "result",
    "people_lines": "result",
    "people_tables": "result",
    "evaluate_groups": "check",
    "write_group_map": "map",
    "write_grouping": "output",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
