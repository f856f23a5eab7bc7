"""``notification export`` writes answers that look like formulas as text (CSV and XLSX)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from sosdata import safe_export
from sosdata.register.notifications import exchange

GROUP = "=cmd|' /C calc'!A0"
FEEDBACK = "@SUM(1+1)*cmd|' /C calc'!A0"


def _live(cells) -> list[object]:
    return [c for c in cells if isinstance(c, str) and c.startswith(safe_export.FORMULA_STARTS)]


def test_export_neutralises_formulas(conn, settings, ctx, example, change, tmp_path) -> None:
    hostile = change(example, group_name=GROUP, feedback=FEEDBACK)
    path = tmp_path / "hostile.json"
    path.write_text(hostile.to_json(), encoding="utf-8")
    exchange.import_file(conn, path, settings, ctx)

    out = tmp_path / "notifications.csv"
    exchange.export(conn, out, settings, ctx)
    cells = [
        c for row in csv.reader(io.StringIO(out.read_text("utf-8")), delimiter=";") for c in row
    ]
    assert "'" + GROUP in cells and "'" + FEEDBACK in cells
    assert not _live(cells)

    book_path = tmp_path / "notifications.xlsx"
    exchange.export(conn, book_path, settings, ctx)
    values = []
    for sheet in load_workbook(book_path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                values.append(cell.value)
    assert "'" + GROUP in values and not _live(values)
