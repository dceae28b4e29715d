"""gpec draws on its own figures (matplotlib's object API with the Agg canvas, :func:`gpec.charts.agg_figure`):
importing it never switches the backend of the user's session (a notebook keeps its inline backend)."""

import os
import subprocess
import sys

#: Every gpec module that draws.
DRAWING_MODULES = ("gpec.charts", "gpec.geo.maps", "gpec.geo.national", "gpec.groupings.map", "gpec.sweeps.charts",
                   "gpec.comparison")


def test_importing_the_drawing_modules_keeps_the_users_backend():
    code = ("import matplotlib; before = matplotlib.get_backend(); "
            f"import {', '.join(DRAWING_MODULES)}; "
            "print(before, matplotlib.get_backend())")
    env = {**os.environ, "MPLBACKEND": "svg"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == ["svg", "svg"]
