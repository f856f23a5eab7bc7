"""The public statistics (no sign-in): every published quarter's tables as published (``..``
for a suppressed cell), the charts, notes on methods and suppression, and downloads in CSV,
XLSX, PX and JSON-stat 2.0 — all read from the quarter's latest publication."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from sosdata.statistics import charts, export
from sosdata.statistics.tables import Table
from sosdata.web.published import PublishedStatistics, Release
from sosdata.web.rendering import render
from sosdata.web.visitor import AnyVisitor

router = APIRouter(include_in_schema=False)

#: rows of a table page
ROWS_PER_PAGE = 100
#: download formats: name in the address → (media type, file ending)
DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "px": ("application/octet-stream", "px"),
    "json-stat": ("application/json; charset=utf-8", "json"),
}
#: the charts of a quarter: name → the table it draws and how
CHARTS = {"clients-by-county": "clients_county", "trend": "trend_county"}
#: an SVG chart styles its own text; it runs no script
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _release(request: Request, quarter: str) -> tuple[Release, list[Table]]:
    published = PublishedStatistics(request)
    release = published.release(quarter)
    if release is None:
        raise HTTPException(404)
    return release, published.tables(release)


def _table(tables: list[Table], table_id: str) -> Table:
    found = next((t for t in tables if t.id == table_id), None)
    if found is None:
        raise HTTPException(404)
    return found


@router.get("/statistics", response_class=HTMLResponse)
def statistics(request: Request, who: AnyVisitor) -> HTMLResponse:
    releases = PublishedStatistics(request).releases()
    return render(request, who, "statistics/index.html", releases=releases)


@router.get("/statistics/{quarter}", response_class=HTMLResponse)
def quarter_page(request: Request, who: AnyVisitor, quarter: str) -> HTMLResponse:
    release, tables = _release(request, quarter)
    present = {t.id for t in tables}
    shown_charts = [name for name, table_id in CHARTS.items() if table_id in present]
    return render(
        request,
        who,
        "statistics/quarter.html",
        release=release,
        tables=tables,
        charts=shown_charts,
        downloads=DOWNLOADS,
    )


@router.get("/statistics/{quarter}/charts/{name}.svg")
def chart(request: Request, who: AnyVisitor, quarter: str, name: str) -> Response:
    if name not in CHARTS:
        raise HTTPException(404)
    _, tables = _release(request, quarter)
    table = _table(tables, CHARTS[name])
    svg = (
        charts.clients_by_county(table, who.lang)
        if name == "clients-by-county"
        else (charts.trend(table, who.lang))
    )
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": SVG_POLICY, "Vary": "Cookie, Accept-Language"},
    )


@router.get("/statistics/{quarter}/{table_id}", response_class=HTMLResponse)
def table_page(
    request: Request, who: AnyVisitor, quarter: str, table_id: str, page: int = 1
) -> HTMLResponse:
    release, tables = _release(request, quarter)
    table = _table(tables, table_id)
    stub, heading = table.dimensions[:-1], table.dimensions[-1]
    width = len(heading.codes)
    every = PublishedStatistics(request).memo(
        ("labelled", release.publication_id, table.id, who.lang),
        lambda: export.labelled(table, who.lang),
    )
    rows_total = every.height // width if width else 0
    pages = max(1, -(-rows_total // ROWS_PER_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * ROWS_PER_PAGE
    frame = every.slice(first * width, ROWS_PER_PAGE * width)
    shown = frame["arvo"].to_list()
    labels = frame.select(f"{d.name}_{who.lang}" for d in stub).rows() if stub else []
    rows = [
        {
            "labels": labels[i * width] if stub else (),
            "values": shown[i * width : (i + 1) * width],
        }
        for i in range(len(shown) // width if width else 0)
    ]
    return render(
        request,
        who,
        "statistics/table.html",
        release=release,
        table=table,
        title=export.title(table, who.lang),
        stub=stub,
        heading=heading,
        rows=rows,
        page=page,
        pages=pages,
        rows_total=rows_total,
        downloads=DOWNLOADS,
        suppressed=int(table.cells["status"].is_not_null().sum()),
    )


@router.get("/statistics/{quarter}/{table_id}/{fmt}")
def download(request: Request, who: AnyVisitor, quarter: str, table_id: str, fmt: str) -> Response:
    """The table as published, in the visitor's language: the same writer as ``sosdata stats``."""
    if fmt not in DOWNLOADS:
        raise HTTPException(404)
    release, tables = _release(request, quarter)
    table = _table(tables, table_id)
    media_type, ending = DOWNLOADS[fmt]
    lang = who.lang
    if fmt == "csv":
        body = export.to_csv(table, lang).encode("utf-8-sig")
    elif fmt == "px":
        body = export.to_px(table, lang).encode("utf-8-sig")
    elif fmt == "json-stat":
        updated = release.published_at.replace(microsecond=0).isoformat() + "Z"
        dataset = export.to_jsonstat(table, lang, updated=updated)
        body = json.dumps(dataset, ensure_ascii=False).encode()
    else:
        with tempfile.TemporaryDirectory() as folder:
            body = export.write_xlsx([table], Path(folder) / "t.xlsx", lang).read_bytes()
    name = f"{table.id}_{table.quarter}_{lang}.{ending}"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
