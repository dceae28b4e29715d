"""Excel workbook of a result (``results.xlsx``), in English or French.

The first sheet is a summary: the status and its proof in words (unmet need with bound and gap, cost),
unmet need and spending by year against doing nothing, spending against each funder's envelope, and the
levers used and not used. Then one sheet per table of the plan — decisions, workforce, spending, shadow
prices, flows — with names beside codes (``bassin`` then the bassin's name, ``metier`` then its label,
``funder`` and ``lever`` then their labels), the header row frozen, units in the headers and number
formats (thousands separators; two decimals for FTE, none for euros). Two sheets are for reading,
not exhaustive: shadow prices keep what binds and the MIP marginal values, flows are the territory's
(by métier and year); ``shadow_prices.csv`` and ``flows.csv`` hold every row. Excel number formats are
stored without a locale: a French Excel shows ``1 234,50`` where an English one shows ``1,234.50``.

Sheet names, headers, status words and labels come from :mod:`gpec.i18n`; codes stay as they are. A
result without a plan (infeasible, error) gives a summary that says so (with the diagnosis, when there
is one) and sheets with their headers only. No cell holds ``nan``, ``inf`` or ``None``: missing values
are empty cells.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import xlsxwriter

from gpec.atomic import write_atomic
from gpec.i18n import LABELS, check_lang, fmt_eur, fmt_number, fmt_percent, funder_label, label, t
from gpec.report import lever_summary, spend_by_year, unmet_by_year

#: Excel number formats by kind; ``units`` are shown whole, or with two decimals when fractional (a
#: bassin's share of places bought for the whole territory).
NUMBER_FORMATS = {"int": "#,##0", "year": "0", "fte": "#,##0.00", "fte1": "#,##0.0", "eur": "#,##0",
                  "share": "0.0%", "gap": "0.000%", "value": "#,##0.000", "seconds": "#,##0.0"}
#: Decimals kept in cells of these kinds (solver noise such as 131.90000000511 FTE is not data).
KEEP_DIGITS, ROUNDED_KINDS = 6, ("fte", "fte1", "eur", "units", "seconds")
#: Number format kind of each column header key (``column.<key>``); other columns are text.
COLUMN_FORMATS = {
    "year": "year", "delivers": "year", "units": "units", "lag": "int", "tension": "int",
    "fte_delivered": "fte", "stock": "fte", "need": "fte", "unmet": "fte", "pool_cover": "fte", "departures": "fte",
    "baseline_inflow": "fte", "lever_inflow": "fte", "in_transition": "fte", "flow_fte": "fte",
    "baseline_unmet": "fte", "avoided": "fte", "unmet_fte_years": "fte",
    "cost_eur": "eur", "spend_eur": "eur", "envelope_eur": "eur", "carried_in_eur": "eur", "eur_per_fte_year": "eur",
    "unmet_share": "share", "used": "share", "value": "value",
}
#: Sheets after the summary: sheet key -> (Result table, ((table column, header key), ...)).
SHEETS = {
    "decisions": ("decisions", (
        ("lever", "lever"), ("lever_label", "lever_label"), ("pathway", "pathway"), ("bassin", "bassin"),
        ("bassin_name", "bassin_name"), ("metier", "metier"), ("metier_label", "metier_label"), ("year", "year"),
        ("units", "units"), ("lag", "lag"), ("delivers", "delivers"), ("fte", "fte_delivered"),
        ("cost_eur", "cost_eur"))),
    "workforce": ("workforce", (
        ("bassin", "bassin"), ("bassin_name", "bassin_name"), ("metier", "metier"), ("metier_label", "metier_label"),
        ("year", "year"), ("phase", "phase"), ("stock", "stock"), ("need", "need"), ("unmet", "unmet"),
        ("unmet_share", "unmet_share"), ("pool_cover", "pool_cover"), ("departures", "departures"),
        ("baseline_inflow", "baseline_inflow"), ("lever_inflow", "lever_inflow"),
        ("in_transition", "in_transition"), ("tension", "tension"))),
    "spending": ("spend", (
        ("lever", "lever"), ("lever_label", "lever_label"), ("funder", "funder"), ("funder_label", "funder_label"),
        ("zone", "zone"), ("year", "year"), ("phase", "phase"), ("eur", "spend_eur"))),
    "shadow_prices": ("shadow_prices", (
        ("method", "method"), ("family", "family"), ("label", "constraint"), ("funder", "funder"),
        ("funder_label", "funder_label"), ("bassin", "bassin"), ("bassin_name", "bassin_name"),
        ("metier", "metier"), ("metier_label", "metier_label"), ("year", "year"), ("unit", "unit"),
        ("value", "value"), ("eur_per_fte_year", "eur_per_fte_year"), ("binding", "binding"),
        ("status", "status"), ("detail", "detail"))),
    "flows": ("flows", (
        ("metier", "metier"), ("metier_label", "metier_label"), ("year", "year"), ("reservoir", "reservoir"), ("reservoir_label", "reservoir_label"), ("flow", "flow"),
        ("flow_label", "flow_label"), ("kind", "kind"), ("lever", "lever"), ("lever_label", "lever_label"),
        ("fte", "flow_fte"))),
}
#: Label columns added beside code columns: code column -> (label column, i18n group).
NAME_COLUMNS = {"bassin": ("bassin_name", None), "metier": ("metier_label", "metier"),
                "funder": ("funder_label", "funder"), "lever": ("lever_label", "lever"),
                "reservoir": ("reservoir_label", "reservoir"), "flow": ("flow_label", "flow")}
#: Columns whose values are words to translate: column -> i18n group.
TRANSLATED_VALUES = {"phase": "phase"}
#: Column width bounds (characters).
MIN_WIDTH, MAX_WIDTH = 6, 48

#: Words that betray a missing number in free text (solver messages, details): written as an em dash.
NOT_A_NUMBER = re.compile(r"(?<![\w.])(-?inf|-?Infinity|nan|NaN|None)(?!\w)")

#: Characters an xlsx file cannot hold (XML 1.0 control characters), removed from text.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010\013\014\016-\037]")
#: Font of titles (bold is the other style).
TITLE_SIZE = 14


@dataclass(frozen=True)
class Cell:
    """One cell to write: a value (None: empty), its number format kind and style."""

    value: object = None
    kind: str | None = None
    bold: bool = False
    title: bool = False
    wide: bool = False  # long text: does not widen its column


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: its header and its plain values (:func:`_cell_values`), of one kind."""

    header: str
    values: list
    kind: str | None = None


