"""Deliveries: upload, history, the report page and its downloads."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from sosdata import i18n, safe_export
from sosdata.app import Actor
from sosdata.periods import Quarter
from sosdata.register.deliveries import ISSUE_SORTS, IssueFilter
from sosdata.web import uploads
from sosdata.web.rendering import environment, render
from sosdata.web.visitor import CheckedForm, PageVisitor, core

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SEVERITIES = ("error", "warning")


def start_check(
    request: Request,
    actor: Actor,
    upload: Any,
    *,
    dry_run: bool,
    period: str | None,
    lang: str,
) -> int:
    """Keep an uploaded file and queue its checking (and, unless a dry run, storing) as a job
    on the server's writer thread; the file is removed when the job ends."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise HTTPException(400, i18n.translator(lang).gettext("Choose a file to upload."))
    quarter = Quarter.parse(period.strip()) if period and period.strip() else None
    reg = core(request)
    path = uploads.keep(upload, reg.settings.data_dir / "uploads")

    def check() -> None:
        try:
            reg.check(actor, path, period=quarter, lang=lang)
        finally:
            uploads.discard(path)

    def store() -> None:
        try:
            reg.submit(actor, path, period=quarter, lang=lang)
        finally:
            uploads.discard(path)

    kind = "validate" if dry_run else "submit"
    return reg.start(actor, kind, path.name, check if dry_run else store, organiser=actor.organiser)


@router.get("/deliveries/new", response_class=HTMLResponse)
def upload_page(request: Request, who: PageVisitor) -> HTMLResponse:
    limit = core(request).settings.upload_limit_mb
    return render(request, who, "upload.html", limit_mb=limit)


@router.post("/deliveries")
async def upload(request: Request, who: PageVisitor, form: CheckedForm) -> RedirectResponse:
    job_id = start_check(
        request,
        who.actor,
        form.get("file"),
        dry_run=form.get("dry_run") == "on",
        period=str(form.get("period") or ""),
        lang=who.lang,
    )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/deliveries", response_class=HTMLResponse)
def history(request: Request, who: PageVisitor) -> HTMLResponse:
    listed = core(request).deliveries(who.actor).sort("delivery_id", descending=True)
    return render(request, who, "deliveries.html", deliveries=listed.to_dicts())


def _filter(request: Request) -> IssueFilter:
    q = request.query_params
    sort = q.get("sort") or "line"
    return IssueFilter(
        rule=q.get("rule") or None,
        component=q.get("component") or None,
        severity=q.get("severity") or None,
        file=q.get("file") or None,
        sort=sort if sort in ISSUE_SORTS else "line",
        descending=q.get("order") == "desc",
    )


def _page_number(request: Request) -> int:
    text = request.query_params.get("page") or "1"
    return max(1, int(text)) if text.isdigit() else 1


@router.get("/deliveries/{delivery_id}", response_class=HTMLResponse)
def report_page(request: Request, who: PageVisitor, delivery_id: int) -> HTMLResponse:
    reg = core(request)
    facts = reg.delivery(who.actor, delivery_id)
    chosen = _filter(request)
    number = _page_number(request)
    page = reg.delivery_issues(
        who.actor,
        delivery_id,
        chosen,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        lang=who.lang,
    )
    rules = page.by_rule()
    for entry in rules:
        entry["explanation"] = i18n.rule_text(who.lang, entry["rule"])
    query = {k: v for k, v in request.query_params.items() if k != "page" and v}
    context = {
        "facts": facts,
        "parts": facts["components"],
        "rules": rules,
        "page": page,
        "chosen": chosen,
        "number": number,
        "pages": max(1, -(-page.matching // PAGE_SIZE)),
        "page_size": PAGE_SIZE,
        "choices": {
            name: SEVERITIES if name == "severity" else page.choices(name)
            for name in ("rule", "component", "severity", "file")
        },
        "sorts": ISSUE_SORTS,
        "query": query,
    }
    return render(request, who, "delivery.html", **context)


@router.get("/deliveries/{delivery_id}/issues.csv")
def issues_csv(request: Request, who: PageVisitor, delivery_id: int) -> Response:
    page = core(request).delivery_issues(
        who.actor,
        delivery_id,
        _filter(request),
        limit=None,
        reason="report download (CSV)",
        lang=who.lang,
    )
    text = safe_export.csv_text(page.rows)  # cells made inert against formula injection
    return _download(text, f"delivery-{delivery_id}-issues.csv", "text/csv")


@router.get("/deliveries/{delivery_id}/report.json")
def report_json(request: Request, who: PageVisitor, delivery_id: int) -> Response:
    found = core(request).delivery_report(
        who.actor, delivery_id, reason="report download (JSON)", lang=who.lang
    )
    text = json.dumps(found, ensure_ascii=False, default=str)
    return _download(text, f"delivery-{delivery_id}-report.json", "application/json")


@router.get("/deliveries/{delivery_id}/report.html")
def report_html(request: Request, who: PageVisitor, delivery_id: int) -> Response:
    reg = core(request)
    facts = reg.delivery(who.actor, delivery_id)
    found = reg.delivery_report(
        who.actor, delivery_id, reason="report download (HTML)", lang=who.lang
    )
    explanations = {r: i18n.rule_text(who.lang, r) for r in found.get("counts", {})}
    html = (
        environment()
        .get_template("report_download.html")
        .render(_=who.t, lang=who.lang, facts=facts, report=found, explanations=explanations)
    )
    return _download(html, f"delivery-{delivery_id}-report.html", "text/html")


def _download(text: str, name: str, media_type: str) -> Response:
    return Response(
        text,
        media_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
