"""Notifications in and out of the register: import from JSON/YAML, export as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sosdata.config import Settings
from sosdata.notification import checks
from sosdata.notification.document import (
    Notification,
    NotificationError,
    Positions,
    from_data,
    read_file,
)
from sosdata.notification.form import (
    CONTACT_FIELDS,
    GRID_KINDS,
    QUESTIONS,
    FormContext,
    Kind,
    Question,
    text,
)
from sosdata.register.notifications import store

EXPORT_FORMATS = ("csv", "xlsx")


def import_file(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    settings: Settings,
    ctx: FormContext | None = None,
    *,
    by: str | None = None,
    notification_id: int | None = None,
    submitted_at: dt.datetime | None = None,
) -> store.Saved:
    """Check and store a notification file (JSON or YAML).

    Every error is reported at once with file, line and column, and nothing is stored. With
    ``submitted_at`` (answers collected elsewhere, e.g. on the earlier web survey) the stored
    version is also marked submitted at that time — late when after the round's deadline.
    """
    ctx = ctx or FormContext.from_settings(settings)
    data, positions = read_file(path)
    notification, issues = checks.check_document(data, ctx)
    store.raise_if_errors(issues, positions, notification.lang)
    return store_notification(
        conn,
        notification,
        settings,
        ctx,
        by=by,
        notification_id=notification_id,
        submitted_at=submitted_at,
        positions=positions,
    )


def store_notification(
    conn: duckdb.DuckDBPyConnection,
    notification: Notification,
    settings: Settings,
    ctx: FormContext | None = None,
    *,
    by: str | None = None,
    notification_id: int | None = None,
    submitted_at: dt.datetime | None = None,
    positions: Positions | None = None,
) -> store.Saved:
    """Store a notification, marked submitted at ``submitted_at`` when given (e.g. answers
    collected elsewhere, or synthetic notifications); one transaction."""
    ctx = ctx or FormContext.from_settings(settings)
    with store.atomic(conn):
        saved = store.save(
            conn, notification, ctx, notification_id=notification_id, by=by, positions=positions
        )
        if submitted_at is not None:
            stored = store.get(conn, saved.notification_id, settings, saved.version)
            if stored.status != "submitted":
                store.record_submission(
                    conn,
                    saved.notification_id,
                    saved.version,
                    settings,
                    at=_as_utc(submitted_at),
                    confirmed_by="import",
                )
    return saved


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=store.LOCAL_TIME)
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


# --- export -------------------------------------------------------------------------------------


def columns(ctx: FormContext) -> list[tuple[str, Question, str | None]]:
    """(column name, question, row or field) for every answer column, in the form's order."""
    out: list[tuple[str, Question, str | None]] = []
    for q in QUESTIONS.values():
        base = f"q{q.number:02d}_{q.id}"
        if q.kind is Kind.CONTACT:
            out += [(f"{base}.{f}", q, f) for f in CONTACT_FIELDS]
        elif q.kind in GRID_KINDS:
            out += [(f"{base}.{row.code}", q, row.code) for row in q.grid_rows(ctx.codes_dir)]
        else:
            out.append((base, q, None))
    return out


def _cell(question: Question, value: Any, part: str | None, lang: str | None) -> str | None:
    if part is not None:
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return None

    def word(code: str) -> str:
        if lang is None or question.kind is Kind.CONTACT:
            return code
        try:
            return question.option(code).label(lang)
        except KeyError:
            return code

    if isinstance(value, list):
        return ", ".join(word(v) for v in value) if question.options else ", ".join(value)
    return word(value) if question.options else str(value)


def table(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    ctx: FormContext | None = None,
    *,
    all_versions: bool = False,
    lang: str | None = None,
) -> pl.DataFrame:
    """One row per notification (its latest version, or every version), one column per answer.

    Answers are option codes, or labels in ``lang`` when given.
    """
    ctx = ctx or FormContext.from_settings(settings)
    rows = conn.execute(
        f"""
        SELECT v.notification_id, v.version, n.round, v.county, v.organiser, v.group_name,
               v.created_at, s.submitted_at, s.late, v.document,
               {store._STATUS_SQL} AS status,
               max(v.version) OVER (PARTITION BY v.notification_id) AS latest
        FROM notification_versions v
        JOIN notifications n USING (notification_id)
        LEFT JOIN notification_submissions s USING (notification_id, version)
        {"" if all_versions else "QUALIFY v.version = latest"}
        ORDER BY n.round, v.county, v.group_name, v.notification_id, v.version
        """,
        {"now": store.utc_now()},
    ).fetchall()
    answer_columns = columns(ctx)
    records: list[dict[str, Any]] = []
    deadlines = dict(store.rounds(conn, settings))
    for nid, version, round_, county, organiser, group, created, sub, late, doc, status, _ in rows:
        answers = from_data(json.loads(doc))[0].answers
        record: dict[str, Any] = {
            "id": nid,
            "version": version,
            "status": status,
            "round": round_,
            "deadline": deadlines.get(round_),
            "county": county,
            "organiser": organiser,
            "group_name": group,
            "created_at": created,
            "submitted_at": sub,
            "late": late,
        }
        for name, q, part in answer_columns:
            record[name] = _cell(q, answers.get(q.id), part, lang)
        records.append(record)
    schema: dict[str, Any] = {
        "id": pl.Int64,
        "version": pl.Int64,
        "status": pl.String,
        "round": pl.String,
        "deadline": pl.Date,
        "county": pl.String,
        "organiser": pl.String,
        "group_name": pl.String,
        "created_at": pl.Datetime("us"),
        "submitted_at": pl.Datetime("us"),
        "late": pl.Boolean,
    } | {name: pl.String for name, _, _ in answer_columns}
    return pl.DataFrame(records, schema=schema, orient="row")


def export(
    conn: duckdb.DuckDBPyConnection,
    out: Path,
    settings: Settings,
    ctx: FormContext | None = None,
    *,
    fmt: str | None = None,
    all_versions: bool = False,
    lang: str | None = None,
) -> int:
    """Write every notification to ``out`` as CSV (``;``, UTF-8) or XLSX; returns the rows."""
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise NotificationError(f"{out}: unknown export format {fmt!r}; choose csv or xlsx")
    ctx = ctx or FormContext.from_settings(settings)
    frame = table(conn, settings, ctx, all_versions=all_versions, lang=lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.write_csv(out, separator=";", datetime_format="%Y-%m-%dT%H:%M:%S")
    else:
        _write_xlsx(frame, out, ctx, lang or "fi")
    return frame.height


def _write_xlsx(frame: pl.DataFrame, out: Path, ctx: FormContext, lang: str) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("notifications")
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    # a second sheet says what each column asks, in the chosen language
    legend = book.create_sheet("questions")
    legend.append(["column", "question", text("mandatory", lang)])
    for name, q, part in columns(ctx):
        row_label = ""
        if part is not None:
            rows = {r.code: r for r in q.grid_rows(ctx.codes_dir)}
            row_label = rows[part].label(lang) if part in rows else CONTACT_FIELDS[part][lang]
        label = f"{q.number}. {q.label(lang)}" + (f" — {row_label}" if row_label else "")
        legend.append([name, label, "x" if q.mandatory else ""])
    book.save(out)