@dataclass(frozen=True)
class Table:
    """A table sheet by columns (a bold header row, then the values): written without a :class:`Cell`
    per value, which matters for the large sheets (decisions, workforce: tens of thousands of cells)."""

    columns: list[Column]

    def rows(self) -> list[list[Cell]]:
        """The same table as rows of cells."""
        header = [Cell(column.header, bold=True) for column in self.columns]
        body = [[Cell(v, column.kind) for v in column.values] for column in self.columns]
        return [header, *map(list, zip(*body))]


def write_workbook(result, instance, path, lang: str = "en", checked: Callable[[], None] | None = None) -> Path:
    """Write the result as an Excel workbook, atomically.

    Parameters
    ----------
    result : gpec.results.Result
        The solve's result; a result without a plan (infeasible, error) is written too.
    instance : gpec.instance.Instance or None
        The instance the result was built from (``result.applied``; None: use it).
    path : str or Path
        The file to write, e.g. ``OUT/results.xlsx``.
    lang : str
        ``en`` or ``fr``: sheet names, headers and labels (:mod:`gpec.i18n`).
    checked : callable, optional
        Called before the summary is made, once the table sheets are written: it waits for the
        independent check and records its outcome in ``result`` (the summary shows the violations), so
        that the check can run meanwhile (:func:`gpec.outputs.write_outputs`).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    KeyError
        On an unknown language.
    ValueError
        When no instance is given and the result does not carry one.
    """
    check_lang(lang)
    instance = instance if instance is not None else result.applied
    if instance is None:
        raise ValueError("write_workbook needs the instance the result was built from (result.applied)")
    def summary() -> list[list[Cell]]:
        if checked is not None:
            checked()
        return summary_rows(result, instance, lang)

    sheets = [(t("sheet.summary", lang), summary, False)]
    sheets += [(t(f"sheet.{sheet}", lang), sheet_table(result, instance, sheet, lang), True) for sheet in SHEETS]
    return write_atomic(path, lambda tmp: write_book(tmp, sheets))


