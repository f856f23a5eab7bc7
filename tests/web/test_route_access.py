"""Every route of the web application × every kind of visitor, against a real server.

The visitors: nobody signed in; an organiser's user on its own organiser's things (``own``) and
another organiser's user on the same things (``other``); the register keeper; an administrator;
and a user disabled while signed in (its session and its API token). Path parameters are the
first organiser's delivery, job, notification, draft, Kanta batch and self-check in a small real
register with a published quarter.

The answers are written out by hand, one row per route: a route the application gains without
a row here fails :func:`test_every_route_has_a_row`. What the rows hold:

- a page needs a signed-in user: nobody (and a disabled user) is sent to the sign-in page; the
  API answers 401 instead;
- a role that may not do what a route does gets 403;
- another organiser's delivery, job, notification, draft or self-check is "not found" (404),
  the answer a thing that does not exist gets: its existence is not revealed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.routing import Mount
from webharness import Person, Seeded, Server, csrf_of

from sosdata.app import Register, Role
from sosdata.config import Settings
from sosdata.web import create_app
from world import Q1, two_organisers

pytestmark = pytest.mark.xdist_group("web_route_access")

ANON, OWN, OTHER, KEEPER, ADMIN, DISABLED = (
    "anonymous",
    "own",
    "other",
    "keeper",
    "admin",
    "disabled",
)
VISITORS = (ANON, OWN, OTHER, KEEPER, ADMIN, DISABLED)

KEEPER_P = Person("keeper", "keeper-password-1")
ADMIN_P = Person("adam.admin", "admin-password-12")
OWN_P = Person("org", "own-password-1234")  # the first organiser's user (two_organisers)
OTHER_P = Person("org-theirs", "other-password-12")
DISABLED_P = Person("dora", "dora-password-1234")  # the first organiser's; disabled when signed in

PEOPLE = {OWN: OWN_P, OTHER: OTHER_P, KEEPER: KEEPER_P, ADMIN: ADMIN_P}

SIGN_IN = "sign-in"  # a redirect to the sign-in page and back
EMPTY_QUARTER = "2019Q1"  # a quarter with no data: its build and publication jobs fail harmlessly


@dataclass
class World(Seeded):
    worlds: dict[str, dict] = field(default_factory=dict)


@pytest.fixture(scope="module")
def web_data(tmp_path_factory) -> World:
    tmp = tmp_path_factory.mktemp("routes")
    settings = Settings(data_dir=tmp / "data")
    seeded = World(settings)
    with Register(settings, purpose="route test set-up") as register:
        register.initialise(KEEPER_P.user_id)
        keeper = register.actor(KEEPER_P.user_id)
        register.add_user(keeper, ADMIN_P.user_id, role=Role.ADMIN)
        seeded.worlds = two_organisers_with_users(register, tmp, keeper)
        for person in (KEEPER_P, ADMIN_P, OWN_P, OTHER_P, DISABLED_P):
            register.set_password(keeper, person.user_id, person.password)
        for person in (OWN_P, OTHER_P, DISABLED_P):
            seeded.tokens[person.user_id] = register.create_token(keeper, person.user_id, "t")[1]
        # a finished build job of the quarter, for the quarter's job pages
        seeded.worlds["quarter_job"] = register.jobs.create(
            "build", str(Q1), user_id=KEEPER_P.user_id, organiser=None, state="done"
        )
        # the results finished jobs have (the set-up made the jobs, not the work)
        mine = seeded.worlds["mine"]
        for job, result in (
            (
                mine["job"],
                {"status": "accepted", "delivery_id": mine["delivery"], "duplicate": False},
            ),
            (seeded.worlds["quarter_job"], {"build_id": 1, "notes": []}),
        ):
            register.cursor().execute(
                "UPDATE jobs SET result = ? WHERE job_id = ?", [json.dumps(result), job]
            )
    return seeded


def two_organisers_with_users(register: Register, tmp, keeper) -> dict[str, dict]:
    from sosdata import organisers

    registry = organisers.load()
    mine, theirs = registry.for_county("01"), registry.for_county("02")
    assert mine is not None and theirs is not None
    for person, org in ((OWN_P, mine), (OTHER_P, theirs), (DISABLED_P, mine)):
        register.add_user(keeper, person.user_id, role=Role.ORGANISER, organiser=org.oid)
    return two_organisers(register, tmp, KEEPER_P.user_id)


@dataclass
class Visitor:
    client: httpx.Client
    csrf: str


@pytest.fixture(scope="module")
def visitors(web_server: Server) -> Iterator[dict[str, Visitor]]:
    """One HTTP client per visitor; an organiser's user sends its API token too (the API reads
    the token, the pages the session)."""
    tokens = web_server.seeded.tokens
    clients: dict[str, httpx.Client] = {}
    try:
        clients[ANON] = web_server.client()
        for who, person in (
            (OWN, OWN_P),
            (OTHER, OTHER_P),
            (KEEPER, KEEPER_P),
            (ADMIN, ADMIN_P),
            (DISABLED, DISABLED_P),
        ):
            clients[who] = web_server.signed_in(person)
            if person.user_id in tokens:
                clients[who].headers["Authorization"] = f"Bearer {tokens[person.user_id]}"
        # the user is disabled while signed in: the session and the token stop at once
        assert clients[DISABLED].get("/deliveries").status_code == 200
        assert clients[DISABLED].get("/api/v1/me").status_code == 200
        register = web_server.register
        register.disable_user(register.actor(KEEPER_P.user_id), DISABLED_P.user_id)
        yield {who: Visitor(c, csrf_of(c.get("/").text)) for who, c in clients.items()}
    finally:
        for client in clients.values():
            client.close()


# --------------------------------------------------------------------------- the table


def everyone(status: int) -> dict[str, Any]:
    return dict.fromkeys(VISITORS, status)


def page(own: int, other: int, keeper: int, admin: int) -> dict[str, Any]:
    """A page: nobody, and a disabled user, go to the sign-in page."""
    return {
        ANON: SIGN_IN,
        OWN: own,
        OTHER: other,
        KEEPER: keeper,
        ADMIN: admin,
        DISABLED: SIGN_IN,
    }


def api(own: int, other: int, keeper: int, admin: int) -> dict[str, Any]:
    """The JSON API: nobody, and a disabled user's token, get 401."""
    return {ANON: 401, OWN: own, OTHER: other, KEEPER: keeper, ADMIN: admin, DISABLED: 401}


