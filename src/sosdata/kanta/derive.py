"""Derivation of components II–V from a Kanta extract (SPEC §8), as whole-column operations.

1. Versions: the highest version of each document set wins (ties: the later version time, then
   the later record in the extract); a set whose winning version is cancelled is absent.
2. II: the case documents of each organiser, person and service task are sorted by opening
   date. A case opened on or before the latest closing day of the cases before it continues
   their period; a case opened later (the day after or any day after that) starts a new
   period. A case with no closing date keeps its period open. This is one sort and one
   cumulative maximum of closing dates, with no loop over people.
3. III: the section-27 start and end of the newest client-relationship document (by version
   time) whose structure version is 10.1.22 or newer, per organiser and person.
4. IV: decision documents whose metadata holds a social service, a refined document type and a
   validity start, made during the period or in force during it; a decision made after the
   period belongs to a later period.
5. V: one row per social service named by an implementation-phase document dated in the
   period (start = end = the document's date), and one per service-unit relationship of the
   newest client-relationship document of each organiser and person.

Only rows of the requested quarter are kept (``components.belongs_to``); an end date
9999-12-31 is "no end" in every component. Every row carries the organiser,
identity code, home municipality and sex of the document it comes from (for a period of II,
the most recently opened case of the period). A document naming exactly one service task (a
repeated one counted once) gives it to IV and V rows; otherwise the task is left empty for the
validator's and the build's default.

The extract is read a few columns at a time where it can be (a Parquet scan): versions are
resolved on their own four columns while the cases and then the other document types are read
with only their own columns. III and V share one choice of the newest client-relationship
documents, and II is derived beside III–V so that both cores stay busy.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from sosdata import findings
from sosdata.components import (
    CHILD_WELFARE,
    CLIENT_PERIODS,
    DECISIONS,
    NO_END,
    SERVICES,
    Component,
    belongs_to,
    decided_in,
    no_end_as_null,
)
from sosdata.kanta.extract import (
    EXTRACT_SCHEMA,
    SECTION_27_MIN_VERSION,
    VERSION_FIELDS,
)
from sosdata.periods import Quarter

#: stands for "no closing date" while merging, so that a cumulative maximum keeps it open (and
#: a case closed on that day is open: ``NO_END``)
_OPEN = NO_END
# Days of a date shifted to be non-negative for every representable year (1–9999), and the
# factor that lifts a group's index above every day: group * _GROUP + day then increases
# across groups, so one cumulative maximum over the sorted column acts as one per group.
_DAY_OFFSET = 719_163
_GROUP = 1 << 22
_OPEN_DAYS = (_OPEN - dt.date(1970, 1, 1)).days + _DAY_OFFSET

_IDENTIFYING = {
    "jarjestaja": "organiser",
    "henkilotunnus": "identity_code",
    "kotikunta": "home_municipality",
    "sukupuoli": "sex",
}


@dataclass
class Derivation:
    """Derived rows per component (``Component.schema`` columns) and what was counted."""

    period: Quarter
    rows: dict[str, pl.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)
    #: records skipped when the file was read: findings, as ``Extract.malformed``
    malformed: pl.DataFrame = field(default_factory=findings.empty_frame)


# ----------------------------------------------------------------------------- sorting


_POSITION_BITS = 27
_POSITION_MASK = np.uint64((1 << _POSITION_BITS) - 1)
_SEEDS = (0x5EED_0001, 0x5EED_0002)


def _key_hash(key: list[str], seed: int) -> pl.Expr:
    """A 64-bit hash of a multi-column key: the XOR of each column's hash under its own seed.

    Two different keys differ in some column, whose independently seeded hash makes the XORs
    as unlikely to agree as two random numbers; and hashing columns one by one is several
    times faster than hashing a struct of them.
    """
    hashed = [pl.col(c).hash(seed * 1_000_003 + i) for i, c in enumerate(key)]
    combined = hashed[0]
    for h in hashed[1:]:
        combined = combined.xor(h)
    return combined


def _runs(frame: pl.DataFrame, key: list[str], order: list[str]) -> tuple[np.ndarray, pl.DataFrame]:
    """Split ``frame`` into rows whose key no other row has, and runs of rows sharing a key.

    Returns a mask over ``frame`` that is true for the rows sharing their key, and for those
    rows a narrow frame — ``_pos`` (the row's position in ``frame``), the ``order`` columns and
    ``_first`` (true where a run starts) — sorted by key and then ``order``. Callers pick rows
    back out of ``frame`` with :func:`_rows_at`, which keeps text columns out of the sort.

    Keys are compared by a 128-bit hash (two differently seeded 64-bit hashes): for n distinct
    keys the chance that two share it is about n²/2^129 (10^-21 for a billion), and hashing
    keeps text out of every sort. Most keys occur once (one version of a set, one case of a
    person in a task), so the rows are first split cheaply: the first hash with its low bits
    replaced by the row's position is sorted as plain integers (far faster than an argument
    sort), and a row whose hash prefix no neighbour shares has a key of its own. Only the
    remaining rows are sorted in full. The sort is stable: among equal values the earlier
    record stays first.
    """
    n = frame.height
    hashes = frame.select(
        _key_hash(key, _SEEDS[0]).alias("_h1"), _key_hash(key, _SEEDS[1]).alias("_h2")
    )
    if n >= 1 << _POSITION_BITS:
        repeated = np.ones(n, dtype=bool)
    else:
        # in place: on millions of rows every temporary array is a pass over memory
        packed = hashes["_h1"].to_numpy() & ~_POSITION_MASK
        packed |= np.arange(n, dtype=np.uint64)
        packed.sort()
        in_run = np.zeros(n, dtype=bool)
        if n > 1:
            # neighbours share the hash prefix when they differ only in the position bits
            same = (packed[1:] ^ packed[:-1]) <= _POSITION_MASK
            in_run[1:] |= same
            in_run[:-1] |= same
        repeated = np.zeros(n, dtype=bool)
        repeated[(packed[in_run] & _POSITION_MASK).astype(np.int64)] = True
    shared = (
        frame.select(order)
        .hstack(hashes)
        .with_row_index("_pos")
        .filter(pl.Series(repeated))
        # one thread: every caller runs beside other work (a read, or another component)
        .sort("_h1", "_h2", *order, nulls_last=False, maintain_order=True, multithreaded=False)
    )
    same_key = (pl.col("_h1") == pl.col("_h1").shift(1)) & (pl.col("_h2") == pl.col("_h2").shift(1))
    shared = shared.with_columns(_first=~same_key.fill_null(False)).drop("_h1", "_h2")
    return repeated, shared


def _rows_at(frame: pl.DataFrame, positions: np.ndarray) -> pl.DataFrame:
    """The rows of ``frame`` at ``positions``, in ``frame``'s order (a filter, not a gather:
    gathering text from a many-chunked column is slow)."""
    mask = np.zeros(frame.height, dtype=bool)
    mask[positions] = True
    return frame.filter(pl.Series(mask))


def _last_of_run(first: pl.Expr) -> pl.Expr:
    """True on the last row of each run, given the expression true on each run's first row."""
    return first.shift(-1).fill_null(True)


