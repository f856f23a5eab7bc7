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

The rows are put in order by one sort through packed keys (``packed_sort``); then one compiled
pass (Numba) walks them in that order and marks where each merged record ends, with its start,
its end and whether its parts' sources differ. Polars then takes those rows. The output is
sorted, so the same input gives the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from numba import njit

from sosdata.register import packed_sort

KANTA = "kanta"
SEPARATE = "separate"
BOTH = "both"
SOURCE = "source"
#: the sources as an enumeration (in their text's order): a column of millions of rows holds
#: small integers, not millions of copies of three words
SOURCES = pl.Enum([BOTH, KANTA, SEPARATE])

#: "no end": above every real day (9999-12-31 included), so a maximum keeps a range open
_OPEN = np.iinfo(np.int32).max


def _preference() -> pl.Expr:
    return pl.col(SOURCE) == SEPARATE


@njit(cache=True, nogil=True)
def _islands(
    order: np.ndarray,
    key_words: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    sources: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """Walk the rows in ``order`` (sorted by key, then start); a row starting after the latest
    end of its key so far begins a new record. Per record: the position (in ``order``) of its
    last row, its start, its latest end and whether its rows' sources differ."""
    n = order.shape[0]
    last = np.empty(n, np.int64)
    first_start = np.empty(n, np.int64)
    latest_end = np.empty(n, np.int64)
    mixed = np.zeros(n, np.bool_)
    records = -1
    reach = 0
    source = 0
    ordered = True
    for i in range(n):
        row = order[i]
        new_key = i == 0
        if not new_key:
            previous = order[i - 1]
            for w in range(key_words.shape[0]):
                if key_words[w, row] != key_words[w, previous]:
                    new_key = True
        start, end = starts[row], ends[row]
        if new_key or start > reach:
            if not new_key:
                ordered &= start > first_start[records]
            records += 1
            first_start[records], latest_end[records] = start, end
            source = sources[row]
            reach = end
        else:
            latest_end[records] = max(latest_end[records], end)
            mixed[records] |= sources[row] != source
            reach = max(reach, end)
        last[records] = i
    records += 1
    return last[:records], first_start[:records], latest_end[:records], mixed[:records], ordered


def _merged(
    frame: pl.DataFrame, key: list[str], then: list[str | pl.Expr], ranges: tuple[str, str] | None
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray, bool]:
    """``frame``'s last row of each merged record (sorted by ``key`` and ``then``), and the
    records' starts and ends (days; ``_OPEN``), whether their sources differ and whether
    each key's records start in order (see :func:`_islands`). Without
    ``ranges`` every row of a key is one record."""
    key_words = packed_sort.keys(frame, key)
    words = [w.alias(f"_w{i}") for i, w in enumerate([*key_words, *packed_sort.keys(frame, then)])]
    order = (
        pl.DataFrame(words).select(pl.arg_sort_by([w.name for w in words])).to_series().to_numpy()
    )
    if ranges is None:
        starts = np.zeros(frame.height, np.int64)
        ends = np.full(frame.height, _OPEN, np.int64)
    else:
        start, end = ranges
        days = frame.select(
            pl.col(start).cast(pl.Int32).cast(pl.Int64),
            pl.col(end).cast(pl.Int32).cast(pl.Int64).fill_null(_OPEN),
        )
        starts, ends = (c.to_numpy() for c in days.iter_columns())
    sources, _ = packed_sort.rank_of(frame[SOURCE])
    keyed = (
        np.stack([w.to_numpy() for w in key_words])
        if key_words
        else np.zeros((0, frame.height), np.uint64)
    )
    last, first_start, latest_end, mixed, ordered = _islands(
        order, keyed, starts, ends, sources.to_numpy()
    )
    return frame[order[last]], first_start, latest_end, mixed, bool(ordered)


def _source(mixed: np.ndarray) -> pl.Expr:
    """One source when every part came from it, else ``both``."""
    both = pl.lit(BOTH, SOURCES)
    return pl.when(pl.Series(mixed)).then(both).otherwise(pl.col(SOURCE)).alias(SOURCE)


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
    last, first_start, latest_end, mixed, ordered = _merged(
        dated, key, [start, _preference(), *attributes, end], (start, end)
    )
    merged = last.with_columns(
        pl.Series(start, first_start).cast(pl.Int32).cast(pl.Date),
        pl.when(pl.Series(latest_end) == _OPEN)
        .then(None)
        .otherwise(pl.Series(latest_end))
        .cast(pl.Int32)
        .cast(pl.Date)
        .alias(end),
        _source(mixed),
    ).select(*columns, SOURCE)
    if undated.height == 0 and ordered:
        return merged  # each key's starts differ: already in the order below
    exact = dedupe(undated, [*key, start, end], attributes).select(*columns, SOURCE)
    return packed_sort.sort(
        pl.concat([merged, exact.cast(merged.schema)], how="vertical"),
        [*key, start, end, *attributes],
    )


def dedupe(frame: pl.DataFrame, key: Sequence[str], attributes: Sequence[str] = ()) -> pl.DataFrame:
    """Records equal on ``key`` from both sources become one record with source ``both``;
    ``attributes`` come from the separate delivery when both sources state them."""
    key, attributes = list(key), list(attributes)
    last, _, _, mixed, _ = _merged(frame, key, [_preference(), *attributes], None)
    return last.with_columns(_source(mixed)).select(*key, *attributes, SOURCE)
