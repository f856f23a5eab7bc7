"""Rows that share their keys (a person, or a person and a service task): which of them start
on the same day (candidate duplicates) and whose ranges overlap.

Rows are grouped by a 64-bit hash of their keys, found with one sort of plain integers: each
row's word holds the high bits of its hash and, below them, the row's number (several times
faster than sorting row numbers by hash, and each group's rows stay in file order). A run of
equal high bits is split again by the whole hash. Two different keys sharing all 64 bits could at
worst raise a warning needlessly (duplicates are confirmed by comparing whole rows); warnings
never reject a row. A compiled loop then orders each group by start and scans it once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numba import njit

#: groups up to this size are ordered by insertion sort; larger ones by merge sort
_SMALL_GROUP = 32
_FAR_FUTURE = np.int32(2_932_896)  # 9999-12-31 in days since 1970-01-01: an open end
_NO_START = np.iinfo(np.int32).max  # a missing start sorts last


@dataclass(frozen=True)
class SharedKeys:
    """Per row: whether another row with the same keys starts on the same day (both may be
    missing), and whether its range overlaps another's with the same keys."""

    same_start: np.ndarray
    overlaps: np.ndarray


@dataclass(frozen=True)
class Groups:
    """A frame's rows grouped by the hash of their keys (the part that needs no dates, so it
    can start first)."""

    #: each row's hash
    hashes: np.ndarray
    #: each row: every key present
    complete: np.ndarray
    #: the rows of runs of two or more equal high hash bits, run after run
    rows: np.ndarray
    #: where each run begins in ``rows``, and its end as a last entry
    run_starts: np.ndarray