@dataclass(frozen=True)
class Probe:
    #: the address, with {d} delivery, {j} job, {n} notification, {dr} draft, {o} organiser,
    #: {c} county, {b} Kanta batch, {qj} build job of the first organiser's world
    url: str
    expected: dict[str, Any]
    form: dict[str, str] | None = None  # a POSTed form (the CSRF token is added)
    json: Any = None
    upload: bool = False  # send the first organiser's delivery package as ``file``
    fresh_session: bool = False  # the request ends the session: sign in anew for it


Q = str(Q1)
DRAFT_PAGE = "contact"

ROUTES: dict[tuple[str, str], Probe] = {
    # --- public pages, sign-in, language
    ("GET", "/"): Probe("/", everyone(200)),
    ("GET", "/sign-in"): Probe("/sign-in", everyone(200)),
    ("POST", "/sign-in"): Probe(
        "/sign-in", everyone(401), form={"user_id": "no-such-user-{who}", "password": "wrong"}
    ),
    ("POST", "/sign-out"): Probe("/sign-out", everyone(303), form={}, fresh_session=True),
    ("POST", "/language"): Probe("/language", everyone(303), form={"lang": "fi", "next": "/"}),
    ("GET", "/static"): Probe("/static/sosdata.css", everyone(200)),
    # --- the JSON API
    ("GET", "/api/v1/openapi.json"): Probe("/api/v1/openapi.json", everyone(200)),
    ("GET", "/api/v1/health"): Probe("/api/v1/health", everyone(200)),
    ("GET", "/api/v1/me"): Probe("/api/v1/me", api(200, 200, 200, 200)),
    # a change through the API needs a token; the keeper and administrators have none
    ("POST", "/api/v1/deliveries"): Probe(
        "/api/v1/deliveries", api(202, 202, 401, 401), form={"dry_run": "true"}, upload=True
    ),
    ("GET", "/api/v1/jobs/{job_id}"): Probe("/api/v1/jobs/{j}", api(200, 404, 200, 404)),
    ("GET", "/api/v1/deliveries"): Probe("/api/v1/deliveries", api(200, 200, 200, 403)),
    ("GET", "/api/v1/deliveries/{delivery_id}"): Probe(
        "/api/v1/deliveries/{d}", api(200, 404, 200, 403)
    ),
    ("GET", "/api/v1/deliveries/{delivery_id}/issues"): Probe(
        "/api/v1/deliveries/{d}/issues", api(200, 404, 200, 403)
    ),
    # --- the PxWeb API: anyone
    ("GET", "/api/v2/config"): Probe("/api/v2/config", everyone(200)),
    ("GET", "/api/v2/tables"): Probe("/api/v2/tables", everyone(200)),
    ("GET", "/api/v2/tables/{table_id}"): Probe("/api/v2/tables/{px}", everyone(200)),
    ("GET", "/api/v2/tables/{table_id}/metadata"): Probe(
        "/api/v2/tables/{px}/metadata", everyone(200)
    ),
    ("GET", "/api/v2/tables/{table_id}/defaultselection"): Probe(
        "/api/v2/tables/{px}/defaultselection", everyone(200)
    ),
    ("GET", "/api/v2/tables/{table_id}/data"): Probe("/api/v2/tables/{px}/data", everyone(200)),
    ("POST", "/api/v2/tables/{table_id}/data"): Probe(
        "/api/v2/tables/{px}/data", everyone(200), json={"selection": []}
    ),
    ("GET", "/api/v2/{rest:path}"): Probe("/api/v2/no/such/endpoint", everyone(404)),
    ("POST", "/api/v2/{rest:path}"): Probe("/api/v2/no/such/endpoint", everyone(404), json={}),
    # --- deliveries and jobs
    ("GET", "/deliveries/new"): Probe("/deliveries/new", page(200, 200, 200, 200)),
    # a dry run: anyone signed in may check a file (the job refuses to store for others)
    ("POST", "/deliveries"): Probe(
        "/deliveries", page(303, 303, 303, 303), form={"dry_run": "on"}, upload=True
    ),
    ("GET", "/deliveries"): Probe("/deliveries", page(200, 200, 200, 403)),
    ("GET", "/deliveries/{delivery_id}"): Probe("/deliveries/{d}", page(200, 404, 200, 403)),
    ("GET", "/deliveries/{delivery_id}/issues.csv"): Probe(
        "/deliveries/{d}/issues.csv", page(200, 404, 200, 403)
    ),
    ("GET", "/deliveries/{delivery_id}/report.json"): Probe(
        "/deliveries/{d}/report.json", page(200, 404, 200, 403)
    ),
    ("GET", "/deliveries/{delivery_id}/report.html"): Probe(
        "/deliveries/{d}/report.html", page(200, 404, 200, 403)
    ),
    # a job is followed by its organiser's users and the keeper (and whoever started it)
    ("GET", "/jobs/{job_id}"): Probe("/jobs/{j}", page(200, 404, 200, 404)),
    ("GET", "/jobs/{job_id}/progress"): Probe("/jobs/{j}/progress", page(200, 404, 200, 404)),
    # --- the self-check of an organiser's figures
    ("GET", "/self-check"): Probe("/self-check", page(200, 200, 200, 403)),
    ("GET", "/self-check/{organiser}/{quarter}"): Probe(
        f"/self-check/{{o}}/{Q}", page(200, 404, 200, 403)
    ),
    ("GET", "/self-check/{organiser}/{quarter}/download.{fmt}"): Probe(
        f"/self-check/{{o}}/{Q}/download.csv", page(200, 404, 200, 403)
    ),
    # --- published statistics: anyone
    ("GET", "/statistics"): Probe("/statistics", everyone(200)),
    ("GET", "/statistics/{quarter}"): Probe(f"/statistics/{Q}", everyone(200)),
    ("GET", "/statistics/{quarter}/charts/{name}.svg"): Probe(
        f"/statistics/{Q}/charts/clients-by-county.svg", everyone(200)
    ),
    ("GET", "/statistics/{quarter}/{table_id}"): Probe(f"/statistics/{Q}/{{t}}", everyone(200)),
    ("GET", "/statistics/{quarter}/{table_id}/{fmt}"): Probe(
        f"/statistics/{Q}/{{t}}/csv", everyone(200)
    ),
    # --- the keeper's monitoring (an organiser's user may download its own rows)
    ("GET", "/keeper/monitoring"): Probe(
        f"/keeper/monitoring?quarter={Q}", page(403, 403, 200, 403)
    ),
    ("GET", "/keeper/monitoring/{what}.{fmt}"): Probe(
        f"/keeper/monitoring/matrix.csv?quarter={Q}", page(200, 200, 200, 403)
    ),
    ("GET", "/keeper/monitoring/kanta/{batch_id}"): Probe(
        "/keeper/monitoring/kanta/{b}", page(200, 404, 200, 403)
    ),
    ("POST", "/keeper/reminders"): Probe(
        "/keeper/reminders", page(403, 403, 303, 403), form={"quarter": EMPTY_QUARTER}
    ),
    # --- the keeper's quarters
    ("GET", "/keeper/quarters"): Probe("/keeper/quarters", page(403, 403, 200, 403)),
    ("GET", "/keeper/quarters/{quarter}"): Probe(f"/keeper/quarters/{Q}", page(403, 403, 200, 403)),
    ("POST", "/keeper/quarters/{quarter}/build"): Probe(
        f"/keeper/quarters/{EMPTY_QUARTER}/build", page(403, 403, 303, 403), form={}
    ),
    ("POST", "/keeper/quarters/{quarter}/publish"): Probe(
        f"/keeper/quarters/{EMPTY_QUARTER}/publish", page(403, 403, 303, 403), form={}
    ),
    # an empty quarter cannot be approved or reopened: refused for its state, past the policy
    ("POST", "/keeper/quarters/{quarter}/approve"): Probe(
        f"/keeper/quarters/{EMPTY_QUARTER}/approve", page(403, 403, 400, 403), form={}
    ),
    ("POST", "/keeper/quarters/{quarter}/reopen"): Probe(
        f"/keeper/quarters/{EMPTY_QUARTER}/reopen",
        page(403, 403, 400, 403),
        form={"reason": "route test"},
    ),
    ("GET", "/keeper/quarters/{quarter}/jobs/{job_id}"): Probe(
        f"/keeper/quarters/{Q}/jobs/{{qj}}", page(404, 404, 200, 404)
    ),
    ("GET", "/keeper/quarters/{quarter}/jobs/{job_id}/progress"): Probe(
        f"/keeper/quarters/{Q}/jobs/{{qj}}/progress", page(404, 404, 200, 404)
    ),
    ("GET", "/keeper/quarters/{quarter}/revisions"): Probe(
        f"/keeper/quarters/{Q}/revisions", page(403, 403, 200, 403)
    ),
    # --- notifications (an organiser's user sees its own county's in the keeper's view)
    ("GET", "/keeper/notifications"): Probe("/keeper/notifications", page(200, 200, 200, 403)),
    ("GET", "/keeper/notifications/export.{fmt}"): Probe(
        "/keeper/notifications/export.csv", page(403, 403, 200, 403)
    ),
    ("GET", "/notifications"): Probe("/notifications", page(200, 200, 200, 403)),
    ("POST", "/notifications/new"): Probe("/notifications/new", page(303, 303, 303, 403), form={}),
    ("GET", "/notifications/{notification_id}"): Probe(
        "/notifications/{n}", page(200, 404, 200, 403)
    ),
    ("GET", "/notifications/{notification_id}/changes"): Probe(
        "/notifications/{n}/changes", page(200, 404, 200, 403)
    ),
    # a wrong one-time code: refused for the code, past the policy
    ("GET", "/notifications/{notification_id}/confirm"): Probe(
        "/notifications/{n}/confirm?code=wrong", page(400, 404, 400, 403)
    ),
    ("POST", "/notifications/{notification_id}/edit"): Probe(
        "/notifications/{n}/edit", page(303, 404, 303, 403), form={}
    ),
    ("GET", "/notifications/county/{county}"): Probe(
        "/notifications/county/{c}", page(200, 404, 200, 403)
    ),
    ("GET", "/notifications/drafts/{draft_id}/check"): Probe(
        "/notifications/drafts/{dr}/check", page(200, 404, 200, 403)
    ),
    ("POST", "/notifications/drafts/{draft_id}/coverage"): Probe(
        "/notifications/drafts/{dr}/coverage", page(200, 404, 200, 403), form={"county": "01"}
    ),
    # the draft has errors: refused for its answers, past the policy
    ("POST", "/notifications/drafts/{draft_id}/submit"): Probe(
        "/notifications/drafts/{dr}/submit", page(400, 404, 400, 403), form={}
    ),
    ("GET", "/notifications/drafts/{draft_id}/{page}"): Probe(
        f"/notifications/drafts/{{dr}}/{DRAFT_PAGE}", page(200, 404, 200, 403)
    ),
    ("POST", "/notifications/drafts/{draft_id}/{page}"): Probe(
        f"/notifications/drafts/{{dr}}/{DRAFT_PAGE}",
        page(303, 404, 303, 403),
        form={"action": "leave", "county": "01"},
    ),
    ("POST", "/notifications/drafts/{draft_id}/{page}/fields"): Probe(
        f"/notifications/drafts/{{dr}}/{DRAFT_PAGE}/fields",
        page(200, 404, 200, 403),
        form={"changed": "county", "county": "01"},
    ),
}


