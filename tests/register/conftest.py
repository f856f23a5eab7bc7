"""Register test fixtures: a real database file, users, and typed component rows of synthetic
persons (temporary identity codes 900–999 only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from sosdata import components, identity, organisers
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.register import store, users
from sosdata.register.submit import Delivery

Q1 = Quarter.parse("2023Q1")
KEEPER = "keeper"
ORG_USER = "uusimaa-data"


@pytest.fixture
def organiser() -> organisers.Organiser:
    """Itä-Uusimaa (county 01) from the shipped fictitious list."""
    found = organisers.load().for_county("01")
    assert found is not None
    return found


@pytest.fixture
def db(settings: Settings, organiser: organisers.Organiser):
    """The register database with a keeper and one organiser user."""
    conn = store.connect(settings)
    users.add(conn, KEEPER)
    users.add(conn, ORG_USER, organiser=organiser.oid)
    yield conn
    conn.close()


def person(n: int, born: dt.date = dt.date(1950, 5, 17)) -> str:
    """The n-th synthetic person (n = 0..99): a valid code with a temporary number."""
    return identity.make(born, 900 + n)


@pytest.fixture
def hetu() -> Callable[..., str]:
    return person


@pytest.fixture
def snapshot() -> Callable[..., dict[str, list[tuple]]]:
    return table_snapshot


def frame(component: str, records: list[dict[str, Any]]) -> pl.DataFrame:
    """Typed accepted rows (``Component.schema`` plus ``_line``) from partial records."""
    c = components.get(component)
    full = [{name: r.get(name) for name in c.column_names} for r in records]
    typed = pl.DataFrame(full, schema=c.schema, orient="row")
    return typed.with_columns(_line=pl.int_range(2, typed.height + 2, dtype=pl.Int64))


@pytest.fixture
def make_delivery(organiser: organisers.Organiser) -> Callable[..., Delivery]:
    def make(
        rows: dict[str, list[dict[str, Any]]],
        *,
        group: str = "Koko alue",
        quarter: Quarter = Q1,
        accepted: bool = True,
        oid: str | None = None,
    ) -> Delivery:
        oid = oid or organiser.oid
        defaults = {"jarjestaja": oid, "kotikunta": organiser.municipalities[0], "sukupuoli": "2"}
        frames = {
            name: frame(name, [defaults | r for r in records]) for name, records in rows.items()
        }
        report = {
            "accepted": accepted,
            "period": str(quarter),
            "organiser": oid,
            "components": {
                name: {
                    "rows": f.height,
                    "accepted_rows": f.height if accepted else 0,
                    "rejected_rows": 0 if accepted else f.height,
                    "defaults_applied": {},
                }
                for name, f in frames.items()
            },
            "counts": {},
            "issues": [],
        }
        manifest = {"jarjestaja": oid, "kuntaryhma": group, "seurantajakso": str(quarter)}
        return Delivery(quarter, accepted, oid, group, manifest, report, frames if accepted else {})

    return make


def table_snapshot(conn) -> dict[str, list[tuple]]:
    """Every table's rows, sorted: two equal snapshots mean an unchanged register. The jobs
    table is left out: it records the work tried, refused and killed work included."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_name != 'jobs' ORDER BY 1"
        ).fetchall()
    ]
    return {n: sorted(conn.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}


def write_package(
    folder,
    rows: dict[str, list[dict[str, str]]],
    *,
    organiser: str,
    group: str = "Koko alue",
    quarter: str = "2023Q1",
    as_zip: bool = True,
):
    """A delivery package (format v1): manifest.json and one CSV per component, as text."""
    import json
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "versio": "1",
        "jarjestaja": organiser,
        "kuntaryhma": group,
        "seurantajakso": quarter,
        "osat": list(rows),
        "kuvaus": "Test extraction from the client system.",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, records in rows.items():
        c = components.get(name)
        lines = [";".join(c.column_names)]
        lines += [";".join(r.get(col, "") or "" for col in c.column_names) for r in records]
        (folder / c.filename).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not as_zip:
        return folder
    return shutil.make_archive(str(folder), "zip", folder)


@pytest.fixture
def package(tmp_path, organiser):
    """Write a package of text rows for the fixture organiser; returns its path."""
    counter = iter(range(1000))

    def make(rows, **options):
        options.setdefault("organiser", organiser.oid)
        from pathlib import Path

        return Path(write_package(tmp_path / f"package{next(counter)}", rows, **options))

    return make
