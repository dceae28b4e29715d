"""The output folder of a grouping (``gpec groups --out``), written as one unit.

:func:`write_grouping` writes ``groups.csv``, ``group_posts.csv``, ``result.json`` and the map
``map_groups.png`` into a staging folder that then replaces the output folder in one step
(:func:`gpec.outputs.write_folder`, as ``gpec solve`` writes its own): a run killed or crashing at any
point leaves the previous complete grouping or the new one, never a mix (a new ``groups.csv`` beside an
old ``result.json``). Since the whole folder is replaced, a folder holding any other file than those
(:data:`GROUP_FILES`) is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gpec.groupings.result import GroupResult

if TYPE_CHECKING:
    from gpec.groupings.data import GroupData

#: The files of a grouping's output folder (the map only with a plan, maps on and a structure with a point).
GROUP_FILES = ("groups.csv", "group_posts.csv", "result.json", "map_groups.png")
#: The map's file name.
MAP_FILE = "map_groups.png"


def check_grouping_out(out: str | Path) -> Path:
    """The output folder of a grouping, checked before the solve (:func:`gpec.outputs.check_out`); a
    symbolic link: the folder it points to.

    Raises
    ------
    GpecError
        When ``out`` is a file, the current folder or one above it, or a folder holding other files than
        :data:`GROUP_FILES`.
    """
    from gpec.outputs import check_out

    return check_out(out, _ours)


def write_grouping(result: GroupResult, data: GroupData, out: str | Path, maps: bool = True,
                   lang: str = "en") -> Path | None:
    """Write ``result`` into the folder ``out`` as one unit (module docstring), with the map when ``maps``
    and the result has a plan (:func:`gpec.groupings.map.write_group_map`, in ``lang``). A failure to draw
    the map (other than to write it: a full disk) does not lose the plan: the files are written without
    the map and the message of ``result.json`` says why.

    Returns
    -------
    pathlib.Path or None
        The map written in ``out``; None without a map (``maps`` off, no plan, or no structure with a
        point to draw).

    Raises
    ------
    GpecError
        When ``out`` is refused (:func:`check_grouping_out`) or cannot be written; the folder there is
        left as it was.
    """
    from gpec.groupings.map import write_group_map
    from gpec.outputs import draw_or_say, write_folder

    drawn = []

    def fill(stage: Path) -> None:
        def draw() -> None:
            if write_group_map(result, data, stage / MAP_FILE, lang=lang):
                drawn.append(MAP_FILE)

        if maps and result.has_solution:  # a map is not worth the plan (as gpec solve's maps)
            why = draw_or_say(draw, lambda: [stage / MAP_FILE])
            if why:
                result.message += f"; map not drawn ({why})"
        result.write(stage)

    folder = write_folder(out, fill, _ours)
    return folder / drawn[0] if drawn else None


def _ours(name: str) -> bool:
    return name in GROUP_FILES
