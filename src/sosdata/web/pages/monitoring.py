"""The keeper's monitoring page: the quarter's matrix, quality scores, downloads, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sosdata.components import COMPONENTS
from sosdata.monitoring import Status, combine
from sosdata.periods import Quarter, quarters_between
from sosdata.web.rendering import render
from sosdata.web.visitor import CheckedForm, PageVisitor, Visitor, core

router = APIRouter(include_in_schema=False)

#: the most quarters shown at once
SPAN = 8
#: the states of a cell, in the order the filter lists them
STATES = ("on_time", "late", "missing", "pending", "rejected", "not_expected")
#: downloads: (name, format) → media type
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def state_labels(who: Visitor) -> dict[str, str]:
    t = who.t
    return {
        "on_time": t("On time"),
        "late": t("Late"),
        "missing": t("Missing"),
        "pending": t("Not yet due"),
        "rejected": t("Rejected"),
        "not_expected": t("Kanta only"),
    }


def _quarter(request: Request) -> Quarter:
    text = (request.query_params.get("quarter") or "").strip()
    if text:
        return Quarter.parse(text)
    # by default the quarter whose deadline comes next (or has just passed)
    return Quarter.containing(dt.date.today()).previous()


def _quarters(request: Request) -> list[Quarter]:
    """The quarters shown: from ``since`` (when given) to ``quarter``, at most :data:`SPAN`."""
    last = _quarter(request)
    since = (request.query_params.get("since") or "").strip()
    first = Quarter.parse(since) if since else last
    found = quarters_between(first, last)[-SPAN:]
    return found or [last]


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {
        name: (q.get(name) or "").strip() for name in ("organiser", "county", "component", "state")
    }


def _status(
    request: Request, who: Visitor, quarters: list[Quarter], chosen: dict[str, str]
) -> Status:
    reg = core(request)
    county = chosen["county"]
    return combine(
        [
            reg.status(who.actor, quarter).where(
                organiser=chosen["organiser"] or None,
                organisers=[o.oid for o in reg.organisers if o.county == county]
                if county
                else None,
                component=chosen["component"] or None,
                delivery=chosen["state"] or None,
            )
            for quarter in quarters
        ]
    )


def _rows(status: Status, links: pl.DataFrame) -> list[dict[str, Any]]:
    """The matrix as rows of organiser × group with one cell per component."""
    key = ["quarter", "organiser", "municipality_group", "component"]
    grid = status.matrix.join(links, on=key, how="left", nulls_equal=True)
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    # one entry per organiser, group and component of a quarter: a few hundred, not data rows
    for cell in grid.iter_rows(named=True):
        row = rows.setdefault(
            (cell["quarter"], cell["organiser"] or "", cell["municipality_group"] or ""),
            {
                "quarter": cell["quarter"],
                "organiser": cell["organiser"],
                "organiser_name": cell["organiser_name"] or cell["organiser"],
                "municipality_group": cell["municipality_group"],
                "cells": {},
            },
        )
        row["cells"][cell["component"]] = cell
    return list(rows.values())


@router.get("/keeper/monitoring", response_class=HTMLResponse)
def monitoring_page(request: Request, who: PageVisitor) -> HTMLResponse:
    reg = core(request)
    quarters = _quarters(request)
    quarter = quarters[-1]
    chosen = _filters(request)
    status = _status(request, who, quarters, chosen)
    links = pl.concat([reg.status_links(who.actor, q) for q in quarters])
    sent = reg.reminders(who.actor, quarter)
    everything = reg.status(who.actor, quarter).matrix
    components = [c for c in COMPONENTS if c in set(everything["component"].to_list())]
    since = str(quarters[0]) if len(quarters) > 1 else ""
    query = {k: v for k, v in {"quarter": str(quarter), "since": since, **chosen}.items() if v}
    names = {o.county: o.name(who.lang) for o in reg.organisers}
    counties = sorted({o.county for o in reg.organisers if o.oid in set(everything["organiser"])})
    return render(
        request,
        who,
        "monitoring/monitoring.html",
        quarter=str(quarter),
        since=since,
        span=SPAN,
        several=len(quarters) > 1,
        deadline=status.deadline.isoformat(),
        rows=_rows(status, links),
        components=components if not chosen["component"] else [chosen["component"]],
        component_labels={name: c.labels[who.lang] for name, c in COMPONENTS.items()},
        quality=status.quality.to_dicts(),
        states=STATES,
        state_labels=state_labels(who),
        chosen=chosen,
        organisers=everything.select("organiser", "organiser_name")
        .unique("organiser")
        .sort("organiser")
        .to_dicts(),
        counties=[(c, names.get(c, c)) for c in counties],
        all_components=list(COMPONENTS),
        outstanding=status.non_submitters().matrix.height,
        reminders=sent.to_dicts(),
        query=query,
        sent_now=request.query_params.get("sent"),
        already_now=request.query_params.get("already"),
    )


@router.get("/keeper/monitoring/{what}.{fmt}")
def download(request: Request, who: PageVisitor, what: str, fmt: str) -> Response:
    if what not in ("matrix", "non-submitters") or fmt not in MEDIA:
        raise HTTPException(404)
    quarters = _quarters(request)
    quarter = quarters[-1]
    status = _status(request, who, quarters, _filters(request))
    if what == "non-submitters":
        status = status.non_submitters()
    # the files come from monitoring's own renderers, the ones `sosdata status` writes: text
    # cells are made inert against formula injection there, for both interfaces at once
    data = status.render(fmt)
    return Response(
        data,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{what}-{quarter}.{fmt}"'},
    )


@router.get("/keeper/monitoring/kanta/{batch_id}", response_class=HTMLResponse)
def kanta_batch(request: Request, who: PageVisitor, batch_id: int) -> HTMLResponse:
    found = core(request).kanta_batches(who.actor, batch_id=batch_id)
    if found.is_empty():
        raise HTTPException(404)
    return render(
        request,
        who,
        "monitoring/kanta_batch.html",
        batch=found.row(0, named=True),
        parts=found.to_dicts(),
        component_labels={name: c.labels[who.lang] for name, c in COMPONENTS.items()},
    )


@router.post("/keeper/reminders")
def send_reminders(request: Request, who: PageVisitor, form: CheckedForm) -> RedirectResponse:
    quarter = Quarter.parse(str(form.get("quarter") or ""))
    outcome = core(request).remind(who.actor, quarter, force=form.get("force") == "on")
    target = (
        f"/keeper/monitoring?quarter={quarter}&sent={len(outcome.sent)}"
        f"&already={len(outcome.already_sent)}#reminders"
    )
    return RedirectResponse(target, status_code=303)
