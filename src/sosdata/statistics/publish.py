"""Publishing a quarter: compute the tables from the register, export them, draw the charts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from sosdata.config import Settings
from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.statistics import charts, export, tables

FORMATS = export.FORMATS


class NotBuiltError(UserError):
    """The register has no built data for the quarter."""


@dataclass
class Published:
    tables: list[tables.Table]
    files: list[Path]
    charts: list[Path]
    threshold: int

    @property
    def suppressed(self) -> int:
        return sum(int(t.cells["status"].is_not_null().sum()) for t in self.tables)


def compute(
    settings: Settings, quarter: Quarter, conn: duckdb.DuckDBPyConnection, *, audit: bool = False
) -> list[tables.Table]:
    """The quarter's suppressed tables, read from the register database. ``audit``: check
    every table's protection again by linear programming (slow; fails if a cell is exposed)."""
    if str(quarter) not in tables.quarters_present(conn):
        raise NotBuiltError(
            f"{settings.database_path}: quarter {quarter} has not been built; run the register "
            f"build for {quarter} first"
        )
    return tables.compute(conn, quarter, settings, audit=audit)


def publish(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    quarter: Quarter,
    out_dir: Path,
    *,
    fmt: str = "csv",
    lang: str = "fi",
    audit: bool = False,
) -> Published:
    """Tables in ``fmt`` and the SVG charts, side by side in ``out_dir``.

    The quarter's time-series cells are recorded as published in the register database in the
    same transaction (:func:`tables.store_series`): a failed export records nothing, and later
    quarters' time series repeat what this publication showed.
    """
    from sosdata.register import store

    published = compute(settings, quarter, conn, audit=audit)
    with store.transaction(conn):
        tables.store_series(conn, published)
        files = export.export(published, out_dir, fmt, lang)
        drawn = charts.write_charts(published, out_dir, lang)
    return Published(published, files, drawn, settings.suppression_threshold)
