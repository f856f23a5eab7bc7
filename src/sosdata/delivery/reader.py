"""Reading a delivery package (ZIP, folder or one CSV) and its component files.

Every CSV column is read as a string; the validator decides what a value means. Structural
problems — not UTF-8, wrong delimiter, bad header, ragged rows — are file-level issues that name
the file, line and column. Line numbers are the file's own (the header is line 1), carried in
the ``_line`` column of each frame.

Format v1 keeps the structure byte-simple so that it can be checked at memory speed: lines end
in ``\\n`` (``\\r\\n`` allowed), fields are separated by ``;``, and a value never contains ``;``,
``"`` or a line break (codes and dates never do). A value may be enclosed in double quotes,
which are removed. Hence every data line must hold exactly as many ``;`` as the header. The
``splitter`` counts each line's fields as it splits the file; only when a count is off are the
offending lines located.
"""

from __future__ import annotations

import mmap
import os
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import polars as pl

from sosdata.components import BY_FILENAME, Component
from sosdata.delivery import rules, splitter

MANIFEST_NAME = "manifest.json"
BOM = b"\xef\xbb\xbf"
DELIMITER = b";"
#: file-system clutter that archivers add; not part of a delivery and not an error
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
IGNORED_DIRS = frozenset({"__MACOSX"})
#: refuse members that would inflate beyond this (a ZIP bomb, or not a delivery at all); a
#: five-million-row component is about 300 MB
MAX_MEMBER_BYTES = 2 * 1024**3
#: how many ragged lines one issue lists
RAGGED_LISTED = 10
#: a component file's bytes (``find``, ``rfind``, slices and the buffer protocol are all the
#: reader uses of them)
Buffer = splitter.Buffer


@dataclass(frozen=True)
class FileIssue:
    """A file-level finding; its message is rendered per language from ``params``."""

    rule: str
    file: str
    line: int | None = None
    column: str | None = None
    component: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return rules.get(self.rule).text(lang, file=self.file, line=self.line, **self.params)


class FileProblem(Exception):
    """Raised inside the reader; carries the issue to report."""

    def __init__(self, issue: FileIssue):
        super().__init__(issue.rule)
        self.issue = issue


@dataclass
class Package:
    """The members of a delivery: their names in the package and how to get their bytes."""

    path: Path
    kind: str  # "zip" | "folder" | "csv"
    members: dict[str, str]  # name in the package → display name for messages
    _zip: zipfile.ZipFile | None = None
    _paths: dict[str, Path] = field(default_factory=dict)
    _zip_names: dict[str, str] = field(default_factory=dict)

    def read(self, name: str) -> bytes:
        """A member's bytes (for small members such as the manifest)."""
        return bytes(self.contents(name))

    def contents(self, name: str) -> Buffer:
        """A member's bytes: a file is mapped into memory, not copied (the operating system's
        cached pages are read in place); a ZIP member is decompressed."""
        if self._zip is not None:
            info = self._zip.getinfo(self._zip_names[name])
            if info.file_size > MAX_MEMBER_BYTES:
                raise FileProblem(
                    FileIssue(
                        rules.FILE_UNREADABLE,
                        self.members[name],
                        params={"reason": f"{info.file_size} bytes uncompressed is too large"},
                    )
                )
            try:
                return self._zip.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                raise FileProblem(
                    FileIssue(rules.FILE_UNREADABLE, self.members[name], params={"reason": exc})
                ) from exc
        try:
            with self._paths[name].open("rb") as handle:
                if os.fstat(handle.fileno()).st_size == 0:
                    return b""
                return _map(handle.fileno())
        except OSError as exc:
            raise FileProblem(
                FileIssue(
                    rules.FILE_UNREADABLE, self.members[name], params={"reason": exc.strerror}
                )
            ) from exc

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _map(fileno: int) -> mmap.mmap:
    """A read-only map of a file; it outlives the file handle, and is unmapped once nothing
    refers to it. Its pages are mapped at once where the system can (one call instead of a
    page fault per 4 KB)."""
    if hasattr(mmap, "MAP_POPULATE"):
        flags = mmap.MAP_PRIVATE | mmap.MAP_POPULATE
        return mmap.mmap(fileno, 0, flags=flags, prot=mmap.PROT_READ)
    return mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)


def _ignored(parts: tuple[str, ...]) -> bool:
    return bool(IGNORED_DIRS.intersection(parts)) or parts[-1] in IGNORED_NAMES


