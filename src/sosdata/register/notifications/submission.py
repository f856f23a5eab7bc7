"""Submitting a notification: summary and one-time code by e-mail, then confirmation.

``submit`` checks the latest version again, e-mails its summary with a one-time code to the
contact person and records the code's hash; ``confirm`` with the code makes that version
submitted (late when after the round's deadline). The web form calls the same two functions.
A municipality may not be in two submitted notifications of one county and round: both steps
refuse a version that would double one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import duckdb

from sosdata.config import Settings
from sosdata.notification import email
from sosdata.notification.checks import check_notification
from sosdata.notification.document import NotificationError
from sosdata.notification.form import FormContext
from sosdata.register.notifications import store

#: unambiguous characters (no 0/O, 1/I/L) for a code typed from an e-mail
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_VALID = dt.timedelta(days=7)
MAX_FAILED_ATTEMPTS = 5


@dataclass(frozen=True)
class Sent:
    notification_id: int
    version: int
    sent_to: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Submitted:
    notification_id: int
    version: int
    submitted_at: dt.datetime
    deadline: dt.date
    late: bool


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(notification_id: int, version: int, code: str) -> str:
    text = f"{notification_id}:{version}:{_normalise_code(code)}"
    return hashlib.sha256(text.encode("ascii", "replace")).hexdigest()


def _refuse_doubles(
    conn: duckdb.DuckDBPyConnection, stored: store.StoredVersion, ctx: FormContext
) -> None:
    n = stored.notification
    result = store.county_coverage(
        conn, n.county or "", n.round, ctx, replacing=(stored.notification_id, n.municipalities)
    )
    if result.doubled:
        doubled = "; ".join(f"{m} {name} ({', '.join(g)})" for m, name, g in result.doubled)
        raise NotificationError(
            f"notification {stored.notification_id}: municipalities already in another submitted "
            f"notification of county {n.county}, round {n.round}: {doubled}. Remove them from "
            "one of the groups (submit a new version of it) first"
        )


def _latest_checked(
    conn: duckdb.DuckDBPyConnection, notification_id: int, settings: Settings, ctx: FormContext
) -> store.StoredVersion:
    stored = store.get(conn, notification_id, settings)
    if stored.status == "submitted":
        raise NotificationError(
            f"notification {notification_id} version {stored.version} is already submitted; "
            "store changed answers first (a new version)"
        )
    store.raise_if_errors(
        check_notification(stored.notification, ctx),
        None,
        "en",
        f"notification {notification_id} version {stored.version}",
    )
    _refuse_doubles(conn, stored, ctx)
    return stored


def submit(
    conn: duckdb.DuckDBPyConnection,
    notification_id: int,
    settings: Settings,
    ctx: FormContext | None = None,
    *,
    now: dt.datetime | None = None,
    link: str | None = None,
) -> Sent:
    """E-mail the latest version's summary with a new one-time code to the contact person.

    ``link``: the portal's confirmation address with ``{id}`` and ``{code}`` to fill in; the
    e-mail then carries the one-time link instead of the bare code.

    The code's hash is committed only once the SMTP server has accepted the message, so a
    failed e-mail leaves the database unchanged. A new code replaces any earlier pending one.
    """
    ctx = ctx or FormContext.from_settings(settings)
    now = now or store.utc_now()
    code = new_code()
    with store.atomic(conn):
        stored = _latest_checked(conn, notification_id, settings, ctx)
        expires = now + CODE_VALID
        conn.execute(
            "UPDATE notification_confirmations SET used_at = ? "
            "WHERE notification_id = ? AND used_at IS NULL",
            [now, notification_id],
        )
        recipient = stored.notification.contact_email or ""
        conn.execute(
            "INSERT INTO notification_confirmations VALUES (?, ?, ?, ?, ?, ?, 0, NULL)",
            [
                notification_id,
                stored.version,
                now,
                recipient,
                _code_hash(notification_id, stored.version, code),
                expires,
            ],
        )
        message = email.compose(
            stored.notification,
            ctx,
            settings.smtp,
            notification_id=notification_id,
            version=stored.version,
            code=code,
            expires=expires.strftime("%Y-%m-%d %H:%M"),
            deadline=stored.deadline.isoformat(),
            link=link.format(id=notification_id, code=code) if link else None,
        )
        email.send(message, settings.smtp)
    return Sent(notification_id, stored.version, recipient, expires)


def confirm(
    conn: duckdb.DuckDBPyConnection,
    notification_id: int,
    code: str,
    settings: Settings,
    ctx: FormContext | None = None,
    *,
    now: dt.datetime | None = None,
) -> Submitted:
    """Make the version whose summary was e-mailed submitted, given the code from the e-mail."""
    ctx = ctx or FormContext.from_settings(settings)
    now = now or store.utc_now()
    failure: str | None = None
    with store.atomic(conn):
        pending = conn.execute(
            "SELECT version, code_sha256, expires_at, failed_attempts FROM "
            "notification_confirmations WHERE notification_id = ? AND used_at IS NULL "
            "ORDER BY sent_at DESC LIMIT 1",
            [notification_id],
        ).fetchone()
        if pending is None:
            raise NotificationError(
                f"notification {notification_id} has no summary awaiting confirmation; send its "
                "summary first"
            )
        version, expected, expires_at, failed = pending
        stored = store.get(conn, notification_id, settings)
        if stored.version != version:
            raise NotificationError(
                f"notification {notification_id} has changed since the summary of version "
                f"{version} was sent (version {stored.version} is newest); submit it again"
            )
        if expires_at <= now:
            raise NotificationError(
                f"the confirmation code of notification {notification_id} expired at "
                f"{expires_at:%Y-%m-%d %H:%M} UTC; send the summary again for a new code"
            )
        if not hmac.compare_digest(expected, _code_hash(notification_id, version, code)):
            used = failed + 1 >= MAX_FAILED_ATTEMPTS
            conn.execute(
                "UPDATE notification_confirmations SET failed_attempts = failed_attempts + 1, "
                "used_at = CASE WHEN ? THEN ? ELSE used_at END "
                "WHERE notification_id = ? AND version = ? AND used_at IS NULL",
                [used, now, notification_id, version],
            )
            failure = f"wrong confirmation code for notification {notification_id}; " + (
                "too many attempts; send the summary again for a new code"
                if used
                else f"{MAX_FAILED_ATTEMPTS - failed - 1} attempt(s) left"
            )
        else:
            _refuse_doubles(conn, stored, ctx)
            conn.execute(
                "UPDATE notification_confirmations SET used_at = ? "
                "WHERE notification_id = ? AND version = ? AND used_at IS NULL",
                [now, notification_id, version],
            )
            day, late = store.record_submission(
                conn, notification_id, version, settings, at=now, confirmed_by="email_code"
            )
    # the failed attempt is counted (committed) before the error is shown
    if failure:
        raise NotificationError(failure)
    return Submitted(notification_id, version, now, day, late)
