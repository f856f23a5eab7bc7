"""Who uses the register: organisers' users see their own organiser's data, keepers see all.

Users are recorded in the ``users`` table. ``sosdata init`` makes the account that creates the
database the first keeper; keepers add the others (``sosdata users add``).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

import duckdb

from sosdata.config import Settings
from sosdata.errors import UserError
from sosdata.organisers import OID_PATTERN

KEEPER = "keeper"
ORGANISER = "organiser"


class AccessError(UserError, PermissionError):
    """The user is unknown or may not see or change what was asked."""


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    role: str
    organiser: str | None

    @property
    def is_keeper(self) -> bool:
        return self.role == KEEPER

    def may_see(self, organiser: str | None) -> bool:
        return self.is_keeper or (organiser is not None and organiser == self.organiser)

    def require_keeper(self, what: str) -> None:
        if not self.is_keeper:
            raise AccessError(f"user {self.user_id!r} may not {what}: only the register keeper may")


def os_user() -> str:
    """The account running this process, the default ``--as`` user."""
    return getpass.getuser()


def add(conn: duckdb.DuckDBPyConnection, user_id: str, *, organiser: str | None = None) -> User:
    """Add or update a user: with ``organiser`` an organiser's user, without it a keeper."""
    user_id = user_id.strip()
    if not user_id:
        raise AccessError("a user id must not be empty")
    if organiser is not None and not OID_PATTERN.match(organiser):
        raise AccessError(f"{organiser!r} is not an organiser OID (1.2.246.10.…)")
    role = ORGANISER if organiser else KEEPER
    conn.execute(
        "INSERT OR REPLACE INTO users (user_id, organiser, role) VALUES (?, ?, ?)",
        [user_id, organiser, role],
    )
    return User(user_id, role, organiser)


def add_as(settings: Settings, acting: str, user_id: str, *, organiser: str | None = None) -> User:
    """``acting`` (a keeper) adds or changes a user."""
    from sosdata.register import store

    with store.opened(settings) as conn:
        get(conn, acting).require_keeper("add or change users")
        return add(conn, user_id, organiser=organiser)


def get(conn: duckdb.DuckDBPyConnection, user_id: str) -> User:
    row = conn.execute(
        "SELECT user_id, role, organiser FROM users WHERE user_id = ?", [user_id]
    ).fetchone()
    if row is None:
        raise AccessError(
            f"unknown user {user_id!r}: a register keeper adds users with "
            "'sosdata users add USER --organiser OID' (or --keeper)"
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
