"""Dates and bytes read from string views agree with Python's own parsing."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata import fixedwidth


def _python_date(text: str | None) -> dt.date | None:
    if text is None or len(text) != 10 or not text.isascii():
        return None
    if text[4] != "-" or text[7] != "-" or not (text[:4] + text[5:7] + text[8:]).isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None


def _random_date_text(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.02:
        return None
    if roll < 0.1:
        return "".join(rng.choice("0123456789-/ xä") for _ in range(rng.randint(0, 20)))
    year = rng.choice([rng.randint(0, 9999), rng.randint(1990, 2030), 2000, 1900, 2024])
    text = f"{year:04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
    if roll < 0.15:  # one character changed
        position = rng.randrange(len(text))
        text = text[:position] + rng.choice("0123456789-+ a") + text[position + 1 :]
    return text


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_iso_dates_agree_with_python(seed):
    rng = random.Random(seed)
    texts = [_random_date_text(rng) for _ in range(20_000)]
    # several chunks and a slice: the bytes are read from the column's own memory
    column = pl.concat([pl.Series("d", texts[:9_000]), pl.Series("d", texts[9_000:])]).slice(1)
    parsed = fixedwidth.iso_dates(column)
    assert parsed.dtype == pl.Date and parsed.name == "d"
    expected = [_python_date(t) for t in texts[1:]]
    assert parsed.to_list() == expected
    # the sample holds real dates, leap days and every kind of fault
    assert sum(d is not None for d in expected) > 10_000
    assert sum(d is None for d in expected) > 2_000


def test_leap_days_and_calendar_edges():
    texts = ["2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "0001-01-01", "9999-12-31"]
    assert fixedwidth.iso_dates(pl.Series(texts)).to_list() == [_python_date(t) for t in texts]


def test_all_null_and_empty_columns():
    assert fixedwidth.iso_dates(pl.Series([None, None], dtype=pl.String)).to_list() == [None, None]
    assert fixedwidth.iso_dates(pl.Series([], dtype=pl.String)).to_list() == []


@settings(deadline=None)  # the first call loads the compiled loop
@given(
    values=st.lists(
        st.none() | st.text(alphabet="0123456789a-", max_size=6) | st.sampled_from(["7", "07"]),
        max_size=200,
    ),
    codes=st.lists(st.from_regex(r"[0-9]{1,4}", fullmatch=True), unique=True, max_size=40),
)
def test_digit_codes_are_looked_up_as_a_dictionary_would(values, codes):
    table = {code: i for i, code in enumerate(codes)}
    # two chunks, sliced: the views of a column's own memory
    column = pl.concat([pl.Series("c", values, pl.String), pl.Series("c", ["1"] * 3)]).slice(1)
    found = fixedwidth.look_up(column, table, "place")
    assert found.name == "place" and found.dtype == pl.UInt16
    assert found.to_list() == [table.get(v) for v in column.to_list()]


def test_codes_other_than_digits_are_looked_up_too():
    table = {"A1": 0, "091": 1, "7": 2}
    column = pl.Series(["091", "A1", None, "a1", "7", "07"])
    found = fixedwidth.look_up(column, table, "place")
    assert found.name == "place" and found.dtype == pl.UInt16
    assert found.to_list() == [1, 0, None, None, 2, None]
