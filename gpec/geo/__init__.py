"""Geography: distances between bassins de vie and where new graduates settle."""

from gpec.geo.distance import distance_matrix_km, great_circle_km
from gpec.geo.settlement import graduate_destinations

__all__ = ["distance_matrix_km", "great_circle_km", "graduate_destinations"]
