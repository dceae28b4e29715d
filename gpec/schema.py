"""Table schemas and the validating CSV reader behind :func:`gpec.instance.load_instance`.

Every problem is reported as an :class:`~gpec.errors.InputError` naming file, row and column.
Rows are counted like parameters.md counts them: data row 1 is the first row below the header
(file line 2); messages give both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.domains import COST, DENSITY, DOMAINS, FTE_PER_PLACE, violation
from gpec.errors import InputError
from gpec import lever_names

CONFIDENCE_LEVELS = ("pub", "der", "ass")
#: The four reservoirs of the care workforce (Cercle V&S note, S2) that every flow belongs to.
RESERVOIRS = ("primary", "current", "transitional", "social")
#: What a flow does to the workforce: ``entry`` (people who join the métiers from outside), ``retained``
#: (staff kept in post), ``cover`` (need covered by pools, not stock), ``move_in`` / ``move_out``
#: (staff changing métier), ``return`` (failed promotions back in their post), ``departure``.
FLOW_KINDS = ("entry", "retained", "cover", "move_in", "move_out", "return", "departure")
#: The kinds a decision delivers (its ``fte`` in decisions.csv) and that count as inflows of a reservoir.
DELIVERED_KINDS = ("entry", "retained", "cover", "move_in")
#: ``pathways.csv`` vocabularies: the levers a pathway can belong to, how a person moves, what caps it.
PATHWAY_LEVERS = lever_names.PATHWAY_LEVERS
#: Every lever of the model (``levers.csv``, the optional ``lever`` column of ``parameters.csv``): the one
#: list of :mod:`gpec.lever_names`.
LEVERS = lever_names.LEVERS
PATHWAY_MODES = ("in_post", "out_of_post", "external")
CAP_BASES = ("source_stock", "target_stock", "population")
#: Where a pathway's places are whole numbers: in each bassin, or in the instance's territory (places a
#: programme buys for the whole territory, allocated over bassins by continuous shares).
WHOLE_PLACES = ("bassin", "territory")
#: Kinds of funding body (``funders.csv``): a Conseil départemental, the Conseil régional, an Agence
#: régionale de santé (its Fonds d'intervention régional, FIR). A kind also names the instance's one body
#: of that kind wherever a user names a funder (:meth:`gpec.instance.Instance.funder_code`).
FUNDER_KINDS = ("departement", "region", "ars")
#: A body's code is this prefix and its territory's INSEE code: ``cd40``, ``cd2A``, ``cr75``, ``ars75``.
FUNDER_PREFIXES = {"departement": "cd", "region": "cr", "ars": "ars"}


# Stated maxima of the numeric columns (ColumnSpec.maximum), each clearly absurd beyond: a value above
# can only be a typo, and would reach the solver as a bound or coefficient it rejects. A column holding
# the same quantity as a parameter takes the parameter's domain (gpec.domains: COST, DENSITY,
# FTE_PER_PLACE), not a second maximum.
#: People (FTE, places, jobseekers) in one cell (bassin x métier x year, structure, bassin): France's whole
#: care workforce is about a million.
PEOPLE_MAX = 1e6
#: Inhabitants of a bassin: more than France's 68 million.
POPULATION_MAX = 1e8
#: A funder's envelope in EUR a year: 10 GEUR is more than any Région's whole yearly budget.
EUR_MAX = 1e10
#: Travel minutes between two bassins or structures: a week.
MINUTES_MAX = 10_080.0
#: Visits per year to a structure: 10 a day.
VISITS_MAX = 3650.0
#: The labour-market tension index of labour_pool.csv: France Travail/DARES indicators run from 1 to 5.
TENSION_MAX = 5.0
#: Model and data years.
YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class ColumnSpec:
    """The specification of one column of a table schema: ``kind`` is ``code`` (identifier kept as text),
    ``text``, ``int`` or ``float``. A numeric column's values are finite, at least ``minimum`` (0 when
    ``nonnegative`` and no minimum is given) and at most ``maximum``; ``parameters.csv``'s values are
    checked against their parameter's domain instead (:mod:`gpec.domains`)."""

    name: str
    kind: str = "float"
    nonnegative: bool = True
    maximum: float | None = None
    minimum: float | None = None
    allow_empty: bool = False
    optional: bool = False  # an optional column is read when present (and validated), absent otherwise


