"""The Kanta extract: one record per document version, as JSON Lines or Parquet.

The format is documented in ``docs/kanta-extract.md``. Reading is columnar: JSON Lines are
decoded in blocks of lines with Polars, and the rare block that does not decode is split in
halves until the offending lines are found, so a malformed record costs a few small decodes
instead of a per-line loop over the whole file. Every malformed record is reported with its
line (JSON Lines) or record number (Parquet) and skipped: a finding (:mod:`sosdata.findings`)
of code ``KANTA_MALFORMED`` whose column is the field and whose ``reason`` parameter says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from sosdata import findings, identity
from sosdata.errors import UserError

DOCUMENT_TYPES = ("case", "client_relationship", "decision", "implementation")
STATUSES = ("active", "cancelled")

#: structure version from which a client-relationship document carries section-27 data
SECTION_27_MIN_VERSION = (10, 1, 22)

SERVICE_UNIT_RELATIONSHIP = pl.Struct(
    {"social_service": pl.String(), "start": pl.Date(), "end": pl.Date()}
)

#: the typed schema of an extract, in the documented field order
EXTRACT_SCHEMA = pl.Schema(
    {
        "document_id": pl.String(),
        "set_id": pl.String(),
        "version": pl.Int64(),
        "version_time": pl.Datetime("us", "UTC"),
        "status": pl.String(),
        "document_type": pl.String(),
        "organiser": pl.String(),
        "identity_code": pl.String(),
        "home_municipality": pl.String(),
        "sex": pl.String(),
        "service_tasks": pl.List(pl.String()),
        # case document
        "case_id": pl.String(),
        "case_opened": pl.Date(),
        "case_closed": pl.Date(),
        # client-relationship document
        "structure_version": pl.String(),
        "cw27_start": pl.Date(),
        "cw27_end": pl.Date(),
        "service_unit_relationships": pl.List(SERVICE_UNIT_RELATIONSHIP),
        # decision document
        "social_service": pl.String(),
        "decision_date": pl.Date(),
        "valid_from": pl.Date(),
        "valid_to": pl.Date(),
        "decision_type": pl.String(),
        "refined_type": pl.Boolean(),
        # implementation-phase document
        "event_date": pl.Date(),
        "social_services": pl.List(pl.String()),
    }
)

#: fields every record must have
REQUIRED_FIELDS = ("document_id", "set_id", "version", "status", "document_type")

#: the fields of each document type beyond those of every record (docs/kanta-extract.md); a
#: record is not malformed for a bad value in a field its type does not have (it is ignored)
TYPE_FIELDS = {
    "case": ("case_id", "case_opened", "case_closed"),
    "client_relationship": (
        "structure_version",
        "cw27_start",
        "cw27_end",
        "service_unit_relationships",
    ),
    "decision": (
        "social_service",
        "decision_date",
        "valid_from",
        "valid_to",
        "decision_type",
        "refined_type",
    ),
    "implementation": ("event_date", "social_services"),
}

#: the fields that decide which version of a document set is current
VERSION_FIELDS = ("set_id", "version", "version_time", "status")

#: the problems found while reading, before they become findings: line, field, reason
_PROBLEMS = pl.Schema({"line": pl.Int64(), "field": pl.String(), "reason": pl.String()})
#: the finding of a record skipped as malformed (its field is the finding's column)
MALFORMED = "KANTA_MALFORMED"
findings.register(
    {
        MALFORMED: {
            "fi": "{file}, tietue {line}: {column}: {reason}; tietue ohitettiin",
            "sv": "{file}, post {line}: {column}: {reason}; posten hoppades över",
            "en": "{file}, record {line}: {column}: {reason}; the record was skipped",
        }
    }
)
#: the columns of a listing of malformed records (``summary.json``, ``malformed.csv``)
MALFORMED_LISTING = ("line", "field", "reason")


def malformed_findings(problems: pl.DataFrame, file: str) -> pl.DataFrame:
    """Problems (line, field, reason) as findings of ``file``, one per record and field."""
    return findings.conform(
        problems.sort("line", "field").select(
            pl.lit(MALFORMED).alias("code"),
            pl.lit(findings.ERROR).alias("severity"),
            pl.lit(identity.redact(file)).alias("file"),
            "line",
            pl.col("field").alias("column"),
            pl.struct("reason").struct.json_encode().alias("params"),
        )
    )


def malformed_listing(malformed: pl.DataFrame) -> pl.DataFrame:
    """Malformed-record findings as their listing: line, field, reason (no field values)."""
    return malformed.sort("line", "column").select(
        "line", pl.col("column").alias("field"), findings.param("reason").alias("reason")
    )


SUFFIXES = (".jsonl", ".ndjson", ".parquet")

# JSON is decoded leniently first (every scalar as text) so that a wrong type in one field is
# reported for that field instead of failing the whole block; the typed pass follows.
_RAW_RELATIONSHIP = pl.Struct(
    {"social_service": pl.String(), "start": pl.String(), "end": pl.String()}
)


def _raw_dtype(dtype: pl.DataType) -> pl.DataType:
    if dtype == pl.List(SERVICE_UNIT_RELATIONSHIP):
        return pl.List(_RAW_RELATIONSHIP)
    if isinstance(dtype, pl.List):
        return pl.List(pl.String())
    return pl.String()


_RAW_STRUCT = pl.Struct({name: _raw_dtype(dt) for name, dt in EXTRACT_SCHEMA.items()})

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
#: ISO 8601 as people write it: seconds optional, ``Z``, ``+02:00``, ``+0200`` or ``+02``
_ISO_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
#: a JSON integer literal (no sign of a fraction, exponent or quotes)
_INTEGER = r"^-?\d+$"
#: the literal a JSON record gives its ``version`` (text decoding would read "2" and 2.0 as 2)
_VERSION_LITERAL = r'"version"\s*:\s*("(?:[^"\\]|\\.)*"|[^,}\s]+)'
_BLOCK_LINES = 200_000
_BLOCK_BYTES = 64 << 20


class ExtractError(UserError):
    """An extract file that cannot be read at all (missing, wrong suffix, broken Parquet)."""


@dataclass
class Extract:
    """The valid records of an extract file and the malformed ones that were skipped."""

    path: Path
    #: valid records in :data:`EXTRACT_SCHEMA`
    frame: pl.DataFrame
    #: findings (:data:`MALFORMED`), one per record and field: ``line`` (JSON Lines line /
    #: Parquet record, from 1), ``column`` (the field) and the ``reason`` parameter
    malformed: pl.DataFrame = field(default_factory=findings.empty_frame)

    @property
    def malformed_records(self) -> int:
        return self.malformed["line"].n_unique()

    @property
    def records(self) -> int:
        """Records in the file: the valid ones and the malformed ones."""
        return self.frame.height + self.malformed_records

    def describe_malformed(self, limit: int = 20) -> list[str]:
        """``file:line: field: reason`` for the first ``limit`` problems (no field values)."""
        head = malformed_listing(self.malformed).head(limit)
        return [
            f"{self.path.name}:{r['line']}: {r['field']}: {r['reason']}"
            for r in head.iter_rows(named=True)
        ]


# ----------------------------------------------------------------------------- typing


def _typed(name: str, dtype: pl.DataType, raw: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """The typed value of one field and a flag that is true where a present value is invalid."""
    col = pl.col(name)
    if raw == dtype:
        typed = col
        bad = pl.lit(False)
    elif dtype == pl.Date() and raw == pl.String():
        text = col.str.strip_chars()
        typed = text.str.to_date("%Y-%m-%d", strict=False)
        typed = pl.when(text.str.contains(_ISO_DATE)).then(typed)
        bad = col.is_not_null() & typed.is_null()
    elif isinstance(dtype, pl.Datetime) and raw == pl.String():
        text = (
            col.str.strip_chars()
            .str.replace(" ", "T")
            .str.replace(r"Z$", "+00:00")
            # seconds left out (…T12:00Z), an offset without its colon (+0200) or minutes (+02)
            .str.replace(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})([^:]|$)", "${1}:00${2}")
            .str.replace(r"([+-]\d{2})(\d{2})$", "${1}:${2}")
            .str.replace(r"([+-]\d{2})$", "${1}:00")
        )
        # a timestamp without an offset is read as UTC
        text = pl.when(text.str.contains(r"[+-]\d{2}:\d{2}$")).then(text).otherwise(text + "+00:00")
        typed = text.str.to_datetime(
            "%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", time_unit="us", strict=False
        )
        typed = pl.when(col.str.strip_chars().str.contains(_ISO_TIME)).then(typed)
        bad = col.is_not_null() & typed.is_null()
    elif dtype == pl.Boolean() and raw == pl.String():
        text = col.str.strip_chars().str.to_lowercase()
        typed = pl.when(text == "true").then(True).when(text == "false").then(False)
        bad = col.is_not_null() & typed.is_null()
    elif dtype == pl.Int64() and raw == pl.String():
        # "2" (a JSON text) and 2.0 are not integers: the JSON reader passes their literals
        text = col.str.strip_chars()
        typed = pl.when(text.str.contains(_INTEGER)).then(text.str.to_integer(strict=False))
        bad = col.is_not_null() & typed.is_null()
    elif dtype == pl.Int64() and raw.is_float():
        typed = pl.lit(None, dtype=dtype)
        bad = col.is_not_null()
    elif dtype == pl.List(SERVICE_UNIT_RELATIONSHIP):
        starts = col.list.eval(
            pl.element().struct.field("start").str.to_date("%Y-%m-%d", strict=False)
        )
        ends = col.list.eval(pl.element().struct.field("end").str.to_date("%Y-%m-%d", strict=False))
        typed = col.list.eval(
            pl.struct(
                pl.element().struct.field("social_service"),
                pl.element()
                .struct.field("start")
                .str.to_date("%Y-%m-%d", strict=False)
                .alias("start"),
                pl.element().struct.field("end").str.to_date("%Y-%m-%d", strict=False).alias("end"),
            )
        )

        def _bad_dates(which: str, parsed: pl.Expr) -> pl.Expr:
            given = col.list.eval(pl.element().struct.field(which).is_not_null())
            ok_form = col.list.eval(
                pl.element().struct.field(which).is_null()
                | pl.element().struct.field(which).str.contains(_ISO_DATE)
            )
            return (
                (given.list.sum() != parsed.list.eval(pl.element().is_not_null()).list.sum())
                | ~ok_form.list.all()
            ).fill_null(False)

        bad = _bad_dates("start", starts) | _bad_dates("end", ends)
    else:
        typed = col.cast(dtype, strict=False)
        bad = col.is_not_null() & typed.is_null()
    return typed.cast(dtype).alias(name), bad.fill_null(False).alias(name)


#: per field, the reasons a record is malformed: (condition over the record, message)
Reasons = dict[str, list[tuple[pl.Expr, str]]]


def _value_reasons(never_null: frozenset[str] = frozenset()) -> Reasons:
    """Per field, the reasons a typed record is malformed (null where it is not).

    ``never_null``: required fields known to have no nulls (from Parquet statistics), which
    then need not be read to check them.
    """
    reasons: Reasons = {n: [] for n in EXTRACT_SCHEMA}
    for name in REQUIRED_FIELDS:
        if name in never_null:
            continue
        reasons[name].append((pl.col(name).is_null(), "missing"))
    for name, allowed in (("status", STATUSES), ("document_type", DOCUMENT_TYPES)):
        # a few equality tests cost less than a hash-set lookup on millions of records
        known = pl.any_horizontal(pl.col(name) == value for value in allowed)
        reasons[name].append((~known, f"must be one of {', '.join(allowed)}"))
    # an active case must have its dates in order: periods are derived from them
    active_case = (pl.col("status") == "active") & (pl.col("document_type") == "case")
    reasons["case_opened"].append(
        (
            active_case & pl.col("case_opened").is_null(),
            "missing (an active case document needs its opening date)",
        )
    )
    reasons["case_closed"].append(
        (active_case & (pl.col("case_closed") < pl.col("case_opened")), "before case_opened")
    )
    return reasons


def _problems(checked: pl.DataFrame, reasons: Reasons) -> pl.DataFrame:
    """One row per (line, field, reason) found by ``reasons`` over ``checked``."""
    # Malformed records are rare: the conditions alone (booleans) pick them out, and only
    # those few rows get their messages (texts for every record would cost far more).
    conditions = [
        condition.fill_null(False) for pairs in reasons.values() for condition, _ in pairs
    ]
    flagged = checked.filter(pl.any_horizontal(conditions)) if conditions else checked.clear()
    messages = {
        name: pl.coalesce(
            [pl.when(condition).then(pl.lit(message)) for condition, message in pairs]
        )
        for name, pairs in reasons.items()
        if pairs
    }
    return (
        flagged.select("_line", *(expr.alias(name) for name, expr in messages.items()))
        .unpivot(index="_line", variable_name="field", value_name="reason")
        .drop_nulls("reason")
        .rename({"_line": "line"})
        .sort("line", "field")
        .cast(_PROBLEMS)
    )


def _conform(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Type a frame of extract fields (``_line`` included) and find the malformed records."""
    missing = [n for n in EXTRACT_SCHEMA if n not in frame.columns]
    frame = frame.with_columns(
        pl.lit(None, dtype=_raw_dtype(EXTRACT_SCHEMA[n])).alias(n) for n in missing
    ).select(pl.col("_line").cast(pl.Int64), *EXTRACT_SCHEMA)
    typed_exprs, bad_exprs = zip(
        *(_typed(n, dt, frame.schema[n]) for n, dt in EXTRACT_SCHEMA.items()), strict=True
    )
    both = frame.select(
        "_line",
        *typed_exprs,
        *(b.alias(f"{n}:bad") for n, b in zip(EXTRACT_SCHEMA, bad_exprs, strict=True)),
    )
    reasons = _value_reasons()
    for name, dtype in EXTRACT_SCHEMA.items():
        # a value of the wrong type is the first thing to say about its field
        reasons[name].insert(
            0, (pl.col(f"{name}:bad") & _has_field(name), f"not a valid {_type_name(dtype)}")
        )
    malformed = _problems(both, reasons)
    valid = both.select(
        "_line",
        # a field the record's type does not have is ignored, whatever its value
        *(pl.when(_has_field(n)).then(pl.col(n)).alias(n) for n in EXTRACT_SCHEMA),
    ).filter(~pl.col("_line").is_in(malformed["line"].implode()))
    return valid, malformed


