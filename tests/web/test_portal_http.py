"""The portal and the API over HTTP against a real server: upload, jobs, reports, history, the
size limit, and another organiser's deliveries answering 404 everywhere."""

from __future__ import annotations

import csv
import io
import re
import socket
import time
from pathlib import Path

import pytest
from webharness import (
    ANNA,
    BERTIL,
    KEEPER,
    ORGANISER_A,
    ORGANISER_B,
    Seeded,
    csrf_of,
    delivery_zip,
    seed,
)

pytestmark = pytest.mark.xdist_group("web_portal_http")

#: a full identity code (of any century sign): never on a page or in a download
FULL_CODE = re.compile(r"\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b")


@pytest.fixture(scope="module")
def web_data(tmp_path_factory) -> Seeded:
    seeded = seed(tmp_path_factory.mktemp("portal") / "data")
    # a small limit, so that the test of HTTP 413 sends little
    seeded.settings = seeded.settings.__class__(**{**vars(seeded.settings), "upload_limit_mb": 1})
    return seeded


def _wait(client, job_id: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = client.get(f"/api/v1/jobs/{job_id}").json()
        if state["state"] in ("done", "failed") or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def _api(web_server, person):
    return web_server.client(
        headers={"Authorization": f"Bearer {web_server.seeded.tokens[person.user_id]}"}
    )


def _send(client, path: Path, **form) -> dict:
    with path.open("rb") as f:
        answer = client.post(
            "/api/v1/deliveries", files={"file": (path.name, f, "application/zip")}, data=form
        )
    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert started["job"] == f"/api/v1/jobs/{started['job_id']}"
    return _wait(client, started["job_id"]) | {"job_id": started["job_id"]}


@pytest.fixture(scope="module")
def sent(web_server, tmp_path_factory):
    """Anna's organiser: a rejected delivery, then two accepted ones (the second replaces the
    first); Bertil's organiser: one accepted delivery."""
    tmp = tmp_path_factory.mktemp("files")
    out = {}
    with _api(web_server, ANNA) as anna:
        out["rejected"] = _send(anna, delivery_zip(tmp / "rejected", ORGANISER_A))
        for name, first in (("accepted", 0), ("replacing", 40)):
            package = delivery_zip(
                tmp / name,
                ORGANISER_A,
                clients=100,
                bad_checksums=2,
                unknown_municipalities=1,
                first=first,
            )
            out[name] = _send(anna, package)
    with _api(web_server, BERTIL) as bertil:
        package = delivery_zip(
            tmp / "bertil", ORGANISER_B, clients=50, bad_checksums=1, unknown_municipalities=0
        )
        out["bertil"] = _send(bertil, package)
    for name, state in out.items():
        assert state["state"] == "done", (name, state)
    return out


def test_api_upload_runs_as_a_job_and_stores_the_delivery(web_server, sent):
    rejected, accepted = sent["rejected"], sent["accepted"]
    assert rejected["kind"] == "submit" and rejected["result"]["status"] == "rejected"
    assert accepted["result"]["status"] == "accepted"
    assert accepted["stage"] and accepted["finished_at"]
    with _api(web_server, ANNA) as anna:
        facts = anna.get(f"/api/v1/deliveries/{accepted['result']['delivery_id']}").json()
    assert facts["status"] == "accepted" and facts["organiser"] == ORGANISER_A
    assert facts["counts"]["HETU_CHECKSUM"] == 2 and facts["counts"]["MUNICIPALITY_UNKNOWN"] == 1
    (part,) = facts["components"]
    assert (part["rows"], part["accepted_rows"], part["rejected_rows"]) == (100, 97, 3)


def test_issues_are_filtered_sorted_and_paged(web_server, sent):
    delivery = sent["rejected"]["result"]["delivery_id"]
    with _api(web_server, ANNA) as anna:
        base = f"/api/v1/deliveries/{delivery}/issues"
        everything = anna.get(base, params={"limit": 1000}).json()
        checksums = anna.get(base, params={"rule": "HETU_CHECKSUM"}).json()
        by_line_desc = anna.get(
            base, params={"severity": "error", "sort": "line", "descending": True}
        ).json()
        second_page = anna.get(base, params={"limit": 10, "offset": 10}).json()
    assert everything["matching"] == len(everything["issues"]) > 40
    assert checksums["matching"] == 3
    assert [i["line"] for i in checksums["issues"]] == [2, 3, 4]
    assert {i["column"] for i in checksums["issues"]} == {"henkilotunnus"}
    lines = [i["line"] for i in by_line_desc["issues"] if i["line"] is not None]
    assert lines == sorted(lines, reverse=True) and lines[0] == 6
    assert second_page["issues"] == everything["issues"][10:20]
    assert not FULL_CODE.search(str(everything))


@pytest.mark.parametrize(
    ("accept", "says"),
    [
        ("fi", "tarkistusmerkki ei täsmää"),
        ("sv", "kontrolltecknet stämmer inte"),
        ("en", "the check character does not match"),
    ],
)
def test_issues_are_told_in_the_language_the_client_accepts(web_server, sent, accept, says):
    """Stored once, in no language: each reader gets the messages in theirs."""
    delivery = sent["rejected"]["result"]["delivery_id"]
    with _api(web_server, ANNA) as anna:
        anna.headers["Accept-Language"] = accept
        found = anna.get(
            f"/api/v1/deliveries/{delivery}/issues", params={"rule": "HETU_CHECKSUM"}
        ).json()
    messages = [i["message"] for i in found["issues"]]
    assert len(messages) == 3 and all(says in m for m in messages), messages
    assert not FULL_CODE.search(str(messages))


def test_a_dry_run_checks_and_stores_nothing(web_server, sent, tmp_path):
    with _api(web_server, ANNA) as anna:
        before = anna.get("/api/v1/deliveries").json()
        package = delivery_zip(tmp_path / "dry", ORGANISER_A, first=77)
        state = _send(anna, package, dry_run="true")
        after = anna.get("/api/v1/deliveries").json()
    assert state["state"] == "done" and state["kind"] == "validate"
    assert state["result"]["accepted"] is False
    assert state["result"]["counts"]["HETU_CHECKSUM"] == 3
    assert after == before


def test_history_shows_own_deliveries_and_what_replaced_what(web_server, sent):
    accepted = sent["accepted"]["result"]["delivery_id"]
    replacing = sent["replacing"]["result"]["delivery_id"]
    with _api(web_server, ANNA) as anna:
        listed = {d["delivery_id"]: d for d in anna.get("/api/v1/deliveries").json()}
    assert {d["organiser"] for d in listed.values()} == {ORGANISER_A}
    assert listed[accepted]["replaced_by"] == str(replacing)
    assert listed[replacing]["in_force"] == "asiakkuusjaksot"
    with web_server.signed_in_client(ANNA) as client:
        page = client.get("/deliveries").text
    assert f'href="/deliveries/{replacing}"' in page and ORGANISER_B not in page
    with web_server.signed_in_client(KEEPER) as client:
        page = client.get("/deliveries").text
    assert ORGANISER_A in page and ORGANISER_B in page


def test_report_page_and_downloads(web_server, sent):
    delivery = sent["rejected"]["result"]["delivery_id"]
    with web_server.signed_in_client(ANNA) as client:
        # the stored language (from the first sign-in) wins over the browser's: switch it
        csrf = csrf_of(client.get("/").text)
        client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf})
        page = client.get(f"/deliveries/{delivery}", params={"rule": "HETU_CHECKSUM"}).text
        assert "The delivery was rejected" in page
        assert "3 issues match; page 1 of 1." in page
        assert "The check character of the identity code does not match" in page or "HETU" in page
        assert not FULL_CODE.search(page)
        csv_answer = client.get(
            f"/deliveries/{delivery}/issues.csv", params={"rule": "HETU_CHECKSUM"}
        )
        assert "attachment" in csv_answer.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(csv_answer.text), delimiter=";"))
        assert [r["line"] for r in rows] == ["2", "3", "4"]
        assert all("the check character does not match" in r["message"] for r in rows)
        report = client.get(f"/deliveries/{delivery}/report.json").json()
        assert report["counts"]["HETU_CHECKSUM"] == 3
        html = client.get(f"/deliveries/{delivery}/report.html").text
        assert "HETU_CHECKSUM" in html and not FULL_CODE.search(html)
        second = client.get(f"/deliveries/{delivery}", params={"page": "2"}).text
        assert "page 2 of" in second


