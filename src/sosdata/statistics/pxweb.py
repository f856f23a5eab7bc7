"""The PxWeb API v2 model (PxTools' PxAPI-2 specification) over published tables.

A table of the API is one published table of one quarter: its id is ``<table>_<quarter>``
(``clients_county_2023Q2``), stable across publications — a quarter published again keeps its
ids and the API serves the latest publication. The time series of every published quarter is
the table ``trend_county_<quarter>``, whose ``vuosineljannes`` is the time variable. Variables
and values are the published table's dimensions and codes; a variable with a total may be left
out of a selection (PxWeb's *elimination*): the total is taken and the variable dropped.

Errors are :class:`PxError` with the HTTP status the specification gives them (400 for a bad
selection, 404 for no such table, 403 past the cell limit); the web layer answers them as the
specification's ``Problem`` body.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import polars as pl

from sosdata.errors import UserError
from sosdata.statistics import export
from sosdata.statistics.tables import Table

API_VERSION = "2.0.0"
LANGUAGES = {"fi": "suomi", "sv": "svenska", "en": "English"}
DEFAULT_LANGUAGE = "fi"
DEFAULT_PAGE_SIZE = 20
#: the formats of ``/data``: PxAPI-2's name → media type
FORMATS = {
    "json-stat2": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "px": "application/octet-stream",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: advertised in /config; a reverse proxy in front enforces request rates
MAX_CALLS_PER_TIME_WINDOW = 1000
TIME_WINDOW_SECONDS = 10


class PxError(UserError):
    """A request the API refuses, with the HTTP status and title of PxAPI-2's Problem."""

    status = 400
    title = "Bad Request"


class PxNotFound(PxError):
    status = 404
    title = "Not Found"


class TooManyCells(PxError):
    status = 403
    title = "Forbidden"


@dataclass(frozen=True)
class Published:
    """A published table as the API offers it."""

    table: Table
    published_at: dt.datetime

    @property
    def id(self) -> str:
        return api_id(self.table)


def api_id(table: Table) -> str:
    return f"{table.id}_{table.quarter}"


def language(lang: str | None) -> str:
    if lang in (None, ""):
        return DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        raise PxError(f"language {lang!r} is not offered; choose one of {', '.join(LANGUAGES)}")
    return lang


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def _periods(table: Table) -> tuple[str, str]:
    if "vuosineljannes" in table.dims:
        codes = table.dimension("vuosineljannes").codes
        return codes[0], codes[-1]
    return table.quarter, table.quarter


def _link(rel: str, href: str, lang: str) -> dict[str, str]:
    return {"rel": rel, "hreflang": lang, "href": href}


def table_entry(found: Published, lang: str, base: str) -> dict:
    """A ``Table`` of PxAPI-2 (the items of ``/tables`` and the answer of ``/tables/{id}``)."""
    table = found.table
    first, last = _periods(table)
    href = f"{base}/tables/{found.id}"
    return {
        "type": "Table",
        "id": found.id,
        "label": export.title(table, lang),
        "description": export._full_title(table, lang),
        "sortCode": found.id,
        "updated": _iso(found.published_at),
        "firstPeriod": first,
        "lastPeriod": last,
        "category": "public",
        "variableNames": [d.title[lang] for d in table.dimensions],
        "discontinued": False,
        "source": export._SOURCE[lang],
        "subjectCode": "SOS",
        "timeUnit": "Quarterly",
        "paths": [[{"id": "sosdata", "label": export._SOURCE[lang]}]],
        "links": [
            _link("self", f"{href}?lang={lang}", lang),
            _link("metadata", f"{href}/metadata?lang={lang}", lang),
            _link("data", f"{href}/data?lang={lang}&outputFormat=json-stat2", lang),
        ],
    }


def _matches(found: Published, words: list[str], lang: str) -> bool:
    table = found.table
    text = " ".join(
        [
            found.id,
            export._full_title(table, lang),
            *(d.name for d in table.dimensions),
        ]
    ).lower()
    return all(word in text for word in words)


