"""Property: the columnar derivation of II agrees with a day-by-day reference on random extracts.

The reference resolves versions record by record and then walks the calendar. Each day has a
morning and a noon: a case covers its opening day's morning through its closing day's noon, so
a case opened on the day another closes meets it (one period) while a case opened the day
after leaves that day's morning uncovered (a new period). Periods are the runs of covered
half-days; a run still covered at the horizon is open.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sosdata import identity
from sosdata.kanta.derive import derive
from sosdata.kanta.extract import conform, read_extract, write_extract
from sosdata.periods import Quarter

EPOCH = dt.date(2022, 10, 1)
SPAN = 240  # days covered by random cases: 2022-10-01 … 2023-05-29
ORGANISERS = ["1.2.246.10.9999901.10.0", "1.2.246.10.9999902.10.0"]
PEOPLE = [identity.make(dt.date(1980 + i, 1, 1), 900 + i) for i in range(3)]
TASKS = ["1", "2", "4"]

case_version = st.fixed_dictionaries(
    {
        "opened": st.integers(0, SPAN - 1),
        "length": st.one_of(st.none(), st.integers(0, 40)),
        "status": st.sampled_from(["active"] * 5 + ["cancelled"]),
        "hour": st.integers(0, 3),
    }
)
document_set = st.fixed_dictionaries(
    {
        "organiser": st.sampled_from(ORGANISERS),
        "person": st.sampled_from(PEOPLE),
        "tasks": st.lists(st.sampled_from(TASKS), min_size=1, max_size=2, unique=True),
        "versions": st.lists(st.tuples(st.integers(1, 3), case_version), min_size=1, max_size=3),
    }
)
extracts = st.lists(document_set, max_size=25)


def _records(sets: list[dict]) -> list[dict]:
    records = []
    for n, document in enumerate(sets):
        for k, (version, v) in enumerate(document["versions"]):
            opened = EPOCH + dt.timedelta(days=v["opened"])
            closed = None if v["length"] is None else opened + dt.timedelta(days=v["length"])
            records.append(
                {
                    "document_id": f"d{n}-{k}",
                    "set_id": f"s{n}",
                    "version": version,
                    "version_time": dt.datetime(2023, 6, 1, v["hour"], tzinfo=dt.UTC),
                    "status": v["status"],
                    "document_type": "case",
                    "organiser": document["organiser"],
                    "identity_code": document["person"],
                    "home_municipality": "091",
                    "sex": "1",
                    "service_tasks": document["tasks"],
                    "case_opened": opened,
                    "case_closed": closed,
                }
            )
    return records


def reference(records: list[dict], period: Quarter) -> list[tuple]:
    """Versions record by record (later record wins ties), then a walk over half-days."""
    latest: dict[str, dict] = {}
    for r in records:
        held = latest.get(r["set_id"])
        if held is None or (r["version"], r["version_time"]) >= (
            held["version"],
            held["version_time"],
        ):
            latest[r["set_id"]] = r
    horizon = 2 * (SPAN + 60)
    covered: dict[tuple, list[bool]] = {}
    for r in latest.values():
        if r["status"] != "active":
            continue
        first = 2 * (r["case_opened"] - EPOCH).days
        last = horizon if r["case_closed"] is None else 2 * (r["case_closed"] - EPOCH).days
        for task in r["service_tasks"]:
            days = covered.setdefault(
                (r["organiser"], r["identity_code"], task), [False] * (horizon + 1)
            )
            for point in range(first, last + 1):
                days[point] = True
    periods = []
    for (organiser, person, task), days in covered.items():
        point = 0
        while point <= horizon:
            if not days[point]:
                point += 1
                continue
            start = point
            while point <= horizon and days[point]:
                point += 1
            end = point - 1
            start_day = EPOCH + dt.timedelta(days=start // 2)
            end_day = None if end == horizon else EPOCH + dt.timedelta(days=end // 2)
            if period.overlaps(start_day, end_day):
                periods.append((organiser, person, task, start_day, end_day))
    return sorted(periods, key=lambda p: (p[0], p[1], p[2], p[3]))


def _derived(frame: pl.DataFrame, period: Quarter) -> list[tuple]:
    rows = derive(frame, period).rows["asiakkuusjaksot"]
    return sorted(
        rows.select("jarjestaja", "henkilotunnus", "palvelutehtava", "alkupvm", "loppupvm").rows(),
        key=lambda p: (p[0], p[1], p[2], p[3]),
    )


@settings(max_examples=100, deadline=None)
@given(sets=extracts, quarter=st.sampled_from(["2022Q4", "2023Q1", "2023Q2"]))
def test_periods_match_the_day_by_day_reference(sets, quarter):
    records = _records(sets)
    period = Quarter.parse(quarter)
    frame = conform(pl.DataFrame(records)) if records else conform(pl.DataFrame())
    assert _derived(frame, period) == reference(records, period)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sets=extracts)
def test_json_lines_and_parquet_derive_alike(tmp_path, sets):
    frame = conform(pl.DataFrame(_records(sets))) if sets else conform(pl.DataFrame())
    period = Quarter.parse("2023Q1")
    expected = _derived(frame, period)
    for suffix in (".jsonl", ".parquet"):
        path = write_extract(frame, tmp_path / f"extract{suffix}")
        extract = read_extract(path)
        assert extract.malformed.is_empty()
        assert _derived(extract.frame, period) == expected