def _has_field(name: str) -> pl.Expr:
    """True on the records whose document type has field ``name`` (every type: common fields)."""
    types = [kind for kind, fields in TYPE_FIELDS.items() if name in fields]
    if not types:
        return pl.lit(True)
    return pl.any_horizontal(pl.col("document_type") == kind for kind in types)


def _type_name(dtype: pl.DataType) -> str:
    if dtype == pl.Date():
        return "date (YYYY-MM-DD)"
    if isinstance(dtype, pl.Datetime):
        return "timestamp (ISO 8601, e.g. 2023-01-31T12:00:00Z)"
    if dtype == pl.Boolean():
        return "boolean (true or false)"
    if dtype == pl.Int64():
        return "integer"
    if dtype == pl.List(SERVICE_UNIT_RELATIONSHIP):
        return "list of {social_service, start, end} with dates YYYY-MM-DD"
    if isinstance(dtype, pl.List):
        return "list of texts"
    return "text"


# ----------------------------------------------------------------------------- JSON Lines


def _decode(lines: pl.DataFrame) -> pl.DataFrame:
    decoded = lines.select(
        "_line",
        pl.col("text").str.extract(_VERSION_LITERAL, 1).alias("_version"),
        pl.col("text").str.json_decode(_RAW_STRUCT).struct.unnest(),
    )
    # the version as written, so that the integer check sees quotes and fractions
    return decoded.with_columns(
        pl.when(pl.col("version").is_not_null()).then(pl.col("_version")).alias("version")
    ).drop("_version")