# -- the summary ------------------------------------------------------------------------------------
def summary_rows(result, instance, lang: str) -> list[list[Cell]]:
    """Rows of the summary sheet: title, result in words, then (with a plan) the yearly tables and the
    levers, or (without one) the diagnosis."""
    first, last = result.horizon
    rows = [[Cell(t("summary.title", lang).format(instance=result.instance, first=first, last=last), title=True)],
            [], *_result_rows(result, lang), []]
    if not result.has_solution:
        return rows + _no_plan_rows(result, lang)
    rows += _envelope_rows(result, lang)
    by_year = unmet_by_year(result, instance)
    spent = result.spend.groupby("year")["eur"].sum() if len(result.spend) else pd.Series(dtype=float)
    by_year["spend_eur"] = spent.reindex(by_year["year"]).fillna(0.0).to_numpy()
    rows += _section(t("summary.by_year", lang), by_year, (
        ("year", "year"), ("phase", "phase"), ("need", "need"), ("unmet", "unmet"), ("baseline_unmet", "baseline_unmet"),
        ("avoided", "avoided"), ("unmet_share", "unmet_share"), ("spend_eur", "spend_eur")), instance, lang)
    rows += _section(t("summary.by_funder", lang), spend_by_year(result), (
        ("funder", "funder"), ("funder_label", "funder_label"), ("year", "year"), ("phase", "phase"),
        ("spend_eur", "spend_eur"), ("envelope_eur", "envelope_eur"), ("carried_in_eur", "carried_in_eur"),
        ("used", "used")), instance, lang)
    return rows + _lever_rows(result, instance, lang)


def _result_rows(result, lang: str) -> list[list[Cell]]:
    """Status, the proof in words and the figures behind it."""
    first, last = result.horizon
    key_value = lambda key, value, kind=None, wide=False: [Cell(t(f"summary.{key}", lang), bold=True),
                                                           Cell(value, kind, wide=wide)]
    rows = [[Cell(t("summary.result", lang), bold=True)],
            key_value("status", label("status", result.status, lang)),
            key_value("in_words", in_words(result, lang), wide=True)]
    if result.has_solution:
        rows += [key_value("objective", result.objective, "fte1"), key_value("bound", result.bound, "fte1"),
                 key_value("gap", result.gap, "gap"), key_value("cost", result.cost, "eur")]
    rows += [key_value("instance", result.instance), key_value("horizon", f"{first}–{last}"),
             key_value("solver", result.solver), key_value("runtime", result.runtime_s, "seconds")]
    if result.violations is not None:
        rows.append(key_value("violations", result.violations, "int"))
    return rows + [key_value("message", result.message, wide=True)]


def in_words(result, lang: str) -> str:
    """The status and its proof in one sentence (:mod:`gpec.i18n` ``sentence.*``)."""
    key = f"sentence.{result.status}"
    if result.status == "feasible" and not math.isfinite(result.bound):
        key = "sentence.feasible_no_bound"
    template = t(key if key in LABELS else "sentence.error", lang)
    return template.format(obj=fmt_number(result.objective, lang, 1), bound=fmt_number(result.bound, lang, 1),
                           gap=fmt_percent(result.gap, lang, 3), cost=fmt_eur(result.cost, lang),
                           message=result.message or result.status)


