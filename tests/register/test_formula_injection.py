"""Values that a spreadsheet would run as formulas come out of the validator's CSV report and
of ``status`` (CSV and XLSX) as text: the reproduced case was a municipality group named like
a formula, and values of a delivered file echoed verbatim."""

from __future__ import annotations

import csv
import io

import openpyxl
import polars as pl

from sosdata import monitoring, safe_export
from sosdata.delivery import validate_path
from sosdata.register import store
from world import call

from .conftest import KEEPER, Q1, person

#: values of a delivered file (no ``;`` or line break: the format has none in a value)
PAYLOADS = ("=1+1", "+1+1", "-2+3", "@SUM(A1)", "	=1")
GROUP = '=HYPERLINK("http://example.org";"click")'


def _cells_csv(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def _cells_xlsx(data: bytes) -> list[object]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate  # no formula anywhere
                cells.append(cell.value)
    return cells


def _live(cells) -> list[object]:
    return [c for c in cells if isinstance(c, str) and c.startswith(safe_export.FORMULA_STARTS)]


def test_status_and_the_validators_csv_show_formulas_as_text(
    db, settings, organiser, package
) -> None:
    group = GROUP
    rows = {
        "asiakkuusjaksot": [
            {
                "jarjestaja": organiser.oid,
                "henkilotunnus": person(i),
                "kotikunta": PAYLOADS[i] if i < len(PAYLOADS) else organiser.municipalities[0],
                "sukupuoli": "1",
                "palvelutehtava": "1",
                "alkupvm": "2022-05-01",
            }
            for i in range(100)  # 5 % of the rows in error: the delivery is accepted
        ]
    }
    path = package(rows, group=group)
    report = validate_path(path, Q1, settings=settings, lang="en").report.render("csv")
    cells = _cells_csv(report)
    assert "Home municipality =1+1" in report  # the values are echoed, inside messages
    assert not _live(cells)
    db.close()  # the register's verbs open the database themselves
    outcome = call(settings, KEEPER, "submit", path)
    assert outcome.status == "accepted"
    with store.opened(settings) as conn:
        status = monitoring.status(conn, settings, Q1)
    assert group in status.matrix["municipality_group"].to_list()
    csv_cells = _cells_csv(status.render("csv"))
    assert safe_export.QUOTE + group in csv_cells and not _live(csv_cells)
    xlsx_cells = _cells_xlsx(status.render("xlsx"))
    assert safe_export.QUOTE + group in xlsx_cells and not _live(xlsx_cells)


def test_a_formula_as_a_file_name_in_the_report(tmp_path, settings) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    (folder / "=cmd.csv").write_text("x")
    report = validate_path(folder, Q1, settings=settings).report
    frame = pl.read_csv(io.StringIO(report.render("csv")), separator=";", infer_schema=False)
    assert "'=cmd.csv" in frame["file"].to_list()
    assert not _live(_cells_csv(report.render("csv")))
