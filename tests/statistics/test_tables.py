"""Every table of a quarter against counts computed independently from the register rows."""

from __future__ import annotations

import polars as pl
import pytest

from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.statistics import tables
from sosdata.statistics.suppression import TOTAL

from . import expected
from .conftest import QUARTER as _Q
from .lp_check import feasible_ranges, lines_with_one_suppressed


@pytest.fixture(scope="module")
def published(register_db, tmp_path_factory):
    conn, parts = register_db
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    result = {t.id: t for t in tables.compute(conn, _Q, settings)}
    return result, parts[-1], settings


def value(table: tables.Table, **codes: str) -> int:
    """The count of a cell (before suppression); dimensions not named are totals."""
    wanted = {d: codes.get(d, TOTAL) for d in table.dims}
    row = table.cells.filter(*[pl.col(d) == c for d, c in wanted.items()])
    return int(row["value"][0]) if row.height else 0


def counts(frame: pl.DataFrame, by: list[str]) -> dict[tuple, int]:
    return {tuple(r[:-1]): r[-1] for r in frame.group_by(by).len().iter_rows()}


def test_every_table_is_published(published) -> None:
    result, _, _ = published
    assert set(result) == {
        f"{d.id}_{level}" for d in tables.DEFINITIONS for level in tables.LEVELS
    } | {"trend_county"}
    for table in result.values():
        assert table.cells.height > 0
        assert table.cells["value"].min() > 0  # sparse: empty cells are implicit zeros


def _quarter(result) -> Quarter:
    return Quarter.parse(next(iter(result.values())).quarter)


def test_clients_per_task_by_county_sex_and_age(published) -> None:
    result, frames, _ = published
    QUARTER = _quarter(result)
    people = expected.persons(frames, QUARTER)
    units = expected.clients(frames, QUARTER).join(people, on="pseudonym")
    table = result["clients_county"]
    for (county, task), n in counts(units, ["county", "palvelutehtava"]).items():
        assert value(table, alue=county, palvelutehtava=task) == n
    for (task, sex, age), n in counts(units, ["palvelutehtava", "sex", "age"]).items():
        assert value(table, palvelutehtava=task, sukupuoli=sex, ikaryhma=age) == n
    # a person once per task: the national count is the number of distinct persons
    assert (
        value(table, palvelutehtava="1")
        == units.filter(pl.col("palvelutehtava") == "1")["pseudonym"].n_unique()
    )


def test_clients_by_municipality_and_organiser(published) -> None:
    result, frames, _ = published
    QUARTER = _quarter(result)
    units = expected.clients(frames, QUARTER).join(
        expected.persons(frames, QUARTER), on="pseudonym"
    )
    municipal = result["clients_municipality"]
    for (municipality, task, sex), n in counts(
        units, ["municipality", "palvelutehtava", "sex"]
    ).items():
        assert value(municipal, alue=municipality, palvelutehtava=task, sukupuoli=sex) == n
    organiser = result["clients_organiser"]
    for (oid, task), n in counts(units, ["jarjestaja", "palvelutehtava"]).items():
        assert value(organiser, jarjestaja=oid, palvelutehtava=task) == n
    assert "200" in municipal.dimension("alue").codes  # abroad: in no county
    assert (
        value(municipal, alue=tables.NO_COUNTY, palvelutehtava="2")
        == units.filter(
            (pl.col("county") == tables.NO_COUNTY) & (pl.col("palvelutehtava") == "2")
        ).height
    )


def test_persons_in_any_and_several_tasks(published) -> None:
    result, frames, _ = published
    QUARTER = _quarter(result)
    people = expected.persons(frames, QUARTER)
    per_person = (
        expected.clients(frames, QUARTER).group_by("pseudonym").len().join(people, on="pseudonym")
    )
    table = result["persons_county"]
    for (county,), n in counts(per_person, ["county"]).items():
        assert value(table, alue=county, mittari="any") == n
    for (county,), n in counts(per_person.filter(pl.col("len") > 1), ["county"]).items():
        assert value(table, alue=county, mittari="multiple") == n


def test_new_and_ended_periods(published) -> None:
    result, frames, _ = published
    QUARTER = _quarter(result)
    periods = frames["asiakkuusjaksot"].join(expected.persons(frames, QUARTER), on="pseudonym")
    table = result["periods_county"]
    for event, column in (("new", "alkupvm"), ("ended", "loppupvm")):
        hits = periods.filter(expected.in_quarter(column, QUARTER))
        assert value(table, tapahtuma=event) == hits.height
        for (task, age), n in counts(hits, ["palvelutehtava", "age"]).items():
            assert value(table, tapahtuma=event, palvelutehtava=task, ikaryhma=age) == n


