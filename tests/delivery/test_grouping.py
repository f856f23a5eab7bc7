"""Rows sharing their keys: the compiled grouping agrees with a pairwise comparison."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata.delivery import grouping

_DAY0 = dt.date(2023, 1, 1)
_OPEN = dt.date(9999, 12, 31)


@st.composite
def _rows(draw):
    """Few people and tasks (so that keys repeat), missing keys, starts and ends, ranges that
    are well formed (start on or before end)."""
    n = draw(st.integers(0, 60))
    rows = []
    for _ in range(n):
        person = draw(st.sampled_from(["010101A900B", "020202A901C", "030303-902D", None]))
        task = draw(st.sampled_from(["1", "2", "10", None]))
        start = draw(st.none() | st.integers(0, 40))
        length = draw(st.none() | st.integers(0, 15))
        rows.append(
            {
                "henkilotunnus": person,
                "palvelutehtava": task,
                "start": None if start is None else _DAY0 + dt.timedelta(start),
                "end": None
                if start is None or length is None
                else _DAY0 + dt.timedelta(start + length),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "henkilotunnus": pl.String,
            "palvelutehtava": pl.String,
            "start": pl.Date,
            "end": pl.Date,
        },
    )


def _pairwise(frame: pl.DataFrame, keys: list[str]) -> tuple[list[bool], list[bool]]:
    rows = frame.to_dicts()
    same_start, overlaps = [False] * len(rows), [False] * len(rows)
    for (i, a), (j, b) in itertools.combinations(enumerate(rows), 2):
        if any(a[k] != b[k] for k in keys):
            continue
        if a["start"] == b["start"]:
            same_start[i] = same_start[j] = True
        comparable = all(a[k] is not None for k in keys) and None not in (a["start"], b["start"])
        if comparable and a["start"] <= (b["end"] or _OPEN) and b["start"] <= (a["end"] or _OPEN):
            overlaps[i] = overlaps[j] = True
    return same_start, overlaps


@settings(max_examples=200, deadline=None)
@given(frame=_rows(), two_keys=st.booleans())
def test_groups_agree_with_pairwise_comparison(frame, two_keys):
    keys = ["henkilotunnus", "palvelutehtava"] if two_keys else ["henkilotunnus"]
    found = grouping.compare(
        grouping.groups(frame, keys),
        frame.get_column("start"),
        frame.get_column("end"),
        overlaps=True,
    )
    same_start, overlaps = _pairwise(frame, keys)
    assert found.same_start.tolist() == same_start
    assert found.overlaps.tolist() == overlaps


def test_chunked_and_sliced_columns():
    frame = pl.DataFrame(
        {
            "henkilotunnus": ["010101A900B"] * 4,
            "start": [_DAY0, _DAY0 + dt.timedelta(5), _DAY0 + dt.timedelta(5), _DAY0],
            "end": [_DAY0 + dt.timedelta(3), None, None, None],
        }
    )
    chunked = pl.concat([frame[:2], frame[2:]], rechunk=False)
    assert chunked.n_chunks() == 2
    found = grouping.compare(
        grouping.groups(chunked.slice(1), ["henkilotunnus"]),
        chunked.get_column("start").slice(1),
        chunked.get_column("end").slice(1),
        overlaps=True,
    )
    assert found.same_start.tolist() == [True, True, False]
    assert found.overlaps.tolist() == [True, True, True]


def test_a_run_of_colliding_high_bits_is_split_by_the_whole_hash():
    # rows 0..3 in one run of equal high bits; rows 0 and 2 share a key, 1 and 3 another
    hashes = np.array([7, 9, 7, 9], np.uint64)
    starts = np.array([10, 10, 10, 20], np.int32)
    ends = np.array([15, 30, 12, 25], np.int32)
    complete = np.ones(4, np.bool_)
    same, overlapping = grouping._check_runs(np.array([0, 4]), hashes, starts, ends, complete, True)
    assert same.tolist() == [True, False, True, False]
    assert overlapping.tolist() == [True, True, True, True]
    # with row 3 starting after row 1 ends, the second key's rows no longer overlap
    ends[1] = 19
    _, overlapping = grouping._check_runs(np.array([0, 4]), hashes, starts, ends, complete, True)
    assert overlapping.tolist() == [True, False, True, False]