@dataclass(frozen=True)
class TableSchema:
    file: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = ()
    references: dict[str, str] = field(default_factory=dict)  # column -> referenced table file
    optional: bool = False  # an optional file may be absent; when present it is validated like the others
    may_be_empty: bool = False  # a header and no rows is a valid table (no capacity, no structure...)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


def _c(name, kind="float", **kw):
    return ColumnSpec(name, kind, **kw)


SOURCE = _c("source", "text")
LON = _c("lon", nonnegative=False, minimum=-180, maximum=180)
LAT = _c("lat", nonnegative=False, minimum=-90, maximum=90)
YEAR = _c("year", "int", minimum=YEAR_MIN, maximum=YEAR_MAX)
SCHEMAS: dict[str, TableSchema] = {
    s.file: s
    for s in (
        TableSchema(
            "bassins.csv",
            (_c("bassin", "code"), _c("name", "text"), _c("dep_pole", "code"),
             _c("population", "int", maximum=POPULATION_MAX), _c("pop75", "int", maximum=POPULATION_MAX),
             _c("pop85", "int", maximum=POPULATION_MAX), LON, LAT,
             _c("density", maximum=DENSITY.high), SOURCE,
             # the département and région holding most of the bassin's counted population (funders' zones)
             _c("dep", "code", optional=True), _c("reg", "code", optional=True)),
            key=("bassin",),
        ),
        TableSchema(
            "metiers.csv",
            (_c("metier", "code"), _c("label", "text"), _c("rome", "code"), _c("training_route", "text"), SOURCE),
            key=("metier",),
        ),
        TableSchema(
            "structures.csv",
            (_c("structure", "code"), _c("name", "text"), _c("category", "code"), _c("statut", "code"),
             _c("bassin", "code"), LON, LAT, _c("places", "int", maximum=PEOPLE_MAX), SOURCE),
            key=("structure",),
            may_be_empty=True,
            references={"bassin": "bassins.csv"},
        ),
        TableSchema(
            "parameters.csv",
            (_c("name", "code"), _c("key", "code", allow_empty=True), _c("value", nonnegative=False),
             _c("low", nonnegative=False), _c("high", nonnegative=False), _c("unit", "text"),
             _c("confidence", "code"), SOURCE, _c("note", "text", allow_empty=True),
             # the lever whose effect the record sets (gpec.breakeven); empty for every other record
             _c("lever", "code", allow_empty=True, optional=True)),
            key=("name", "key"),
        ),
        TableSchema(
            "stock.csv",
            (_c("bassin", "code"), _c("metier", "code"), _c("setting", "code"), _c("stock_fte", maximum=PEOPLE_MAX),
             SOURCE),
            key=("bassin", "metier", "setting"),
            references={"bassin": "bassins.csv", "metier": "metiers.csv"},
        ),
        TableSchema(
            "need.csv",
            (_c("bassin", "code"), _c("metier", "code"), YEAR, _c("need_fte", maximum=PEOPLE_MAX), SOURCE),
            key=("bassin", "metier", "year"),
            references={"bassin": "bassins.csv", "metier": "metiers.csv"},
        ),
        TableSchema(
            "baseline.csv",
            (_c("bassin", "code"), _c("metier", "code"), YEAR, _c("stock_fte", maximum=PEOPLE_MAX),
             _c("school_output_fte", maximum=PEOPLE_MAX), _c("ordinary_hiring_fte", maximum=PEOPLE_MAX), SOURCE),
            key=("bassin", "metier", "year"),
            references={"bassin": "bassins.csv", "metier": "metiers.csv"},
        ),
        TableSchema(
            "training_capacity.csv",
            (_c("bassin", "code"), _c("metier", "code"), _c("max_places_per_year", "int", maximum=PEOPLE_MAX),
             SOURCE),
            key=("bassin", "metier"),
            may_be_empty=True,
            references={"bassin": "bassins.csv", "metier": "metiers.csv"},
        ),
        TableSchema(
            "apprenticeship_capacity.csv",
            (_c("bassin", "code"), _c("metier", "code"), _c("max_contracts_per_year", "int", maximum=PEOPLE_MAX),
             SOURCE),
            key=("bassin", "metier"),
            may_be_empty=True,
            references={"bassin": "bassins.csv", "metier": "metiers.csv"},
        ),
        TableSchema(
            "funders.csv",
            (_c("funder", "code"), _c("kind", "code"), _c("territory", "code"), _c("name", "text"), SOURCE),
            key=("funder",),
            optional=True,
        ),
        TableSchema(
            "budget.csv",
            (_c("funder", "code"), YEAR, _c("eur", maximum=EUR_MAX), SOURCE),
            key=("funder", "year"),
        ),
        TableSchema(
            "travel.csv",
            (_c("origin", "code"), _c("destination", "code"), _c("minutes", maximum=MINUTES_MAX), SOURCE),
            key=("origin", "destination"),
            references={"origin": "bassins.csv", "destination": "bassins.csv"},
        ),
        TableSchema(
            "structure_staff.csv",
            (_c("structure", "code"), _c("metier", "code"), _c("staff_fte", maximum=PEOPLE_MAX), SOURCE),
            key=("structure", "metier"),
            may_be_empty=True,
            references={"structure": "structures.csv", "metier": "metiers.csv"},
        ),
        TableSchema(
            "structure_travel.csv",
            (_c("structure", "code"), _c("host", "code"), _c("minutes", maximum=MINUTES_MAX), SOURCE),
            key=("structure", "host"),
            may_be_empty=True,
            references={"structure": "structures.csv", "host": "bassins.csv"},
            optional=True,
        ),
        TableSchema(
            "pathways.csv",
            (_c("pathway", "code"), _c("lever", "code"), _c("reservoir", "code"), _c("mode", "code"),
             _c("from_metier", "code", allow_empty=True), _c("to_metier", "code"), _c("cap_basis", "code"),
             _c("draws_labour_pool", "int", maximum=1), _c("whole_places", "code"), SOURCE),
            key=("pathway",),
            may_be_empty=True,
            references={"from_metier": "metiers.csv", "to_metier": "metiers.csv"},
            optional=True,
        ),
        TableSchema(
            "labour_pool.csv",
            (_c("bassin", "code"), _c("metier", "code"), _c("rome", "code"), _c("jobseekers", maximum=PEOPLE_MAX),
             _c("tension", allow_empty=True, maximum=TENSION_MAX), SOURCE),
            key=("bassin", "metier"),
            may_be_empty=True,
            references={"bassin": "bassins.csv", "metier": "metiers.csv"},
            optional=True,
        ),
        TableSchema(
            "post_types.csv",
            (_c("post_type", "code"), _c("label", "text"), _c("need_per_place", maximum=FTE_PER_PLACE.high),
             _c("need_per_structure", maximum=PEOPLE_MAX), _c("cost_eur", maximum=COST.high),
             _c("visits_per_year", maximum=VISITS_MAX), SOURCE),
            key=("post_type",),
            optional=True,
        ),
        TableSchema(
            "levers.csv",
            (_c("lever", "code"), _c("funder", "code"), SOURCE),
            key=("lever", "funder"),
        ),
    )
}


