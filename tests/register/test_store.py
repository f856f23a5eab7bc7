from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sosdata import components
from sosdata.config import Settings
from sosdata.register import build, rows, store


def test_connect_creates_database_and_records_every_migration(settings: Settings):
    conn = store.connect(settings)
    applied = conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
    conn.close()
    assert settings.database_path.is_file()
    assert [v for v, _ in applied] == [m.version for m in store.migrations()]
    assert applied[0] == (1, "0001_initial.sql")


def test_reconnecting_applies_nothing_twice(settings: Settings):
    store.connect(settings).close()
    conn = store.connect(settings)
    assert store.pending(conn) == []
    (n,) = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    conn.close()
    assert n == len(store.migrations())


def test_read_only_refuses_a_missing_database(settings: Settings):
    with pytest.raises(store.StoreError, match="initialise the data directory"):
        store.connect(settings, read_only=True)


def test_failing_migration_leaves_database_unchanged(settings: Settings, tmp_path: Path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_one.sql").write_text("CREATE TABLE one (a INTEGER);")
    (folder / "0002_two.sql").write_text("CREATE TABLE two (a INTEGER); CREATE TABLE oops (;")
    conn = duckdb.connect(str(tmp_path / "x.duckdb"))
    with pytest.raises(store.StoreError, match="0002_two.sql"):
        store.migrate(conn, folder)
    tables = conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
    assert tables == []
    (folder / "0002_two.sql").write_text("CREATE TABLE two (a INTEGER);")
    assert [m.name for m in store.migrate(conn, folder)] == ["0001_one.sql", "0002_two.sql"]
    assert store.migrate(conn, folder) == []


def test_duplicate_migration_number_is_refused(tmp_path: Path):
    (tmp_path / "0003_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_b.sql").write_text("SELECT 1;")
    with pytest.raises(store.StoreError, match="0003"):
        store.migrations(tmp_path)


def _columns(conn, table: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


@pytest.mark.parametrize("component", list(components.COMPONENTS.values()), ids=lambda c: c.name)
def test_tables_follow_the_component_definitions(settings: Settings, component):
    """The schema's component columns are those of components.py, code replaced by pseudonym."""
    conn = store.connect(settings)
    accepted = _columns(conn, rows.table(component))
    register = _columns(conn, build.view(component))
    conn.close()
    assert accepted == ["delivery_id", "batch_id", "line", *rows.stored_columns(component)]
    assert register == [
        "quarter",
        "jarjestaja",
        "kuntaryhma",
        "pseudonym",
        "syntymapaiva",
        "sukupuoli",
        "kotikunta",
        "hyvinvointialue",
        *component.own_columns,
        "source",
    ]
    assert register == build.view_columns(component)  # the build writes what the view shows
    assert "henkilotunnus" not in accepted + register


def test_persons_stored_before_their_columns_went_uncompressed_are_kept(
    settings: Settings, tmp_path: Path
):
    """A register made before 0005 keeps its persons, byte for byte; their random columns are
    then stored as they are (compressing them cost time and saved nothing)."""
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for m in store.migrations():
        if m.version < 5:
            (earlier / m.name).write_text(m.sql)
    conn = duckdb.connect(str(settings.database_path))
    store.migrate(conn, earlier)
    person = ("ab" * 32, b"\x00\xff" * 20, "1990-02-05", "2", "2026-01-01 00:00:00")
    conn.execute("INSERT INTO persons VALUES (?, ?, ?, ?, ?)", list(person))
    store.migrate(conn)
    assert conn.execute(
        "SELECT pseudonym, identity_enc, birth_date::VARCHAR, sex, first_seen::VARCHAR FROM persons"
    ).fetchall() == [person]
    conn.execute("CHECKPOINT")
    stored = dict(
        conn.execute(
            "SELECT DISTINCT column_name, compression FROM pragma_storage_info('persons') "
            "WHERE column_name IN ('pseudonym', 'identity_enc') AND segment_type <> 'VALIDITY'"
        ).fetchall()
    )
    conn.close()
    assert stored == {"pseudonym": "Uncompressed", "identity_enc": "Uncompressed"}
