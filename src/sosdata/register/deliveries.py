"""Reading back what was submitted: every delivery, replaced or not, with its report.

Who may read which delivery is the application's access policy (``sosdata.app.policy``); these
functions read what they are asked for. Reading a report is a read of person-level data (its
messages show the birth-date part of identity codes), so it is written to the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
        "d.submitted_by, d.file_name, coalesce(any_value(r.replaced_by), '') AS replaced_by "
        "FROM deliveries d LEFT JOIN delivery_components dc USING (delivery_id) "
        f"LEFT JOIN ({_REPLACED_BY}) r USING (delivery_id) "
        f"WHERE {' AND '.join(where)} "
        "GROUP BY ALL ORDER BY d.delivery_id",
        params,
    )


#: per delivery, the later deliveries that replaced its components for the build ("7,9")
_REPLACED_BY = (
    "SELECT delivery_id, string_agg(DISTINCT by_id::VARCHAR, ',' ORDER BY by_id::VARCHAR) "
    "AS replaced_by FROM ("
    "  SELECT dc.delivery_id, dc.component, min(later.delivery_id) AS by_id "
    "  FROM delivery_components dc JOIN deliveries d USING (delivery_id) "
    "  JOIN deliveries later ON later.organiser IS NOT DISTINCT FROM d.organiser "
    "    AND later.municipality_group IS NOT DISTINCT FROM d.municipality_group "
    "    AND later.quarter = d.quarter AND later.delivery_id > d.delivery_id "
    "    AND later.status = 'accepted' "
    "  JOIN delivery_components lc ON lc.delivery_id = later.delivery_id "
    "    AND lc.component = dc.component "
    "  WHERE NOT dc.current AND d.status = 'accepted' GROUP BY ALL"
    ") GROUP BY delivery_id"
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


def _row(conn: duckdb.DuckDBPyConnection, delivery_id: int) -> tuple[Any, ...]:
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
    lang: str = "fi",
) -> dict[str, Any]:
    """The validation report as stored (JSON form), with every issue from the issue table, its
    message in ``lang``."""
    row = _row(conn, delivery_id)
    issues = _with_messages(
        store.frame(
            conn,
            f"SELECT {_ISSUE_SELECT} FROM delivery_issue_lines "
            f"JOIN ({IssueFilter().ranked_kinds()}) USING (delivery_id, kind) "
            f"ORDER BY {_REPORT_ORDER}",
            [delivery_id],
        ),
        lang,
        row[3],
    )
    audit.record(conn, read_by, "report", f"delivery {delivery_id}", reason, rows=issues.height)
    stored = json.loads(row[11])
    return stored | {"delivery_id": delivery_id, "issues": issues.to_dicts(), "omitted": {}}


# --------------------------------------------------------------- issues, a page at a time

#: a stored issue's columns: its message, or what renders it (``_with_messages``)
_ISSUE_SELECT = 'rule, severity, component, file, line, "column", message, value, other, params'


def _with_messages(issues: pl.DataFrame, lang: str, quarter: str) -> pl.DataFrame:
    """The issues in the report's columns, each with its message in ``lang``."""
    from sosdata.delivery.report import with_messages  # the rule catalogue, loaded on use

    return with_messages(issues, lang, quarter).drop("value", "other", "params")


#: what the issue table may be sorted by; ties fall back to the report's own order
ISSUE_SORTS = ("line", "rule", "component", "severity", "file", "column")
#: the report's order (severity, component, line, rule, column) as the kinds' ranks around the
#: line: the lines are sorted by integers, not by the strings a join would bring to each
_REPORT_ORDER = "_head, line NULLS FIRST, _tail"
_RANKED_KINDS = (
    "SELECT *, dense_rank() OVER (ORDER BY severity, component NULLS FIRST) AS _head, "
    'dense_rank() OVER (ORDER BY rule, "column") AS _tail, {chosen} AS _chosen '
    "FROM delivery_issue_kinds WHERE {where}"
)


