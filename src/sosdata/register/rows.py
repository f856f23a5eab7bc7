"""Storing accepted component rows and the persons they name, without any identity code.

Rows arrive typed (``Component.schema`` plus ``_line``) from the validator or the Kanta
derivation. The identity code is replaced by its keyed pseudonym; each person new to the
register is added to ``persons`` with the birth date and sex the code carries and the code
itself encrypted. Callers run these functions inside their own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import duckdb
import polars as pl

from sosdata import components, identity
from sosdata.identity import Pseudonymizer
from sosdata.register import packed_sort, store, text_codes
from sosdata.register.crypto import IdentityCipher

IDENTITY = "henkilotunnus"
LINE = "_line"
#: the person's number in ``persons``, which the accepted rows keep instead of the code
PERSON = "person_id"


def table(component: components.Component) -> str:
    """The table of accepted rows of ``component`` (both sources)."""
    return f"accepted_{component.name}"


def stored_columns(component: components.Component) -> list[str]:
    """Columns of the accepted-rows table after the load keys: the code becomes the person's
    number (:func:`store_accepted`)."""
    return [(PERSON if c == IDENTITY else c) for c in component.column_names]


def coded_columns(component: components.Component) -> list[str]:
    """The columns kept as codes (``text_codes``): the text ones but the identity code."""
    return [n for n in component.column_names if n != IDENTITY and component.schema[n] == pl.String]


def prepared(
    frames: Mapping[str, pl.DataFrame], pseudonymizer: Pseudonymizer
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Each component's frame ready to store, the columns kept as codes enumerated (grouping by
    them then moves integers, and :func:`store_rows` codes them without reading the text
    again); and the distinct persons the frames name (code, pseudonym).

    Every distinct code is hashed once across all components of a load.
    """
    parts = [frame.select(IDENTITY) for frame in frames.values()]
    codes = pl.concat(parts) if parts else pl.DataFrame(schema={IDENTITY: pl.String})
    persons = codes.unique().drop_nulls()
    persons = persons.with_columns(pseudonym=pseudonymizer.series(persons[IDENTITY]))
    out = {
        name: packed_sort.enumerated(frame, coded_columns(components.get(name)))
        for name, frame in frames.items()
    }
    return out, persons


def store_accepted(
    conn: duckdb.DuckDBPyConnection,
    frames: Mapping[str, pl.DataFrame],
    persons: pl.DataFrame,
    cipher: IdentityCipher,
    seen_at: dt.datetime,
    *,
    step: Callable[[str], None],
    delivery_id: int | None = None,
    batch_id: int | None = None,
) -> tuple[int, dict[str, int]]:
    """Add the persons the rows name (``persons``: code, pseudonym) not yet in the register,
    numbered after the last, and store every component's rows (``frames``, as :func:`prepared`
    gives them); returns how many persons were new and the rows stored per component."""
    new, numbers = _numbered(conn, persons)
    step(f"storing {new.height} new persons")
    if new.height:
        store.run(
            conn,
            "INSERT INTO persons BY NAME SELECT * FROM new",
            new=_person_rows(new, cipher, seen_at),
        )
    found = text_codes.looked_up(
        conn, [(frame, coded_columns(components.get(name))) for name, frame in frames.items()]
    )
    stored = {}
    for name, frame in frames.items():
        step(f"storing {name}: {frame.height} rows")
        stored[name] = store_rows(
            conn,
            components.get(name),
            frame,
            numbers,
            found,
            delivery_id=delivery_id,
            batch_id=batch_id,
        )
    return new.height, stored


def _numbered(
    conn: duckdb.DuckDBPyConnection, persons: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The persons not yet in the register, each with the number it will have (code,
    pseudonym, ``person_id``), and every person's number (code, ``person_id``)."""
    known = store.frame(
        conn,
        f"SELECT c.pseudonym, p.{PERSON} FROM candidates c JOIN persons p USING (pseudonym)",
        candidates=persons.select("pseudonym"),
    )
    looked_up = persons.join(known, on="pseudonym", how="left")
    found = looked_up.filter(pl.col(PERSON).is_not_null())
    new = looked_up.filter(pl.col(PERSON).is_null()).drop(PERSON)
    (last,) = store.one(conn, f"SELECT coalesce(max({PERSON}), 0) FROM persons")
    # numbered in pseudonym order: the same inputs number the same persons alike
    new = new.sort("pseudonym").with_row_index(PERSON, offset=int(last) + 1)
    numbers = pl.concat(
        [
            found.select(IDENTITY, pl.col(PERSON).cast(pl.UInt32)),
            new.select(IDENTITY, pl.col(PERSON).cast(pl.UInt32)),
        ]
    )
    return new, numbers


def _person_rows(new: pl.DataFrame, cipher: IdentityCipher, seen_at: dt.datetime) -> pl.DataFrame:
    """The ``persons`` rows of new persons: the code encrypted, the birth date and sex it
    carries."""
    facts = identity.facts(new[IDENTITY])
    return new.select(
        PERSON,
        "pseudonym",
        identity_enc=cipher.encrypt_series(new[IDENTITY], new["pseudonym"]),
        birth_date=facts["birth_date"],
        sex=facts["sex"].cast(pl.String),
        first_seen=pl.lit(seen_at),
    )


def store_rows(
    conn: duckdb.DuckDBPyConnection,
    component: components.Component,
    frame: pl.DataFrame,
    numbers: pl.DataFrame,
    codes: pl.DataFrame,
    *,
    delivery_id: int | None = None,
    batch_id: int | None = None,
) -> int:
    """Insert one component's rows for a delivery or batch, each person by the number
    ``numbers`` gives its code and the text by the code ``codes`` gives it (both found by
    :func:`store_accepted` for all components at once)."""
    if frame.height == 0:
        return 0
    rows = frame.join(numbers, on=IDENTITY, how="left", maintain_order="left").select(
        pl.lit(delivery_id, dtype=pl.Int64).alias("delivery_id"),
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        pl.col(LINE).cast(pl.Int64).alias("line"),
        *[pl.col(c) for c in stored_columns(component)],
    )
    rows = text_codes.with_codes(rows, coded_columns(component), codes)
    store.run(conn, f"INSERT INTO {table(component)} BY NAME SELECT * FROM rows", rows=rows)
    return frame.height
