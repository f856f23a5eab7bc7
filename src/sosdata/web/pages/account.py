"""Signing in and out, and choosing the language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sosdata import i18n
from sosdata.register.accounts import SESSION_LIFETIME, SignInRefused, Throttled
from sosdata.web.rendering import render
from sosdata.web.visitor import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    AnyVisitor,
    CheckedForm,
    core,
    local_path,
    set_cookie,
)

router = APIRouter(include_in_schema=False)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, who: AnyVisitor, next: str = "/") -> HTMLResponse:
    return render(request, who, "sign_in.html", next=local_path(next), error=None, user_id="")


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, who: AnyVisitor, form: CheckedForm) -> Response:
    user_id = str(form.get("user_id") or "")
    password = str(form.get("password") or "")
    next_path = local_path(form.get("next"))
    client = request.client.host if request.client else "unknown"
    try:
        signed = core(request).sign_in(who.actor, user_id, password, client)
    except Throttled as exc:
        minutes = (exc.retry_after + 59) // 60
        error = who.t("Too many failed attempts. Try again in {minutes} minutes.", minutes=minutes)
        refused = render(
            request,
            who,
            "sign_in.html",
            status_code=429,
            next=next_path,
            error=error,
            user_id=user_id,
        )
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    except SignInRefused:
        error = who.t("Wrong user name or password.")
        return render(
            request,
            who,
            "sign_in.html",
            status_code=401,
            next=next_path,
            error=error,
            user_id=user_id,
        )
    response = RedirectResponse(next_path, status_code=303)
    # the server checks the session's expiry; the cookie is dropped by the browser with it
    set_cookie(
        request,
        response,
        SESSION_COOKIE,
        signed.secret,
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    if signed.session.language is None:  # the first sign-in keeps the language chosen so far
        core(request).set_language(core(request).actor(signed.session.user.user_id), who.lang)
    return response


@router.post("/sign-out")
def sign_out(request: Request, who: AnyVisitor, form: CheckedForm) -> RedirectResponse:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        core(request).sign_out(secret)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def choose_language(request: Request, who: AnyVisitor, form: CheckedForm) -> RedirectResponse:
    lang = form.get("lang")
    response = RedirectResponse(local_path(form.get("next")), status_code=303)
    if lang in i18n.LANGUAGES:
        assert isinstance(lang, str)
        if who.signed_in:
            core(request).set_language(who.actor, lang)
        set_cookie(request, response, LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600)
    return response
