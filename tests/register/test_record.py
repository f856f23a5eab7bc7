"""Storing validated deliveries: rows, persons, replacement, late marking, all-or-nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pytest

from sosdata import keys
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.register import submit

Q1 = Quarter.parse("2023Q1")
ON_TIME = dt.datetime(2023, 4, 20, 12, 0)


def _record(db, settings, delivery, sha="a", at=ON_TIME):
    return submit.record(
        db,
        settings,
        delivery,
        sha256=sha,
        file_name=f"{sha}.zip",
        submitted_by="keeper",
        received_at=at,
    )


def _periods(hetu, n=3):
    return {
        "asiakkuusjaksot": [
            {"henkilotunnus": hetu(i), "palvelutehtava": "1", "alkupvm": dt.date(2022, 12, 1)}
            for i in range(n)
        ]
    }


def test_accepted_delivery_stores_pseudonymised_rows_and_encrypted_persons(
    db, settings: Settings, make_delivery, hetu
):
    outcome = _record(db, settings, make_delivery(_periods(hetu)))
    assert outcome.status == "accepted" and not outcome.late and not outcome.duplicate
    assert outcome.stored_rows == {"asiakkuusjaksot": 3} and outcome.new_persons == 3
    stored = db.execute(
        "SELECT p.pseudonym, a.line FROM accepted_asiakkuusjaksot a JOIN persons p "
        "USING (person_id) WHERE a.delivery_id = ? ORDER BY a.line",
        [outcome.delivery_id],
    ).fetchall()
    pseudonymize = keys.pseudonymizer(settings)
    assert [p for p, _ in stored] == [pseudonymize(hetu(i)) for i in range(3)]
    assert [line for _, line in stored] == [2, 3, 4]
    persons = db.execute(
        "SELECT birth_date, sex, octet_length(identity_enc) FROM persons ORDER BY pseudonym"
    ).fetchall()
    # 1950-05-17; individual numbers 900 (even: female), 901 (odd: male), 902
    assert {p[0] for p in persons} == {dt.date(1950, 5, 17)}
    assert sorted(p[1] for p in persons) == ["1", "2", "2"]
    assert all(p[2] == 12 + 11 + 16 for p in persons)  # nonce + code + tag
    (current,) = db.execute(
        "SELECT current FROM delivery_components WHERE delivery_id = ?", [outcome.delivery_id]
    ).fetchone()
    assert current is True


def test_a_person_in_two_deliveries_is_stored_once(db, settings, make_delivery, hetu):
    """A person named by two deliveries is one person with one number, which the rows of both
    name; a person new to the register takes the next number."""
    _record(db, settings, make_delivery(_periods(hetu, 2)), sha="a")
    second = _record(db, settings, make_delivery(_periods(hetu, 3), group="Toinen"), sha="b")
    assert second.new_persons == 1
    assert db.execute("SELECT count(*) FROM persons").fetchone() == (3,)
    named = db.execute(
        "SELECT a.delivery_id, p.pseudonym, p.person_id FROM accepted_asiakkuusjaksot a "
        "JOIN persons p USING (person_id) ORDER BY a.delivery_id, a.line"
    ).fetchall()
    pseudonym = keys.pseudonymizer(settings)
    first, then = sorted(pseudonym(hetu(i)) for i in range(2)), pseudonym(hetu(2))
    numbers = {(s, n) for _, s, n in named}
    # the first delivery's persons numbered 1, 2 in pseudonym order; the new one next
    assert numbers == {(first[0], 1), (first[1], 2), (then, 3)}
    assert [d for d, _, _ in named].count(second.delivery_id) == 3


def test_newer_delivery_replaces_older_per_group_and_component(db, settings, make_delivery, hetu):
    cw = [{"henkilotunnus": hetu(5), "alkupvm": dt.date(2021, 3, 1)}]
    first = _record(db, settings, make_delivery(_periods(hetu) | {"lastensuojelu": cw}), sha="a")
    other_group = _record(db, settings, make_delivery(_periods(hetu), group="Pohjoinen"), sha="b")
    second = _record(db, settings, make_delivery(_periods(hetu, 2)), sha="c")

    assert second.replaced == {"asiakkuusjaksot": first.delivery_id}
    assert other_group.replaced == {}
    current = dict(
        db.execute(
            "SELECT delivery_id || ':' || component, current FROM delivery_components"
        ).fetchall()
    )
    assert current == {
        f"{first.delivery_id}:asiakkuusjaksot": False,  # replaced by the newer one
        f"{first.delivery_id}:lastensuojelu": True,  # not in the newer delivery: still in force
        f"{other_group.delivery_id}:asiakkuusjaksot": True,  # another municipality group
        f"{second.delivery_id}:asiakkuusjaksot": True,
    }
    # the replaced rows stay retrievable
    assert db.execute(
        "SELECT count(*) FROM accepted_asiakkuusjaksot WHERE delivery_id = ?", [first.delivery_id]
    ).fetchone() == (3,)


def test_other_quarter_does_not_replace(db, settings, make_delivery, hetu):
    _record(db, settings, make_delivery(_periods(hetu)), sha="a")
    q2 = _record(
        db,
        settings,
        make_delivery(_periods(hetu), quarter=Q1.next()),
        sha="b",
        at=dt.datetime(2023, 7, 2),
    )
    assert q2.replaced == {}
    assert db.execute("SELECT count(*) FROM delivery_components WHERE current").fetchone() == (2,)


@pytest.mark.parametrize(
    ("received", "late"),
    [
        (dt.datetime(2023, 5, 1, 23, 59), False),  # on the deadline day (1.5.) is on time
        (dt.datetime(2023, 5, 2, 0, 1), True),
    ],
)
def test_late_delivery_is_accepted_and_marked(db, settings, make_delivery, hetu, received, late):
    outcome = _record(db, settings, make_delivery(_periods(hetu)), at=received)
    assert outcome.status == "accepted" and outcome.late is late
    assert db.execute("SELECT late, status FROM deliveries").fetchone() == (late, "accepted")
    assert db.execute("SELECT count(*) FROM delivery_components WHERE current").fetchone() == (1,)


def test_deadline_set_by_the_keeper_decides_lateness(db, settings, make_delivery, hetu):
    moved = dataclasses.replace(settings, deadlines={"2023Q1": dt.date(2023, 4, 10)})
    assert _record(db, moved, make_delivery(_periods(hetu)), at=ON_TIME).late is True


def test_rejected_delivery_is_kept_without_rows(db, settings, make_delivery, hetu):
    _record(db, settings, make_delivery(_periods(hetu)), sha="good")
    outcome = _record(db, settings, make_delivery(_periods(hetu, 2), accepted=False), sha="bad")
    assert outcome.status == "rejected" and outcome.replaced == {}
    assert db.execute(
        "SELECT current FROM delivery_components WHERE delivery_id = ?", [outcome.delivery_id]
    ).fetchall() == [(False,)]
    assert db.execute(
        "SELECT count(*) FROM accepted_asiakkuusjaksot WHERE delivery_id = ?",
        [outcome.delivery_id],
    ).fetchone() == (0,)
    # the accepted delivery before it stays in force
    assert db.execute("SELECT count(*) FROM delivery_components WHERE current").fetchone() == (1,)


def test_failure_while_storing_leaves_the_database_as_before(
    db, settings, make_delivery, hetu, snapshot
):
    _record(db, settings, make_delivery(_periods(hetu)), sha="a")
    before = snapshot(db)
    broken = make_delivery(_periods(hetu, 4))
    # the last row violates NOT NULL in the table: the failure comes after the delivery row,
    # its components, the replacement of the older delivery and the new persons were written
    rows = broken.rows["asiakkuusjaksot"]
    broken.rows["asiakkuusjaksot"] = rows.with_columns(
        rows["jarjestaja"].scatter(rows.height - 1, None)
    )
    with pytest.raises(duckdb.ConstraintException):
        _record(db, settings, broken, sha="b")
    assert snapshot(db) == before