# ----------------------------------------------------------------------------- versions


@dataclass(frozen=True)
class Versions:
    """The outcome of version resolution."""

    #: per record: whether it is the winning version of an active document set
    current: pl.Series
    documents: int
    document_sets: int
    superseded: int
    cancelled_sets: int


def resolve_versions(records: pl.DataFrame) -> Versions:
    """Resolve versions over :data:`~sosdata.kanta.extract.VERSION_FIELDS`.

    The highest version of a set wins; among equal versions the later version time, and among
    equal times the later record in the extract. A set whose winner is cancelled is absent.
    """
    indexed = records.select(VERSION_FIELDS)
    repeated, shared = _runs(indexed, ["set_id"], ["version", "version_time"])
    active = (indexed["status"] == "active").fill_null(False).to_numpy()
    # a record whose set has no other record is its set's winner
    winner = ~repeated
    winner[shared.filter(_last_of_run(pl.col("_first")))["_pos"].to_numpy()] = True
    current = winner & active
    sets = int(winner.sum())
    return Versions(
        current=pl.Series("current", current),
        documents=records.height,
        document_sets=sets,
        superseded=records.height - sets,
        cancelled_sets=sets - int(current.sum()),
    )


# ----------------------------------------------------------------------------- shared


def _single_task() -> pl.Expr:
    """The document's service task when it names exactly one (a task repeated in the list is
    one task), else null: a missing list and an empty one alike."""
    tasks = pl.col("service_tasks")
    return pl.when(tasks.list.n_unique() == 1).then(tasks.list.first()).alias("palvelutehtava")


