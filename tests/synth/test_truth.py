"""The truth file holds: the validator finds exactly the injected errors, the accepted rows are
the separate share of the true register, and the Kanta derivation gives back the Kanta share."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.delivery import rules, validate_path
from sosdata.kanta.derive import derive
from sosdata.kanta.extract import read_extract
from sosdata.periods import Quarter
from sosdata.synth.errors import injected_rules

KEY = ["delivery", "file", "line", "rule"]


@pytest.fixture(scope="module")
def validated(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    out = {}
    for path in sorted((tiny / "deliveries").glob("*Q*/*.zip")):
        out[str(path.relative_to(tiny))] = validate_path(
            path, Quarter.parse(path.parent.name), settings=settings
        )
    return out


def test_every_row_error_rule_of_the_catalogue_is_injected(tiny: Path) -> None:
    row_errors = {r.id for r in rules.ROW_RULES if r.severity is rules.Severity.ERROR}
    assert set(injected_rules()) == row_errors
    truth = pl.read_csv(tiny / "truth" / "errors.csv", separator=";")
    assert set(truth["rule"]) == row_errors
    summary = json.loads((tiny / "summary.json").read_text())
    assert sum(summary["injected_errors"].values()) == truth.height


def test_validator_finds_exactly_the_injected_errors(tiny: Path, validated: dict) -> None:
    truth = pl.read_csv(
        tiny / "truth" / "errors.csv", separator=";", schema_overrides={"line": pl.Int64}
    )
    found = pl.concat(
        result.report.issues.filter(pl.col("severity") == "error").select(
            pl.lit(delivery).alias("delivery"),
            "file",
            pl.col("line").cast(pl.Int64),
            pl.col("code").alias("rule"),
        )
        for delivery, result in validated.items()
    )
    assert all(result.accepted for result in validated.values())
    assert found.select(KEY).unique().sort(KEY).equals(truth.select(KEY).unique().sort(KEY))
    # one injected row, one error rule
    per_row = found.unique().group_by("delivery", "file", "line").agg(pl.col("rule").n_unique())
    assert per_row["rule"].max() == 1


def test_accepted_rows_are_the_separate_share_of_the_truth(tiny: Path, validated: dict) -> None:
    for quarter_dir in sorted((tiny / "truth" / "separate").iterdir()):
        for name, component in COMPONENTS.items():
            accepted = [
                result.rows[name].drop("_line")
                for delivery, result in validated.items()
                if f"/{quarter_dir.name}/" in delivery and name in result.rows
            ]
            got = (
                pl.concat(accepted).unique() if accepted else pl.DataFrame(schema=component.schema)
            )
            want = pl.read_parquet(quarter_dir / f"{name}.parquet")
            columns = component.column_names
            assert want.height > 0, (quarter_dir.name, name)
            assert got.sort(columns, nulls_last=True).equals(want), (quarter_dir.name, name)


def test_defaults_are_exercised(validated: dict) -> None:
    applied: dict[str, int] = {}
    for result in validated.values():
        for per_column in result.defaults_applied.values():
            for column, n in per_column.items():
                applied[column] = applied.get(column, 0) + n
    for column in ("palvelutehtava", "paatospvm", "voimassa_alkaen", "paatoksen_tyyppi"):
        assert applied.get(column, 0) > 0, column


def test_file_level_faults_reject_the_delivery_with_their_rule(tiny: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    faults = pl.read_csv(tiny / "truth" / "faults.csv", separator=";")
    assert faults.height >= 6
    for row in faults.iter_rows(named=True):
        result = validate_path(
            tiny / row["delivery"], Quarter.parse(row["period"]), settings=settings
        )
        assert not result.accepted, row["delivery"]
        assert row["rule"] in set(result.report.issues["code"]), row["delivery"]


def test_kanta_derivation_reproduces_the_kanta_share(tiny: Path) -> None:
    extract = read_extract(tiny / "kanta" / "extract.parquet")
    types = set(extract.frame["document_type"])
    assert types == {"case", "client_relationship", "decision", "implementation"}
    # the archive holds what must not reach the register, too
    assert (extract.frame["status"] == "cancelled").any()
    assert (extract.frame["version"] > 1).any()
    assert (~extract.frame["refined_type"].fill_null(True)).any()
    for quarter_dir in sorted((tiny / "truth" / "kanta").iterdir()):
        derived = derive(extract.frame, Quarter.parse(quarter_dir.name))
        for name, component in COMPONENTS.items():
            columns = component.column_names
            want = pl.read_parquet(quarter_dir / f"{name}.parquet")
            got = derived.rows[name].select(columns)
            assert want.height > 0
            assert got.sort(columns, nulls_last=True).equals(want.sort(columns, nulls_last=True)), (
                quarter_dir.name,
                name,
            )


def test_register_truth_has_every_provenance(tiny: Path) -> None:
    client_periods = pl.read_parquet(
        tiny / "truth" / "register" / "2023Q1" / "asiakkuusjaksot.parquet"
    )
    assert set(client_periods["source"]) == {"kanta", "separate", "both"}
    # periods open, ending, starting in the quarter, and two periods of one person and task
    q = Quarter.parse("2023Q1")
    assert client_periods["loppupvm"].is_null().any()
    assert client_periods["loppupvm"].is_between(q.start, q.end).any()
    assert (client_periods["alkupvm"] >= q.start).any()
    assert client_periods.select(
        pl.struct("henkilotunnus", "palvelutehtava").is_duplicated().any()
    ).item()
    assert (client_periods.group_by("henkilotunnus").agg(pl.len())["len"] > 1).any()
