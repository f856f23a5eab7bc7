"""A register of exactly the contract's view shapes, in a real DuckDB file, for unit tests.

The records are stored as a build stores them and read through the ``register_<component>``
views, so that the statistics SQL is tested against the contract.
Rows are random but reproducible; every test computes its expectations from these rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import duckdb
import numpy as np
import polars as pl

from sosdata import codes, components, organisers
from sosdata.periods import Quarter
from sosdata.register import build, rows, store

COMMON = {
    "quarter": pl.String,
    "jarjestaja": pl.String,
    "kuntaryhma": pl.String,
    "pseudonym": pl.String,
    "syntymapaiva": pl.Date,
    "sukupuoli": pl.String,
    "kotikunta": pl.String,
    "hyvinvointialue": pl.String,
}
OWN = {
    "asiakkuusjaksot": {"palvelutehtava": pl.String, "alkupvm": pl.Date, "loppupvm": pl.Date},
    "lastensuojelu": {"alkupvm": pl.Date, "loppupvm": pl.Date},
    "palvelupaatokset": {
        "sosiaalipalvelu": pl.String,
        "palvelutehtava": pl.String,
        "paatospvm": pl.Date,
        "voimassa_alkaen": pl.Date,
        "voimassa_asti": pl.Date,
        "paatoksen_tyyppi": pl.String,
    },
    "palvelutiedot": {
        "sosiaalipalvelu": pl.String,
        "palvelutehtava": pl.String,
        "alkupvm": pl.Date,
        "loppupvm": pl.Date,
    },
}


def schema(component: str) -> dict[str, pl.DataType]:
    return {**COMMON, **OWN[component], "source": pl.String}


def _dates(rng: np.random.Generator, n: int, first: dt.date, last: dt.date) -> np.ndarray:
    days = (last - first).days + 1
    return np.datetime64(first) + rng.integers(0, days, n).astype("timedelta64[D]")


def frames(
    quarter: Quarter,
    *,
    persons: int,
    seed: int = 1,
    municipalities: list[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Register rows of one quarter for ``persons`` people living in ``municipalities``."""
    rng = np.random.default_rng(seed)
    kunta = codes.load("kunta")
    register = organisers.load()
    pool = municipalities or [c.code for c in kunta]
    home = rng.choice(pool, persons)
    county = np.array([(kunta.get(m).extra.get("county") if kunta.get(m) else None) for m in pool])
    county_of = dict(zip(pool, county, strict=True))
    org_of = {
        m: (o.oid if (o := register.for_municipality(m)) else register.for_county("01").oid)
        for m in pool
    }
    pseudonyms = np.array([f"{seed:04d}{i:060d}" for i in range(persons)])
    birth = _dates(rng, persons, dt.date(1925, 1, 1), quarter.end)
    sex = rng.choice(["1", "2", "1", "2", "0"], persons)
    person = pl.DataFrame(
        {
            "pseudonym": pseudonyms,
            "syntymapaiva": birth,
            "sukupuoli": sex,
            "kotikunta": home,
        }
    ).with_columns(
        pl.col("kotikunta")
        .replace_strict(county_of, return_dtype=pl.String)
        .alias("hyvinvointialue"),
        pl.col("kotikunta").replace_strict(org_of, return_dtype=pl.String).alias("jarjestaja"),
        pl.lit(str(quarter)).alias("quarter"),
        pl.lit("koko alue").alias("kuntaryhma"),
    )

    def rows(n: int) -> pl.DataFrame:
        return person[rng.integers(0, persons, n)]

    before, after = quarter.start - dt.timedelta(days=400), quarter.end + dt.timedelta(days=60)
    n = persons * 2
    periods = rows(n).with_columns(
        pl.Series("palvelutehtava", rng.choice([str(t) for t in range(1, 7)], n)),
        pl.Series("alkupvm", _dates(rng, n, before, quarter.end)),
        pl.Series("loppupvm", _dates(rng, n, quarter.start, after)),
    )
    periods = periods.with_columns(
        pl.when(pl.Series(rng.random(n) < 0.5))
        .then(None)
        .otherwise(pl.col("loppupvm"))
        .alias("loppupvm")
    )
    n = max(persons // 5, 1)
    cw = rows(n).with_columns(
        pl.Series("alkupvm", _dates(rng, n, before, quarter.end)),
        pl.Series("loppupvm", _dates(rng, n, quarter.start, after)),
    )
    n = persons
    decisions = rows(n).with_columns(
        pl.Series("sosiaalipalvelu", rng.choice([str(s) for s in range(1, 36)], n)),
        pl.Series("palvelutehtava", rng.choice([str(t) for t in range(1, 7)], n)),
        pl.Series("paatospvm", _dates(rng, n, before, quarter.end)),
        pl.Series("voimassa_alkaen", _dates(rng, n, before, quarter.end)),
        pl.Series("voimassa_asti", _dates(rng, n, quarter.start, after)),
        pl.Series("paatoksen_tyyppi", rng.choice(["1", "1", "2", "3"], n)),
    )
    services = rows(n).with_columns(
        pl.Series("sosiaalipalvelu", rng.choice([str(s) for s in range(1, 36)], n)),
        pl.Series("palvelutehtava", rng.choice([str(t) for t in range(1, 7)], n)),
        pl.Series("alkupvm", _dates(rng, n, before, quarter.end)),
        pl.Series("loppupvm", _dates(rng, n, quarter.start, after)),
    )
    out = {}
    for name, frame in (
        ("asiakkuusjaksot", periods),
        ("lastensuojelu", cw),
        ("palvelupaatokset", decisions),
        ("palvelutiedot", services),
    ):
        frame = frame.with_columns(pl.lit("separate").alias("source"))
        out[name] = frame.select(list(schema(name))).cast(schema(name))
    return out


def write(conn: duckdb.DuckDBPyConnection, parts: list[dict[str, pl.DataFrame]]) -> None:
    """Make ``conn`` a register database (migrated) with a current build of each of ``parts``
    (one dict per quarter), its records stored as a build stores them (the text as codes) and
    read through the ``register_<component>`` views."""
    store.migrate(conn)
    for part in parts:
        _store_build(conn, part)


def rebuild(
    conn: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    *,
    drop: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    add: Mapping[str, pl.DataFrame] | None = None,
) -> dict[str, pl.DataFrame]:
    """A new current build of ``quarter``, as after its inputs changed: its current records but
    those ``drop`` matches (per component, SQL over its view's columns, with ``params``), and
    the rows of ``add``. Returns the records dropped."""
    kept, dropped = {}, {}
    for name in OWN:
        where = (drop or {}).get(name, "FALSE")
        sql = f"SELECT * FROM register_{name} WHERE quarter = $quarter AND "
        given = {"quarter": str(quarter), **(params or {})}
        dropped[name] = store.frame(conn, sql + f"({where})", given)
        kept[name] = pl.concat(
            [
                store.frame(conn, sql + f"NOT ({where})", given),
                *([add[name]] if add and name in add else []),
            ]
        )
    _store_build(conn, kept)
    return dropped


def _store_build(conn: duckdb.DuckDBPyConnection, part: Mapping[str, pl.DataFrame]) -> None:
    """Store ``part``'s records as a build stores them and make it its quarter's current build."""
    (quarter,) = {q for frame in part.values() for q in frame["quarter"].unique()}
    numbers = _persons(conn, pl.concat(frame.select(PERSON_FACTS) for frame in part.values()))
    (build_id,) = store.one(conn, "SELECT nextval('build_id_seq')")
    for name, frame in part.items():
        # the build names each person by an index into the persons' numbers while it works
        records = frame.join(
            numbers.with_row_index("person"), on="pseudonym", how="left", maintain_order="left"
        )
        build._store_records(
            conn,
            components.get(name),
            records.drop("pseudonym", rows.PERSON),
            numbers[rows.PERSON],
            build_id,
            quarter,
        )
    build._make_current(conn, quarter, build_id, "fake_register", {})


#: what names a person in the records: the pseudonym, with the birth date and sex the register
#: keeps of them
PERSON_FACTS = ["pseudonym", "syntymapaiva", "sukupuoli"]


def _persons(conn: duckdb.DuckDBPyConnection, named: pl.DataFrame) -> pl.DataFrame:
    """The persons ``named`` (pseudonym, birth date, sex) by number (``pseudonym``,
    ``person_id``), those new to the register added as a load adds them. The fake register has
    no identity codes: a person's encrypted code is left empty (nothing here decrypts one)."""
    named = named.unique("pseudonym", keep="first", maintain_order=True)
    store.run(
        conn,
        "INSERT INTO persons BY NAME SELECT "
        "  (SELECT coalesce(max(person_id), 0) FROM persons) + row_number() OVER () AS person_id,"
        "  pseudonym, ''::BLOB AS identity_enc, coalesce(syntymapaiva, DATE '1970-01-01') "
        "  AS birth_date, coalesce(sukupuoli, '0') AS sex, now()::TIMESTAMP AS first_seen "
        "FROM named ANTI JOIN persons USING (pseudonym)",
        named=named,
    )
    return store.frame(
        conn,
        "SELECT n.pseudonym, p.person_id FROM named n JOIN persons p USING (pseudonym) "
        "ORDER BY p.person_id",
        named=named,
    )