def _envelope_rows(result, lang: str) -> list[list[Cell]]:
    """Per funder: euros spent over the horizon against its envelope, in words."""
    table = spend_by_year(result)
    if table.empty:
        return []
    rows = [[Cell(t("summary.envelopes", lang), bold=True, wide=True)]]
    for funder, part in table[table["phase"] == "horizon"].groupby("funder", sort=False):
        spent, envelope = part["spend_eur"].sum(), part["envelope_eur"].sum()
        text = t("summary.spent_of_envelope", lang).format(
            spent=fmt_eur(spent, lang), envelope=fmt_eur(envelope, lang),
            used=fmt_percent(spent / envelope if envelope > 0 else math.nan, lang))
        rows.append([Cell(funder_label(funder, lang, result.funders, envelope=True), bold=True), Cell(text)])
    return rows + [[]]


def _lever_rows(result, instance, lang: str) -> list[list[Cell]]:
    """Every lever of the run with what it bought, then the levers used and not used in words."""
    levers = lever_summary(result)
    levers["lever_used"] = levers["units"] > 0
    rows = _section(t("summary.levers", lang), levers, (
        ("lever", "lever"), ("lever_label", "lever_label"), ("units", "units"), ("fte", "fte_delivered"),
        ("cost_eur", "cost_eur"), ("lever_used", "lever_used")), instance, lang)
    names = lambda used: ", ".join(label("lever", code, lang) for code in levers.loc[used, "lever"]) \
        or t("value.none", lang)
    return rows + [[Cell(t("summary.levers_used", lang), bold=True), Cell(names(levers["lever_used"]), wide=True)],
                   [Cell(t("summary.levers_unused", lang), bold=True),
                    Cell(names(~levers["lever_used"]), wide=True)]]


def _no_plan_rows(result, lang: str) -> list[list[Cell]]:
    """What a result without a plan says: no plan, and the diagnosis when there is one."""
    rows = [[Cell(t("summary.no_plan", lang), bold=True, wide=True)]]
    diagnosis = result.diagnosis or {}
    if not diagnosis:
        return rows
    rows += [[], [Cell(t("summary.diagnosis", lang), bold=True)],
             [Cell(t("summary.suggestion", lang), bold=True), Cell(diagnosis.get("suggestion") or None, wide=True)]]
    for i, item in enumerate(diagnosis.get("conflict") or []):
        text = item.get("text") or item.get("label") if isinstance(item, dict) else item
        rows.append([Cell(t("summary.conflict", lang) if i == 0 else None, bold=True), Cell(text, wide=True)])
    return rows


def _section(title: str, table: pd.DataFrame, columns, instance, lang: str) -> list[list[Cell]]:
    """A titled table of the summary, then a blank row."""
    return [[Cell(title, bold=True, wide=True)], *_table(table, columns, instance, lang).rows(), []]


# -- the table sheets -------------------------------------------------------------------------------
def sheet_table(result, instance, sheet: str, lang: str) -> Table:
    """One table sheet (:data:`SHEETS`)."""
    attribute, columns = SHEETS[sheet]
    table = getattr(result, attribute)
    if sheet == "workforce" and len(table):
        table = table.assign(unmet_share=np.divide(table["unmet"].to_numpy(float), table["need"].to_numpy(float),
                                                   out=np.zeros(len(table)), where=table["need"].to_numpy() > 0))
    if sheet == "flows" and len(table):  # the territory's flows; flows.csv has them by bassin
        keys = ["metier", "year", "reservoir", "flow", "kind", "lever"]
        table = table.groupby(keys, as_index=False, sort=False)["fte"].sum()
    if sheet == "spending" and ("zone" not in table or not (table["zone"].fillna("").astype(str) != "").any()):
        columns = tuple(c for c in columns if c[0] != "zone")  # funders without territories: one zone
    if sheet == "shadow_prices" and len(table):  # what binds, and the MIP marginal values; all in the CSV
        binding = table["binding"].astype(str).str.lower().isin(("true", "1"))
        table = table[binding | (table["method"] != "fixed_integer_lp")]
    return _table(table, columns, instance, lang)