def test_the_upload_form_works_without_javascript(web_server, tmp_path):
    package = delivery_zip(tmp_path / "form", ORGANISER_A, first=55)
    with web_server.signed_in_client(ANNA) as client:
        csrf = csrf_of(client.get("/deliveries/new").text)
        with package.open("rb") as f:
            answer = client.post(
                "/deliveries",
                data={"csrf_token": csrf, "dry_run": "on"},
                files={"file": (package.name, f, "application/zip")},
            )
        assert answer.status_code == 303
        job_page = answer.headers["location"]
        first = client.get(job_page).text
        if "hx-get" in first:  # still running: the page refreshes itself without JavaScript
            assert '<noscript><meta http-equiv="refresh"' in first
        job_id = int(job_page.rsplit("/", 1)[1])
        assert _wait(client, job_id)["state"] == "done"
        done = client.get(job_page).text
        assert "hx-get" not in done and "refresh" not in done
        assert "HETU_CHECKSUM" in done


def test_the_api_takes_uploads_with_a_token_only(web_server, tmp_path):
    """A session cookie reads the API but cannot send to it (another site's form could)."""
    package = delivery_zip(tmp_path / "cookie", ORGANISER_A, first=33)
    with web_server.signed_in_client(ANNA) as client, package.open("rb") as f:
        assert client.get("/api/v1/deliveries").status_code == 200
        answer = client.post(
            "/api/v1/deliveries", files={"file": (package.name, f, "application/zip")}
        )
    assert answer.status_code == 401


