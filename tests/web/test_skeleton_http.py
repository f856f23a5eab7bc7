"""The portal's skeleton over HTTP against a real server: security headers, sign-in, sessions,
CSRF, throttling, API tokens, languages, no third-party assets."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import httpx
import pytest
from webharness import ANNA, BERTIL, DORA, KEEPER, ORGANISER_A, Person, csrf_of

from sosdata.app import Role
from sosdata.register.accounts import (
    MAX_FAILURES_PER_CLIENT,
    MAX_FAILURES_PER_USER,
    THROTTLE_WINDOW,
)

pytestmark = pytest.mark.xdist_group("web_skeleton_http")


def test_every_response_carries_the_security_headers(web_server):
    with web_server.client() as client:
        for path in ("/", "/sign-in", "/static/sosdata.css", "/api/v1/health", "/no-such-page"):
            answer = client.get(path)
            csp = answer.headers["content-security-policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
            assert "unsafe-inline" not in csp, path
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert answer.headers["x-frame-options"] == "DENY", path
            assert answer.headers["referrer-policy"] == "same-origin", path


def test_pages_load_nothing_from_elsewhere_and_have_no_inline_script_or_style(web_server):
    with web_server.client() as client:
        html = client.get("/sign-in").text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<style" not in html and " style=" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/htmx.min.js" defer>']


def test_vendored_htmx_is_the_recorded_release(web_server):
    static = resources.files("sosdata.web").joinpath("static")
    table = static.joinpath("VENDORED.md").read_text()
    recorded = re.search(r"SHA-256 ([0-9a-f]{64})", table)
    assert recorded is not None
    with web_server.client() as client:
        served = client.get("/static/htmx.min.js")
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == recorded.group(1)
    assert "2.0." in table and "0BSD" in table


def test_openapi_document_is_served_and_docs_pages_that_use_a_cdn_are_not(web_server):
    with web_server.client() as client:
        document = client.get("/api/v1/openapi.json").json()
        assert "/api/v1/me" in document["paths"]
        assert not any(not p.startswith("/api/") for p in document["paths"])
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404


def test_sign_in_sets_a_protected_session_cookie_and_sign_out_ends_it(web_server):
    with web_server.signed_in_client(ANNA) as client:
        cookie = next(c for c in client.cookies.jar if c.name == "sosdata_session")
        assert cookie.has_nonstandard_attr("HttpOnly")
        assert cookie.get_nonstandard_attr("SameSite").lower() == "lax"
        assert cookie.expires is not None
        assert client.get("/api/v1/me").json()["user_id"] == ANNA.user_id
        home = client.get("/").text
        assert ANNA.user_id in home
        client.post("/sign-out", data={"csrf_token": csrf_of(home)})
        assert client.get("/api/v1/me").status_code == 401


def test_a_stolen_cookie_is_useless_after_sign_out(web_server):
    with web_server.signed_in_client(BERTIL) as client:
        secret = client.cookies["sosdata_session"]
        client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/").text)})
    with web_server.client(cookies={"sosdata_session": secret}) as thief:
        assert thief.get("/api/v1/me").status_code == 401


def test_forms_without_the_csrf_token_are_refused(web_server):
    with web_server.client() as client:
        client.get("/sign-in")
        answer = client.post("/sign-in", data={"user_id": ANNA.user_id, "password": ANNA.password})
        assert answer.status_code == 403
        wrong = client.post(
            "/sign-in",
            data={"user_id": ANNA.user_id, "password": ANNA.password, "csrf_token": "forged"},
        )
        assert wrong.status_code == 403
    with web_server.signed_in_client(KEEPER) as signed:
        assert signed.post("/language", data={"lang": "sv"}).status_code == 403


def test_wrong_password_and_disabled_user_get_the_same_answer(web_server):
    for user_id, password in ((ANNA.user_id, "not-the-password"), (DORA.user_id, DORA.password)):
        with web_server.client() as client:
            csrf = csrf_of(client.get("/sign-in").text)
            answer = client.post(
                "/sign-in", data={"user_id": user_id, "password": password, "csrf_token": csrf}
            )
            assert answer.status_code == 401
            assert "sosdata_session" not in answer.cookies


def test_sign_in_is_throttled_after_repeated_failures(web_server):
    # an unknown user id: the other tests' users stay usable
    with web_server.client() as client:
        csrf = csrf_of(client.get("/sign-in").text)
        codes = [
            client.post(
                "/sign-in",
                data={"user_id": "guesser", "password": f"guess-{i}", "csrf_token": csrf},
            ).status_code
            for i in range(6)
        ]
        assert codes == [401] * 5 + [429]
        answer = client.post(
            "/sign-in", data={"user_id": "guesser", "password": "x", "csrf_token": csrf}
        )
        assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0


def _from_address(web_server, address: str) -> httpx.Client:
    """A client whose requests come from another loopback address (the server sees it as the
    client's address, as it would a remote one)."""
    return web_server.client(transport=httpx.HTTPTransport(local_address=address))


def _attempt(client: httpx.Client, user_id: str, password: str) -> httpx.Response:
    csrf = csrf_of(client.get("/sign-in").text)
    return client.post(
        "/sign-in", data={"user_id": user_id, "password": password, "csrf_token": csrf}
    )


def _new_user(web_server, user_id: str) -> Person:
    person = Person(user_id, f"{user_id}-password", ORGANISER_A)
    register = web_server.register
    keeper = register.actor(KEEPER.user_id)
    register.add_user(keeper, person.user_id, role=Role.ORGANISER, organiser=ORGANISER_A)
    register.set_password(keeper, person.user_id, person.password)
    return person


def test_a_guessed_user_is_locked_even_for_the_right_password_from_anywhere(web_server):
    tess = _new_user(web_server, "tess.throttled")
    with _from_address(web_server, "127.0.0.2") as guesser:
        codes = [
            _attempt(guesser, tess.user_id, f"guess-{i}").status_code
            for i in range(MAX_FAILURES_PER_USER)
        ]
        assert codes == [401] * MAX_FAILURES_PER_USER
        refused = _attempt(guesser, tess.user_id, tess.password)
    assert refused.status_code == 429 and "sosdata_session" not in refused.cookies
    retry_after = int(refused.headers["retry-after"])
    assert 0 < retry_after <= THROTTLE_WINDOW.total_seconds() + 1
    # the user itself, from its own address, waits out the same window: the lock is per user
    with _from_address(web_server, "127.0.0.3") as owner:
        answer = _attempt(owner, tess.user_id, tess.password)
    assert answer.status_code == 429 and "sosdata_session" not in answer.cookies


def test_one_address_guessing_many_users_is_locked_out_and_others_are_not(web_server):
    uma = _new_user(web_server, "uma.unlucky")
    with _from_address(web_server, "127.0.0.4") as sprayer:
        codes = [
            _attempt(sprayer, f"sprayed-{i}", "password-1234").status_code
            for i in range(MAX_FAILURES_PER_CLIENT)
        ]
        assert codes == [401] * MAX_FAILURES_PER_CLIENT
        # a right password from that address is refused too while the window lasts
        refused = _attempt(sprayer, uma.user_id, uma.password)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    with _from_address(web_server, "127.0.0.5") as elsewhere:
        assert _attempt(elsewhere, uma.user_id, uma.password).status_code == 303


@pytest.mark.parametrize(
    ("token", "status"),
    [("anna.a", 200), ("revoked", 401), ("dora.disabled", 401), ("sosd_made-up", 401), (None, 401)],
)
def test_api_tokens(web_server, token, status):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + web_server.seeded.tokens.get(token, token)
    with web_server.client(headers=headers) as client:
        answer = client.get("/api/v1/me")
    assert answer.status_code == status
    if status == 200:
        assert answer.json() == {
            "user_id": "anna.a",
            "role": "organiser",
            "organiser": ANNA.organiser,
        }
    else:
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("accept", "lang", "text"),
    [
        ("sv-FI,sv;q=0.9,en;q=0.5", "sv", "Logga in"),
        ("en-GB,en;q=0.8", "en", "Sign in"),
        ("de-DE,de;q=0.9", "fi", "Kirjaudu sisään"),
        ("de, en;q=0.4, fi;q=0.6", "fi", "Kirjaudu sisään"),
    ],
)
def test_language_follows_the_browser_before_sign_in(web_server, accept, lang, text):
    with web_server.client(headers={"Accept-Language": accept}) as client:
        html = client.get("/sign-in").text
    assert f'<html lang="{lang}">' in html and text in html


def test_a_chosen_language_is_stored_for_the_user(web_server):
    with web_server.signed_in_client(BERTIL) as client:
        home = client.get("/").text
        answer = client.post(
            "/language", data={"lang": "sv", "next": "/", "csrf_token": csrf_of(home)}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"
    # a new session, a browser that prefers English: the stored choice wins
    with web_server.signed_in_client(BERTIL) as client:
        client.headers["Accept-Language"] = "en"
        assert '<html lang="sv">' in client.get("/").text


def test_the_language_switch_never_redirects_off_site(web_server):
    with web_server.client() as client:
        csrf = csrf_of(client.get("/").text)
        answer = client.post(
            "/language", data={"lang": "en", "next": "//evil.example/", "csrf_token": csrf}
        )
    assert answer.headers["location"] == "/"


def test_unknown_pages_answer_404_in_the_visitors_language(web_server):
    with web_server.client(headers={"Accept-Language": "sv"}) as client:
        answer = client.get("/nothing/here")
        assert answer.status_code == 404 and "Sidan hittades inte" in answer.text
        assert client.get("/api/v1/nothing").json() == {"detail": "Not Found"}
