"""Loading a Kanta extract: derive the quarter's components, check them, store them as a batch.

The derivation (``sosdata.kanta``) turns document metadata into rows of components II–V and
checks them with the same rule catalogue as separate deliveries; the accepted rows are stored
here like a delivery's, in ONE transaction:

- the extract's SHA-256 and the quarter identify a batch: loading the same extract for the
  same quarter again is recognised and stores nothing;
- a batch is in force per organiser and component: for every organiser the extract covers, its
  components replace those of earlier batches of the quarter (which stay stored).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sosdata import components, keys
from sosdata.config import Settings
from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.progress import Progress, say
from sosdata.register import rows, store
from sosdata.register.crypto import IdentityCipher
from sosdata.register.submit import file_sha256


class KantaLoadError(UserError, ValueError):
    """An extract that cannot be loaded as given."""


@dataclass
class KantaOutcome:
    batch_id: int
    quarter: str
    duplicate: bool
    organisers: list[str] = field(default_factory=list)
    stored_rows: dict[str, int] = field(default_factory=dict)
    #: component → (organiser → batch replaced)
    replaced: dict[str, dict[str, int]] = field(default_factory=dict)
    new_persons: int = 0
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Batch:
    """A derived and checked Kanta batch, ready to store."""

    quarter: Quarter
    #: accepted rows per component, ``Component.schema`` plus ``_line``
    rows: dict[str, pl.DataFrame]
    #: organisers the extract covers (their earlier batches' components are replaced)
    organisers: list[str]
    #: derivation and validation counts, stored as the batch summary
    summary: dict[str, Any]


def record_batch(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    batch: Batch,
    *,
    sha256: str,
    source_file: str,
    loaded_by: str,
    loaded_at: dt.datetime | None = None,
    progress: Progress | None = None,
) -> KantaOutcome:
    """Store a batch in one transaction (the caller has checked the hash)."""
    step = say(progress)
    loaded_at = loaded_at or dt.datetime.now()
    quarter = str(batch.quarter)
    outcome = KantaOutcome(0, quarter, False, sorted(batch.organisers), summary=batch.summary)
    step("pseudonymising identity codes")
    frames, persons = rows.prepared(batch.rows, keys.pseudonymizer(settings))
    cipher = IdentityCipher.from_settings(settings)
    with store.transaction(conn):
        (batch_id,) = store.one(conn, "SELECT nextval('kanta_batch_id_seq')")
        outcome.batch_id = int(batch_id)
        conn.execute(
            "INSERT INTO kanta_batches (batch_id, quarter, loaded_at, loaded_by, source_file, "
            "file_sha256, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                batch_id,
                quarter,
                loaded_at,
                loaded_by,
                source_file,
                sha256,
                json.dumps(batch.summary, default=str, ensure_ascii=False),
            ],
        )
        counts = _row_counts(frames, outcome.organisers)
        covered = pl.DataFrame({"organiser": outcome.organisers}, schema={"organiser": pl.String})
        for name in components.COMPONENTS:
            retired = store.frame(
                conn,
                "UPDATE kanta_components SET current = false "
                "WHERE component = ? AND current AND organiser IN (SELECT organiser FROM covered) "
                "AND batch_id IN (SELECT batch_id FROM kanta_batches WHERE quarter = ?) "
                "RETURNING organiser, batch_id",
                [name, quarter],
                covered=covered,
            )
            if retired.height:
                outcome.replaced[name] = dict(retired.sort("organiser").iter_rows())
        store.run(
            conn,
            "INSERT INTO kanta_components BY NAME SELECT * FROM counts",
            counts=counts.with_columns(batch_id=pl.lit(batch_id, dtype=pl.Int64)),
        )
        outcome.new_persons, outcome.stored_rows = rows.store_accepted(
            conn, frames, persons, cipher, loaded_at, step=step, batch_id=outcome.batch_id
        )
        step("committing")
    return outcome


def _row_counts(frames: dict[str, pl.DataFrame], organisers: list[str]) -> pl.DataFrame:
    """Rows per covered organiser and component, zero where the batch has none."""
    grid = pl.DataFrame({"organiser": organisers}, schema={"organiser": pl.String}).join(
        pl.DataFrame({"component": list(components.COMPONENTS)}), how="cross"
    )
    counted = [
        # grouped by the organiser's enumeration (rows.prepared), then named
        f.group_by(pl.col("jarjestaja").alias("organiser"))
        .len("rows")
        .with_columns(pl.col("organiser").cast(pl.String), component=pl.lit(name))
        for name, f in frames.items()
    ]
    found = (
        pl.concat(counted).select("organiser", "component", pl.col("rows").cast(pl.Int64))
        if counted
        else pl.DataFrame(schema={"organiser": pl.String, "component": pl.String, "rows": pl.Int64})
    )
    return (
        grid.join(found, on=["organiser", "component"], how="left")
        .with_columns(pl.col("rows").fill_null(0), current=pl.lit(True))
        .sort("organiser", "component")
    )


def find_batch(conn: duckdb.DuckDBPyConnection, quarter: str, sha256: str) -> int | None:
    row = conn.execute(
        "SELECT batch_id FROM kanta_batches WHERE quarter = ? AND file_sha256 = ?",
        [quarter, sha256],
    ).fetchone()
    return None if row is None else int(row[0])


# ----------------------------------------------------------------------------- the whole path


def derive_batch(
    settings: Settings, extract_path: Path, period: Quarter, progress: Progress | None = None
) -> Batch:
    """Derive and check the quarter's components from an extract file (``sosdata.kanta``)."""
    from sosdata.kanta.pipeline import derive_path

    return from_derivation(derive_path(extract_path, period, settings, progress=progress), period)


