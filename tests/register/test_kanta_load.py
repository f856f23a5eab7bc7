"""Loading a real Kanta extract file: derive, check, store; the same extract twice is one batch."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sosdata import keys
from sosdata.kanta.extract import write_extract
from sosdata.periods import Quarter
from sosdata.register import store, users
from world import call

Q1 = Quarter.parse("2023Q1")


@pytest.fixture
def extract(tmp_path, organiser, hetu):
    """Case documents of three persons; the second person's case has two versions."""
    when = dt.datetime(2023, 2, 1, 10, tzinfo=dt.UTC)
    records = [
        {
            "document_id": "d1",
            "set_id": "s1",
            "version": 1,
            "case_id": "c1",
            "identity_code": hetu(1),
            "case_opened": dt.date(2022, 10, 1),
            "case_closed": None,
        },
        {
            "document_id": "d2",
            "set_id": "s2",
            "version": 1,
            "case_id": "c2",
            "identity_code": hetu(2),
            "case_opened": dt.date(2023, 1, 2),
            "case_closed": dt.date(2023, 1, 9),
        },
        {
            "document_id": "d3",
            "set_id": "s2",
            "version": 2,
            "case_id": "c2",
            "identity_code": hetu(2),
            "case_opened": dt.date(2023, 1, 2),
            "case_closed": dt.date(2023, 3, 9),
        },
        {
            "document_id": "d4",
            "set_id": "s4",
            "version": 1,
            "case_id": "c4",
            "identity_code": hetu(4),
            "case_opened": dt.date(2021, 1, 1),
            "case_closed": dt.date(2021, 6, 1),
        },  # ended before the quarter
    ]
    frame = pl.DataFrame(
        [
            r
            | {
                "version_time": when + dt.timedelta(hours=r["version"]),
                "status": "active",
                "document_type": "case",
                "organiser": organiser.oid,
                "home_municipality": organiser.municipalities[0],
                "sex": "1" if int(r["identity_code"][7:10]) % 2 else "2",
                "service_tasks": ["2"],
            }
            for r in records
        ]
    )
    return write_extract(frame, tmp_path / "extract.jsonl")


def test_extract_is_derived_checked_stored_and_built(settings, db, extract, hetu):
    db.close()
    outcome = call(settings, "keeper", "load_kanta", extract, Q1)
    assert not outcome.duplicate
    assert outcome.stored_rows.get("asiakkuusjaksot") == 2
    again = call(settings, "keeper", "load_kanta", extract, Q1)
    assert again.duplicate and again.batch_id == outcome.batch_id

    call(settings, "keeper", "build", Q1)
    with store.opened(settings) as conn:
        got = store.frame(
            conn,
            "SELECT pseudonym, alkupvm, loppupvm, source FROM register_asiakkuusjaksot "
            "ORDER BY alkupvm",
        )
    pseudonym = keys.pseudonymizer(settings)
    assert got.rows() == [
        (pseudonym(hetu(1)), dt.date(2022, 10, 1), None, "kanta"),
        # the newer version of the case moved its closing date
        (pseudonym(hetu(2)), dt.date(2023, 1, 2), dt.date(2023, 3, 9), "kanta"),
    ]


def test_only_a_keeper_loads_extracts(settings, db, extract):
    db.close()
    with pytest.raises(users.AccessError):
        call(settings, "uusimaa-data", "load_kanta", extract, Q1)


def test_kanta_load_command(cli, settings, extract):
    assert cli("init").exit_code == 0
    result = cli("kanta", "load", extract, "--period", "2023Q1")
    assert result.exit_code == 0, result.stderr
    assert "Kanta batch 1 of 2023Q1 stored" in result.stdout
    assert "asiakkuusjaksot: 2 rows" in result.stdout
    again = cli("kanta", "load", extract, "--period", "2023Q1")
    assert again.exit_code == 0 and "already loaded" in again.stdout