def _why_not_decodable(text: str) -> tuple[str, str]:
    """(field, reason) for one line that Polars could not decode (called only for such lines)."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        return "(record)", f"not valid JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:
        return "(record)", "nested too deeply"
    if not isinstance(value, dict):
        return "(record)", f"not a JSON object but {type(value).__name__}"
    for name, dtype in EXTRACT_SCHEMA.items():
        item = value.get(name)
        if item is None:
            continue
        if isinstance(dtype, pl.List):
            ok = isinstance(item, list | str) and all(
                isinstance(e, dict)
                if dtype == pl.List(SERVICE_UNIT_RELATIONSHIP)
                else (e is None or isinstance(e, str | int | float | bool))
                for e in (item if isinstance(item, list) else [item])
            )
        else:
            ok = isinstance(item, str | int | float | bool)
        if not ok:
            return name, f"not a valid {_type_name(dtype)}"
    return "(record)", "cannot be decoded"


def _decode_block(lines: pl.DataFrame) -> tuple[list[pl.DataFrame], list[dict]]:
    """Decode a block; on failure split it in halves to isolate the undecodable lines."""
    try:
        return [_decode(lines)], []
    except pl.exceptions.PolarsError:
        pass
    if lines.height == 1:
        line, text = lines.row(0)
        field_name, reason = _why_not_decodable(text)
        return [], [{"line": line, "field": field_name, "reason": reason}]
    half = lines.height // 2
    good_a, bad_a = _decode_block(lines.slice(0, half))
    good_b, bad_b = _decode_block(lines.slice(half))
    return good_a + good_b, bad_a + bad_b


def _split_lines(chunk: bytes, first_line: int, path: Path) -> tuple[pl.DataFrame, list[dict]]:
    """The non-blank lines of a chunk with their line numbers; lines not in UTF-8 reported."""
    bad: list[dict] = []
    try:
        text = chunk.decode("utf-8")
        invalid_utf8 = None
    except UnicodeDecodeError:
        text = chunk.decode("utf-8", errors="replace")
        invalid_utf8 = "\ufffd"
    lines = (
        pl.Series("text", [text])
        .str.split("\n")
        .explode()
        .to_frame()
        .with_row_index("_line", offset=first_line)
        .with_columns(pl.col("_line").cast(pl.Int64), pl.col("text").str.strip_suffix("\r"))
        .filter(pl.col("text").str.strip_chars() != "")
    )
    if invalid_utf8 is not None:
        broken = lines.filter(pl.col("text").str.contains(invalid_utf8, literal=True))
        bad = [
            {"line": n, "field": "(record)", "reason": "not valid UTF-8"}
            for n in broken["_line"].to_list()
        ]
        lines = lines.filter(~pl.col("text").str.contains(invalid_utf8, literal=True))
    return lines, bad


def _read_jsonl(
    path: Path, progress: Callable[[int, int], None] | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    total = path.stat().st_size
    decoded: list[pl.DataFrame] = []
    bad: list[dict] = []
    line = 1
    done = 0
    with path.open("rb") as handle:
        rest = b""
        while True:
            block = handle.read(_BLOCK_BYTES)
            data = rest + block
            if not data:
                break
            if block:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
            else:
                rest = b""
            lines, not_utf8 = _split_lines(data, line, path)
            bad.extend(not_utf8)
            line += data.count(b"\n")
            for offset in range(0, lines.height, _BLOCK_LINES):
                good, broken = _decode_block(lines.slice(offset, _BLOCK_LINES))
                decoded.extend(good)
                bad.extend(broken)
            done += len(data)
            if progress is not None:
                progress(done, total)
            if not block:
                break
    raw = (
        pl.concat(decoded, how="vertical")
        if decoded
        else pl.DataFrame(schema={"_line": pl.Int64(), **_RAW_STRUCT.to_schema()})
    )
    valid, malformed = _conform(raw)
    undecodable = pl.DataFrame(bad, schema=_PROBLEMS)
    return valid, pl.concat([malformed, undecodable]).sort("line", "field")


# ----------------------------------------------------------------------------- Parquet


def _parquet_columns(path: Path) -> pl.Schema:
    try:
        return pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ExtractError(f"{path}: not a readable Parquet file ({exc}); check the file") from None


def _scan_parquet(path: Path) -> pl.LazyFrame:
    """The known columns of a Parquet extract with ``_line`` (the record number, from 1)."""
    available = _parquet_columns(path)
    known = [n for n in EXTRACT_SCHEMA if n in available]
    return (
        pl.scan_parquet(path, row_index_name="_line", row_index_offset=1)
        .select(pl.col("_line").cast(pl.Int64), *known)
        .with_columns(
            pl.lit(None, dtype=dt).alias(n)
            for n, dt in EXTRACT_SCHEMA.items()
            if n not in available
        )
    )


def _never_null(path: Path) -> frozenset[str]:
    """Required fields that every row group's statistics show to have no nulls."""
    metadata = pq.ParquetFile(path).metadata
    nulls: dict[str, int | None] = {}
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for index in range(row_group.num_columns):
            column = row_group.column(index)
            if column.path_in_schema not in REQUIRED_FIELDS:
                continue
            stats = column.statistics
            counted = stats.null_count if stats is not None and stats.has_null_count else None
            held = nulls.get(column.path_in_schema, 0)
            nulls[column.path_in_schema] = (
                None if held is None or counted is None else held + counted
            )
    return frozenset(name for name, count in nulls.items() if count == 0)