def open_package(path: Path) -> Package:
    """List a ZIP's or folder's members, or take one CSV as a package of one file.

    A ZIP whose members all sit in one top-level folder (what zipping a folder gives) is read
    as if the folder were its root.
    """
    path = Path(path)
    if path.is_dir():
        files = {
            p.relative_to(path).as_posix(): p
            for p in sorted(path.rglob("*"))
            if p.is_file() and not _ignored(p.relative_to(path).parts)
        }
        return Package(path, "folder", {n: n for n in files}, _paths=files)
    if not path.is_file():
        raise FileProblem(
            FileIssue(rules.FILE_UNREADABLE, path.name, params={"reason": "no such file or folder"})
        )
    if zipfile.is_zipfile(path):
        try:
            archive = zipfile.ZipFile(path)
            infos = [i for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise FileProblem(
                FileIssue(rules.FILE_UNREADABLE, path.name, params={"reason": exc})
            ) from exc
        names = {
            i.filename: PurePosixPath(i.filename).parts
            for i in infos
            if not _ignored(PurePosixPath(i.filename).parts)
        }
        roots = {parts[0] for parts in names.values() if len(parts) > 1}
        strip = 1 if len(roots) == 1 and all(len(p) > 1 for p in names.values()) else 0
        inner = {"/".join(parts[strip:]): original for original, parts in names.items()}
        members = {n: original for n, original in inner.items()}
        return Package(path, "zip", members, _zip=archive, _zip_names=inner)
    if path.suffix.lower() == ".zip":
        raise FileProblem(
            FileIssue(rules.FILE_UNREADABLE, path.name, params={"reason": "not a ZIP archive"})
        )
    return Package(path, "csv", {path.name: path.name}, _paths={path.name: path})


# --- one CSV file ---------------------------------------------------------------------------


def _line_and_column(data: Buffer, offset: int, header: list[str] | None) -> tuple[int, str]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = _count_before(data, b"\n", offset) + 1
    field_index = data[line_start:offset].count(DELIMITER)
    if header and line > 1 and field_index < len(header):
        return line, header[field_index]
    return line, str(field_index + 1)


def _count_before(data: Buffer, byte: bytes, end: int) -> int:
    return int(np.count_nonzero(np.frombuffer(data, np.uint8, count=end) == ord(byte)))


def _check_utf8(data: Buffer, display: str, header: list[str] | None) -> None:
    if splitter.is_ascii(data):
        return
    try:
        str(data, "utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(data, exc.start, header)
        raise FileProblem(
            FileIssue(
                rules.FILE_NOT_UTF8,
                display,
                line=line,
                column=column,
                params={"byte": f"0x{data[exc.start]:02X}", "offset": exc.start, "column": column},
            )
        ) from None


def _header(data: Buffer, display: str, component: Component) -> list[str]:
    end = data.find(b"\n")
    raw = data[: end if end >= 0 else len(data)].rstrip(b"\r")
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(BOM) if data[: len(BOM)] == BOM else 0)
        raise FileProblem(
            FileIssue(
                rules.FILE_NOT_UTF8,
                display,
                line=1,
                column=str(raw.count(DELIMITER, 0, exc.start) + 1),
                params={
                    "byte": f"0x{data[offset]:02X}",
                    "offset": offset,
                    "column": raw.count(DELIMITER, 0, exc.start) + 1,
                },
            )
        ) from None
    if ";" not in text and len(component.columns) > 1:
        found = next((d for d in (",", "\t", "|") if d in text), None)
        if found is not None:
            raise FileProblem(
                FileIssue(
                    rules.FILE_DELIMITER,
                    display,
                    line=1,
                    params={"found": {"\t": "TAB"}.get(found, repr(found))},
                )
            )
    return [name.strip().strip('"').strip().lower() for name in text.split(";")]


def _check_header(header: list[str], display: str, component: Component) -> None:
    expected = component.column_names
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header, start=1):
        positions.setdefault(name, []).append(i)
    duplicate = {n: p for n, p in positions.items() if len(p) > 1}
    if duplicate:
        raise FileProblem(
            FileIssue(
                rules.FILE_HEADER_DUPLICATE,
                display,
                line=1,
                column=", ".join(duplicate),
                component=component.name,
                params={
                    "columns": ", ".join(duplicate),
                    "positions": ", ".join(str(i) for p in duplicate.values() for i in p),
                },
            )
        )
    unknown = [n for n in header if n not in expected]
    if unknown:
        raise FileProblem(
            FileIssue(
                rules.FILE_HEADER_UNKNOWN,
                display,
                line=1,
                column=", ".join(unknown),
                component=component.name,
                params={
                    "columns": ", ".join(repr(n) for n in unknown),
                    "positions": ", ".join(str(positions[n][0]) for n in unknown),
                    "allowed": ";".join(expected),
                },
            )
        )
    require_columns(positions, display, component)


