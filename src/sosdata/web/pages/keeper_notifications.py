"""The register keeper's view of every notification: per county and version, the coverage
matrix county × municipality, the expected sources the build and monitoring use, and exports.
An organiser's user who opens it sees its own county only (the verbs scope what they return)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from sosdata.errors import AccessError
from sosdata.notification.form import DEFAULT_ROUND
from sosdata.web.rendering import render
from sosdata.web.visitor import PageVisitor, core

router = APIRouter(include_in_schema=False)

EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/keeper/notifications", response_class=HTMLResponse)
def keeper_view(request: Request, who: PageVisitor, round: str = DEFAULT_ROUND) -> HTMLResponse:
    register = core(request)
    listing = register.notifications(who.actor)
    matrix = register.coverage_matrix(who.actor, round, lang=who.lang)
    expected = register.expected_sources(who.actor)
    # one row per municipality group × service task × component, with its municipalities
    sources = (
        expected.group_by(
            "county",
            "municipality_group",
            "component",
            "service_task",
            "source",
            maintain_order=True,
        )
        .agg(pl.col("municipality").sort().str.join(", ").alias("municipalities"))
        .sort("county", "municipality_group", "component", "service_task", nulls_last=False)
    )
    counties = [
        {
            "county": county,
            "rows": rows.to_dicts(),
            "missing": rows.filter(pl.col("state") == "missing").height,
            "doubled": rows.filter(pl.col("state") == "doubled").height,
        }
        for (county,), rows in matrix.group_by("county", maintain_order=True)
    ]
    return render(
        request,
        who,
        "notifications/keeper.html",
        round=round,
        rounds=[r for r, _ in register.notification_rounds(who.actor)] or [DEFAULT_ROUND],
        notifications=listing.to_dicts(),
        counties=counties,
        sources=sources.to_dicts(),
    )


@router.get("/keeper/notifications/export.{fmt}")
def export(request: Request, who: PageVisitor, fmt: str, versions: str = "latest") -> Response:
    """Every notification as CSV or XLSX (every version with ``versions=all``)."""
    if fmt not in EXPORTS:
        raise HTTPException(404)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"notifications.{fmt}"
        try:
            core(request).export_notifications(
                who.actor, out, fmt=fmt, all_versions=versions == "all", lang=who.lang
            )
        except AccessError as refused:
            raise HTTPException(403, str(refused)) from None
        body = out.read_bytes()
    return Response(
        body,
        media_type=EXPORTS[fmt],
        headers={"Content-Disposition": f'attachment; filename="notifications.{fmt}"'},
    )
