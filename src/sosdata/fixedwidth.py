"""Short fixed-width text columns (identity codes, ISO dates) read as bytes, at memory speed.

Polars keeps a string of up to 12 bytes inline in its 16-byte string view (4 bytes length, then
the bytes). Reading the views as bytes gives every value's characters without touching a
string, and a field such as a date or an identity code becomes integer arithmetic over a few
byte positions: no per-row strings, no parsing. The bytes are transposed once, to 12 rows of n,
so that each position is one contiguous array. Values of another length (or out of line) leave
other bytes there; callers mask those with the lengths.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

VIEW_BYTES = 16
INLINE_BYTES = 12
_ZERO = np.uint8(ord("0"))
ISO_DATE_LENGTH = len("YYYY-MM-DD")
_MONTHS_PER_YEAR = 12


def inline_bytes(column: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each value's byte length (0 for null) and a 12×n matrix: row ``i`` holds every value's
    byte ``i``."""
    arrow = column.cast(pl.String).rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    if arrow.type != pa.string_view():
        arrow = arrow.cast(pa.string_view())
    buffer = arrow.buffers()[1]
    if buffer is None:  # no values at all
        return np.zeros(len(arrow), np.int32), np.zeros((INLINE_BYTES, len(arrow)), np.uint8)
    rows = slice(arrow.offset, arrow.offset + len(arrow))
    words = np.frombuffer(buffer, "<u4").reshape(-1, VIEW_BYTES // 4)[rows]
    lengths = np.where(column.is_null().to_numpy(), 0, words[:, 0].view("<i4"))
    # transposed as 4-byte words first (cheap), then each word's bytes spread into rows
    inline_words = np.ascontiguousarray(words[:, 1:].T)
    by_word = inline_words.view(np.uint8).reshape(len(inline_words), -1, 4)
    return lengths, np.ascontiguousarray(by_word.transpose(0, 2, 1)).reshape(INLINE_BYTES, -1)


def digits_value(
    text: np.ndarray, positions: range | tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The decimal number written at ``positions`` of each row, and whether all were digits."""
    # in place: on millions of rows every temporary array costs a pass over fresh memory
    value = np.zeros(text.shape[1], np.int32)
    all_digits = np.ones(text.shape[1], bool)
    for position in positions:
        digit = text[position] - _ZERO  # a non-digit wraps around to more than 9
        all_digits &= digit <= 9
        value *= 10
        value += digit
    return value, all_digits


class MonthTable:
    """Every month of a range of years, indexed ``(year - first_year) * 13 + month`` (month 0
    of each year is a dummy of length 0, where malformed values are sent)."""

    def __init__(self, first_year: int, last_year: int):
        self.first_year = first_year
        self.years = years = last_year - first_year + 1
        months = np.arange(years * _MONTHS_PER_YEAR) + (first_year - 1970) * _MONTHS_PER_YEAR
        starts = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        ends = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        shape = (years, _MONTHS_PER_YEAR + 1)
        self.length = np.zeros(shape, np.int32)
        self.start = np.zeros(shape, np.int32)
        self.length[:, 1:] = (ends - starts).reshape(years, _MONTHS_PER_YEAR)
        self.start[:, 1:] = starts.reshape(years, _MONTHS_PER_YEAR)
        self.length, self.start = self.length.ravel(), self.start.ravel()

    def days(
        self, year: np.ndarray, month: np.ndarray, day: np.ndarray, well_formed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Days since 1970-01-01 of each date, and whether it is a real date."""
        index = year - self.first_year
        out_of_range = ~well_formed | (month > _MONTHS_PER_YEAR) | (index < 0)
        out_of_range |= index >= self.years
        index *= _MONTHS_PER_YEAR + 1
        index += month
        index[out_of_range] = 0
        real = (day >= 1) & (day <= self.length[index])
        days = self.start[index]
        days += day - 1
        return days, real


_ISO_MONTHS = MonthTable(1, 9999)


def iso_dates(column: pl.Series) -> pl.Series:
    """``YYYY-MM-DD`` strings as dates; null for anything else (other forms, unreal dates)."""
    lengths, text = inline_bytes(column)
    year, year_digits = digits_value(text, range(0, 4))
    month, month_digits = digits_value(text, (5, 6))
    day, day_digits = digits_value(text, (8, 9))
    well_formed = (
        (lengths == ISO_DATE_LENGTH)
        & year_digits
        & month_digits
        & day_digits
        & (text[4] == ord("-"))
        & (text[7] == ord("-"))
    )
    days, real = _ISO_MONTHS.days(year, month, day, well_formed)
    dates = pa.array(days, mask=~(well_formed & real)).view(pa.date32())
    return pl.Series(column.name, dates)
