"""The PxWeb API v2 under ``/api/v2`` (PxTools' PxAPI-2): published statistics for PxWeb
clients. Anyone may read it, signed in or not. The model — table ids, selections, formats —
is :mod:`sosdata.statistics.pxweb`; this module only reads requests and writes answers.
Every refusal is the specification's ``Problem`` body (``application/problem+json``)."""

from __future__ import annotations

import json
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sosdata.statistics import pxweb
from sosdata.web.published import PublishedStatistics, Release
from sosdata.web.visitor import core

PREFIX = "/api/v2"
router = APIRouter(tags=["PxWeb API v2"])

#: the specification's Problem body (RFC 9457), as the OpenAPI document describes refusals
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    what = {
        400: "A parameter or selection the API cannot read",
        403: "The selection has more cells than the server gives at once",
        404: "No such table (or no published quarter)",
    }
    return {
        status: {
            "description": what[status],
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


#: what /data answers in each output format
DATA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The selected data, in the output format asked for (JSON-stat 2.0 if none)",
        "content": {media.split(";")[0]: {} for media in pxweb.FORMATS.values()},
    },
    **_problems(400, 403, 404),
}
#: PxAPI-2's VariablesSelection, the body of ``POST /data`` (read by the handler itself)
SELECTION_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "selection": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["variableCode", "valueCodes"],
                                "properties": {
                                    "variableCode": {"type": "string"},
                                    "valueCodes": {"type": "array", "items": {"type": "string"}},
                                    "codelist": {"type": "string"},
                                },
                            },
                        }
                    },
                }
            }
        },
    }
}
# The query parameters below are declared for the OpenAPI document; the handlers read the query
# string themselves, as they must for ``valuecodes[VARIABLE]``, whose names depend on the table.
Lang = Annotated[str | None, Query(description="fi, sv or en (the table's texts); fi if none")]
OutputFormat = Annotated[
    str | None,
    Query(alias="outputFormat", description="json-stat2 (if none), csv, px or xlsx"),
]
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


@router.get("/tables", responses=_problems(400))
def tables(
    request: Request,
    lang: Lang = None,
    query: Annotated[str | None, Query(description="words the table's title has")] = None,
    pageNumber: Annotated[str | None, Query(description="from 1")] = None,
    pageSize: Annotated[str | None, Query(description="tables a page")] = None,
    pastDays: Annotated[
        str | None, Query(description="only tables updated in so many days")
    ] = None,
) -> Response:
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


@router.get("/tables/{table_id}", responses=_problems(400, 404))
def table(request: Request, table_id: str, lang: Lang = None) -> Response:
    lang = _lang(request)
    found = _table(request, table_id)
    return _json({"language": lang, **pxweb.table_entry(found, lang, _base(request))})


@router.get("/tables/{table_id}/metadata", responses=_problems(400, 404))
def metadata(request: Request, table_id: str, lang: Lang = None) -> Response:
    lang = _lang(request)
    return _json(pxweb.metadata(_table(request, table_id), lang, _base(request)))


@router.get("/tables/{table_id}/defaultselection", responses=_problems(400, 404))
def default_selection(request: Request, table_id: str, lang: Lang = None) -> Response:
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


@router.get("/tables/{table_id}/data", responses=DATA_RESPONSES)
def data(
    request: Request, table_id: str, lang: Lang = None, output_format: OutputFormat = None
) -> Response:
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


@router.post("/tables/{table_id}/data", responses=DATA_RESPONSES, openapi_extra=SELECTION_BODY)
async def data_by_post(
    request: Request, table_id: str, lang: Lang = None, output_format: OutputFormat = None
) -> Response:
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
