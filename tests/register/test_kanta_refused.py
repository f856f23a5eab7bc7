"""Kanta extracts that must not load: none readable, the wrong schema or types, a malformed share
above the limit, a document id given twice, nothing for the quarter. Each is refused with one
line and the register is left exactly as it was — the organisers' components in force are not
replaced by empty ones."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from sosdata.kanta.extract import write_extract
from sosdata.periods import Quarter
from sosdata.register import kanta_load, store
from world import call

from .conftest import table_snapshot

Q1 = Quarter.parse("2023Q1")
WHEN = dt.datetime(2023, 2, 1, 10, tzinfo=dt.UTC)


def _records(organiser, hetu, n: int, *, opened=dt.date(2022, 10, 1), prefix="d") -> list[dict]:
    return [
        {
            "document_id": f"{prefix}{i}",
            "set_id": f"s-{prefix}{i}",
            "version": 1,
            "version_time": WHEN,
            "status": "active",
            "document_type": "case",
            "organiser": organiser.oid,
            "identity_code": hetu(i % 100),
            "home_municipality": organiser.municipalities[0],
            "sex": "1" if (900 + i % 100) % 2 else "2",
            "service_tasks": ["2"],
            "case_id": f"c{prefix}{i}",
            "case_opened": opened,
            "case_closed": None,
        }
        for i in range(n)
    ]


def _jsonl(path: Path, records: list[dict], extra_lines: list[str] = ()) -> Path:
    write_extract(pl.DataFrame(records), path)
    with path.open("a", encoding="utf-8") as out:
        for line in extra_lines:
            out.write(line + "\n")
    return path


@pytest.fixture
def loaded(settings, db, organiser, hetu, tmp_path):
    """A register with one good batch in force; returns its snapshot."""
    db.close()
    good = _jsonl(tmp_path / "good.jsonl", _records(organiser, hetu, 20))
    outcome = call(settings, "keeper", "load_kanta", good, Q1)
    assert outcome.stored_rows["asiakkuusjaksot"] == 20
    with store.opened(settings) as conn:
        return table_snapshot(conn)


def _refused(settings, path: Path, before, match: str) -> str:
    with pytest.raises(kanta_load.KantaLoadError, match=match) as error:
        call(settings, "keeper", "load_kanta", path, Q1)
    message = str(error.value)
    assert "\n" not in message and "nothing was stored" in message
    assert path.name in message
    with store.opened(settings) as conn:
        assert table_snapshot(conn) == before
    return message


def test_nothing_readable(settings, loaded, tmp_path) -> None:
    path = tmp_path / "garbage.jsonl"
    path.write_text("this is not an extract\n" * 50 + "{]\n", encoding="utf-8")
    _refused(settings, path, loaded, "no record could be read")


def test_the_wrong_schema(settings, loaded, tmp_path) -> None:
    path = tmp_path / "other.parquet"
    pl.DataFrame({"patient": ["a", "b"], "diagnosis": ["x", "y"]}).write_parquet(path)
    _refused(settings, path, loaded, "no record could be read")


def test_the_wrong_types(settings, loaded, organiser, hetu, tmp_path) -> None:
    lines = [
        json.dumps(r | {"version": "first", "case_opened": "yesterday", "version_time": "now"})
        for r in _records(organiser, hetu, 10, prefix="t")
    ]
    path = tmp_path / "types.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _refused(settings, path, loaded, "no record could be read")


def test_a_malformed_share_above_the_limit(settings, loaded, organiser, hetu, tmp_path) -> None:
    # 95 % malformed: 5 good records among 95 broken ones
    path = _jsonl(
        tmp_path / "mostly-broken.jsonl",
        _records(organiser, hetu, 5, prefix="m"),
        ['{"document_id": 1, "version": "x"}'] * 95,
    )
    message = _refused(settings, path, loaded, "are malformed")
    assert "95 of 100 records (95.0%)" in message and "kanta_malformed_limit 5.0%" in message
    # within a limit raised in the settings it loads
    lenient = replace(settings, kanta_malformed_limit=0.96)
    assert call(lenient, "keeper", "load_kanta", path, Q1).stored_rows


def test_a_document_id_given_twice(settings, loaded, organiser, hetu, tmp_path) -> None:
    records = _records(organiser, hetu, 10, prefix="x")
    records[7] = records[7] | {"document_id": records[2]["document_id"], "set_id": "other"}
    path = _jsonl(tmp_path / "twice.jsonl", records)
    message = _refused(settings, path, loaded, "same document id")
    assert "line 3" in message and "lines 3 and 8" in message


def test_nothing_for_the_quarter(settings, loaded, organiser, hetu, tmp_path) -> None:
    records = _records(organiser, hetu, 10, prefix="o", opened=dt.date(2020, 1, 1))
    records = [r | {"case_closed": dt.date(2020, 6, 1)} for r in records]
    path = _jsonl(tmp_path / "old.jsonl", records)
    _refused(settings, path, loaded, "none yields a row for 2023Q1")


def test_deeply_nested_json_is_a_malformed_record(settings, db, organiser, hetu, tmp_path):
    db.close()
    nested = "[" * 50_000 + "]" * 50_000
    path = _jsonl(tmp_path / "nested.jsonl", _records(organiser, hetu, 40, prefix="n"), [nested])
    outcome = call(settings, "keeper", "load_kanta", path, Q1)
    assert outcome.summary["malformed"] == 1 and outcome.stored_rows["asiakkuusjaksot"] == 40


def test_the_command_says_why_in_one_line(cli, settings, organiser, hetu, tmp_path) -> None:
    assert cli("init").exit_code == 0
    path = _jsonl(
        tmp_path / "mostly-broken.jsonl", _records(organiser, hetu, 5, prefix="c"), ["{}"] * 95
    )
    result = cli("kanta", "load", path, "--period", "2023Q1")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "are malformed" in errors[0]