def _table(table: pd.DataFrame, columns, instance, lang: str) -> Table:
    """The columns ``(table column, header key)`` of ``table``: ``column.*`` headers, names beside codes,
    values typed."""
    table = with_names(table, instance, lang)
    found = []
    for column, key in columns:
        values = table[column] if column in table else pd.Series([None] * len(table), index=table.index)
        kind = COLUMN_FORMATS.get(key)
        found.append(Column(t(f"column.{key}", lang), _cell_values(values, kind, lang), kind))
    return Table(found)


def with_names(table: pd.DataFrame, instance, lang: str) -> pd.DataFrame:
    """``table`` with a label column for each code column it has (:data:`NAME_COLUMNS`): bassin names
    and métier labels from the instance, funders by the instance's bodies (:func:`gpec.i18n.funder_label`);
    métiers it does not label, levers, reservoirs and flows from :mod:`gpec.i18n` (a code without a
    label stays as it is); words of :data:`TRANSLATED_VALUES` translated."""
    table = table.copy()
    bassin_names = dict(zip(instance.bassins["bassin"], instance.bassins["name"])) if instance is not None else {}
    metier_labels = dict(zip(instance.metiers["metier"], instance.metiers["label"])) if instance is not None else {}
    bodies = instance.bodies if instance is not None else {}
    for code, (name, group) in NAME_COLUMNS.items():
        if code not in table:
            continue
        known = bassin_names if code == "bassin" else metier_labels if code == "metier" else {}
        if code == "funder":
            known = {c: funder_label(c, lang, bodies) for c in table[code].dropna().unique()}
        lookup = {c: known.get(c) or label(group, c, lang) if group else known.get(c, c)
                  for c in table[code].dropna().unique()}
        table[name] = table[code].map(lookup)
    for column, group in TRANSLATED_VALUES.items():
        if column in table:
            table[column] = table[column].map(lambda v: label(group, v, lang))
    return table


def _cell_values(values: pd.Series, kind: str | None, lang: str) -> list:
    """Plain Python values for the cells: None for anything missing or not finite, whole numbers for
    years, yes/no for booleans, text as text (cleaned when written, :func:`_text`)."""
    if kind is not None and kind != "year" and pd.api.types.is_numeric_dtype(values) \
            and not pd.api.types.is_bool_dtype(values):
        array = values.to_numpy(float)
        return [float(v) if math.isfinite(v) else None for v in array]
    return [_plain(v, kind, lang) for v in values.tolist()]


def _plain(value, kind: str | None, lang: str):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return t("value.yes" if value else "value.no", lang)
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return None
        return int(value) if kind in ("year", "int") and value.is_integer() else value
    return str(value)  # cleaned when written (_text)


@functools.lru_cache(maxsize=1 << 14)
def _text(value: str) -> str | None:
    """Text for a cell: None when empty or a missing-number word alone, characters Excel refuses
    removed, missing-number words in free text (``gap inf``) written as an em dash."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.strip() or text.strip() in ("nan", "NaN", "inf", "-inf", "None", "<NA>"):
        return None
    return NOT_A_NUMBER.sub("—", text)


# -- writing ------------------------------------------------------------------------------------------
def write_book(path: Path, sheets: list[tuple[str, list[list[Cell]] | Table | Callable, bool]]) -> None:
    """Write the sheets ``(title, rows or table, freeze the header)`` as an xlsx file at ``path`` (a new
    file: wrap it in :func:`gpec.atomic.write_atomic`), row by row (xlsxwriter's
    constant-memory mode): text always as text (never a formula), numbers with their format. A sheet
    given as a function (that returns its rows or table) keeps its place but is made and written last."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    formats: dict[tuple, object] = {}

    def style(number_format: str | None, bold: bool, title: bool):
        key = (number_format, bold, title)
        if key not in formats:
            spec = {"num_format": number_format} if number_format else {}
            spec.update({"bold": True} if bold or title else {})
            spec.update({"font_size": TITLE_SIZE} if title else {})
            formats[key] = book.add_format(spec) if spec else None
        return formats[key]

    pages = [(book.add_worksheet(title), content, freeze) for title, content, freeze in sheets]
    for sheet, content, freeze in sorted(pages, key=lambda page: callable(page[1])):  # (a stable sort)
        content = content() if callable(content) else content
        if freeze:
            sheet.freeze_panes(1, 0)
        if isinstance(content, Table):
            _write_table(sheet, content, style)
            continue
        for j, width in _widths(content).items():
            sheet.set_column(j, j, width)
        for i, row in enumerate(content):
            for j, cell in enumerate(row):
                ready = _ready(cell.value, cell.kind, cell.bold, cell.title, style)
                if ready is not None:
                    _write(sheet, i, j, *ready)
    book.close()


