"""The quarter's life on the web and the county's self-check, in a real browser over a real
server: the keeper builds and publishes as jobs with progress, approves (a delivery sent after
approval is stored but not used by a rebuild), reopens with a reason (audited) and reads the
revision history; an organiser's user reads its own self-check (and gets 404 for another's)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from pathlib import Path

import pytest
from webharness import ANNA, BERTIL, KEEPER, ORGANISER_A, ORGANISER_B, Seeded, delivery_zip, seed

from sosdata import organisers
from sosdata.app import Register
from sosdata.periods import Quarter
from sosdata.register import build
from sosdata.statistics import tables

pytestmark = pytest.mark.xdist_group("web_quarters")

Q = Quarter.parse("2023Q2")
WAIT = 120_000  # ms: builds and publications on a shared machine


def quarter_delivery(folder: Path, organiser: str, quarter: Quarter, clients: int, first: int = 0):
    """A delivery of ``clients`` synthetic clients (temporary identity codes) for ``quarter``."""
    delivery_zip(
        folder, organiser, clients=clients, bad_checksums=0, unknown_municipalities=0, first=first
    )
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["seurantajakso"] = str(quarter)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return Path(shutil.make_archive(str(folder), "zip", folder))


@pytest.fixture(scope="module")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """Organiser A: 40 clients in 2023Q1 (published) and 70 in 2023Q2 (built); B: 30 in 2023Q2."""
    tmp = tmp_path_factory.mktemp("quarters")
    seeded = seed(tmp / "data")
    with Register(seeded.settings, purpose="web test set-up") as register:
        keeper = register.actor(KEEPER.user_id)
        # B's clients are other people than A's: a person is counted in one county only (its
        # latest home), so shared clients would keep A's county at 40 in both quarters
        for name, org, quarter, clients, first in (
            ("a4", ORGANISER_A, Q.previous(), 40, 0),
            ("a1", ORGANISER_A, Q, 70, 0),
            ("b1", ORGANISER_B, Q, 30, 50),
        ):
            register.submit(keeper, quarter_delivery(tmp / name, org, quarter, clients, first))
        register.build(keeper, Q.previous())
        register.publish(keeper, Q.previous())
        register.build(keeper, Q)
    return seeded


def _wait_done(page) -> None:
    page.locator("#job-progress p[role=status]").wait_for(timeout=WAIT)


def test_keeper_builds_approves_reopens_and_publishes(
    web_server, page, sign_in, axe_check, screenshot, tmp_path
) -> None:
    sign_in(page, KEEPER, f"/keeper/quarters/{Q}")
    assert page.locator("#quarter-state").get_attribute("data-state") == "built"
    # build as a job: the job page shows progress, then the result
    page.locator("#build").click()
    page.wait_for_url(f"**/keeper/quarters/{Q}/jobs/*")
    _wait_done(page)
    assert page.locator("#job-progress progress").count() == 0  # finished: no bar
    screenshot(page, "quarter-build-job")
    page.goto(f"/keeper/quarters/{Q}")
    page.locator("#approve").click()
    page.wait_for_url(f"**/keeper/quarters/{Q}")
    assert page.locator("#quarter-state").get_attribute("data-state") == "approved"
    assert page.locator("#reopen").is_visible()
    axe_check(page)
    screenshot(page, "quarter-approved")

    # organiser A sends a corrected delivery after approval, through the API
    package = quarter_delivery(tmp_path / "late", ORGANISER_A, Q, 90, first=5)
    token = web_server.seeded.tokens[ANNA.user_id]
    with web_server.client(headers={"Authorization": f"Bearer {token}"}) as api:
        with package.open("rb") as f:
            started = api.post("/api/v1/deliveries", files={"file": (package.name, f)})
        assert started.status_code == 202, started.text
        for _ in range(600):
            job = api.get(started.json()["job"]).json()
            if job["state"] in ("done", "failed"):
                break
            time.sleep(0.2)
        assert job["state"] == "done" and job["result"]["status"] == "accepted", job
        late = job["result"]["delivery_id"]

    # a rebuild of the locked quarter does not use it
    page.locator("#build").click()
    _wait_done(page)
    reg = web_server.register
    current = build.current_build(reg.cursor(), Q)
    assert current is not None and late not in current["summary"]["deliveries"]
    assert "locked" in page.locator("#job-progress").inner_text()

    # published from the approved build (the job shows its progress, then the result)
    page.goto(f"/keeper/quarters/{Q}")
    page.locator("#publish").click()
    _wait_done(page)
    screenshot(page, "quarter-publish-job")

    # reopened with a reason (audited): the next build uses the later delivery
    page.goto(f"/keeper/quarters/{Q}")
    page.locator("#reason").fill("corrected figures from organiser A")
    page.locator("#reopen").click()
    page.wait_for_url(f"**/keeper/quarters/{Q}")
    assert "corrected figures from organiser A" in page.locator("#history").inner_text()
    audit = reg.audit_log(reg.actor(KEEPER.user_id)).filter(action="reopen")
    assert audit["reason"].to_list() == ["corrected figures from organiser A"]
    page.locator("#build").click()
    _wait_done(page)
    current = build.current_build(reg.cursor(), Q)
    assert current is not None and late in current["summary"]["deliveries"]
    page.goto(f"/keeper/quarters/{Q}")
    page.locator("#publish").click()
    _wait_done(page)

    # the revision history: which cells changed between the two publications, labelled
    page.goto(f"/keeper/quarters/{Q}/revisions")
    heading = page.locator("#changes-heading").inner_text()
    changes = page.locator("#changes tbody tr")
    assert changes.count() > 0, heading
    listed = reg.publications(reg.actor(KEEPER.user_id)).filter(quarter=str(Q))
    newer, older = listed["publication_id"].to_list()[:2]
    expected = reg.revision(reg.actor(KEEPER.user_id), older, newer)
    assert changes.count() == min(expected.height, 1000)
    assert str(expected.height) in heading
    assert "\x1f" not in page.locator("#changes").inner_text()
    axe_check(page)
    screenshot(page, "quarter-revisions")
    history = reg.quarter_history(reg.actor(KEEPER.user_id), Q)["action"].to_list()
    assert history == [
        *["build", "build", "approve", "build", "publish"],
        *["reopen", "build", "approve", "publish"],
    ]


def test_a_build_job_without_javascript_refreshes_until_done(web_server, new_page, sign_in) -> None:
    page = new_page(java_script_enabled=False)
    sign_in(page, KEEPER, f"/keeper/quarters/{Q.next()}")
    page.locator("#build").click()
    page.wait_for_url(f"**/keeper/quarters/{Q.next()}/jobs/*")
    _wait_done(page)  # only the page's own refresh can get it there


def test_the_self_check_of_an_organisers_user(
    web_server, page, sign_in, axe_check, screenshot
) -> None:
    sign_in(page, ANNA, "/self-check")
    page.locator("#quarter").fill(str(Q))
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"**/self-check/{ORGANISER_A}/{Q}")
    assert page.locator("#self-check-table tbody tr").count() > 0
    assert page.locator("#sources tbody tr").count() >= 1
    # the organiser's clients grew from 40 to 70 or more: flagged as a large change
    page.locator("#table").select_option("persons_county")
    page.locator("form.inline button").click()
    page.wait_for_url("**table=persons_county")
    assert page.locator("#self-check-table tr.flagged").count() > 0
    axe_check(page)
    screenshot(page, "self-check")


def test_the_self_check_download_shows_only_the_own_area_suppressed(web_server) -> None:
    org = organisers.load().get(ORGANISER_A)
    assert org is not None
    own_areas = {org.county, *org.municipalities}
    with web_server.signed_in_client(ANNA) as client:
        answer = client.get(f"/self-check/{ORGANISER_A}/{Q}/download.csv")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        xlsx = client.get(f"/self-check/{ORGANISER_A}/{Q}/download.xlsx")
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows and {r["table"] for r in rows} >= {"clients_county", "clients_organiser"}
    reg = web_server.register
    check = reg.self_check(reg.actor(KEEPER.user_id), ORGANISER_A, Q)
    assert len(rows) == sum(t.rows.height for t in check.tables)
    # the same text as the statistics computed from the same build, for the own area only
    computed = {
        t.id: t for t in tables.compute(reg.cursor(), Q, web_server.settings, with_trend=False)
    }
    for table in check.tables:
        area = "jarjestaja" if "jarjestaja" in table.rows.columns else "alue"
        own = {ORGANISER_A} if area == "jarjestaja" else own_areas
        full = computed[table.id].full()
        expected = full.filter(full[area].is_in(list(own)))
        assert table.rows.height > 0 and set(table.rows[area]) <= own
        assert table.rows["shown"].to_list() == expected["shown"].to_list(), table.id
        # a suppressed cell shows as ``..`` and nothing else
        hidden = expected.filter(expected["status"].is_not_null())["shown"].unique().to_list()
        assert hidden in ([], [".."])


def test_another_organisers_self_check_is_not_found(web_server) -> None:
    with web_server.signed_in_client(ANNA) as client:
        for path in (
            f"/self-check/{ORGANISER_B}/{Q}",
            f"/self-check/{ORGANISER_B}/{Q}/download.csv",
            f"/self-check/{ORGANISER_B}/{Q}/download.xlsx",
        ):
            assert client.get(path).status_code == 404, path
        assert client.get(f"/keeper/quarters/{Q}").status_code == 403
    with web_server.signed_in_client(BERTIL) as client:
        assert client.get(f"/self-check/{ORGANISER_B}/{Q}").status_code == 200
        later = client.get(f"/self-check/{ORGANISER_B}/{Q.next().next()}")
        assert later.status_code == 200 and 'id="not-built"' in later.text
