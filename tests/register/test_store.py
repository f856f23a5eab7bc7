from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
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
    built = _columns(conn, build.built_table(component))
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
    assert built == ["build_id", *build.record_columns(component)]  # the person by number
    assert "henkilotunnus" not in accepted + register


def _made_before(version: int, settings: Settings, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """The register's database as the migrations before ``version`` made it."""
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for m in store.migrations():
        if m.version < version:
            (earlier / m.name).write_text(m.sql)
    conn = duckdb.connect(str(settings.database_path))
    store.migrate(conn, earlier)
    return conn


def test_persons_stored_before_their_columns_went_uncompressed_are_kept(
    settings: Settings, tmp_path: Path
):
    """A register made before 0005 keeps its persons, byte for byte; their random columns are
    then stored as they are (compressing them cost time and saved nothing)."""
    conn = _made_before(5, settings, tmp_path)
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


_ISSUE = ("rule", "severity", "component", "file", "line", "column", "message", "value")


def test_issues_stored_before_they_were_stored_by_kind_read_the_same(
    settings: Settings, tmp_path: Path
):
    """A register made before 0076 keeps every issue of every delivery, nulls included, read
    through the view as before; each delivery's kinds stored once."""
    conn = _made_before(76, settings, tmp_path)
    issues = [
        (1, "HETU_TEMPORARY", "warning", "asiakkuusjaksot", "a.csv", 2, "henkilotunnus", None, "x"),
        (1, "HETU_TEMPORARY", "warning", "asiakkuusjaksot", "a.csv", 3, "henkilotunnus", None, "y"),
        (1, "FILE_HEADER_UNKNOWN", "error", None, "a.csv", None, None, "Viesti.", None),
        (2, "HETU_TEMPORARY", "warning", "asiakkuusjaksot", "a.csv", 2, "henkilotunnus", None, "z"),
        (2, "MANIFEST_MISSING", "error", None, None, None, None, None, None),
    ]
    columns = "delivery_id, " + ", ".join(f'"{c}"' for c in _ISSUE)
    conn.executemany(
        f"INSERT INTO delivery_issues ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", issues
    )
    store.migrate(conn)
    read = conn.execute(f"SELECT {columns} FROM delivery_issues").fetchall()
    kinds = conn.execute(
        "SELECT delivery_id, count(*) FROM delivery_issue_kinds GROUP BY ALL ORDER BY 1"
    ).fetchall()
    conn.close()
    assert sorted(read, key=str) == sorted(issues, key=str)
    assert kinds == [(1, 2), (2, 2)]


def test_built_records_stored_before_their_text_was_coded_read_the_same(
    settings: Settings, tmp_path: Path
):
    """A register made before 0006 keeps every built record of every build, nulls included:
    the current builds' records read through the views as before, a superseded build's records
    are kept, and every text value has one code, 1, 2, 3, ... without gaps."""
    conn = _made_before(6, settings, tmp_path)
    conn.executemany(
        "INSERT INTO persons VALUES (?, 'x', '1990-01-01', '1', '2023-01-02')",
        [["a" * 64], ["b" * 64]],
    )
    conn.execute(
        "INSERT INTO builds VALUES (1, '2023Q1', now(), 'keeper', false, '{}'), "
        "(2, '2023Q1', now(), 'keeper', true, '{}'), (3, '2023Q2', now(), 'keeper', true, '{}')"
    )
    records = [
        (1, "2023Q1", "1.2.3", "Ryhmä", "a" * 64, "1990-01-01", "1", "091", "01", "5",
         "2023-01-01", None, "kanta"),
        (2, "2023Q1", "1.2.3", "Ryhmä", "a" * 64, "1990-01-01", None, None, None, "5",
         "2023-01-01", "2023-02-01", "both"),
        (3, "2023Q2", "1.2.4", "Koko alue", "b" * 64, None, "2", "092", "02", None,
         "2023-04-01", None, "separate"),
    ]  # fmt: skip
    conn.executemany(f"INSERT INTO built_asiakkuusjaksot VALUES ({', '.join('?' * 13)})", records)
    conn.execute(
        "INSERT INTO built_palvelupaatokset VALUES (3, '2023Q2', '1.2.4', 'Koko alue', ?, "
        "NULL, NULL, '092', '02', '10', NULL, '2023-04-02', NULL, NULL, '1', 'separate')",
        ["b" * 64],
    )
    store.migrate(conn)
    view = conn.execute(
        "SELECT quarter, jarjestaja, kuntaryhma, pseudonym, syntymapaiva::VARCHAR, sukupuoli, "
        "kotikunta, hyvinvointialue, palvelutehtava, alkupvm::VARCHAR, loppupvm::VARCHAR, "
        "source FROM register_asiakkuusjaksot"
    ).fetchall()
    decisions = conn.execute(
        "SELECT quarter, sosiaalipalvelu, palvelutehtava, paatoksen_tyyppi, source "
        "FROM register_palvelupaatokset"
    ).fetchall()
    kept = conn.execute("SELECT build_id FROM built_asiakkuusjaksot ORDER BY 1").fetchall()
    coded = conn.execute("SELECT value, code FROM stored_text ORDER BY code").fetchall()
    conn.close()
    assert sorted(view, key=str) == sorted((r[1:] for r in records[1:]), key=str)
    assert decisions == [("2023Q2", "10", None, "1", "separate")]
    assert kept == [(1,), (2,), (3,)]
    values = {"2023Q1", "2023Q2", "1.2.3", "1.2.4", "Ryhmä", "Koko alue", "1", "2", "091", "092"}
    values |= {"01", "02", "5", "10", "kanta", "both", "separate"}
    assert [(c, v) for v, c in coded] == list(enumerate(sorted(values), start=1))


def test_accepted_rows_stored_before_they_were_coded_read_the_same(
    settings: Settings, tmp_path: Path
):
    """A register made before 0007 keeps every accepted row and person: each person numbered
    (in the order they came), each row naming its person by number and its text by code."""
    conn = _made_before(7, settings, tmp_path)
    conn.executemany(
        "INSERT INTO persons VALUES (?, ?, '1990-01-01', '1', ?)",
        [
            ("b" * 64, b"x", "2023-01-02"),
            ("a" * 64, b"y", "2023-01-03"),
            ("c" * 64, b"z", "2023-01-02"),
        ],
    )
    periods = [
        (1, None, 2, "1.2.3", "a" * 64, "091", "1", "5", "2023-01-01", None),
        (None, 7, 3, "1.2.4", "b" * 64, "092", "2", None, "2023-01-02", "2023-02-01"),
        (None, 7, 4, "1.2.4", "c" * 64, "091", "1", "5", "2023-01-03", None),
    ]
    conn.executemany(
        f"INSERT INTO accepted_asiakkuusjaksot VALUES ({', '.join('?' * 10)})", periods
    )
    conn.execute(
        "INSERT INTO accepted_palvelutiedot VALUES "
        "(1, NULL, 5, '1.2.3', ?, '091', '1', '10', '5', '2023-01-01', NULL)",
        ["a" * 64],
    )
    store.migrate(conn)
    numbers = conn.execute("SELECT pseudonym, person_id FROM persons ORDER BY 2").fetchall()
    text = "(SELECT list(value ORDER BY code) FROM stored_text)"
    read = conn.execute(
        f"SELECT a.delivery_id, a.batch_id, a.line, {text}[a.jarjestaja], p.pseudonym, "
        f"{text}[a.kotikunta], {text}[a.sukupuoli], {text}[a.palvelutehtava], "
        "a.alkupvm::VARCHAR, a.loppupvm::VARCHAR "
        "FROM accepted_asiakkuusjaksot a JOIN persons p USING (person_id) ORDER BY a.line"
    ).fetchall()
    services = conn.execute(
        f"SELECT {text}[sosiaalipalvelu], {text}[palvelutehtava] FROM accepted_palvelutiedot"
    ).fetchall()
    codes = conn.execute("SELECT code FROM stored_text ORDER BY code").fetchall()
    conn.close()
    assert numbers == [("b" * 64, 1), ("c" * 64, 2), ("a" * 64, 3)]
    assert read == periods
    assert services == [("10", "5")]
    assert [c for (c,) in codes] == list(range(1, len(codes) + 1))


def test_built_records_stored_by_pseudonym_read_the_same_by_number(
    settings: Settings, tmp_path: Path
):
    """A register made before 0077 keeps every built record in its stored order, each naming
    its person by number, and the views show the same rows, pseudonyms included."""
    conn = _made_before(77, settings, tmp_path)
    conn.executemany(
        "INSERT INTO persons VALUES (?, ?, 'x', '1990-01-01', '1', '2023-01-02')",
        [(1, "b" * 64), (2, "a" * 64), (3, "c" * 64)],
    )
    conn.execute("INSERT INTO stored_text VALUES (1, '2023Q1'), (2, '1.2.3'), (3, 'kanta')")
    conn.execute("INSERT INTO builds VALUES (1, '2023Q1', now(), 'keeper', true, '{}')")
    records = [
        (1, 1, 2, 2, "a" * 64, "1990-01-01", None, None, None, None, "2023-01-01", None, 3),
        (1, 1, 2, 2, "c" * 64, None, None, None, None, None, "2023-01-02", None, 3),
        (1, 1, 2, 2, "a" * 64, None, None, None, None, None, "2023-01-03", None, 3),
    ]  # fmt: skip
    conn.executemany(f"INSERT INTO built_asiakkuusjaksot VALUES ({', '.join('?' * 13)})", records)
    view = "SELECT * FROM register_asiakkuusjaksot"
    before = conn.execute(view).fetchall()
    store.migrate(conn)
    after = conn.execute(view).fetchall()
    numbers = conn.execute("SELECT person_id FROM built_asiakkuusjaksot").fetchall()
    conn.close()
    assert [r[3] for r in before] == ["a" * 64, "c" * 64, "a" * 64]
    assert sorted(after, key=str) == sorted(before, key=str)
    assert numbers == [(2,), (3,), (2,)]  # in the order stored


def test_a_built_record_naming_no_person_fails_its_migration(settings: Settings, tmp_path: Path):
    conn = _made_before(77, settings, tmp_path)
    conn.execute("INSERT INTO stored_text VALUES (1, '2023Q1'), (2, 'kanta')")
    conn.execute(
        "INSERT INTO built_lastensuojelu VALUES (1, 1, 1, 1, ?, NULL, NULL, NULL, NULL, "
        "'2023-01-01', NULL, 2)",
        ["d" * 64],
    )
    with pytest.raises(store.StoreError, match="0077"):
        store.migrate(conn)
    kept = conn.execute("SELECT count(*) FROM built_lastensuojelu WHERE pseudonym = ?", ["d" * 64])
    assert kept.fetchall() == [(1,)]
    assert [m.version for m in store.pending(conn)] == [77]
    conn.close()


def test_a_deliverys_issues_stored_in_two_calls_keep_their_own_kinds(settings: Settings):
    from sosdata.delivery.stored_issues import StoredIssues
    from sosdata.register.submit import store_issues

    def issue(rule: str, line: int, column: str) -> dict[str, object]:
        return {
            "code": rule,
            "severity": "warning",
            "component": "asiakkuusjaksot",
            "file": "a.csv",
            "line": line,
            "column": column,
            "value": f"{rule}{line}",
        }

    first = [issue("HETU_TEMPORARY", n, "henkilotunnus") for n in (2, 3, 4)]
    then = [issue("START_BEFORE_2020", 5, "alkupvm"), issue("HETU_TEMPORARY", 5, "henkilotunnus")]
    conn = store.connect(settings)
    assert store_issues(conn, StoredIssues.of(pl.DataFrame(first)), 7) == 3
    assert store_issues(conn, StoredIssues.of(pl.DataFrame(then)), 7) == 2
    read = conn.execute(
        'SELECT rule, line, "column", value FROM delivery_issues WHERE delivery_id = 7'
    ).fetchall()
    (kinds,) = conn.execute("SELECT count(DISTINCT kind) FROM delivery_issue_kinds").fetchone()
    conn.close()
    expected = [(i["code"], i["line"], i["column"], i["value"]) for i in first + then]
    assert sorted(read) == sorted(expected)
    assert kinds == 3
