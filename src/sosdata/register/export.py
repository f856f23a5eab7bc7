"""Export of a quarter's register as Hive-partitioned Parquet for larger engines.

Layout (one dataset per component)::

    OUT/<component>/quarter=2023Q1/hyvinvointialue=01/data_0.parquet
    OUT/<component>/quarter=2023Q1/hyvinvointialue=__HIVE_DEFAULT_PARTITION__/…   (no county)
    OUT/_export_2023Q1.json                                            (what was written)

DuckDB, Spark and Trino read this as is (``docs/register.md``). The files hold pseudonyms,
never identity codes. A quarter's partitions are written to a staging folder first and then
swapped in, so a reader never sees half a quarter and exporting again replaces the quarter.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from sosdata import components
from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.register import audit, build, store

PARTITION_BY = ("quarter", "hyvinvointialue")


class ExportError(UserError, RuntimeError):
    """The quarter cannot be exported as asked."""


@dataclass
class ExportResult:
    quarter: str
    build_id: int
    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "build_id": self.build_id,
            "out": str(self.out),
            "rows": self.rows,
            "files": self.files,
        }


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export(
    conn: duckdb.DuckDBPyConnection, period: Quarter, out: Path, *, exported_by: str, reason: str
) -> ExportResult:
    """Write the current build of ``period`` under ``out`` (audited)."""
    quarter = str(period)
    out = Path(out)
    current = build.current_build(conn, period)
    if current is None:
        raise ExportError(f"{quarter} has no build yet: build the quarter first")
    counts = {
        c.name: store.one(conn, f"SELECT count(*) FROM ({build.records(conn, c, period)})")[0]
        for c in components.COMPONENTS.values()
    }
    audit.record(
        conn,
        exported_by,
        "export",
        f"register {quarter} to {out}",
        reason,
        rows=sum(counts.values()),
    )
    result = ExportResult(quarter, int(current["build_id"]), out, counts)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".staging-{uuid.uuid4().hex}"
    try:
        for c in components.COMPONENTS.values():
            if not counts[c.name]:
                continue  # an empty component has no partition to write
            target = staging / c.name
            staging.mkdir(parents=True, exist_ok=True)
            conn.execute(
                f"COPY (SELECT * FROM {build.view(c)} WHERE quarter = '{quarter}' "
                f"ORDER BY ALL) TO {_sql_path(target)} "
                f"(FORMAT parquet, PARTITION_BY ({', '.join(PARTITION_BY)}))"
            )
        for c in components.COMPONENTS.values():
            part = Path(c.name) / f"quarter={quarter}"
            _swap_in(staging / part, out / part)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.files = sorted(
        p.relative_to(out).as_posix() for p in out.glob(f"*/quarter={quarter}/*/*.parquet")
    )
    summary = result.to_dict() | {"exported_at": dt.datetime.now().isoformat(timespec="seconds")}
    (out / f"_export_{quarter}.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return result


def _swap_in(new: Path, target: Path) -> None:
    """Replace ``target`` with ``new`` (a quarter with no rows leaves no folder)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".old-{uuid.uuid4().hex}")
    if target.exists():
        target.rename(old)
    if new.exists():
        new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
