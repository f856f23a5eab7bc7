"""The monitoring matrix of a synthetic quarter with one missing and one late delivery."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from sosdata.periods import Quarter
from sosdata.register import store, users
from world import call

Q1 = Quarter.parse("2023Q1")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    generate = pytest.importorskip("sosdata.synth.generate")
    out = tmp_path_factory.mktemp("synth") / "tiny"
    generate.generate(out, generate.Options(scale="tiny", period=str(Q1), seed=5))
    return out


@pytest.fixture
def loaded(settings, synthetic):
    """Every delivery on time but two: the last is never sent, the one before arrives late."""
    from sosdata.register.notifications import exchange

    with store.opened(settings) as conn:
        users.add(conn, "keeper")
        for path in sorted((synthetic / "notifications").glob("*.json")):
            exchange.import_file(
                conn, path, settings, by="keeper", submitted_at=dt.datetime(2022, 3, 1)
            )
    zips = sorted((synthetic / "deliveries" / str(Q1)).glob("*.zip"))
    assert len(zips) >= 3
    future = dataclasses.replace(settings, deadlines={str(Q1): dt.date.today() + dt.timedelta(1)})
    for path in zips[:-2]:
        assert call(future, "keeper", "submit", path).status == "accepted"
    past = dataclasses.replace(settings, deadlines={str(Q1): dt.date(2023, 5, 1)})
    late = call(past, "keeper", "submit", zips[-2])
    assert late.status == "accepted"
    call(past, "keeper", "load_kanta", synthetic / "kanta" / "extract.parquet", Q1)
    call(past, "keeper", "build", Q1)
    return past, zips


def _manifest(path: Path) -> dict:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("manifest.json"))


def test_matrix_shows_missing_late_and_on_time(loaded) -> None:
    settings, zips = loaded
    report = call(settings, "keeper", "status", Q1)
    grid = report.matrix
    missing, late = _manifest(zips[-1]), _manifest(zips[-2])

    def rows(manifest: dict) -> pl.DataFrame:
        return grid.filter(
            (pl.col("organiser") == manifest["jarjestaja"])
            & (pl.col("municipality_group") == manifest["kuntaryhma"])
            & pl.col("component").is_in(manifest["osat"])
        )

    assert set(rows(missing)["delivery"]) == {"missing"}, rows(missing)
    assert set(rows(late)["delivery"]) == {"late"}
    on_time = grid.filter(pl.col("delivery") == "on_time")
    assert on_time.height > 0
    assert (on_time["received_at"].is_not_null()).all()
    # Kanta-only cells expect nothing separate
    assert (
        grid.filter(pl.col("expected_source") == "kanta")["delivery"]
        .is_in(["not_expected", "on_time", "late"])
        .all()
    )
    received = grid.filter(pl.col("rows") > 0)
    shares = received["kanta_share"] + received["separate_share"]
    assert (shares >= 1 - 1e-9).all()  # "both" rows count for each source
    delivered = grid.filter(pl.col("delivered_rows") > 0)
    expected_rate = delivered["rejected_rows"] / delivered["delivered_rows"]
    assert (delivered["rejected_rate"] - expected_rate).abs().max() < 1e-12
    assert delivered["rejected_rows"].sum() > 0  # the synthetic deliveries carry row errors
    assert (delivered.filter(pl.col("rejected_rows") > 0)["rejected_rate"] > 0).all()


def test_quality_score_per_organiser(loaded) -> None:
    settings, zips = loaded
    report = call(settings, "keeper", "status", Q1)
    quality = report.quality
    missing = _manifest(zips[-1])["jarjestaja"]
    row = quality.filter(pl.col("organiser") == missing).row(0, named=True)
    assert row["missing"] >= 1 and row["coverage"] < 1
    for r in quality.iter_rows(named=True):
        parts = [
            r[k] for k in ("coverage", "completeness", "validity", "defaults") if r[k] is not None
        ]
        assert r["score"] == pytest.approx(round(100 * sum(parts) / len(parts), 1))
        assert 0 <= r["score"] <= 100


def test_monitoring_counts_the_records_the_views_show(loaded) -> None:
    """The built register's rows and their unknown sexes and home municipalities are counted
    on the built records as read for the statistics, without joining their persons: the same
    counts as through the views."""
    from sosdata import monitoring
    from sosdata.components import COMPONENTS

    settings, _ = loaded
    viewed = " UNION ALL ".join(
        f"SELECT jarjestaja, sukupuoli, kotikunta FROM register_{name} WHERE quarter = $q"
        for name in COMPONENTS
    )
    with store.opened(settings) as conn:
        conn.execute("BEGIN")
        try:  # a third of the client periods without a home municipality
            conn.execute("UPDATE built_asiakkuusjaksot SET kotikunta = NULL WHERE rowid % 3 = 0")
            counted = monitoring._item_completeness(conn, Q1).sort("organiser")
            rows = monitoring._register_rows(conn, Q1)
            rows_viewed = conn.sql(
                " UNION ALL ".join(
                    f"SELECT '{name}' AS component, jarjestaja, kuntaryhma, count(*), "
                    "count(*) FILTER (WHERE source IN ('kanta', 'both')), "
                    "count(*) FILTER (WHERE source IN ('separate', 'both')) "
                    f"FROM register_{name} WHERE quarter = $q GROUP BY ALL"
                    for name in COMPONENTS
                ),
                params={"q": str(Q1)},
            ).fetchall()
            expected = conn.sql(
                "SELECT jarjestaja AS organiser, count(*) AS rows, count(*) FILTER (WHERE "
                "sukupuoli IS NULL OR sukupuoli IN ('0', '9') OR kotikunta IS NULL "
                f"OR kotikunta = '199') AS unknown FROM ({viewed}) GROUP BY ALL ORDER BY 1",
                params={"q": str(Q1)},
            ).pl()
        finally:
            conn.execute("ROLLBACK")
    assert counted.equals(expected.cast(counted.schema))
    columns = ["component", "organiser", "municipality_group", "rows", "kanta_rows"]
    assert sorted(rows.select(*columns, "separate_rows").rows()) == sorted(rows_viewed)
    assert set(rows["quarter"]) == {str(Q1)} and rows["kanta_rows"].sum() > 0
    assert counted["rows"].sum() > 0 and counted["unknown"].sum() > 0


def test_previous_quarter_change_is_flagged(loaded) -> None:
    """With nothing in the previous quarter there is no change to flag; row counts stand."""
    settings, _ = loaded
    grid = call(settings, "keeper", "status", Q1).matrix
    assert grid["rows_previous"].is_null().all()
    assert grid["change_flag"].is_null().all()


def test_status_command_formats(loaded, cli, tmp_path) -> None:
    settings, _ = loaded
    result = cli("status", "--period", str(Q1), "--as", "keeper", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["quarter"] == "2023Q1" and data["matrix"] and data["quality"]
    text = cli("status", "--period", str(Q1), "--as", "keeper")
    assert "missing" in text.stdout and "late" in text.stdout
    out = tmp_path / "status.xlsx"
    assert (
        cli(
            "status", "--period", str(Q1), "--as", "keeper", "--format", "xlsx", "--out", out
        ).exit_code
        == 0
    )
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["matrix", "quality"]
    csv = cli("status", "--period", str(Q1), "--as", "keeper", "--format", "csv")
    assert csv.stdout.splitlines()[0].startswith("quarter;organiser")


def test_cells_link_to_their_deliveries_and_kanta_batches(loaded) -> None:
    settings, zips = loaded
    links = call(settings, "keeper", "status_links", Q1)
    listed = call(settings, "keeper", "deliveries", period=Q1)
    late = _manifest(zips[-2])
    cell = links.filter(
        (pl.col("organiser") == late["jarjestaja"])
        & (pl.col("municipality_group") == late["kuntaryhma"])
        & (pl.col("component") == late["osat"][0])
    )
    ids = listed.filter(
        (pl.col("organiser") == late["jarjestaja"])
        & (pl.col("municipality_group") == late["kuntaryhma"])
    )["delivery_id"]
    assert cell.height == 1 and set(cell["delivery_ids"][0]) <= set(ids) and ids.len() > 0
    assert (links["quarter"] == str(Q1)).all()

    batches = call(settings, "keeper", "kanta_batches", period=Q1)
    assert batches.height > 0 and (batches["quarter"] == str(Q1)).all()
    with_kanta = links.filter(pl.col("kanta_batch_ids").list.len() > 0)
    assert with_kanta.height > 0
    carried = set(batches.select("organiser", "component").iter_rows())
    assert set(with_kanta.select("organiser", "component").iter_rows()) <= carried
    assert set(with_kanta["kanta_batch_ids"].explode()) <= set(batches["batch_id"])
    # an organiser's user sees only its own organiser's batches and cells
    organiser = batches["organiser"][0]
    with store.opened(settings) as conn:
        users.add(conn, "org-user", role="organiser", organiser=organiser)
    own = call(settings, "org-user", "kanta_batches", period=Q1)
    assert own.height > 0 and set(own["organiser"]) == {organiser}
    assert set(call(settings, "org-user", "status_links", Q1)["organiser"]) == {organiser}
    one = call(settings, "keeper", "kanta_batches", batch_id=int(batches["batch_id"][0]))
    assert set(one["batch_id"]) == {batches["batch_id"][0]}


def test_non_submitters_and_filters(loaded) -> None:
    settings, zips = loaded
    report = call(settings, "keeper", "status", Q1)
    missing = _manifest(zips[-1])
    outstanding = report.non_submitters()
    assert set(outstanding.matrix["delivery"]) <= {"missing", "pending", "rejected"}
    assert outstanding.matrix["separate_expected"].all()
    assert missing["jarjestaja"] in set(outstanding.matrix["organiser"])
    assert set(outstanding.quality["organiser"]) == set(outstanding.matrix["organiser"])
    late = report.where(delivery="late")
    assert late.matrix.height > 0 and set(late.matrix["delivery"]) == {"late"}
    one = report.where(organiser=missing["jarjestaja"], component="asiakkuusjaksot")
    assert set(one.matrix["organiser"]) == {missing["jarjestaja"]}
    assert set(one.matrix["component"]) == {"asiakkuusjaksot"}
    assert report.where(organisers=[]).matrix.is_empty()
    text = outstanding.render("csv")
    assert isinstance(text, str) and text.count("\n") == outstanding.matrix.height + 1