def _typed_parquet(path: Path) -> bool:
    """Whether every extract column present in the file already has its schema type."""
    available = _parquet_columns(path)
    return all(available[n] == dt for n, dt in EXTRACT_SCHEMA.items() if n in available)


def _read_parquet(
    path: Path, progress: Callable[[int, int], None] | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        frame = _scan_parquet(path).collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ExtractError(f"{path}: not a readable Parquet file ({exc}); check the file") from None
    if progress is not None:
        progress(1, 2)
    valid, malformed = _conform(frame)
    if progress is not None:
        progress(2, 2)
    return valid, malformed


# ----------------------------------------------------------------------------- public API


def _format_of(path: Path) -> str:
    """The extract format a file's suffix names, or an error saying which are known."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExtractError(
            f"{path}: unknown extract format {suffix or '(no suffix)'!r}; "
            f"use one of {', '.join(SUFFIXES)}"
        )
    return suffix


def _checked_path(path: str | Path) -> Path:
    path = Path(path)
    _format_of(path)
    if not path.is_file():
        raise ExtractError(f"{path}: no such file; check the path")
    return path


def read_extract(
    path: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> Extract:
    """Read an extract (``.jsonl``/``.ndjson`` or ``.parquet``).

    Malformed records are skipped and listed in :attr:`Extract.malformed` with their line
    (JSON Lines) or record number (Parquet, from 1). ``progress(done, total)`` is called as the
    file is read. Raises :class:`ExtractError` when the file cannot be read at all.
    """
    path = _checked_path(path)
    valid, malformed = _read(path, progress)
    return Extract(
        path=path, frame=valid.drop("_line"), malformed=malformed_findings(malformed, path.name)
    )


def _read(
    path: Path, progress: Callable[[int, int], None] | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid records with ``_line``, and the malformed ones, of a checked path."""
    reader = _read_parquet if _format_of(path) == ".parquet" else _read_jsonl
    return reader(path, progress)


@dataclass
class ExtractScan:
    """An extract opened for derivation: valid records (lazily where possible) with ``_line``."""

    path: Path
    #: valid records in :data:`EXTRACT_SCHEMA` plus ``_line``
    frame: pl.LazyFrame
    #: findings, as :attr:`Extract.malformed`
    malformed: pl.DataFrame
    #: records in the file, malformed ones included
    records: int
    #: ``_line`` and :data:`VERSION_FIELDS` of the valid records when they were read with the
    #: check (a lazily scanned file), so that derivation need not read them again
    versions: pl.DataFrame | None = None

    @property
    def malformed_records(self) -> int:
        return self.malformed["line"].n_unique()


def scan_extract(
    path: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> ExtractScan:
    """Open an extract for derivation without loading every column at once.

    A Parquet file whose columns already have their schema types is scanned lazily: only the
    few columns checked for malformed records and the version fields are read here (in one
    pass, kept in :attr:`ExtractScan.versions`), and derivation reads the rest per document
    type. Anything else is read with :func:`read_extract`.
    """
    path = _checked_path(path)
    if _format_of(path) == ".parquet" and _typed_parquet(path):
        scan = _scan_parquet(path)
        reasons = _value_reasons(_never_null(path))
        needed = sorted({"_line", *VERSION_FIELDS, *(n for n, e in reasons.items() if e)})
        try:
            checked = scan.select(needed).collect()
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise ExtractError(
                f"{path}: not a readable Parquet file ({exc}); check the file"
            ) from None
        malformed = _problems(checked, reasons)
        versions = checked.select("_line", *VERSION_FIELDS)
        records = checked.height
        del checked
        if progress is not None:
            progress(1, 1)
        if malformed.height:
            valid = ~pl.col("_line").is_in(malformed["line"].unique().implode())
            scan = scan.filter(valid)
            versions = versions.filter(valid)
        return ExtractScan(path, scan, malformed_findings(malformed, path.name), records, versions)
    valid, malformed = _read(path, progress)
    records = valid.height + malformed["line"].n_unique()
    return ExtractScan(path, valid.lazy(), malformed_findings(malformed, path.name), records)


def conform(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """A frame in :data:`EXTRACT_SCHEMA`: missing fields null, extra columns dropped."""
    frame = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    present = frame.collect_schema().names()
    if not present:
        # literals alone would make one row out of a frame without columns
        return pl.DataFrame(schema=EXTRACT_SCHEMA)
    return frame.select(
        (pl.col(n) if n in present else pl.lit(None)).cast(dt).alias(n)
        for n, dt in EXTRACT_SCHEMA.items()
    ).collect()


def write_extract(frame: pl.DataFrame | pl.LazyFrame, path: str | Path) -> Path:
    """Write records as an extract, the format chosen by the suffix (.jsonl/.ndjson/.parquet).

    Columns are put in :data:`EXTRACT_SCHEMA` (missing ones null, others dropped); dates are
    written ``YYYY-MM-DD`` and timestamps ISO 8601 in UTC.
    """
    path = Path(path)
    suffix = _format_of(path)
    typed = conform(frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        typed.write_parquet(path, compression="zstd", statistics=True)
    else:
        typed.with_columns(
            pl.col("version_time").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        ).write_ndjson(path)
    return path
