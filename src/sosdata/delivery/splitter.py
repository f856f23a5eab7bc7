"""Splitting a format-v1 CSV into string columns: one compiled pass over the file's bytes.

Format v1 needs no quoting (see ``reader``), so a line is a row and a ``;`` ends a field. A
compiled loop (Numba) finds each field's end eight bytes at a time and writes the field's Arrow
string view straight away: a value of up to 12 bytes is copied into its view, a longer one is
pointed at where it lies in the file (no copy). The resulting Arrow arrays become Polars columns
without a copy. On the way it removes a line's ``\\r``, the double quotes enclosing a value
(``""`` is empty) and counts the lines whose field count is wrong. Empty values are missing.

The file is cut at line ends into pieces that two threads split side by side; each piece is a
chunk of every column.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl
import pyarrow as pa
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from sosdata.fixedwidth import INLINE_BYTES

#: ``bytes`` or a read-only memory map of a file
Buffer = bytes | mmap.mmap
_LINE_END, _DELIMITER, _QUOTE, _CR = ord("\n"), ord(";"), ord('"'), ord("\r")
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_DELIMITERS = np.uint64(0x3B3B3B3B3B3B3B3B)
_LINE_ENDS = np.uint64(0x0A0A0A0A0A0A0A0A)
#: a piece small enough that two threads share the work evenly, large enough that a column
#: does not fall into many chunks
PIECE_BYTES = 32 * 1024**2
#: Numba's intrinsic as compiled code calls it (its Python signature also takes the typing
#: context, which Numba passes itself): the count of a word's trailing zero bits
_trailing_zeros = cast(Callable[[np.uint64], int], trailing_zeros)
#: view offsets are signed 32-bit, counted from the start of a piece
MAX_PIECE_BYTES = 2**31 - 1


@dataclass(frozen=True)
class Split:
    """The columns of a file's data lines, and how many lines had the wrong field count."""

    columns: list[pl.Series]
    ragged_lines: int


@njit(inline="always", cache=True)
def _word(buf: np.ndarray, at: int, count: int) -> np.uint64:
    """``count`` (≤ 8) bytes from ``at``, little-endian."""
    word = np.uint64(0)
    for k in range(count):
        word |= np.uint64(buf[np.uintp(at + k)]) << np.uint64(8 * k)
    return word


@njit(inline="always", cache=True)
def _word8(buf: np.ndarray, at: int) -> np.uint64:
    """The eight bytes from ``at``, little-endian (one load once compiled)."""
    return (
        np.uint64(buf[np.uintp(at)])
        | (np.uint64(buf[np.uintp(at + 1)]) << np.uint64(8))
        | (np.uint64(buf[np.uintp(at + 2)]) << np.uint64(16))
        | (np.uint64(buf[np.uintp(at + 3)]) << np.uint64(24))
        | (np.uint64(buf[np.uintp(at + 4)]) << np.uint64(32))
        | (np.uint64(buf[np.uintp(at + 5)]) << np.uint64(40))
        | (np.uint64(buf[np.uintp(at + 6)]) << np.uint64(48))
        | (np.uint64(buf[np.uintp(at + 7)]) << np.uint64(56))
    )


@njit(inline="always", cache=True)
def _zero_bytes(word: np.uint64) -> np.uint64:
    """The high bit of each byte of ``word`` that is zero, and no other bit."""
    return ~(((word & _LOW7) + _LOW7) | word | _LOW7)


@njit(inline="always", cache=True)
def _field_end(buf: np.ndarray, at: int, end: int) -> int:
    """Where the field starting at ``at`` ends: its ``;`` or line end, or ``end``."""
    while at + 8 <= end:
        word = _word8(buf, at)
        found = _zero_bytes(word ^ _DELIMITERS) | _zero_bytes(word ^ _LINE_ENDS)
        if found:
            return at + (_trailing_zeros(found) >> 3)
        at += 8
    while at < end and buf[np.uintp(at)] != _DELIMITER and buf[np.uintp(at)] != _LINE_END:
        at += 1
    return at


@njit(inline="always", cache=True)
def _low_bytes(word: np.uint64, count: int) -> np.uint64:
    """The lowest ``count`` bytes of ``word`` (``count`` from 0 to 8)."""
    if count >= 8:
        return word
    if count <= 0:
        return np.uint64(0)
    return word & ((np.uint64(1) << np.uint64(8 * count)) - np.uint64(1))


