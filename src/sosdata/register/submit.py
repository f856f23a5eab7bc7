"""Submitting a separate delivery: validate, then store all of it or nothing.

- The file's SHA-256 identifies it: the same file again is recognised and not stored twice.
- An accepted delivery's components become the ones in force for their organiser, municipality
  group, quarter and component; the components they replace stay stored and retrievable.
- A delivery received after the quarter's deadline is accepted and marked late.
- Rejected deliveries are stored too (with their report, without rows), so the organiser and
  the register keeper can read why.

Everything one delivery writes happens in ONE DuckDB transaction: a crash or error at any point
leaves the database as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sosdata import keys
from sosdata.config import Settings
from sosdata.delivery.stored_issues import StoredIssues
from sosdata.errors import UserError
from sosdata.periods import Quarter
from sosdata.progress import Progress, say
from sosdata.register import rows, store
from sosdata.register.crypto import IdentityCipher


class SubmitError(UserError, ValueError):
    """A delivery that cannot be submitted as given."""


@dataclass
class Outcome:
    """What happened to a submitted file."""

    delivery_id: int
    status: str  # 'accepted' | 'rejected'
    duplicate: bool
    late: bool
    quarter: str
    organiser: str | None
    municipality_group: str | None
    #: component → the delivery whose component it replaced for the build
    replaced: dict[str, int] = field(default_factory=dict)
    #: component → accepted rows stored
    stored_rows: dict[str, int] = field(default_factory=dict)
    new_persons: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ----------------------------------------------------------------------------- file identity


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents, name order)."""
    digest = hashlib.sha256()
    path = Path(path)
    if path.is_dir():
        # links are not followed (the reader refuses a folder that has one)
        for item in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            digest.update(item.relative_to(path).as_posix().encode() + b"\0")
            _update(digest, item)
            digest.update(b"\0")
    else:
        _update(digest, path)
    return digest.hexdigest()


def _update(digest: Any, path: Path) -> None:
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)


def find_by_hash(conn: duckdb.DuckDBPyConnection, sha256: str) -> tuple[Any, ...] | None:
    return conn.execute(
        "SELECT delivery_id, status, late, quarter, organiser, municipality_group "
        "FROM deliveries WHERE file_sha256 = ?",
        [sha256],
    ).fetchone()


# ----------------------------------------------------------------------------- storing


def _manifest_dict(manifest: Any) -> dict[str, Any] | None:
    if manifest is None:
        return None
    if isinstance(manifest, Mapping):
        return dict(manifest)
    if hasattr(manifest, "to_dict"):
        return manifest.to_dict()
    if dataclasses.is_dataclass(manifest) and not isinstance(manifest, type):
        return dataclasses.asdict(manifest)
    return dict(vars(manifest))


def store_issues(conn: duckdb.DuckDBPyConnection, issues: StoredIssues, delivery_id: int) -> int:
    """Store a delivery's issues, their kinds numbered after any it has; returns how many."""
    if not issues.height:
        return 0
    (first,) = store.one(
        conn,
        "SELECT coalesce(max(kind) + 1, 0) FROM delivery_issue_kinds WHERE delivery_id = ?",
        [delivery_id],
    )
    for table, frame in (("kinds", issues.kinds), ("lines", issues.lines)):
        store.run(
            conn,
            f"INSERT INTO delivery_issue_{table} BY NAME "
            f"SELECT ? AS delivery_id, kind + ? AS kind, * EXCLUDE (kind) FROM {table}",
            [delivery_id, first],
            **{table: frame},
        )
    return issues.height


@dataclass
class Delivery:
    """A validated delivery, ready to store (the parts of a validation result the store keeps)."""

    quarter: Quarter
    accepted: bool
    organiser: str | None
    municipality_group: str | None
    manifest: dict[str, Any] | None
    #: the report's JSON form (SPEC contract), without its listing of issues: ``issues`` holds
    #: them all
    report: dict[str, Any]
    #: accepted rows per component, ``Component.schema`` plus ``_line``
    rows: dict[str, pl.DataFrame]
    #: every issue (:meth:`~sosdata.delivery.report.Report.stored_issues`)
    issues: StoredIssues = field(default_factory=StoredIssues.empty)


