"""Signing in: passwords, server-side sessions, API tokens, throttling, disabled users.

``users`` says who may see what; this module says how a person or a machine proves to be that
user. Passwords are kept as argon2id hashes (argon2-cffi's defaults). A session or an API token
is a random secret handed to the client once; the database keeps only its SHA-256, so a copy of
the database signs no one in (the secrets carry 256 bits, so a fast hash is enough for them,
unlike passwords). Failed sign-ins are recorded and throttle further attempts for the same user
id and for the same client address.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sosdata.errors import UserError
from sosdata.register import store, users
from sosdata.register.users import User

#: a session signs in for this long, then the user signs in again
SESSION_LIFETIME = dt.timedelta(hours=8)
#: failed sign-ins within this window count towards the limits below
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20
MIN_PASSWORD_LENGTH = 12
LANGUAGES = ("fi", "sv", "en")
TOKEN_PREFIX = "sosd_"

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user id is unknown, so that the answer takes as long either
    way (made on first use: hashing costs a tenth of a second that every command would pay)."""
    return _hasher.hash(secrets.token_urlsafe(16))


class AccountError(UserError, ValueError):
    """A sign-in, password or token request that cannot be carried out."""


class SignInRefused(AccountError):
    """Wrong user id or password, or a disabled user (the message does not say which)."""


class Throttled(AccountError):
    """Too many failed sign-ins; ``retry_after`` seconds until the next attempt counts."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Account:
    user: User
    has_password: bool
    disabled: bool
    language: str | None


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf_token: str
    expires_at: dt.datetime
    language: str | None


@dataclass(frozen=True, slots=True)
class SignedIn:
    session: Session
    #: the cookie value; only its hash is stored
    secret: str


@dataclass(frozen=True, slots=True)
class Token:
    token_id: int
    user_id: str
    organiser: str | None
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def now() -> dt.datetime:
    """The accounts' clock: UTC without a time zone, as stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --------------------------------------------------------------------------- account state


def account(conn: duckdb.DuckDBPyConnection, user_id: str) -> Account:
    user = users.get(conn, user_id)
    row = conn.execute(
        "SELECT password_hash IS NOT NULL, disabled, language FROM accounts WHERE user_id = ?",
        [user_id],
    ).fetchone()
    has_password, disabled, language = row if row else (False, False, None)
    return Account(user, bool(has_password), bool(disabled), language)


#: how often a write of an account row that conflicts with another one is tried
CONFLICT_TRIES = 20


def _upsert(conn: duckdb.DuckDBPyConnection, user_id: str, column: str, value: object) -> None:
    """Write one column of a user's account row (its own transaction).

    Two requests may write the same row at once — the first sign-ins of one user in two
    browsers both store the language — and DuckDB refuses the second while the first is
    uncommitted ("Conflict on update"): it is tried again, the later write winning.
    """
    # column is one of this module's literal names, never user input
    sql = (
        f"INSERT INTO accounts (user_id, {column}) VALUES (?, ?) ON CONFLICT (user_id) "
        f"DO UPDATE SET {column} = excluded.{column}, updated_at = current_localtimestamp()"
    )
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            conn.execute(sql, [user_id, value])
            return
        except duckdb.TransactionException:
            if attempt == CONFLICT_TRIES:
                raise
            time.sleep(0.01 * attempt)


def set_password(conn: duckdb.DuckDBPyConnection, user_id: str, password: str) -> None:
    """Set a user's password (and sign the user out everywhere)."""
    users.get(conn, user_id)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters"
        )
    _upsert(conn, user_id, "password_hash", _hasher.hash(password))
    conn.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])


def set_disabled(conn: duckdb.DuckDBPyConnection, user_id: str, disabled: bool = True) -> None:
    """Disable (or enable) a user: a disabled user's sessions end and tokens stop working."""
    users.get(conn, user_id)
    _upsert(conn, user_id, "disabled", disabled)
    if disabled:
        conn.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])


def set_language(conn: duckdb.DuckDBPyConnection, user_id: str, language: str) -> None:
    if language not in LANGUAGES:
        raise AccountError(f"{language!r} is not a language of the register: choose fi, sv or en")
    users.get(conn, user_id)
    _upsert(conn, user_id, "language", language)


# --------------------------------------------------------------------------- sign-in, sessions


def _failures(
    conn: duckdb.DuckDBPyConnection, column: str, value: str, since: dt.datetime
) -> tuple[Any, ...]:
    return store.one(
        conn,
        f"SELECT count(*), min(attempted_at) FROM sign_in_attempts "
        f"WHERE {column} = ? AND NOT succeeded AND attempted_at > ?",
        [value, since],
    )


def _check_throttle(
    conn: duckdb.DuckDBPyConnection, user_id: str, client: str, at: dt.datetime
) -> None:
    since = at - THROTTLE_WINDOW
    for column, value, limit in (
        ("user_id", user_id, MAX_FAILURES_PER_USER),
        ("client", client, MAX_FAILURES_PER_CLIENT),
    ):
        count, first = _failures(conn, column, value, since)
        if count >= limit:
            retry = max(1, int((first + THROTTLE_WINDOW - at).total_seconds()) + 1)
            raise Throttled(
                f"too many failed sign-ins: try again in {(retry + 59) // 60} minutes", retry
            )


