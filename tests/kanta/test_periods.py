"""Component II from case documents: the hand-made table of merging cases into periods."""

from __future__ import annotations

import polars as pl
import pytest

from sosdata.components import CLIENT_PERIODS
from sosdata.kanta.derive import derive
from sosdata.periods import Quarter

Q1 = Quarter.parse("2023Q1")

# Each case: (task(s), opened, closed[, extra keyword arguments]); expected: the quarter's
# periods as (task, start, end). A case opened on or before the day the earlier cases closed
# continues their period; opened the day after or later it starts a new one.
TABLE = {
    "overlapping": (
        [("1", "2023-01-01", "2023-02-15"), ("1", "2023-02-01", "2023-03-10")],
        [("1", "2023-01-01", "2023-03-10")],
    ),
    "touching: opened on the closing day continues": (
        [("1", "2023-01-01", "2023-01-31"), ("1", "2023-01-31", "2023-02-20")],
        [("1", "2023-01-01", "2023-02-20")],
    ),
    "opened the day after the close: a new period (two in one quarter)": (
        [("1", "2023-01-01", "2023-01-31"), ("1", "2023-02-01", "2023-02-20")],
        [("1", "2023-01-01", "2023-01-31"), ("1", "2023-02-01", "2023-02-20")],
    ),
    "gapped": (
        [("1", "2023-01-01", "2023-01-10"), ("1", "2023-02-01", "2023-02-20")],
        [("1", "2023-01-01", "2023-01-10"), ("1", "2023-02-01", "2023-02-20")],
    ),
    "three periods in one quarter, unordered input": (
        [
            ("1", "2023-03-01", "2023-03-05"),
            ("1", "2023-01-01", "2023-01-05"),
            ("1", "2023-02-01", "2023-02-05"),
        ],
        [
            ("1", "2023-01-01", "2023-01-05"),
            ("1", "2023-02-01", "2023-02-05"),
            ("1", "2023-03-01", "2023-03-05"),
        ],
    ),
    "open case keeps the period open": (
        [("1", "2022-05-01", None), ("1", "2023-02-01", "2023-02-05")],
        [("1", "2022-05-01", None)],
    ),
    "a later open case turns the period open": (
        [("1", "2023-01-01", "2023-03-01"), ("1", "2023-02-15", None)],
        [("1", "2023-01-01", None)],
    ),
    "a short case inside a long one does not end the period": (
        [
            ("1", "2023-01-01", "2023-03-01"),
            ("1", "2023-01-05", "2023-01-10"),
            ("1", "2023-02-01", "2023-02-10"),
        ],
        [("1", "2023-01-01", "2023-03-01")],
    ),
    "open case alone": ([("1", "2023-02-10", None)], [("1", "2023-02-10", None)]),
    "several tasks are merged separately": (
        [
            ("1", "2023-01-01", "2023-02-01"),
            ("2", "2023-01-15", "2023-03-01"),
            ("2", "2023-03-01", None),
        ],
        [("1", "2023-01-01", "2023-02-01"), ("2", "2023-01-15", None)],
    ),
    "a case in two tasks counts in both": (
        [(["1", "4"], "2023-01-01", "2023-02-01"), ("4", "2023-02-01", "2023-02-20")],
        [("1", "2023-01-01", "2023-02-01"), ("4", "2023-01-01", "2023-02-20")],
    ),
    "a period crossing both quarter borders": (
        [("1", "2022-11-01", "2023-01-15"), ("1", "2023-01-10", "2023-04-15")],
        [("1", "2022-11-01", "2023-04-15")],
    ),
    "periods outside the quarter are left out": (
        [
            ("1", "2022-01-01", "2022-12-31"),
            ("1", "2023-04-01", None),
            ("2", "2022-06-01", "2022-06-30"),
        ],
        [],
    ),
    "ending on the first day and starting on the last day are in": (
        [("1", "2022-12-01", "2023-01-01"), ("1", "2023-03-31", "2023-05-01")],
        [("1", "2022-12-01", "2023-01-01"), ("1", "2023-03-31", "2023-05-01")],
    ),
    "a case before the quarter reaches into it through a continuing case": (
        [("1", "2022-10-01", "2022-12-31"), ("1", "2022-12-31", "2023-01-02")],
        [("1", "2022-10-01", "2023-01-02")],
    ),
}


def _expected(rows: list[tuple]) -> list[tuple]:
    return sorted(
        (t, pl.Series([s]).str.to_date()[0], None if e is None else pl.Series([e]).str.to_date()[0])
        for t, s, e in rows
    )


def _periods(frame: pl.DataFrame) -> list[tuple]:
    return sorted(frame.select("palvelutehtava", "alkupvm", "loppupvm").iter_rows())


