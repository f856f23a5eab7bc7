"""Backup and restore: a consistent snapshot, restored and compared table by table; keys kept
apart and checked; a snapshot taken while another thread writes holds whole transactions."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import threading

import pytest

from sosdata import keys
from sosdata.errors import AccessError
from sosdata.register import backup, store, submit
from world import call

from .conftest import KEEPER, ORG_USER, person, table_snapshot


def _deliver(conn, settings, make_delivery, n: int, group: str) -> None:
    delivery = make_delivery(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": person(i), "palvelutehtava": "1", "alkupvm": dt.date(2022, 5, 1)}
                for i in range(n)
            ]
        },
        group=group,
    )
    submit.record(
        conn, settings, delivery, sha256=f"{group}-{n}", file_name="x.zip", submitted_by=KEEPER
    )


def _without_audit(snapshot: dict) -> dict:
    return {k: v for k, v in snapshot.items() if k != "audit_log"}


def test_restoring_a_backup_gives_back_the_register_as_it_was(
    settings, db, make_delivery, tmp_path
) -> None:
    _deliver(db, settings, make_delivery, 5, "first")
    db.close()
    info = call(settings, KEEPER, "backup", tmp_path / "backup")
    assert info.tables["deliveries"] == 1 and info.tables["persons"] == 5
    with store.opened(settings) as conn:
        at_backup = table_snapshot(conn)
        _deliver(conn, settings, make_delivery, 8, "second")  # the register moves on
        assert table_snapshot(conn) != at_backup
    call(settings, KEEPER, "restore", tmp_path / "backup")
    with store.opened(settings) as conn:
        restored = table_snapshot(conn)
    assert _without_audit(restored) == _without_audit(at_backup)
    # the audit log says the backup and the restore happened
    actions = [row[3] for row in restored["audit_log"]]
    assert actions.count("backup") == 1 and actions.count("restore") == 1
    kept = list(settings.data_dir.glob("register.duckdb.before-restore-*"))
    assert len(kept) == 1  # the replaced database is kept beside


def test_the_backup_holds_no_keys_and_is_the_owners_alone(settings, db, tmp_path) -> None:
    db.close()
    folder = tmp_path / "backup"
    call(settings, KEEPER, "backup", folder)
    assert sorted(p.name for p in folder.iterdir()) == ["backup.json", "register.duckdb"]
    manifest = json.loads((folder / "backup.json").read_text())
    assert "not in this backup" in manifest["keys_note"]
    data = (folder / "register.duckdb").read_bytes()
    for key in (keys.pseudonym_key(settings), keys.encryption_key(settings)):
        assert key not in data and key.hex().encode() not in data
    for path in (folder, folder / "register.duckdb", folder / "backup.json"):
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


def test_a_restore_with_other_keys_is_refused(settings, db, tmp_path) -> None:
    db.close()
    call(settings, KEEPER, "backup", tmp_path / "backup")
    with store.opened(settings) as conn:
        before = table_snapshot(conn)
    settings.encryption_key_file.unlink()
    keys.create_key_file(settings.encryption_key_file)  # a new key: old codes unreadable
    with pytest.raises(backup.BackupError, match="other keys"):
        backup.restore(settings, tmp_path / "backup", KEEPER)
    with store.opened(settings) as conn:
        assert table_snapshot(conn) == before


def test_a_damaged_or_foreign_backup_is_refused(settings, db, tmp_path) -> None:
    db.close()
    folder = tmp_path / "backup"
    call(settings, KEEPER, "backup", folder)
    with pytest.raises(backup.BackupError, match="not an empty folder"):
        call(settings, KEEPER, "backup", folder)
    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    with (damaged / "register.duckdb").open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\xff" * 64)
    with pytest.raises(backup.BackupError, match="differs from"):
        backup.restore(settings, damaged, KEEPER)
    with pytest.raises(backup.BackupError, match="not a sosdata backup"):
        backup.restore(settings, tmp_path, KEEPER)
    with pytest.raises(AccessError, match="keeper"):
        call(settings, ORG_USER, "backup", tmp_path / "by-organiser")


def test_a_backup_while_another_thread_writes_is_one_snapshot(settings, db, tmp_path) -> None:
    """The server's situation: its writer thread commits while the backup is taken on
    another connection of the same process. Each transaction adds 100 rows to two tables;
    the snapshot holds whole transactions only."""
    db.execute("CREATE TABLE t_left (n INTEGER); CREATE TABLE t_right (n INTEGER)")
    stop = threading.Event()

    def write() -> None:
        cursor = db.cursor()
        while not stop.is_set():
            with store.transaction(cursor):
                cursor.execute("INSERT INTO t_left SELECT range FROM range(100)")
                cursor.execute("INSERT INTO t_right SELECT range FROM range(100)")
        cursor.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        infos = [backup.backup(db.cursor(), settings, tmp_path / f"b{i}") for i in range(3)]
    finally:
        stop.set()
        writer.join()
    for info in infos:
        left, right = info.tables["t_left"], info.tables["t_right"]
        assert left == right and left % 100 == 0
    assert infos[-1].tables["t_left"] > 0


def test_backup_and_restore_commands(cli, settings, tmp_path) -> None:
    assert cli("init").exit_code == 0
    made = cli("backup", tmp_path / "b")
    assert made.exit_code == 0, made.stderr
    assert "keys are not in the backup" in made.stdout
    restored = cli("restore", tmp_path / "b")
    assert restored.exit_code == 0, restored.stderr
    refused = cli("restore", tmp_path / "nowhere")
    assert refused.exit_code == 1 and "not a sosdata backup" in refused.stderr


def test_a_killed_restore_leaves_one_whole_database(settings, db, make_delivery, tmp_path) -> None:
    """``sosdata restore`` killed (SIGKILL) at moments spread over its run: the database is
    afterwards either the one before or the backup, whole, and a restore then completes."""
    import signal
    import subprocess
    import sys
    import time

    _deliver(db, settings, make_delivery, 5, "first")
    db.close()
    call(settings, KEEPER, "backup", tmp_path / "backup")
    with store.opened(settings) as conn:
        at_backup = _without_audit(table_snapshot(conn))
        _deliver(conn, settings, make_delivery, 8, "second")
        moved_on = _without_audit(table_snapshot(conn))
    env = {**os.environ, "SOSDATA_DATA_DIR": str(settings.data_dir), "SOSDATA_DEBUG": ""}
    survived = 0
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        process = subprocess.Popen(
            [sys.executable, "-m", "sosdata", "restore", str(tmp_path / "backup"), "--as", KEEPER],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        with store.opened(settings) as conn:
            found = _without_audit(table_snapshot(conn))
        assert found in (at_backup, moved_on), delay
        survived += 1
        if found == at_backup:  # restored before the kill: bring the newer state back
            with store.opened(settings) as conn:
                _deliver(conn, settings, make_delivery, 8, f"again-{delay}")
                moved_on = _without_audit(table_snapshot(conn))
    assert survived == 6
    call(settings, KEEPER, "restore", tmp_path / "backup")
    with store.opened(settings) as conn:
        assert _without_audit(table_snapshot(conn)) == at_backup
