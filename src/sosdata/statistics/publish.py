"""Publishing a quarter: compute the tables from the register, export them, draw the charts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from sosdata.config import Settings
from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.statistics import charts, export, revisions, tables

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


def _connect(settings: Settings, quarter: Quarter) -> duckdb.DuckDBPyConnection:
    """The register database, brought up to date (the published-series store included)."""
    from sosdata.register import store

    if not settings.database_path.exists():
        raise NotBuiltError(
            f"{settings.database_path}: no register database; load data and build {quarter} first"
        )
    return store.connect(settings)


def compute(
    settings: Settings, quarter: Quarter, conn: duckdb.DuckDBPyConnection, *, audit: bool = False
) -> list[tables.Table]:
    """The quarter's suppressed tables, read from the register database, linked to its
    earlier publications (:mod:`.revisions`). ``audit``: check every table's protection again
    by linear programming (slow; fails if a cell is exposed)."""
    if str(quarter) not in tables.quarters_present(conn):
        raise NotBuiltError(
            f"{settings.database_path}: quarter {quarter} has not been built; run the register "
            f"build for {quarter} first"
        )
    earlier = revisions.earlier(conn, str(quarter))
    return tables.compute(conn, quarter, settings, audit=audit, earlier=earlier)


def publish(
    settings: Settings,
    quarter: Quarter,
    out_dir: Path,
    *,
    fmt: str = "csv",
    lang: str = "fi",
    conn=None,
    audit: bool = False,
) -> Published:
    """Tables in ``fmt`` and the SVG charts, side by side in ``out_dir``.

    The quarter's time-series cells are recorded as published in the register database in the
    same transaction (:func:`tables.store_series`): a failed export records nothing, and later
    quarters' time series repeat what this publication showed.
    """
    from sosdata.register import store

    own = conn is None
    if conn is None:
        conn = _connect(settings, quarter)
    try:
        published = compute(settings, quarter, conn, audit=audit)
        with store.transaction(conn):
            tables.store_series(conn, published)
            revisions.record(
                conn,
                str(quarter),
                {t.id: (t.cells, t.dims) for t in published if t.definition != "trend"},
            )
            files = export.export(published, out_dir, fmt, lang)
            drawn = charts.write_charts(published, out_dir, lang)
    finally:
        if own:
            conn.close()
    return Published(published, files, drawn, settings.suppression_threshold)
