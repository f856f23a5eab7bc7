"""The derivation as the source documents word it: decisions made in the quarter, the optional
service task of V, dates and timestamps as people write them (docs/kanta-extract.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sosdata.kanta.derive import derive
from sosdata.kanta.extract import read_extract
from sosdata.periods import Quarter

from .conftest import ORGANISER, PERSON, Documents

Q1 = Quarter.parse("2023Q1")
Q2 = Quarter.parse("2023Q2")
D = dt.date.fromisoformat


def _decision(docs: Documents, **fields) -> str:
    values = {
        "social_service": "7",
        "refined_type": True,
        "decision_date": D("2023-02-10"),
        "valid_from": D("2023-02-15"),
        "valid_to": None,
        "decision_type": "1",
    } | fields
    return docs.add("decision", **values)


def test_a_decision_made_in_q1_taking_effect_in_q2_is_data_of_both(docs):
    """The notification document (seed 000) lists the decision data: "Positivt servicebeslut
    som fattats under uppföljningsperioden", "Gällande servicebeslut som fattats före
    uppföljningsperioden och som fortsätter att gälla under hela uppföljningsperioden",
    "Servicebeslut som upphör att gälla under uppföljningsperioden", "Negativt servicebeslut".
    """
    _decision(docs, decision_date=D("2023-03-20"), valid_from=D("2023-04-01"))
    frame = docs.frame()
    for quarter in (Q1, Q2):
        rows = derive(frame, quarter).rows["palvelupaatokset"]
        assert rows.select("paatospvm", "voimassa_alkaen").rows() == [
            (D("2023-03-20"), D("2023-04-01"))
        ], quarter
    # made in Q1, it is no data of the quarter before it
    assert derive(frame, Quarter.parse("2022Q4")).rows["palvelupaatokset"].is_empty()


def test_the_four_kinds_of_decision_data(docs):
    """Each of the four kinds of seed 000 gives a row of 2023Q1; a decision made before the
    quarter that ended before it gives none."""
    _decision(docs, decision_date=D("2023-01-05"), valid_from=D("2023-05-01"))  # made in it
    _decision(  # made before, in force through the whole quarter
        docs, social_service="8", decision_date=D("2022-06-01"), valid_from=D("2022-06-01")
    )
    _decision(  # ends during the quarter
        docs,
        social_service="9",
        decision_date=D("2022-06-01"),
        valid_from=D("2022-06-01"),
        valid_to=D("2023-02-01"),
    )
    _decision(  # negative, made in the quarter
        docs, social_service="10", decision_type="2", decision_date=D("2023-03-01")
    )
    _decision(  # none of them: made and ended before the quarter
        docs,
        social_service="11",
        decision_date=D("2022-06-01"),
        valid_from=D("2022-06-01"),
        valid_to=D("2022-12-31"),
    )
    rows = derive(docs.frame(), Q1).rows["palvelupaatokset"]
    assert sorted(rows["sosiaalipalvelu"].to_list()) == ["10", "7", "8", "9"]


def test_v_rows_without_a_task_are_derived(docs):
    """Seed 001 on V: "Serviceuppgiften och inledandet och avslutandet av servicen är frivilliga
    uppgifter": a document naming two tasks, or none, still gives its service."""
    docs.add("implementation", event_date=D("2023-02-01"), social_services=["7"], tasks=["2", "5"])
    docs.add("implementation", event_date=D("2023-02-02"), social_services=["8"], tasks=[])
    docs.add(
        "implementation", event_date=D("2023-02-03"), social_services=["9"], service_tasks=None
    )
    rows = derive(docs.frame(), Q1).rows["palvelutiedot"]
    assert rows.select("sosiaalipalvelu", "palvelutehtava").sort("sosiaalipalvelu").rows() == [
        ("7", None),
        ("8", None),
        ("9", None),
    ]


