"""The lever registry: every lever of the model, as its own module describes it (``SPECS``).

Each lever module declares its levers once, as :class:`~gpec.models.levers.LeverSpec` records: name,
builder, lag, the files and tables of the run it makes, whether a map shows it. This module collects
them, in the order of the names of :data:`gpec.lever_names.LEVERS` (the vocabulary that ``levers.csv``, the
command line, scenario files and the independent check read without importing the models; a test checks
that the two agree). That order is the column order of the model.

To add a lever: write its module with a builder and ``SPECS``, add its name to :data:`gpec.lever_names.LEVERS`,
its module to :data:`MODULES` and its labels to :mod:`gpec.i18n` (``lever.<name>``, ``unit.<name>``, and
``map.what_<name>``, ``map.unit_<name>`` when a map shows it); ``tests/test_registry.py`` says what is missing.
"""

from __future__ import annotations

from gpec.models import apprenticeship, pathways, pools, qvct, training, vehicles
from gpec.models.levers import LeverSpec, ResultTable
from gpec.lever_names import LEVERS

#: The modules that declare levers.
MODULES = (training, apprenticeship, qvct, vehicles, pools, pathways)

#: Lever name -> its description, in the order of :data:`gpec.lever_names.LEVERS`.
REGISTRY: dict[str, LeverSpec] = {spec.name: spec for spec in sorted(
    (spec for module in MODULES for spec in module.SPECS), key=lambda spec: LEVERS.index(spec.name))}

#: Result table name -> the table levers make beside their decisions (levers may share one).
LEVER_TABLES: dict[str, ResultTable] = {table.name: table for spec in REGISTRY.values() for table in spec.tables}
