"""Reading a delivery package (ZIP, folder or one CSV) and its component files.

Every CSV column is read as a string; the validator decides what a value means. Structural
problems — not UTF-8, wrong delimiter, bad header, ragged rows — are file-level findings
(:class:`sosdata.findings.Finding`) that name the file, line and column. Line numbers are the
file's own (the header is line 1), carried in the ``_line`` column of each frame.

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
import stat
import zipfile
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import polars as pl

from sosdata import identity
from sosdata.components import BY_FILENAME, Component
from sosdata.config import Settings
from sosdata.delivery import rules, splitter
from sosdata.findings import Finding

MANIFEST_NAME = "manifest.json"
BOM = b"\xef\xbb\xbf"
DELIMITER = b";"
#: file-system clutter that archivers add; not part of a delivery and not an error
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
IGNORED_DIRS = frozenset({"__MACOSX"})
#: a delivery has five files; an archive listing thousands is not one (and a long central
#: directory costs memory to list)
MAX_MEMBERS = 1000
#: members smaller than this are not held to the compression ratio (tiny files of repeated
#: bytes compress far, and harmlessly)
RATIO_FREE_BYTES = 1024**2
#: the manifest is a few hundred bytes
MAX_MANIFEST_BYTES = 1024**2
#: a ZIP member is inflated this many bytes at a time
CHUNK_BYTES = 8 * 1024**2
#: how many ragged lines one issue lists
RAGGED_LISTED = 10
#: a component file's bytes (``find``, ``rfind``, slices and the buffer protocol are all the
#: reader uses of them)
Buffer = splitter.Buffer


class FileProblem(Exception):
    """Raised inside the reader; carries the finding to report."""

    def __init__(self, finding: Finding):
        super().__init__(finding.code)
        self.finding = finding


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
        """A small member's bytes (the manifest), refused beyond ``MAX_MANIFEST_BYTES``."""
        if self._zip is not None:
            size = self._zip.getinfo(self._zip_names[name]).file_size
        else:
            size = os.lstat(self._paths[name]).st_size
        if size > MAX_MANIFEST_BYTES:
            raise _too_large(self.members[name], size, MAX_MANIFEST_BYTES, "a manifest's size")
        return bytes(self.contents(name))

    def contents(self, name: str) -> Buffer:
        """A member's bytes: a file is mapped into memory, not copied (the operating system's
        cached pages are read in place); a ZIP member is inflated a chunk at a time into a
        buffer of its declared size, which the listing checked against the limits."""
        if self._zip is not None:
            return _inflate(self._zip, self._zip.getinfo(self._zip_names[name]), self.members[name])
        # a folder's files are opened without following a link (one swapped in after listing)
        flags = os.O_RDONLY | (os.O_NOFOLLOW if self.kind == "folder" else 0)
        try:
            fd = os.open(self._paths[name], flags)
        except OSError as exc:
            raise _unreadable(self.members[name], exc.strerror or str(exc)) from None
        try:
            if os.fstat(fd).st_size == 0:
                return b""
            return _map(fd)
        except OSError as exc:
            raise _unreadable(self.members[name], exc.strerror or str(exc)) from None
        finally:
            os.close(fd)

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


def _unreadable(display: str, reason: str) -> FileProblem:
    return FileProblem(rules.finding(rules.FILE_UNREADABLE, display, params={"reason": reason}))


def _too_large(display: str, size: int, limit: int, setting: str) -> FileProblem:
    return FileProblem(
        rules.finding(
            rules.FILE_TOO_LARGE,
            display,
            params={"size": f"{size:,}", "limit": f"{limit:,}", "setting": setting},
        )
    )


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, display: str) -> bytes:
    """A member's bytes, inflated in chunks into a buffer of its declared size: the inflater
    never produces more than was declared (the listing checked that against the limits) and a
    member that inflates to a different size is damaged."""
    out = bytearray(info.file_size)
    view = memoryview(out)
    done = 0
    try:
        with archive.open(info) as stream:
            while done < info.file_size:
                # a member opens as a ZipExtFile, which typeshed calls IO[bytes], without readinto
                read = stream.readinto(view[done : done + CHUNK_BYTES])  # type: ignore[attr-defined]
                if not read:
                    break
                done += read
            if done != info.file_size or stream.read(1):
                raise _unreadable(display, "its size differs from what the archive declares")
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise _unreadable(display, f"damaged compressed data ({type(exc).__name__})") from None
    except RuntimeError:
        # zipfile's word for an encrypted member
        raise _unreadable(display, "encrypted; deliver the package unencrypted") from None
    except NotImplementedError:
        raise _unreadable(display, "compressed with a method other than deflate") from None
    # read-only bytes, as a mapped file is: the compiled splitter is built for those (a copy
    # the size zipfile's own read made too)
    return bytes(out)


