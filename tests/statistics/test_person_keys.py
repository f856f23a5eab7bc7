"""The tables key persons by their number in the register, and do not depend on which number
stands for whom."""

from __future__ import annotations

from sosdata import components
from sosdata.register import build
from sosdata.statistics import tables

from .conftest import QUARTER


def _cells(conn, settings) -> dict[str, object]:
    out = {}
    for definition in tables.DEFINITIONS:
        for t in tables.compute_definition(conn, definition, QUARTER, settings, prepared=True):
            out[t.id] = t.cells
    return out


def test_each_person_of_the_quarter_is_one_key(register_db) -> None:
    conn, _parts = register_db
    tables._prepare(conn, QUARTER)
    keys = conn.sql("SELECT count(*), count(DISTINCT pid) FROM stat_person").fetchall()[0]
    named = " UNION ".join(
        f"SELECT pseudonym FROM {build.view(c)} WHERE quarter = '{QUARTER}'"
        for c in components.COMPONENTS.values()
    )
    persons = conn.sql(f"SELECT count(*) FROM ({named})").fetchall()[0][0]
    assert keys == (persons, persons)
    assert persons > 100


def test_the_tables_do_not_depend_on_the_persons_numbers(register_db, stats_settings) -> None:
    conn, _parts = register_db
    tables._prepare(conn, QUARTER)
    before = _cells(conn, stats_settings)
    keys = conn.sql("SELECT pid FROM stat_person ORDER BY pid").pl()["pid"]
    renumbered = "person_id = (SELECT max(person_id) + 1 FROM persons) - person_id"
    conn.execute("BEGIN")
    try:
        for table in ["persons", *(build.built_table(c) for c in components.COMPONENTS.values())]:
            conn.execute(f"UPDATE {table} SET {renumbered}")
        tables._prepare(conn, QUARTER)
        after = _cells(conn, stats_settings)
        new_keys = conn.sql("SELECT pid FROM stat_person ORDER BY pid").pl()["pid"]
    finally:
        conn.execute("ROLLBACK")
    assert new_keys.len() == keys.len() and not new_keys.equals(keys)
    assert before.keys() == after.keys()
    for table_id, cells in before.items():
        assert cells.equals(after[table_id]), table_id
        assert cells["contributors"].sum() > 0


def test_the_quarters_present_are_read_without_the_persons(register_db) -> None:
    # the view joins every record to its person; the statistics list their quarters from the
    # built records alone, so a national quarter's list costs no such join
    conn, _parts = register_db
    viewed = conn.sql("SELECT DISTINCT quarter FROM register_asiakkuusjaksot ORDER BY 1").fetchall()
    conn.execute("BEGIN")
    try:
        conn.execute("ALTER TABLE persons RENAME TO persons_elsewhere")
        present = tables.quarters_present(conn)
        up_to = tables.quarters_present(conn, QUARTER)
    finally:
        conn.execute("ROLLBACK")
    assert present == [q for (q,) in viewed] and str(QUARTER) in present
    assert up_to == [q for q in present if q <= str(QUARTER)]
