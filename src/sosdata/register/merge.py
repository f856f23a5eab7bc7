"""Merging the two sources' records of one person (SPEC §8 rule), keeping provenance.

Date ranges of the same key (organiser, person, and the component's own key such as the service
task) are merged with the rule the Kanta derivation applies to cases: sorted by start, a range
that starts on or before the latest end so far continues the merged range; one starting the day
after or later begins a new one. A missing end keeps the range open. Each merged record's
``source`` is ``kanta`` or ``separate`` when all its parts came from one source, else ``both``.
Records without a range (a service with no start date) are merged only when identical.

The details of a merged record that are not part of its key (``attributes``: home
municipality, sex, municipality group) come from one part: the one that starts last (the most
recent facts), on a tie the separate delivery's, then the greatest values — an order that does
not depend on the input's row order.

Everything is whole-column Polars: one sort, then a cumulative maximum over the whole column
(the key's index is added to every day so that it acts per key without a window), then one
group-by. The output is sorted, so the same input gives the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

KANTA = "kanta"
SEPARATE = "separate"
BOTH = "both"
SOURCE = "source"

#: stands for "no end" while merging, so that a cumulative maximum keeps the range open
_OPEN = dt.date(9999, 12, 31)
#: days as integers shifted to be non-negative for every year 1–9999; a key's index times
#: _KEY_SPAN is above every day, so key_index * _KEY_SPAN + day increases across keys
_DAY_OFFSET = 719_163
_KEY_SPAN = 1 << 22


def _days(column: pl.Expr) -> pl.Expr:
    return column.cast(pl.Int32).cast(pl.Int64) + _DAY_OFFSET


def _provenance(source: pl.Expr) -> pl.Expr:
    """One source when every merged part came from it, else ``both``."""
    return pl.when(source.n_unique() > 1).then(pl.lit(BOTH)).otherwise(source.first()).alias(SOURCE)


def _preference() -> pl.Expr:
    return pl.col(SOURCE) == SEPARATE


def merge_ranges(
    frame: pl.DataFrame,
    key: Sequence[str],
    start: str,
    end: str,
    attributes: Sequence[str] = (),
) -> pl.DataFrame:
    """Merge overlapping or touching ranges per ``key``. Rows with a null ``start`` are kept
    apart and merged only when equal on ``key``, ``start`` and ``end`` (see :func:`dedupe`)."""
    key, attributes = list(key), list(attributes)
    columns = [*key, *attributes, start, end]
    dated = frame.filter(pl.col(start).is_not_null())
    undated = frame.filter(pl.col(start).is_null())

    # Within a key, parts with the same start may come in any order without changing the
    # islands (a later one starts on the same day, so within the earlier one's reach); sorting
    # them by preference puts the part whose details win last in its island.
    ordered = dated.sort(
        [*key, start, _preference(), *attributes, end], nulls_last=True
    ).with_columns(_key=pl.struct(key).rle_id().cast(pl.Int64) * _KEY_SPAN)
    reach = (pl.col("_key") + _days(pl.col(end).fill_null(_OPEN))).cum_max().shift(1)
    islands = ordered.with_columns(
        _island=((pl.col("_key") + _days(pl.col(start))) > reach.fill_null(-1)).cum_sum()
    )
    merged = (
        islands.group_by("_island")
        .agg(
            *[pl.col(k).first() for k in key],
            *[pl.col(a).last() for a in attributes],
            pl.col(start).min(),
            # an open part keeps the merged range open
            pl.when(pl.col(end).is_null().any()).then(None).otherwise(pl.col(end).max()).alias(end),
            _provenance(pl.col(SOURCE)),
        )
        .select(*columns, SOURCE)
    )
    exact = dedupe(undated, [*key, start, end], attributes).select(*columns, SOURCE)
    return pl.concat([merged, exact.cast(merged.schema)], how="vertical").sort(
        [*key, start, end, *attributes], nulls_last=True
    )


def dedupe(frame: pl.DataFrame, key: Sequence[str], attributes: Sequence[str] = ()) -> pl.DataFrame:
    """Records equal on ``key`` from both sources become one record with source ``both``;
    ``attributes`` come from the separate delivery when both sources state them."""
    key, attributes = list(key), list(attributes)
    return (
        frame.sort([*key, _preference(), *attributes], nulls_last=True)
        .group_by(key, maintain_order=True)
        .agg(*[pl.col(a).last() for a in attributes], _provenance(pl.col(SOURCE)))
        .select(*key, *attributes, SOURCE)
    )
