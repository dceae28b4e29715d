"""The page's map (gpec.web.geometry): SVG path data of polygons, y flipped, and the view around them."""

from __future__ import annotations

import numpy as np
from shapely.geometry import MultiPolygon, Polygon

from gpec.web.geometry import path_data, view_box


def test_a_polygon_with_a_hole_is_two_rings_y_flipped():
    square = Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)], holes=[[(400, 400), (600, 400), (600, 600)]])
    assert path_data(square) == "M0 0L1000 0 1000 -1000 0 -1000Z M400 -400L600 -400 600 -600Z"


def test_each_part_of_a_multipolygon_is_a_ring_and_coordinates_are_whole_metres():
    parts = MultiPolygon([Polygon([(0.4, 0.4), (10.6, 0), (10, 10)]), Polygon([(20, 20), (30, 20), (30, 30)])])
    assert path_data(parts) == "M0 0L11 0 10 -10Z M20 -20L30 -20 30 -30Z"


def test_the_view_holds_every_shape_with_a_margin():
    x, y, w, h = map(float, view_box(np.array([[0, 0, 100_000, 50_000], [-10_000, 10_000, 20_000, 60_000]])).split())
    assert x < -10_000 and y < -60_000 and x + w > 100_000 and y + h > 0  # y flipped: -maxy at the top
