"""A tiny synthetic quarter through the real pipeline (notifications, deliveries, Kanta
extract, build), then every table against counts computed from the generator's truth."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from sosdata import codes, identity
from sosdata.config import Settings
from sosdata.periods import Quarter
from world import call

from . import test_tables as shared

Q1 = Quarter.parse("2023Q1")

# the same checks as on the contract-shaped register, now on the synthetic truth
test_clients_per_task_by_county_sex_and_age = shared.test_clients_per_task_by_county_sex_and_age
test_persons_in_any_and_several_tasks = shared.test_persons_in_any_and_several_tasks
test_new_and_ended_periods = shared.test_new_and_ended_periods
test_child_welfare_clients_new_and_ended = shared.test_child_welfare_clients_new_and_ended
test_decisions_by_service_and_type = shared.test_decisions_by_service_and_type
test_services_by_social_service = shared.test_services_by_social_service
test_every_published_table_is_protected = shared.test_every_published_table_is_protected
test_linked_levels_agree_on_shared_cells = shared.test_linked_levels_agree_on_shared_cells


def _truth_frames(folder: Path) -> dict[str, pl.DataFrame]:
    """The truth in the views' shape, the identity code standing in as the person key."""
    county = {c.code: c.extra.get("county") for c in codes.load("kunta")}
    out = {}
    for path in sorted((folder / "truth" / "register" / str(Q1)).glob("*.parquet")):
        truth = pl.read_parquet(path)
        out[path.stem] = truth.with_columns(
            pl.lit(str(Q1)).alias("quarter"),
            pl.col("henkilotunnus").alias("pseudonym"),
            identity.facts(truth["henkilotunnus"])["birth_date"].alias("syntymapaiva"),
            pl.col("kotikunta")
            .replace_strict(county, default=None, return_dtype=pl.String)
            .alias("hyvinvointialue"),
        )
    return out


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    generate = pytest.importorskip("sosdata.synth.generate")
    from sosdata import keys
    from sosdata.register import store, users
    from sosdata.register.notifications import exchange

    folder = tmp_path_factory.mktemp("synth") / "tiny"
    generate.generate(folder, generate.Options(scale="tiny", period=str(Q1), seed=11))
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    keys.create_key_file(settings.pseudonym_key_file)
    keys.create_key_file(settings.encryption_key_file)
    with store.opened(settings) as conn:
        users.add(conn, "keeper")
        for path in sorted((folder / "notifications").glob("*.json")):
            exchange.import_file(
                conn, path, settings, by="keeper", submitted_at=dt.datetime(2022, 3, 1)
            )
    for path in sorted((folder / "deliveries" / str(Q1)).glob("*.zip")):
        assert call(settings, "keeper", "submit", path).status == "accepted"
    call(settings, "keeper", "load_kanta", folder / "kanta" / "extract.parquet", Q1)
    call(settings, "keeper", "build", Q1)
    result = call(settings, "keeper", "publish", Q1, tmp_path_factory.mktemp("out"), fmt="px")
    return {t.id: t for t in result.tables}, _truth_frames(folder), settings


def test_cli_publishes_tables_and_charts(published, tmp_path) -> None:
    _, _, settings = published
    from typer.testing import CliRunner

    from sosdata.cli import app

    out = tmp_path / "stats"
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(settings.data_dir),
            "stats",
            "--period",
            str(Q1),
            "--format",
            "csv",
            "--lang",
            "en",
            "--out",
            str(out),
            "--as",
            "keeper",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / f"clients_county_{Q1}_en.csv").is_file()
    assert (out / f"clients_county_{Q1}_en.svg").is_file()
    assert (out / f"trend_county_{Q1}_en.svg").is_file()
    # no identity code or pseudonym in anything published
    _, frames, _ = published
    codes_seen = set(frames["asiakkuusjaksot"]["henkilotunnus"].to_list())
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert not re.search(r"[0-9a-f]{64}", text), path.name
        assert not any(code in text for code in codes_seen), path.name
