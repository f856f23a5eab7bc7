"""Text stored as codes. The accepted and built rows repeat a few hundred values (organiser,
municipality group, home municipality, sex, service task, service, decision type, source,
quarter) over millions of rows, and DuckDB stores and reads an integer column several times
faster than a text column. Each value is kept once in ``stored_text`` with its code, and the
rows keep the codes (migrations 0006 and 0007).

The codes are 1, 2, 3, ... without gaps, a value new to the register taking the next one, so a
code is also its value's place in the list of values in code order: that is how the views
``register_<component>`` and :func:`as_text` decode them. Codes are given by the register's one
writer, inside its transaction, so two writers never give the same code.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from sosdata.register import packed_sort, store

TABLE = "stored_text"


def as_codes(
    conn: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    names: Sequence[str],
    *,
    add: bool = True,
) -> pl.DataFrame:
    """``frame`` with each value of its text (or enumerated) columns ``names`` as its code;
    values new to the register are given codes, or with ``add`` false become null (a lookup
    that should match stored rows only)."""
    frame = packed_sort.enumerated(frame, [n for n in names if frame.schema[n] == pl.String])
    return with_codes(frame, names, looked_up(conn, [(frame, names)], add=add))


def looked_up(
    conn: duckdb.DuckDBPyConnection,
    frames: Sequence[tuple[pl.DataFrame, Sequence[str]]],
    *,
    add: bool = True,
) -> pl.DataFrame:
    """The codes (``value``, ``code``) of the values of the enumerated columns of several
    frames, each frame with its columns, found together: a load's components cost one look-up
    in the register, not one each. ``add`` as for :func:`as_codes`."""
    every = [_categories(frame.schema[n]) for frame, names in frames for n in names]
    if not every:
        return pl.DataFrame(schema={"value": pl.String, "code": pl.UInt32})  # as stored
    return _codes(conn, pl.concat(every).unique(), add=add)


def with_codes(frame: pl.DataFrame, names: Sequence[str], found: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its enumerated columns ``names`` as the codes ``found`` gives their
    values (:func:`looked_up`)."""
    return frame.with_columns(
        _categories(frame.schema[n])
        .to_frame("value")
        .join(found, on="value", how="left", maintain_order="left")
        .get_column("code")
        .gather(frame[n].to_physical())
        .alias(n)
        for n in names
    )


def enumerated(
    conn: duckdb.DuckDBPyConnection, frame: pl.DataFrame, names: Sequence[str]
) -> pl.DataFrame:
    """``frame`` with the codes in its columns ``names`` as enumerations of the values they
    stand for, in sorted order: sorts, joins and gathers then move small integers, and the
    enumerations order rows as the text would."""
    values = _values(conn)
    columns = []
    for n in names:
        places = frame.get_column(n) - 1  # a code is its value's place, counted from 1
        present = places.drop_nulls().unique()
        text = values.gather(present)
        # the value each code stands for, as the enumeration of the values present
        by_code = (
            pl.Series(n, [None] * values.len(), dtype=pl.String)
            .scatter(present, text)
            .cast(pl.Enum(text.sort()))
        )
        columns.append(by_code.gather(places))
    return frame.with_columns(columns)


def as_text(
    conn: duckdb.DuckDBPyConnection, frame: pl.DataFrame, names: Sequence[str]
) -> pl.DataFrame:
    """``frame`` with the codes in its columns ``names`` as their values."""
    values = _values(conn)
    return frame.with_columns(values.gather(frame[n].cast(pl.Int64) - 1).alias(n) for n in names)


def _codes(conn: duckdb.DuckDBPyConnection, values: pl.Series, *, add: bool = True) -> pl.DataFrame:
    """The code of each of the distinct ``values`` (``value``, ``code``); a value new to the
    register gets the next code, or with ``add`` false is left out."""
    wanted = values.to_frame("value")
    if add:
        store.run(
            conn,
            f"INSERT INTO {TABLE} SELECT (SELECT coalesce(max(code), 0) FROM {TABLE}) "
            "+ row_number() OVER (ORDER BY value), value "
            f"FROM wanted ANTI JOIN {TABLE} USING (value)",
            wanted=wanted,
        )
    return store.frame(
        conn, f"SELECT value, code FROM {TABLE} SEMI JOIN wanted USING (value)", wanted=wanted
    )


def sorted_enum(conn: duckdb.DuckDBPyConnection) -> str:
    """Every stored value as an ENUM type in value order, as SQL (``VARCHAR`` while none is
    stored). A code decoded to it is a small integer that groups and joins as one, and orders
    and compares as its text does."""
    values = store.frame(conn, f"SELECT value FROM {TABLE} ORDER BY value").get_column("value")
    if values.is_empty():
        return "VARCHAR"
    return "ENUM(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _values(conn: duckdb.DuckDBPyConnection) -> pl.Series:
    """Every value, in code order (a value's code is its place here, counted from 1)."""
    return store.frame(conn, f"SELECT value FROM {TABLE} ORDER BY code").get_column("value")


def _categories(dtype: pl.DataType) -> pl.Series:
    assert isinstance(dtype, pl.Enum), dtype
    return dtype.categories
