"""Instances for any territory of metropolitan France, built from the public files of ``data/raw``.

Modules, in the order :func:`gpec.territory.build.build_instance` calls them: ``select`` (which
départements), ``population`` (communes and bassins, 75+ and 85+), ``structures`` (FINESS or aggregate
EHPAD, equipment rates), ``catalogue`` (parameter records and the data files of ``catalogue/``),
``workforce`` (staff, need, baseline, apprenticeship capacity), ``training`` (sites and extra places),
``funding`` (bodies, envelopes, who pays for what), ``labour`` (jobseekers), ``travel`` (polygons and
minutes); ``build`` writes the folder.
"""

from gpec.territory.build import build_instance

__all__ = ["build_instance"]
