"""Publishing a quarter: compute the tables from the register, export them, draw the charts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from sosdata.config import Settings
from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.statistics import charts, export, publications, tables

FORMATS = export.FORMATS


class NotBuiltError(UserError):
    """The register has no built data for the quarter."""


@dataclass
class Published:
    tables: list[tables.Table]
    files: list[Path]
    charts: list[Path]
    threshold: int
    publication_id: int | None = None

    @property
    def suppressed(self) -> int:
        return sum(int(t.cells["status"].is_not_null().sum()) for t in self.tables)

    def to_dict(self) -> dict[str, object]:
        return {
            "publication_id": self.publication_id,
            "quarter": self.tables[0].quarter if self.tables else None,
            "tables": len(self.tables),
            "suppressed": self.suppressed,
            "threshold": self.threshold,
            "files": [str(p) for p in self.files],
            "charts": [str(p) for p in self.charts],
        }


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
    out_dir: Path | None,
    *,
    published_by: str,
    fmt: str = "csv",
    lang: str = "fi",
    audit: bool = False,
) -> Published:
    """Publish the quarter: its tables recorded as a publication (:mod:`.publications`) and
    the time-series cells as published (:func:`tables.store_series`), in one transaction with
    the files — tables in ``fmt`` and the SVG charts in ``out_dir``, when given. A failed export
    records nothing, and later quarters' time series repeat what this publication showed.
    """
    from sosdata.register import build, store

    published = compute(settings, quarter, conn, audit=audit)
    current = build.current_build(conn, quarter)
    with store.transaction(conn):
        publication = publications.record(
            conn,
            published,
            published_by=published_by,
            build_id=int(current["build_id"]) if current else None,
        )
        tables.store_series(conn, published)
        files = export.export(published, out_dir, fmt, lang) if out_dir is not None else []
        drawn = charts.write_charts(published, out_dir, lang) if out_dir is not None else []
    return Published(published, files, drawn, settings.suppression_threshold, publication)
