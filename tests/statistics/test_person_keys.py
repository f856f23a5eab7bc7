"""The tables do not depend on which distinct integer stands for each person."""

from __future__ import annotations

from sosdata.statistics import tables

from .conftest import QUARTER


def _cells(conn, settings) -> dict[str, object]:
    out = {}
    for definition in tables.DEFINITIONS:
        for t in tables.compute_definition(conn, definition, QUARTER, settings, prepared=True):
            out[t.id] = t.cells
    return out


def test_numbered_persons_give_the_same_tables_as_hashed(register_db, stats_settings) -> None:
    conn, _parts = register_db
    tables._prepare(conn, QUARTER)
    hashed = _cells(conn, stats_settings)
    before = conn.sql("SELECT pid FROM stat_person ORDER BY pid").pl()
    tables._number_persons(conn, QUARTER, tables._records(conn, QUARTER))
    numbers = conn.sql("SELECT pseudonym, pid FROM stat_person_number").pl()
    after = conn.sql("SELECT pid FROM stat_person ORDER BY pid").pl()
    assert numbers["pid"].n_unique() == numbers.height == after.height == before.height
    assert after["pid"].equals(numbers["pid"].sort())
    assert not after["pid"].equals(before["pid"])
    numbered = _cells(conn, stats_settings)
    assert hashed.keys() == numbered.keys()
    for table_id, cells in hashed.items():
        assert cells.equals(numbered[table_id]), table_id
        assert cells["contributors"].sum() > 0


def test_persons_sharing_a_hash_are_numbered(register_db, stats_settings, monkeypatch) -> None:
    """When two of the register's persons share a pseudonym's hash, the quarter's persons are
    numbered before any table is made, and the tables are the same."""
    conn, _parts = register_db
    assert not tables._hashes_shared(conn)
    tables._prepare(conn, QUARTER)
    hashed = _cells(conn, stats_settings)
    monkeypatch.setattr(tables, "_hashes_shared", lambda conn: True)
    conn.execute("DROP TABLE IF EXISTS stat_person_number")
    tables._prepare(conn, QUARTER)
    numbered = conn.sql("SELECT count(*) FROM stat_person_number").fetchall()[0][0]
    assert numbered == conn.sql("SELECT count(*) FROM stat_person").fetchall()[0][0] > 0
    numbered_cells = _cells(conn, stats_settings)
    assert numbered_cells.keys() == hashed.keys()
    for table_id, cells in numbered_cells.items():
        assert cells.equals(hashed[table_id]), table_id
