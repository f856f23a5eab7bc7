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
from typing import Any

import numpy as np
import polars as pl


def earlier(publications: Sequence[Sequence[Any]]) -> dict[str, pl.DataFrame]:
    """Per table id, the cells (dimension codes, ``value``, ``status``) of every earlier
    publication of the quarter, given as the publications' tables (:mod:`.publications`)."""
    found: dict[str, list[pl.DataFrame]] = {}
    for tables in publications:
        for table in tables:
            cells = table.cells.select(*table.dims, "value", "status")
            found.setdefault(table.id, []).append(cells)
    return {table_id: pl.concat(parts) for table_id, parts in found.items()}


def linked(
    cells: pl.DataFrame, dims: Sequence[str], before: pl.DataFrame, threshold: int
) -> tuple[pl.DataFrame, np.ndarray]:
    """``cells`` (with rows of value 0 added for cells non-zero or hidden before and absent
    now) and the cells to suppress whatever their count, in that frame's order."""
    dims = list(dims)
    vanished = (
        before.filter((pl.col("value") != 0) | pl.col("status").is_not_null())
        .select(dims)
        .unique()
        .join(cells.select(dims), on=dims, how="anti", nulls_equal=True)
        .sort(dims)
    )
    if vanished.height:
        zeros = vanished.with_columns(
            pl.lit(0, dtype=pl.Int64).alias("value"),
            pl.lit(0, dtype=pl.Int64).alias("contributors"),
        )
        cells = pl.concat([cells, zeros.select(cells.columns).cast(cells.schema)])
    change = (pl.col("value") - pl.col("value_before")).abs()
    flagged = (
        cells.select(*dims, "value")
        .with_row_index("_row")
        .join(
            before.select(*dims, pl.col("value").alias("value_before"), "status"),
            on=dims,
            how="left",
            nulls_equal=True,
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