def test_child_welfare_clients_new_and_ended(published) -> None:
    result, frames, _ = published
    QUARTER = _quarter(result)
    rel = expected.overlapping(frames["lastensuojelu"], QUARTER, "alkupvm", "loppupvm").join(
        expected.persons(frames, QUARTER), on="pseudonym"
    )
    table = result["child_welfare_county"]
    assert value(table, mittari="clients") == rel["pseudonym"].n_unique()
    assert (
        value(table, mittari="new")
        == rel.filter(expected.in_quarter("alkupvm", QUARTER))["pseudonym"].n_unique()
    )
    assert (
        value(table, mittari="ended")
        == rel.filter(expected.in_quarter("loppupvm", QUARTER))["pseudonym"].n_unique()
    )
    for (sex,), n in counts(rel.unique("pseudonym"), ["sex"]).items():
        assert value(table, mittari="clients", sukupuoli=sex) == n


def test_decisions_by_service_and_type(published) -> None:
    result, frames, _ = published
    QUARTER = _quarter(result)
    decisions = frames["palvelupaatokset"].join(expected.persons(frames, QUARTER), on="pseudonym")
    county = result["decisions_county"]
    for (service, kind), n in counts(decisions, ["sosiaalipalvelu", "paatoksen_tyyppi"]).items():
        assert value(county, sosiaalipalvelu=service, paatoksen_tyyppi=kind) == n
    municipal = result["decisions_municipality"]
    assert "sukupuoli" not in municipal.dims
    for (m, kind), n in counts(decisions, ["municipality", "paatoksen_tyyppi"]).items():
        assert value(municipal, alue=m, paatoksen_tyyppi=kind) == n
    # contributors: distinct persons behind each cell, the basis of the primary rule
    row = county.cells.filter(*[pl.col(d) == TOTAL for d in county.dims])
    assert row["contributors"][0] == decisions["pseudonym"].n_unique()


def test_services_by_social_service(published) -> None:
    result, frames, _ = published
    QUARTER = _quarter(result)
    services = expected.overlapping(frames["palvelutiedot"], QUARTER, "alkupvm", "loppupvm")
    services = services.unique(["pseudonym", "sosiaalipalvelu"]).join(
        expected.persons(frames, QUARTER), on="pseudonym"
    )
    table = result["services_county"]
    for (service, county), n in counts(services, ["sosiaalipalvelu", "county"]).items():
        assert value(table, sosiaalipalvelu=service, alue=county) == n


def test_time_series_repeats_each_quarters_published_cells(published, register_db) -> None:
    result, _, settings = published
    QUARTER = _Q
    conn, _ = register_db
    trend = result["trend_county"]
    assert trend.dimension("vuosineljannes").codes == (str(QUARTER.previous()), str(QUARTER))
    earlier = {
        t.id: t
        for t in tables.compute_definition(
            conn, tables.BY_ID["clients"], QUARTER.previous(), settings
        )
    }["clients_county"]
    for q, source in ((str(QUARTER.previous()), earlier), (str(QUARTER), result["clients_county"])):
        slice_ = source.cells.filter((pl.col("sukupuoli") == TOTAL) & (pl.col("ikaryhma") == TOTAL))
        got = trend.cells.filter(
            (pl.col("vuosineljannes") == q) & (pl.col("palvelutehtava") != TOTAL)
        )
        joined = slice_.join(got, on=["alue", "palvelutehtava"], how="full", suffix="_t")
        assert joined.filter(pl.col("value") != pl.col("value_t")).is_empty()
        assert (joined["status"].is_null() == joined["status_t"].is_null()).all()


def test_every_published_table_is_protected(published) -> None:
    """No suppressed cell can be recovered from the published cells of its table."""
    result, _, settings = published
    threshold = settings.suppression_threshold
    hidden_total = 0
    for table in result.values():
        full = table.full()
        codes = {d.name: list(d.codes) for d in table.dimensions}
        parents = {d.name: dict(d.parents) for d in table.dimensions if d.parents}
        values = {tuple(r[:-1]): r[-1] for r in full.select(*table.dims, "value").iter_rows()}
        suppressed = {
            tuple(r)
            for r in full.filter(pl.col("status").is_not_null()).select(table.dims).iter_rows()
        }
        hidden_total += len(suppressed)
        small = full.filter(pl.col("value").is_between(1, threshold - 1))
        assert small.filter(pl.col("status").is_null()).is_empty(), table.id
        if not parents:
            continue
        assert not lines_with_one_suppressed(suppressed, codes, parents, values), table.id
        for cell, (low, high) in feasible_ranges(
            values, suppressed, codes, parents, threshold
        ).items():
            assert high - low >= threshold - 1e-6, (table.id, cell, low, high)
    assert hidden_total > 0


def test_linked_levels_agree_on_shared_cells(published) -> None:
    result, _, _ = published
    for definition in tables.DEFINITIONS:
        county = result[f"{definition.id}_county"].cells
        municipal = result[f"{definition.id}_municipality"].cells
        common = result[f"{definition.id}_municipality"].dims
        only_county = [d for d in result[f"{definition.id}_county"].dims if d not in common]
        county = county.filter(*[pl.col(d) == TOTAL for d in only_county], pl.lit(True))
        joined = municipal.join(county, on=common, suffix="_c")
        assert joined.height > 0
        assert (joined["status"].is_null() == joined["status_c"].is_null()).all(), definition.id