def _check_zip(infos: list[zipfile.ZipInfo], display: str, settings: Settings) -> None:
    """Refuse, before inflating anything, an archive that is not a delivery: too many members,
    links, encrypted members, more bytes than ``max_delivery_bytes`` or a member inflating more
    than ``max_compression_ratio`` times (a ZIP bomb)."""
    if len(infos) > MAX_MEMBERS:
        raise _unreadable(display, f"{len(infos):,} files in the archive; a delivery has five")
    total = 0
    for info in infos:
        name = identity.redact(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _unreadable(name, "a symbolic link; a delivery holds files, not links")
        if info.flag_bits & 0x1:
            raise _unreadable(name, "encrypted; deliver the package unencrypted")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FREE_BYTES and ratio > settings.max_compression_ratio:
            raise _too_large(
                name,
                info.file_size,
                info.compress_size * settings.max_compression_ratio,
                f"max_compression_ratio {settings.max_compression_ratio}",
            )
        total += info.file_size
    if total > settings.max_delivery_bytes:
        raise _too_large(display, total, settings.max_delivery_bytes, "max_delivery_bytes")


def _folder_files(path: Path, settings: Settings) -> dict[str, Path]:
    """A folder's files by relative name; a link (to a file or folder) or anything but a
    regular file is refused, never followed, and so is more than ``max_delivery_bytes``."""
    files: dict[str, Path] = {}
    total = 0
    for root, dirs, names in os.walk(path, followlinks=False):
        here = Path(root)
        for entry in sorted([*dirs, *names]):
            full = here / entry
            relative = full.relative_to(path)
            if _ignored(relative.parts):
                continue
            mode = os.lstat(full).st_mode
            shown = identity.redact(relative.as_posix())
            if stat.S_ISLNK(mode):
                raise _unreadable(shown, "a symbolic link; a delivery holds files, not links")
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise _unreadable(shown, "not a regular file")
            files[relative.as_posix()] = full
            total += os.lstat(full).st_size
            if len(files) > MAX_MEMBERS:
                raise _unreadable(path.name, f"more than {MAX_MEMBERS} files in the folder")
    if total > settings.max_delivery_bytes:
        raise _too_large(path.name, total, settings.max_delivery_bytes, "max_delivery_bytes")
    return dict(sorted(files.items()))


def _ignored(parts: tuple[str, ...]) -> bool:
    return bool(IGNORED_DIRS.intersection(parts)) or parts[-1] in IGNORED_NAMES


def open_package(path: Path, settings: Settings | None = None) -> Package:
    """List a ZIP's or folder's members, or take one CSV as a package of one file, refusing
    what breaks the limits of ``settings`` (their defaults when not given).

    A ZIP whose members all sit in one top-level folder (what zipping a folder gives) is read
    as if the folder were its root. Names shown in messages pass :func:`identity.redact`.
    """
    path = Path(path)
    settings = settings or Settings()
    shown = identity.redact(path.name)
    if path.is_dir():
        files = _folder_files(path, settings)
        return Package(path, "folder", {n: identity.redact(n) for n in files}, _paths=files)
    if not path.is_file():
        raise _unreadable(shown, "no such file or folder")
    if zipfile.is_zipfile(path):
        return _open_zip(path, shown, settings)
    if path.suffix.lower() == ".zip":
        raise _unreadable(shown, "not a ZIP archive")
    size = path.stat().st_size
    if size > settings.max_delivery_bytes:
        raise _too_large(shown, size, settings.max_delivery_bytes, "max_delivery_bytes")
    return Package(path, "csv", {path.name: shown}, _paths={path.name: path})


def _open_zip(path: Path, shown: str, settings: Settings) -> Package:
    try:
        archive = zipfile.ZipFile(path)
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _unreadable(shown, f"not a readable ZIP archive ({type(exc).__name__})") from None
    try:
        _check_zip(infos, shown, settings)
        names = {
            i.filename: PurePosixPath(i.filename).parts
            for i in infos
            if not _ignored(PurePosixPath(i.filename).parts)
        }
        _refuse_duplicates([i.filename for i in infos])
        roots = {parts[0] for parts in names.values() if len(parts) > 1}
        strip = 1 if len(roots) == 1 and all(len(p) > 1 for p in names.values()) else 0
        inner = {"/".join(parts[strip:]): original for original, parts in names.items()}
        _refuse_duplicates(["/".join(parts[strip:]) for parts in names.values()])
    except BaseException:
        archive.close()
        raise
    members = {n: identity.redact(original) for n, original in inner.items()}
    return Package(path, "zip", members, _zip=archive, _zip_names=inner)


def _refuse_duplicates(names: list[str]) -> None:
    """Two members of one name would leave it to chance which one is read."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _unreadable(
                identity.redact(name), "the archive holds two files of this name; keep one"
            )
        seen.add(name)


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
            rules.finding(
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
            rules.finding(
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
                rules.finding(
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
            rules.finding(
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
            rules.finding(
                rules.FILE_HEADER_UNKNOWN,
                display,
                line=1,
                column=", ".join(unknown),
                component=component.name,
                params={
                    # masked before quoting: quoted, a carriage return is `\r`, which hides
                    # where a code that follows it begins
                    "columns": ", ".join(repr(identity.redact(n)) for n in unknown),
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
            rules.finding(
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
        rules.finding(
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


def _check_value_length(frame: pl.DataFrame, display: str, limit: int) -> None:
    """Refuse a value longer than ``limit`` characters, naming its first line and column.
    Byte lengths are read from the string views at once; a character never takes fewer bytes,
    so characters are counted only in a column whose bytes pass the limit."""
    widest = frame.select(pl.all().str.len_bytes().max()).row(0)
    for column, width in zip(frame.columns, widest, strict=True):
        if width is None or width <= limit:
            continue
        lengths = frame.get_column(column).str.len_chars()
        longest = lengths.max()
        length = longest if isinstance(longest, int) else 0
        if length > limit:
            index = (lengths > limit).arg_true()[0]
            raise FileProblem(
                rules.finding(
                    rules.FILE_VALUE_TOO_LONG,
                    display,
                    line=int(index) + 2,
                    column=column,
                    params={"column": column, "length": f"{length:,}", "limit": limit},
                )
            )


def read_csv(
    data: Buffer, display: str, component: Component, max_value_length: int | None = None
) -> pl.DataFrame:
    """The rows of one component file: every component column as a string, plus ``_line``.

    Raises :class:`FileProblem` for a file-level problem, a value longer than
    ``max_value_length`` (the setting's default when not given) included.
    """
    limit = max_value_length or Settings.max_value_length
    if _blank(data):
        raise FileProblem(rules.finding(rules.FILE_EMPTY, display, component=component.name))
    header = _header(data, display, component)
    _check_header(header, display, component)
    _check_utf8(data, display, header)
    end = _content_end(data)
    header_end = data.find(b"\n", 0, end)
    if header_end < 0:
        raise FileProblem(rules.finding(rules.FILE_EMPTY, display, component=component.name))
    try:
        split = splitter.split(data, header_end + 1, end, header)
    except ValueError as exc:
        raise FileProblem(
            rules.finding(rules.FILE_UNREADABLE, display, params={"reason": str(exc)})
        ) from None
    if split.ragged_lines:
        _raise_ragged(data, end, display, header, component)
    frame = pl.DataFrame(split.columns)
    if frame.height == 0:
        raise FileProblem(rules.finding(rules.FILE_EMPTY, display, component=component.name))
    _check_value_length(frame.select(component.column_names), display, limit)
    columns = [pl.col(c) for c in component.column_names]
    return frame.select(pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(rules.LINE), *columns)


def component_of(name: str) -> Component | None:
    """The component a package member is, by its file name (case-insensitive)."""
    return BY_FILENAME.get(PurePosixPath(name).name.lower()) if "/" not in name else None
