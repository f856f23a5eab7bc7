"""Who is asking, in which language, and whether a form really comes from our page.

A page request is signed in by the session cookie; an API request by ``Authorization: Bearer``
(an API token) or the session cookie. The language is the signed-in user's, else the language
cookie set by the switcher, else the browser's ``Accept-Language``.

Every form carries a CSRF token as a hidden field (so forms work without JavaScript): the
session's token once signed in, before that a random value also set as a cookie (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from sosdata import i18n
from sosdata.app import PUBLIC, Actor, Register
from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.register.accounts import Session

SESSION_COOKIE = "sosdata_session"
LANGUAGE_COOKIE = "sosdata_lang"
CSRF_COOKIE = "sosdata_csrf"
CSRF_FIELD = "csrf_token"


@dataclass
class Visitor:
    #: who acts: a signed-in user, or the public
    actor: Actor
    session: Session | None
    lang: str
    csrf_token: str
    #: a pre-session CSRF value to set as a cookie on the response
    new_csrf_cookie: bool = False

    @property
    def signed_in(self) -> bool:
        return self.session is not None

    @property
    def t(self) -> i18n.Translator:
        return i18n.translator(self.lang)


class SignInRequired(Exception):
    """A page needs a signed-in user: the handler answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def core(request: Request) -> Register:
    """The register the server runs over: every handler asks it, and nothing below it."""
    return request.app.state.register


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=secure(request), path="/", **kw
    )


def visitor(request: Request) -> Visitor:
    """The visitor of this request (computed once per request)."""
    found = getattr(request.state, "visitor", None)
    if found is not None:
        return found
    actor, session = PUBLIC, None
    secret = request.cookies.get(SESSION_COOKIE)
    found_session = core(request).session_actor(secret) if secret else None
    if found_session is not None:
        actor, session = found_session
    lang = (
        (session.language if session else None)
        or _language_cookie(request)
        or i18n.negotiate(request.headers.get("accept-language"))
    )
    if session is not None:
        found = Visitor(actor, session, lang, session.csrf_token)
    else:
        pre = request.cookies.get(CSRF_COOKIE)
        found = Visitor(
            actor, None, lang, pre or secrets.token_urlsafe(32), new_csrf_cookie=not pre
        )
    request.state.visitor = found
    return found


def _language_cookie(request: Request) -> str | None:
    value = request.cookies.get(LANGUAGE_COOKIE)
    return value if value in i18n.LANGUAGES else None


def signed_in(request: Request) -> Visitor:
    """A page's visitor who must be signed in (otherwise: to the sign-in page and back)."""
    found = visitor(request)
    if not found.signed_in:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path)
    return found


def api_actor(request: Request) -> Actor:
    """Who acts in an API request: an API token, else (to read) a signed-in session; 401
    otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret:
        actor = core(request).token_actor(secret.strip())
        if actor is None:
            raise HTTPException(
                401,
                "the API token is unknown, revoked or of a disabled user",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return actor
    found = visitor(request)
    # a session cookie reads; a change through the API needs the token (a cookie rides along
    # with any site's form, the token does not)
    if not found.signed_in or request.method not in ("GET", "HEAD"):
        raise HTTPException(
            401,
            "sign in or send an API token (Authorization: Bearer …)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found.actor


async def checked_form(request: Request) -> FormData:
    """The posted form after its CSRF token is checked (403 when missing or wrong)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = visitor(request).csrf_token
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "the form has expired or did not come from this site: reload it")
    return form


def local_path(candidate: object, default: str = "/") -> str:
    """A redirect target that stays on this site."""
    if isinstance(candidate, str) and candidate.startswith("/") and not candidate.startswith("//"):
        return candidate.replace("\\", "")
    return default


def quarter_in_path(text: str) -> Quarter:
    """The quarter an address names; an address naming none is not found."""
    try:
        return Quarter.parse(text)
    except (UserError, ValueError) as exc:
        raise HTTPException(404) from exc


def sign_in_url(next_path: str) -> str:
    return "/sign-in?next=" + quote(next_path, safe="/")


PageVisitor = Annotated[Visitor, Depends(signed_in)]
AnyVisitor = Annotated[Visitor, Depends(visitor)]
ApiActor = Annotated[Actor, Depends(api_actor)]
CheckedForm = Annotated[FormData, Depends(checked_form)]
