"""The notification of delivery method as a web form, generated from the one form model
(``sosdata.notification.form``): one page per section of the original form, a draft saved per
page, checks next to the fields, "check your answers", and confirmation by an e-mailed link.

Which questions apply is decided here on the server from the model's conditions, so the form
works without JavaScript; htmx only shows and hides dependent questions and refreshes the
coverage panel without a reload. Everything else is asked of the register's verbs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from sosdata import findings
from sosdata.errors import UserError
from sosdata.findings import Finding
from sosdata.notification import checks, summary
from sosdata.notification.document import Notification, from_data
from sosdata.notification.form import (
    BY_NUMBER,
    CONTACT_FIELDS,
    DEFAULT_ROUND,
    GRID_KINDS,
    QUESTIONS,
    SECTIONS,
    FormContext,
    Kind,
    Question,
    choices,
    prune,
)
from sosdata.web.rendering import render
from sosdata.web.visitor import CheckedForm, PageVisitor, Visitor, core

router = APIRouter(include_in_schema=False)

PAGES = tuple(s.id for s in SECTIONS)
#: a choice question with more options than this is a drop-down list, not radio buttons
RADIO_LIMIT = 6


# --- the form's fields as the templates show them ------------------------------------------------


@dataclass
class Field:
    """One question on a page: what to show, the answer so far, and its checks."""

    q: Question
    label: str
    shown: bool
    value: Any
    options: list[tuple[str, str]]
    rows: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    help: str | None = None
    heading: str | None = None
    #: other questions of the page depend on this one (htmx shows and hides them)
    controls: bool = False
    #: how the template draws it
    widget: str = "text"

    @property
    def dom_id(self) -> str:
        return f"q-{self.q.id}"


def _widget(q: Question, n_options: int) -> str:
    match q.kind:
        case Kind.CONTACT:
            return "contact"
        case Kind.LONG_TEXT:
            return "textarea"
        case Kind.TEXT:
            return "text"
        case Kind.CHOICE:
            return "radios" if n_options <= RADIO_LIMIT else "select"
        case Kind.COUNTY:
            return "select"
        case Kind.MULTI_CHOICE | Kind.MUNICIPALITIES:
            return "checkboxes"
    return "grid"


def _issues_by_question(issues: list[Finding], lang: str) -> dict[str, dict[str, list]]:
    found: dict[str, dict[str, list]] = {}
    for issue in issues:
        if issue.question is None:
            continue
        qid = BY_NUMBER[issue.question].id
        kind = "errors" if issue.severity == findings.ERROR else "warnings"
        found.setdefault(qid, {"errors": [], "warnings": []})[kind].append(issue.message(lang))
    return found


def page_fields(
    page: str,
    answers: dict[str, Any],
    ctx: FormContext,
    lang: str,
    issues: list[Finding] | None = None,
    counties: set[str] | None = None,
) -> list[Field]:
    """The fields of one page given the answers so far (and the checks' findings to show)."""
    on_page = [q for q in QUESTIONS.values() if q.section == page]
    controllers = {q.condition.on for q in on_page if q.condition}
    by_question = _issues_by_question(issues or [], lang)
    out = []
    for q in on_page:
        options = [(o.code, o.label(lang)) for o in choices(q, answers, ctx)]
        if q.kind is Kind.COUNTY and counties is not None:
            options = [o for o in options if o[0] in counties]
        found = by_question.get(q.id, {})
        out.append(
            Field(
                q=q,
                label=q.label(lang),
                shown=q.applies(answers),
                value=answers.get(q.id),
                options=options,
                rows=[(r.code, r.label(lang)) for r in q.grid_rows(ctx.codes_dir)]
                if q.kind in GRID_KINDS
                else [],
                errors=found.get("errors", []),
                warnings=found.get("warnings", []),
                help=(q.help or {}).get(lang),
                heading=(q.heading or {}).get(lang),
                controls=q.id in controllers,
                widget=_widget(q, len(options)),
            )
        )
    return out


def parse_page(page: str, form: FormData) -> dict[str, Any]:
    """The answers of one page from the posted fields (unanswered ones left out)."""
    raw: dict[str, Any] = {}
    for q in QUESTIONS.values():
        if q.section != page:
            continue
        if q.kind is Kind.CONTACT:
            raw[q.id] = {k: str(form.get(f"{q.id}.{k}") or "") for k in CONTACT_FIELDS}
        elif q.kind in (Kind.MULTI_CHOICE, Kind.MUNICIPALITIES):
            raw[q.id] = [str(v) for v in form.getlist(q.id)]
        elif q.kind in GRID_KINDS:
            prefix = f"{q.id}."
            raw[q.id] = {
                k[len(prefix) :]: str(v) for k, v in form.multi_items() if k.startswith(prefix)
            }
        else:
            raw[q.id] = str(form.get(q.id) or "")
    # the document's own reading: text stripped, empty answers left out
    return from_data({"answers": raw, "round": DEFAULT_ROUND})[0].answers


def _merged(draft: Any, page: str, posted: dict[str, Any]) -> dict[str, Any]:
    kept = {
        k: v for k, v in draft.answers.items() if k in QUESTIONS and QUESTIONS[k].section != page
    }
    return kept | posted


def _checked(draft: Any, answers: dict[str, Any], ctx: FormContext) -> list[Finding]:
    return checks.check_notification(Notification(draft.round, draft.lang, answers), ctx)


def _own_counties(request: Request, who: Visitor) -> set[str] | None:
    """An organiser's user notifies for its own county only (the keeper for any)."""
    if who.actor.organiser is None:
        return None
    own = core(request).organisers.get(who.actor.organiser)
    return {own.county} if own else set()


def _progress(who: Visitor, page: str) -> list[dict[str, Any]]:
    steps = [{"id": s.id, "label": s.labels[who.lang], "current": s.id == page} for s in SECTIONS]
    steps.append({"id": "check", "label": who.t("Check your answers"), "current": page == "check"})
    return steps


def _draft_or_404(request: Request, who: Visitor, draft_id: int) -> Any:
    return core(request).draft(who.actor, draft_id)


def _coverage(request: Request, who: Visitor, draft_id: int) -> Any:
    return core(request).draft_coverage(who.actor, draft_id)


def municipality_names(request: Request, who: Visitor, county: str | None) -> dict[str, str]:
    """The county's municipalities' names in the visitor's language (for the coverage panel)."""
    found = choices(QUESTIONS["municipalities"], {"county": county}, core(request).form)
    return {o.code: o.label(who.lang) for o in found}


# --- the list of one's notifications and drafts -------------------------------------------------


@router.get("/notifications", response_class=HTMLResponse)
def overview(request: Request, who: PageVisitor) -> HTMLResponse:
    register = core(request)
    listing = register.notifications(who.actor)
    return render(
        request,
        who,
        "notifications/overview.html",
        drafts=register.drafts(who.actor),
        notifications=listing.to_dicts(),
        counties=sorted(set(listing["county"].to_list())),
        section_labels={s.id: s.labels[who.lang] for s in SECTIONS}
        | {"check": who.t("Check your answers")},
        default_round=DEFAULT_ROUND,
    )


@router.post("/notifications/new")
def new_draft(request: Request, who: PageVisitor, form: CheckedForm) -> RedirectResponse:
    counties = _own_counties(request, who)
    answers = {"county": next(iter(counties))} if counties and len(counties) == 1 else {}
    draft = core(request).save_draft(
        who.actor,
        answers,
        round_=str(form.get("round") or DEFAULT_ROUND),
        lang=who.lang,
        page=PAGES[0],
    )
    return RedirectResponse(f"/notifications/drafts/{draft.draft_id}/{PAGES[0]}", status_code=303)


# --- the pages of the form ----------------------------------------------------------------------


def _render_page(
    request: Request,
    who: Visitor,
    draft: Any,
    page: str,
    answers: dict[str, Any],
    issues: list[Finding] | None,
    *,
    status_code: int = 200,
    note: str | None = None,
) -> HTMLResponse:
    ctx = core(request).form
    fields = page_fields(page, answers, ctx, who.lang, issues, _own_counties(request, who))
    index = PAGES.index(page)
    return render(
        request,
        who,
        "notifications/page.html",
        status_code=status_code,
        draft=draft,
        page=page,
        page_title=SECTIONS[index].labels[who.lang],
        number=index + 1,
        total=len(PAGES) + 1,
        steps=_progress(who, page),
        fields=fields,
        errors=[(f, e) for f in fields if f.shown for e in f.errors],
        previous=PAGES[index - 1] if index else None,
        coverage=_coverage(request, who, draft.draft_id) if page == PAGES[0] else None,
        municipality_names=municipality_names(request, who, answers.get("county")),
        note=note,
    )


@router.get("/notifications/drafts/{draft_id}/check", response_class=HTMLResponse)
def check_page(request: Request, who: PageVisitor, draft_id: int) -> HTMLResponse:
    return _render_check(request, who, _draft_or_404(request, who, draft_id))


@router.post("/notifications/drafts/{draft_id}/coverage", response_class=HTMLResponse)
def coverage_panel(
    request: Request, who: PageVisitor, form: CheckedForm, draft_id: int
) -> HTMLResponse:
    """htmx: save the first page's answers and show how the county's groups cover it now."""
    draft = _draft_or_404(request, who, draft_id)
    answers = _merged(draft, PAGES[0], parse_page(PAGES[0], form))
    core(request).save_draft(
        who.actor, answers, round_=draft.round, lang=who.lang, page=PAGES[0], draft_id=draft_id
    )
    return render(
        request,
        who,
        "notifications/coverage.html",
        coverage=_coverage(request, who, draft_id),
        municipality_names=municipality_names(request, who, answers.get("county")),
        draft=draft,
    )


# --- check your answers, submit, confirm -------------------------------------------------------


def _render_check(
    request: Request, who: Visitor, draft: Any, *, error: str | None = None
) -> HTMLResponse:
    ctx = core(request).form
    notification = Notification(draft.round, draft.lang, draft.answers)
    issues = _checked(draft, draft.answers, ctx)
    by_number: dict[int, list[Finding]] = {}
    for issue in issues:
        by_number.setdefault(issue.question or 0, []).append(issue)
    return render(
        request,
        who,
        "notifications/check.html",
        status_code=400 if error else 200,
        draft=draft,
        steps=_progress(who, "check"),
        lines=summary.lines(notification, ctx, who.lang),
        page_of={q.number: q.section for q in QUESTIONS.values()},
        id_of={q.number: q.id for q in QUESTIONS.values()},
        issues=by_number,
        blocking=bool(findings.errors(issues)),
        dropped=[QUESTIONS[q] for q in draft.dropped],
        coverage=_coverage(request, who, draft.draft_id),
        municipality_names=municipality_names(request, who, draft.answers.get("county")),
        error=error,
    )


@router.post("/notifications/drafts/{draft_id}/submit", response_class=HTMLResponse)
def submit(request: Request, who: PageVisitor, form: CheckedForm, draft_id: int) -> Response:
    draft = _draft_or_404(request, who, draft_id)
    link = str(request.base_url).rstrip("/") + "/notifications/{id}/confirm?code={code}"
    try:
        sent = core(request).file_draft(who.actor, draft_id, link=link)
    except UserError as exc:
        return _render_check(request, who, draft, error=str(exc))
    return RedirectResponse(f"/notifications/{sent.notification_id}?sent=1", status_code=303)


@router.get("/notifications/{notification_id}/confirm")
def confirm(request: Request, who: PageVisitor, notification_id: int, code: str = "") -> Response:
    """The one-time link of the e-mail: signed in as a user of the organiser, it submits."""
    core(request).confirm_notification(who.actor, notification_id, code)
    return RedirectResponse(f"/notifications/{notification_id}?confirmed=1", status_code=303)


# --- one notification: its versions and what changed ---------------------------------------------


@router.get("/notifications/{notification_id}", response_class=HTMLResponse)
def show(
    request: Request,
    who: PageVisitor,
    notification_id: int,
    version: int | None = None,
    sent: int = 0,
    confirmed: int = 0,
) -> HTMLResponse:
    register = core(request)
    stored = register.notification(who.actor, notification_id, version)
    versions = register.notification_versions(who.actor, notification_id)
    return render(
        request,
        who,
        "notifications/show.html",
        stored=stored,
        versions=versions.to_dicts(),
        lines=summary.lines(stored.notification, register.form, who.lang),
        sent=bool(sent),
        confirmed=bool(confirmed),
    )


@router.get("/notifications/{notification_id}/changes", response_class=HTMLResponse)
def changes(
    request: Request, who: PageVisitor, notification_id: int, a: int = 1, b: int | None = None
) -> HTMLResponse:
    register = core(request)
    after = register.notification(who.actor, notification_id, b)
    before = register.notification(who.actor, notification_id, a)
    return render(
        request,
        who,
        "notifications/changes.html",
        before=before,
        after=after,
        changes=summary.changes(before.notification, after.notification, register.form, who.lang),
    )


@router.post("/notifications/{notification_id}/edit")
def edit(
    request: Request, who: PageVisitor, form: CheckedForm, notification_id: int
) -> RedirectResponse:
    """A new version: a draft that starts from the latest version's answers."""
    register = core(request)
    stored = register.notification(who.actor, notification_id)
    draft = register.save_draft(
        who.actor,
        dict(stored.notification.answers),
        round_=stored.notification.round,
        lang=who.lang,
        page=PAGES[0],
        notification_id=notification_id,
    )
    return RedirectResponse(f"/notifications/drafts/{draft.draft_id}/{PAGES[0]}", status_code=303)


@router.get("/notifications/county/{county}", response_class=HTMLResponse)
def county_side_by_side(
    request: Request, who: PageVisitor, county: str, round: str = DEFAULT_ROUND
) -> HTMLResponse:
    """The county's notifications of a round side by side, question by question."""
    register = core(request)
    listing = register.notifications(who.actor)
    ids = [r["id"] for r in listing.to_dicts() if r["county"] == county and r["round"] == round]
    if not ids:
        raise HTTPException(404)
    stored = [register.notification(who.actor, i) for i in ids]
    columns = [
        {
            "id": s.notification_id,
            "version": s.version,
            "status": s.status,
            "group": s.notification.group_name,
            "answers": {
                line.number: line.answer
                for line in summary.lines(s.notification, register.form, who.lang)
            },
        }
        for s in stored
    ]
    coverage, _issues = register.coverage(who.actor, county, round)
    return render(
        request,
        who,
        "notifications/county.html",
        county=county,
        round=round,
        columns=columns,
        questions=[(q.number, q.label(who.lang)) for q in QUESTIONS.values()],
        coverage=coverage,
        municipality_names=municipality_names(request, who, county),
    )


# --- the generic page routes come last: the fixed paths above are matched first ------------


@router.get("/notifications/drafts/{draft_id}/{page}", response_class=HTMLResponse)
def form_page(request: Request, who: PageVisitor, draft_id: int, page: str) -> HTMLResponse:
    if page not in PAGES:
        raise HTTPException(404)
    draft = _draft_or_404(request, who, draft_id)
    return _render_page(request, who, draft, page, draft.answers, None)


@router.post("/notifications/drafts/{draft_id}/{page}", response_class=HTMLResponse)
def save_page(
    request: Request, who: PageVisitor, form: CheckedForm, draft_id: int, page: str
) -> Response:
    if page not in PAGES:
        raise HTTPException(404)
    register = core(request)
    draft = _draft_or_404(request, who, draft_id)
    # the questions the answerer saw (htmx may have shown some since the page was drawn)
    seen = {str(v) for v in form.getlist("_shown")}
    answers, _dropped = prune(_merged(draft, page, parse_page(page, form)))
    action = str(form.get("action") or "next")
    index = PAGES.index(page)
    page_numbers = {q.number for q in QUESTIONS.values() if q.section == page}
    issues = [i for i in _checked(draft, answers, register.form) if i.question in page_numbers]
    appeared = [
        q
        for q in QUESTIONS.values()
        if q.section == page
        and q.condition is not None
        and q.applies(answers)
        and q.id not in seen
        and q.id not in answers
    ]
    stay = action == "next" and (findings.errors(issues) or appeared)
    if action == "leave" or stay:
        target = page
    elif action == "back":
        target = PAGES[max(index - 1, 0)]
    else:
        target = PAGES[index + 1] if index + 1 < len(PAGES) else "check"
    draft = register.save_draft(
        who.actor,
        _merged(draft, page, parse_page(page, form)),
        round_=draft.round,
        lang=who.lang,
        page=target,
        draft_id=draft_id,
    )
    if action == "leave":
        return RedirectResponse("/notifications", status_code=303)
    if findings.errors(issues) and action == "next":
        return _render_page(request, who, draft, page, draft.answers, issues, status_code=400)
    if appeared and action == "next":  # without JavaScript: the questions opened are asked now
        note = who.t(
            "Your answers opened further questions on this page: {numbers}.",
            numbers=", ".join(str(q.number) for q in appeared),
        )
        return _render_page(request, who, draft, page, draft.answers, issues, note=note)
    return RedirectResponse(f"/notifications/drafts/{draft_id}/{target}", status_code=303)


@router.post("/notifications/drafts/{draft_id}/{page}/fields", response_class=HTMLResponse)
def dependent_fields(
    request: Request, who: PageVisitor, form: CheckedForm, draft_id: int, page: str
) -> HTMLResponse:
    """htmx: the page's dependent questions, shown or hidden for the answers being given."""
    if page not in PAGES:
        raise HTTPException(404)
    draft = _draft_or_404(request, who, draft_id)
    changed = str(form.get("changed") or "")
    answers = _merged(draft, page, parse_page(page, form))
    fields = page_fields(page, answers, core(request).form, who.lang)
    dependent = [f for f in fields if f.q.condition and f.q.condition.on == changed]
    return render(request, who, "notifications/fields.html", fields=dependent, draft=draft)
