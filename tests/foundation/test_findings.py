"""One shape for every problem found: a bad delivery, a bad notification file and a Kanta
extract with a malformed record each give findings with code, severity, file, line and
column, and messages in Finnish, Swedish and English without an unmasked identity code."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from sosdata import findings, identity
from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.delivery import rules
from sosdata.delivery.validate import validate_path
from sosdata.findings import FINDING_SCHEMA, Finding
from sosdata.kanta.extract import MALFORMED, malformed_listing, read_extract
from sosdata.notification import checks
from sosdata.notification.document import read_file
from sosdata.notification.form import FormContext
from sosdata.periods import Quarter

#: a temporary identity code (individual number 998), as synthetic data uses
HETU = identity.make(dt.date(1994, 5, 1), 998)
UNMASKED = re.compile(re.escape(HETU[:7]) + r"[0-9]{3}")
II = COMPONENTS["asiakkuusjaksot"]


def _assert_one_shape(found: list[Finding]) -> None:
    assert found
    for finding in found:
        assert finding.code and finding.severity in ("error", "warning")
        assert finding.file and finding.line is not None and finding.column is not None
        messages = {lang: finding.message(lang) for lang in ("fi", "sv", "en")}
        assert len(set(messages.values())) == 3, messages
        for text in messages.values():
            assert not UNMASKED.search(text), text
        assert not UNMASKED.search(finding.file + finding.column)
    # the columnar form holds the same findings
    frame = findings.findings_frame(found, "sv")
    assert frame.schema == FINDING_SCHEMA
    assert findings.from_frame(frame) == found
    assert frame["message"].to_list() == [f.message("sv") for f in found]


def test_a_bad_delivery_gives_findings(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    # a header with a column named like an identity code
    header = ";".join([*II.column_names, HETU])
    (folder / II.filename).write_text(header + "\n" + ";" * len(II.column_names) + "\n")
    result = validate_path(folder / II.filename, Quarter(2023, 1), settings=settings)
    found = result.report.file_issues
    assert [f.code for f in found] == [rules.FILE_HEADER_UNKNOWN]
    assert (found[0].file, found[0].line, found[0].column) == (II.filename, 1, identity.mask(HETU))
    _assert_one_shape(found)
    # the report's frame is the columnar form, listed under the report's own column names
    assert result.report.issues.schema == FINDING_SCHEMA
    assert list(result.report.listed("en").columns) == [
        "rule", "severity", "component", "file", "line", "column", "message",
    ]  # fmt: skip


def test_a_bad_notification_file_gives_findings(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "notification.yaml"
    path.write_text(
        "round: 2023Q1\nlang: fi\nanswers:\n"
        f"  contact: {{name: Maija, email: '{HETU}@'}}\n"
        "  county: '01'\n",
        encoding="utf-8",
    )
    data, positions = read_file(path)
    _, issues = checks.check_document(data, FormContext.from_settings(settings))
    email = [i for i in issues if i.code == "EMAIL_INVALID"]
    assert email and email[0].question == 1
    located = [positions.locate(i) for i in email]
    assert (located[0].file, located[0].line, located[0].column) == (str(path), 4, "33")
    assert located[0].path == ("answers", "contact", "email")
    _assert_one_shape(located)


def test_a_kanta_extract_with_a_malformed_record_gives_findings(tmp_path: Path) -> None:
    good = (
        '{"document_id":"ok","set_id":"s","version":1,"status":"active",'
        '"document_type":"case","case_opened":"2023-01-01"}'
    )
    path = tmp_path / f"extract-{HETU}.jsonl"
    path.write_text(f'{good}\n{{"document_id": "{HETU}", "version": \n{good}\n')
    extract = read_extract(path)
    frame = extract.malformed
    assert frame.schema == FINDING_SCHEMA
    assert frame.select("code", "line", "column").rows() == [(MALFORMED, 2, "(record)")]
    found = findings.from_frame(frame)
    assert found[0].file == f"extract-{identity.mask(HETU)}.jsonl"
    assert found[0].params["reason"].startswith("not valid JSON")
    _assert_one_shape(found)
    # rendered column-wise, the messages are the objects' own
    for lang in ("fi", "sv", "en"):
        rendered = findings.with_messages(frame, lang)["message"].to_list()
        assert rendered == [f.message(lang) for f in found]
    # the listing users read (malformed.csv, summary.json) keeps its columns
    assert malformed_listing(frame).columns == ["line", "field", "reason"]


def test_messages_are_rendered_column_wise_or_per_finding_alike() -> None:
    found = [
        Finding(MALFORMED, "error", file="x.jsonl", line=n, column="status", params={"reason": r})
        for n, r in ((3, "missing"), (5, f"contains {HETU}"))
    ] + [Finding("MANDATORY_MISSING", "error", question=2, path=("answers",))]
    frame = findings.findings_frame(found)
    assert frame["message"].null_count() == 3
    for lang in ("fi", "sv", "en"):
        assert findings.with_messages(frame, lang)["message"].to_list() == [
            f.message(lang) for f in found
        ]
    assert not UNMASKED.search(" ".join(findings.with_messages(frame, "en")["message"]))


def test_every_code_has_three_languages_and_one_source() -> None:
    registered = findings.codes()
    assert {rules.HETU_CHECKSUM, "MANDATORY_MISSING", MALFORMED} <= set(registered)
    for code in registered:
        assert all(findings.template(code, lang) for lang in ("fi", "sv", "en")), code
    with pytest.raises(ValueError, match="registered with other texts"):
        findings.register({MALFORMED: {"fi": "a", "sv": "b", "en": "c"}})
    with pytest.raises(ValueError, match="error or warning"):
        Finding("X", "fatal")
    assert pl.DataFrame(schema=FINDING_SCHEMA).columns == list(FINDING_SCHEMA)
