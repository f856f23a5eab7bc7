"""Submitting real delivery files through the validator: idempotency, access, rejection."""

from __future__ import annotations

import polars as pl
import pytest

from sosdata.register import deliveries, submit, users
from world import call


def _rows(organiser, hetu, n=4, task="1"):
    return {
        "asiakkuusjaksot": [
            {
                "jarjestaja": organiser.oid,
                "henkilotunnus": hetu(i),
                "kotikunta": organiser.municipalities[0],
                "sukupuoli": "2" if i % 2 == 0 else "1",
                "palvelutehtava": task,
                "alkupvm": "2022-05-01",
            }
            for i in range(n)
        ]
    }


def test_same_file_twice_is_stored_once(settings, db, package, organiser, hetu, snapshot):
    path = package(_rows(organiser, hetu))
    db.close()
    first = call(settings, "keeper", "submit", path)
    assert first.status == "accepted" and first.stored_rows == {"asiakkuusjaksot": 4}
    with submit.store.opened(settings) as conn:
        before = snapshot(conn)
    again = call(settings, "keeper", "submit", path)
    assert again.duplicate and again.delivery_id == first.delivery_id
    with submit.store.opened(settings) as conn:
        assert snapshot(conn) == before


def test_same_content_in_a_new_file_is_a_new_delivery_that_replaces(
    settings, db, package, organiser, hetu
):
    db.close()
    first = call(settings, "keeper", "submit", package(_rows(organiser, hetu, 4)))
    second = call(settings, "keeper", "submit", package(_rows(organiser, hetu, 5)))
    assert second.replaced == {"asiakkuusjaksot": first.delivery_id}
    listed = call(settings, "keeper", "deliveries")
    assert listed["in_force"].to_list() == ["", "asiakkuusjaksot"]


def test_rejected_file_is_recorded_with_its_report(settings, db, package, organiser, hetu):
    rows = _rows(organiser, hetu)
    for row in rows["asiakkuusjaksot"]:
        row["palvelutehtava"] = "99"  # every row in error: the delivery is rejected
    db.close()
    outcome = call(settings, "keeper", "submit", package(rows))
    assert outcome.status == "rejected" and outcome.stored_rows == {}
    found = call(settings, "keeper", "delivery_report", outcome.delivery_id)
    assert found["accepted"] is False
    assert found["counts"]["SERVICE_TASK_UNKNOWN"] == 4
    lines = sorted(i["line"] for i in found["issues"] if i["rule"] == "SERVICE_TASK_UNKNOWN")
    assert lines == [2, 3, 4, 5]
    for issue in found["issues"]:
        for i in range(4):
            assert hetu(i) not in issue["message"]


def test_organiser_user_submits_only_for_own_organiser(settings, db, package, hetu):
    from sosdata import organisers

    other = organisers.load().for_county("02")
    db.close()
    path = package(_rows(other, hetu), organiser=other.oid)
    with pytest.raises(users.AccessError, match="nothing was stored"):
        call(settings, "uusimaa-data", "submit", path)
    assert call(settings, "keeper", "deliveries").height == 0


def test_organiser_user_sees_own_deliveries_only(settings, db, package, organiser, hetu):
    from sosdata import organisers

    other = organisers.load().for_county("02")
    db.close()
    own = call(settings, "uusimaa-data", "submit", package(_rows(organiser, hetu)))
    theirs = call(settings, "keeper", "submit", package(_rows(other, hetu), organiser=other.oid))
    assert call(settings, "uusimaa-data", "deliveries")["delivery_id"].to_list() == [
        own.delivery_id
    ]
    with pytest.raises(deliveries.DeliveryNotFound):
        call(settings, "uusimaa-data", "delivery", theirs.delivery_id)
    assert call(settings, "keeper", "delivery", theirs.delivery_id)["organiser"] == other.oid


def test_unknown_user_is_refused(settings, db, package, organiser, hetu):
    db.close()
    with pytest.raises(users.AccessError, match="unknown user"):
        call(settings, "stranger", "submit", package(_rows(organiser, hetu)))


