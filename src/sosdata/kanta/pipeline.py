"""From an extract file to checked component rows and files: read, derive, validate, write.

Derived rows go through the separate delivery's rule catalogue
(:func:`sosdata.delivery.validate_frames`), so derived and delivered data are checked alike.
The line a rule names is the row's line in the derived component file (line 1 is the header).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import polars as pl

from sosdata import safe_export
from sosdata.components import COMPONENTS, Component
from sosdata.errors import UserError
from sosdata.kanta.derive import Derivation, derive
from sosdata.kanta.extract import malformed_listing, scan_extract
from sosdata.periods import Quarter
from sosdata.progress import Progress, Step, silent

if TYPE_CHECKING:
    from sosdata.config import Settings
    from sosdata.delivery import ValidationResult

FORMATS = ("csv", "parquet")
SUMMARY_FILE = "summary.json"
MALFORMED_FILE = "malformed.csv"
#: malformed records listed in the summary itself (all of them go to malformed.csv)
SUMMARY_MALFORMED_LIMIT = 100


class DeriveError(UserError):
    """Bad options for a derivation (output format, output directory)."""


def as_text(rows: pl.DataFrame, component: Component) -> pl.DataFrame:
    """Typed rows as the delivery's text schema (dates ISO) plus ``_line``, the row's line in
    the derived component file."""
    return rows.select(
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("_line"),
        *(pl.col(n).cast(pl.String) for n in component.column_names),
    )


class Checked(NamedTuple):
    """A derivation and the delivery rules' verdict on its rows.

    Unpacks as ``derivation, validation``; ``derived`` (all derived rows per component) and
    ``summary`` are the derivation's, ``rows`` the accepted ones.
    """

    derivation: Derivation
    validation: ValidationResult

    @property
    def derived(self) -> dict[str, pl.DataFrame]:
        return self.derivation.rows

    @property
    def rows(self) -> dict[str, pl.DataFrame]:
        return self.validation.rows

    @property
    def summary(self) -> dict[str, Any]:
        return self.derivation.summary


def derive_path(
    path: str | Path,
    period: Quarter,
    settings: Settings,
    *,
    progress: Progress | None = None,
    lang: str = "fi",
) -> Checked:
    """Read an extract, derive ``period`` and check the rows with the delivery's rules.

    The derivation's summary gains ``malformed`` (records skipped), ``malformed_records``
    (their line, field and reason), ``accepted_rows`` per component and ``rule_counts``.
    """
    from sosdata.delivery import validate_frames

    report = progress or silent
    path = Path(path)
    scan = scan_extract(path, progress=lambda done, total: report(Step("read", done, total)))
    duplicates = duplicate_documents(scan.frame)
    report(Step("derive", 0, 1))
    derivation = derive(scan.frame, period, versions=scan.versions)
    report(Step("derive", 1, 1))
    derivation.summary["documents_read"] += scan.malformed_records
    derivation.summary["malformed"] = scan.malformed_records
    derivation.summary["duplicate_document_ids"] = duplicates.height
    derivation.summary["duplicate_documents"] = duplicates.head(SUMMARY_MALFORMED_LIMIT).to_dicts()
    derivation.malformed = scan.malformed
    report(Step("validate", 0, 1))
    result = validate_frames(
        {name: as_text(rows, COMPONENTS[name]) for name, rows in derivation.rows.items()},
        period=period,
        settings=settings,
        organiser=None,
        source=path.name,
        lang=lang,
    )
    report(Step("validate", 1, 1))
    derivation.summary["accepted_rows"] = {
        name: result.rows[name].height if name in result.rows else 0 for name in derivation.rows
    }
    derivation.summary["rule_counts"] = result.report.counts
    return Checked(derivation, result)


def duplicate_documents(records: pl.LazyFrame) -> pl.DataFrame:
    """Document ids that more than one record carries, with the lines of the first two: a
    document is archived once, so a repeated id is an error in the extract, not a version.

    Candidates first: the records whose id's 64-bit hash repeats (sorting 16 M integers and
    comparing neighbours took 0.5 s where counting 16 M strings in a hash table took 4.4 s);
    every record of a repeated id is among them, and the ids themselves then decide."""
    ids = records.select("_line", "document_id").collect()
    hashes = _id_hash(ids["document_id"])
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1)).unique()
    return (
        ids.filter(hashes.is_in(repeated.implode()))
        .filter(pl.col("document_id").is_duplicated())
        .group_by("document_id")
        .agg(pl.col("_line").sort().head(2).alias("lines"), pl.len().alias("records"))
        .sort(pl.col("lines").list.first())
        .select(pl.col("lines").list.first().alias("line"), "lines", "records")
    )


def _id_hash(ids: pl.Series) -> pl.Series:
    """The ids' 64-bit hashes (apart, so that a test can make every id collide)."""
    return ids.hash()


def summary_document(derivation: Derivation, source: Path) -> dict[str, Any]:
    """The summary as written to ``summary.json`` (no identity codes: lines and fields only)."""
    malformed = malformed_listing(derivation.malformed)
    return {
        "source": source.name,
        **derivation.summary,
        "malformed_records": malformed.head(SUMMARY_MALFORMED_LIMIT).to_dicts(),
    }


def write_derivation(
    derivation: Derivation, out: Path, *, source: Path, fmt: str = "csv"
) -> dict[str, Any]:
    """Write the four component files (delivery format), the malformed records if any, and
    ``summary.json`` into ``out``; return the summary."""
    if fmt not in FORMATS:
        raise DeriveError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if out.exists() and not out.is_dir():
        raise DeriveError(f"{out}: exists and is not a directory; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, rows in derivation.rows.items():
        component = COMPONENTS[name]
        target = out / (component.filename if fmt == "csv" else f"{name}.parquet")
        frame = rows.select(component.column_names)
        if fmt == "csv":
            # the delivery format: UTF-8, ';', header row, ISO dates, empty for missing
            frame.write_csv(target, separator=";", null_value="", line_terminator="\n")
        else:
            frame.write_parquet(target, compression="zstd")
        files[name] = target.name
    if derivation.malformed.height:
        listing = malformed_listing(derivation.malformed)
        safe_export.write_csv(listing, out / MALFORMED_FILE, null_value="")
        files["malformed"] = MALFORMED_FILE
    summary = {**summary_document(derivation, source), "files": files}
    (out / SUMMARY_FILE).write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return summary


def derive_to_directory(
    path: str | Path,
    period: Quarter,
    out: str | Path,
    *,
    settings: Settings,
    fmt: str = "csv",
    progress: Progress | None = None,
    lang: str = "fi",
) -> dict[str, Any]:
    """``sosdata kanta derive``: read, derive, check and write; returns the summary."""
    if fmt not in FORMATS:
        raise DeriveError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    derivation, _ = derive_path(path, period, settings, progress=progress, lang=lang)
    report = progress or silent
    report(Step("write", 0, 1))
    summary = write_derivation(derivation, Path(out), source=Path(path), fmt=fmt)
    report(Step("write", 1, 1))
    return summary
