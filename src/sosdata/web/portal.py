"""What the web application asks of the register, in one place.

Handlers call these methods only; the methods call the library (no SQL here). The one database
connection of the server process is opened once and used under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from sosdata.config import Settings
from sosdata.register import accounts, store
from sosdata.register.users import User


class Portal:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn = store.connect(settings)
        self._lock = threading.Lock()
        with self._db() as conn:
            accounts.forget_expired(conn)

    @contextmanager
    def _db(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # sign-in
    def sign_in(self, user_id: str, password: str, client: str) -> accounts.SignedIn:
        with self._db() as conn:
            return accounts.sign_in(conn, user_id, password, client)

    def session(self, secret: str) -> accounts.Session | None:
        with self._db() as conn:
            return accounts.session(conn, secret)

    def sign_out(self, secret: str) -> None:
        with self._db() as conn:
            accounts.sign_out(conn, secret)

    def token_user(self, secret: str) -> User | None:
        with self._db() as conn:
            return accounts.token_user(conn, secret)

    def set_language(self, user: User, language: str) -> None:
        with self._db() as conn:
            accounts.set_language(conn, user.user_id, language)
