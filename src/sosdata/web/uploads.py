"""Uploaded deliveries: a size limit enforced while the body streams in, files kept on disk.

A request whose ``Content-Length`` is past the limit is answered 413 before any of its body is
read; a body that grows past the limit while streaming (chunked, or a lying header) is cut off
at the limit. Starlette's multipart parser spools a file part to a temporary file past 1 MB, so
memory stays flat whatever the size; the part is then moved into ``DATA_DIR/uploads`` under a
random folder, keeping the sender's file name (which the register records).
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

from fastapi import HTTPException
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: room for the multipart envelope and the form's other fields
ENVELOPE = 64 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class TooLarge(HTTPException):
    def __init__(self, limit_mb: int) -> None:
        super().__init__(413, f"the file is larger than the limit of {limit_mb} MB")


class UploadLimit:
    """Limits the request body of the upload routes to the configured size."""

    def __init__(self, app: ASGIApp, *, limit_mb: int, paths: frozenset[str]) -> None:
        self.app = app
        self.limit_mb = limit_mb
        self.limit = limit_mb * 1024 * 1024 + ENVELOPE
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_long = declared is not None and declared.isdigit() and int(declared) > self.limit
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            if too_long:  # refused before a byte of the body is read
                raise TooLarge(self.limit_mb)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLarge(self.limit_mb)
            return message

        await self.app(scope, counted, send)


def safe_name(name: str | None) -> str:
    """The sender's file name without folders or odd characters (``delivery.zip`` if none)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:120] or "delivery.zip"


def keep(upload: UploadFile, uploads_dir: Path) -> Path:
    """Move an uploaded file part to its own folder under ``uploads_dir``."""
    folder = uploads_dir / secrets.token_hex(16)
    folder.mkdir(parents=True, mode=0o700)
    target = folder / safe_name(upload.filename)
    upload.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1024 * 1024)
    return target


def discard(path: Path) -> None:
    """Remove an uploaded file and its folder once its job has finished."""
    shutil.rmtree(path.parent, ignore_errors=True)