def record(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    delivery: Delivery,
    *,
    sha256: str,
    file_name: str,
    submitted_by: str,
    received_at: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Store a validated delivery in one transaction (the caller has checked the hash)."""
    step = say(progress)
    received_at = received_at or dt.datetime.now()
    late = delivery.quarter.is_late(received_at, settings)
    report = delivery.report
    issues = delivery.issues
    status = "accepted" if delivery.accepted else "rejected"
    outcome = Outcome(
        delivery_id=0,
        status=status,
        duplicate=False,
        late=late,
        quarter=str(delivery.quarter),
        organiser=delivery.organiser,
        municipality_group=delivery.municipality_group,
    )
    if delivery.accepted:
        step("pseudonymising identity codes")
        frames, persons = rows.prepared(delivery.rows, keys.pseudonymizer(settings))
        cipher = IdentityCipher.from_settings(settings)
    with store.transaction(conn):
        (delivery_id,) = store.one(conn, "SELECT nextval('delivery_id_seq')")
        outcome.delivery_id = int(delivery_id)
        conn.execute(
            "INSERT INTO deliveries (delivery_id, organiser, municipality_group, quarter, "
            "received_at, late, status, file_sha256, file_name, submitted_by, manifest, report) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                delivery_id,
                delivery.organiser,
                delivery.municipality_group,
                str(delivery.quarter),
                received_at,
                late,
                status,
                sha256,
                file_name,
                submitted_by,
                json.dumps(delivery.manifest, default=str, ensure_ascii=False)
                if delivery.manifest is not None
                else None,
                json.dumps(report, default=str, ensure_ascii=False),
            ],
        )
        if issues.height:
            step(f"storing {issues.height} validation issues")
            store_issues(conn, issues, outcome.delivery_id)
        for name, counts in (report.get("components") or {}).items():
            conn.execute(
                "INSERT INTO delivery_components (delivery_id, component, rows, accepted_rows, "
                "rejected_rows, defaults_applied, current) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    delivery_id,
                    name,
                    int(counts.get("rows", 0)),
                    int(counts.get("accepted_rows", 0)),
                    int(counts.get("rejected_rows", 0)),
                    json.dumps(counts.get("defaults_applied") or {}),
                    delivery.accepted,
                ],
            )
            if delivery.accepted:
                replaced = _retire_older(conn, delivery, name, outcome.delivery_id)
                if replaced is not None:
                    outcome.replaced[name] = replaced
        if delivery.accepted:
            outcome.new_persons, outcome.stored_rows = rows.store_accepted(
                conn,
                frames,
                persons,
                cipher,
                received_at,
                step=step,
                delivery_id=outcome.delivery_id,
            )
        step("committing")
    return outcome


def _retire_older(
    conn: duckdb.DuckDBPyConnection, delivery: Delivery, component: str, delivery_id: int
) -> int | None:
    """Take the component of earlier deliveries of the same scope out of force."""
    found = conn.execute(
        "UPDATE delivery_components SET current = false "
        "WHERE component = ? AND current AND delivery_id <> ? AND delivery_id IN ("
        "  SELECT delivery_id FROM deliveries"
        "  WHERE organiser IS NOT DISTINCT FROM ? AND municipality_group IS NOT DISTINCT FROM ?"
        "    AND quarter = ? AND status = 'accepted') "
        "RETURNING delivery_id",
        [
            component,
            delivery_id,
            delivery.organiser,
            delivery.municipality_group,
            str(delivery.quarter),
        ],
    ).fetchall()
    return max(r[0] for r in found) if found else None


# ----------------------------------------------------------------------------- the whole path


def from_validation(result: Any, period: Quarter) -> Delivery:
    """The parts of a ``sosdata.delivery.ValidationResult`` that the register stores."""
    manifest = getattr(result, "manifest", None)
    # the issue table holds every issue, read in the reader's language: the report is stored
    # without the JSON form's listing of them
    report = result.report.facts()
    return Delivery(
        quarter=period,
        accepted=bool(result.accepted),
        organiser=getattr(manifest, "jarjestaja", None) or report.get("organiser"),
        municipality_group=getattr(manifest, "kuntaryhma", None),
        manifest=_manifest_dict(manifest),
        report=report,
        rows=dict(result.rows) if result.accepted else {},
        issues=result.report.stored_issues(),
    )


#: raises :class:`~sosdata.errors.UserError` when the acting user may not submit for an
#: organiser (``None``: a file that names none); supplied by the application's access policy
Authorise = Callable[[str | None], None]


def submit(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    path: Path,
    *,
    submitted_by: str,
    authorise: Authorise,
    organiser: str | None = None,
    period: Quarter | None = None,
    municipality_group: str | None = None,
    lang: str = "fi",
    received_at: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Validate ``path`` (ZIP, folder or CSV) with the delivery validator and store it; the
    report's messages are stored in ``lang`` (the sender's language). ``received_at`` (default:
    now) is when the register received the file, which decides whether it was late.

    ``period`` defaults to the manifest's; ``organiser`` and ``municipality_group`` stand in
    for the manifest of a single CSV file. ``authorise`` is asked about the organiser of an
    earlier identical file and of this one before anything is stored.
    """
    from sosdata.delivery import validate_path  # the validator loads its code sets lazily

    step = say(progress)
    path = Path(path)
    if not path.exists():
        raise SubmitError(f"{path}: no such file or folder")
    step("computing the file's SHA-256")
    sha256 = file_sha256(path)
    earlier = _earlier(conn, authorise, sha256)
    if earlier is not None:
        return earlier
    if _single_csv(path) and (organiser is None or not municipality_group):
        # a ZIP's manifest says whose the rows are; a lone CSV has only the options to say it
        raise SubmitError(
            f"{path.name}: a single CSV file needs its organiser and municipality group given "
            "with it (or deliver a ZIP with a manifest); nothing was stored"
        )
    period = period or declared_period(path, settings)
    step(f"validating {path.name} for {period}")
    result = validate_path(
        path,
        period,
        settings=settings,
        organiser=organiser,
        municipality_group=municipality_group,
        lang=lang,
        progress=progress,
    )
    delivery = from_validation(result, period)
    del result
    authorise(delivery.organiser)
    if file_sha256(path) != sha256:
        raise SubmitError(
            f"{path}: the file changed while it was being submitted; nothing was stored — "
            "submit it again once it is complete"
        )
    return record(
        conn,
        settings,
        delivery,
        sha256=sha256,
        file_name=path.name,
        submitted_by=submitted_by,
        received_at=received_at,
        progress=progress,
    )


def _earlier(conn: duckdb.DuckDBPyConnection, authorise: Authorise, sha256: str) -> Outcome | None:
    """The outcome of an earlier submission of the same file, if there was one."""
    earlier = find_by_hash(conn, sha256)
    if earlier is None:
        return None
    delivery_id, status, late, quarter, organiser, group = earlier
    authorise(organiser)
    return Outcome(delivery_id, status, True, late, quarter, organiser, group)


def _single_csv(path: Path) -> bool:
    import zipfile

    return path.is_file() and not zipfile.is_zipfile(path)


def declared_period(path: Path, settings: Settings | None = None) -> Quarter:
    """The follow-up period the delivery's manifest declares."""
    from sosdata.delivery import manifest as manifests
    from sosdata.delivery.reader import MANIFEST_NAME, FileProblem, open_package

    advice = "give the period with the delivery, or validate it to see what is wrong"
    try:
        package = open_package(path, settings)
    except FileProblem as problem:
        reason = problem.finding.message("en")
        raise SubmitError(f"{path}: cannot be read ({reason}); {advice}") from None
    try:
        if MANIFEST_NAME not in package.members:
            raise SubmitError(f"{path}: no {MANIFEST_NAME} names the follow-up period; {advice}")
        try:
            found = manifests.parse(package.read(MANIFEST_NAME))
        except FileProblem as problem:
            reason = problem.finding.message("en")
            raise SubmitError(f"{path}: {MANIFEST_NAME} is invalid ({reason}); {advice}") from None
    finally:
        package.close()
    return Quarter.parse(found.seurantajakso)
