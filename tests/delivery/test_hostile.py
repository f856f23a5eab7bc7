"""Hostile delivery files: ZIP bombs, damaged archives, links, duplicate members, huge values,
deep JSON. Each is refused with a file-level issue naming the file, never a traceback, and the
memory a refusal takes does not grow with what the archive claims to hold."""

from __future__ import annotations

import json
import os
import tracemalloc
import zipfile
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from sosdata.components import COMPONENTS
from sosdata.delivery import rules

II = "asiakkuusjaksot"
MB = 1024**2


def _only(result, rule: str) -> pl.DataFrame:
    issues = result.report.issues
    found = issues.filter(issues["code"] == rule)
    assert found.height >= 1, issues
    assert not result.accepted
    return found


def _bomb(path: Path, size: int, *, name: str = "asiakkuusjaksot.csv", manifest=None) -> Path:
    """A ZIP whose member inflates to ``size`` bytes of blank lines, written a MB at a time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if manifest is not None:
            archive.writestr("manifest.json", json.dumps(manifest))
        with archive.open(name, "w", force_zip64=True) as member:
            header = ";".join(COMPONENTS[II].column_names).encode() + b"\n"
            member.write(header)
            chunk = b"\n" * MB
            for _ in range(size // MB):
                member.write(chunk)
    return path


def test_a_zip_bomb_is_refused_before_it_is_inflated(deliveries, tmp_path):
    path = _bomb(tmp_path / "bomb.zip", 300 * MB, manifest=deliveries.manifest([II]))
    assert path.stat().st_size < 2 * MB  # a few hundred KB claiming 300 MB
    tracemalloc.start()
    try:
        found = _only(deliveries.validate(path), rules.FILE_TOO_LARGE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * MB
    message = found["message"][0]
    assert "asiakkuusjaksot.csv" in message and "max_compression_ratio 100" in message


def test_the_total_uncompressed_size_is_limited(deliveries, tmp_path):
    # repeated rows compress far: the ratio is not what this test is about
    settings = replace(deliveries.settings, max_delivery_bytes=MB, max_compression_ratio=10**6)
    deliveries.settings = settings
    rows = [deliveries.row(II, alkupvm=f"2022-05-{1 + i % 28:02d}") for i in range(30_000)]
    for make in (deliveries.zip, deliveries.folder):
        found = _only(deliveries.validate(make({II: rows})), rules.FILE_TOO_LARGE)
        assert "max_delivery_bytes" in found["message"][0]
    single = deliveries.csv(II, rows)
    assert single.stat().st_size > MB
    _only(deliveries.validate(single), rules.FILE_TOO_LARGE)


def test_the_limits_come_from_the_settings(deliveries, tmp_path):
    path = _bomb(tmp_path / "bomb.zip", 20 * MB, manifest=deliveries.manifest([II]))
    deliveries.settings = replace(deliveries.settings, max_compression_ratio=10_000)
    # let through by the ratio, the member is inflated and read: blank lines only
    _only(deliveries.validate(path), rules.FILE_EMPTY)


def test_damaged_compressed_data_is_a_file_issue(deliveries, tmp_path):
    rows = [deliveries.row(II, alkupvm=f"2022-05-{1 + i % 28:02d}") for i in range(2000)]
    path = deliveries.zip({II: rows})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("asiakkuusjaksot.csv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 20, start + info.compress_size - 20, 7):
        data[offset] ^= 0x5A  # corrupt the deflate stream (zlib.error when inflated)
    path.write_bytes(bytes(data))
    found = _only(deliveries.validate(path), rules.FILE_UNREADABLE)
    assert "damaged compressed data" in found["message"][0]


def test_an_encrypted_member_is_named_plainly(deliveries, tmp_path):
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("asiakkuusjaksot.csv", b"not really encrypted")
    data = bytearray(path.read_bytes())
    # set the encryption flag in the local and the central header: zipfile would then ask for
    # a password (its RuntimeError was shown as a Python repr)
    data[data.index(b"PK\x03\x04") + 6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    path.write_bytes(bytes(data))
    message = _only(deliveries.validate(path), rules.FILE_UNREADABLE)["message"][0]
    assert "encrypted; deliver the package unencrypted" in message
    assert "RuntimeError" not in message and "(" not in message.split(":", 1)[1]


def test_deeply_nested_manifest_json_is_invalid_not_a_crash(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)]}, "[" * 100_000 + "]" * 100_000)
    found = _only(deliveries.validate(path), rules.MANIFEST_INVALID)
    assert "nested too deeply" in found["message"][0]


def test_a_huge_manifest_is_refused(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)]}, " " * (2 * MB) + "{}")
    _only(deliveries.validate(path), rules.FILE_TOO_LARGE)


def test_a_folder_delivery_does_not_follow_links(deliveries, tmp_path):
    secret = tmp_path / "system-file"
    secret.write_text("root:x:0:0:SECRET LINE\n")
    for target, name in ((secret, "asiakkuusjaksot.csv"), (tmp_path, "elsewhere")):
        folder = deliveries.folder({"lastensuojelu": [deliveries.row("lastensuojelu")]})
        os.symlink(target, folder / name)
        result = deliveries.validate(folder)
        found = _only(result, rules.FILE_UNREADABLE)
        assert name in found["message"][0] and "symbolic link" in found["message"][0]
        for fmt in ("text", "json", "csv", "html"):
            assert "SECRET" not in result.report.render(fmt)


def test_a_link_inside_a_zip_is_refused(deliveries, tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("asiakkuusjaksot.csv")
        info.external_attr = 0o120777 << 16  # a symbolic link, as zip -y stores one
        archive.writestr(info, "/etc/passwd")
    _only(deliveries.validate(path), rules.FILE_UNREADABLE)


def test_duplicate_member_names_are_refused(deliveries, tmp_path):
    path = tmp_path / "twice.zip"
    first = deliveries.csv_text(II, [deliveries.row(II)])
    second = deliveries.csv_text(II, [deliveries.row(II, palvelutehtava="2")])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(deliveries.manifest([II])))
        archive.writestr("asiakkuusjaksot.csv", first)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("asiakkuusjaksot.csv", second)
    found = _only(deliveries.validate(path), rules.FILE_UNREADABLE)
    assert "two files of this name" in found["message"][0]


def test_duplicates_after_the_top_folder_is_stripped_are_refused(deliveries, tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a/manifest.json", json.dumps(deliveries.manifest([II])))
        archive.writestr("a/asiakkuusjaksot.csv", deliveries.csv_text(II, [deliveries.row(II)]))
        with pytest.warns(UserWarning):
            archive.writestr("a/asiakkuusjaksot.csv", "x")
    _only(deliveries.validate(path), rules.FILE_UNREADABLE)


def test_a_huge_value_is_refused_with_its_line_and_column(deliveries):
    rows = [deliveries.row(II), deliveries.row(II, kotikunta="9" * (5 * MB))]
    result = deliveries.validate(deliveries.csv(II, rows))
    found = _only(result, rules.FILE_VALUE_TOO_LONG)
    assert found["line"][0] == 3 and found["column"][0] == "kotikunta"
    assert "5,242,880" in found["message"][0] and "100" in found["message"][0]
    for fmt in ("text", "json", "csv", "html"):
        assert len(result.report.render(fmt)) < 100_000  # the value is not echoed


def test_the_value_length_limit_counts_characters(deliveries):
    deliveries.settings = replace(deliveries.settings, max_value_length=30)
    # 29 characters in 58 bytes: within the limit (an organiser OID is 20-odd characters)
    ok = deliveries.csv(II, [deliveries.row(II, kotikunta="ä" * 29)])
    assert (
        not deliveries.validate(ok)
        .report.issues.filter(pl.col("code") == rules.FILE_VALUE_TOO_LONG)
        .height
    )
    long = deliveries.csv(II, [deliveries.row(II, kotikunta="ä" * 31)])
    _only(deliveries.validate(long), rules.FILE_VALUE_TOO_LONG)


def test_many_members_are_refused_unread(deliveries, tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(1001):
            archive.writestr(f"f{i}.txt", "")
    found = _only(deliveries.validate(path), rules.FILE_UNREADABLE)
    assert "1,001 files" in found["message"][0]