def from_derivation(checked: Any, period: Quarter) -> Batch:
    """The parts of ``sosdata.kanta.pipeline.derive_path``'s result that the register stores:
    the accepted rows, the organisers the extract covers and the summary."""
    derivation, validation = checked.derivation, checked.validation
    covered = sorted(
        set().union(
            set(), *[set(f["jarjestaja"].drop_nulls().unique()) for f in derivation.rows.values()]
        )
    )
    report = validation.report.to_dict()
    summary = dict(derivation.summary) | {
        "validation": {
            "accepted": report.get("accepted"),
            "components": report.get("components"),
            "counts": report.get("counts"),
        }
    }
    return Batch(period, dict(validation.rows), covered, summary)


def refuse_unusable(batch: Batch, settings: Settings, source: str) -> None:
    """Refuse, before anything is stored, an extract that could replace the organisers'
    components with nothing or with the remains of a broken file: one with no readable record
    or no derived row, a malformed share above ``kanta_malformed_limit``, a document id given
    twice, or derived rows the delivery rules reject as they would a delivery."""
    summary = batch.summary
    records = int(summary.get("documents_read", 0))
    malformed = int(summary.get("malformed", 0))
    nothing = "; nothing was stored"
    if records == 0 or malformed == records:
        raise KantaLoadError(
            f"{source}: no record could be read ({malformed:,} malformed of {records:,}); check "
            f"that it is a Kanta extract (docs/kanta-extract.md){nothing}"
        )
    share = malformed / records
    if share > settings.kanta_malformed_limit:
        raise KantaLoadError(
            f"{source}: {malformed:,} of {records:,} records ({share:.1%}) are malformed, more "
            f"than kanta_malformed_limit {settings.kanta_malformed_limit:.1%}; deriving the "
            f"extract without loading it lists them{nothing}"
        )
    duplicates = summary.get("duplicate_documents") or []
    if duplicates:
        first = duplicates[0]
        lines = " and ".join(str(n) for n in first["lines"])
        raise KantaLoadError(
            f"{source}, line {first['line']}: the same document id is on lines {lines} "
            f"({summary.get('duplicate_document_ids', len(duplicates)):,} ids repeated); a "
            f"document is archived once — ask for a corrected extract{nothing}"
        )
    derived = sum(f.height for f in batch.rows.values())
    if derived == 0:
        raise KantaLoadError(
            f"{source}: {records - malformed:,} records were read but none yields a row for "
            f"{batch.quarter}; check the period and the extract{nothing}"
        )
    validation = summary.get("validation") or {}
    if validation.get("accepted") is False:
        counts = ", ".join(f"{k} {v:,}" for k, v in (validation.get("counts") or {}).items())
        raise KantaLoadError(
            f"{source}: the derived rows fail the delivery rules as a delivery would ({counts}); "
            f"deriving the extract without loading it gives the report{nothing}"
        )


def load_kanta(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    extract_path: Path,
    period: Quarter,
    *,
    loaded_by: str,
    progress: Progress | None = None,
) -> KantaOutcome:
    """Derive the quarter from a Kanta extract and store it as a batch."""
    step = say(progress)
    extract_path = Path(extract_path)
    if not extract_path.is_file():
        raise KantaLoadError(f"{extract_path}: no such extract file")
    step("computing the extract's SHA-256")
    sha256 = file_sha256(extract_path)
    earlier = find_batch(conn, str(period), sha256)
    if earlier is not None:
        return KantaOutcome(earlier, str(period), True)
    step(f"deriving {period} from {extract_path.name}")
    batch = derive_batch(settings, extract_path, period, progress)
    refuse_unusable(batch, settings, extract_path.name)
    return record_batch(
        conn,
        settings,
        batch,
        sha256=sha256,
        source_file=extract_path.name,
        loaded_by=loaded_by,
        progress=progress,
    )
