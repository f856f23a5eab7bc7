"""Passwords, sessions, throttling and API tokens on a real DuckDB register."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from sosdata.config import Settings
from sosdata.errors import AccessError
from sosdata.register import accounts, store, users

ORG = "1.2.246.10.9999901.10.0"


@pytest.fixture
def conn(settings: Settings):
    store.initialise(settings, "keeper")
    with store.opened(settings) as c:
        users.add(c, "anna", organiser=ORG)
        accounts.set_password(c, "anna", "a-long-password")
        yield c


def test_passwords_are_stored_as_argon2_hashes(conn):
    stored = conn.execute("SELECT password_hash FROM accounts WHERE user_id = 'anna'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "a-long-password" not in stored


def test_short_passwords_and_unknown_users_are_refused(conn):
    with pytest.raises(accounts.AccountError, match="at least 12"):
        accounts.set_password(conn, "anna", "short")
    with pytest.raises(AccessError, match="unknown user"):
        accounts.set_password(conn, "nobody", "a-long-password")


def test_a_session_lives_until_its_expiry_and_only_its_hash_is_stored(conn):
    at = dt.datetime(2026, 1, 1, 12)
    signed = accounts.sign_in(conn, "anna", "a-long-password", "127.0.0.1", at=at)
    stored = conn.execute("SELECT session_hash FROM sessions").fetchall()
    assert stored and signed.secret not in {row[0] for row in stored}
    assert (
        accounts.session(conn, signed.secret, at=at + dt.timedelta(hours=7)).user.user_id == "anna"
    )
    assert accounts.session(conn, signed.secret, at=at + accounts.SESSION_LIFETIME) is None


def test_a_new_password_or_disabling_ends_sessions(conn):
    first = accounts.sign_in(conn, "anna", "a-long-password", "c")
    accounts.set_password(conn, "anna", "another-long-password")
    assert accounts.session(conn, first.secret) is None
    second = accounts.sign_in(conn, "anna", "another-long-password", "c")
    accounts.set_disabled(conn, "anna")
    assert accounts.session(conn, second.secret) is None
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(conn, "anna", "another-long-password", "c")
    accounts.set_disabled(conn, "anna", False)
    assert accounts.sign_in(conn, "anna", "another-long-password", "c").session.user.user_id


def test_failures_throttle_per_user_and_per_client_and_the_window_passes(conn):
    at = dt.datetime(2026, 1, 1, 12)
    for i in range(accounts.MAX_FAILURES_PER_USER):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(conn, "anna", "wrong", f"client-{i}", at=at)
    with pytest.raises(accounts.Throttled) as throttled:
        accounts.sign_in(conn, "anna", "a-long-password", "client-x", at=at)
    assert 0 < throttled.value.retry_after <= accounts.THROTTLE_WINDOW.total_seconds() + 1
    later = at + accounts.THROTTLE_WINDOW + dt.timedelta(seconds=1)
    assert accounts.sign_in(conn, "anna", "a-long-password", "client-x", at=later)
    # one client guessing many user ids
    for i in range(accounts.MAX_FAILURES_PER_CLIENT):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(conn, f"guess-{i}", "wrong", "10.0.0.9", at=later)
    with pytest.raises(accounts.Throttled):
        accounts.sign_in(conn, "anna", "a-long-password", "10.0.0.9", at=later)


def test_tokens_are_bound_to_the_organiser_and_stored_hashed(conn):
    token, secret = accounts.create_token(conn, "anna", "county system")
    assert token.organiser == ORG and secret.startswith(accounts.TOKEN_PREFIX)
    stored = conn.execute("SELECT token_hash FROM api_tokens").fetchone()[0]
    assert secret not in stored
    assert accounts.token_user(conn, secret).organiser == ORG
    # the user moves to another organiser: the token no longer acts for anyone
    users.add(conn, "anna", organiser="1.2.246.10.9999902.10.0")
    assert accounts.token_user(conn, secret) is None
    users.add(conn, "anna", organiser=ORG)
    accounts.revoke_token(conn, token.token_id)
    assert accounts.token_user(conn, secret) is None
    with pytest.raises(accounts.AccountError, match="no organiser"):
        accounts.create_token(conn, "keeper")


def test_a_write_of_an_account_that_conflicts_with_another_is_tried_again(conn):
    """Two first sign-ins of one user at once both store the language: the second waits for
    the first instead of failing (a load test found it answering 500)."""
    first = conn.cursor()
    first.execute("BEGIN")
    first.execute("UPDATE accounts SET language = 'sv' WHERE user_id = 'anna'")
    committer = threading.Timer(0.2, lambda: first.execute("COMMIT"))
    committer.start()
    accounts.set_language(conn.cursor(), "anna", "en")  # conflicts until the commit
    committer.join()
    assert accounts.account(conn, "anna").language == "en"
