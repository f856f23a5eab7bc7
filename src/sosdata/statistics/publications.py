"""Publications: every table of a quarter exactly as it was published, kept for good.

Publishing a quarter records a publication — who, when, from which build, with which threshold —
and every cell of every table, suppression status included. The public pages, the PxWeb API and
the downloads read them from here, so what they show is what was published, whatever the register
holds since; a quarter published again is a new publication beside the old one, and two
publications can be compared cell by cell (the revision history).

A cell is stored with its dimension codes joined into one key in the table's dimension order;
the dimensions themselves (codes, labels, hierarchy) are stored once per table as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import duckdb
import polars as pl

from sosdata.errors import NotFound
from sosdata.register import store
from sosdata.statistics.tables import Dimension, Table

#: separates the codes of a cell's key (a code never contains it)
SEPARATOR = "\x1f"


class PublicationNotFound(NotFound):
    """No such publication, or no publication of the quarter."""


def record(
    conn: duckdb.DuckDBPyConnection,
    published: Sequence[Table],
    *,
    published_by: str,
    build_id: int | None,
) -> int:
    """Store one publication of a quarter's tables; call it inside the publishing transaction."""
    quarters = {t.quarter for t in published}
    if len(quarters) != 1:
        raise ValueError(f"one quarter's tables expected, got {sorted(quarters)}")
    (quarter,) = quarters
    row = conn.execute(
        "INSERT INTO publications (publication_id, quarter, build_id, published_at, "
        "published_by, threshold) VALUES (nextval('publication_id_seq'), ?, ?, ?, ?, ?) "
        "RETURNING publication_id",
        [
            quarter,
            build_id,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            published_by,
            published[0].threshold if published else None,
        ],
    ).fetchone()
    assert row is not None
    publication_id = int(row[0])
    for order, table in enumerate(published):
        conn.execute(
            "INSERT INTO published_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                publication_id,
                table.id,
                order,
                table.definition,
                table.level,
                json.dumps(dict(table.title), ensure_ascii=False),
                json.dumps(dict(table.unit), ensure_ascii=False),
                json.dumps([_dimension_dict(d) for d in table.dimensions], ensure_ascii=False),
            ],
        )
        cells = table.cells.select(
            pl.lit(publication_id, pl.Int64).alias("publication_id"),
            pl.lit(table.id).alias("table_id"),
            pl.concat_str(table.dims, separator=SEPARATOR).alias("cell"),
            pl.col("value").cast(pl.Int64),
            pl.col("contributors").cast(pl.Int64),
            pl.col("status").cast(pl.String),
        )
        store.run(conn, "INSERT INTO published_cells SELECT * FROM cells", cells=cells)
    return publication_id


def listing(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every publication, newest first, with its number of tables and suppressed cells."""
    return store.frame(
        conn,
        "SELECT p.publication_id, p.quarter, p.published_at, p.published_by, p.build_id, "
        "p.threshold, "
        "(SELECT count(*) FROM published_tables t WHERE t.publication_id = p.publication_id) "
        "AS tables, "
        "(SELECT count(*) FROM published_cells c WHERE c.publication_id = p.publication_id "
        " AND c.status IS NOT NULL) AS suppressed "
        "FROM publications p ORDER BY p.publication_id DESC",
    )


def latest_each(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest publication of every published quarter, newest quarter first."""
    return store.frame(
        conn,
        "SELECT quarter, publication_id, published_at, threshold FROM publications "
        "WHERE publication_id IN (SELECT max(publication_id) FROM publications "
        "GROUP BY quarter) ORDER BY quarter DESC",
    )


def latest(conn: duckdb.DuckDBPyConnection, quarter: str) -> int:
    """The id of the quarter's latest publication."""
    row = conn.execute(
        "SELECT max(publication_id) FROM publications WHERE quarter = ?", [quarter]
    ).fetchone()
    if row is None or row[0] is None:
        raise PublicationNotFound(f"{quarter} has not been published")
    return int(row[0])


def tables(conn: duckdb.DuckDBPyConnection, publication_id: int) -> list[Table]:
    """The tables of a publication, as they were published."""
    meta = conn.execute(
        "SELECT p.quarter, p.threshold, t.table_id, t.definition, t.level, t.title, t.unit, "
        "t.dimensions FROM published_tables t JOIN publications p USING (publication_id) "
        "WHERE t.publication_id = ? ORDER BY t.position",
        [publication_id],
    ).fetchall()
    if not meta:
        raise PublicationNotFound(f"no publication {publication_id}")
    all_cells = store.frame(
        conn,
        "SELECT table_id, cell, value, contributors, status FROM published_cells "
        "WHERE publication_id = ?",
        [publication_id],
    )
    by_table = all_cells.partition_by("table_id", as_dict=True, include_key=False)
    out = []
    for quarter, threshold, table_id, definition, level, title, unit, dims in meta:
        dimensions = tuple(_dimension(d) for d in json.loads(dims))
        names = [d.name for d in dimensions]
        cells = by_table.get((table_id,), pl.DataFrame(schema=all_cells.drop("table_id").schema))
        cells = cells.select(
            pl.col("cell")
            .str.split_exact(SEPARATOR, len(names) - 1)
            .struct.rename_fields(names)
            .alias("_key"),
            "value",
            "contributors",
            "status",
        ).unnest("_key")
        out.append(
            Table(
                id=table_id,
                definition=definition,
                level=level,
                quarter=quarter,
                title=json.loads(title),
                unit=json.loads(unit),
                dimensions=dimensions,
                cells=cells.select(*names, "value", "contributors", "status"),
                threshold=threshold,
            )
        )
    return out


def changes(conn: duckdb.DuckDBPyConnection, older: int, newer: int) -> pl.DataFrame:
    """The cells whose published text differs between two publications (a value, or ``..``).

    A cell absent from a publication is a published zero.
    """
    return store.frame(
        conn,
        """
            WITH shown AS (
                SELECT publication_id, table_id, cell,
                       CASE WHEN status IS NULL THEN CAST(value AS VARCHAR) ELSE '..' END AS text
                FROM published_cells WHERE publication_id IN ($older, $newer)
            ),
            a AS (SELECT * FROM shown WHERE publication_id = $older),
            b AS (SELECT * FROM shown WHERE publication_id = $newer)
            SELECT coalesce(a.table_id, b.table_id) AS table_id,
                   coalesce(a.cell, b.cell) AS cell,
                   coalesce(a.text, '0') AS before, coalesce(b.text, '0') AS after
            FROM a FULL JOIN b USING (table_id, cell)
            WHERE coalesce(a.text, '0') <> coalesce(b.text, '0')
            ORDER BY 1, 2
            """,
        {"older": older, "newer": newer},
    )


def _dimension_dict(d: Dimension) -> dict[str, object]:
    out = asdict(d)
    out["codes"] = list(d.codes)
    return out


def _dimension(data: dict[str, Any]) -> Dimension:
    """A dimension from its stored JSON (written by :func:`_dimension_dict`)."""
    return Dimension(
        name=str(data["name"]),
        title=dict(data["title"]),
        codes=tuple(data["codes"]),
        labels=dict(data["labels"]),
        parents=dict(data["parents"]) if data.get("parents") is not None else None,
    )
