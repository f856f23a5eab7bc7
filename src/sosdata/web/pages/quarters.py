"""The quarter's life for the keeper: its state and history, build and publish as jobs with
progress, approve and reopen, and a published quarter's revision history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sosdata.periods import Quarter
from sosdata.statistics import revision_labels
from sosdata.web.pages.jobs import POLL_SECONDS
from sosdata.web.rendering import render
from sosdata.web.visitor import AnyVisitor, CheckedForm, PageVisitor, core, quarter_in_path

router = APIRouter(include_in_schema=False)
PREFIX = "/keeper/quarters"
#: at most this many changed cells on the revision page
CHANGES_SHOWN = 1000


@router.get(PREFIX, response_class=HTMLResponse)
def quarters(request: Request, who: PageVisitor, quarter: str = "") -> Response:
    if quarter.strip():
        return RedirectResponse(f"{PREFIX}/{quarter_in_path(quarter.strip())}", status_code=303)
    reg = core(request)
    published = reg.publications(who.actor)
    # asking for a state first: only the keeper gets this far
    reg.quarter_state(who.actor, Quarter.containing(dt.date.today()))
    return render(
        request,
        who,
        "quarters/index.html",
        quarters=sorted(set(published["quarter"].to_list()), reverse=True),
    )


@router.get(PREFIX + "/{quarter}", response_class=HTMLResponse)
def quarter_page(request: Request, who: PageVisitor, quarter: str) -> HTMLResponse:
    reg, period = core(request), quarter_in_path(quarter)
    state = reg.quarter_state(who.actor, period)
    history = reg.quarter_history(who.actor, period)
    published = reg.publications(who.actor).filter(quarter=str(period))
    return render(
        request,
        who,
        "quarters/quarter.html",
        quarter=str(period),
        state=state,
        history=history.to_dicts(),
        publications=published.to_dicts(),
    )


def _start(request: Request, who: PageVisitor, quarter: str, kind: str) -> RedirectResponse:
    reg, period = core(request), quarter_in_path(quarter)
    reg.quarter_state(who.actor, period)  # refused here for anyone but the keeper
    actor = who.actor
    if kind == "build":
        job_id = reg.start(
            actor, "build", str(period), lambda: reg.build(actor, period), organiser=None
        )
    else:
        job_id = reg.start(
            actor,
            "publish",
            str(period),
            lambda: reg.publish(actor, period, lang=who.lang),
            organiser=None,
        )
    return RedirectResponse(f"{PREFIX}/{period}/jobs/{job_id}", status_code=303)


@router.post(PREFIX + "/{quarter}/build")
def build(request: Request, who: PageVisitor, form: CheckedForm, quarter: str) -> RedirectResponse:
    return _start(request, who, quarter, "build")


@router.post(PREFIX + "/{quarter}/publish")
def publish(
    request: Request, who: PageVisitor, form: CheckedForm, quarter: str
) -> RedirectResponse:
    return _start(request, who, quarter, "publish")


@router.post(PREFIX + "/{quarter}/approve")
def approve(
    request: Request, who: PageVisitor, form: CheckedForm, quarter: str
) -> RedirectResponse:
    period = quarter_in_path(quarter)
    core(request).approve(who.actor, period)
    return RedirectResponse(f"{PREFIX}/{period}", status_code=303)


@router.post(PREFIX + "/{quarter}/reopen")
def reopen(request: Request, who: PageVisitor, form: CheckedForm, quarter: str) -> RedirectResponse:
    period = quarter_in_path(quarter)
    core(request).reopen(who.actor, period, reason=str(form.get("reason") or ""))
    return RedirectResponse(f"{PREFIX}/{period}", status_code=303)


def _job_context(request: Request, who: AnyVisitor, quarter: str, job_id: int) -> dict[str, Any]:
    job = core(request).job(who.actor, job_id)
    if job.kind not in ("build", "publish") or job.title != str(quarter_in_path(quarter)):
        raise HTTPException(404)
    result = job.result if isinstance(job.result, dict) else {}
    return {"job": job, "result": result, "quarter": job.title, "poll": POLL_SECONDS}


@router.get(PREFIX + "/{quarter}/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, who: PageVisitor, quarter: str, job_id: int) -> HTMLResponse:
    return render(request, who, "quarters/job.html", **_job_context(request, who, quarter, job_id))


@router.get(PREFIX + "/{quarter}/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(request: Request, who: PageVisitor, quarter: str, job_id: int) -> HTMLResponse:
    context = _job_context(request, who, quarter, job_id)
    return render(request, who, "quarters/job_progress.html", **context)


@router.get(PREFIX + "/{quarter}/revisions", response_class=HTMLResponse)
def revision_page(
    request: Request,
    who: PageVisitor,
    quarter: str,
    older: int | None = None,
    newer: int | None = None,
) -> HTMLResponse:
    reg, period = core(request), quarter_in_path(quarter)
    reg.quarter_state(who.actor, period)
    listed = reg.publications(who.actor).filter(quarter=str(period))
    ids = listed["publication_id"].to_list()  # newest first
    if not ids:
        raise HTTPException(404)
    newer = newer if newer is not None and newer in ids else ids[0]
    older = older if older is not None and older in ids else (ids[1] if len(ids) > 1 else ids[0])
    changed = reg.revision(who.actor, older, newer)
    tables = reg.published(who.actor, period, publication_id=newer)
    rows = revision_labels.labelled(changed, tables, who.lang)
    return render(
        request,
        who,
        "quarters/revisions.html",
        quarter=str(period),
        publications=listed.to_dicts(),
        older=older,
        newer=newer,
        changed=changed.height,
        rows=rows.head(CHANGES_SHOWN).to_dicts(),
        shown_limit=CHANGES_SHOWN,
    )