def _with_tasks(tasks: list[str] | None) -> Documents:
    """Documents of each kind giving IV and V whose ``service_tasks`` is ``tasks`` (None: the
    field is missing)."""
    docs = Documents()
    docs.add(
        "implementation", event_date=D("2023-02-01"), social_services=["7"], service_tasks=tasks
    )
    _decision(docs, service_tasks=tasks)
    docs.add(
        "client_relationship",
        structure_version="10.1.22",
        service_unit_relationships=[{"social_service": "8", "start": D("2023-01-01"), "end": None}],
        service_tasks=tasks,
    )
    return docs


def test_a_missing_task_list_and_an_empty_one_are_alike():
    """Neither names a task: IV and V rows alike, no row lost."""
    missing = derive(_with_tasks(None).frame(), Q1).rows
    empty = derive(_with_tasks([]).frame(), Q1).rows
    for name in ("palvelupaatokset", "palvelutiedot"):
        assert missing[name].equals(empty[name]), name
        assert missing[name].height and missing[name]["palvelutehtava"].is_null().all()


@settings(max_examples=25, deadline=None)
@given(task=st.sampled_from(["1", "2", "3", "4", "5", "6"]), repeats=st.integers(1, 4))
def test_a_task_repeated_in_one_list_counts_once(task, repeats):
    """A document's list naming the same task several times names one task: the footnote
    "Om klientrelationsperioden endast gäller en serviceuppgift → ifrågavarande
    serviceuppgift" gives it to the row."""
    rows = derive(_with_tasks([task] * repeats).frame(), Q1).rows
    for name in ("palvelupaatokset", "palvelutiedot"):
        assert rows[name]["palvelutehtava"].to_list() == [task] * rows[name].height, name
        assert rows[name].height >= 1


def test_9999_12_31_is_no_end_in_every_component(docs):
    """An end of 9999-12-31 is "no end" ("Om datum för avslutande saknas innebär det att
    klientrelationen fortsätter") in II–V alike."""
    never = D("9999-12-31")
    docs.case("2022-05-01", "9999-12-31")
    docs.add(
        "client_relationship",
        structure_version="10.1.22",
        cw27_start=D("2022-01-01"),
        cw27_end=never,
        service_unit_relationships=[
            {"social_service": "8", "start": D("2022-01-01"), "end": never}
        ],
    )
    _decision(docs, valid_to=never)
    rows = derive(docs.frame(), Q1).rows
    ends = {
        "asiakkuusjaksot": "loppupvm",
        "lastensuojelu": "loppupvm",
        "palvelupaatokset": "voimassa_asti",
        "palvelutiedot": "loppupvm",
    }
    for name, end in ends.items():
        assert rows[name].height >= 1, name
        assert rows[name][end].to_list() == [None] * rows[name].height, name


# ----------------------------------------------------------------------------- the extract


def _write(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "extract.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _case(n: int, **fields) -> dict:
    return {
        "document_id": f"D{n}",
        "set_id": f"S{n}",
        "version": 1,
        "status": "active",
        "document_type": "case",
        "organiser": ORGANISER,
        "identity_code": PERSON,
        "home_municipality": "091",
        "sex": "1",
        "service_tasks": ["2"],
        "case_opened": "2023-01-03",
        **fields,
    }


@settings(max_examples=40, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 1, 1)),
    offset_minutes=st.integers(-12 * 4, 14 * 4).map(lambda q: q * 15),
    form=st.sampled_from(["colon", "compact", "hours", "zulu"]),
    seconds=st.booleans(),
    separator=st.sampled_from(["T", " "]),
)
def test_iso_8601_timestamps_as_people_write_them(
    tmp_path_factory, moment, offset_minutes, form, seconds, separator
):
    """The extract document: timestamps are ISO 8601 — with ``Z`` or an offset written
    ``+02:00``, ``+0200`` or ``+02``, with or without seconds — and all mean one instant."""
    moment = moment.replace(microsecond=0, second=moment.second if seconds else 0)
    if form == "zulu":
        offset_minutes = 0
    if form == "hours":
        offset_minutes -= offset_minutes % 60
    tz = dt.timezone(dt.timedelta(minutes=offset_minutes))
    local = moment.replace(tzinfo=tz)
    sign = "-" if offset_minutes < 0 else "+"
    hh, mm = divmod(abs(offset_minutes), 60)
    suffix = {
        "colon": f"{sign}{hh:02}:{mm:02}",
        "compact": f"{sign}{hh:02}{mm:02}",
        "hours": f"{sign}{hh:02}",
        "zulu": "Z",
    }[form]
    clock = "%H:%M:%S" if seconds else "%H:%M"
    text = local.strftime(f"%Y-%m-%d{separator}{clock}") + suffix
    path = _write(tmp_path_factory.mktemp("ts"), [_case(1, version_time=text)])
    extract = read_extract(path)
    assert extract.malformed.is_empty(), (text, extract.malformed)
    got = extract.frame["version_time"].item()
    assert got == local.astimezone(dt.UTC), text


