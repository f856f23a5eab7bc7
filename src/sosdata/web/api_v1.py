"""The JSON API for machines (``/api/v1``), described by ``/api/v1/openapi.json``.

A client authenticates with an API token (``Authorization: Bearer sosd_…``, made with
``sosdata users token create``); the pages' own requests may use the session cookie instead.
Another organiser's delivery or job answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel

from sosdata.register.deliveries import ISSUE_SORTS, IssueFilter
from sosdata.web.pages.deliveries import start_check
from sosdata.web.visitor import ApiActor, core, visitor

router = APIRouter(tags=["register"])

IssueSort = Literal["line", "rule", "component", "severity", "file", "column"]
assert set(get_args(IssueSort)) == set(ISSUE_SORTS)


class Me(BaseModel):
    user_id: str
    role: str
    organiser: str | None


class Health(BaseModel):
    status: str


class Started(BaseModel):
    job_id: int
    #: where to follow it
    job: str


class JobState(BaseModel):
    job_id: int
    kind: str
    state: str
    title: str
    stage: str | None
    done: int | None
    total: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    #: the verb's result when done: a submission's outcome (with ``delivery_id``) or, for a
    #: dry run, the validation report
    result: Any
    #: what went wrong, when failed
    error: str | None


class IssuePageOut(BaseModel):
    matching: int
    offset: int
    issues: list[dict[str, Any]]


class Refusal(BaseModel):
    """Why a request was refused."""

    detail: str


def _refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The refusals an operation documents (each with the body ``{"detail": "…"}``)."""
    what = {
        400: "The request cannot be carried out (the message says why)",
        401: "No API token or session, or one that is unknown, revoked or of a disabled user",
        403: "The user's role may not do this",
        404: "No such thing, or none the user may see (the two answers are one)",
        413: "The body is larger than the server's upload limit",
    }
    return {status: {"model": Refusal, "description": what[status]} for status in statuses}


@router.get("/health", response_model=Health)
def health() -> Health:
    """The server answers (no sign-in needed)."""
    return Health(status="ok")


@router.get("/me", response_model=Me, responses=_refusals(401))
def me(actor: ApiActor) -> Me:
    """The user the request acts as."""
    return Me(user_id=actor.name, role=actor.role.value, organiser=actor.organiser)


@router.post(
    "/deliveries",
    response_model=Started,
    status_code=202,
    responses=_refusals(400, 401, 403, 413),
)
def send_delivery(
    request: Request,
    actor: ApiActor,
    file: Annotated[UploadFile, File(description="A ZIP package (with manifest) or a CSV file")],
    dry_run: Annotated[bool, Form(description="Only check; store nothing")] = False,
    period: Annotated[str | None, Form(description="e.g. 2023Q1, if no manifest says")] = None,
) -> Started:
    """Send a delivery: it is checked (and, unless ``dry_run``, stored) as a job. The body is
    refused with 413 past the server's size limit."""
    lang = visitor(request).lang
    job_id = start_check(request, actor, file, dry_run=dry_run, period=period, lang=lang)
    return Started(job_id=job_id, job=f"/api/v1/jobs/{job_id}")


@router.get("/jobs/{job_id}", response_model=JobState, responses=_refusals(401, 404))
def job(request: Request, actor: ApiActor, job_id: int) -> JobState:
    """A job's state and progress; its result once done."""
    found = core(request).job(actor, job_id).to_dict()
    return JobState(**{k: found[k] for k in JobState.model_fields})


@router.get("/deliveries", responses=_refusals(401, 403))
def deliveries(request: Request, actor: ApiActor) -> list[dict[str, Any]]:
    """Every delivery the client may see, oldest first."""
    listed = core(request).deliveries(actor)
    return [
        row | {"received_at": row["received_at"].isoformat(timespec="seconds")}
        for row in listed.to_dicts()
    ]


@router.get("/deliveries/{delivery_id}", responses=_refusals(401, 403, 404))
def delivery(request: Request, actor: ApiActor, delivery_id: int) -> dict[str, Any]:
    """A delivery's facts, its components' counts and its issue counts per rule."""
    reg = core(request)
    facts = reg.delivery(actor, delivery_id)
    page = reg.delivery_issues(actor, delivery_id, limit=0, reason="API: delivery facts")
    return facts | {"counts": {entry["rule"]: entry["issues"] for entry in page.by_rule()}}


@router.get(
    "/deliveries/{delivery_id}/issues",
    response_model=IssuePageOut,
    responses=_refusals(400, 401, 403, 404),
)
def delivery_issues(
    request: Request,
    actor: ApiActor,
    delivery_id: int,
    rule: str | None = None,
    component: str | None = None,
    severity: str | None = None,
    file: str | None = None,
    sort: IssueSort = "line",
    descending: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> IssuePageOut:
    """A delivery's issues, filtered, sorted and a page at a time (identity codes masked),
    messages in the language the request accepts (``Accept-Language``: fi, sv or en)."""
    chosen = IssueFilter(rule, component, severity, file, sort, descending)
    page = core(request).delivery_issues(
        actor,
        delivery_id,
        chosen,
        offset=offset,
        limit=limit,
        reason="API: issues",
        lang=visitor(request).lang,
    )
    return IssuePageOut(matching=page.matching, offset=offset, issues=page.rows.to_dicts())
