"""The OpenAPI document against the live server: schemathesis generates requests for every
operation it describes (``/api/v1`` and the PxWeb ``/api/v2``), valid and invalid, and checks
each answer: never a server error, a status code the document lists, a body that matches the
document's schema for it, the content type it names.

The register has a published quarter, so the PxWeb operations find tables. The requests go
as an organiser's system (its API token) and as the register keeper (a session: the keeper has
no API token). Bounded: a few dozen cases per operation and visitor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from statistics_data import publish_two_quarters
from webharness import ANNA, KEEPER

from sosdata.config import Settings
from sosdata.web import create_app

pytestmark = pytest.mark.xdist_group("web_openapi_fuzz")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
CASES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def web_data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    return publish_two_quarters(tmp / "data", tmp / "published", persons=200).seeded


#: the document the application describes itself with; the live server must serve exactly it
#: (below), and the cases are drawn from it at collection time: one test per operation
DOCUMENT = create_app(Settings(data_dir=Path("never-opened"))).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_server_serves_the_document_the_cases_come_from(web_server):
    with web_server.client() as client:
        assert client.get("/api/v1/openapi.json").json() == DOCUMENT


@pytest.fixture(scope="module")
def keeper_cookie(web_server) -> dict[str, str]:
    with web_server.signed_in_client(KEEPER) as client:
        return {"sosdata_session": client.cookies["sosdata_session"]}


@schema.parametrize()
@CASES
def test_every_operation_as_an_organisers_system(case, web_server):
    token = web_server.seeded.tokens[ANNA.user_id]
    case.call_and_validate(
        base_url=web_server.base_url,
        headers={"Authorization": f"Bearer {token}"},
        checks=CHECKS,
    )


@schema.parametrize()
@CASES
def test_every_operation_as_the_keeper(case, web_server, keeper_cookie):
    case.call_and_validate(base_url=web_server.base_url, cookies=keeper_cookie, checks=CHECKS)