@pytest.mark.parametrize("name", TABLE)
def test_case_table(docs, name):
    cases, expected = TABLE[name]
    for tasks, opened, closed in cases:
        docs.case(opened, closed, tasks=tasks if isinstance(tasks, list) else [tasks])
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert rows.columns == CLIENT_PERIODS.column_names
    assert rows.schema == CLIENT_PERIODS.schema
    assert _periods(rows) == _expected(expected)


def test_a_new_version_moving_the_closing_date_joins_two_periods(docs):
    moved = docs.case("2023-01-01", "2023-01-10")
    docs.case("2023-02-01", "2023-02-20")
    assert len(derive(docs.frame(), Q1).rows["asiakkuusjaksot"]) == 2
    docs.case("2023-01-01", "2023-02-05", set_id=moved, version=2)
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert _periods(rows) == _expected([("1", "2023-01-01", "2023-02-20")])


def test_a_new_version_closing_an_open_case_splits_the_period(docs):
    moved = docs.case("2023-01-01", None)
    docs.case("2023-02-01", "2023-02-20")
    docs.case("2023-01-01", "2023-01-20", set_id=moved, version=2)
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert _periods(rows) == _expected(
        [("1", "2023-01-01", "2023-01-20"), ("1", "2023-02-01", "2023-02-20")]
    )


def test_the_highest_version_wins_whatever_the_record_order(docs):
    moved = docs.case("2023-01-01", "2023-03-01", version=3)
    docs.case("2023-01-01", "2023-01-05", set_id=moved, version=2, hours=500)
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert _periods(rows) == _expected([("1", "2023-01-01", "2023-03-01")])


def test_a_cancelled_latest_version_removes_the_case(docs):
    gone = docs.case("2022-06-01", None)
    docs.case("2023-02-01", "2023-02-20")
    docs.case("2022-06-01", None, set_id=gone, version=2, status="cancelled")
    result = derive(docs.frame(), Q1)
    assert _periods(result.rows["asiakkuusjaksot"]) == _expected(
        [("1", "2023-02-01", "2023-02-20")]
    )
    assert result.summary["cancelled_sets"] == 1
    assert result.summary["versions_superseded"] == 1
    assert result.summary["document_sets"] == 2


def test_a_cancelled_version_followed_by_an_active_one_keeps_the_case(docs):
    back = docs.case("2023-01-01", "2023-01-05")
    docs.case("2023-01-01", "2023-01-05", set_id=back, version=2, status="cancelled")
    docs.case("2023-01-01", "2023-01-25", set_id=back, version=3)
    result = derive(docs.frame(), Q1)
    assert _periods(result.rows["asiakkuusjaksot"]) == _expected(
        [("1", "2023-01-01", "2023-01-25")]
    )
    assert result.summary["cancelled_sets"] == 0


def test_equal_versions_the_later_version_time_wins(docs):
    tied = docs.case("2023-01-01", "2023-01-31", hours=10)
    docs.case("2023-01-01", "2023-01-05", set_id=tied, hours=5)
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert _periods(rows) == _expected([("1", "2023-01-01", "2023-01-31")])


def test_people_and_organisers_are_merged_apart(docs):
    docs.case("2023-01-01", "2023-01-31")
    docs.case("2023-01-15", "2023-02-28", organiser=docs.OTHER_ORGANISER)
    docs.case("2023-01-20", "2023-03-01", person=docs.OTHER_PERSON)
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    got = sorted(rows.select("jarjestaja", "henkilotunnus", "alkupvm").iter_rows())
    assert len(got) == 3
    assert {(o, p) for o, p, _ in got} == {
        (docs.ORGANISER, docs.PERSON),
        (docs.OTHER_ORGANISER, docs.PERSON),
        (docs.ORGANISER, docs.OTHER_PERSON),
    }


def test_identifying_details_come_from_the_latest_opened_case(docs):
    docs.case("2023-01-01", "2023-02-01")
    docs.add(
        "case",
        case_opened=pl.Series(["2023-01-20"]).str.to_date()[0],
        case_closed=None,
        home_municipality="049",
    )
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert rows.select("kotikunta", "alkupvm", "loppupvm").rows() == [
        ("049", pl.Series(["2023-01-01"]).str.to_date()[0], None)
    ]


def test_periods_need_the_whole_history_not_only_the_quarter(docs):
    # the first case closed long before the quarter still decides where the period starts
    docs.case("2021-01-01", "2022-06-30")
    docs.case("2022-06-30", "2022-12-31")
    docs.case("2022-12-15", None)
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert _periods(rows) == _expected([("1", "2021-01-01", None)])
