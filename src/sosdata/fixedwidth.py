"""Short fixed-width text columns (identity codes, ISO dates) read as bytes, at memory speed.

Polars keeps a string of up to 12 bytes inline in its 16-byte string view (4 bytes length, then
the bytes). Compiled loops (Numba) read those views directly: a date or an identity code becomes
integer arithmetic over a few byte positions, in one pass per column, with no per-row strings
and no parsing. A value longer than 12 bytes is never a date or an identity code; its view holds
a pointer instead of bytes, and callers only look at its length.

Each loop runs on one thread and lets go of the interpreter, so callers run several side by
side (and beside Polars), from any thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
from numba import njit

VIEW_BYTES = 16
INLINE_BYTES = 12
#: where a view's inline bytes start (after the 4-byte length)
TEXT = 4
ISO_DATE_LENGTH = len("YYYY-MM-DD")
#: what a day count holds where there is no real date
NOT_A_DATE = -(2**31)
_ZERO = ord("0")
_DASH = ord("-")
_NO_BITMAP = np.zeros(0, np.uint8)


@dataclass(frozen=True)
class Chunk:
    """One chunk of a string column as Arrow lays it out: ``views`` (``rows × 16`` bytes, the
    column's own memory, read-only) and the validity bitmap (empty when nothing is missing),
    whose bits start at ``bit_offset``. Its rows are the column's from ``first_row`` on."""

    first_row: int
    views: np.ndarray
    validity: np.ndarray
    bit_offset: int

    @property
    def rows(self) -> slice:
        return slice(self.first_row, self.first_row + len(self.views))


def chunks(column: pl.Series) -> list[Chunk]:
    """The column's chunks, without copying (gathering them into one costs a pass over every
    value's bytes)."""
    table = column.cast(pl.String).to_frame().to_arrow(compat_level=pl.CompatLevel.newest())
    found, first_row = [], 0
    for array in table.column(0).chunks:
        if array.type != pa.string_view():
            array = array.cast(pa.string_view())
        validity, buffer = array.buffers()[:2]
        views = (
            np.frombuffer(buffer, np.uint8).reshape(-1, VIEW_BYTES)[array.offset :][: len(array)]
            if buffer is not None
            else np.zeros((len(array), VIEW_BYTES), np.uint8)
        )
        bits = np.frombuffer(validity, np.uint8) if validity is not None else _NO_BITMAP
        found.append(Chunk(first_row, views, bits, array.offset))
        first_row += len(array)
    return found


@njit(inline="always", cache=True)
def present(validity: np.ndarray, bit_offset: int, row: int) -> bool:
    """Whether a chunk's value ``row`` is present (see :class:`Chunk`)."""
    if validity.size == 0:
        return True
    bit = bit_offset + row
    return (validity[bit >> 3] >> (bit & 7)) & 1 == 1


@njit(inline="always", cache=True)
def length(view: np.ndarray) -> int:
    """The value's length in bytes (little-endian 32-bit)."""
    return view[0] | (view[1] << 8) | (view[2] << 16) | (np.int64(view[3]) << 24)


@njit(inline="always", cache=True)
def digits(view: np.ndarray, first: int, count: int) -> int:
    """The decimal number written at ``count`` text positions from ``first``; −1 when one is
    not a digit."""
    value = 0
    for position in range(TEXT + first, TEXT + first + count):
        digit = np.int64(view[position]) - _ZERO
        if digit < 0 or digit > 9:
            return -1
        value = value * 10 + digit
    return value


@njit(inline="always", cache=True)
def month_length(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    if month == 4 or month == 6 or month == 9 or month == 11:
        return 30
    return 31


@njit(inline="always", cache=True)
def civil_days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's ``days_from_civil``),
    or :data:`NOT_A_DATE` (month or day out of range, year 0)."""
    if year < 1 or month < 1 or month > 12 or day < 1 or day > month_length(year, month):
        return NOT_A_DATE
    if month <= 2:
        year -= 1
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + 9 if month <= 2 else month - 3) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


@njit(cache=True, nogil=True)
def _iso_days(views: np.ndarray, validity: np.ndarray, bit_offset: int, days: np.ndarray) -> None:
    for row in range(views.shape[0]):
        days[row] = NOT_A_DATE
        view = views[row]
        if not present(validity, bit_offset, row) or length(view) != ISO_DATE_LENGTH:
            continue
        if view[TEXT + 4] != _DASH or view[TEXT + 7] != _DASH:
            continue
        year, month, day = digits(view, 0, 4), digits(view, 5, 2), digits(view, 8, 2)
        if year >= 0 and month >= 0 and day >= 0:
            days[row] = civil_days(year, month, day)


def dates(days: np.ndarray, name: str) -> pl.Series:
    """A date column from days since 1970-01-01, :data:`NOT_A_DATE` as null."""
    return pl.Series(name, pa.array(days, mask=days == NOT_A_DATE).view(pa.date32()))


def iso_dates(column: pl.Series) -> pl.Series:
    """``YYYY-MM-DD`` strings as dates; null for anything else (other forms, unreal dates)."""
    days = np.empty(len(column), np.int32)
    for chunk in chunks(column):
        _iso_days(chunk.views, chunk.validity, chunk.bit_offset, days[chunk.rows])
    return dates(days, column.name)
