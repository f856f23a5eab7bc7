"""The FastAPI application: routers, static files, security headers, errors without tracebacks.

The OpenAPI document is served at ``/api/v1/openapi.json``; the interactive documentation pages
(Swagger UI, ReDoc) are off because they load their scripts from a CDN, and the register serves
nothing from elsewhere. Any OpenAPI viewer can read the document.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sosdata.app import Register
from sosdata.config import Settings
from sosdata.errors import AccessError, NotFound, UserError
from sosdata.web.rendering import render
from sosdata.web.uploads import UploadLimit
from sosdata.web.visitor import SignInRequired, sign_in_url, visitor

log = logging.getLogger("sosdata.web")

API_PREFIX = "/api/v1"

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
        b"object-src 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers to every response (pages, API, static files, errors), and
    answers an unexpected exception with a plain 500 page (the traceback goes to the log only,
    without the exception's message, which could hold a value from a file)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                if scope.get("scheme") == "https":
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await with_headers(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("unexpected %s at %s\n%s", type(exc).__name__, scope.get("path"), frames)
            if started:
                raise
            request = Request(scope)
            try:
                response = _error(request, 500, "")
            except Exception:
                response = Response("500", status_code=500, media_type="text/plain")
            await response(scope, receive, with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    who = visitor(request)
    titles = {
        400: who.t("The request could not be carried out"),
        401: who.t("Sign in first"),
        403: who.t("Not allowed"),
        404: who.t("Page not found"),
        413: who.t("The file is too large"),
        429: who.t("Too many attempts"),
    }
    title = titles.get(status, who.t("Something went wrong"))
    return render(
        request, who, "error.html", status_code=status, title=title, message=message, status=status
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(sign_in_url(exc.next_path), status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else ""
        if exc.status_code == 404 and not _is_api(request):
            message = visitor(request).t("There is no such page, or it is not yours to see.")
        return _error(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            # as FastAPI's own answer: an error's context may hold objects JSON cannot carry
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return _error(request, 400, visitor(request).t("The form was not filled in correctly."))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        # another organiser's thing and nothing at all get the same answer
        message = str(exc)
        if not _is_api(request):
            message = visitor(request).t("There is no such page, or it is not yours to see.")
        return _error(request, 404, message)

    @app.exception_handler(AccessError)
    async def refused(request: Request, exc: AccessError) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        return _error(request, getattr(exc, "status_code", 400), str(exc))


def create_app(settings: Settings, *, register: Register | None = None) -> FastAPI:
    """The web application over the register of ``settings``.

    The application opens its :class:`Register` when it starts (taking the data directory's
    writer lock: the server owns the database while it runs) and closes it when it stops;
    ``register`` is given by a caller that already holds one.
    """
    from sosdata.web import api_v1, api_v2
    from sosdata.web.pages import (
        account,
        deliveries,
        home,
        jobs,
        keeper_notifications,
        monitoring,
        notifications,
        quarters,
        selfcheck,
        statistics,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = register is None
        app.state.register = register or Register(
            settings, purpose="sosdata serve", keep_tables=True
        )
        app.state.register.connection  # noqa: B018 - open now: a busy register fails at start
        try:
            yield
        finally:
            if owned:
                app.state.register.close()

    app = FastAPI(
        title="sosdata",
        summary="The social-welfare follow-up register: deliveries, their checking and reports.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    if register is not None:
        app.state.register = register
    static = str(resources.files("sosdata.web").joinpath("static"))
    app.mount("/static", StaticFiles(directory=static), name="static")
    for router in (
        home.router,
        account.router,
        deliveries.router,
        jobs.router,
        monitoring.router,
        quarters.router,
        selfcheck.router,
        statistics.router,
        notifications.router,
        keeper_notifications.router,
    ):
        app.include_router(router)
    app.include_router(api_v1.router, prefix=API_PREFIX)
    api_v2.install(app)
    install_error_handlers(app)
    app.add_middleware(
        UploadLimit,
        limit_mb=settings.upload_limit_mb,
        paths=frozenset({"/deliveries", f"{API_PREFIX}/deliveries"}),
    )
    app.add_middleware(SecurityHeaders)  # added last: the outermost, so every answer has them
    return app
