"""Pages from Jinja2 templates in the visitor's language.

Every template extends ``base.html`` and gets: ``_`` (the visitor's translator: ``_("Text")``,
``_("Delivery {id}", id=n)``), ``lang``, ``visitor``, ``csrf_field()`` (the hidden CSRF input of
a form), ``path`` (the current page, for the language switcher's return).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from sosdata import i18n
from sosdata.web.visitor import CSRF_COOKIE, CSRF_FIELD, Visitor, set_cookie


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    folder = str(resources.files("sosdata.web").joinpath("templates"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["combine"] = _combine
    return env


def _combine(query: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A page's query parameters with some changed (an empty value drops the parameter)."""
    return {k: v for k, v in {**query, **changes}.items() if v not in ("", None)}


def render(
    request: Request,
    visitor: Visitor,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, escape(visitor.csrf_token)
        )

    query = f"?{request.url.query}" if request.url.query else ""
    html = (
        environment()
        .get_template(template)
        .render(
            _=visitor.t,
            lang=visitor.lang,
            languages=i18n.LANGUAGES,
            language_names=i18n.LANGUAGE_NAMES,
            visitor=visitor,
            csrf_field=csrf_field,
            path=request.url.path + query,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    if visitor.new_csrf_cookie:
        set_cookie(request, response, CSRF_COOKIE, visitor.csrf_token)
    return response