def groups(frame: pl.DataFrame, keys: list[str]) -> Groups:
    """Group the rows of ``frame`` by the values of ``keys``."""
    n = frame.height
    index_bits = max(n - 1, 1).bit_length()
    hashes = frame.select(keys).hash_rows().to_numpy()
    words = np.empty(n, np.uint64)
    _words(hashes, index_bits, words)
    words.sort()
    rows, run_starts = np.empty(n, np.int32), np.empty(n // 2 + 1, np.int32)
    grouped, runs = _runs(words, index_bits, rows, run_starts)
    complete = frame.select(pl.all_horizontal(pl.col(k).is_not_null() for k in keys))
    return Groups(hashes, complete.to_series().to_numpy(), rows[:grouped], run_starts[: runs + 1])


def compare(found: Groups, start: pl.Series, end: pl.Series, *, overlaps: bool) -> SharedKeys:
    """Compare the rows that share their keys; ``start``/``end`` are each row's range as dates
    (a missing end is open). Ranges are compared only where every key and the start are
    present."""
    facts = (
        found.hashes,
        start.cast(pl.Int32).fill_null(_NO_START).to_numpy(),
        end.cast(pl.Int32).fill_null(_FAR_FUTURE).to_numpy(),
        found.complete,
    )
    # the grouped rows' facts in contiguous arrays: the checks then read them in order
    hashes, starts, ends, complete = in_groups = tuple(
        np.empty(found.rows.size, f.dtype) for f in facts
    )
    _gather(found.rows, facts, in_groups)
    found_same, found_overlap = _check_runs(
        found.run_starts, hashes, starts, ends, complete, overlaps
    )
    n = found.hashes.size
    same_start, overlapping = np.zeros(n, np.bool_), np.zeros(n, np.bool_)
    same_start[found.rows], overlapping[found.rows] = found_same, found_overlap
    return SharedKeys(same_start, overlapping)


@njit(cache=True, nogil=True)
def _words(hashes: np.ndarray, index_bits: int, words: np.ndarray) -> None:
    """Each row's hash with its low ``index_bits`` replaced by the row's number."""
    shift = np.uint64(index_bits)
    for row in range(hashes.size):
        words[np.uintp(row)] = (hashes[np.uintp(row)] >> shift << shift) | np.uint64(row)


@njit(cache=True, nogil=True)
def _gather(rows, facts, gathered) -> None:
    (hashes, starts, ends, complete), (hashes_to, starts_to, ends_to, complete_to) = facts, gathered
    for k in range(rows.size):
        row, at = np.uintp(rows[np.uintp(k)]), np.uintp(k)
        hashes_to[at], starts_to[at] = hashes[row], starts[row]
        ends_to[at], complete_to[at] = ends[row], complete[row]


@njit(cache=True, nogil=True)
def _order_by_start(group: np.ndarray, starts: np.ndarray) -> None:
    """Order ``group`` (positions in file order) by start, stably: ties stay in file order.
    Insertion sort for the usual few rows, a merge sort for a person with many."""
    if group.size <= _SMALL_GROUP:
        for i in range(1, group.size):
            item, j = group[i], i - 1
            while j >= 0 and starts[group[j]] > starts[item]:
                group[j + 1] = group[j]
                j -= 1
            group[j + 1] = item
        return
    source, target = group, np.empty_like(group)
    width = 1
    while width < group.size:
        for low in range(0, group.size, 2 * width):
            middle, high = min(low + width, group.size), min(low + 2 * width, group.size)
            i, j = low, middle
            for k in range(low, high):
                if j < high and (i >= middle or starts[source[j]] < starts[source[i]]):
                    target[k], j = source[j], j + 1
                else:
                    target[k], i = source[i], i + 1
        source, target = target, source
        width *= 2
    group[:] = source


@njit(cache=True, nogil=True)
def _check_group(group, starts, ends, complete, overlaps, same_start, overlapping):
    _order_by_start(group, starts)
    previous, latest_end = -1, 0  # the previous comparable row, the latest end so far
    for i in range(group.size):
        item = group[i]
        if i and starts[group[i - 1]] == starts[item]:
            same_start[group[i - 1]] = same_start[item] = True
        if not overlaps or not complete[item] or starts[item] == _NO_START:
            continue
        if previous >= 0:
            if starts[item] <= latest_end:
                overlapping[item] = True
            if starts[item] <= ends[previous]:  # the previous row ends after this one starts
                overlapping[previous] = True
            latest_end = max(latest_end, ends[item])
        else:
            latest_end = ends[item]
        previous = item


@njit(cache=True, nogil=True)
def _runs(
    words: np.ndarray, index_bits: int, rows: np.ndarray, run_starts: np.ndarray
) -> tuple[int, int]:
    """Into ``rows``: the rows of runs of two or more equal hash bits, in sorted order; into
    ``run_starts``: where each run begins among them (with the end as a last entry). Returns
    how many rows and runs there are."""
    shift = np.uint64(index_bits)
    row_mask = (np.uint64(1) << shift) - np.uint64(1)
    n = words.size
    m = runs = i = 0
    while i < n:
        j = i + 1
        while j < n and (words[j] >> shift) == (words[i] >> shift):
            j += 1
        if j - i >= 2:
            run_starts[runs] = m
            runs += 1
            for k in range(i, j):
                rows[m] = np.int32(words[k] & row_mask)
                m += 1
        i = j
    run_starts[runs] = m
    return m, runs


def _check_runs(
    run_starts: np.ndarray,
    hashes: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    complete: np.ndarray,
    overlaps: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Same-day starts and overlaps of the grouped rows (in their grouped order)."""
    m = hashes.size
    same_start, overlapping = np.zeros(m, np.bool_), np.zeros(m, np.bool_)
    scratch = np.zeros(m, np.bool_), np.empty(m, np.int32)
    _check_runs_into(
        run_starts, hashes, starts, ends, complete, overlaps, same_start, overlapping, *scratch
    )
    return same_start, overlapping


@njit(cache=True, nogil=True)
def _check_runs_into(
    run_starts, hashes, starts, ends, complete, overlaps, same_start, overlapping, taken, group
):
    """Each run of equal high bits is usually one group; several where they collide. Outputs
    and scratch come from NumPy: its large allocations are cheaper than Numba's."""
    for r in range(run_starts.size - 1):
        a, b = run_starts[r], run_starts[r + 1]
        for leader in range(a, b):
            if taken[leader]:
                continue
            size = 0
            for k in range(leader, b):
                if not taken[k] and hashes[k] == hashes[leader]:
                    taken[k] = True
                    group[size] = k
                    size += 1
            if size >= 2:
                _check_group(
                    group[:size], starts, ends, complete, overlaps, same_start, overlapping
                )
