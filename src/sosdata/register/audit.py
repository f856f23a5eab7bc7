"""The audit log: every read of person-level data, with who, what and why (SPEC §11).

Entries are written before the data is handed out and committed on their own, so a read that
fails half-way is still on record.
"""

from __future__ import annotations

import duckdb
import polars as pl

from sosdata.errors import UserError
from sosdata.register import store


class AuditError(UserError, ValueError):
    """A person-level read was asked for without saying why."""


def record(
    conn: duckdb.DuckDBPyConnection,
    user_id: str,
    action: str,
    what: str,
    why: str,
    rows: int | None = None,
) -> int:
    """Write one entry and return its id. ``why`` is mandatory: an unexplained read is refused."""
    if not why or not why.strip():
        raise AuditError(
            f"{action} of {what}: say why person-level data is read (for example --reason TEXT)"
        )
    row = conn.execute(
        "INSERT INTO audit_log (user_id, action, object, reason, rows) VALUES (?, ?, ?, ?, ?) "
        "RETURNING audit_id",
        [user_id, action, what, why.strip(), rows],
    ).fetchone()
    assert row is not None
    return int(row[0])


def entries(conn: duckdb.DuckDBPyConnection, user_id: str | None = None) -> pl.DataFrame:
    """The log, newest last; optionally one user's entries."""
    sql = "SELECT * FROM audit_log"
    params: list[str] = []
    if user_id is not None:
        sql += " WHERE user_id = ?"
        params.append(user_id)
    return store.frame(conn, sql + " ORDER BY audit_id", params)
