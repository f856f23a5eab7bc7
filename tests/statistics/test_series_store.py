"""The time series repeats each published quarter's stored cells, and computes exactly the
same cells for a quarter that was never published."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sosdata.config import Settings
from sosdata.register import store
from sosdata.statistics import publish, tables

from . import fake_register
from .conftest import QUARTER

EARLIER = QUARTER.previous()
KEY = ["alue", "palvelutehtava"]


def _register(settings: Settings, parts) -> None:
    """A register database of the settings whose views are replaced by the contract's rows."""
    with store.opened(settings) as conn:
        fake_register.write(conn, parts)


@pytest.fixture
def register(register_db, stats_settings: Settings) -> Settings:
    _, parts = register_db
    _register(stats_settings, parts)
    return stats_settings


def _series(table: tables.Table, quarter: str) -> pl.DataFrame:
    return (
        table.cells.filter(pl.col("vuosineljannes") == quarter)
        .select(*tables.SERIES_SCHEMA)
        .sort(KEY)
    )


def _stored(settings: Settings, quarter: str) -> pl.DataFrame:
    with store.opened(settings, read_only=True) as conn:
        return tables.stored_series(conn, [quarter]).get(
            quarter, pl.DataFrame(schema=tables.SERIES_SCHEMA)
        )


def test_publishing_stores_the_series_cells_of_the_quarter(register, tmp_path: Path) -> None:
    result = _publish(register, EARLIER, tmp_path / "out")
    stored = _stored(register, str(EARLIER)).sort(KEY)
    expected = tables.series_cells(result.tables).sort(KEY)
    assert stored.height > 0 and stored.equals(expected)
    # clients in any task come from the persons table, under the task total
    persons = next(t for t in result.tables if t.id == "persons_county")
    any_task = persons.cells.filter(
        (pl.col("alue") == tables.TOTAL)
        & (pl.col("mittari") == "any")
        & (pl.col("sukupuoli") == tables.TOTAL)
        & (pl.col("ikaryhma") == tables.TOTAL)
    )["value"]
    total = stored.filter((pl.col("alue") == tables.TOTAL) & (pl.col("palvelutehtava") == "SSS"))
    assert total["value"].to_list() == any_task.to_list()
    # published again: replaced, not doubled
    _publish(register, EARLIER, tmp_path / "again")
    assert _stored(register, str(EARLIER)).sort(KEY).equals(expected)


def test_the_series_repeats_a_published_quarter_unchanged(register, tmp_path: Path) -> None:
    _publish(register, EARLIER, tmp_path / "earlier")
    as_published = _stored(register, str(EARLIER)).sort(KEY)
    # the earlier quarter's rows change after publication (a rebuild): the series must still
    # show what was published for it, not a recomputation
    with store.opened(register) as conn:
        fake_register.rebuild(conn, EARLIER, drop={"asiakkuusjaksot": "palvelutehtava = '1'"})
        recomputed = tables.series_cells(
            tables.compute_definition(conn, tables.BY_ID["clients"], EARLIER, register)
        )
    assert not recomputed.filter(pl.col("palvelutehtava") == "1").height
    result = _publish(register, QUARTER, tmp_path / "now")
    trend = next(t for t in result.tables if t.id == "trend_county")
    assert _series(trend, str(EARLIER)).equals(as_published)
    assert as_published.filter(pl.col("palvelutehtava") == "1").height > 0
    # and the current quarter's cells are its own tables', now stored too
    assert _series(trend, str(QUARTER)).equals(tables.series_cells(result.tables[:-1]).sort(KEY))
    assert _stored(register, str(QUARTER)).sort(KEY).equals(_series(trend, str(QUARTER)))


def test_a_quarter_never_published_is_computed_as_its_tables_would_publish_it(
    register_db, stats_settings: Settings
) -> None:
    conn, _ = register_db
    trend = tables.trend(conn, QUARTER, stats_settings)
    for quarter in (EARLIER, QUARTER):
        own = [
            t
            for name in tables.SERIES_DEFINITIONS
            for t in tables.compute_definition(conn, tables.BY_ID[name], quarter, stats_settings)
        ]
        expected = tables.series_cells(own).sort(KEY)
        assert expected.height > 0
        assert _series(trend, str(quarter)).equals(expected)


def test_a_failed_export_records_no_publication(register, tmp_path: Path) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    with pytest.raises(OSError):
        _publish(register, EARLIER, blocked)
    assert _stored(register, str(EARLIER)).is_empty()
    with store.opened(register, read_only=True) as conn:
        assert conn.sql("SELECT count(*) FROM stat_published_quarters").fetchall() == [(0,)]


def _publish(settings: Settings, quarter, out: Path):
    """The statistics library's publish over the test's register database."""
    with store.opened(settings) as conn:
        return publish.publish(conn, settings, quarter, out, published_by="keeper")