@dataclass(frozen=True)
class IssueFilter:
    rule: str | None = None
    component: str | None = None
    severity: str | None = None
    file: str | None = None
    sort: str = "line"
    descending: bool = False

    def where(self) -> tuple[str, list[object]]:
        """The filter over the issues' kinds (every column it names is one of theirs)."""
        clauses, params = ["delivery_id = ?"], []
        for column in ("rule", "component", "severity", "file"):
            value = getattr(self, column)
            if value:
                clauses.append(f"{column} = ?")  # column: one of the literal names above
                params.append(value)
        return " AND ".join(clauses), params

    def ranked_kinds(self) -> str:
        """The delivery's kinds that pass the filter, with their ranks in the page's order."""
        if self.sort not in ISSUE_SORTS:
            raise ValueError(f"cannot sort issues by {self.sort!r}; choose {ISSUE_SORTS}")
        column = '"column"' if self.sort == "column" else self.sort
        direction = "DESC" if self.descending else "ASC"
        chosen = (  # sorted by line, the lines' own column decides
            "0"
            if self.sort == "line"
            else f"dense_rank() OVER (ORDER BY {column} {direction} NULLS FIRST)"
        )
        return _RANKED_KINDS.format(chosen=chosen, where=self.where()[0])

    def order(self) -> str:
        """The page's order over the lines joined to :meth:`ranked_kinds`."""
        direction = "DESC" if self.descending else "ASC"
        chosen = f"line {direction} NULLS FIRST" if self.sort == "line" else "_chosen"
        return f"{chosen}, {_REPORT_ORDER}"


@dataclass(frozen=True)
class IssuePage:
    """Some issues of a delivery, how many match the filter, and what there is to filter by."""

    rows: pl.DataFrame
    matching: int
    offset: int
    #: every issue of the delivery counted by rule, severity, component and file
    counts: pl.DataFrame

    def by_rule(self) -> list[dict[str, Any]]:
        """Issues per rule (rule, severity, issues): errors first, the most frequent first."""
        totals = self.counts.group_by("rule", "severity").agg(pl.col("issues").sum())
        return totals.sort("severity", "issues", "rule", descending=[False, True, False]).to_dicts()

    def choices(self, column: str) -> list[str]:
        """The values of ``column`` (rule, component, severity, file) that the issues have."""
        return sorted(self.counts[column].drop_nulls().unique().to_list())


def issue_page(
    conn: duckdb.DuckDBPyConnection,
    delivery_id: int,
    chosen: IssueFilter,
    *,
    offset: int = 0,
    limit: int | None = 50,
    read_by: str,
    reason: str = "delivery report",
    lang: str = "fi",
) -> IssuePage:
    """A page of a delivery's issues (``limit`` None: all that match), messages in ``lang``,
    audited as a read."""
    row = _row(conn, delivery_id)
    where, params = chosen.where()
    window = f"LIMIT {int(limit)} OFFSET {max(0, int(offset))}" if limit is not None else ""
    rows = _with_messages(
        store.frame(
            conn,
            f"SELECT {_ISSUE_SELECT} FROM delivery_issue_lines "
            f"JOIN ({chosen.ranked_kinds()}) USING (delivery_id, kind) "
            f"ORDER BY {chosen.order()} {window}",
            [delivery_id, *params],
        ),
        lang,
        row[3],
    )
    # counted by kind number, the few kinds joined afterwards: no join of every issue
    matching = conn.execute(
        "SELECT count(*) FROM delivery_issue_lines WHERE delivery_id = ? AND kind IN "
        f"(SELECT kind FROM delivery_issue_kinds WHERE {where})",
        [delivery_id, delivery_id, *params],
    ).fetchone()
    counts = store.frame(
        conn,
        "SELECT rule, severity, component, file, sum(n)::BIGINT AS issues FROM ("
        "  SELECT kind, count(*) AS n FROM delivery_issue_lines WHERE delivery_id = ?"
        "  GROUP BY kind"
        ") JOIN delivery_issue_kinds USING (kind) WHERE delivery_id = ? "
        "GROUP BY ALL ORDER BY rule, component, file",
        [delivery_id, delivery_id],
    )
    audit.record(conn, read_by, "report", f"delivery {delivery_id}", reason, rows=rows.height)
    return IssuePage(rows, int(matching[0]) if matching else 0, offset, counts)
