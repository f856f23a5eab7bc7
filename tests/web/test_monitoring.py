"""The keeper's monitoring page in a real browser: the matrix with labelled states, filters,
links to deliveries, downloads, and the reminder button sending through a real SMTP server."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest
from webharness import ANNA, KEEPER, ORGANISER_A, ORGANISER_B, Seeded, seed

from monitoring_world import GROUPS, Q1, seed_quarter, smtp_server
from sosdata.config import SmtpSettings

pytestmark = pytest.mark.xdist_group("web_monitoring")

PAGE = f"/keeper/monitoring?quarter={Q1}"


@pytest.fixture(scope="module")
def inbox():
    with smtp_server() as found:
        yield found


@pytest.fixture(scope="module")
def web_data(tmp_path_factory, inbox) -> Seeded:
    """The seeded register with the quarter's notifications and deliveries; the quarter's
    deadline has passed, so organiser B's delivery is late and child welfare is missing."""
    folder = tmp_path_factory.mktemp("monitoring")
    seeded = seed(folder / "data")
    seeded.settings = dataclasses.replace(
        seeded.settings,
        smtp=SmtpSettings(host="127.0.0.1", port=inbox.port, sender="sosdata@thl.example"),
    )
    seed_quarter(seeded.settings, KEEPER.user_id, folder / "world", late=True)
    return seeded


def test_matrix_filters_labels_links_and_download(
    page, sign_in, axe_check, screenshot, web_server
) -> None:
    sign_in(page, KEEPER, PAGE)
    matrix = page.locator("table.matrix")
    missing = matrix.locator("td[data-state=missing]").first
    assert missing.locator(".state-label").inner_text() == "Puuttuu"  # labelled, not colour
    late = matrix.locator("td[data-state=late]")
    assert late.count() == 1 and "Myöhässä" in late.inner_text()
    assert matrix.locator("td[data-state=on_time]").count() == 1
    axe_check(page)
    screenshot(page, "monitoring")

    # organiser A's client periods came through Kanta too: the cell links to the batch
    page.locator("table.matrix a[href^='/keeper/monitoring/kanta/']").first.click()
    page.wait_for_url("**/keeper/monitoring/kanta/*")
    assert page.locator("h1").inner_text().startswith("Kanta-erä")
    assert ORGANISER_A in page.locator("table").inner_text()
    axe_check(page)
    page.go_back()

    # filters: organiser B only, then only the late cells
    page.locator("select[name=organiser]").select_option(ORGANISER_B)
    page.locator("form.filters button[type=submit]").first.click()
    page.wait_for_url("**organiser=*")
    groups = matrix.locator("tbody th[scope=row]")
    assert groups.count() == 1
    assert page.locator("tbody tr td").nth(0).inner_text() == GROUPS["02"][1]
    page.locator("select[name=state]").select_option("late")
    page.locator("form.filters button[type=submit]").first.click()
    page.wait_for_url("**state=late*")
    assert matrix.locator("td[data-state]").count() == 1
    assert matrix.locator("td[data-state=missing]").count() == 0

    # the download of what is shown
    with page.expect_download() as info:
        page.get_by_role("link", name="matriisi (CSV)").click()
    text = info.value.path().read_text(encoding="utf-8")
    header, *rows = text.strip().splitlines()
    assert header.split(";")[:3] == ["quarter", "organiser", "organiser_name"]
    assert len(rows) == 1 and ";late;" in rows[0] and ORGANISER_B in rows[0]

    # the late cell links to its delivery
    late.locator("a").first.click()
    page.wait_for_url("**/deliveries/*")
    assert page.locator("h1").inner_text()


def test_reminder_button_sends_once(page, sign_in, inbox, web_server) -> None:
    sign_in(page, KEEPER, PAGE)
    page.get_by_role("button", name="Lähetä muistutukset 2023Q1").click()
    page.wait_for_url("**sent=*")
    assert "2 muistutusta lähetetty" in page.locator("#main [role=status]").inner_text()
    assert {m["To"] for m in inbox.messages} == {"anna@example.fi", "bertil@example.fi"}
    languages = {m["To"]: m["Content-Language"] for m in inbox.messages}
    assert languages == {"anna@example.fi": "sv", "bertil@example.fi": "en"}
    # a second click sends nothing new
    page.get_by_role("button", name="Lähetä muistutukset 2023Q1").click()
    page.wait_for_url("**already=2*")
    assert len(inbox.messages) == 2
    assert page.locator("#reminders ~ table tbody tr").count() == 2


def test_downloads_and_refusals_over_http(web_server) -> None:
    with web_server.signed_in_client(KEEPER) as client:
        answer = client.get(f"/keeper/monitoring/non-submitters.xlsx?quarter={Q1}")
        assert answer.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        sheet = book["matrix"]
        header = [c.value for c in sheet[1]]
        states = {row[header.index("delivery")] for row in sheet.iter_rows(2, values_only=True)}
        assert states and states <= {"missing", "pending", "rejected"}
        # several quarters: rows per quarter, organiser and group, a quarter column in the CSV
        several = client.get(f"/keeper/monitoring?since={Q1.previous()}&quarter={Q1}")
        assert several.status_code == 200 and '<th scope="col">Neljännes</th>' in several.text
        csv = client.get(f"/keeper/monitoring/matrix.csv?since={Q1.previous()}&quarter={Q1}")
        assert csv.status_code == 200 and csv.text.startswith("quarter;")
        assert client.get(f"/keeper/monitoring/other.csv?quarter={Q1}").status_code == 404
        assert client.get("/keeper/monitoring/kanta/999").status_code == 404
    with web_server.signed_in_client(ANNA) as client:
        # organisers see no keeper page and send no reminders
        assert client.get(PAGE).status_code == 403
        page = client.get("/deliveries")
        from webharness import csrf_of

        refused = client.post(
            "/keeper/reminders", data={"quarter": str(Q1), "csrf_token": csrf_of(page.text)}
        )
        assert refused.status_code == 403
