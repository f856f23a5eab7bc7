"""Backing up and restoring the register database.

A backup is a consistent snapshot: DuckDB copies every table, view and sequence of the open
database into a new database file (``COPY FROM DATABASE``) inside one transaction, so writes
made meanwhile on other connections of the same process (the web server's writer thread) are
either wholly in it or not at all. Another process cannot hold the database at the same time
(DuckDB's file lock): while the server runs, the server makes the backup on its own connection
(:func:`backup`); from the command line, ``sosdata backup`` opens the database like any writer.

The backup folder holds ``register.duckdb`` and ``backup.json`` (when, schema version, row
counts, the file's SHA-256, and a fingerprint of each key). **The keys are not in the backup**:
the pseudonym and encryption keys live outside the database and are backed up separately, kept
apart from the database backups (a stolen backup without its keys holds identity codes only
encrypted). A restore refuses a backup whose key fingerprints differ from the keys in use.

Restoring puts the backup's database in place of the current one (kept beside it as
``register.duckdb.before-restore-TIMESTAMP``), only when no process has the database open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sosdata import keys
from sosdata.config import Settings
from sosdata.errors import UserError
from sosdata.register import audit, store, users

DATABASE_FILE = "register.duckdb"
MANIFEST_FILE = "backup.json"
FORMAT = 1
_ATTACHED = "sosdata_backup"
#: what a key's fingerprint is the HMAC of: it tells keys apart without revealing them
_FINGERPRINT_MESSAGE = b"sosdata key fingerprint v1"


class BackupError(UserError, RuntimeError):
    """A backup or restore that cannot be done as asked."""


@dataclass(frozen=True)
class BackupInfo:
    folder: Path
    created_at: str
    schema_version: int
    tables: dict[str, int]
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "tables": dict(self.tables),
            "sha256": self.sha256,
        }


def key_fingerprints(settings: Settings) -> dict[str, str]:
    """Per key, the first 16 hex digits of an HMAC under it (``missing`` when unreadable)."""
    found = {}
    for name, read in (("pseudonym", keys.pseudonym_key), ("encryption", keys.encryption_key)):
        try:
            key = read(settings)
        except UserError:
            found[name] = "missing"
            continue
        found[name] = hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]
    return found


def table_counts(conn: duckdb.DuckDBPyConnection, database: str | None = None) -> dict[str, int]:
    """Rows of every base table of ``database`` (the current one when not given)."""
    where = database or store.one(conn, "SELECT current_database()")[0]
    names = [
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary "
            "ORDER BY table_name",
            [where],
        ).fetchall()
    ]
    return {n: int(store.one(conn, f'SELECT count(*) FROM "{where}".main."{n}"')[0]) for n in names}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _empty_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder}: exists and is not an empty folder; choose a new folder")
    if not folder.parent.is_dir():
        raise BackupError(f"{folder.parent}: no such folder")
    folder.mkdir(mode=0o700, exist_ok=True)


def backup(conn: duckdb.DuckDBPyConnection, settings: Settings, folder: Path) -> BackupInfo:
    """Copy the database open on ``conn`` into ``folder`` (new or empty) as one snapshot."""
    folder = Path(folder)
    _empty_folder(folder)
    target = folder / DATABASE_FILE
    source = store.one(conn, "SELECT current_database()")[0]
    conn.execute(f"ATTACH '{_quoted(target)}' AS {_ATTACHED}")
    try:
        conn.execute(f'COPY FROM DATABASE "{source}" TO {_ATTACHED}')
        counts = table_counts(conn, _ATTACHED)
        (version,) = store.one(conn, f"SELECT max(version) FROM {_ATTACHED}.main.schema_migrations")
    finally:
        conn.execute(f"DETACH {_ATTACHED}")
    os.chmod(target, store.DATABASE_MODE)
    info = BackupInfo(
        folder=folder,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        schema_version=int(version),
        tables=counts,
        sha256=_sha256(target),
    )
    manifest = {
        "format": FORMAT,
        **info.to_dict(),
        "keys": key_fingerprints(settings),
        "keys_note": "the keys are not in this backup; restore them from their own backup",
    }
    manifest.pop("folder")
    path = folder / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    os.chmod(path, store.DATABASE_MODE)
    return info


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def read_manifest(folder: Path) -> dict[str, Any]:
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file; {folder} is not a sosdata backup") from None
    except (ValueError, RecursionError):
        raise BackupError(f"{path}: not a backup description (invalid JSON)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a backup of format {FORMAT}")
    return manifest


def restore(settings: Settings, folder: Path, user_id: str) -> BackupInfo:
    """Put the backup in ``folder`` in place of the register database.

    Checked first: the file is the one the backup describes (SHA-256), it is a register
    database, its key fingerprints match the keys in use, and no process has the current
    database open. The current database is kept beside the restored one.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    source = folder / DATABASE_FILE
    if not source.is_file():
        raise BackupError(f"{source}: no such file; the backup is incomplete")
    if _sha256(source) != manifest.get("sha256"):
        raise BackupError(f"{source}: differs from what {MANIFEST_FILE} describes; not restored")
    ours = key_fingerprints(settings)
    if "missing" in ours.values():
        raise BackupError(
            f"{settings.data_dir}: the keys are missing; restore the keys (backed up apart from "
            "the database) first"
        )
    if manifest.get("keys") != ours:
        raise BackupError(
            f"{folder}: the backup was made with other keys than the ones in use; restore the "
            "keys of that time first (they are backed up separately); nothing was changed"
        )
    target = settings.database_path
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=store.DATA_DIR_MODE)
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, staged)
    os.chmod(staged, store.DATABASE_MODE)
    try:
        check = duckdb.connect(str(staged))
        try:
            if users.get(check, user_id).role != users.KEEPER:
                raise BackupError(
                    f"{source}: {user_id!r} is not a register keeper of the backed-up register"
                )
            counts = table_counts(check)
            if counts != manifest.get("tables"):
                raise BackupError(f"{source}: its tables differ from {MANIFEST_FILE}")
        finally:
            check.close()
        kept = None
        if target.exists():
            # the current database must be free: opening it takes its lock, closing it
            # writes its log into it
            store._open(target, read_only=False).close()
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            os.replace(target, kept)
        wal = target.with_name(target.name + ".wal")
        if wal.exists() and kept is not None:
            os.replace(wal, kept.with_name(kept.name + ".wal"))
        os.replace(staged, target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    why = f"restored the backup of {manifest.get('created_at')}"
    with store.opened(settings) as conn:
        audit.record(conn, user_id, "restore", str(folder), why)
    return BackupInfo(
        folder=folder,
        created_at=str(manifest.get("created_at")),
        schema_version=int(manifest.get("schema_version", 0)),
        tables=dict(manifest.get("tables") or {}),
        sha256=str(manifest.get("sha256")),
    )