def _positive(value: str | None, name: str, default: int | None) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise PxError(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise PxError(f"{name} must be 1 or more, not {number}")
    return number


def tables(
    found: Sequence[Published],
    *,
    lang: str,
    base: str,
    query: str | None = None,
    page_number: str | None = None,
    page_size: str | None = None,
    past_days: str | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """``/tables``: the tables matching every word of ``query``, a page at a time."""
    number = _positive(page_number, "pageNumber", 1) or 1
    size = _positive(page_size, "pageSize", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    days = _positive(past_days, "pastDays", None)
    words = (query or "").lower().split()
    hits = [f for f in found if _matches(f, words, lang)]
    if days is not None:
        since = (now or dt.datetime.now(dt.UTC).replace(tzinfo=None)) - dt.timedelta(days=days)
        hits = [f for f in hits if f.published_at >= since]
    pages = max(1, math.ceil(len(hits) / size))
    shown = hits[(number - 1) * size : number * size]

    def page_href(n: int) -> str:
        q = f"&query={quote(query)}" if query else ""
        return f"{base}/tables?lang={lang}&pageNumber={n}&pageSize={size}{q}"

    links = [_link("self", page_href(number), lang)]
    if number > 1:
        links.append(_link("previous", page_href(number - 1), lang))
    if number < pages:
        links.append(_link("next", page_href(number + 1), lang))
    return {
        "language": lang,
        "tables": [table_entry(f, lang, base) for f in shown],
        "page": {
            "pageNumber": number,
            "pageSize": size,
            "totalElements": len(hits),
            "totalPages": pages,
            "links": links,
        },
        "links": links,
    }


def find(found: Sequence[Published], table_id: str) -> Published:
    """The table of an API id; a published table's own id (``clients_county``) is its latest
    quarter's."""
    for f in found:
        if f.id == table_id:
            return f
    latest = [f for f in found if f.table.id == table_id]
    if latest:
        return max(latest, key=lambda f: f.table.quarter)
    raise PxNotFound(f"no table {table_id!r}: see /tables for the tables offered")


def metadata(found: Published, lang: str, base: str) -> dict:
    """``/tables/{id}/metadata``: the table's JSON-stat 2.0 dataset without its values."""
    out = export.jsonstat_metadata(found.table, lang, updated=_iso(found.published_at))
    out["href"] = f"{base}/tables/{found.id}/metadata?lang={lang}"
    out["extension"]["px"]["tableid"] = found.id
    out["value"] = None
    return out


# --- selections ------------------------------------------------------------------------------


def _expand(table: Table, variable: str, expressions: Sequence[str]) -> list[str]:
    codes = table.dimension(variable).codes
    chosen: set[str] = set()
    for raw in expressions:
        expr = raw.strip()
        if expr == "*":
            picked = list(codes)
        elif len(expr) > 1 and expr.endswith("*") and not expr.startswith("*"):
            picked = [c for c in codes if c.startswith(expr[:-1])]
        elif len(expr) > 1 and expr.startswith("*") and not expr.endswith("*"):
            picked = [c for c in codes if c.endswith(expr[1:])]
        elif expr in codes:
            picked = [expr]
        else:
            raise PxError(f"value {expr!r} is not a valid value code for variable {variable}")
        chosen.update(picked)
    if not chosen:
        raise PxError(f"no value of variable {variable} is selected")
    return [c for c in codes if c in chosen]


def default_selection(table: Table, max_cells: int) -> dict[str, list[str]]:
    """Every value of every variable; past the cell limit, the largest variables that have a
    total are reduced to it until the selection fits."""
    chosen = {d.name: list(d.codes) for d in table.dimensions}
    for d in sorted(table.dimensions, key=lambda d: -len(d.codes)):
        if cells(chosen) <= max_cells:
            break
        if (code := export.total(d)) is not None:
            chosen[d.name] = [code]
    return chosen


def cells(chosen: Mapping[str, Sequence[str]]) -> int:
    return math.prod(len(v) for v in chosen.values())


def resolve(
    table: Table, selection: Mapping[str, Sequence[str]] | None, max_cells: int
) -> dict[str, list[str]]:
    """The codes selected of each variable kept; a variable left out with a total is
    eliminated (absent from the result), one without a total must be selected."""
    if not selection:
        chosen = default_selection(table, max_cells)
    else:
        unknown = [v for v in selection if v not in table.dims]
        if unknown:
            raise PxError(
                f"{unknown[0]!r} is not a variable of table {api_id(table)}; its variables are "
                f"{', '.join(table.dims)}"
            )
        chosen = {}
        for d in table.dimensions:
            if d.name in selection:
                chosen[d.name] = _expand(table, d.name, selection[d.name])
            elif export.total(d) is None:
                raise PxError(f"variable {d.name} cannot be eliminated: select its values")
    if cells(chosen) > max_cells:
        raise TooManyCells(
            f"the query selects {cells(chosen)} cells, more than the {max_cells} allowed: "
            "select fewer values or split the query"
        )
    return chosen


def subtable(table: Table, chosen: Mapping[str, Sequence[str]]) -> Table:
    """The published table restricted to the chosen codes; eliminated variables at their total."""
    keep = [d for d in table.dimensions if d.name in chosen]
    eliminated = [d for d in table.dimensions if d.name not in chosen]
    filters = [pl.col(d.name) == export.total(d) for d in eliminated]
    filters += [pl.col(name).is_in(list(codes)) for name, codes in chosen.items()]
    cells_ = table.cells.filter(*filters) if filters else table.cells
    return replace(
        table,
        dimensions=tuple(replace(d, codes=tuple(chosen[d.name])) for d in keep),
        cells=cells_.select(*(d.name for d in keep), "value", "contributors", "status"),
    )


def selection_response(
    table: Table, chosen: Mapping[str, Sequence[str]], lang: str, base: str
) -> dict:
    """``/tables/{id}/defaultselection``."""
    names = [d for d in table.dims if d in chosen]
    return {
        "language": lang,
        "selection": [{"variableCode": n, "valueCodes": list(chosen[n])} for n in names],
        "placement": {"heading": names[-1:], "stub": names[:-1]},
        "links": [_link("self", f"{base}/tables/{api_id(table)}/defaultselection", lang)],
    }


def parse_selection(body: object) -> dict[str, list[str]]:
    """A POSTed ``VariablesSelection`` as variable → value expressions."""
    if body is None:
        return {}
    if not isinstance(body, dict) or not isinstance(body.get("selection", []), list):
        raise PxError('the body must be a JSON object {"selection": [...]}')
    out: dict[str, list[str]] = {}
    for item in body.get("selection", []):
        if not isinstance(item, dict) or not isinstance(item.get("variableCode"), str):
            raise PxError("every selection item needs a variableCode")
        if item.get("codelist"):
            raise PxError(f"no code lists are offered (variable {item['variableCode']})")
        values = item.get("valueCodes")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise PxError(f"valueCodes of {item['variableCode']} must be a list of strings")
        out[item["variableCode"]] = values
    return out


def render(
    found: Published, chosen: Mapping[str, Sequence[str]], fmt: str | None, lang: str
) -> tuple[bytes, str, str]:
    """The selected data in ``fmt``: the body, its media type and a file name."""
    fmt = fmt or "json-stat2"
    if fmt not in FORMATS:
        raise PxError(f"outputFormat {fmt!r} is not offered; choose one of {', '.join(FORMATS)}")
    table = subtable(found.table, chosen)
    name = f"{found.id}_{lang}"
    if fmt == "json-stat2":
        import json

        dataset = export.to_jsonstat(table, lang, updated=_iso(found.published_at))
        dataset["extension"]["px"]["tableid"] = found.id
        body = json.dumps(dataset, ensure_ascii=False, separators=(",", ":")).encode()
        return body, FORMATS[fmt], f"{name}.json"
    if fmt == "csv":
        return export.to_csv(table, lang).encode("utf-8-sig"), FORMATS[fmt], f"{name}.csv"
    if fmt == "px":
        return export.to_px(table, lang).encode("utf-8-sig"), FORMATS[fmt], f"{name}.px"
    with tempfile.TemporaryDirectory() as folder:
        path = export.write_xlsx([table], Path(folder) / "table.xlsx", lang)
        return path.read_bytes(), FORMATS[fmt], f"{name}.xlsx"


def config(max_cells: int, version: str) -> dict:
    """``/config``."""
    return {
        "apiVersion": API_VERSION,
        "appVersion": version,
        "languages": [{"id": k, "label": v} for k, v in LANGUAGES.items()],
        "defaultLanguage": DEFAULT_LANGUAGE,
        "maxDataCells": max_cells,
        "maxCallsPerTimeWindow": MAX_CALLS_PER_TIME_WINDOW,
        "timeWindow": TIME_WINDOW_SECONDS,
        "license": "CC-BY-4.0",
        "sourceReferences": [{"language": k, "text": export._SOURCE[k]} for k in LANGUAGES],
        "defaultDataFormat": "json-stat2",
        "dataFormats": list(FORMATS),
        "features": [],
    }
