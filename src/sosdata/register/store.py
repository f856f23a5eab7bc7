"""The register's embedded DuckDB database and its versioned schema.

``connect`` opens ``settings.database_path`` and brings its schema up to date: every file
``migrations/NNNN_name.sql`` not yet recorded in ``schema_migrations`` is applied, in file-name
order, in one transaction, so a failing migration leaves the database as it was. Number ranges
per area: register 0001–0049, notification 0050–0059, statistics and monitoring 0060–0069,
accounts (passwords, sessions, API tokens) 0070–0079.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sosdata import keys
from sosdata.config import Settings
from sosdata.errors import UserError

MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
#: DuckDB writes its log into the database file (a checkpoint) once the log passes this size;
#: its default of 16 MB made nearly every submission's commit a checkpoint of its own. A process
#: checkpoints as it closes, and the server's writer when it has been idle a while
#: (``app.jobs.WriterThread``): one checkpoint for a burst of work instead of one per commit.
CHECKPOINT_THRESHOLD = "1GB"


class StoreError(UserError, RuntimeError):
    """The database cannot be opened or brought up to date."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(folder: Path | None = None) -> list[Migration]:
    """Every migration shipped with the package (or in ``folder``), in the order they apply."""
    source = folder if folder is not None else resources.files(__package__).joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in source.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise StoreError(
                f"migrations/{entry.name}: number {version:04d} is used by "
                f"{found[version].name} too; give one of them a free number"
            )
        found[version] = Migration(version, entry.name, entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
)
"""


def applied_versions(conn: duckdb.DuckDBPyConnection) -> set[int]:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return set()
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}


def pending(conn: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[Migration]:
    done = applied_versions(conn)
    return [m for m in migrations(folder) if m.version not in done]


def migrate(conn: duckdb.DuckDBPyConnection, folder: Path | None = None) -> list[Migration]:
    """Apply pending migrations in one transaction; returns what was applied."""
    todo = pending(conn, folder)
    if not todo:
        return []
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(_LEDGER)
        for migration in todo:
            try:
                conn.execute(migration.sql)
            except duckdb.Error as exc:
                raise StoreError(
                    f"migrations/{migration.name}: {exc}; the database was left unchanged"
                ) from exc
            conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return todo


#: DuckDB names the process holding the lock: "... is held in /usr/bin/python3 (PID 123)"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in .*?\(PID (\d+)\)")
#: the database and its folder are the register keeper's alone, like the keys
DATABASE_MODE = 0o600
DATA_DIR_MODE = 0o700


def _open(path: Path, read_only: bool, *, create: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file; only ``create`` (``sosdata init``) makes a missing data folder.
    A new database file is made readable by its owner alone."""
    if create:
        path.parent.mkdir(parents=True, exist_ok=True, mode=DATA_DIR_MODE)
    elif not path.parent.is_dir():
        raise StoreError(
            f"{path.parent}: no such data folder; initialise the data directory first (only "
            "that creates one)"
        )
    new = not path.exists()
    try:
        conn = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        holder = _LOCK_HOLDER.search(str(exc))
        if holder:
            raise StoreError(
                f"{path}: the register database is held by process {holder.group(1)}; another "
                "sosdata process may be writing to it — wait for it to finish and try again"
            ) from None
        raise StoreError(
            f"{path}: cannot open the register database ({_without_paths(exc)}); another "
            "sosdata process may be writing to it — wait for it to finish and try again"
        ) from None
    if new and not read_only:
        os.chmod(path, DATABASE_MODE)
    return conn


def _without_paths(exc: Exception) -> str:
    """DuckDB's message without the interpreter's or other absolute paths it names."""
    return re.sub(r"(?<![\w.])/[^\s\"']+", "…", str(exc)).strip()


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the register database, creating it and applying pending migrations.

    ``read_only`` opens an existing, up-to-date database without write access (several readers
    may then share it); it fails with a clear message when the database is missing or behind.
    """
    path: Path = settings.database_path
    if read_only and not path.exists():
        raise StoreError(f"{path}: no register database; initialise the data directory first")
    conn = _open(path, read_only)
    try:
        if read_only:
            behind = pending(conn)
            if behind:
                raise StoreError(
                    f"{path}: the database schema is behind ({behind[0].name} not applied); "
                    "initialise the data directory again to update it"
                )
        else:
            conn.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
            migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All statements inside commit together or not at all."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def opened(settings: Settings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """``connect`` as a context manager that always closes the connection."""
    conn = connect(settings, read_only=read_only)
    try:
        yield conn
    finally:
        conn.close()


@dataclass(frozen=True, slots=True)
class Initialised:
    path: Path
    applied: list[str]
    first_keeper: str | None
    #: each key: from the ``environment``, ``created`` or ``kept``
    keys: dict[str, str]


def initialise(settings: Settings, keeper: str) -> Initialised:
    """Create or update the data directory, its keys and the database; ``keeper`` becomes the
    first keeper of a new register."""
    from sosdata.register import users  # users are stored here: imported on use, not at load

    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=DATA_DIR_MODE)
    os.chmod(settings.data_dir, DATA_DIR_MODE)  # made earlier or by hand: the owner's alone
    made = keys.ensure_keys(settings)

    conn = _open(settings.database_path, read_only=False, create=True)
    try:
        applied = [m.name for m in migrate(conn)]
        first = keeper if users.ensure_first_keeper(conn, keeper) else None
    finally:
        conn.close()
    return Initialised(settings.database_path, applied, first, made)


@contextmanager
def registered(
    conn: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Polars frames visible to SQL under the given names for the duration of the block."""
    for name, table in tables.items():
        conn.register(name, table)
    try:
        yield conn
    finally:
        for name in tables:
            # inside a failed transaction DuckDB refuses even this; the rollback that follows
            # discards the registration with the transaction
            with suppress(duckdb.TransactionException):
                conn.unregister(name)


def run(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any] | None = None,
    **tables: pl.DataFrame,
) -> None:
    """Execute ``sql`` with Polars frames ``tables`` visible under their keyword names."""
    with registered(conn, tables):
        conn.execute(sql, params or [])


def one(
    conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...]:
    """The row of a query that always gives one (an aggregate, a sequence's next value)."""
    # every row fetched: the connection is free for the next call (registering a frame
    # refuses a connection whose last result is unfinished)
    rows = conn.execute(sql, params or []).fetchall()
    if not rows:
        raise StoreError(f"the register database answered no row to: {sql}")
    return rows[0]


def frame(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[Any] | dict[str, Any] | None = None,
    **tables: pl.DataFrame,
) -> pl.DataFrame:
    """A query's result as a Polars frame (through Arrow), with ``tables`` visible by name."""
    conn.complete()  # a relation query needs no unfinished execute() result on the connection
    with registered(conn, tables):
        result = pl.from_arrow(conn.sql(sql, params=params or None).to_arrow_table())
    assert isinstance(result, pl.DataFrame)
    return result
