"""Notifications in the register database: versions, rounds and deadlines, submissions.

A notification is one municipality group of one county in one round; it is found again by
(round, county, group name) or by its id. Storing changed answers adds a version; storing the
same answers again adds nothing. Nothing is ever updated in place except the bookkeeping of a
confirmation code (failed attempts, used), so every version stays readable as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from sosdata import findings
from sosdata.config import Settings
from sosdata.errors import NotFound
from sosdata.findings import Finding
from sosdata.notification import checks
from sosdata.notification.document import Notification, NotificationError, Positions, from_data
from sosdata.notification.form import FormContext
from sosdata.notification.sources import sources_of
from sosdata.periods import Quarter
from sosdata.register.notifications.db import LOCAL_TIME, atomic, local_date, query_frame, utc_now

__all__ = ["LOCAL_TIME", "atomic", "local_date", "query_frame", "utc_now"]


@dataclass(frozen=True)
class Saved:
    notification_id: int
    version: int
    #: False when the answers equal the latest version's: nothing was stored
    created: bool
    warnings: list[Finding]


@dataclass(frozen=True)
class StoredVersion:
    notification_id: int
    version: int
    latest_version: int
    notification: Notification
    organiser: str
    created_at: dt.datetime
    created_by: str | None
    #: "draft", "awaiting_confirmation" or "submitted"
    status: str
    submitted_at: dt.datetime | None
    late: bool | None
    deadline: dt.date


class NotificationNotFound(NotificationError, NotFound):
    """No notification with that id that the user may see."""


def not_found(notification_id: int) -> NotificationNotFound:
    return NotificationNotFound(f"no notification {notification_id} that you may see")


def organiser_of(conn: duckdb.DuckDBPyConnection, notification_id: int) -> str:
    """The organiser whose notification it is (its latest version's)."""
    row = conn.execute(
        "SELECT organiser FROM notification_versions WHERE notification_id = ? "
        "ORDER BY version DESC LIMIT 1",
        [notification_id],
    ).fetchone()
    if row is None:
        raise not_found(notification_id)
    return str(row[0])


def sha256_of(notification: Notification) -> str:
    canonical = json.dumps(notification.to_dict(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def raise_if_errors(
    issues: list[Finding], positions: Positions | None, lang: str = "en", source: str = ""
) -> None:
    """One :class:`NotificationError` listing every error, each with file, line and column."""
    found = findings.errors(issues)
    if not found:
        return
    if positions is not None:
        found = [positions.locate(issue) for issue in found]
    lines = [issue.located(lang) for issue in found]
    if not positions and source:
        lines = [f"{source}: {line}" for line in lines]
    head = f"{len(found)} error(s); nothing was stored:" if len(found) > 1 else ""
    codes = frozenset(issue.code for issue in found)
    raise NotificationError("\n".join([head, *lines]) if head else lines[0], codes)


# --- rounds and deadlines ---------------------------------------------------------------------


def deadline(conn: duckdb.DuckDBPyConnection, round_: str, settings: Settings) -> dt.date:
    row = conn.execute(
        "SELECT deadline FROM notification_rounds WHERE round = ?", [round_]
    ).fetchone()
    return row[0] if row else settings.notification_deadline


def set_deadline(conn: duckdb.DuckDBPyConnection, round_: str, day: dt.date) -> None:
    """The register keeper's deadline for a round; submissions already made keep their mark."""
    round_ = str(Quarter.parse(round_))
    with atomic(conn):
        conn.execute("DELETE FROM notification_rounds WHERE round = ?", [round_])
        conn.execute("INSERT INTO notification_rounds VALUES (?, ?, ?)", [round_, day, utc_now()])


def rounds(conn: duckdb.DuckDBPyConnection, settings: Settings) -> list[tuple[str, dt.date]]:
    """Every round with a deadline or a notification, and its deadline."""
    names = conn.execute(
        "SELECT round FROM notification_rounds UNION SELECT round FROM notifications ORDER BY 1"
    ).fetchall()
    return [(r, deadline(conn, r, settings)) for (r,) in names]


# --- saving -------------------------------------------------------------------------------------


def _find(conn, notification: Notification) -> int | None:
    row = conn.execute(
        """
        SELECT n.notification_id FROM notifications n
        JOIN notification_versions v USING (notification_id)
        WHERE n.round = ? AND n.county = ?
        QUALIFY v.version = max(v.version) OVER (PARTITION BY n.notification_id)
            AND v.group_name = ?
        """,
        [notification.round, notification.county, notification.group_name],
    ).fetchone()
    return row[0] if row else None


def save(
    conn: duckdb.DuckDBPyConnection,
    notification: Notification,
    ctx: FormContext,
    *,
    notification_id: int | None = None,
    by: str | None = None,
    positions: Positions | None = None,
    now: dt.datetime | None = None,
) -> Saved:
    """Check and store a notification; a changed one becomes a new version of the same
    notification (found by ``notification_id``, else by round, county and group name).

    Raises :class:`NotificationError` naming every error; the database is then unchanged.
    """
    issues = checks.check_notification(notification, ctx)
    if positions is not None:
        issues = [positions.locate(issue) for issue in issues]
    raise_if_errors(issues, positions, notification.lang)
    warnings = [i for i in issues if i.severity == findings.WARNING]
    now = now or utc_now()
    digest = sha256_of(notification)
    with atomic(conn):
        existing = _find(conn, notification)
        if notification_id is not None:
            row = conn.execute(
                "SELECT round, county FROM notifications WHERE notification_id = ?",
                [notification_id],
            ).fetchone()
            if row is None:
                raise not_found(notification_id)
            if (row[0], row[1]) != (notification.round, notification.county):
                raise NotificationError(
                    f"notification {notification_id} is for round {row[0]}, county {row[1]}; a "
                    "new version cannot change them — store it as a new notification instead"
                )
            if existing is not None and existing != notification_id:
                raise NotificationError(
                    f"notification {existing} already has the group name "
                    f"{notification.group_name!r} in county {notification.county}, round "
                    f"{notification.round}; choose another name"
                )
            existing = notification_id
        if existing is None:
            (new_id,) = conn.execute("SELECT nextval('notification_id_seq')").fetchone()
            conn.execute(
                "INSERT INTO notifications VALUES (?, ?, ?, ?)",
                [new_id, notification.round, notification.county, now],
            )
            existing, version = int(new_id), 1
        else:
            latest = conn.execute(
                "SELECT version, sha256 FROM notification_versions WHERE notification_id = ? "
                "ORDER BY version DESC LIMIT 1",
                [existing],
            ).fetchone()
            if latest and latest[1] == digest:
                return Saved(existing, latest[0], False, warnings)
            version = (latest[0] if latest else 0) + 1
        conn.execute(
            "INSERT INTO notification_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                existing,
                version,
                now,
                by,
                ctx.organisers_by_county.get(notification.county or "", ""),
                notification.county,
                notification.group_name,
                notification.lang,
                notification.form_version,
                notification.contact_email,
                json.dumps(notification.to_dict(), ensure_ascii=False),
                digest,
            ],
        )
        conn.executemany(
            "INSERT INTO notification_municipalities VALUES (?, ?, ?)",
            [[existing, version, m] for m in dict.fromkeys(notification.municipalities)],
        )
        promised = sources_of(notification)
        if promised:
            conn.executemany(
                "INSERT INTO notification_sources VALUES (?, ?, ?, ?, ?)",
                [[existing, version, c, t, s] for c, t, s in promised],
            )
    return Saved(existing, version, True, warnings)


# --- reading ------------------------------------------------------------------------------------

_STATUS_SQL = """
    CASE WHEN s.submitted_at IS NOT NULL THEN 'submitted'
         WHEN EXISTS (SELECT 1 FROM notification_confirmations c
                      WHERE c.notification_id = v.notification_id AND c.version = v.version
                        AND c.used_at IS NULL AND c.expires_at > $now)
         THEN 'awaiting_confirmation'
         ELSE 'draft' END
"""


def get(
    conn: duckdb.DuckDBPyConnection,
    notification_id: int,
    settings: Settings,
    version: int | None = None,
) -> StoredVersion:
    """One version (the latest when ``version`` is None) with its status."""
    row = conn.execute(
        f"""
        SELECT v.version, v.document, v.organiser, v.created_at, v.created_by, {_STATUS_SQL},
               s.submitted_at, s.late, n.round,
               max(v.version) OVER () AS latest
        FROM notification_versions v
        JOIN notifications n USING (notification_id)
        LEFT JOIN notification_submissions s USING (notification_id, version)
        WHERE v.notification_id = $id
        QUALIFY v.version = coalesce($version, latest)
        """,
        {"id": notification_id, "version": version, "now": utc_now()},
    ).fetchone()
    if row is None:
        known = conn.execute(
            "SELECT max(version) FROM notification_versions WHERE notification_id = ?",
            [notification_id],
        ).fetchone()
        if known and known[0] is not None:
            raise NotificationError(
                f"notification {notification_id} has no version {version}; versions 1–{known[0]}"
            )
        raise not_found(notification_id)
    notification, _ = from_data(json.loads(row[1]))
    return StoredVersion(
        notification_id=notification_id,
        version=row[0],
        latest_version=row[9],
        notification=notification,
        organiser=row[2],
        created_at=row[3],
        created_by=row[4],
        status=row[5],
        submitted_at=row[6],
        late=row[7],
        deadline=deadline(conn, row[8], settings),
    )


def versions(conn: duckdb.DuckDBPyConnection, notification_id: int) -> pl.DataFrame:
    """Every version of a notification: when, by whom, and whether it was submitted."""
    return query_frame(
        conn,
        """
        SELECT v.version, v.created_at, v.created_by, v.group_name, s.submitted_at, s.late
        FROM notification_versions v
        LEFT JOIN notification_submissions s USING (notification_id, version)
        WHERE v.notification_id = ? ORDER BY v.version
        """,
        [notification_id],
    )


def listing(conn: duckdb.DuckDBPyConnection, settings: Settings) -> pl.DataFrame:
    """The latest version of every notification, its status and its latest submission."""
    frame = query_frame(
        conn,
        f"""
        WITH last_submitted AS (
            SELECT * FROM notification_submissions
            QUALIFY version = max(version) OVER (PARTITION BY notification_id)
        )
        SELECT v.notification_id AS id, n.round, v.county, v.organiser, v.group_name,
               (SELECT count(*) FROM notification_municipalities m
                WHERE m.notification_id = v.notification_id AND m.version = v.version)
                   AS municipalities,
               v.version, {_STATUS_SQL} AS status, v.contact_email,
               ls.version AS submitted_version, ls.submitted_at, ls.late
        FROM notification_versions v
        JOIN notifications n USING (notification_id)
        LEFT JOIN notification_submissions s USING (notification_id, version)
        LEFT JOIN last_submitted ls ON ls.notification_id = v.notification_id
        QUALIFY v.version = max(v.version) OVER (PARTITION BY v.notification_id)
        ORDER BY n.round, v.county, v.group_name
        """,
        {"now": utc_now()},
    )
    deadlines = {r: d for r, d in rounds(conn, settings)}
    return frame.with_columns(
        pl.col("round").replace_strict(deadlines, return_dtype=pl.Date).alias("deadline")
    )


def latest_documents(
    conn: duckdb.DuckDBPyConnection, *, submitted_only: bool = False
) -> list[tuple[int, int, Notification, dict[str, Any]]]:
    """(id, version, notification, bookkeeping) of the latest (submitted) version of each."""
    rows = conn.execute(
        f"""
        SELECT v.notification_id, v.version, v.document, v.organiser, v.created_at,
               s.submitted_at, s.late
        FROM notification_versions v
        LEFT JOIN notification_submissions s USING (notification_id, version)
        {"WHERE s.submitted_at IS NOT NULL" if submitted_only else ""}
        QUALIFY v.version = max(v.version) OVER (PARTITION BY v.notification_id)
        ORDER BY v.notification_id
        """
    ).fetchall()
    return [
        (
            nid,
            version,
            from_data(json.loads(document))[0],
            {"organiser": organiser, "created_at": created, "submitted_at": sub, "late": late},
        )
        for nid, version, document, organiser, created, sub, late in rows
    ]


def county_coverage(
    conn: duckdb.DuckDBPyConnection,
    county: str,
    round_: str,
    ctx: FormContext,
    *,
    submitted_only: bool = True,
    replacing: tuple[int, list[str]] | None = None,
) -> checks.Coverage:
    """How the county's notifications of the round cover its municipalities.

    ``replacing`` = (id, municipalities) counts that notification with these municipalities,
    e.g. the version about to be submitted.
    """
    groups: dict[str, list[str]] = {}
    for nid, _version, notification, _ in latest_documents(conn, submitted_only=submitted_only):
        if notification.county != county or notification.round != round_:
            continue
        if replacing and nid == replacing[0]:
            continue
        groups[f"{notification.group_name} (#{nid})"] = notification.municipalities
    if replacing:
        current = get_group_name(conn, replacing[0])
        groups[f"{current} (#{replacing[0]})"] = replacing[1]
    return checks.coverage(county, groups, ctx.codes_dir)


def get_group_name(conn: duckdb.DuckDBPyConnection, notification_id: int) -> str:
    row = conn.execute(
        "SELECT group_name FROM notification_versions WHERE notification_id = ? "
        "ORDER BY version DESC LIMIT 1",
        [notification_id],
    ).fetchone()
    return row[0] if row else str(notification_id)


def record_submission(
    conn: duckdb.DuckDBPyConnection,
    notification_id: int,
    version: int,
    settings: Settings,
    *,
    at: dt.datetime,
    confirmed_by: str,
) -> tuple[dt.date, bool]:
    """Mark a version submitted at ``at`` (naive UTC); returns (deadline, late).

    Call inside a transaction.
    """
    (round_,) = conn.execute(
        "SELECT round FROM notifications WHERE notification_id = ?", [notification_id]
    ).fetchone()
    day = deadline(conn, round_, settings)
    late = local_date(at) > day
    conn.execute(
        "INSERT INTO notification_submissions VALUES (?, ?, ?, ?, ?, ?)",
        [notification_id, version, at, day, late, confirmed_by],
    )
    return day, late


def coverage_matrix(
    conn: duckdb.DuckDBPyConnection, round_: str, ctx: FormContext, lang: str = "fi"
) -> pl.DataFrame:
    """Every municipality of every county with an organiser: the municipality groups of the
    round's submitted notifications (latest submitted version) that name it, and its state —
    ``covered`` (one group), ``missing`` (none) or ``doubled`` (several)."""
    from sosdata import codes

    named = [
        {"county": n.county, "municipality": m, "group": f"{n.group_name} (#{nid})"}
        for nid, _v, n, _ in latest_documents(conn, submitted_only=True)
        if n.round == round_
        for m in dict.fromkeys(n.municipalities)
    ]
    names = codes.load("kunta", ctx.codes_dir)
    every = pl.DataFrame(
        [
            {"county": county, "municipality": m, "name": names.label(m, lang)}
            for county in sorted(ctx.organisers_by_county)
            for m in codes.municipalities_of(county, ctx.codes_dir)
        ],
        schema={"county": pl.String, "municipality": pl.String, "name": pl.String},
    )
    groups = (
        pl.DataFrame(
            named, schema={"county": pl.String, "municipality": pl.String, "group": pl.String}
        )
        .group_by("county", "municipality")
        .agg(pl.col("group").sort())
    )
    return (
        every.join(groups, on=["county", "municipality"], how="left")
        .with_columns(pl.col("group").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .with_columns(
            pl.when(pl.col("group").list.len() == 0)
            .then(pl.lit("missing"))
            .when(pl.col("group").list.len() == 1)
            .then(pl.lit("covered"))
            .otherwise(pl.lit("doubled"))
            .alias("state")
        )
        .rename({"group": "groups"})
        .sort("county", "municipality")
    )