def _end(column: str) -> pl.Expr:
    """An end date, with 9999-12-31 read as "no end" in every component alike (as II reads it)."""
    return no_end_as_null(pl.col(column))


def _identifying() -> list[pl.Expr]:
    return [pl.col(source).alias(target) for target, source in _IDENTIFYING.items()]


def _finish(
    frame: pl.DataFrame, component: Component, period: Quarter, *, unique: bool = True
) -> pl.DataFrame:
    """Rows of the period (``components.belongs_to``), deduplicated, in the component's
    columns and order."""
    columns = component.column_names
    rows = frame.filter(belongs_to(component, period)).select(
        pl.col(n).cast(t) for n, t in component.schema.items()
    )
    # One thread per sort: the components are derived side by side (see derive), and a
    # multi-column sort split over threads costs more CPU time than it saves here.
    rows = rows.sort(columns, nulls_last=True, multithreaded=False)
    if unique:
        # sorted over every column, equal rows are neighbours: cheaper than hashing whole rows
        repeat = pl.all_horizontal(
            pl.int_range(pl.len()) > 0, *(pl.col(n).eq_missing(pl.col(n).shift(1)) for n in columns)
        )
        rows = rows.filter(~repeat)
    return rows


@dataclass(frozen=True)
class NewestRelationships:
    """The newest client-relationship document (by version time, then record order) of each
    organiser and person: of all of them (for V) and of those whose structure version can
    carry section-27 data (for III)."""

    any: pl.DataFrame
    section_27: pl.DataFrame


def newest_relationships(relationships: pl.DataFrame) -> NewestRelationships:
    """Both choices of :class:`NewestRelationships` from one sort of the documents."""
    repeated, shared = _runs(relationships, ["organiser", "identity_code"], ["version_time"])
    # the structure version has a handful of distinct values: parse those, not every row
    structures = relationships.select(pl.col("structure_version").unique())
    capable_versions = structures.filter(structure_at_least(SECTION_27_MIN_VERSION))
    capable = (
        relationships["structure_version"]
        .is_in(capable_versions["structure_version"].implode())
        .fill_null(False)
        .to_numpy()
    )
    newest = ~repeated
    newest[shared.filter(_last_of_run(pl.col("_first")))["_pos"].to_numpy()] = True
    # The capable rows of a run keep their sorted order, so the last of them is the newest
    # capable document: the same as sorting the capable documents on their own.
    newest_capable = ~repeated & capable
    capable_shared = shared.with_columns(run=pl.col("_first").cum_sum()).filter(
        pl.Series(capable[shared["_pos"].to_numpy()])
    )
    last_capable = capable_shared.filter(pl.col("run") != pl.col("run").shift(-1).fill_null(-1))
    newest_capable[last_capable["_pos"].to_numpy()] = True
    return NewestRelationships(
        any=relationships.filter(pl.Series(newest)),
        section_27=relationships.filter(pl.Series(newest_capable)),
    )


# ----------------------------------------------------------------------------- II


