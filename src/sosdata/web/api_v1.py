"""The JSON API for machines (``/api/v1``), described by ``/api/v1/openapi.json``.

A client authenticates with an API token (``Authorization: Bearer sosd_…``, made with
``sosdata users token create``); the pages' own requests may use the session cookie instead.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from sosdata.web.visitor import ApiActor

router = APIRouter(tags=["register"])


class Me(BaseModel):
    user_id: str
    role: str
    organiser: str | None


class Health(BaseModel):
    status: str


@router.get("/health", response_model=Health)
def health() -> Health:
    """The server answers (no sign-in needed)."""
    return Health(status="ok")


@router.get("/me", response_model=Me)
def me(actor: ApiActor) -> Me:
    """The user the request acts as."""
    return Me(user_id=actor.name, role=actor.role.value, organiser=actor.organiser)
