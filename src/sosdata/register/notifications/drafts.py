"""Drafts of the notification form: answers saved page by page, resumed by any user of the
organiser, and deleted once they are stored as a version of a notification.

A draft is not checked beyond the conditions (answers to questions that stopped applying are
dropped and remembered, so the summary can say so): the form shows the checks, and storing the
draft as a version (``store.save``) refuses errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from sosdata.errors import NotFound
from sosdata.notification.document import NotificationError
from sosdata.notification.form import QUESTIONS, prune
from sosdata.register.notifications.db import atomic, utc_now


@dataclass(frozen=True)
class Draft:
    draft_id: int
    organiser: str
    notification_id: int | None
    round: str
    lang: str
    answers: dict[str, Any]
    #: ids of questions whose answers were dropped because they stopped applying
    dropped: list[str]
    page: str
    updated_by: str


class DraftNotFound(NotificationError, NotFound):
    """No draft with that id that the user may see."""


def not_found(draft_id: int) -> DraftNotFound:
    return DraftNotFound(f"no draft {draft_id} that you may see")


_COLUMNS = "draft_id, organiser, notification_id, round, lang, answers, dropped, page, updated_by"


def _draft(row: tuple[Any, ...]) -> Draft:
    return Draft(
        draft_id=row[0],
        organiser=row[1],
        notification_id=row[2],
        round=row[3],
        lang=row[4],
        answers=json.loads(row[5]),
        dropped=json.loads(row[6]),
        page=row[7],
        updated_by=row[8],
    )


def get(conn: duckdb.DuckDBPyConnection, draft_id: int) -> Draft:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM notification_drafts WHERE draft_id = ?", [draft_id]
    ).fetchone()
    if row is None:
        raise not_found(draft_id)
    return _draft(row)


def listing(conn: duckdb.DuckDBPyConnection, organiser: str | None) -> list[Draft]:
    """The drafts of one organiser (``None``: every organiser's), the latest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM notification_drafts WHERE $organiser IS NULL "
        "OR organiser = $organiser ORDER BY updated_at DESC, draft_id DESC",
        {"organiser": organiser},
    ).fetchall()
    return [_draft(r) for r in rows]


def save(
    conn: duckdb.DuckDBPyConnection,
    *,
    organiser: str,
    answers: dict[str, Any],
    round_: str,
    lang: str,
    page: str,
    by: str,
    draft_id: int | None = None,
    notification_id: int | None = None,
) -> Draft:
    """Store the answers so far (a new draft when ``draft_id`` is None); answers to questions
    that no longer apply are dropped and added to the draft's dropped list."""
    kept, gone = prune(answers)
    with atomic(conn):
        if draft_id is None:
            row = conn.execute("SELECT nextval('notification_draft_id_seq')").fetchone()
            assert row is not None  # a sequence always answers
            draft_id = int(row[0])
            earlier: list[str] = []
            conn.execute(
                "INSERT INTO notification_drafts VALUES (?, ?, ?, ?, ?, '{}', '[]', ?, ?, ?)",
                [draft_id, organiser, notification_id, round_, lang, page, utc_now(), by],
            )
        else:
            earlier = get(conn, draft_id).dropped
        # a question answered again is no longer a dropped one
        dropped = [q for q in dict.fromkeys([*earlier, *gone]) if q not in kept and q in QUESTIONS]
        conn.execute(
            "UPDATE notification_drafts SET organiser = ?, answers = ?, dropped = ?, page = ?, "
            "lang = ?, updated_at = ?, updated_by = ? WHERE draft_id = ?",
            [
                organiser,
                json.dumps(kept, ensure_ascii=False),
                json.dumps(dropped),
                page,
                lang,
                utc_now(),
                by,
                draft_id,
            ],
        )
    return get(conn, int(draft_id))


def delete(conn: duckdb.DuckDBPyConnection, draft_id: int) -> None:
    conn.execute("DELETE FROM notification_drafts WHERE draft_id = ?", [draft_id])
