"""The life of a quarter: open → built → approved (locked) → published; reopened with a reason.

Each change is an event in ``quarter_events`` (migration 0065); a quarter's state is that of its
latest event, and a quarter without events is open. What the states mean:

* **open**: submissions are used by the next build as they arrive;
* **built**: a build is current; building again is allowed and stays built;
* **approved**: the keeper approved the current build. The quarter is *locked*: deliveries and
  Kanta batches received afterwards are stored as usual (and replace older ones in the
  delivery listings) but a build of the quarter reads only the inputs of the approved build,
  recorded per build in ``build_inputs`` — so a rebuild while locked gives the approved rows;
* **published**: statistics were published from the build. Still locked; publishing again
  (a revision) is allowed. Publishing a quarter that was built but not approved approves it in
  the same transaction.

Reopening (approved or published → open) needs a reason, is written to the audit log, and
lifts the lock: the next build reads every input in force again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.register import audit, store

OPEN, BUILT, APPROVED, PUBLISHED = "open", "built", "approved", "published"
STATES = (OPEN, BUILT, APPROVED, PUBLISHED)
LOCKED = (APPROVED, PUBLISHED)


class LifecycleError(UserError):
    """A change of a quarter's state that its present state does not allow."""


@dataclass(frozen=True, slots=True)
class QuarterState:
    quarter: str
    state: str
    #: the build the quarter is locked to (approved or published), else None
    locked_build: int | None
    #: the current build, if any
    current_build: int | None

    @property
    def locked(self) -> bool:
        return self.state in LOCKED


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _current_build(conn: duckdb.DuckDBPyConnection, quarter: str) -> int | None:
    row = conn.execute(
        "SELECT build_id FROM builds WHERE quarter = ? AND current", [quarter]
    ).fetchone()
    return int(row[0]) if row else None


def state(conn: duckdb.DuckDBPyConnection, period: Quarter) -> QuarterState:
    quarter = str(period)
    current = _current_build(conn, quarter)
    row = conn.execute(
        "SELECT state FROM quarter_events WHERE quarter = ? ORDER BY event_id DESC LIMIT 1",
        [quarter],
    ).fetchone()
    # a build made before the lifecycle was recorded still counts as built
    found = row[0] if row else (BUILT if current is not None else OPEN)
    locked = None
    if found in LOCKED:
        approved = conn.execute(
            "SELECT build_id FROM quarter_events WHERE quarter = ? AND action = 'approve' "
            "ORDER BY event_id DESC LIMIT 1",
            [quarter],
        ).fetchone()
        locked = int(approved[0]) if approved and approved[0] is not None else None
    return QuarterState(quarter, found, locked, current)


def history(conn: duckdb.DuckDBPyConnection, period: Quarter) -> pl.DataFrame:
    """The quarter's events, oldest first."""
    return store.frame(
        conn,
        "SELECT event_id, action, state, changed_at, by_user, reason, build_id, publication_id "
        "FROM quarter_events WHERE quarter = ? ORDER BY event_id",
        [str(period)],
    )


def _record(
    conn: duckdb.DuckDBPyConnection,
    quarter: str,
    action: str,
    new_state: str,
    by: str,
    *,
    reason: str | None = None,
    build_id: int | None = None,
    publication_id: int | None = None,
) -> None:
    conn.execute(
        "INSERT INTO quarter_events (event_id, quarter, action, state, changed_at, by_user, "
        "reason, build_id, publication_id) "
        "VALUES (nextval('quarter_event_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?)",
        [quarter, action, new_state, _now(), by, reason, build_id, publication_id],
    )


def record_build(conn: duckdb.DuckDBPyConnection, period: Quarter, build_id: int, by: str) -> None:
    """A build was made (inside the build's transaction): a locked quarter stays locked."""
    found = state(conn, period)
    _record(
        conn,
        str(period),
        "build",
        found.state if found.locked else BUILT,
        by,
        build_id=build_id,
    )


def _approve(conn: duckdb.DuckDBPyConnection, found: QuarterState, by: str) -> None:
    _record(conn, found.quarter, "approve", APPROVED, by, build_id=found.current_build)


def approve(conn: duckdb.DuckDBPyConnection, period: Quarter, by: str) -> QuarterState:
    """Lock the quarter to its current build."""
    found = state(conn, period)
    if found.current_build is None:
        raise LifecycleError(f"{period} has not been built: build it before approving it")
    if found.locked:
        raise LifecycleError(f"{period} is already {found.state}: reopen it first")
    with store.transaction(conn):
        _approve(conn, found, by)
    return state(conn, period)


def reopen(conn: duckdb.DuckDBPyConnection, period: Quarter, by: str, reason: str) -> QuarterState:
    """Lift the lock of an approved or published quarter (audited, with the reason)."""
    found = state(conn, period)
    if not found.locked:
        raise LifecycleError(f"{period} is {found.state}, not approved: there is nothing to reopen")
    if not reason or not reason.strip():
        raise LifecycleError(f"{period}: say why the quarter is reopened")
    with store.transaction(conn):
        audit.record(conn, by, "reopen", f"quarter {period}", reason)
        _record(conn, found.quarter, "reopen", OPEN, by, reason=reason.strip())
    return state(conn, period)


def record_publication(
    conn: duckdb.DuckDBPyConnection, period: Quarter, publication_id: int, by: str
) -> None:
    """A publication was made (inside its transaction); an unapproved quarter is approved."""
    found = state(conn, period)
    if not found.locked:
        _approve(conn, found, by)
    _record(
        conn,
        str(period),
        "publish",
        PUBLISHED,
        by,
        build_id=found.current_build,
        publication_id=publication_id,
    )


def locked_build(conn: duckdb.DuckDBPyConnection, period: Quarter) -> int | None:
    """The build whose inputs a build of the quarter must read, or None when not locked."""
    return state(conn, period).locked_build