def read_table(folder: Path, schema: TableSchema) -> pd.DataFrame:
    """Read one CSV of an instance and check it against its schema (types, signs, emptiness, unique key)."""
    path = folder / schema.file
    if not path.is_file():
        raise InputError(str(path), "file is missing")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(str(path), f"not a readable UTF-8 CSV ({str(exc).splitlines()[0]})") from None
    missing = [c.name for c in schema.columns if c.name not in raw.columns and not c.optional]
    if missing:
        raise InputError(str(path), f"missing column(s) {', '.join(missing)}", column=missing[0])
    if raw.empty and not schema.may_be_empty:
        raise InputError(str(path), "no data rows (the table is empty below its header)")
    table = pd.DataFrame(index=raw.index)
    for col in schema.columns:
        if col.name in raw.columns:
            table[col.name] = _convert(path, raw[col.name], col)
    if schema.file == "parameters.csv":
        check_parameter_domains(path, table)
    if schema.key:
        dup = table.duplicated(list(schema.key), keep="first")
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            key = ", ".join(f"{k}={table.iloc[i][k]}" for k in schema.key)
            raise InputError(str(path), f"duplicate key ({key})", row=i + 1, column=schema.key[-1])
    return table


def check_parameter_domains(path: Path, table: pd.DataFrame) -> None:
    """Every record of ``parameters.csv`` names a parameter with a domain, and its ``value``, ``low`` and
    ``high`` lie in it (:func:`gpec.domains.violation`): a sweep range never leaves the domain."""
    known = table["name"].isin(list(DOMAINS)).to_numpy()
    if not known.all():
        i = int(np.flatnonzero(~known)[0])
        raise InputError(str(path), f"{violation(table['name'].iloc[i], 0)} (file line {i + 2})", row=i + 1,
                         column="name")
    for i, (name, key, *values) in enumerate(zip(table["name"], table["key"], table["value"], table["low"],
                                                  table["high"])):
        for column, value in zip(("value", "low", "high"), values):
            reason = violation(name, value, f"{name}[{key}]" if key else name)
            if reason is not None:
                raise InputError(str(path), f"{reason} (file line {i + 2})", row=i + 1, column=column)