def _write_table(sheet, table: Table, style) -> None:
    """A :class:`Table`: each column made ready at once (text cleaned once per distinct value), its
    width set, then written row by row."""
    columns = []
    for j, column in enumerate(table.columns):
        cells = [_ready(value, column.kind, False, False, style) for value in column.values]
        sheet.set_column(j, j, _width(max(len(column.header), _widest(cells, column.kind))))
        sheet.write_string(0, j, column.header, style(None, True, False))
        columns.append(cells)
    for i, row in enumerate(zip(*columns), start=1):
        for j, ready in enumerate(row):
            if ready is not None:
                _write(sheet, i, j, *ready)


def _write(sheet, i: int, j: int, how: str, value, cell_format) -> None:
    if how == "text":
        sheet.write_string(i, j, value, cell_format)
    elif how == "number":
        sheet.write_number(i, j, value, cell_format)
    else:
        sheet.write_blank(i, j, None, cell_format)


def _ready(value, kind: str | None, bold: bool, title: bool, style) -> tuple[str, object, object] | None:
    """How to write a cell: ``(text|number|blank, value, format)``, or None for nothing (an empty cell)."""
    if isinstance(value, float):
        value = None if not math.isfinite(value) else round(value, KEEP_DIGITS) if kind in ROUNDED_KINDS else value
    elif isinstance(value, str):
        value = _text(value)
    if isinstance(value, str):
        return "text", value, style(None, bold, title)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number", value, style(_number_format(kind, value) if kind is not None else None, bold, title)
    return ("blank", None, style(None, bold, title)) if bold or title else None


def _widest(cells: list, kind: str | None) -> int:
    """The longest value shown among ready cells (:func:`_ready`) of a column of ``kind``: the longest
    text, and of the numbers the largest and the smallest (the longest shown, sign included)."""
    texts = {value for how, value, _ in filter(None, cells) if how == "text"}
    numbers = [value for how, value, _ in filter(None, cells) if how == "number"]
    shown = [Cell(v, kind) for v in (max(numbers), min(numbers))] if numbers else []
    return max([len(text) for text in texts] + [_shown_length(cell) for cell in shown], default=0)


def _number_format(kind: str, value: float) -> str:
    if kind == "units":
        kind = "int" if float(value).is_integer() else "fte"
    return NUMBER_FORMATS.get(kind, "General")


def _widths(rows: list[list[Cell]]) -> dict[int, float]:
    """Column index -> width: the longest header or value shown, within :data:`MIN_WIDTH`-:data:`MAX_WIDTH`."""
    longest: dict[int, int] = {}
    for row in rows:
        for j, cell in enumerate(row):
            if cell.value is None or cell.wide or cell.title:
                continue
            longest[j] = max(longest.get(j, 0), _shown_length(cell))
    return {j: _width(n) for j, n in longest.items()}


def _width(longest: int) -> int:
    """A column's width for its longest header or value shown: within :data:`MIN_WIDTH`-:data:`MAX_WIDTH`,
    with a margin."""
    return min(MAX_WIDTH, max(MIN_WIDTH, longest) + 2)


def _shown_length(cell: Cell) -> int:
    value = cell.value
    if isinstance(value, str):
        return len(value)
    if cell.kind in ("share", "gap"):
        return len(f"{100 * value:.3f}%")
    decimals = {"fte": 2, "fte1": 1, "value": 3, "seconds": 1, "units": 2}.get(cell.kind, 0)
    return len(f"{value:,.{decimals}f}") if cell.kind != "year" else len(str(value))
