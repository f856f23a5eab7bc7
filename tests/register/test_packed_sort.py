"""Sorting through packed keys orders rows exactly as Polars' multi-column sort does."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata.register import packed_sort

row = st.tuples(
    st.one_of(st.none(), st.sampled_from(["", "a", "ab", "b", "ä", "1.2.246.10.1234567.10.0"])),
    st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    st.one_of(st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.integers(0, 2**32 - 1)),
)
SCHEMA = {"s": pl.String, "i": pl.Int64, "d": pl.Date, "b": pl.Boolean, "u": pl.UInt32}


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=50), st.permutations(list(SCHEMA)))
def test_packed_order_is_polars_order(rows, columns):
    # a row number last makes the order total, so both sorts must agree row for row
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row").with_row_index("n")
    by = [*columns, "n"]
    assert packed_sort.sort(frame, by).equals(frame.sort(by, nulls_last=True))


def test_expressions_and_enums_sort_like_their_values():
    frame = pl.DataFrame(
        {
            "source": ["separate", "kanta", "separate", "kanta"],
            "e": pl.Series(["y", "x", "x", None], dtype=pl.Enum(["y", "x"])),
        }
    ).with_row_index("n")
    by = [pl.col("source") == "separate", "e", "n"]
    assert packed_sort.sort(frame, by).equals(frame.sort(by, nulls_last=True))


def test_columns_wider_than_one_word_start_a_new_word():
    frame = pl.DataFrame({"a": [2**61, 0, 2**61], "b": [2**61, 5, 0]})
    assert len(packed_sort.keys(frame, ["a", "b"])) == 2
    assert packed_sort.sort(frame, ["a", "b"]).equals(frame.sort("a", "b"))