def client_periods(
    cases: pl.DataFrame, period: Quarter, *, current: pl.Series | None = None
) -> pl.DataFrame:
    """II: merged case ranges per organiser, person and service task.

    ``current``: a mask over ``cases`` of the documents to use (the current versions), all of
    them without it. Given as a mask, it joins the filter of valid cases below instead of
    costing a filter of its own.
    """
    key = ["organiser", "identity_code", "palvelutehtava"]
    tasks = pl.col("service_tasks")
    one_task_each = cases.select((tasks.list.len() == 1).all()).item()
    valid = pl.col("case_opened").is_not_null() & ~(
        pl.col("case_closed") < pl.col("case_opened")
    ).fill_null(False)
    if current is not None:
        valid = valid & pl.lit(current)
    ranges = cases.select(
        *_IDENTIFYING.values(),
        (tasks.list.first() if one_task_each else tasks).alias("palvelutehtava"),
        (pl.col("case_opened").cast(pl.Int64) + _DAY_OFFSET).alias("opened"),
        (pl.col("case_closed").fill_null(_OPEN).cast(pl.Int64) + _DAY_OFFSET).alias("closed"),
        valid.alias("_valid"),
    )
    if not one_task_each:
        # a case archived under several service tasks counts in each of them; one with an
        # empty list, like one with none, gives a task-less row for the rules to report
        ranges = ranges.explode("palvelutehtava", empty_as_null=True)
    first_day = (period.start - dt.date(1970, 1, 1)).days + _DAY_OFFSET
    last_day = (period.end - dt.date(1970, 1, 1)).days + _DAY_OFFSET
    overlaps = (pl.col("start") <= last_day) & (pl.col("end") >= first_day)

    # The cases of a period cover every day from its start to its end (each opens no later
    # than the period has reached), so a period overlaps the quarter only if one of its cases
    # does: keys without such a case are skipped. A shared 64-bit hash merely keeps a key.
    # Filtering a frame copies every column, so the invalid cases go in the same filter.
    in_quarter = (pl.col("opened") <= last_day) & (pl.col("closed") >= first_day)
    hashed = ranges.with_columns(_k=_key_hash(key, _SEEDS[0]))
    wanted = hashed.select(pl.col("_k").filter(pl.col("_valid") & in_quarter)).to_series()
    ranges = hashed.filter(pl.col("_valid") & pl.col("_k").is_in(wanted.implode())).drop(
        "_k", "_valid"
    )

    repeated, shared = _runs(ranges, key, ["opened", "closed"])
    group = pl.col("_first").cast(pl.Int64).cum_sum() * _GROUP
    reach = (pl.col("group") + pl.col("closed")).cum_max()
    new_period = (pl.col("group") + pl.col("opened")) > pl.col("reach").shift(1).fill_null(-1)
    # A period is a run of rows: its start is the run's first opening date and its end the
    # reach at its last row, so keeping last rows replaces a grouping. Identifying details
    # come from that row: the most recently opened case of the period.
    merged = (
        shared.with_columns(group=group)
        .with_columns(reach=reach)
        .with_columns(new_period=new_period)
        .with_columns(
            start=pl.when("new_period").then("opened").forward_fill(),
            last=_last_of_run(pl.col("new_period")),
            end=pl.col("reach") - pl.col("group"),
        )
        .filter(pl.col("last") & overlaps)
        .select("_pos", "start", "end")
        .sort("_pos")
    )
    merged_rows = _rows_at(ranges, merged["_pos"].to_numpy()).hstack(merged.drop("_pos"))
    # a case alone in its organiser, person and task is a period of its own
    alone = ranges.rename({"opened": "start", "closed": "end"}).filter(
        pl.lit(pl.Series(~repeated)) & overlaps
    )
    periods = pl.concat([alone, merged_rows.drop("opened", "closed")], how="vertical")
    rows = periods.select(
        *_identifying(),
        "palvelutehtava",
        (pl.col("start") - _DAY_OFFSET).cast(pl.Date).alias("alkupvm"),
        pl.when(pl.col("end") != _OPEN_DAYS)
        .then((pl.col("end") - _DAY_OFFSET).cast(pl.Date))
        .alias("loppupvm"),
    )
    return _finish(rows, CLIENT_PERIODS, period, unique=False)


# ----------------------------------------------------------------------------- III


def structure_at_least(minimum: tuple[int, ...]) -> pl.Expr:
    """Whether ``structure_version`` (e.g. "10.1.22") is ``minimum`` or newer; unparsable: no."""
    text = pl.col("structure_version").str.strip_chars()
    parts = text.str.split(".")
    numbers = [
        parts.list.get(i, null_on_oob=True).fill_null("0").str.to_integer(strict=False)
        for i in range(len(minimum))
    ]
    newer_or_equal = pl.lit(True)
    for i in reversed(range(len(minimum))):
        newer_or_equal = (numbers[i] > minimum[i]) | ((numbers[i] == minimum[i]) & newer_or_equal)
    return (text.str.contains(r"^\d+(\.\d+)*$") & newer_or_equal).fill_null(False)


def child_welfare(newest: NewestRelationships, period: Quarter) -> pl.DataFrame:
    """III: section-27 data of the newest client-relationship document that can carry it."""
    rows = newest.section_27.filter(pl.col("cw27_start").is_not_null()).select(
        *_identifying(), pl.col("cw27_start").alias("alkupvm"), _end("cw27_end").alias("loppupvm")
    )
    return _finish(rows, CHILD_WELFARE, period, unique=False)


# ----------------------------------------------------------------------------- IV


def _derivable_decision(period: Quarter) -> pl.Expr:
    """A decision that gives a row of IV for ``period``: made during it, or in force during
    it (``components.belongs_to``), and not made after it."""
    decided = pl.col("decision_date")
    return (
        pl.col("social_service").is_not_null()
        & pl.col("refined_type").fill_null(False)
        & pl.col("valid_from").is_not_null()
        & (decided.is_null() | (decided <= period.end))
        & (
            decided_in(period, decided)
            | period.overlaps_expr(pl.col("valid_from"), _end("valid_to"))
        )
    )


