"""A job's page: its progress while it runs (htmx polls a fragment; without JavaScript the
page refreshes itself), then where its result is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sosdata import i18n
from sosdata.web.rendering import render
from sosdata.web.visitor import PageVisitor, core

router = APIRouter(include_in_schema=False)

#: how often a running job's page asks again, in seconds
POLL_SECONDS = 1


def _context(request: Request, who: PageVisitor, job_id: int) -> dict[str, Any]:
    job = core(request).job(who.actor, job_id)
    result = job.result if isinstance(job.result, dict) else {}
    rules = []
    if job.kind == "validate" and job.state == "done":
        for rule_id, count in result.get("counts", {}).items():
            rules.append(
                {"rule": rule_id, "issues": count, "explanation": i18n.rule_text(who.lang, rule_id)}
            )
    parts = [{"component": name, **part} for name, part in result.get("components", {}).items()]
    return {"job": job, "result": result, "rules": rules, "parts": parts, "poll": POLL_SECONDS}


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, who: PageVisitor, job_id: int) -> HTMLResponse:
    return render(request, who, "job.html", **_context(request, who, job_id))


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(request: Request, who: PageVisitor, job_id: int) -> HTMLResponse:
    return render(request, who, "job_progress.html", **_context(request, who, job_id))
