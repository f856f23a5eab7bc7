"""The compiled column HMAC gives exactly what Python's ``hmac`` gives, value by value."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata import identity
from sosdata.column_hmac import ColumnHmac


def _plain(key: bytes, values: list[str | None]) -> list[str | None]:
    return [
        None
        if v is None
        else hmac.new(key, v.encode("ascii", "replace"), hashlib.sha256).hexdigest()
        for v in values
    ]


values = st.lists(
    st.one_of(
        st.none(),
        st.text(alphabet="0123456789-+ABCDEFHJKLMNPRSTUVWXY", min_size=0, max_size=16),
        st.text(max_size=14),  # any Unicode: not ASCII goes the scalar way
    ),
    max_size=60,
)
keys = st.one_of(st.binary(min_size=32, max_size=64), st.binary(min_size=65, max_size=200))


@settings(max_examples=200, deadline=None)
@given(key=keys, values=values)
def test_column_hmac_is_hmac_sha256(key, values):
    pseudonymizer = identity.Pseudonymizer(key)
    column = pl.Series("henkilotunnus", values, dtype=pl.String)
    assert ColumnHmac(key, pseudonymizer).series(column).to_list() == _plain(key, values)
    assert pseudonymizer.series(column).to_list() == _plain(key, values)


def test_a_large_column_split_over_threads_and_chunks():
    key = b"k" * 32
    codes = [identity.make(dt.date(1990, 1, 1), 900 + i % 100) for i in range(250_000)]
    codes[7] = None
    codes[200_001] = "not a code at all, long"
    # two chunks, each large enough to be hashed in two halves
    column = pl.concat(
        [pl.Series("c", codes[:120_000]), pl.Series("c", codes[120_000:])], rechunk=False
    )
    assert column.n_chunks() == 2
    hashed = identity.Pseudonymizer(key).series(column)
    assert hashed.name == "c"
    assert hashed.to_list() == _plain(key, codes)