def test_the_examples_of_the_issue_are_one_instant(tmp_path):
    texts = ["2023-01-31T12:00Z", "2023-01-31T14:00+02:00", "2023-01-31T14:00+0200"]
    extract = read_extract(
        _write(tmp_path, [_case(n, version_time=t) for n, t in enumerate(texts)])
    )
    assert extract.malformed.is_empty()
    assert set(extract.frame["version_time"]) == {dt.datetime(2023, 1, 31, 12, tzinfo=dt.UTC)}


def test_a_version_that_is_not_an_integer_is_malformed(tmp_path):
    """The extract document: a record is malformed when "a version that is not an integer";
    a JSON text "2" and the number 2.0 are not integers."""
    records = [
        _case(1, version=2),
        _case(2, version="2"),
        _case(3, version=2.0),
        _case(4, version=2.5),
    ]
    extract = read_extract(_write(tmp_path, records))
    assert extract.frame["document_id"].to_list() == ["D1"]
    assert extract.malformed.select("line", "column").rows() == [
        (2, "version"),
        (3, "version"),
        (4, "version"),
    ]


def test_a_record_is_not_dropped_for_a_field_its_type_does_not_have(tmp_path):
    """A case document carrying a broken decision or section-27 date keeps its case: the field
    is not one of a case's and is ignored; a broken field of its own still makes it malformed."""
    records = [
        _case(1, cw27_start="31.1.2023", valid_from="soon", event_date=17),
        _case(2, case_closed="31.1.2023"),
    ]
    extract = read_extract(_write(tmp_path, records))
    assert extract.frame["document_id"].to_list() == ["D1"]
    assert extract.frame.select("cw27_start", "valid_from", "event_date").row(0) == (
        None,
        None,
        None,
    )
    assert extract.malformed.select("line", "column").rows() == [(2, "case_closed")]
    periods = derive(extract.frame, Q1).rows["asiakkuusjaksot"]
    assert periods.select("palvelutehtava", "alkupvm").rows() == [("2", D("2023-01-03"))]


def test_parquet_versions_of_a_float_column_are_malformed(tmp_path):
    path = tmp_path / "extract.parquet"
    pl.DataFrame([_case(1) | {"version": 2.0}]).write_parquet(path)
    extract = read_extract(path)
    assert extract.frame.is_empty()
    assert extract.malformed.select("column").to_series().to_list() == ["version"]


def test_case_task_lists_missing_empty_or_repeated(docs):
    """A case listing its task twice is in that task once; a case without a task list and one
    with an empty list give the same (task-less) rows, which the delivery rules reject alike."""
    docs.case("2022-05-01", None, tasks=["2", "2"])
    rows = derive(docs.frame(), Q1).rows["asiakkuusjaksot"]
    assert rows.select("palvelutehtava", "alkupvm", "loppupvm").rows() == [
        ("2", D("2022-05-01"), None)
    ]
    missing, empty = Documents(), Documents()
    missing.case("2022-05-01", None, service_tasks=None)
    empty.case("2022-05-01", None, tasks=[])
    assert (
        derive(missing.frame(), Q1)
        .rows["asiakkuusjaksot"]
        .equals(derive(empty.frame(), Q1).rows["asiakkuusjaksot"])
    )
