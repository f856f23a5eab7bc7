"""Reading back what was submitted: every delivery, replaced or not, with its report.

Who may read which delivery is the application's access policy (``sosdata.app.policy``); these
functions read what they are asked for. Reading a report is a read of person-level data (its
messages show the birth-date part of identity codes), so it is written to the audit log.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import polars as pl

from sosdata.errors import NotFound
from sosdata.periods import Quarter
from sosdata.register import audit, store


class DeliveryNotFound(NotFound):
    """No delivery with that id is visible to the user."""


def listing(
    conn: duckdb.DuckDBPyConnection,
    *,
    period: Quarter | None = None,
    organiser: str | None = None,
) -> pl.DataFrame:
    """Deliveries (of one organiser), oldest first; ``in_force`` lists current components."""
    where: list[str] = ["true"]
    params: list[object] = []
    if organiser is not None:
        where.append("d.organiser = ?")
        params.append(organiser)
    if period is not None:
        where.append("d.quarter = ?")
        params.append(str(period))
    return store.frame(
        conn,
        "SELECT d.delivery_id, d.received_at, d.organiser, d.municipality_group, d.quarter, "
        "d.status, d.late, "
        "coalesce(string_agg(dc.component, ',' ORDER BY dc.component) "
        "  FILTER (WHERE dc.current), '') AS in_force, "
        "d.submitted_by, d.file_name "
        "FROM deliveries d LEFT JOIN delivery_components dc USING (delivery_id) "
        f"WHERE {' AND '.join(where)} "
        "GROUP BY ALL ORDER BY d.delivery_id",
        params,
    )


def not_found(delivery_id: int) -> DeliveryNotFound:
    """The one answer to a delivery that does not exist or may not be seen: nothing tells the
    two apart."""
    return DeliveryNotFound(f"no delivery {delivery_id} that you may see")


def organiser_of(conn: duckdb.DuckDBPyConnection, delivery_id: int) -> str | None:
    """The organiser a delivery belongs to (``None``: a file that named none)."""
    row = conn.execute(
        "SELECT organiser FROM deliveries WHERE delivery_id = ?", [delivery_id]
    ).fetchone()
    if row is None:
        raise not_found(delivery_id)
    return row[0]


def _row(conn: duckdb.DuckDBPyConnection, delivery_id: int) -> tuple:
    row = conn.execute(
        "SELECT delivery_id, organiser, municipality_group, quarter, received_at, late, status, "
        "file_sha256, file_name, submitted_by, manifest, report FROM deliveries "
        "WHERE delivery_id = ?",
        [delivery_id],
    ).fetchone()
    if row is None:
        raise not_found(delivery_id)
    return row


def show(conn: duckdb.DuckDBPyConnection, delivery_id: int) -> dict[str, Any]:
    """A delivery's facts, manifest and per-component counts (no person-level data)."""
    row = _row(conn, delivery_id)
    parts = store.frame(
        conn,
        "SELECT component, rows, accepted_rows, rejected_rows, defaults_applied, current "
        "FROM delivery_components WHERE delivery_id = ? ORDER BY component",
        [delivery_id],
    )
    replaced_by = dict(
        conn.execute(
            "SELECT dc.component, min(later.delivery_id) FROM delivery_components dc "
            "JOIN deliveries d USING (delivery_id) "
            "JOIN deliveries later ON later.organiser IS NOT DISTINCT FROM d.organiser "
            "  AND later.municipality_group IS NOT DISTINCT FROM d.municipality_group "
            "  AND later.quarter = d.quarter AND later.delivery_id > d.delivery_id "
            "  AND later.status = 'accepted' "
            "JOIN delivery_components lc ON lc.delivery_id = later.delivery_id "
            "  AND lc.component = dc.component "
            "WHERE dc.delivery_id = ? AND NOT dc.current AND d.status = 'accepted' "
            "GROUP BY dc.component",
            [delivery_id],
        ).fetchall()
    )
    keys = (
        "delivery_id",
        "organiser",
        "municipality_group",
        "quarter",
        "received_at",
        "late",
        "status",
        "file_sha256",
        "file_name",
        "submitted_by",
    )
    facts = dict(zip(keys, row[:10], strict=True))
    facts["received_at"] = facts["received_at"].isoformat(sep=" ", timespec="seconds")
    components = parts.to_dicts()
    for part in components:  # one entry per component: at most four
        part["defaults_applied"] = json.loads(part["defaults_applied"] or "{}")
        part["replaced_by"] = replaced_by.get(part["component"])
    return facts | {
        "manifest": json.loads(row[10]) if row[10] else None,
        "components": components,
    }


def report(
    conn: duckdb.DuckDBPyConnection,
    delivery_id: int,
    *,
    read_by: str,
    reason: str = "delivery report",
) -> dict[str, Any]:
    """The validation report as stored (JSON form), with every issue from the issue table."""
    row = _row(conn, delivery_id)
    issues = store.frame(
        conn,
        'SELECT rule, severity, component, file, line, "column", message '
        "FROM delivery_issues WHERE delivery_id = ? "
        "ORDER BY severity, component NULLS FIRST, line NULLS FIRST, rule",
        [delivery_id],
    )
    audit.record(conn, read_by, "report", f"delivery {delivery_id}", reason, rows=issues.height)
    stored = json.loads(row[11])
    return stored | {"delivery_id": delivery_id, "issues": issues.to_dicts(), "omitted": {}}
