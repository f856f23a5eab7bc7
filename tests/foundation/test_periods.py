"""Quarters: parsing, arithmetic, overlap (scalar and columns) and deadlines."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sosdata.config import Settings
from sosdata.periods import PeriodError, Quarter, quarters_between

quarters = st.builds(Quarter, st.integers(1900, 2200), st.integers(1, 4))
optional_dates = st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2050, 12, 31))


def test_parse_and_format():
    q = Quarter.parse("2023Q1")
    assert (q.year, q.quarter, str(q)) == (2023, 1, "2023Q1")
    assert Quarter.parse("2023q4") == Quarter(2023, 4)
    for bad in ("2023Q5", "2023-1", "Q1", ""):
        with pytest.raises(PeriodError):
            Quarter.parse(bad)


def test_bounds_of_each_quarter():
    assert [
        (str(q.start), str(q.end)) for q in quarters_between(Quarter(2024, 1), Quarter(2024, 4))
    ] == [
        ("2024-01-01", "2024-03-31"),
        ("2024-04-01", "2024-06-30"),
        ("2024-07-01", "2024-09-30"),
        ("2024-10-01", "2024-12-31"),
    ]


@given(quarters, st.integers(-50, 50))
def test_next_and_previous_are_inverse(q, steps):
    assert q.next(steps).previous(steps) == q
    assert (q.next(steps) > q) == (steps > 0)


@given(quarters)
def test_quarters_tile_the_calendar(q):
    assert q.next().start - q.end == dt.timedelta(days=1)
    assert Quarter.containing(q.start) == q == Quarter.containing(q.end)
    assert Quarter.parse(str(q)) == q


@given(quarters, optional_dates, optional_dates)
def test_overlap_rule_and_its_column_form_agree(q, start, end):
    by_days = any(
        (start is None or start <= day) and (end is None or day <= end)
        for day in (q.start + dt.timedelta(days=i) for i in range((q.end - q.start).days + 1))
    )
    if start is None or end is None or start <= end:
        assert q.overlaps(start, end) == by_days
    frame = pl.DataFrame({"s": [start], "e": [end]}, schema={"s": pl.Date, "e": pl.Date})
    assert frame.select(q.overlaps_expr(pl.col("s"), pl.col("e"))).item() == q.overlaps(start, end)


def test_default_deadlines_and_override():
    assert Quarter(2023, 1).deadline() == dt.date(2023, 5, 1)  # the first delivery was due 1.5.2023
    assert Quarter(2023, 2).deadline() == dt.date(2023, 8, 1)
    assert Quarter(2023, 3).deadline() == dt.date(2023, 11, 1)
    assert Quarter(2023, 4).deadline() == dt.date(2024, 2, 1)
    custom = Settings(deadlines={"2023Q1": dt.date(2023, 5, 15)})
    assert Quarter(2023, 1).deadline(custom) == dt.date(2023, 5, 15)
    assert Quarter(2023, 2).deadline(custom) == dt.date(2023, 8, 1)


def test_late_means_after_the_deadline_day():
    q = Quarter(2023, 1)
    assert not q.is_late(dt.date(2023, 5, 1))
    assert q.is_late(dt.datetime(2023, 5, 2, 0, 0, 1))