def _convert(path: Path, values: pd.Series, col: ColumnSpec) -> pd.Series:
    text = values.astype(str).str.strip()
    empty = text == ""
    if empty.any() and not col.allow_empty:
        _fail(path, empty.to_numpy(), col.name, "empty value")
    if col.kind in ("code", "text"):
        return text.astype(object)
    numbers = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = numbers.isna().to_numpy() & ~empty.to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _fail(path, bad, col.name, f"'{text.iloc[i]}' is not a number")
    arr = numbers.to_numpy(dtype=float)
    if not np.isfinite(arr[~empty.to_numpy()]).all():
        _fail(path, ~np.isfinite(arr) & ~empty.to_numpy(), col.name, "value is not finite")
    if col.minimum is not None and (arr < col.minimum).any():
        _fail(path, arr < col.minimum, col.name, f"value below {col.minimum:g}")
    if col.nonnegative and (arr < 0).any():
        _fail(path, arr < 0, col.name, "negative value")
    if col.maximum is not None and (arr > col.maximum).any():
        _fail(path, arr > col.maximum, col.name, f"value above the maximum {col.maximum:g}")
    if col.kind == "int":  # whole as a whole-number parameter is (gpec.domains): exactly, no tolerance
        frac = (arr != np.round(arr)) & ~empty.to_numpy()
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            _fail(path, frac, col.name, f"'{text.iloc[i]}' is not a whole number")
        return pd.Series(np.round(arr).astype(np.int64), index=values.index)
    return pd.Series(arr, index=values.index)


def _fail(path: Path, mask: np.ndarray, column: str, message: str) -> None:
    i = int(np.flatnonzero(mask)[0])
    raise InputError(str(path), f"{message} (file line {i + 2})", row=i + 1, column=column)


def check_references(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Every code column that refers to another table holds known codes only."""
    for file, schema in SCHEMAS.items():
        if file not in tables:
            continue
        for column, target in schema.references.items():
            target_key = SCHEMAS[target].key[0]
            known = set(tables[target][target_key])
            if schema.column(column).allow_empty:
                known.add("")
            unknown = ~tables[file][column].isin(known).to_numpy()
            if unknown.any():
                i = int(np.flatnonzero(unknown)[0])
                value = tables[file][column].iloc[i]
                raise InputError(
                    str(folder / file),
                    f"unknown {column} code '{value}' (not in {target}) (file line {i + 2})",
                    row=i + 1,
                    column=column,
                )
