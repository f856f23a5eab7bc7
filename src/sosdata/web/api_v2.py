"""The PxWeb API v2 under ``/api/v2`` (PxTools' PxAPI-2): published statistics for PxWeb
clients. Anyone may read it, signed in or not. The model — table ids, selections, formats —
is :mod:`sosdata.statistics.pxweb`; this module only reads requests and writes answers.
Every refusal is the specification's ``Problem`` body (``application/problem+json``)."""

from __future__ import annotations

import json
import re
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sosdata.statistics import pxweb
from sosdata.web.published import PublishedStatistics, Release
from sosdata.web.visitor import core

PREFIX = "/api/v2"
router = APIRouter(tags=["PxWeb API v2"])
_VALUECODES = re.compile(r"^valuecodes\[(.+)\]$", re.IGNORECASE)
_QUARTER_ID = re.compile(r"^(.+)_(\d{4}Q[1-4])$")


def problem(request: Request, status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
        },
        status_code=status,
        media_type="application/problem+json",
    )


def install(app: FastAPI) -> None:
    """The router and its Problem answers (a PxError, an unknown path under the prefix)."""
    app.include_router(router, prefix=PREFIX)

    @app.exception_handler(pxweb.PxError)
    async def refused(request: Request, exc: pxweb.PxError) -> JSONResponse:
        return problem(request, exc.status, exc.title, str(exc))


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _lang(request: Request) -> str:
    return pxweb.language(request.query_params.get("lang"))


def _json(data: object) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, media_type="application/json; charset=utf-8")


def _table_of_release(request: Request, table_id: str) -> tuple[pxweb.Published, Release]:
    """One table of the API and the publication it is of: only the quarter its id names (or
    the latest quarter, for a table's own id) is read."""
    published = PublishedStatistics(request)
    match = _QUARTER_ID.match(table_id)
    release = published.release(match.group(2)) if match else next(iter(published.releases()), None)
    if release is None:
        raise pxweb.PxNotFound(f"no table {table_id!r}: see /tables for the tables offered")
    offered = [pxweb.Published(t, release.published_at) for t in published.tables(release)]
    return pxweb.find(offered, table_id), release


def _table(request: Request, table_id: str) -> pxweb.Published:
    return _table_of_release(request, table_id)[0]


@router.get("/config")
def config(request: Request) -> Response:
    try:
        app_version = version("sosdata")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        app_version = "0"
    return _json(pxweb.config(core(request).settings.pxweb_max_cells, app_version))


@router.get("/tables")
def tables(request: Request) -> Response:
    q = request.query_params
    lang = _lang(request)
    return _json(
        pxweb.tables(
            PublishedStatistics(request).offered(),
            lang=lang,
            base=_base(request),
            query=q.get("query"),
            page_number=q.get("pageNumber"),
            page_size=q.get("pageSize"),
            past_days=q.get("pastDays"),
        )
    )


@router.get("/tables/{table_id}")
def table(request: Request, table_id: str) -> Response:
    lang = _lang(request)
    found = _table(request, table_id)
    return _json({"language": lang, **pxweb.table_entry(found, lang, _base(request))})


@router.get("/tables/{table_id}/metadata")
def metadata(request: Request, table_id: str) -> Response:
    lang = _lang(request)
    return _json(pxweb.metadata(_table(request, table_id), lang, _base(request)))


@router.get("/tables/{table_id}/defaultselection")
def default_selection(request: Request, table_id: str) -> Response:
    lang = _lang(request)
    found = _table(request, table_id)
    chosen = pxweb.default_selection(found.table, core(request).settings.pxweb_max_cells)
    return _json(pxweb.selection_response(found.table, chosen, lang, _base(request)))


def _data(request: Request, table_id: str, selection: dict[str, list[str]]) -> Response:
    lang = _lang(request)
    found, release = _table_of_release(request, table_id)
    chosen = pxweb.resolve(found.table, selection, core(request).settings.pxweb_max_cells)
    fmt = request.query_params.get("outputFormat")
    key = (
        "data",
        release.publication_id,
        found.id,
        lang,
        fmt,
        tuple((name, tuple(codes)) for name, codes in chosen.items()),
    )
    body, media_type, name = PublishedStatistics(request).memo(
        key, lambda: pxweb.render(found, chosen, fmt, lang)
    )
    disposition = "inline" if media_type.startswith("application/json") else "attachment"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


@router.get("/tables/{table_id}/data")
def data(request: Request, table_id: str) -> Response:
    """``valuecodes[VARIABLE]=code1,code2`` (``*`` and ``prefix*`` expand) per variable."""
    selection: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key.lower().startswith("codelist["):
            raise pxweb.PxError("no code lists are offered")
        match = _VALUECODES.match(key)
        if match:
            codes = [c for c in value.split(",") if c.strip()]
            selection.setdefault(match.group(1), []).extend(codes)
    return _data(request, table_id, selection)


@router.post("/tables/{table_id}/data")
async def data_by_post(request: Request, table_id: str) -> Response:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise pxweb.PxError("the body is not JSON") from None
    selection = pxweb.parse_selection(body)
    return await run_in_threadpool(_data, request, table_id, selection)


@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def unknown(rest: str) -> Response:
    """Any other address under the prefix: the specification's 404 Problem."""
    raise pxweb.PxNotFound(f"no endpoint /{rest}: see /config and /tables")
