"""Exports read back: PX by an independent reader, CSV, XLSX, JSON; SVG charts parsed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from sosdata.statistics import charts, export
from sosdata.statistics.suppression import TOTAL, Hierarchy, suppress
from sosdata.statistics.tables import Dimension, Table

from . import px_reader

L = {"fi": "Alue", "sv": "Område", "en": "Area"}


def _table() -> Table:
    area = Dimension(
        "alue",
        L,
        (TOTAL, "01", "02"),
        {
            TOTAL: {"fi": "Koko maa", "sv": "Hela landet", "en": "Whole country"},
            "01": {"fi": "Itä-Uusimaa", "sv": "Östra Nyland", "en": "East Uusimaa"},
            "02": {"fi": "Keski-Uusimaa", "sv": "Mellersta Nyland", "en": "Central Uusimaa"},
        },
        {"01": TOTAL, "02": TOTAL},
    )
    task = Dimension(
        "palvelutehtava",
        {"fi": "Palvelutehtävä", "sv": "Serviceuppgift", "en": "Service task"},
        ("1", "2"),
        {
            "1": {"fi": "Iäkkäiden palvelut", "sv": "Äldreservice", "en": "Older people"},
            "2": {"fi": "Työikäisten palvelut", "sv": "Arbetsför ålder", "en": "Working age"},
        },
    )
    sex = Dimension(
        "sukupuoli",
        {"fi": "Sukupuoli", "sv": "Kön", "en": "Sex"},
        (TOTAL, "1", "2"),
        {
            TOTAL: {"fi": "Yhteensä", "sv": "Totalt", "en": "Total"},
            "1": {"fi": "Mies", "sv": "Man", "en": "Male"},
            "2": {"fi": "Nainen", "sv": "Kvinna", "en": "Female"},
        },
        {"1": TOTAL, "2": TOTAL},
    )
    leaves = {
        ("01", "1", "1"): 3,
        ("01", "1", "2"): 40,
        ("02", "1", "1"): 25,
        ("02", "1", "2"): 31,
        ("01", "2", "1"): 12,
        ("02", "2", "2"): 9,
    }
    sums: dict[tuple[str, str, str], int] = {}
    for (a, t, s), v in leaves.items():
        for key in ((a, t, s), (TOTAL, t, s), (a, t, TOTAL), (TOTAL, t, TOTAL)):
            sums[key] = sums.get(key, 0) + v
    cells = pl.DataFrame(
        [(*k, v) for k, v in sums.items()],
        schema=["alue", "palvelutehtava", "sukupuoli", "value"],
        orient="row",
    )
    cells = suppress(
        cells,
        ["alue", "palvelutehtava", "sukupuoli"],
        [Hierarchy("alue", area.parents), Hierarchy("sukupuoli", sex.parents)],
        5,
    )
    return Table(
        "clients_county",
        "clients",
        "county",
        "2023Q1",
        {"fi": "Asiakkaat", "sv": "Klienter", "en": "Clients"},
        {"fi": "henkilöä", "sv": "personer", "en": "persons"},
        (area, task, sex),
        cells,
    )


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_px_reads_back(tmp_path: Path, lang: str) -> None:
    table = _table()
    [path] = export.export([table], tmp_path, "px", lang)
    px = px_reader.parse(path.read_text(encoding="utf-8-sig"))
    for key in ("CHARSET", "MATRIX", "SUBJECT-AREA", "TITLE", "CONTENTS", "UNITS", "DECIMALS"):
        assert (key, None) in px.keywords, key
    assert px.get("MATRIX") == "clients_county"
    area, task, sex = (d.title[lang] for d in table.dimensions)
    assert px.get("STUB") == [area, task] and px.get("HEADING") == [sex]
    assert px.get("CODES", area) == [TOTAL, "01", "02"]
    east = table.dimension("alue").label("01", lang)
    male = table.dimension("sukupuoli").label("1", lang)
    older = table.dimension("palvelutehtava").label("1", lang)
    assert px.cell(**{area: east, task: older, sex: male}) == ".."  # 3 persons: hidden
    female = table.dimension("sukupuoli").label("2", lang)
    assert px.cell(**{area: east, task: older, sex: female}) in ("40", "..")
    shown = table.full()
    assert px.data == shown["shown"].to_list()
    assert not any(v in ("1", "2", "3", "4") for v in px.data)


def test_csv_json_xlsx(tmp_path: Path) -> None:
    table = _table()
    full = table.full()
    [csv] = export.export([table], tmp_path, "csv", "sv")
    frame = pl.read_csv(
        csv.read_bytes().removeprefix(b"\xef\xbb\xbf"), separator=";", infer_schema=False
    )
    assert frame.columns[-1] == "Värde"
    assert frame["alue_sv"].to_list()[:3] == ["Hela landet"] * 3
    assert frame["Värde"].to_list() == full["shown"].to_list()

    [js] = export.export([table], tmp_path, "json", "fi")
    data = json.loads(js.read_text(encoding="utf-8"))
    hidden = [c for c in data["cells"] if c["suppressed"]]
    assert hidden and all(c["value"] is None for c in hidden)
    assert data["dimensions"][0]["codes"][1]["label"]["en"] == "East Uusimaa"

    [xlsx] = export.export([table], tmp_path, "xlsx", "en")
    sheet = openpyxl.load_workbook(xlsx)["clients_county"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Clients, 2023Q1"
    assert rows[3][:3] == ("Area", "Service task", "Sex")
    assert sheet["A4"].font.bold and sheet.freeze_panes == "A5"  # header stays in view
    values = [r[3] for r in rows[4:]]
    assert values == [v if v == ".." else int(v) for v in full["shown"].to_list()]


def test_svg_charts_are_self_contained(tmp_path: Path) -> None:
    table = _table()
    bars = charts.bar_chart(
        "Clients",
        ["East", "Central"],
        [charts.Series("Older", (None, 56)), charts.Series("Working", (12, 9))],
    )
    root = ET.fromstring(bars)
    assert root.tag.endswith("svg")
    assert "<script" not in bars and "href" not in bars
    assert ">..<" in bars  # a suppressed value is marked, not drawn
    lines = charts.line_chart(
        "Trend", ["2023Q1", "2023Q2", "2023Q3"], [charts.Series("Older", (10, None, 14))]
    )
    ET.fromstring(lines)
    assert "<polyline" not in lines  # the suppressed middle value breaks the line
    svg = charts.clients_by_county(table, "en")
    ET.fromstring(svg)
    assert "East Uusimaa" in svg
