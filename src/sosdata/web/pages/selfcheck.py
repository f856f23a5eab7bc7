"""The county's self-check: an organiser's user sees what the quarter's build would publish
about its own area, beside the previous quarter, and downloads it (CSV, XLSX)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sosdata.app import Action, require_role
from sosdata.periods import Quarter
from sosdata.web.rendering import render
from sosdata.web.visitor import PageVisitor, core, quarter_in_path

router = APIRouter(include_in_schema=False)
PREFIX = "/self-check"
DOWNLOADS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(PREFIX, response_class=HTMLResponse)
def choose(request: Request, who: PageVisitor, quarter: str = "", organiser: str = "") -> Response:
    require_role(who.actor, Action.SELF_CHECK)  # an administrator has no self-check to choose
    own = who.actor.organiser
    chosen = organiser.strip() or own or ""
    if quarter.strip() and chosen:
        return RedirectResponse(
            f"{PREFIX}/{chosen}/{quarter_in_path(quarter.strip())}", status_code=303
        )
    reg = core(request)
    listed = [o for o in reg.organisers if own is None or o.oid == own]
    return render(
        request,
        who,
        "selfcheck/choose.html",
        organisers=listed,
        chosen=chosen,
        default_quarter=str(Quarter.containing(dt.date.today()).previous()),
    )


@router.get(PREFIX + "/{organiser}/{quarter}", response_class=HTMLResponse)
def self_check(
    request: Request, who: PageVisitor, organiser: str, quarter: str, table: str = ""
) -> HTMLResponse:
    reg = core(request)
    found = reg.self_check(who.actor, organiser, quarter_in_path(quarter))
    shown = found.table(table or None)
    # the page leaves out what is zero in both quarters; the downloads have every cell
    labelled = shown.labelled(who.lang, zeros=False) if shown else None
    return render(
        request,
        who,
        "selfcheck/check.html",
        check=found,
        organiser=reg.organisers.get(organiser),
        shown=shown,
        rows=labelled.rows() if labelled is not None else [],
        columns=labelled.columns[: len(shown.dimensions)] if shown and labelled is not None else [],
        sources=found.sources.to_dicts() if found.built else [],
    )


@router.get(PREFIX + "/{organiser}/{quarter}/download.{fmt}")
def download(
    request: Request, who: PageVisitor, organiser: str, quarter: str, fmt: str
) -> Response:
    if fmt not in DOWNLOADS:
        raise HTTPException(404)
    found = core(request).self_check(who.actor, organiser, quarter_in_path(quarter))
    if not found.built:
        raise HTTPException(404)
    body = found.csv(who.lang) if fmt == "csv" else found.xlsx(who.lang)
    name = f"self-check-{found.quarter}.{fmt}"
    return Response(
        body,
        media_type=DOWNLOADS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