def test_package_without_manifest_needs_a_period(settings, db, package, organiser, hetu):
    path = package(_rows(organiser, hetu), as_zip=False)
    (path / "manifest.json").unlink()
    db.close()
    with pytest.raises(submit.SubmitError, match="give the period"):
        call(settings, "keeper", "submit", path)


@pytest.mark.parametrize("unknown_column", [False, True], ids=["rows", "file"])
def test_stored_issues_are_read_in_the_readers_language(
    settings, db, package, organiser, hetu, tmp_path, unknown_column
):
    """Issues are stored as the values their messages show; read in Swedish or English they
    say exactly what validating the file in that language says, whoever sent it in Finnish."""
    import zipfile

    from sosdata.periods import Quarter

    rows = _rows(organiser, hetu, n=6)  # temporary codes: a warning on every row
    rows["asiakkuusjaksot"][2]["palvelutehtava"] = "99"  # one row in error
    path = package(rows)
    if unknown_column:  # a file-level finding, with params quoting the file
        rewritten = tmp_path / "extra.zip"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                if name.endswith(".csv"):
                    head, rest = data.split(b"\n", 1)
                    data = head + b";ylimaarainen\n" + rest.replace(b"\n", b";x\n")
                target.writestr(name, data)
        path = rewritten
    db.close()
    outcome = call(settings, "keeper", "submit", path, lang="fi")
    with submit.store.opened(settings) as conn:
        stored = conn.execute(
            "SELECT count(*), count(message), count(value) FROM delivery_issues "
            "WHERE delivery_id = ?",
            [outcome.delivery_id],
        ).fetchone()
        masked = conn.execute(
            "SELECT value FROM delivery_issues WHERE rule = 'HETU_TEMPORARY' ORDER BY line"
        ).fetchall()
        kinds = conn.execute(
            "SELECT count(*) FROM delivery_issue_kinds WHERE rule = 'HETU_TEMPORARY'"
        ).fetchone()
    assert stored[0] > 0 and stored[1] == 0  # no sentence stored
    if not unknown_column:
        assert [m[0] for m in masked] == [hetu(i)[:7] + "****" for i in range(6)]
        assert kinds == (1,)  # a warning on every row: its rule, file and column stored once
    for lang in ("fi", "sv", "en"):
        validated = call(settings, "keeper", "validate", path, Quarter.parse("2023Q1"), lang=lang)
        expected = validated.report.issues.select("code", "line", "column", "message")
        page = call(
            settings, "keeper", "delivery_issues", outcome.delivery_id, limit=None, lang=lang
        )
        read = page.rows.select(pl.col("rule").alias("code"), "line", "column", "message")
        assert sorted(read.rows(), key=str) == sorted(expected.rows(), key=str), lang
        assert ("FILE_HEADER_UNKNOWN" in expected["code"]) is unknown_column
        report = call(settings, "keeper", "delivery_report", outcome.delivery_id, lang=lang)
        assert sorted(i["message"] for i in report["issues"]) == sorted(expected["message"])
        assert not any(hetu(i) in m for i in range(6) for m in expected["message"])
    english = call(settings, "keeper", "delivery_issues", outcome.delivery_id, lang="en")
    swedish = call(settings, "keeper", "delivery_issues", outcome.delivery_id, lang="sv")
    assert english.rows["message"].to_list() != swedish.rows["message"].to_list()


def test_an_issue_stored_with_its_message_is_shown_as_stored(
    settings, db, package, organiser, hetu
):
    db.close()
    outcome = call(settings, "keeper", "submit", package(_rows(organiser, hetu, n=1)))
    with submit.store.opened(settings) as conn:  # as issues were stored before values were
        conn.execute(
            "UPDATE delivery_issue_lines SET message = 'Tallennettu viesti.', value = NULL "
            "WHERE delivery_id = ?",
            [outcome.delivery_id],
        )
    page = call(settings, "keeper", "delivery_issues", outcome.delivery_id, lang="en")
    assert page.rows["message"].to_list() == ["Tallennettu viesti."]
