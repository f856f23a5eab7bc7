"""Hive-partitioned Parquet export, read back by DuckDB and by Arrow's dataset reader."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pyarrow.dataset as ds
import pytest

from sosdata.periods import Quarter
from sosdata.register import export, submit
from world import call

Q1 = Quarter.parse("2023Q1")


@pytest.fixture
def built(db, settings, make_delivery, hetu, organiser):
    own = organiser.municipalities[0]
    rows = {
        "asiakkuusjaksot": [
            {
                "henkilotunnus": hetu(i),
                "palvelutehtava": "1",
                "alkupvm": dt.date(2022, 5, 1),
                "kotikunta": own if i < 7 else "200",
            }
            for i in range(10)
        ],
        "lastensuojelu": [{"henkilotunnus": hetu(20), "alkupvm": dt.date(2023, 2, 1)}],
    }
    submit.record(
        db, settings, make_delivery(rows), sha256="x", file_name="x.zip", submitted_by="keeper"
    )
    db.close()
    return call(settings, "keeper", "build", Q1)


def test_export_is_partitioned_by_quarter_and_county(settings, built, tmp_path, organiser):
    out = tmp_path / "out"
    result = call(settings, "keeper", "export", Q1, out, reason="research extract 5")
    assert result.rows["asiakkuusjaksot"] == 10 and result.rows["palvelutiedot"] == 0
    periods = out / "asiakkuusjaksot" / "quarter=2023Q1"
    assert sorted(p.name for p in periods.iterdir()) == [
        f"hyvinvointialue={organiser.county}",
        "hyvinvointialue=__HIVE_DEFAULT_PARTITION__",
    ]
    # DuckDB reads it as is; the county stays text ("01", not 1)
    conn = duckdb.connect()
    got = conn.execute(
        f"SELECT hyvinvointialue, count(*) FROM read_parquet('{out}/asiakkuusjaksot/**/*.parquet', "
        "hive_partitioning = true) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert got == [(organiser.county, 7), (None, 3)]
    columns = [
        r[0]
        for r in conn.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{out}/asiakkuusjaksot/**/*.parquet', "
            "hive_partitioning = true)"
        ).fetchall()
    ]
    assert "henkilotunnus" not in columns and {"pseudonym", "source", "quarter"} <= set(columns)
    # Arrow's (and so Spark's and Trino's) Hive layout reader sees the same partitions
    table = ds.dataset(out / "lastensuojelu", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 1
    summary = json.loads((out / "_export_2023Q1.json").read_text())
    assert summary["build_id"] == built.build_id


def test_exporting_again_replaces_the_quarter(settings, built, tmp_path):
    out = tmp_path / "out"
    call(settings, "keeper", "export", Q1, out, reason="first")
    call(settings, "keeper", "export", Q1, out, reason="second")
    files = list((out / "asiakkuusjaksot").rglob("*.parquet"))
    conn = duckdb.connect()
    (n,) = conn.execute(
        f"SELECT count(*) FROM read_parquet('{out}/asiakkuusjaksot/**/*.parquet')"
    ).fetchone()
    assert n == 10 and len(files) == 2
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_export_needs_a_build(settings, db, tmp_path):
    with pytest.raises(export.ExportError, match="2023Q2 has no build yet"):
        call(settings, "keeper", "export", Q1.next(), tmp_path, reason="x")


def test_export_is_audited(settings, built, tmp_path):
    call(settings, "keeper", "export", Q1, tmp_path / "o", reason="statistics production")
    conn = duckdb.connect(str(settings.database_path), read_only=True)
    rows = conn.execute(
        "SELECT action, reason, rows FROM audit_log WHERE action = 'export'"
    ).fetchall()
    assert rows == [("export", "statistics production", 11)]
