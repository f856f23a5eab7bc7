"""Storing derived Kanta batches: replacement per organiser and component, all or nothing."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from sosdata import organisers
from sosdata.periods import Quarter
from sosdata.register.kanta_load import Batch, record_batch

Q1 = Quarter.parse("2023Q1")


@pytest.fixture
def store_batch(db, settings, make_delivery):
    def run(rows, covered, sha, oid=None):
        delivery = make_delivery(rows, oid=oid)
        return record_batch(
            db,
            settings,
            Batch(Q1, delivery.rows, covered, {"documents_read": 1}),
            sha256=sha,
            source_file="extract.jsonl",
            loaded_by="keeper",
        )

    return run


def _periods(hetu, n):
    return {
        "asiakkuusjaksot": [
            {"henkilotunnus": hetu(i), "palvelutehtava": "1", "alkupvm": dt.date(2023, 1, 2)}
            for i in range(n)
        ]
    }


def test_batch_records_every_component_of_every_covered_organiser(db, store_batch, organiser, hetu):
    outcome = store_batch(_periods(hetu, 3), [organiser.oid], "a")
    assert outcome.stored_rows == {"asiakkuusjaksot": 3}
    rows = db.execute(
        "SELECT component, rows, current FROM kanta_components ORDER BY component"
    ).fetchall()
    assert rows == [
        ("asiakkuusjaksot", 3, True),
        ("lastensuojelu", 0, True),
        ("palvelupaatokset", 0, True),
        ("palvelutiedot", 0, True),
    ]


def test_newer_batch_replaces_covered_organisers_only(db, store_batch, organiser, hetu):
    other = organisers.load().for_county("02")
    first = store_batch(_periods(hetu, 3), [organiser.oid], "a")
    theirs = store_batch(_periods(hetu, 2), [other.oid], "b", oid=other.oid)
    second = store_batch(_periods(hetu, 1), [organiser.oid], "c")
    assert second.replaced["asiakkuusjaksot"] == {organiser.oid: first.batch_id}
    current = db.execute(
        "SELECT batch_id, organiser FROM kanta_components "
        "WHERE current AND component = 'asiakkuusjaksot' ORDER BY 1"
    ).fetchall()
    assert current == [(theirs.batch_id, other.oid), (second.batch_id, organiser.oid)]
    # the replaced batch's rows stay stored
    assert db.execute(
        "SELECT count(*) FROM accepted_asiakkuusjaksot WHERE batch_id = ?", [first.batch_id]
    ).fetchone() == (3,)


def test_failing_batch_leaves_nothing(
    db, settings, store_batch, make_delivery, organiser, hetu, snapshot
):
    store_batch(_periods(hetu, 2), [organiser.oid], "a")
    before = snapshot(db)
    rows = make_delivery(_periods(hetu, 4)).rows["asiakkuusjaksot"]
    # the last row breaks NOT NULL: it fails after the batch, its components, the retirement of
    # the earlier batch and the new persons were written
    broken = rows.with_columns(rows["jarjestaja"].scatter(rows.height - 1, None))
    with pytest.raises(duckdb.ConstraintException):
        record_batch(
            db,
            settings,
            Batch(Q1, {"asiakkuusjaksot": broken}, [organiser.oid], {}),
            sha256="b",
            source_file="extract.jsonl",
            loaded_by="keeper",
        )
    assert snapshot(db) == before
