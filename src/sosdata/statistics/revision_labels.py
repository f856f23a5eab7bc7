"""A revision as people read it: the changed cells of two publications of a quarter
(:func:`sosdata.statistics.publications.changes`) with each cell's codes turned into the labels
of the published dimensions."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from sosdata.statistics.publications import SEPARATOR
from sosdata.statistics.tables import Table

COLUMNS = {"table_id": pl.String, "table": pl.String, "cell": pl.String}


def labelled(changes: pl.DataFrame, tables: Sequence[Table], lang: str) -> pl.DataFrame:
    """``changes`` (table_id, cell, before, after) with the table's title and the cell as
    "dimension: label" pairs in ``lang``, from the dimensions of ``tables`` (the newer
    publication's)."""
    parts = []
    by_id = {t.id: t for t in tables}
    for (table_id,), rows in changes.partition_by("table_id", as_dict=True).items():
        table = by_id.get(str(table_id))
        if table is None:  # a table the newer publication no longer has: codes as they are
            parts.append(rows.with_columns(table=pl.col("table_id")))
            continue
        names = table.dims
        split = pl.col("cell").str.split_exact(SEPARATOR, len(names) - 1).struct
        readable = [
            pl.concat_str(
                pl.lit(f"{d.title.get(lang, d.name)}: "),
                split.field(f"field_{i}").replace_strict(
                    {c: d.label(c, lang) for c in d.codes}, default=split.field(f"field_{i}")
                ),
            )
            for i, d in enumerate(table.dimensions)
        ]
        parts.append(
            rows.with_columns(
                table=pl.lit(table.title.get(lang, table.id)),
                cell=pl.concat_str(readable, separator="; "),
            )
        )
    if not parts:
        return pl.DataFrame(schema={**COLUMNS, "before": pl.String, "after": pl.String})
    return pl.concat([p.select("table_id", "table", "cell", "before", "after") for p in parts])
