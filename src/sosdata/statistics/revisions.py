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
small count. The earlier publications are read from where every publication is kept
(:mod:`.publications`).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import polars as pl

CELL = "cell"
#: the earlier publications' cells of one table
EARLIER_SCHEMA = {CELL: pl.String, "value": pl.Int64, "status": pl.String}


def _separator() -> str:
    from sosdata.statistics.publications import SEPARATOR  # it imports the tables: on use

    return SEPARATOR


def cell_key(dims: Sequence[str]) -> pl.Expr:
    """A cell's codes joined as :mod:`.publications` keys them, its identity across runs."""
    return pl.concat_str([pl.col(d) for d in dims], separator=_separator()).alias(CELL)


def earlier(conn: duckdb.DuckDBPyConnection, quarter: str) -> dict[str, pl.DataFrame]:
    """Per table id, the cells of every earlier publication of ``quarter``."""
    conn.complete()
    found = pl.from_arrow(
        conn.sql(
            "SELECT c.table_id, c.cell, c.value, c.status FROM published_cells c "
            "JOIN publications p USING (publication_id) WHERE p.quarter = $quarter",
            params={"quarter": quarter},
        ).to_arrow_table()
    )
    assert isinstance(found, pl.DataFrame)
    if found.height == 0:
        return {}
    return {
        str(key[0]): frame.select(*EARLIER_SCHEMA).cast(EARLIER_SCHEMA)  # type: ignore[arg-type]
        for key, frame in found.partition_by("table_id", as_dict=True).items()
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
            pl.col(CELL)
            .str.split_exact(_separator(), len(dims) - 1)
            .struct.rename_fields(list(dims))
        ).unnest(CELL)
        zeros = codes.with_columns(
            pl.lit(0, dtype=pl.Int64).alias("value"),
            pl.lit(0, dtype=pl.Int64).alias("contributors"),
        )
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