@njit(cache=True, nogil=True)
def _split(
    buf: np.ndarray, base: int, start: int, end: int, views: np.ndarray, validity: np.ndarray
) -> tuple[int, int, int]:
    """Split the lines in ``buf[start:end]`` (``end`` a line's end, or the file's) into
    ``views`` (``columns × capacity × 2`` words: an Arrow string view each) and ``validity``
    (bitmaps, zeroed). Stops when full; returns the rows written, where it stopped and how many
    of those lines had another field count than ``columns``. Long values are pointed at by
    their offset from ``base``. Indices are unsigned, as in ``fixedwidth``."""
    columns, capacity = views.shape[0], views.shape[1]
    row, at, ragged = 0, start, 0
    while at < end and row < capacity:
        column = 0
        while True:
            first = at
            last = _field_end(buf, at, end)
            line_ends = last >= end or buf[np.uintp(last)] == _LINE_END
            at = last + 1
            if column < columns:
                if line_ends and last > first and buf[np.uintp(last - 1)] == _CR:
                    last -= 1
                if (
                    last - first >= 2
                    and buf[np.uintp(first)] == _QUOTE
                    and buf[np.uintp(last - 1)] == _QUOTE
                ):
                    first += 1
                    last -= 1
                c, r = np.uintp(column), np.uintp(row)
                if last == first:  # missing
                    views[c, r, 0] = views[c, r, 1] = 0
                else:
                    views[c, r, 0], views[c, r, 1] = _view(buf, base, first, last - first)
                    validity[c, np.uintp(row >> 3)] |= np.uint8(1 << (row & 7))
            column += 1
            if line_ends:
                break
        if column != columns:
            ragged += 1
        row += 1
    return row, at, ragged


@njit(inline="always", cache=True)
def _view(buf: np.ndarray, base: int, first: int, size: int) -> tuple[np.uint64, np.uint64]:
    """The two words of the view of the ``size`` (> 0) bytes at ``first``."""
    if first + 16 <= buf.size:  # whole words, then only the value's bytes
        head = _low_bytes(_word8(buf, first), size)
        tail = _low_bytes(_word8(buf, first + 8), size - 8)
    else:
        head = _word(buf, first, min(size, 8))
        tail = _word(buf, first + 8, max(0, min(size, INLINE_BYTES) - 8))
    if size <= INLINE_BYTES:  # length, the bytes
        return (
            np.uint64(size) | (head << np.uint64(32)),
            (head >> np.uint64(32)) | (tail << np.uint64(32)),
        )
    # length, the first four bytes, buffer 0, offset in it
    return (
        np.uint64(size) | (_low_bytes(head, 4) << np.uint64(32)),
        np.uint64(first - base) << np.uint64(32),
    )


def _pieces(data: Buffer, start: int, end: int, piece_bytes: int) -> list[tuple[int, int]]:
    """``data[start:end]`` cut after a line end roughly every ``piece_bytes``."""
    bounds = [start]
    while bounds[-1] < end:
        line_end = data.find(b"\n", bounds[-1] + piece_bytes, end)
        bounds.append(end if line_end < 0 else line_end + 1)
        if bounds[-1] - bounds[-2] > MAX_PIECE_BYTES:
            raise ValueError(f"a line from byte {bounds[-2]} on is longer than 2 GiB")
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _split_piece(
    data: np.ndarray, start: int, end: int, columns: int, line_bytes: float
) -> tuple[list[list[pa.Array]], int]:
    """Every column's arrays for one piece (usually one each) and its ragged line count."""
    chunks: list[list[pa.Array]] = [[] for _ in range(columns)]
    piece = pa.py_buffer(data[start:end])
    at, ragged = start, 0
    while at < end:
        # sized from the average line; a piece of shorter lines takes another round
        capacity = int((end - at) / line_bytes * 1.05) + 64
        views = np.empty((columns, capacity, 2), np.uint64)
        validity = np.zeros((columns, capacity // 8 + 1), np.uint8)
        rows, reached, found = _split(data, start, at, end, views, validity)
        for column in range(columns):
            chunks[column].append(
                pa.Array.from_buffers(
                    pa.string_view(),
                    rows,
                    [pa.py_buffer(validity[column]), pa.py_buffer(views[column]), piece],
                )
            )
        at, ragged = reached, ragged + found
    return chunks, ragged


def split(
    data: Buffer, start: int, end: int, names: list[str], *, piece_bytes: int = PIECE_BYTES
) -> Split:
    """The lines of ``data[start:end]`` as string columns named ``names``, in file order."""
    buffer = np.frombuffer(data, np.uint8, count=end)
    sample = buffer[start : start + 1024**2]
    lines = max(1, int(np.count_nonzero(sample == _LINE_END)))
    line_bytes = max(len(names), len(sample) / lines)
    pieces = _pieces(data, start, end, piece_bytes)
    with ThreadPoolExecutor(max_workers=2) as pool:
        work = [
            pool.submit(_split_piece, buffer, first, last, len(names), line_bytes)
            for first, last in pieces
        ]
        done = [piece.result() for piece in work]
    columns = [
        # an Arrow array becomes a Series (Polars' stub cannot tell it from a table's frame)
        cast(
            pl.Series,
            pl.from_arrow(
                pa.chunked_array(
                    [array for chunks, _ in done for array in chunks[column]], pa.string_view()
                )
            ),
        ).alias(name)
        for column, name in enumerate(names)
    ]
    return Split(columns, sum(ragged for _, ragged in done))


@njit(cache=True, nogil=True)
def _bits_of_all_bytes(buf: np.ndarray) -> np.uint8:
    """The bits set in any byte (no early exit: the loop is vectorised)."""
    bits = np.uint8(0)
    for i in range(buf.size):
        bits |= buf[np.uintp(i)]
    return bits


def is_ascii(data: Buffer) -> bool:
    """Whether every byte is below 0x80 (``bytes.isascii`` for a memory map too)."""
    return bool(_bits_of_all_bytes(np.frombuffer(data, np.uint8)) < 0x80)