def sign_in(
    conn: duckdb.DuckDBPyConnection,
    user_id: str,
    password: str,
    client: str,
    at: dt.datetime | None = None,
) -> SignedIn:
    """Check a password and open a session; every attempt is recorded and throttled."""
    at = at or now()
    user_id = user_id.strip()
    _check_throttle(conn, user_id, client, at)
    row = conn.execute(
        "SELECT a.password_hash, a.disabled, a.language FROM users u "
        "JOIN accounts a USING (user_id) WHERE u.user_id = ?",
        [user_id],
    ).fetchone()
    stored, disabled, language = row if row else (None, True, None)
    try:
        _hasher.verify(stored or _dummy_hash(), password)
        ok = stored is not None and not disabled
    except (VerificationError, InvalidHashError):
        ok = False
    conn.execute("INSERT INTO sign_in_attempts VALUES (?, ?, ?, ?)", [user_id, client, at, ok])
    if not ok:
        raise SignInRefused("wrong user id or password")
    assert stored is not None
    if _hasher.check_needs_rehash(stored):
        _upsert(conn, user_id, "password_hash", _hasher.hash(password))
    secret = secrets.token_urlsafe(32)
    session = Session(
        users.get(conn, user_id), secrets.token_urlsafe(32), at + SESSION_LIFETIME, language
    )
    conn.execute(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
        [_digest(secret), user_id, session.csrf_token, at, session.expires_at],
    )
    return SignedIn(session, secret)


def session(
    conn: duckdb.DuckDBPyConnection, secret: str, at: dt.datetime | None = None
) -> Session | None:
    """The live session of a cookie value, or None (unknown, expired or user disabled)."""
    row = conn.execute(
        "SELECT u.user_id, u.role, u.organiser, s.csrf_token, s.expires_at, a.language "
        "FROM sessions s JOIN users u USING (user_id) LEFT JOIN accounts a USING (user_id) "
        "WHERE s.session_hash = ? AND s.expires_at > ? AND NOT coalesce(a.disabled, false)",
        [_digest(secret), at or now()],
    ).fetchone()
    if row is None:
        return None
    return Session(User(row[0], row[1], row[2]), row[3], row[4], row[5])


def sign_out(conn: duckdb.DuckDBPyConnection, secret: str) -> None:
    conn.execute("DELETE FROM sessions WHERE session_hash = ?", [_digest(secret)])


def forget_expired(conn: duckdb.DuckDBPyConnection, at: dt.datetime | None = None) -> None:
    """Drop ended sessions and attempts older than the throttle window."""
    at = at or now()
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?", [at])
    conn.execute("DELETE FROM sign_in_attempts WHERE attempted_at <= ?", [at - THROTTLE_WINDOW])


# --------------------------------------------------------------------------- API tokens


def create_token(
    conn: duckdb.DuckDBPyConnection, user_id: str, label: str = ""
) -> tuple[Token, str]:
    """A new API token of an organiser's user; the secret is returned once and never stored."""
    user = users.get(conn, user_id)
    if user.organiser is None:
        raise AccountError(
            f"user {user_id!r} acts for no organiser: API tokens are bound to one organiser"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = conn.execute(
        "INSERT INTO api_tokens VALUES (nextval('api_token_id_seq'), ?, ?, ?, ?, ?, NULL) "
        "RETURNING token_id, created_at",
        [user_id, user.organiser, _digest(secret), label, now()],
    ).fetchone()
    assert row is not None
    return Token(row[0], user_id, user.organiser, label, row[1], None), secret


def revoke_token(conn: duckdb.DuckDBPyConnection, token_id: int) -> Token:
    found = [t for t in tokens(conn) if t.token_id == token_id]
    if not found:
        raise AccountError(f"no API token {token_id}: 'sosdata users token list' shows them")
    if found[0].revoked_at is None:
        conn.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [now(), token_id])
    return tokens(conn, token_id=token_id)[0]


def tokens(
    conn: duckdb.DuckDBPyConnection, user_id: str | None = None, token_id: int | None = None
) -> list[Token]:
    rows = conn.execute(
        "SELECT token_id, user_id, organiser, label, created_at, revoked_at FROM api_tokens "
        "WHERE (? IS NULL OR user_id = ?) AND (? IS NULL OR token_id = ?) ORDER BY token_id",
        [user_id, user_id, token_id, token_id],
    ).fetchall()
    return [Token(*r) for r in rows]


def token_user(conn: duckdb.DuckDBPyConnection, secret: str) -> User | None:
    """The user an API token acts as: None when unknown, revoked, disabled or moved organiser."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = conn.execute(
        "SELECT u.user_id, u.role, u.organiser FROM api_tokens t JOIN users u USING (user_id) "
        "LEFT JOIN accounts a USING (user_id) WHERE t.token_hash = ? AND t.revoked_at IS NULL "
        "AND NOT coalesce(a.disabled, false) AND u.organiser IS NOT DISTINCT FROM t.organiser",
        [_digest(secret)],
    ).fetchone()
    return User(*row) if row else None
