"""The extract format: JSON Lines and Parquet, unknown fields, malformed records."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sosdata.kanta.derive import derive
from sosdata.kanta.extract import (
    EXTRACT_SCHEMA,
    VERSION_FIELDS,
    ExtractError,
    malformed_listing,
    read_extract,
    scan_extract,
    write_extract,
)
from sosdata.periods import Quarter


@pytest.fixture
def sample(docs) -> pl.DataFrame:
    docs.case("2023-01-01", None)
    docs.case("2022-03-01", "2023-02-01", tasks=["1", "4"])
    docs.add(
        "client_relationship",
        structure_version="10.1.22",
        cw27_start=dt.date(2022, 1, 1),
        service_unit_relationships=[
            {"social_service": "13", "start": dt.date(2022, 5, 1), "end": None}
        ],
    )
    docs.add(
        "decision",
        social_service="7",
        decision_date=dt.date(2023, 1, 3),
        valid_from=dt.date(2023, 1, 3),
        decision_type="2",
        refined_type=True,
    )
    docs.add("implementation", event_date=dt.date(2023, 2, 2), social_services=["21", "29"])
    docs.add("case", status="cancelled", version=2, set_id="set-0")
    return docs.frame()


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".parquet"])
def test_round_trip(tmp_path, sample, suffix):
    path = write_extract(sample, tmp_path / f"extract{suffix}")
    extract = read_extract(path)
    assert extract.malformed.is_empty()
    assert extract.frame.schema == EXTRACT_SCHEMA
    assert_frame_equal(extract.frame, sample)
    scanned = scan_extract(path)
    assert scanned.records == sample.height
    assert_frame_equal(scanned.frame.drop("_line").collect(), sample)


def test_json_lines_are_plain_json_with_iso_dates(tmp_path, sample):
    path = write_extract(sample, tmp_path / "extract.jsonl")
    first = json.loads(path.read_text().splitlines()[0])
    assert first["case_opened"] == "2023-01-01"
    assert first["version_time"].endswith("Z")
    assert first["service_tasks"] == ["1"]


def test_unknown_fields_are_ignored_and_absent_fields_are_null(tmp_path):
    path = tmp_path / "extract.jsonl"
    record = {
        "document_id": "d",
        "set_id": "s",
        "version": 1,
        "status": "active",
        "document_type": "implementation",
        "event_date": "2023-01-05",
        "vendor_extension": {"anything": [1, 2]},
        "another": "x",
    }
    path.write_text(json.dumps(record) + "\n")
    extract = read_extract(path)
    assert extract.malformed.is_empty()
    assert extract.frame.height == 1
    row = extract.frame.row(0, named=True)
    assert row["event_date"] == dt.date(2023, 1, 5)
    assert row["identity_code"] is None and row["social_services"] is None


def test_timestamps_with_offsets_are_read_as_utc(tmp_path):
    path = tmp_path / "extract.jsonl"
    base = {"set_id": "s", "version": 1, "status": "active", "document_type": "decision"}
    times = ["2023-01-05T12:00:00+02:00", "2023-01-05T10:00:00Z", "2023-01-05 10:00:00"]
    path.write_text(
        "".join(
            json.dumps({**base, "document_id": str(i), "version_time": t}) + "\n"
            for i, t in enumerate(times)
        )
    )
    got = read_extract(path).frame["version_time"].to_list()
    assert got == [dt.datetime(2023, 1, 5, 10, tzinfo=dt.UTC)] * 3


GOOD = (
    '{"document_id":"ok%d","set_id":"s%d","version":1,"status":"active",'
    '"document_type":"case","case_opened":"2023-01-01"}'
)
BROKEN = {
    "{not json": ("(record)", "not valid JSON"),
    "[1, 2]": ("(record)", "not a JSON object"),
    '{"document_id":"x","set_id":"s","version":"two","status":"active",'
    '"document_type":"decision"}': ("version", "integer"),
    '{"document_id":"x","set_id":"s","version":1,"status":"gone","document_type":"decision"}': (
        "status",
        "must be one of",
    ),
    '{"document_id":"x","set_id":"s","version":1,"status":"active","document_type":"memo"}': (
        "document_type",
        "must be one of",
    ),
    '{"set_id":"s","version":1,"status":"active","document_type":"decision"}': (
        "document_id",
        "missing",
    ),
    '{"document_id":"x","set_id":"s","version":1,"status":"active","document_type":"case",'
    '"case_opened":"2023-02-30"}': ("case_opened", "date"),
    '{"document_id":"x","set_id":"s","version":1,"status":"active","document_type":"case",'
    '"case_opened":"2023-1-5"}': ("case_opened", "date"),
    '{"document_id":"x","set_id":"s","version":1,"status":"active","document_type":"case"}': (
        "case_opened",
        "missing",
    ),
    '{"document_id":"x","set_id":"s","version":1,"status":"active","document_type":"case",'
    '"case_opened":"2023-02-01","case_closed":"2023-01-01"}': ("case_closed", "before"),
    '{"document_id":"x","set_id":"s","version":1,"status":"active","document_type":"decision",'
    '"refined_type":"yes"}': ("refined_type", "boolean"),
    '{"document_id":{"a":1},"set_id":"s","version":1,"status":"active","document_type":"case"}': (
        "document_id",
        "text",
    ),
    '{"document_id":"x","set_id":"s","version":1,"status":"active",'
    '"document_type":"client_relationship","service_unit_relationships":'
    '[{"social_service":"1","start":"01.01.2023"}]}': ("service_unit_relationships", "list"),
}


def test_malformed_records_are_reported_with_their_line_and_skipped(tmp_path):
    lines = []
    expected = {}
    for i, (text, problem) in enumerate(BROKEN.items()):
        lines.append(GOOD % (i, i))
        lines.append(text)
        expected[len(lines)] = problem
    lines.append("")  # a blank line is not a record
    lines.append(GOOD % (99, 99))
    path = tmp_path / "extract.jsonl"
    path.write_text("\r\n".join(lines) + "\n")
    extract = read_extract(path)
    assert extract.frame["document_id"].to_list() == [f"ok{i}" for i in range(len(BROKEN))] + [
        "ok99"
    ]
    first = malformed_listing(extract.malformed).group_by("line", maintain_order=True).first()
    assert first["line"].to_list() == sorted(expected)
    for line, field, reason in first.iter_rows():
        want_field, want_reason = expected[line]
        assert (field, want_reason in reason) == (want_field, True), (line, field, reason)
    assert extract.records == len(BROKEN) * 2 + 1
    described = extract.describe_malformed()
    assert described[0].startswith("extract.jsonl:2: ")


def test_invalid_utf8_lines_are_reported(tmp_path):
    path = tmp_path / "extract.jsonl"
    path.write_bytes(
        (GOOD % (1, 1)).encode() + b"\n" + b'{"document_id":"\xff"}\n' + (GOOD % (2, 2)).encode()
    )
    extract = read_extract(path)
    assert extract.frame.height == 2
    assert malformed_listing(extract.malformed).rows() == [(2, "(record)", "not valid UTF-8")]


def test_malformed_parquet_records_are_reported_with_their_record_number(tmp_path, sample):
    broken = sample.with_columns(
        status=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("deleted")).otherwise("status"),
        set_id=pl.when(pl.int_range(pl.len()) == 4).then(None).otherwise("set_id"),
    )
    path = tmp_path / "extract.parquet"
    broken.write_parquet(path)
    for opened in (read_extract(path), scan_extract(path)):
        assert opened.malformed.select("line", "column").rows() == [(3, "status"), (5, "set_id")]
    assert read_extract(path).frame.height == sample.height - 2
    assert scan_extract(path).frame.collect().height == sample.height - 2


def test_scan_keeps_the_version_fields_of_the_valid_records_for_derivation(tmp_path, sample):
    broken = sample.with_columns(
        status=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("deleted")).otherwise("status")
    )
    path = tmp_path / "extract.parquet"
    broken.write_parquet(path)
    scanned = scan_extract(path)
    valid = scanned.frame.collect()
    assert_frame_equal(scanned.versions, valid.select("_line", *VERSION_FIELDS))
    assert 3 not in scanned.versions["_line"].to_list()
    quarter = Quarter.parse("2023Q1")
    reused = derive(scanned.frame, quarter, versions=scanned.versions)
    read_again = derive(scanned.frame, quarter)
    assert reused.summary == read_again.summary
    assert reused.summary["documents_read"] == sample.height - 1
    assert any(rows.height for rows in read_again.rows.values())
    for name, rows in read_again.rows.items():
        assert_frame_equal(reused.rows[name], rows)


def test_parquet_with_text_dates_is_typed_and_checked(tmp_path, sample):
    as_text = sample.with_columns(
        pl.col("case_opened").dt.to_string("%Y-%m-%d"),
        pl.col("version").cast(pl.String),
    ).with_columns(
        case_opened=pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("soon"))
        .otherwise("case_opened")
    )
    path = tmp_path / "extract.parquet"
    as_text.write_parquet(path)
    scanned = scan_extract(path)
    assert scanned.malformed.select("line", "column").rows() == [(2, "case_opened")]
    assert scanned.frame.collect().schema == pl.Schema({"_line": pl.Int64, **EXTRACT_SCHEMA})


@pytest.mark.parametrize("name", ["extract.csv", "extract"])
def test_unknown_suffix_is_refused(tmp_path, name):
    with pytest.raises(ExtractError, match="unknown extract format"):
        read_extract(tmp_path / name)
    with pytest.raises(ExtractError, match="unknown extract format"):
        write_extract(pl.DataFrame(), tmp_path / name)


def test_missing_and_broken_files_are_user_errors(tmp_path):
    with pytest.raises(ExtractError, match="no such file"):
        read_extract(tmp_path / "absent.jsonl")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(ExtractError, match="not a readable Parquet file"):
        scan_extract(broken)
    with pytest.raises(ExtractError, match="not a readable Parquet file"):
        read_extract(broken)
