"""Import from JSON/YAML and export as CSV and XLSX, read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from sosdata.notification import NotificationError
from sosdata.register.notifications import exchange, store

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "notification.yaml"


def _store_two(conn, settings, ctx, example, change, tmp_path):
    exchange.import_file(conn, EXAMPLE, settings, ctx, submitted_at=dt.datetime(2022, 4, 1, 12))
    east = change(
        example,
        group_name="Loviisan seutu",
        municipalities=["407", "434", "504"],
        social_services_method="kanta_structured",
        **{
            k: None
            for k in (
                "decision_extraction",
                "notes_decisions",
                "extraction_methods",
                "other_extraction_method",
                "social_service_delivery",
                "notes_social_services",
            )
        },
    )
    path = tmp_path / "east.json"
    path.write_text(east.to_json(), encoding="utf-8")
    exchange.import_file(conn, path, settings, ctx)
    exchange.import_file(conn, path.with_name("east.json"), settings, ctx)  # unchanged
    path.write_text(change(east, feedback="v2").to_json(), encoding="utf-8")
    exchange.import_file(conn, path, settings, ctx)


def test_export_csv_reads_back(conn, settings, ctx, example, change, tmp_path):
    _store_two(conn, settings, ctx, example, change, tmp_path)
    out = tmp_path / "out" / "notifications.csv"
    assert exchange.export(conn, out, settings, ctx) == 2
    frame = pl.read_csv(out, separator=";", infer_schema=False)
    assert frame["group_name"].to_list() == ["Loviisan seutu", "Porvoon seutu"]
    assert frame["version"].to_list() == ["2", "1"]
    assert frame["status"].to_list() == ["draft", "submitted"]
    assert frame["late"].to_list() == [None, "false"]
    porvoo = frame.row(1, named=True)
    assert porvoo["q01_contact.email"] == "maija.meikalainen@example.fi"
    assert porvoo["q02_county"] == "01"
    assert porvoo["q03_municipalities"] == "018, 616, 638, 753"
    assert porvoo["q05_client_systems"] == "pro_consona, other"
    assert porvoo["q17_client_periods_source.4"] == "kanta_supplemented"
    assert porvoo["q28_social_service_delivery.35"] == "partly"
    assert porvoo["submitted_at"] == "2022-04-01T09:00:00"  # 12:00 Finnish summer time in UTC
    loviisa = frame.row(0, named=True)
    assert loviisa["q24_decision_extraction.negative"] is None
    assert loviisa["q33_feedback"] == "v2"

    every = tmp_path / "all.csv"
    assert exchange.export(conn, every, settings, ctx, all_versions=True) == 3


def test_export_xlsx_reads_back_with_labels(conn, settings, ctx, example, change, tmp_path):
    _store_two(conn, settings, ctx, example, change, tmp_path)
    out = tmp_path / "notifications.xlsx"
    assert exchange.export(conn, out, settings, ctx, lang="sv") == 2
    book = load_workbook(out, read_only=True)
    rows = list(book["notifications"].iter_rows(values_only=True))
    header, porvoo = rows[0], dict(zip(rows[0], rows[2], strict=True))
    assert len(rows) == 3 and header[0] == "id"
    assert porvoo["group_name"] == "Porvoon seutu"
    assert porvoo["q17_client_periods_source.1"] == "Från Kanta-arkivet"
    assert porvoo["q30_discussions"] == "Ja."
    assert porvoo["q03_municipalities"] == "018, 616, 638, 753"
    assert porvoo["late"] is False
    assert porvoo["deadline"].date() == dt.date(2022, 4, 4)
    legend = {r[0]: r[1] for r in book["questions"].iter_rows(values_only=True)}
    assert legend["q17_client_periods_source.4"].endswith("— Barnskydd")
    assert legend["q01_contact.email"] == (
        "1. Samarbetsperson till vilken vi skickar anvisningar om Sosdata och bl.a. uppgifter "
        "om händelser. — E-post"
    )


def test_unknown_export_format(conn, settings, ctx, tmp_path):
    with pytest.raises(NotificationError, match="unknown export format 'ods'"):
        exchange.export(conn, tmp_path / "x.ods", settings, ctx)


def test_a_bad_file_is_reported_whole_and_nothing_is_stored(conn, settings, ctx, tmp_path):
    path = tmp_path / "bad.json"
    text = (
        '{\n  "round": "2023Q1",\n  "lang": "en",\n  "answers": {\n'
        '    "contact": {"name": "M", "email": "m@example.fi"},\n'
        '    "county": "01",\n    "municipalities": ["638", "092"],\n'
        '    "group_name": "X",\n    "discussions": "no"\n  }\n}\n'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NotificationError) as caught:
        exchange.import_file(conn, path, settings, ctx)
    message = str(caught.value)
    assert message.startswith("2 error(s); nothing was stored:")
    assert f"{path}, line 4, column 14: question 17 (client_periods_source) is mandatory" in message
    assert f"{path}, line 7, column 31: question 3 (municipalities): municipality 092" in message
    assert conn.execute("SELECT count(*) FROM notification_versions").fetchone()[0] == 0


def test_import_as_already_submitted_marks_late_by_finnish_date(conn, settings, ctx):
    saved = exchange.import_file(
        conn, EXAMPLE, settings, ctx, submitted_at=dt.datetime(2022, 4, 5, 0, 30)
    )
    stored = store.get(conn, saved.notification_id, settings)
    assert stored.status == "submitted" and stored.late is True
    assert stored.submitted_at == dt.datetime(2022, 4, 4, 21, 30)
