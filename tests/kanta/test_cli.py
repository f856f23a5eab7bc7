"""``sosdata kanta derive`` and ``derive_path``: real files in, component files and summary out."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from sosdata.components import COMPONENTS
from sosdata.kanta.extract import write_extract
from sosdata.kanta.pipeline import derive_path
from sosdata.periods import Quarter


@pytest.fixture
def extract(tmp_path, docs):
    docs.case("2023-01-01", "2023-01-31")
    docs.case("2023-01-31", None)
    docs.case("2023-02-01", "2023-02-10", tasks=["7"])  # family law: the rules reject it
    docs.add(
        "client_relationship",
        tasks=["4"],
        structure_version="10.1.22",
        cw27_start=dt.date(2022, 11, 1),
        service_unit_relationships=[
            {"social_service": "13", "start": dt.date(2023, 2, 1), "end": None}
        ],
    )
    docs.add(
        "decision",
        social_service="7",
        decision_date=dt.date(2023, 1, 2),
        valid_from=dt.date(2023, 1, 2),
        refined_type=True,
    )
    docs.add("implementation", event_date=dt.date(2023, 3, 1), social_services=["21"])
    path = write_extract(docs.frame(), tmp_path / "extract.jsonl")
    with path.open("a") as handle:
        handle.write('{"document_id": "broken", "version": \n')
    return path


def test_derive_path_checks_rows_with_the_delivery_rules(extract, settings):
    derivation, validation = derive_path(extract, Quarter.parse("2023Q1"), settings)
    summary = derivation.summary
    assert summary["malformed"] == 1
    assert summary["documents_read"] == 7
    assert summary["rows"] == {
        "asiakkuusjaksot": 2,
        "lastensuojelu": 1,
        "palvelupaatokset": 1,
        "palvelutiedot": 2,
    }
    assert summary["accepted_rows"]["asiakkuusjaksot"] == 1
    assert summary["rule_counts"]["SERVICE_TASK_FAMILY_LAW"] == 1
    assert summary["rule_counts"]["HETU_TEMPORARY"] == 6
    issues = validation.report.issues.filter(pl.col("code") == "SERVICE_TASK_FAMILY_LAW")
    # the line names the row in the derived component file (line 1 is the header)
    family_law_line = issues["line"].item()
    rows = derivation.rows["asiakkuusjaksot"]
    assert rows["palvelutehtava"][family_law_line - 2] == "7"


def test_cli_writes_component_files_and_summary(cli, extract, tmp_path):
    out = tmp_path / "out"
    result = cli("kanta", "derive", extract, "--period", "2023Q1", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "asiakkuusjaksot" in result.stdout
    assert "1 malformed record(s) skipped" in result.stdout
    assert "extract.jsonl:7:" in result.stdout
    for component in COMPONENTS.values():
        text = (out / component.filename).read_text(encoding="utf-8")
        assert text.splitlines()[0] == ";".join(component.column_names)
    periods = pl.read_csv(out / "asiakkuusjaksot.csv", separator=";", infer_schema=False)
    assert sorted(periods.select("palvelutehtava", "alkupvm", "loppupvm").rows()) == [
        ("1", "2023-01-01", None),
        ("7", "2023-02-01", "2023-02-10"),
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"] == "extract.jsonl"
    assert summary["malformed_records"] == [
        {"line": 7, "field": "(record)", "reason": summary["malformed_records"][0]["reason"]}
    ]
    assert summary["malformed_records"][0]["reason"].startswith("not valid JSON")
    assert (out / "malformed.csv").is_file()
    # no identity code in the summary
    assert "-901" not in json.dumps(summary) and "A901" not in json.dumps(summary)


def test_cli_parquet_output_and_json_summary(cli, extract, tmp_path):
    out = tmp_path / "out"
    result = cli(
        "kanta", "derive", extract, "-p", "2023Q1", "-o", out, "--format", "parquet", "--json"
    )
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["rows"]["palvelutiedot"] == 2
    for name, component in COMPONENTS.items():
        frame = pl.read_parquet(out / f"{name}.parquet")
        assert frame.schema == component.schema
        assert frame.height == printed["rows"][name]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2023Q5"], "not a quarter"),
        (["--period", "2023Q1", "--format", "xlsx"], "--format 'xlsx'"),
    ],
)
def test_cli_bad_options_are_one_line_errors(cli, extract, tmp_path, args, message):
    result = cli("kanta", "derive", extract, "--out", tmp_path / "out", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_missing_extract(cli, tmp_path):
    result = cli("kanta", "derive", tmp_path / "none.parquet", "-p", "2023Q1", "-o", tmp_path)
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_cli_as_a_real_process(cli_process, extract, tmp_path):
    done = cli_process("kanta", "derive", extract, "-p", "2023Q1", "-o", tmp_path / "o", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["malformed"] == 1
