"""Database helpers the notification modules share: transactions, frames, time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from sosdata.register.store import transaction

#: deadlines are Finnish calendar days
LOCAL_TIME = ZoneInfo("Europe/Helsinki")


_depth: dict[int, int] = {}


@contextmanager
def atomic(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A transaction that joins the enclosing one when there is one (DuckDB does not nest)."""
    key = id(conn)
    if _depth.get(key):
        _depth[key] += 1
        try:
            yield conn
        finally:
            _depth[key] -= 1
        return
    _depth[key] = 1
    try:
        with transaction(conn):
            yield conn
    finally:
        del _depth[key]


def query_frame(
    conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list[Any] | None = None
) -> pl.DataFrame:
    """A query's result as a Polars frame, through Arrow."""
    conn.complete()  # a relation query needs no unfinished execute() result on the connection
    result = pl.from_arrow(conn.sql(sql, params=params or None).to_arrow_table())
    assert isinstance(result, pl.DataFrame)
    return result


def utc_now() -> dt.datetime:
    """The current time as naive UTC, as the database stores it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local_date(utc: dt.datetime) -> dt.date:
    return utc.replace(tzinfo=dt.UTC).astimezone(LOCAL_TIME).date()
