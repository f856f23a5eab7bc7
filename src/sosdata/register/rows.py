"""Storing accepted component rows and the persons they name, without any identity code.

Rows arrive typed (``Component.schema`` plus ``_line``) from the validator or the Kanta
derivation. The identity code is replaced by its keyed pseudonym; each person new to the
register is added to ``persons`` with the birth date and sex the code carries and the code
itself encrypted. Callers run these functions inside their own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb
import polars as pl

from sosdata import components, identity
from sosdata.identity import Pseudonymizer
from sosdata.register import store
from sosdata.register.crypto import IdentityCipher

IDENTITY = "henkilotunnus"
LINE = "_line"


def table(component: components.Component) -> str:
    """The table of accepted rows of ``component`` (both sources)."""
    return f"accepted_{component.name}"


def stored_columns(component: components.Component) -> list[str]:
    """Columns of the accepted-rows table after the load keys: the code becomes the pseudonym."""
    return [("pseudonym" if c == IDENTITY else c) for c in component.column_names]


def with_pseudonyms(
    frames: Mapping[str, pl.DataFrame], pseudonymizer: Pseudonymizer
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Each frame with the pseudonym added, and the distinct persons (code, pseudonym).

    Every distinct code is hashed once across all components of a load.
    """
    parts = [frame.select(IDENTITY) for frame in frames.values()]
    codes = pl.concat(parts) if parts else pl.DataFrame(schema={IDENTITY: pl.String})
    persons = codes.unique().drop_nulls()
    persons = persons.with_columns(pseudonym=pseudonymizer.series(persons[IDENTITY]))
    out = {
        name: frame.join(persons, on=IDENTITY, how="left", maintain_order="left")
        for name, frame in frames.items()
    }
    return out, persons


def store_persons(
    conn: duckdb.DuckDBPyConnection,
    persons: pl.DataFrame,
    cipher: IdentityCipher,
    seen_at: dt.datetime,
) -> int:
    """Add the persons not yet in the register; returns how many were new."""
    if persons.height == 0:
        return 0
    known = store.frame(
        conn,
        "SELECT c.pseudonym FROM candidates c SEMI JOIN persons p USING (pseudonym)",
        candidates=persons.select("pseudonym"),
    )
    new = persons.join(known, on="pseudonym", how="anti")
    if new.height == 0:
        return 0
    facts = identity.facts(new[IDENTITY])
    new_persons = new.select(
        "pseudonym",
        identity_enc=cipher.encrypt_series(new[IDENTITY], new["pseudonym"]),
        birth_date=facts["birth_date"],
        sex=facts["sex"].cast(pl.String),
        first_seen=pl.lit(seen_at),
    )
    store.run(conn, "INSERT INTO persons BY NAME SELECT * FROM new", new=new_persons)
    return new.height


def store_rows(
    conn: duckdb.DuckDBPyConnection,
    component: components.Component,
    frame: pl.DataFrame,
    *,
    delivery_id: int | None = None,
    batch_id: int | None = None,
) -> int:
    """Insert one component's rows (with ``pseudonym`` already added) for a delivery or batch."""
    if frame.height == 0:
        return 0
    rows = frame.select(
        pl.lit(delivery_id, dtype=pl.Int64).alias("delivery_id"),
        pl.lit(batch_id, dtype=pl.Int64).alias("batch_id"),
        pl.col(LINE).cast(pl.Int64).alias("line"),
        *[pl.col(c) for c in stored_columns(component)],
    )
    store.run(conn, f"INSERT INTO {table(component)} BY NAME SELECT * FROM rows", rows=rows)
    return frame.height
