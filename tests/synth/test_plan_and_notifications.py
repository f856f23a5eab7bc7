"""The plan covers every municipality once, and the notifications say what the plan says."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sosdata import organisers
from sosdata.config import Settings
from sosdata.notification.checks import ERROR, check_notification, check_partition
from sosdata.notification.document import from_data, read_file
from sosdata.notification.form import FormContext
from sosdata.notification.sources import sources_of
from sosdata.synth.plan import SOURCES, make_plan
from sosdata.synth.scales import SCALES


def test_national_plan_covers_each_municipality_once_with_every_source() -> None:
    every = list(organisers.load())
    groups = make_plan(SCALES["national"], every, seed=0)
    served = [m for g in groups for m in g.municipalities]
    assert sorted(served) == sorted(m for o in every for m in o.municipalities)
    used = {s for g in groups for s in g.sources.client_periods.values()}
    assert used == set(SOURCES)
    assert any(len([g for g in groups if g.organiser == o.oid]) == 2 for o in every)
    # another seed rotates the patterns over the organisers
    other = make_plan(SCALES["national"], every, seed=1)
    assert [g.pattern for g in groups] != [g.pattern for g in other]


def test_notifications_are_valid_and_promise_the_plan(tiny: Path, tmp_path: Path) -> None:
    ctx = FormContext.from_settings(Settings(data_dir=tmp_path))
    expected = pl.read_csv(
        tiny / "truth" / "expected_sources.csv",
        separator=";",
        schema_overrides={
            "county": pl.String,
            "municipality": pl.String,
            "service_task": pl.String,
        },
    )
    files = sorted((tiny / "notifications").glob("*.json"))
    assert len(files) == expected.select("county", "municipality_group").n_unique()
    by_county: dict[str, dict[str, list[str]]] = {}
    for path in files:
        data, _ = read_file(path)
        notification, problems = from_data(data)
        assert problems == []
        errors = [i for i in check_notification(notification, ctx) if i.severity == ERROR]
        assert errors == [], [i.message() for i in errors]
        by_county.setdefault(notification.county, {})[notification.group_name] = (
            notification.municipalities
        )
        promised = {(c, t, s) for c, t, s in sources_of(notification)}
        planned = {
            (r["component"], r["service_task"], r["source"])
            for r in expected.filter(
                (pl.col("county") == notification.county)
                & (pl.col("municipality_group") == notification.group_name)
            ).iter_rows(named=True)
        }
        assert promised == planned, path.name
    for county, groups in by_county.items():
        assert check_partition(county, groups) == []
