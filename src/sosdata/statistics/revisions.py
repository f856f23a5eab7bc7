"""Republishing a quarter without disclosing anyone by differencing.

When a quarter is published again (a late delivery, a correction, a person removed), a reader
can subtract the earlier tables from the new ones. Removing one person changes every cell that
counted them by exactly 1, and the cells that changed by 1 spell out the person's sex, age,
service task and municipality. The difference of two publications is itself a table of counts,
and needs the same protection as any table.

The method: a republication is suppressed *linked* to every earlier publication of the quarter.
Besides the usual primary cells (1 ≤ persons < threshold), the new tables suppress

1. every cell that any earlier publication suppressed (a hidden cell stays hidden: otherwise
   the new value and the old margins would give the old one), and
2. every cell whose value differs from an earlier publication's by 1 … threshold − 1 (a change
   too small to publish, like a small count), a cell absent now but non-zero before included;

and secondary suppression then protects these cells with hypercubes as it does primary ones.
So between any two publications of a quarter, a cell published in both is either unchanged or
changed by at least the threshold, and a changed cell too small to show is protected like a
small count. Every publication's cells are stored (``stat_published_cells``) in the
transaction that publishes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import polars as pl

from sosdata.register import store

CELL = "cell"
#: the earlier publications' cells of one table
EARLIER_SCHEMA = {"publication": pl.Int32, CELL: pl.String, "value": pl.Int64, "status": pl.String}


def cell_key(dims: Sequence[str]) -> pl.Expr:
    """A cell's codes joined by ``|`` (a total's code included), its identity across runs."""
    return pl.concat_str([pl.col(d).fill_null("") for d in dims], separator="|").alias(CELL)


def earlier(conn: duckdb.DuckDBPyConnection, quarter: str) -> dict[str, pl.DataFrame]:
    """Per table id, the cells of every earlier publication of ``quarter``."""
    cells = store.frame(
        conn,
        "SELECT table_id, publication, cell, value, status FROM stat_published_cells "
        "WHERE quarter = ?",
        [quarter],
    )
    if cells.height == 0:
        return {}
    return {
        str(key[0]): frame.drop("table_id").cast(EARLIER_SCHEMA)  # type: ignore[arg-type]
        for key, frame in cells.partition_by("table_id", as_dict=True).items()
    }


def linked(
    cells: pl.DataFrame, dims: Sequence[str], before: pl.DataFrame, threshold: int
) -> tuple[pl.DataFrame, np.ndarray]:
    """``cells`` (with rows of value 0 added for cells non-zero or hidden before and absent
    now) and the cells to suppress whatever their count, in that frame's order."""
    keyed = cells.with_columns(cell_key(dims))
    vanished = (
        before.filter((pl.col("value") != 0) | pl.col("status").is_not_null())
        .select(CELL)
        .unique()
        .join(keyed.select(CELL), on=CELL, how="anti")
        .sort(CELL)
    )
    if vanished.height:
        codes = vanished.select(
            pl.col(CELL).str.split_exact("|", len(dims) - 1).struct.rename_fields(list(dims))
        ).unnest(CELL)
        zeros = codes.with_columns(
            pl.lit(0, dtype=pl.Int64).alias("value"),
            pl.lit(0, dtype=pl.Int64).alias("contributors"),
        )
        zeros = zeros.with_columns(pl.col(d).replace("", None) for d in dims)
        cells = pl.concat([cells, zeros.select(cells.columns).cast(cells.schema)])
        keyed = cells.with_columns(cell_key(dims))
    change = (pl.col("value") - pl.col("value_before")).abs()
    flagged = (
        keyed.select(CELL, "value")
        .with_row_index("_row")
        .join(
            before.select(CELL, pl.col("value").alias("value_before"), "status"),
            on=CELL,
            how="left",
        )
        .group_by("_row")
        .agg(
            (pl.col("status").is_not_null() | ((change >= 1) & (change < threshold)))
            .any()
            .alias("preset")
        )
        .sort("_row")
    )
    return cells, flagged.get_column("preset").fill_null(False).to_numpy().astype(bool)


def record(
    conn: duckdb.DuckDBPyConnection,
    quarter: str,
    tables: Mapping[str, tuple[pl.DataFrame, list[str]]],
) -> int:
    """Store a publication's cells (per table id: suppressed cells and dimension names) as the
    quarter's next publication; returns its number. Run it in the publishing transaction."""
    [(latest,)] = conn.execute(
        "SELECT coalesce(max(publication), 0) FROM stat_published_cells WHERE quarter = ?",
        [quarter],
    ).fetchall()
    number = int(latest) + 1
    parts = [
        cells.select(
            pl.lit(table_id).alias("table_id"),
            cell_key(dims),
            pl.col("value").cast(pl.Int64),
            pl.col("status").cast(pl.String),
        )
        for table_id, (cells, dims) in tables.items()
    ]
    if parts:
        store.run(
            conn,
            "INSERT INTO stat_published_cells SELECT ?, ?, table_id, cell, value, status "
            "FROM published_cells",
            [quarter, number],
            published_cells=pl.concat(parts),
        )
    return number
