"""One writer per data directory: the process that holds the lock owns the database.

DuckDB lets one process open a database file for writing, and no other process may then open it
at all. A process of sosdata (the web server, or a command) takes an exclusive lock on
``writer.lock`` in the data directory before it opens the database, and writes into the lock
file who it is. A second process is refused at once with a message that names the holder and
what to do — never a wait, a traceback or a corrupt file. The lock is released when the process
ends, however it ends (the operating system drops ``flock`` locks with the process).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
import threading
from pathlib import Path

from sosdata.errors import UserError

LOCK_NAME = "writer.lock"


class RegisterBusy(UserError, RuntimeError):
    """Another process holds the register's data directory."""


#: lock file → (descriptor, holders): the lock is the process's, shared by its registers
_held: dict[Path, tuple[int, int]] = {}
_guard = threading.Lock()


class WriterLock:
    """The data directory's exclusive lock, held until :meth:`release` or the process ends."""

    def __init__(self, data_dir: Path, purpose: str) -> None:
        self.path = (Path(data_dir) / LOCK_NAME).absolute()
        self.purpose = purpose
        self._holding = False

    def acquire(self) -> None:
        with _guard:
            if self._holding:
                return
            if self.path in _held:
                fd, holders = _held[self.path]
                _held[self.path] = (fd, holders + 1)
                self._holding = True
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read(fd)
                os.close(fd)
                raise RegisterBusy(_busy_message(self.path.parent, holder)) from None
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(_me(self.purpose)).encode())
            _held[self.path] = (fd, 1)
            self._holding = True

    def release(self) -> None:
        with _guard:
            if not self._holding:
                return
            self._holding = False
            fd, holders = _held.pop(self.path)
            if holders > 1:
                _held[self.path] = (fd, holders - 1)
            else:
                os.close(fd)  # closing drops the lock


def _me(purpose: str) -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "purpose": purpose,
        "since": dt.datetime.now().isoformat(timespec="seconds"),
    }


def _read(fd: int) -> dict[str, object]:
    try:
        found = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _busy_message(data_dir: Path, holder: dict[str, object]) -> str:
    who = f"process {holder.get('pid', '?')} ({holder.get('purpose', 'sosdata')}"
    since = holder.get("since")
    who += f", since {since})" if since else ")"
    return (
        f"{data_dir}: the register is in use by {who}; wait for it to finish, or, if it is the "
        "web server, stop it or send the work through its API"
    )


def purpose_of_this_process() -> str:
    """What this process is, as the lock file tells others: the command's words, not the
    interpreter's path."""
    args = [Path(sys.argv[0]).name, *sys.argv[1:3]] if sys.argv else ["sosdata"]
    return " ".join(a for a in args if a)
