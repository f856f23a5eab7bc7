"""Public statistics and the PxWeb API v2 over a running server (real uvicorn on loopback),
read by clients the project did not write: pxwebpy (PxWeb API v2), pyjstat and
jsonstat-validator (JSON-stat 2.0), pyaxis (PX) — and the public pages in a real browser with
axe-core. Every figure is compared with the CSV files the quarter's publication wrote."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import polars as pl
import pytest
from statistics_data import EARLIER, LATER, publish_two_quarters
from webharness import Seeded

pytestmark = pytest.mark.xdist_group("web_statistics")

#: small enough that the largest tables (municipality level) exceed it
MAX_CELLS = 20_000
TABLE = "clients_county"
API = "/api/v2"
FI = {"Cookie": "sosdata_lang=fi"}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("public")
    return publish_two_quarters(root / "data", root / "out")


@pytest.fixture(scope="module")
def web_data(published) -> Seeded:
    settings = dataclasses.replace(published.seeded.settings, pxweb_max_cells=MAX_CELLS)
    return Seeded(settings, published.seeded.tokens)


def _published_csv(published, quarter, table_id: str) -> pl.DataFrame:
    """The CSV file the publication wrote (Finnish labels): codes and the shown value."""
    path = published.csv[str(quarter)] / f"{table_id}_{quarter}_fi.csv"
    return pl.read_csv(path, separator=";", encoding="utf8", infer_schema=False)


def _csv_values(frame: pl.DataFrame, dims: list[str]) -> dict[tuple[str, ...], str]:
    return dict(zip(frame.select(dims).rows(), frame["Arvo"].to_list(), strict=True))


def _shown(value) -> str:
    """A value as the CSV shows it: ``..`` for a suppressed (missing) value."""
    if value is None or (isinstance(value, float) and value != value):
        return ".."
    return str(int(value))


# --- the PxWeb API, read by pxwebpy --------------------------------------------------------------


def test_pxwebpy_lists_the_tables_and_reads_one_equal_to_the_published_csv(
    web_server, published
) -> None:
    from pxweb import PxApi

    api = PxApi(web_server.base_url + API, language="fi", disable_cache=True)
    listed = {t["id"] for t in api.all_tables()}
    csv_files = {
        p.name.removesuffix("_fi.csv") for q in published.csv.values() for p in q.glob("*_fi.csv")
    }
    assert listed == csv_files and api.number_of_tables == len(csv_files)

    table_id = f"{TABLE}_{LATER}"
    variables = api.get_table_variables(table_id)
    rows = api.get_table_data_all(table_id, show="code")
    expected = _published_csv(published, LATER, TABLE)
    dims = [c for c in expected.columns if not c.endswith("_fi") and c != "Arvo"]
    labels = [variables[d]["label"] for d in dims]
    got = {tuple(r[label] for label in labels): _shown(r["value"]) for r in rows}
    assert got == _csv_values(expected, dims)
    assert ".." in got.values() and any(v not in ("..", "0") for v in got.values())


def test_pxwebpy_splits_a_table_past_the_cell_limit_and_gets_every_cell(
    web_server, published
) -> None:
    from pxweb import PxApi

    api = PxApi(web_server.base_url + API, language="en", disable_cache=True)
    assert api.get_config()["maxDataCells"] == MAX_CELLS
    table_id = f"periods_municipality_{LATER}"
    rows = api.get_table_data_all(table_id, show="code")
    expected = _published_csv(published, LATER, "periods_municipality")
    assert expected.height > MAX_CELLS and len(rows) == expected.height
    dims = [c for c in expected.columns if not c.endswith("_fi") and c != "Arvo"]
    labels = [api.get_table_variables(table_id)[d]["label"] for d in dims]
    got = {tuple(r[label] for label in labels): _shown(r["value"]) for r in rows}
    assert got == _csv_values(expected, dims)


# --- the API's own answers -----------------------------------------------------------------------


def test_tables_search_and_paging(web_server) -> None:
    with web_server.client() as client:
        everything = client.get(f"{API}/tables", params={"pageSize": 1000}).json()
        total = everything["page"]["totalElements"]
        assert total == len(everything["tables"]) and total > 10
        first = client.get(f"{API}/tables", params={"pageSize": 5, "pageNumber": 1}).json()
        second = client.get(f"{API}/tables", params={"pageSize": 5, "pageNumber": 2}).json()
        assert first["page"]["totalPages"] == -(-total // 5)
        assert [t["id"] for t in first["tables"] + second["tables"]] == [
            t["id"] for t in everything["tables"][:10]
        ]
        assert any(link["rel"] == "next" for link in first["links"])
        found = client.get(
            f"{API}/tables", params={"query": f"municipality {EARLIER}", "lang": "en"}
        ).json()
        ids = [t["id"] for t in found["tables"]]
        assert ids and all(i.endswith(f"_municipality_{EARLIER}") for i in ids)
        one = client.get(f"{API}/tables/{TABLE}_{LATER}", params={"lang": "sv"}).json()
        assert one["language"] == "sv" and one["firstPeriod"] == str(LATER)
        trend = client.get(f"{API}/tables/trend_county_{LATER}").json()
        assert (trend["firstPeriod"], trend["lastPeriod"]) == (str(EARLIER), str(LATER))
        # a published table's own id is its latest quarter's
        assert client.get(f"{API}/tables/{TABLE}").json()["id"] == f"{TABLE}_{LATER}"


def test_get_with_valuecodes_and_post_with_a_selection_give_the_same_cells(
    web_server, published
) -> None:
    table_id = f"{TABLE}_{LATER}"
    with web_server.client() as client:
        got = client.get(
            f"{API}/tables/{table_id}/data",
            params={"valuecodes[alue]": "18,SSS", "valuecodes[palvelutehtava]": "*"},
        )
        posted = client.post(
            f"{API}/tables/{table_id}/data",
            json={
                "selection": [
                    {"variableCode": "alue", "valueCodes": ["SSS", "18"]},
                    {"variableCode": "palvelutehtava", "valueCodes": ["*"]},
                ]
            },
        )
    assert got.status_code == posted.status_code == 200, got.text
    dataset = got.json()
    assert dataset == posted.json()
    # sex and age group were left out: eliminated, their totals taken
    assert dataset["id"] == ["alue", "palvelutehtava"] and dataset["size"] == [2, 6]
    expected = _published_csv(published, LATER, TABLE).filter(
        pl.col("alue").is_in(["SSS", "18"]),
        pl.col("sukupuoli") == "SSS",
        pl.col("ikaryhma") == "SSS",
    )
    assert [_shown(v) for v in dataset["value"]] == expected["Arvo"].to_list()


def test_every_output_format_of_data(web_server, published) -> None:
    table_id = f"{TABLE}_{LATER}"
    expected = _published_csv(published, LATER, TABLE)
    with web_server.client() as client:
        csv = client.get(f"{API}/tables/{table_id}/data", params={"outputFormat": "csv"})
        px = client.get(f"{API}/tables/{table_id}/data", params={"outputFormat": "px"})
        xlsx = client.get(f"{API}/tables/{table_id}/data", params={"outputFormat": "xlsx"})
    assert csv.content == (published.csv[str(LATER)] / f"{TABLE}_{LATER}_fi.csv").read_bytes()
    assert px.status_code == 200 and px.content.startswith(b"\xef\xbb\xbfCHARSET")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    values = [row[-1] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert [str(v) for v in values] == expected["Arvo"].to_list()


def test_refusals_are_problem_bodies(web_server) -> None:
    table_id = f"{TABLE}_{LATER}"
    with web_server.client() as client:
        cases = {
            404: client.get(f"{API}/tables/no_such_table/data"),
            400: client.get(f"{API}/tables/{table_id}/data", params={"valuecodes[alue]": "ZZ"}),
        }
        unknown_variable = client.get(
            f"{API}/tables/{table_id}/data", params={"valuecodes[nothing]": "1"}
        )
        bad_language = client.get(f"{API}/tables", params={"lang": "de"})
        bad_page = client.get(f"{API}/tables", params={"pageNumber": "x"})
        bad_format = client.get(f"{API}/tables/{table_id}/data", params={"outputFormat": "html"})
        too_many = client.get(
            f"{API}/tables/periods_municipality_{LATER}/data",
            params={
                f"valuecodes[{d}]": "*"
                for d in ("alue", "tapahtuma", "palvelutehtava", "sukupuoli", "ikaryhma")
            },
        )
        not_json = client.post(
            f"{API}/tables/{table_id}/data",
            content=b"{",
            headers={"Content-Type": "application/json"},
        )
        missing = client.get(f"{API}/tables/{table_id}2/metadata")
        no_endpoint = client.get(f"{API}/navigation")
    for answer in [
        *cases.values(),
        unknown_variable,
        bad_language,
        bad_page,
        bad_format,
        too_many,
        not_json,
        missing,
        no_endpoint,
    ]:
        assert answer.headers["content-type"] == "application/problem+json", answer.text
        body = answer.json()
        assert set(body) == {"type", "title", "status", "detail", "instance"}
        assert body["status"] == answer.status_code
    assert [cases[404].status_code, cases[400].status_code] == [404, 400]
    assert "ZZ" in cases[400].json()["detail"]
    assert {
        unknown_variable.status_code,
        bad_language.status_code,
        bad_page.status_code,
        bad_format.status_code,
        not_json.status_code,
    } == {400}
    assert too_many.status_code == 403 and str(MAX_CELLS) in too_many.json()["detail"]
    assert missing.status_code == no_endpoint.status_code == 404


def test_default_selection_fits_the_cell_limit_and_data_without_a_selection_uses_it(
    web_server,
) -> None:
    with web_server.client() as client:
        small = client.get(f"{API}/tables/{TABLE}_{LATER}/defaultselection").json()
        large = client.get(f"{API}/tables/periods_municipality_{LATER}/defaultselection").json()
        data = client.get(f"{API}/tables/periods_municipality_{LATER}/data").json()
    assert all(s["valueCodes"] != ["SSS"] for s in small["selection"])
    sizes = [len(s["valueCodes"]) for s in large["selection"]]
    cells = 1
    for n in sizes:
        cells *= n
    assert cells <= MAX_CELLS and ["SSS"] in [s["valueCodes"] for s in large["selection"]]
    assert data["size"] == sizes


# --- JSON-stat 2.0 -------------------------------------------------------------------------


def test_json_stat_is_valid_and_an_independent_reader_gets_the_published_figures(
    web_server, published
) -> None:
    from jsonstat_validator import validate_jsonstat
    from pyjstat import pyjstat

    # tables under the cell limit: /data without a selection gives the whole table
    for table_id in ("clients_county", "trend_county", "services_municipality"):
        expected = _published_csv(published, LATER, table_id)
        with web_server.client(headers=FI) as client:
            api = client.get(f"{API}/tables/{table_id}_{LATER}/data", params={"lang": "fi"})
            download = client.get(f"/statistics/{LATER}/{table_id}/json-stat")
            meta = client.get(f"{API}/tables/{table_id}_{LATER}/metadata").json()
        for answer in (api, download):
            dataset = answer.json()
            assert validate_jsonstat(dataset)
            frame = pyjstat.Dataset.read(answer.text).write("dataframe", naming="id")
            dims = dataset["id"]
            got = dict(
                zip(
                    frame[dims].itertuples(index=False, name=None),
                    (_shown(v) for v in frame["value"]),
                    strict=True,
                )
            )
            assert got == _csv_values(expected, dims), table_id
        assert meta["value"] is None and meta["id"] == dataset["id"]
        assert meta["dimension"] == dataset["dimension"]


# --- PX ----------------------------------------------------------------------------------------


def test_every_px_file_reads_back_with_pyaxis(web_server, published, tmp_path: Path) -> None:
    from pyaxis import pyaxis

    with web_server.client(headers=FI) as client:
        listed = client.get(f"{API}/tables", params={"pageSize": 1000}).json()["tables"]
        for entry in listed:
            table_id, quarter = entry["id"].rsplit("_", 1)
            answer = client.get(f"/statistics/{quarter}/{table_id}/px")
            assert answer.status_code == 200
            path = tmp_path / f"{entry['id']}.px"
            path.write_bytes(answer.content)
            parsed = pyaxis.parse(str(path), encoding="utf-8-sig")
            expected = _published_csv(published, quarter, table_id)
            data = parsed["DATA"]
            assert len(data) == expected.height, entry["id"]
            # pyaxis reads PX's missing-value symbol ".." as NaN
            assert [_shown(float(v)) for v in data["DATA"]] == expected["Arvo"].to_list(), entry[
                "id"
            ]
            assert parsed["METADATA"]["MATRIX"] == [table_id]


# --- the public pages ----------------------------------------------------------------------------


def test_pages_need_no_sign_in_and_downloads_are_the_published_files(web_server, published) -> None:
    with web_server.client(headers=FI) as client:
        index = client.get("/statistics")
        quarter = client.get(f"/statistics/{LATER}")
        csv = client.get(f"/statistics/{LATER}/{TABLE}/csv")
        sv = client.get(f"/statistics/{LATER}", headers={"Cookie": "sosdata_lang=sv"})
        missing = [
            client.get(path).status_code
            for path in (
                "/statistics/2019Q1",
                f"/statistics/{LATER}/no_such_table",
                f"/statistics/{LATER}/{TABLE}/docx",
                f"/statistics/{LATER}/charts/nothing.svg",
            )
        ]
        chart = client.get(f"/statistics/{LATER}/charts/trend.svg")
    assert index.status_code == quarter.status_code == 200
    assert f'href="/statistics/{EARLIER}"' in index.text and f"/statistics/{LATER}" in index.text
    assert csv.content == (published.csv[str(LATER)] / f"{TABLE}_{LATER}_fi.csv").read_bytes()
    assert f"Statistik {LATER}" in sv.text and "per kommun" in sv.text
    assert missing == [404, 404, 404, 404]
    assert chart.headers["content-type"] == "image/svg+xml"
    # the time series spans every published quarter
    assert str(EARLIER) in chart.text and str(LATER) in chart.text


def test_public_pages_in_a_browser_are_accessible_and_show_the_published_figures(
    new_page, axe_check, screenshot, published
) -> None:
    page = new_page("fi-FI")
    page.goto("/statistics")
    axe_check(page)
    screenshot(page, "statistics")
    page.get_by_role("link", name=str(LATER), exact=True).click()
    page.wait_for_url(f"**/statistics/{LATER}")
    charts = page.locator("figure.chart img")
    assert charts.count() == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    axe_check(page)
    screenshot(page, "statistics-quarter")
    page.locator(f'a[href="/statistics/{LATER}/{TABLE}"]').first.click()
    page.wait_for_url(f"**/statistics/{LATER}/{TABLE}")
    axe_check(page)
    screenshot(page, "statistics-table")
    shown = page.locator("table.figures tbody td").all_inner_texts()
    expected = _published_csv(published, LATER, TABLE)["Arvo"].to_list()
    assert shown == expected[: len(shown)] and ".." in shown


def test_the_table_pages_work_without_javascript_in_english(new_page, published) -> None:
    page = new_page("en-GB", java_script_enabled=False)
    page.goto(f"/statistics/{LATER}/{TABLE}")
    assert page.locator("html").get_attribute("lang") == "en"
    first = page.locator("table.figures tbody td").all_inner_texts()
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2")
    second = page.locator("table.figures tbody td").all_inner_texts()
    expected = _published_csv(published, LATER, TABLE)["Arvo"].to_list()
    assert first + second == expected[: len(first) + len(second)]
    with page.expect_download() as download:
        page.get_by_role("link", name="PX").first.click()
    assert download.value.suggested_filename == f"{TABLE}_{LATER}_en.px"