def test_uploads_past_the_limit_are_refused_with_413(web_server, tmp_path):
    big = tmp_path / "big.zip"
    big.write_bytes(b"x" * (2 * 1024 * 1024))
    with _api(web_server, ANNA) as anna, big.open("rb") as f:
        answer = anna.post("/api/v1/deliveries", files={"file": ("big.zip", f, "application/zip")})
    assert answer.status_code == 413 and "1 MB" in answer.json()["detail"]

    def chunks():  # no Content-Length: cut off while streaming
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'
        for _ in range(40):
            yield b"y" * 65536

    with _api(web_server, ANNA) as anna:
        answer = anna.post(
            "/api/v1/deliveries",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
    assert answer.status_code == 413
    uploads = web_server.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def _raw_upload(web_server, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """Send a request's head and ``body`` (the start of a larger one, never finished) on a raw
    socket, and read what the server answers meanwhile: a server that waited for the whole body
    would answer nothing before the timeout."""
    host, port = web_server.base_url.removeprefix("http://").split(":")
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            received = sock.recv(65536)
            if not received:
                break
            answer += received
    return answer


MULTIPART = "multipart/form-data; boundary=b"
FILE_PART = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'


def test_a_body_announced_past_the_limit_is_refused_before_any_of_it_is_sent(web_server):
    token = web_server.seeded.tokens[ANNA.user_id]
    with web_server.signed_in_client(ANNA) as client:
        session = client.cookies["sosdata_session"]
    ten_gigabytes = str(10 * 1024**3)
    for path, headers in (
        ("/api/v1/deliveries", {"Authorization": f"Bearer {token}"}),
        ("/deliveries", {"Cookie": f"sosdata_session={session}"}),  # the page's form
    ):
        answer = _raw_upload(
            web_server,
            path,
            {**headers, "Content-Type": MULTIPART, "Content-Length": ten_gigabytes},
            b"",
        )
        assert answer.startswith(b"HTTP/1.1 413 "), (path, answer[:200])


def test_a_streamed_body_is_cut_off_at_the_limit_without_waiting_for_the_rest(web_server):
    token = web_server.seeded.tokens[ANNA.user_id]
    limit = web_server.settings.upload_limit_mb * 1024 * 1024
    past = limit + 128 * 1024  # the limit and the room for the form's envelope, and more
    chunks = FILE_PART + b"y" * past
    # chunked, and never ended: the server must answer from what it has read so far
    body = b"".join(
        b"%x\r\n%s\r\n" % (len(piece), piece)
        for piece in (chunks[i : i + 65536] for i in range(0, len(chunks), 65536))
    )
    answer = _raw_upload(
        web_server,
        "/api/v1/deliveries",
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": MULTIPART,
            "Transfer-Encoding": "chunked",
        },
        body,
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    with _api(web_server, ANNA) as anna:  # and the server goes on serving
        assert anna.get("/api/v1/me").status_code == 200
    uploads = web_server.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


# every page and endpoint of a delivery and of its job
DELIVERY_PAGES = (
    "/deliveries/{d}",
    "/deliveries/{d}?rule=HETU_CHECKSUM&page=2",
    "/deliveries/{d}/issues.csv",
    "/deliveries/{d}/report.json",
    "/deliveries/{d}/report.html",
    "/jobs/{j}",
    "/jobs/{j}/progress",
)
DELIVERY_API = (
    "/api/v1/deliveries/{d}",
    "/api/v1/deliveries/{d}/issues",
    "/api/v1/deliveries/{d}/issues?rule=HETU_CHECKSUM",
    "/api/v1/jobs/{j}",
)


@pytest.mark.parametrize("path", DELIVERY_PAGES + DELIVERY_API)
def test_another_organisers_delivery_is_404_everywhere(web_server, sent, path):
    target = sent["accepted"]
    filled = path.format(d=target["result"]["delivery_id"], j=target["job_id"])
    missing = path.format(d=999_999, j=999_999)
    with (
        web_server.signed_in_client(BERTIL) as session,
        _api(web_server, BERTIL) as token,
        web_server.signed_in_client(ANNA) as owner,
        web_server.signed_in_client(KEEPER) as keeper,
    ):
        for client in (session, token) if filled.startswith("/api/") else (session,):
            other = client.get(filled)
            assert other.status_code == 404, (filled, other.status_code)
            assert other.status_code == client.get(missing).status_code
            assert ORGANISER_A not in other.text and "asiakkuusjaksot" not in other.text
        assert owner.get(filled).status_code == 200
        assert keeper.get(filled).status_code == 200
    with web_server.client() as anonymous:
        answer = anonymous.get(filled)
        assert answer.status_code in (401, 303)
