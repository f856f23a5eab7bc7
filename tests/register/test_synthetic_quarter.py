"""End to end on a synthetic quarter: notifications, every delivery, the Kanta extract, the
build — the register equals the generator's truth, provenance included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from sosdata import components, keys
from sosdata.periods import Quarter
from sosdata.register import store
from world import call

Q1 = Quarter.parse("2023Q1")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    generate = pytest.importorskip("sosdata.synth.generate")
    out = tmp_path_factory.mktemp("synth") / "tiny"
    generate.generate(out, generate.Options(scale="tiny", period=str(Q1), seed=3))
    return out


def _truth(synthetic: Path, name: str, settings) -> pl.DataFrame:
    path = synthetic / "truth" / "register" / str(Q1) / f"{name}.parquet"
    frame = pl.read_parquet(path)
    pseudonym = keys.pseudonymizer(settings)
    c = components.get(name)
    return frame.select(
        "jarjestaja",
        pl.col("henkilotunnus")
        .map_batches(pseudonym.series, return_dtype=pl.String)
        .alias("pseudonym"),
        *c.own_columns,
        "source",
    ).sort(pl.all())


def test_register_equals_the_truth(settings, db, synthetic):
    from sosdata.register.notifications import exchange

    for path in sorted((synthetic / "notifications").glob("*.json")):
        exchange.import_file(db, path, settings, by="keeper", submitted_at=dt.datetime(2022, 3, 1))
    db.close()
    for path in sorted((synthetic / "deliveries" / str(Q1)).glob("*.zip")):
        assert call(settings, "keeper", "submit", path).status == "accepted", path.name
    call(settings, "keeper", "load_kanta", synthetic / "kanta" / "extract.parquet", Q1)
    summary = call(settings, "keeper", "build", Q1)
    assert summary.notifications and not summary.union_cells

    with store.opened(settings) as conn:
        for name, c in components.COMPONENTS.items():
            own = ", ".join(c.own_columns)
            got = store.frame(
                conn,
                f"SELECT jarjestaja, pseudonym, {own}, source FROM register_{name}",
            ).sort(pl.all())
            expected = _truth(synthetic, name, settings)
            assert got.height > 0, name
            assert got.equals(expected), (name, got.height, expected.height)
        # services delivered without a task for clients with several tasks are all there,
        # their task unknown ("Serviceuppgiften ... är frivilliga uppgifter")
        unknown = store.frame(
            conn,
            """SELECT count(*) AS n FROM register_palvelutiedot v
               WHERE v.palvelutehtava IS NULL AND (
                 SELECT count(DISTINCT a.palvelutehtava) FROM register_asiakkuusjaksot a
                 WHERE a.jarjestaja = v.jarjestaja AND a.pseudonym = v.pseudonym) >= 2""",
        ).item()
        assert unknown > 0
    assert summary.components["palvelutiedot"]["service_task_unknown"] >= unknown
