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

import calendar
import datetime as dt
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
    not a digit. (No early exit: the loop unrolls into straight-line code.)"""
    value, bad = 0, False
    for position in range(TEXT + first, TEXT + first + count):
        digit = np.int64(view[np.uintp(position)]) - _ZERO
        bad |= np.uint64(digit) > 9
        value = value * 10 + digit
    return -1 if bad else value


def _days_before_years() -> np.ndarray:
    epoch = dt.date(1970, 1, 1).toordinal()
    years = [dt.date(y, 1, 1).toordinal() - epoch for y in range(1, 10_000)]
    return np.array([0, *years], np.int32)


#: days since 1970-01-01 of 1 January of each year 1–9999 (tables: three times faster than
#: the arithmetic, which divides)
_YEAR_START = _days_before_years()
_LEAP = np.array([calendar.isleap(y) for y in range(10_000)], np.int64)
#: days before each month, and before the next year, in a common and in a leap year
_MONTH_START = np.array(
    [np.cumsum([0] + [calendar.monthrange(y, m)[1] for m in range(1, 13)]) for y in (2001, 2000)],
    np.int32,
)


@njit(inline="always", cache=True)
def civil_days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date of years 1–9999, or
    :data:`NOT_A_DATE` (month or day out of range, year 0 or beyond)."""
    if year < 1 or year > 9999 or month < 1 or month > 12 or day < 1:
        return NOT_A_DATE
    leap = _LEAP[year]
    before = _MONTH_START[leap, month - 1]
    if day > _MONTH_START[leap, month] - before:
        return NOT_A_DATE
    return _YEAR_START[year] + before + day - 1


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


@njit(cache=True, nogil=True)
def _look_up_digits(views, validity, bit_offset, table, width, found):
    for row in range(views.shape[0]):
        found[row] = -1
        view = views[row]
        if present(validity, bit_offset, row) and length(view) == width:
            code = digits(view, 0, width)
            if code >= 0:
                found[row] = table[code]


def look_up_digits(column: pl.Series, table: dict[str, int], name: str) -> pl.Series:
    """``table[value]`` for each value, null where absent; the keys are codes of one number of
    digits (a municipality's "091"), at most six. One look at each view instead of hashing
    each string."""
    (width,) = {len(code) for code in table}
    assert width <= 6 and all(code.isdigit() for code in table), "codes of up to six digits"
    numbers = np.full(10**width, -1, np.int32)
    numbers[[int(code) for code in table]] = list(table.values())
    found = np.empty(len(column), np.int32)
    for chunk in chunks(column):
        _look_up_digits(
            chunk.views, chunk.validity, chunk.bit_offset, numbers, width, found[chunk.rows]
        )
    return pl.Series(name, pa.array(found, mask=found < 0)).cast(pl.UInt16)


def dates(days: np.ndarray, name: str) -> pl.Series:
    """A date column from days since 1970-01-01, :data:`NOT_A_DATE` as null."""
    return pl.Series(name, pa.array(days, mask=days == NOT_A_DATE).view(pa.date32()))


def iso_dates(column: pl.Series) -> pl.Series:
    """``YYYY-MM-DD`` strings as dates; null for anything else (other forms, unreal dates)."""
    days = np.empty(len(column), np.int32)
    for chunk in chunks(column):
        _iso_days(chunk.views, chunk.validity, chunk.bit_offset, days[chunk.rows])
    return dates(days, column.name)
