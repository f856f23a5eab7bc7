"""The baselines of ``bench/national.py``: the least work each stage of a national quarter could
do on the same files and rows, one function each.

The command-line path runs each in a process of its own (:func:`command`); the server path
calls them in its one process (``bench/server_path.py``). Imports are inside the functions so
that a baseline's process loads only what it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def derivation_alone(extract: str | Path, period: str) -> int:
    """The Kanta derivation alone: reading, deriving, the delivery rules; nothing stored."""
    from sosdata.config import load_settings
    from sosdata.kanta.pipeline import derive_path
    from sosdata.periods import Quarter

    checked = derive_path(Path(extract), Quarter.parse(period), load_settings())
    return sum(f.height for f in checked.rows.values())


def polars_read_parquet(path: str | Path) -> int:
    """A bare Polars read of the extract."""
    import polars as pl

    return pl.read_parquet(path).height


def polars_read_delivery(path: str | Path) -> int:
    """A bare Polars read of a delivery's CSV files, every value as text."""
    import zipfile

    import polars as pl

    with zipfile.ZipFile(path) as z:
        return sum(
            pl.read_csv(z.read(n), separator=";", infer_schema=False).height
            for n in z.namelist()
            if n.endswith(".csv")
        )


def duckdb_copy_of_rows(database: str | Path, folder: str | Path) -> int:
    """DuckDB's own ``COPY`` of the rows the build wrote (Parquet files in ``folder``, one per
    built table) into empty tables of the same schema in ``database``."""
    import duckdb

    parts = sorted(Path(folder).glob("*.parquet"))
    conn = duckdb.connect(str(database))
    try:
        for part in parts:
            conn.execute(
                f"CREATE TABLE {part.stem} AS SELECT * FROM read_parquet('{part}') LIMIT 0"
            )
            conn.execute(f"COPY {part.stem} FROM '{part}' (FORMAT parquet)")
        return sum(conn.execute(f"SELECT count(*) FROM {p.stem}").fetchone()[0] for p in parts)
    finally:
        conn.close()


def count_distinct_per_task(database: str | Path, period: str) -> list[Any]:
    """One ``count(DISTINCT pseudonym)`` per service task over the built register."""
    import duckdb

    conn = duckdb.connect(str(database), read_only=True)
    try:
        return conn.execute(
            "SELECT palvelutehtava, count(DISTINCT pseudonym) FROM register_asiakkuusjaksot "
            "WHERE quarter = ? GROUP BY ALL",
            [period],
        ).fetchall()
    finally:
        conn.close()


def command(name: str) -> str:
    """Python code running baseline ``name`` on the process's arguments (``python -c`` with
    this folder on ``PYTHONPATH``)."""
    return f"import sys\nfrom national_baselines import {name}\nprint({name}(*sys.argv[1:]))\n"
