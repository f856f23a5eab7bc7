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
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
from numba import njit

#: this module's source, for compiled loops elsewhere that build in its helpers (see
#: ``identity._facts_loop``)
SOURCE_KEY = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
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
#: an integer of the compiled loops (int64 there); uncompiled, a NumPy or a Python integer
Int = int | np.int64


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


# The helpers index ``views[row, byte]`` with unsigned integers: taking a row's own array
# (``views[row]``) or a signed index makes Numba add work to every access (reference counts,
# the check for negative indices), which doubles the time of these loops. The other compiled
# loops index their large arrays the same way.


@njit(inline="always", cache=True)
def present(validity: np.ndarray, bit_offset: int, row: int) -> bool:
    """Whether a chunk's value ``row`` is present (see :class:`Chunk`)."""
    if validity.size == 0:
        return True
    bit = bit_offset + row
    return (validity[np.uintp(bit >> 3)] >> (bit & 7)) & 1 == 1


@njit(inline="always", cache=True)
def byte(views: np.ndarray, row: int, position: int) -> np.int64:
    """The byte at text ``position`` of the value ``row``."""
    return np.int64(views[np.uintp(row), np.uintp(TEXT + position)])


@njit(inline="always", cache=True)
def length(views: np.ndarray, row: int) -> np.int64:
    """The value's length in bytes (little-endian 32-bit)."""
    r = np.uintp(row)
    return (
        np.int64(views[r, 0])
        | (np.int64(views[r, 1]) << 8)
        | (np.int64(views[r, 2]) << 16)
        | (np.int64(views[r, 3]) << 24)
    )


@njit(inline="always", cache=True)
def digits(views: np.ndarray, row: int, first: int, count: Int) -> Int:
    """The decimal number written at ``count`` text positions from ``first``; −1 when one is
    not a digit. (No early exit: the loop unrolls into straight-line code.)"""
    value: Int = 0
    bad: bool | np.bool = False
    for position in range(first, first + count):
        digit = byte(views, row, position) - _ZERO
        bad |= np.uint64(digit) > 9
        value = value * 10 + digit
    return -1 if bad else value


#: days since 1970-01-01 of 1 January of each year 1–9999 (index 0 unused); tables are three
#: times faster than the arithmetic, which divides
_YEAR_START = np.concatenate(
    [[0], np.arange("0001", "10000", dtype="datetime64[Y]").astype("datetime64[D]").astype(int)]
).astype(np.int32)
_LEAP = (np.diff(_YEAR_START, append=_YEAR_START[-1] + 365) == 366).astype(np.int64)
#: days before each month, and before the next year, in a common and in a leap year
_MONTH_START = np.array(
    [np.cumsum([0] + [calendar.monthrange(y, m)[1] for m in range(1, 13)]) for y in (2001, 2000)],
    np.int32,
)


@njit(inline="always", cache=True)
def civil_days(year: Int, month: Int, day: Int) -> Int:
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
        found: Int = NOT_A_DATE
        if (
            length(views, row) == ISO_DATE_LENGTH
            and byte(views, row, 4) == _DASH
            and byte(views, row, 7) == _DASH
            and present(validity, bit_offset, row)
        ):
            year, month = digits(views, row, 0, 4), digits(views, row, 5, 2)
            day = digits(views, row, 8, 2)
            if year >= 0 and month >= 0 and day >= 0:
                found = civil_days(year, month, day)
        days[np.uintp(row)] = found


#: where the codes of each number of digits (1–4) start in a lookup table: "7", "07" and
#: "007" are different codes
_DIGITS_BASE = np.array([0, 0, 10, 110, 1110, 11110])
MAX_CODE_DIGITS = 4


@njit(cache=True, nogil=True)
def _look_up_digits(views, validity, bit_offset, table, found, places):
    for row in range(views.shape[0]):
        place = -1
        width = length(views, row)
        if 1 <= width <= MAX_CODE_DIGITS and present(validity, bit_offset, row):
            code = digits(views, row, 0, width)
            if code >= 0:
                place = table[_DIGITS_BASE[width] + code]
        r = np.uintp(row)
        found[r], places[r] = place >= 0, max(place, 0)


def look_up(column: pl.Series, table: dict[str, int], name: str) -> pl.Series:
    """``table[value]`` (0–65535) for each value, null where absent. When every key is a code
    of one to four digits (a municipality's "091", a service task's "1"), a compiled loop looks
    at each view instead of hashing each string."""
    if not all(code.isdigit() and len(code) <= MAX_CODE_DIGITS for code in table):
        return column.replace_strict(table, default=None, return_dtype=pl.UInt16).alias(name)
    numbers = np.full(_DIGITS_BASE[-1], -1, np.int32)
    numbers[[_DIGITS_BASE[len(code)] + int(code) for code in table]] = list(table.values())
    found, places = np.empty(len(column), np.bool_), np.empty(len(column), np.uint16)
    for chunk in chunks(column):
        _look_up_digits(
            chunk.views,
            chunk.validity,
            chunk.bit_offset,
            numbers,
            found[chunk.rows],
            places[chunk.rows],
        )
    return _with_nulls(name, places, found)


def _with_nulls(
    name: str, values: np.ndarray, valid: np.ndarray, arrow_type: pa.DataType | None = None
) -> pl.Series:
    """A column of ``values``, null where not ``valid``; built from Arrow buffers (no copy
    of the values)."""
    arrow_type = arrow_type or pa.from_numpy_dtype(values.dtype)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    array = pa.Array.from_buffers(arrow_type, len(values), [bitmap, pa.py_buffer(values)])
    return pl.Series(name, array)


def dates(days: np.ndarray, name: str) -> pl.Series:
    """A date column from days since 1970-01-01, :data:`NOT_A_DATE` as null."""
    return _with_nulls(name, days, days != NOT_A_DATE, pa.date32())


def iso_dates(column: pl.Series) -> pl.Series:
    """``YYYY-MM-DD`` strings as dates; null for anything else (other forms, unreal dates)."""
    days = np.empty(len(column), np.int32)
    for chunk in chunks(column):
        _iso_days(chunk.views, chunk.validity, chunk.bit_offset, days[chunk.rows])
    return dates(days, column.name)
