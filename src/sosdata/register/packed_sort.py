"""Sorting by many columns through a few packed 64-bit keys.

Polars sorts by several columns by comparing them one after another, about 15 CPU-seconds for
10 M rows by ten short columns on the project's machine; sorting by one or two unsigned 64-bit
integers takes about 1.5. Every sort column becomes a dense rank — a date or an integer its
offset from the column's least value, a string its place among the column's distinct values —
with null after every value (``nulls_last``), and the ranks are packed, most significant column
first, into as few 64-bit words as their widths need. Sorting by the words orders rows exactly as
sorting by the columns would; rows equal in every column may come in either order, as with
Polars' own (unstable) sort.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

WORD_BITS = 64


def rank_of(column: pl.Series) -> tuple[pl.Series, int]:
    """The column as non-negative integers in its sort order (null last), and how many."""
    dtype = column.dtype
    if dtype == pl.String:
        distinct = column.drop_nulls().unique().sort()
        column = column.cast(pl.Enum(distinct.to_list()))
        dtype = column.dtype
    if isinstance(dtype, pl.Enum):
        codes = column.to_physical().cast(pl.Int64)
        values = len(dtype.categories)
        return codes.fill_null(values), values + 1
    if dtype == pl.Boolean:
        return column.cast(pl.Int64).fill_null(2), 3
    if dtype == pl.Date or dtype.is_integer():
        numbers = column.cast(pl.Int64)
        low, high = numbers.min(), numbers.max()
        if not isinstance(low, int) or not isinstance(high, int):  # every value null
            return pl.Series(column.name, [0] * len(column), pl.Int64), 1
        if high - low >= 2**62:
            raise ValueError(f"packed_sort: {column.name} spans too many values to pack")
        offset = numbers - low
        return offset.fill_null(high - low + 1), high - low + 2
    raise TypeError(f"packed_sort: cannot rank a {dtype} column ({column.name})")


def keys(frame: pl.DataFrame, by: Sequence[str | pl.Expr]) -> list[pl.Series]:
    """Unsigned 64-bit words whose order is the order of ``frame`` by ``by`` (nulls last)."""
    columns = frame.select(by)
    words: list[pl.Series] = []
    word: pl.Series | None = None
    free = WORD_BITS
    for column in columns.iter_columns():
        rank, count = rank_of(column)
        width = max(count - 1, 1).bit_length()
        if width > WORD_BITS:
            raise ValueError(f"packed_sort: {column.name} spans more than 2^64 values")
        if word is not None and width > free:
            words.append(word)
            word, free = None, WORD_BITS
        shifted = rank.cast(pl.UInt64)
        word = shifted if word is None else word * (1 << width) + shifted
        free -= width
    if word is not None:
        words.append(word)
    return [w.alias(f"_word{i}") for i, w in enumerate(words)]


def sort(frame: pl.DataFrame, by: Sequence[str | pl.Expr]) -> pl.DataFrame:
    """``frame.sort(by, nulls_last=True)``, through packed keys."""
    if frame.height < 2:
        return frame
    words = keys(frame, by)
    order = pl.DataFrame(words).select(pl.arg_sort_by([w.name for w in words])).to_series()
    return frame[order]
