"""Spreadsheet (CSV/XLSX) injection is neutralised in one place, by OWASP's rule: a text cell
starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata import safe_export

SRC = Path(__file__).resolve().parents[2] / "src" / "sosdata"
#: files in the delivery format (data for the validator, which refuses such values) and the
#: code-set store read back by the program: written as they are, by design
DATA_FORMAT_WRITERS = {
    "synth/deliveries.py",
    "synth/generate.py",
    "app/demo.py",  # a demonstration delivery with rows changed
    "kanta/pipeline.py",  # the derived components; its malformed.csv goes through safe_export
    "codes/__init__.py",
    "notification/xlsform.py",  # the form's definition for XLSForm tools: no value from a file
    "safe_export.py",
}

formula = st.sampled_from(safe_export.FORMULA_STARTS).flatmap(
    lambda start: st.text(max_size=20).map(lambda rest: start + rest)
)
texts = st.one_of(formula, st.text(max_size=20))


def _dangerous(value: object) -> bool:
    return isinstance(value, str) and value.startswith(safe_export.FORMULA_STARTS)


@settings(deadline=None)  # a loaded machine is slow, not wrong
@given(st.lists(texts, min_size=1, max_size=20))
def test_no_text_cell_starts_a_formula(values: list[str]) -> None:
    assert not any(_dangerous(v) for v in safe_export.neutralise_row(values))
    frame = pl.DataFrame({"a": values, "n": list(range(-len(values), 0))})
    out = safe_export.neutralise_frame(frame)
    assert not any(_dangerous(v) for v in out["a"].to_list())
    assert out["n"].to_list() == frame["n"].to_list()  # numbers stay numbers, minus sign too
    for value, kept in zip(values, out["a"].to_list(), strict=True):
        assert kept == (safe_export.QUOTE + value if _dangerous(value) else value)
    rows = list(csv.reader(io.StringIO(safe_export.csv_text(frame)), delimiter=";"))
    assert not any(_dangerous(cell) for row in rows for cell in row[:1])


def test_header_names_are_neutralised_too() -> None:
    frame = pl.DataFrame({"=cmd": ["x"], "ok": ["@SUM(1)"]})
    text = safe_export.csv_text(frame)
    assert text.splitlines() == ["'=cmd;ok", "x;'@SUM(1)"]


def _writes_spreadsheets(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"write_csv", "writer", "Workbook"}:
            return True
        if isinstance(node, ast.ImportFrom) and node.module in {"openpyxl", "xlsxwriter"}:
            return True
        if isinstance(node, ast.Import) and {a.name for a in node.names} & {"xlsxwriter"}:
            return True
    return False


def test_every_module_that_writes_a_spreadsheet_goes_through_safe_export() -> None:
    """The one place: a module writing CSV or XLSX for people imports ``safe_export``."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        if relative in DATA_FORMAT_WRITERS or not _writes_spreadsheets(tree):
            continue
        if "safe_export" not in source:
            offenders.append(relative)
    assert offenders == []