def require_columns(present: Collection[str], display: str, component: Component) -> None:
    """Raise ``FILE_HEADER_MISSING`` naming the component's columns not in ``present``."""
    missing = [n for n in component.column_names if n not in present]
    if missing:
        raise FileProblem(
            FileIssue(
                rules.FILE_HEADER_MISSING,
                display,
                line=1,
                column=", ".join(missing),
                component=component.name,
                params={"columns": ", ".join(missing)},
            )
        )


def _ragged_lines(
    data: Buffer, end: int, expected_delimiters: int
) -> tuple[list[tuple[int, int]], int]:
    """The first data lines (of ``data[:end]``) whose field count is wrong, as (line, fields),
    and how many there are.

    Counted with array operations over the bytes: positions of line ends and delimiters.
    """
    buffer = np.frombuffer(data, dtype=np.uint8, count=end)
    line_ends = np.flatnonzero(buffer == ord("\n"))
    n_lines = len(line_ends) + (0 if end and buffer[-1] == ord("\n") else 1)
    delimiters = np.flatnonzero(buffer == DELIMITER[0])
    per_line = np.bincount(np.searchsorted(line_ends, delimiters), minlength=n_lines)[:n_lines]
    bad = np.flatnonzero(per_line[1:] != expected_delimiters) + 1
    listed = [(int(i) + 1, int(per_line[i]) + 1) for i in bad[:RAGGED_LISTED]]
    return listed, len(bad)


def _raise_ragged(
    data: Buffer, end: int, display: str, header: list[str], component: Component
) -> None:
    listed, total = _ragged_lines(data, end, len(header) - 1)
    if not listed:
        raise RuntimeError(f"{display}: the splitter found ragged lines that the count does not")
    line, found = listed[0]
    more = ""
    if total > 1:
        others = ", ".join(str(n) for n, _ in listed[1:])
        more = f"; +{total - 1}: {others}{' …' if total > len(listed) else ''}"
    raise FileProblem(
        FileIssue(
            rules.FILE_RAGGED_ROW,
            display,
            line=line,
            component=component.name,
            params={"found": found, "expected": len(header), "more": more, "lines": total},
        )
    )


_BLANK = b" \t\r\n"


def _content_end(data: Buffer) -> int:
    """Where the rows end: blank lines at the end of a file are not rows."""
    end = len(data)
    while end:  # back over the trailing blanks, a block at a time
        block = data[max(0, end - 4096) : end]
        kept = len(block.rstrip(_BLANK))
        end -= len(block) - kept
        if kept:
            break
    tail = data[end:]
    # blank after a line end: the blank lines go (a last line's own "\r\n" is no blank line)
    return end if 0 <= tail.find(b"\n") < len(tail) - 1 else len(data)


def _blank(data: Buffer) -> bool:
    # looks at the start first so that a large file is not copied
    return not data[:4096].strip(BOM + _BLANK) and not bytes(data).strip(BOM + _BLANK)


def read_csv(data: Buffer, display: str, component: Component) -> pl.DataFrame:
    """The rows of one component file: every component column as a string, plus ``_line``.

    Raises :class:`FileProblem` for a file-level problem.
    """
    if _blank(data):
        raise FileProblem(FileIssue(rules.FILE_EMPTY, display, component=component.name))
    header = _header(data, display, component)
    _check_header(header, display, component)
    _check_utf8(data, display, header)
    end = _content_end(data)
    header_end = data.find(b"\n", 0, end)
    if header_end < 0:
        raise FileProblem(FileIssue(rules.FILE_EMPTY, display, component=component.name))
    try:
        split = splitter.split(data, header_end + 1, end, header)
    except ValueError as exc:
        raise FileProblem(
            FileIssue(rules.FILE_UNREADABLE, display, params={"reason": str(exc)})
        ) from None
    if split.ragged_lines:
        _raise_ragged(data, end, display, header, component)
    frame = pl.DataFrame(split.columns)
    if frame.height == 0:
        raise FileProblem(FileIssue(rules.FILE_EMPTY, display, component=component.name))
    columns = [pl.col(c) for c in component.column_names]
    return frame.select(pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(rules.LINE), *columns)


def component_of(name: str) -> Component | None:
    """The component a package member is, by its file name (case-insensitive)."""
    return BY_FILENAME.get(PurePosixPath(name).name.lower()) if "/" not in name else None
