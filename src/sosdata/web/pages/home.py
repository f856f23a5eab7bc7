"""The front page: what the portal offers, and where to go next."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sosdata.web.rendering import render
from sosdata.web.visitor import AnyVisitor

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: AnyVisitor) -> HTMLResponse:
    return render(request, who, "home.html")