def app_routes(settings: Settings) -> set[tuple[str, str]]:
    """(method, path) of every route of the application, as it is built for serving."""
    found = set()
    for route in create_app(settings).routes:
        if isinstance(route, Mount):
            found.add(("GET", route.path))
            continue
        # FastAPI 0.16x keeps an included router as one entry that yields its routes
        contexts = getattr(route, "effective_route_contexts", None)
        flat = (
            [(c.path, c.original_route) for c in contexts()] if contexts else [(route.path, route)]
        )
        for path, original in flat:
            for method in getattr(original, "methods", None) or ():
                if method != "HEAD":  # answered by the GET route
                    found.add((method, path))
    return found


def test_every_route_has_a_row(web_data):
    routes = app_routes(web_data.settings)
    assert routes - set(ROUTES) == set(), "routes without a row in ROUTES"
    assert set(ROUTES) - routes == set(), "rows of routes the application no longer has"


@pytest.fixture(scope="module")
def filled(web_server: Server) -> dict[str, Any]:
    mine = web_server.seeded.worlds["mine"]
    with web_server.client() as client:
        px = client.get("/api/v2/tables").json()["tables"][0]["id"]
        first_table = client.get(f"/statistics/{Q}").text
    # the first table page linked from the quarter's page
    marker = f'href="/statistics/{Q}/'
    start = first_table.index(marker) + len(marker)
    table = first_table[start : first_table.index('"', start)].split("/")[0]
    return {
        "d": mine["delivery"],
        "j": mine["job"],
        "n": mine["notification"],
        "dr": mine["draft"],
        "o": mine["oid"],
        "c": mine["county"],
        "b": mine["kanta_batch"],
        "qj": web_server.seeded.worlds["quarter_job"],
        "px": px,
        "t": table,
    }


