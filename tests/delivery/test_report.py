"""The report's four forms, bounded listing with exact counts, masking, and defaults."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import polars as pl

from sosdata import identity
from sosdata.components import COMPONENTS
from sosdata.delivery import rules, validate_frames
from sosdata.delivery.report import EXAMPLES, ISSUE_SCHEMA
from sosdata.delivery.stored_issues import KIND

II, IV, V = "asiakkuusjaksot", "palvelupaatokset", "palvelutiedot"
#: an unmasked identity code anywhere in a text
FULL_CODE = re.compile(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]")


def _mixed(d):
    rows = [d.row(II, alkupvm=f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(40)]
    rows[5]["henkilotunnus"] = rows[5]["henkilotunnus"][:10] + "?"  # HETU_FORMAT
    rows[7]["kotikunta"] = "091"  # a warning
    rows[9]["palvelutehtava"] = "7"  # SERVICE_TASK_FAMILY_LAW
    return d.folder({II: rows})


def test_json_form(deliveries):
    result = deliveries.validate(_mixed(deliveries))
    data = json.loads(result.report.render("json"))
    assert set(data) >= {"accepted", "period", "organiser", "components", "counts", "issues"}
    assert data["accepted"] is True and data["period"] == "2023Q1"
    assert data["organiser"] == deliveries.oid
    component = data["components"][II]
    assert (component["rows"], component["accepted_rows"], component["rejected_rows"]) == (
        40,
        38,
        2,
    )
    assert component["defaults_applied"] == {"loppupvm": 38}
    assert data["counts"][rules.HETU_FORMAT] == 1
    assert data["counts"][rules.SERVICE_TASK_FAMILY_LAW] == 1
    assert data["counts"][rules.MUNICIPALITY_OUTSIDE_AREA] == 1
    assert data["counts"][rules.HETU_TEMPORARY] == 39
    for issue in data["issues"]:
        assert set(issue) == set(ISSUE_SCHEMA)
    errors = [i for i in data["issues"] if i["severity"] == "error"]
    assert [(i["rule"], i["line"], i["column"]) for i in errors] == [
        (rules.HETU_FORMAT, 7, "henkilotunnus"),
        (rules.SERVICE_TASK_FAMILY_LAW, 11, "palvelutehtava"),
    ]


def test_warnings_are_counted_exactly_but_listed_briefly(deliveries):
    rows = [
        deliveries.row(II, alkupvm=f"2022-01-{1 + i % 28:02d}", palvelutehtava=str(1 + i // 28))
        for i in range(EXAMPLES + 15)
    ]
    result = deliveries.validate(deliveries.folder({II: rows}))
    data = result.report.to_dict()
    listed = [i for i in data["issues"] if i["rule"] == rules.HETU_TEMPORARY]
    assert data["counts"][rules.HETU_TEMPORARY] == EXAMPLES + 15
    assert len(listed) == EXAMPLES
    assert data["omitted"][rules.HETU_TEMPORARY] == 15
    # the CSV form and the issues frame hold every issue
    table = list(csv.DictReader(io.StringIO(result.report.render("csv")), delimiter=";"))
    assert sum(r["rule"] == rules.HETU_TEMPORARY for r in table) == EXAMPLES + 15
    assert result.report.issues.filter(pl.col("code") == rules.HETU_TEMPORARY).height == 35


def test_csv_form(deliveries):
    result = deliveries.validate(_mixed(deliveries), lang="fi")
    table = list(csv.DictReader(io.StringIO(result.report.render("csv", "sv")), delimiter=";"))
    assert list(table[0]) == list(ISSUE_SCHEMA)
    assert len(table) == result.report.issues.height
    family = next(r for r in table if r["rule"] == rules.SERVICE_TASK_FAMILY_LAW)
    assert family["line"] == "11" and "levereras inte" in family["message"]


def test_text_form_in_three_languages(deliveries):
    result = deliveries.validate(_mixed(deliveries))
    texts = {lang: result.report.render("text", lang) for lang in ("fi", "sv", "en")}
    assert texts["fi"].startswith("Toimituksen tarkistusraportti: HYVÄKSYTTY")
    assert texts["sv"].startswith("Kontrollrapport för leveransen: GODKÄND")
    assert texts["en"].startswith("Delivery validation report: ACCEPTED")
    assert "line 11, palvelutehtava" in texts["en"]
    assert "rivi 11" in texts["fi"]


def test_html_is_self_contained_and_explains(deliveries):
    result = deliveries.validate(_mixed(deliveries))
    page = result.report.render("html", "fi")
    assert page.startswith("<!DOCTYPE html>") and "HYVÄKSYTTY" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<link" not in page and "src=" not in page
    for rule_id in result.report.counts:
        assert f'id="{rule_id}"' in page
        assert rules.get(rule_id).explanation["fi"].replace("'", "&#39;") in page


def test_rejected_html_shows_the_verdict(deliveries):
    path = deliveries.folder({II: [deliveries.row(II, kotikunta="999")]})
    page = deliveries.validate(path).report.render("html", "en")
    assert "REJECTED" in page and 'class="verdict bad"' in page


def test_identity_codes_masked_in_every_form(deliveries):
    result = deliveries.validate(_mixed(deliveries))
    for fmt in ("text", "json", "csv", "html"):
        for lang in ("fi", "sv", "en"):
            text = result.report.render(fmt, lang)
            assert not FULL_CODE.search(text), (fmt, lang)
            assert deliveries.adult[:7] + "****" in text


def test_defaults_applied_to_decisions_and_services(deliveries):
    d = deliveries
    files = {
        II: [d.row(II, palvelutehtava="3")],
        IV: [
            d.row(
                IV,
                palvelutehtava="",
                paatospvm="",
                voimassa_alkaen="2023-01-20",
                paatoksen_tyyppi="",
            ),
            d.row(IV, sosiaalipalvelu="8", voimassa_alkaen="", voimassa_asti="2023-06-30"),
        ],
        V: [d.row(V, palvelutehtava="", alkupvm="", loppupvm="")],
    }
    result = d.validate(d.folder(files))
    assert result.accepted, result.report.issues
    decisions = result.rows[IV]
    assert decisions.schema == pl.Schema({"_line": pl.Int64, **COMPONENTS[IV].schema})
    assert decisions["palvelutehtava"].to_list() == ["3", "1"]
    assert decisions["paatoksen_tyyppi"].to_list() == ["1", "1"]
    assert [str(v) for v in decisions["voimassa_alkaen"]] == ["2023-01-20", "2023-01-10"]
    assert decisions["paatospvm"].to_list()[0] is None  # made before the period
    assert result.report.components[IV].defaults_applied == {
        "palvelutehtava": 1,
        "paatospvm": 1,
        "voimassa_alkaen": 1,
        "voimassa_asti": 1,
        "paatoksen_tyyppi": 1,
    }
    assert result.rows[V]["palvelutehtava"].to_list() == ["3"]
    assert result.report.components[V].defaults_applied == {"palvelutehtava": 1}


def test_validate_frames_matches_a_delivered_file(deliveries):
    d = deliveries
    path = _mixed(d)
    delivered = d.validate(path)
    text = pl.read_csv(path / "asiakkuusjaksot.csv", separator=";", infer_schema=False)
    frame = text.with_columns(pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("_line"))
    derived = validate_frames(
        {II: frame},
        period=d.period,
        settings=d.settings,
        organiser=d.oid,
        source="kanta.jsonl",
        lang="en",
    )
    assert derived.accepted and derived.manifest is None
    assert derived.rows[II].equals(delivered.rows[II])
    assert derived.report.counts == delivered.report.counts
    assert set(derived.report.issues["file"]) == {"kanta.jsonl:asiakkuusjaksot"}


def test_validate_frames_reports_missing_columns(deliveries):
    frame = pl.DataFrame({"henkilotunnus": [deliveries.adult], "_line": [1]})
    result = validate_frames(
        {II: frame},
        period=deliveries.period,
        settings=deliveries.settings,
        organiser=None,
        source="kanta",
    )
    assert not result.accepted
    assert result.report.counts == {rules.FILE_HEADER_MISSING: 1}


def test_clean_delivery_report(deliveries):
    # a valid code that raises no warning: born 1850 (no one alive), number 899 (not temporary)
    code = identity.make(dt.date(1850, 1, 1), 899)
    rows = [deliveries.row(II, henkilotunnus=code, alkupvm="2020-01-01")]
    result = deliveries.validate(deliveries.folder({II: rows}))
    assert result.accepted and result.report.counts == {}
    assert "No issues." in result.report.render("text", "en")
    assert json.loads(result.report.render("json"))["issues"] == []


def test_listed_issues_are_bounded_like_the_json(deliveries):
    rows = [
        deliveries.row(II, alkupvm=f"2022-01-{1 + i % 28:02d}", palvelutehtava=str(1 + i // 28))
        for i in range(EXAMPLES + 5)
    ]
    report = deliveries.validate(deliveries.folder({II: rows})).report
    listed = report.listed("en")
    assert listed.to_dicts() == report.to_dict("en")["issues"]
    assert listed.filter(pl.col("rule") == rules.HETU_TEMPORARY).height == EXAMPLES
    assert report.issues.filter(pl.col("code") == rules.HETU_TEMPORARY).height == EXAMPLES + 5


def test_a_long_json_listing_is_compact_and_complete(deliveries, monkeypatch):
    from sosdata.delivery import report as report_module

    monkeypatch.setattr(report_module, "JSON_INDENT_LIMIT", 5)
    report = deliveries.validate(_mixed(deliveries)).report
    text = report.render("json", "sv")
    assert "\n" not in text  # compact
    data = json.loads(text)
    assert data == report.to_dict("sv")
    assert len(data["issues"]) > 5 and list(data)[-2:] == ["issues", "omitted"]


def test_the_first_flagged_rows_are_listed_and_every_issue_stored_with_its_kind(deliveries):
    rows = [
        deliveries.row(II, alkupvm=f"2022-01-{1 + i % 28:02d}", palvelutehtava=str(1 + i // 28))
        for i in range(EXAMPLES + 15)
    ]
    rows[30]["henkilotunnus"] = rows[30]["henkilotunnus"][:10] + "?"  # HETU_FORMAT
    report = deliveries.validate(deliveries.folder({II: rows})).report
    listed = report.listed("en").filter(pl.col("rule") == rules.HETU_TEMPORARY)
    temporary = [n + 2 for n in range(EXAMPLES + 15) if n != 30]  # line 1 is the header
    assert listed["line"].to_list() == temporary[:EXAMPLES]

    stored = report.stored_issues()
    assert stored.kinds.select(KIND).is_unique().all()  # one row per kind
    read = stored.lines.join(stored.kinds, on="kind").select("rule", "line", "column")
    every = report.issues.select(pl.col("code").alias("rule"), "line", "column")
    assert sorted(read.rows()) == sorted(every.rows())
    assert read.filter(pl.col("rule") == rules.HETU_TEMPORARY)["line"].to_list() == temporary