def decisions(documents: pl.DataFrame, period: Quarter) -> pl.DataFrame:
    """IV: decisions whose metadata holds a social service, refined type and validity."""
    rows = documents.filter(_derivable_decision(period)).select(
        *_identifying(),
        pl.col("social_service").alias("sosiaalipalvelu"),
        _single_task(),
        pl.col("decision_date").alias("paatospvm"),
        pl.col("valid_from").alias("voimassa_alkaen"),
        _end("valid_to").alias("voimassa_asti"),
        pl.col("decision_type").alias("paatoksen_tyyppi"),
    )
    return _finish(rows, DECISIONS, period)


# ----------------------------------------------------------------------------- V


def services(
    implementations: pl.DataFrame, newest: NewestRelationships, period: Quarter
) -> pl.DataFrame:
    """V: services named by implementation-phase documents and by service-unit relationships."""
    events = (
        implementations.filter(pl.col("event_date").is_between(period.start, period.end))
        .select(
            *_identifying(),
            _single_task(),
            pl.col("social_services").alias("sosiaalipalvelu"),
            pl.col("event_date").alias("alkupvm"),
            pl.col("event_date").alias("loppupvm"),
        )
        .explode("sosiaalipalvelu")
    )
    units = (
        newest.any.select(*_identifying(), _single_task(), "service_unit_relationships")
        .explode("service_unit_relationships")
        .unnest("service_unit_relationships")
        .select(
            *_IDENTIFYING,
            "palvelutehtava",
            pl.col("social_service").alias("sosiaalipalvelu"),
            pl.col("start").alias("alkupvm"),
            _end("end").alias("loppupvm"),
        )
    )
    rows = pl.concat([events, units.cast(events.schema)], how="vertical").filter(
        pl.col("sosiaalipalvelu").is_not_null()
    )
    return _finish(rows, SERVICES, period)


# ----------------------------------------------------------------------------- all

_COMMON = ("document_type", *_IDENTIFYING.values(), "service_tasks")
_OWN = {
    "case": ("case_opened", "case_closed"),
    "client_relationship": (
        "version_time",
        "structure_version",
        "cw27_start",
        "cw27_end",
        "service_unit_relationships",
    ),
    "decision": (
        "social_service",
        "refined_type",
        "decision_date",
        "valid_from",
        "valid_to",
        "decision_type",
    ),
    "implementation": ("event_date", "social_services"),
}