def answer_of(web_server: Server, visitor: Visitor, who: str, probe: Probe, url: str) -> Any:
    client, csrf = visitor.client, visitor.csrf
    fresh = probe.fresh_session
    if fresh and who in PEOPLE:
        client = web_server.signed_in(PEOPLE[who])
        csrf = csrf_of(client.get("/").text)
    elif fresh:  # a copy, so that the visitor's own cookies outlive the request
        client = web_server.client(cookies=visitor.client.cookies, headers=visitor.client.headers)
    try:
        if probe.form is None and probe.json is None:
            answer = client.get(url)
        elif probe.json is not None:
            answer = client.post(url, json=probe.json)
        else:
            files = None
            if probe.upload:
                package = web_server.seeded.worlds["mine"]["package"]
                files = {"file": (package.name, package.read_bytes(), "application/zip")}
            form = {name: value.format(who=who) for name, value in probe.form.items()}
            answer = client.post(url, data={**form, "csrf_token": csrf}, files=files)
    finally:
        if fresh:
            client.close()
    if answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next="):
        return SIGN_IN
    return answer.status_code, answer


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_every_visitor_as_its_row_says(web_server, visitors, filled, route):
    probe = ROUTES[route]
    url = probe.url.format(**filled)
    got: dict[str, Any] = {}
    for who in VISITORS:
        outcome = answer_of(web_server, visitors[who], who, probe, url)
        if outcome == SIGN_IN:
            got[who] = SIGN_IN
            continue
        status, answer = outcome
        got[who] = status
        assert status < 500, (who, url, answer.text[:300])
        if who == OTHER and status == 404:
            # not found says nothing about whose it is (beyond the address asked for)
            said = answer.text.replace(url.split("?")[0], "")
            assert filled["o"] not in said, (url, answer.text[:300])
    assert got == probe.expected, url
