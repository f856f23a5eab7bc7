"""Components III–V from client-relationship, decision and implementation-phase documents."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sosdata.components import COMPONENTS
from sosdata.kanta.derive import derive, structure_at_least
from sosdata.periods import Quarter

Q1 = Quarter.parse("2023Q1")
D = dt.date.fromisoformat


def _relationship(docs, structure: str, start=None, end=None, units=None, **kw) -> str:
    return docs.add(
        "client_relationship",
        structure_version=structure,
        cw27_start=None if start is None else D(start),
        cw27_end=None if end is None else D(end),
        service_unit_relationships=units,
        tasks=kw.pop("tasks", ["4"]),
        **kw,
    )


@pytest.mark.parametrize(
    ("version", "capable"),
    [
        ("10.1.22", True),
        ("10.1.23", True),
        ("10.2", True),
        ("10.2.0", True),
        ("11", True),
        ("10.1.100", True),
        ("10.1.21", False),
        ("10.1.3", False),
        ("10.0.99", False),
        ("9.9.99", False),
        ("10.1", False),
        ("v10.1.22", False),
        ("", False),
        (None, False),
    ],
)
def test_structure_version_comparison(version, capable):
    frame = pl.DataFrame({"structure_version": [version]}, schema={"structure_version": pl.String})
    assert frame.select(structure_at_least((10, 1, 22))).item() is capable


def test_section_27_comes_from_the_newest_capable_document(docs):
    _relationship(docs, "10.1.22", "2022-01-01", None, hours=1)
    _relationship(docs, "10.2.0", "2022-06-01", "2023-02-15", hours=2)
    # newer, but its structure carries no section-27 data: ignored for III
    _relationship(docs, "10.1.21", "2020-01-01", None, hours=3)
    rows = derive(docs.frame(), Q1).rows["lastensuojelu"]
    assert rows.columns == COMPONENTS["lastensuojelu"].column_names
    assert rows.select("alkupvm", "loppupvm").rows() == [(D("2022-06-01"), D("2023-02-15"))]


def test_no_section_27_row_when_the_newest_document_has_none(docs):
    _relationship(docs, "10.1.22", "2022-01-01", None, hours=1)
    _relationship(docs, "10.1.22", None, None, hours=2)
    assert derive(docs.frame(), Q1).rows["lastensuojelu"].is_empty()


def test_section_27_outside_the_quarter_is_left_out(docs):
    _relationship(docs, "10.1.22", "2021-01-01", "2022-12-31")
    _relationship(docs, "10.1.22", "2023-04-01", None, person=docs.OTHER_PERSON)
    assert derive(docs.frame(), Q1).rows["lastensuojelu"].is_empty()


def test_cancelled_newest_relationship_document_falls_back_to_the_previous(docs):
    _relationship(docs, "10.1.22", "2022-01-01", None, hours=1)
    newest = _relationship(docs, "10.1.22", "2022-09-01", None, hours=2)
    _relationship(docs, "10.1.22", "2022-09-01", None, set_id=newest, version=2, status="cancelled")
    rows = derive(docs.frame(), Q1).rows["lastensuojelu"]
    assert rows["alkupvm"].to_list() == [D("2022-01-01")]


def _decision(docs, **fields) -> str:
    values = {
        "social_service": "7",
        "refined_type": True,
        "decision_date": D("2023-01-10"),
        "valid_from": D("2023-01-15"),
        "valid_to": None,
        "decision_type": "1",
    } | fields
    return docs.add("decision", **values)


def test_decisions_need_service_refined_type_and_validity(docs):
    _decision(docs)
    _decision(docs, social_service=None)
    _decision(docs, refined_type=False)
    _decision(docs, refined_type=None)
    _decision(docs, valid_from=None)
    rows = derive(docs.frame(), Q1).rows["palvelupaatokset"]
    assert rows.columns == COMPONENTS["palvelupaatokset"].column_names
    assert rows.rows() == [
        (
            docs.ORGANISER,
            docs.PERSON,
            "091",
            "1",
            "7",
            "1",
            D("2023-01-10"),
            D("2023-01-15"),
            None,
            "1",
        )
    ]


def test_decisions_outside_the_quarter_or_made_after_it_are_left_out(docs):
    _decision(
        docs, decision_date=D("2021-12-20"), valid_from=D("2022-01-01"), valid_to=D("2022-12-31")
    )
    _decision(docs, decision_date=D("2023-04-02"), valid_from=D("2023-03-01"))
    _decision(docs, decision_date=D("2023-04-02"), valid_from=D("2023-04-02"))
    _decision(docs, decision_type="2", valid_from=D("2022-12-01"), valid_to=D("2023-01-01"))
    rows = derive(docs.frame(), Q1).rows["palvelupaatokset"]
    assert rows["paatoksen_tyyppi"].to_list() == ["2"]


def test_decision_task_only_when_the_document_names_one(docs):
    _decision(docs, tasks=["2", "5"], social_service="5")
    _decision(docs, tasks=[], social_service="6")
    _decision(docs, tasks=["5"], social_service="8")
    rows = derive(docs.frame(), Q1).rows["palvelupaatokset"]
    got = dict(rows.select("sosiaalipalvelu", "palvelutehtava").iter_rows())
    assert got == {"5": None, "6": None, "8": "5"}


def test_identical_decisions_give_one_row(docs):
    _decision(docs)
    _decision(docs)
    assert derive(docs.frame(), Q1).rows["palvelupaatokset"].height == 1


def test_services_from_implementation_documents(docs):
    docs.add("implementation", event_date=D("2023-02-01"), social_services=["21", "29"])
    docs.add("implementation", event_date=D("2023-04-01"), social_services=["21"])
    docs.add("implementation", event_date=D("2023-03-31"), social_services=[])
    docs.add("implementation", event_date=D("2023-01-01"), social_services=None)
    rows = derive(docs.frame(), Q1).rows["palvelutiedot"]
    assert rows.columns == COMPONENTS["palvelutiedot"].column_names
    assert sorted(
        rows.select("sosiaalipalvelu", "palvelutehtava", "alkupvm", "loppupvm").rows()
    ) == [
        ("21", "1", D("2023-02-01"), D("2023-02-01")),
        ("29", "1", D("2023-02-01"), D("2023-02-01")),
    ]


def test_services_from_service_unit_relationships_of_the_newest_document(docs):
    old = [{"social_service": "19", "start": D("2022-01-01"), "end": None}]
    units = [
        {"social_service": "13", "start": D("2022-05-01"), "end": None},
        {"social_service": "18", "start": D("2023-03-01"), "end": D("2023-05-01")},
        {"social_service": "30", "start": D("2021-01-01"), "end": D("2022-12-31")},
        {"social_service": None, "start": D("2023-01-01"), "end": None},
    ]
    # the service-unit relationships of the newest document, of any structure version
    _relationship(docs, "10.1.22", units=old, hours=1)
    _relationship(docs, "10.1.20", units=units, hours=2, tasks=["5"])
    rows = derive(docs.frame(), Q1).rows["palvelutiedot"]
    assert sorted(
        rows.select("sosiaalipalvelu", "palvelutehtava", "alkupvm", "loppupvm").rows()
    ) == [
        ("13", "5", D("2022-05-01"), None),
        ("18", "5", D("2023-03-01"), D("2023-05-01")),
    ]


def test_summary_counts(docs):
    a = docs.case("2023-01-01", None)
    docs.case("2023-01-01", "2023-01-02", set_id=a, version=2)
    b = _decision(docs)
    docs.add("decision", set_id=b, version=2, status="cancelled")
    docs.add("implementation", event_date=D("2023-02-01"), social_services=["21"])
    result = derive(docs.frame(), Q1)
    assert result.summary == {
        "period": "2023Q1",
        "documents_read": 5,
        "document_sets": 3,
        "versions_superseded": 2,
        "cancelled_sets": 1,
        "malformed": 0,
        "rows": {
            "asiakkuusjaksot": 1,
            "lastensuojelu": 0,
            "palvelupaatokset": 0,
            "palvelutiedot": 1,
        },
    }
    for name, frame in result.rows.items():
        assert frame.schema == COMPONENTS[name].schema


def test_an_empty_extract_gives_empty_typed_components(docs):
    result = derive(docs.frame(), Q1)
    assert all(f.is_empty() for f in result.rows.values())
    assert {n: f.schema for n, f in result.rows.items()} == {
        n: c.schema for n, c in COMPONENTS.items()
    }
