"""The one place where text bound for a spreadsheet is made inert (CSV and XLSX injection).

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
and a leading tab or carriage return can hide such a start; a value from a delivered file, a
notification or a code set could thus run a formula (or a DDE command) on the computer of
whoever opens an export. OWASP's rule (*CSV Injection*): prefix such a text cell with a single
quote, so that it is shown as the text it was. Numbers, dates and booleans are written as
such and left alone; only text is touched.

Every CSV and XLSX file the project writes for people passes through here: the validation
report, ``status``, ``notification export``, the statistics, the malformed records of a Kanta
derivation and the issue listing of ``deliveries report``. Files in the delivery format
(synthetic deliveries, the components a Kanta derivation writes) are data for the validator,
which refuses such values, and are written as they are.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

#: what a spreadsheet program takes for the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = "^[=+\\-@\\t\\r]"
#: the prefix that makes a cell text
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """A text value that a spreadsheet would read as a formula, prefixed with ``'``; any other
    value as it was."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def neutralise_expr(column: pl.Expr) -> pl.Expr:
    """:func:`neutralise` over a column of text."""
    return pl.when(column.str.contains(_PATTERN)).then(pl.lit(QUOTE) + column).otherwise(column)


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column neutralised (header names too); other columns untouched."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if text:
        frame = frame.with_columns(neutralise_expr(pl.col(name)).alias(name) for name in text)
    return frame.rename({c: neutralise(c) for c in frame.columns if neutralise(c) != c})


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    """A row of cells for openpyxl or xlsxwriter, every text cell neutralised."""
    return [neutralise(value) for value in row]


def csv_text(frame: pl.DataFrame, **options: Any) -> str:
    """A frame as CSV text (``;`` unless ``separator`` says otherwise), neutralised."""
    options.setdefault("separator", ";")
    buffer = io.StringIO()
    neutralise_frame(frame).write_csv(buffer, **options)
    return buffer.getvalue()


def write_csv(frame: pl.DataFrame, path: Path | str, **options: Any) -> Path:
    """Write a frame as CSV to ``path`` (``;`` unless ``separator`` says otherwise),
    neutralised."""
    options.setdefault("separator", ";")
    neutralise_frame(frame).write_csv(Path(path), **options)
    return Path(path)
