"""The merge of both sources' ranges, against a plain reference on random inputs."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata.register import merge

FIRST = dt.date(2022, 12, 1)
OPEN = dt.date(9999, 12, 31)

part = st.tuples(
    st.sampled_from(["a", "b"]),  # person
    st.integers(0, 40),  # start day
    st.one_of(st.none(), st.integers(0, 15)),  # length in days, None = open
    st.sampled_from([merge.KANTA, merge.SEPARATE]),
    st.sampled_from(["091", "092"]),  # home municipality
)


def _reference(parts) -> set[tuple]:
    """Merged ranges by a per-key loop: a part starting on or before the latest end so far
    joins the current range."""
    out = set()
    for person in {p[0] for p in parts}:
        mine = sorted(
            (FIRST + dt.timedelta(s), OPEN if n is None else FIRST + dt.timedelta(s + n), src)
            for who, s, n, src, _ in parts
            if who == person
        )
        ranges: list[list] = []
        for start, end, source in mine:
            if ranges and start <= ranges[-1][1]:
                ranges[-1][1] = max(ranges[-1][1], end)
                ranges[-1][2].add(source)
            else:
                ranges.append([start, end, {source}])
        for start, end, sources in ranges:
            provenance = merge.BOTH if len(sources) > 1 else next(iter(sources))
            out.add((person, start, None if end == OPEN else end, provenance))
    return out


def _frame(parts) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                who,
                FIRST + dt.timedelta(s),
                None if n is None else FIRST + dt.timedelta(s + n),
                src,
                home,
            )
            for who, s, n, src, home in parts
        ],
        schema={
            "person": pl.String,
            "start": pl.Date,
            "end": pl.Date,
            "source": pl.String,
            "home": pl.String,
        },
        orient="row",
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(part, min_size=1, max_size=12))
def test_merge_matches_the_reference(parts):
    got = merge.merge_ranges(_frame(parts), ["person"], "start", "end", ["home"])
    assert {
        (r["person"], r["start"], r["end"], r["source"]) for r in got.iter_rows(named=True)
    } == _reference(parts)
    assert got.height == len(_reference(parts))


@settings(max_examples=60, deadline=None)
@given(st.lists(part, min_size=1, max_size=10), st.randoms())
def test_row_order_does_not_matter(parts, random):
    shuffled = list(parts)
    random.shuffle(shuffled)
    a = merge.merge_ranges(_frame(parts), ["person"], "start", "end", ["home"])
    b = merge.merge_ranges(_frame(shuffled), ["person"], "start", "end", ["home"])
    assert a.equals(b)


def test_details_come_from_the_latest_part_and_separate_wins_a_tie():
    d = dt.date
    frame = pl.DataFrame(
        {
            "person": ["a", "a", "a"],
            "start": [d(2023, 1, 1), d(2023, 1, 5), d(2023, 1, 5)],
            "end": [d(2023, 1, 31), d(2023, 1, 6), d(2023, 1, 6)],
            "source": ["separate", "kanta", "separate"],
            "home": ["091", "092", "093"],
        }
    )
    got = merge.merge_ranges(frame, ["person"], "start", "end", ["home"])
    assert got.rows() == [("a", "093", d(2023, 1, 1), d(2023, 1, 31), "both")]
