"""Who uses the register, as recorded in the ``users`` table: organisers' users, keepers and
administrators. What each may do is the access policy's (``sosdata.app.policy``).

The account that creates the database is its first keeper; keepers and administrators add the
others.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

import duckdb

from sosdata.errors import AccessError
from sosdata.organisers import OID_PATTERN

KEEPER = "keeper"
ORGANISER = "organiser"


ADMIN = "admin"
ROLES = (ORGANISER, KEEPER, ADMIN)


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    role: str
    organiser: str | None


def os_user() -> str:
    """The account running this process, the default ``--as`` user."""
    return getpass.getuser()


def add(
    conn: duckdb.DuckDBPyConnection,
    user_id: str,
    *,
    role: str | None = None,
    organiser: str | None = None,
) -> User:
    """Add or update a user: an organiser's user (with ``organiser``), a keeper or an admin."""
    user_id = user_id.strip()
    role = role or (ORGANISER if organiser else KEEPER)
    if not user_id:
        raise AccessError("a user id must not be empty")
    if role not in ROLES:
        raise AccessError(f"{role!r} is not a role; roles: {', '.join(ROLES)}")
    if (role == ORGANISER) != (organiser is not None):
        raise AccessError("an organiser's user needs the organiser's OID, and only they do")
    if organiser is not None and not OID_PATTERN.match(organiser):
        raise AccessError(f"{organiser!r} is not an organiser OID (1.2.246.10.…)")
    conn.execute(
        "INSERT OR REPLACE INTO users (user_id, organiser, role) VALUES (?, ?, ?)",
        [user_id, organiser, role],
    )
    return User(user_id, role, organiser)


def get(conn: duckdb.DuckDBPyConnection, user_id: str) -> User:
    row = conn.execute(
        "SELECT user_id, role, organiser FROM users WHERE user_id = ?", [user_id]
    ).fetchone()
    if row is None:
        raise AccessError(
            f"unknown user {user_id!r}: a register keeper or administrator adds users"
        )
    return User(*row)


def ensure_first_keeper(conn: duckdb.DuckDBPyConnection, user_id: str) -> bool:
    """Make ``user_id`` a keeper if the register has no users yet; True if it did."""
    count = conn.execute("SELECT count(*) FROM users").fetchone()
    if count and count[0]:
        return False
    add(conn, user_id)
    return True


def listing(conn: duckdb.DuckDBPyConnection) -> list[User]:
    rows = conn.execute("SELECT user_id, role, organiser FROM users ORDER BY user_id").fetchall()
    return [User(*r) for r in rows]