def _prepare(extract: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Extract records as a lazy frame in :data:`EXTRACT_SCHEMA` (missing fields null) plus
    ``_record``, a number unique to each record: the file's ``_line`` where the frame has it
    (a scan from :func:`~sosdata.kanta.extract.scan_extract`, whose filters then still reach
    the Parquet reader), else the row's position."""
    lazy = extract.lazy() if isinstance(extract, pl.DataFrame) else extract
    schema = lazy.collect_schema()
    if not schema:
        return pl.LazyFrame(schema={"_record": pl.Int64(), **EXTRACT_SCHEMA})
    record = (
        pl.col("_line").cast(pl.Int64)
        if "_line" in schema
        else pl.int_range(pl.len(), dtype=pl.Int64)
    )
    return lazy.select(
        record.alias("_record"),
        *(
            (pl.col(n).cast(dt) if schema.get(n) != dt else pl.col(n))
            if n in schema
            else pl.lit(None, dtype=dt).alias(n)
            for n, dt in EXTRACT_SCHEMA.items()
        ),
    )


def _relevant(kind: str, period: Quarter) -> pl.Expr:
    """Records of document type ``kind`` that can give rows for ``period``.

    Applied to single records, after versions are resolved over all of them, so it never
    changes which version wins. Cases and client-relationship documents are all kept: a case
    outside the period may bridge into a period that reaches it, and the newest
    client-relationship document of a person is chosen among all of them.
    """
    of_kind = pl.col("document_type") == kind
    if kind == "decision":
        return of_kind & _derivable_decision(period)
    if kind == "implementation":
        return of_kind & pl.col("event_date").is_between(period.start, period.end)
    return of_kind


#: Document types other than cases. A read decodes its columns for every record of the file,
#: whatever its filter keeps, so these types, with few records each, share one read (and
#: decode the common columns once); cases, nearly half of all records, are read on their own.
_OTHER_KINDS = ("client_relationship", "decision", "implementation")


def _read_plan(lazy: pl.LazyFrame, kinds: tuple[str, ...], period: Quarter) -> pl.LazyFrame:
    """``_record`` and the columns of ``kinds`` of the records of those types that can matter."""
    columns = dict.fromkeys([*_COMMON, *(c for kind in kinds for c in _OWN[kind])])
    relevant = pl.any_horizontal(*(_relevant(kind, period) for kind in kinds))
    return lazy.filter(relevant).select("_record", *columns)


def _current_records(resolved: pl.DataFrame) -> tuple[Versions, np.ndarray]:
    """The versions of ``resolved`` (``_record`` and the version columns) and, indexed by record
    number, whether the record is a current version (record numbers are small and unique)."""
    versions = resolve_versions(resolved)
    records = resolved["_record"].to_numpy()
    current = np.zeros(int(records.max()) + 1 if records.size else 0, dtype=bool)
    current[records] = versions.current.to_numpy()
    return versions, current


def derive(
    extract: pl.DataFrame | pl.LazyFrame,
    period: Quarter,
    *,
    versions: pl.DataFrame | None = None,
) -> Derivation:
    """Derive components II–V for ``period`` from extract records (:data:`EXTRACT_SCHEMA`).

    ``extract`` may be a lazy Parquet scan: it is then read a few columns at a time — the
    version columns of every record, then the cases' columns and the other types' columns of
    the records that can matter for the period (the filter reaches the Parquet reader) — so
    the whole extract is never in memory at once.
    ``summary`` counts documents read, versions superseded, cancelled sets and rows per
    component; ``malformed`` is 0 here because records are checked when a file is read
    (:func:`sosdata.kanta.pipeline.derive_path`).

    ``versions``: ``_line`` and :data:`~sosdata.kanta.extract.VERSION_FIELDS` of the same
    records when they have been read already (:attr:`~sosdata.kanta.extract.ExtractScan.versions`
    of the scan passed as ``extract``), so that they are not read a second time.
    """
    lazy = _prepare(extract)
    if versions is None:
        resolved = lazy.select("_record", *VERSION_FIELDS).collect()
    else:
        resolved = versions.select(pl.col("_line").alias("_record"), *VERSION_FIELDS)
    # Versions are resolved (mostly single-threaded NumPy work) while the document types are
    # read (Parquet decoding on every core); the read needs no versions, only its result does.
    with ThreadPoolExecutor(max_workers=1) as pool:
        resolving = pool.submit(_current_records, resolved)
        case_frame, other_frame = pl.collect_all(
            [_read_plan(lazy, ("case",), period), _read_plan(lazy, _OTHER_KINDS, period)]
        )
        outcome, current = resolving.result()
    del resolved
    # Only the current versions count. A filter copies every column, lists included, so the
    # mask joins the one filter each frame gets anyway: II's filter of valid cases, and the
    # split of the other read by document type.
    case_current = pl.Series(current[case_frame["_record"].to_numpy()])
    other_current = pl.Series(current[other_frame["_record"].to_numpy()])
    del current
    # II is the longest step and spends part of its time in single-threaded sorts, so it runs
    # beside the others: Polars and NumPy release the interpreter lock while they work.
    with ThreadPoolExecutor(max_workers=1) as pool:
        periods = pool.submit(
            client_periods, case_frame.drop("_record"), period, current=case_current
        )
        of_type = {
            kind: other_frame.select(*_COMMON, *_OWN[kind]).filter(
                other_current & (other_frame["document_type"] == kind)
            )
            for kind in _OTHER_KINDS
        }
        newest = newest_relationships(of_type["client_relationship"])
        others = {
            CHILD_WELFARE.name: child_welfare(newest, period),
            DECISIONS.name: decisions(of_type["decision"], period),
            SERVICES.name: services(of_type["implementation"], newest, period),
        }
        rows = {CLIENT_PERIODS.name: periods.result(), **others}
    summary = {
        "period": str(period),
        "documents_read": outcome.documents,
        "document_sets": outcome.document_sets,
        "versions_superseded": outcome.superseded,
        "cancelled_sets": outcome.cancelled_sets,
        "malformed": 0,
        "rows": {name: frame.height for name, frame in rows.items()},
    }
    return Derivation(period=period, rows=rows, summary=summary)
