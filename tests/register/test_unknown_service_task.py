"""A synthetic quarter whose services (V) lack a service task for persons with two tasks: every
such row is kept through validation, the Kanta derivation, the build and the statistics.

Seed 001 on component V: "I fråga om serviceuppgifterna för uppföljningsperioden kan endast den
erhållna socialservicen uppges. Serviceuppgiften och inledandet och avslutandet av servicen är
frivilliga uppgifter." Its footnote on the task: "Om klientrelationsperioden endast gäller en
serviceuppgift → ifrågavarande serviceuppgift."
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from sosdata import identity, organisers
from sosdata.components import COMPONENTS
from sosdata.delivery import rules, validate_path
from sosdata.kanta.pipeline import derive_path
from sosdata.periods import Quarter
from sosdata.register import store
from sosdata.statistics import tables
from sosdata.statistics.suppression import TOTAL
from world import call

#: the ids of the rules that only warn: a row breaking them is accepted
WARNINGS = {r.id for r in rules.CATALOGUE if r.severity is rules.Severity.WARNING}

Q1 = Quarter.parse("2023Q1")
KEEPER = "keeper"


def _person(n: int, born: dt.date = dt.date(1960, 3, 4)) -> str:
    return identity.make(born, 900 + n)


#: P0, P1: two tasks each in the separate II; P2: one task there; P3: one task in Kanta's II
#: only; P4: two tasks in Kanta's II; P5: no client period anywhere
P = [_person(n) for n in range(6)]


def _sex(code: str) -> str:
    return identity.parse(code).sex


@pytest.fixture
def organiser() -> organisers.Organiser:
    found = organisers.load().for_county("01")
    assert found is not None
    return found


def _delivery(root: Path, organiser: organisers.Organiser) -> Path:
    """A separate delivery (folder) of II, IV and V."""
    home = organiser.municipalities[0]

    def row(component: str, person: str, **values: str) -> dict[str, str]:
        out = {
            "jarjestaja": organiser.oid,
            "henkilotunnus": person,
            "kotikunta": home,
            "sukupuoli": _sex(person),
            **values,
        }
        return {c: out.get(c, "") for c in COMPONENTS[component].column_names}

    files = {
        "asiakkuusjaksot": [
            row("asiakkuusjaksot", P[0], palvelutehtava="1", alkupvm="2022-05-01"),
            row("asiakkuusjaksot", P[0], palvelutehtava="2", alkupvm="2023-01-10"),
            row("asiakkuusjaksot", P[1], palvelutehtava="1", alkupvm="2022-05-01"),
            row(
                "asiakkuusjaksot",
                P[1],
                palvelutehtava="3",
                alkupvm="2021-02-01",
                loppupvm="2023-02-28",
            ),
            row("asiakkuusjaksot", P[2], palvelutehtava="2", alkupvm="2022-11-01"),
        ],
        "palvelupaatokset": [
            # P3's only task comes from Kanta; made in Q1, in force from Q2 (data of Q1 too)
            row(
                "palvelupaatokset",
                P[3],
                sosiaalipalvelu="18",
                paatospvm="2023-03-20",
                voimassa_alkaen="2023-04-01",
            ),
        ],
        "palvelutiedot": [
            row("palvelutiedot", P[0], sosiaalipalvelu="7", alkupvm="2023-01-15"),
            row("palvelutiedot", P[0], sosiaalipalvelu="8"),
            row("palvelutiedot", P[1], sosiaalipalvelu="7", alkupvm="2023-02-01"),
            row("palvelutiedot", P[2], sosiaalipalvelu="7"),
            row("palvelutiedot", P[3], sosiaalipalvelu="21", alkupvm="2023-02-02"),
        ],
    }
    folder = root / "delivery"
    folder.mkdir()
    manifest = {
        "versio": "1",
        "jarjestaja": organiser.oid,
        "kuntaryhma": "Koko alue",
        "seurantajakso": str(Q1),
        "osat": list(files),
        "rajaukset": {"vain_myonteiset": False},
        "kuvaus": "Synteettinen neljännes; palvelutehtävä puuttuu palvelutiedoista.",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, rows in files.items():
        columns = COMPONENTS[name].column_names
        lines = [";".join(columns)] + [";".join(r[c] for c in columns) for r in rows]
        (folder / COMPONENTS[name].filename).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _extract(root: Path, organiser: organisers.Organiser) -> Path:
    """Kanta documents: cases of P3 (one task) and P4 (two), implementation-phase documents
    of P3, P4 and P5 naming no task or two."""
    home = organiser.municipalities[0]
    records = []

    def add(kind: str, person: str, tasks: list[str] | None, **fields) -> None:
        n = len(records)
        record = {
            "document_id": f"doc-{n}",
            "set_id": f"set-{n}",
            "version": 1,
            "version_time": f"2023-03-31T10:{n:02}Z",
            "status": "active",
            "document_type": kind,
            "organiser": organiser.oid,
            "identity_code": person,
            "home_municipality": home,
            "sex": _sex(person),
            **fields,
        }
        if tasks is not None:
            record["service_tasks"] = tasks
        records.append(record)

    add("case", P[3], ["5"], case_id="c1", case_opened="2022-09-01")
    add("case", P[4], ["1"], case_id="c2", case_opened="2022-09-01")
    add("case", P[4], ["6"], case_id="c3", case_opened="2023-01-20", case_closed="9999-12-31")
    add("implementation", P[3], [], event_date="2023-02-02", social_services=["21"])
    add("implementation", P[4], ["1", "6"], event_date="2023-02-03", social_services=["9"])
    add("implementation", P[4], [], event_date="2023-02-04", social_services=["10", "10"])
    add("implementation", P[5], None, event_date="2023-02-05", social_services=["11"])
    path = root / "extract.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _services(frame: pl.DataFrame, person: str | None = None) -> list[tuple]:
    if person is not None:
        frame = frame.filter(pl.col("henkilotunnus") == person)
    return sorted(
        frame.select("sosiaalipalvelu", "palvelutehtava").rows(), key=lambda r: (r[0], r[1] or "")
    )


def test_task_less_services_are_kept_from_file_to_statistics(settings, db, organiser, tmp_path):
    delivery = _delivery(tmp_path, organiser)
    extract = _extract(tmp_path, organiser)

    # 1. validation: every V row accepted; the task is the only one where II gives it
    checked = validate_path(delivery, Q1, settings=settings)
    assert checked.accepted, checked.report.counts
    assert set(checked.report.counts) <= WARNINGS, checked.report.counts
    services = checked.rows["palvelutiedot"]
    assert services.height == 5
    assert _services(services, P[0]) == [("7", None), ("8", None)]
    assert _services(services, P[1]) == [("7", None)]
    assert _services(services, P[2]) == [("7", "2")]
    # P0 twice, P1 (two tasks each), P3 (no task in this delivery's II)
    assert checked.report.counts[rules.SERVICE_TASK_NOT_INFERRED] == 5  # IV's P3 too
    assert checked.rows["palvelupaatokset"].height == 1

    # 2. Kanta derivation: no V row is lost; P3's task comes from the extract's own II
    derived = derive_path(extract, Q1, settings)
    kanta_v = derived.rows["palvelutiedot"]
    assert derived.derived["palvelutiedot"].height == kanta_v.height == 4
    assert _services(kanta_v) == [("10", None), ("11", None), ("21", "5"), ("9", None)]

    # 3. the build: rows of both sources kept; a task inferred from the other source's II
    db.close()
    assert call(settings, KEEPER, "submit", delivery).status == "accepted"
    call(settings, KEEPER, "load_kanta", extract, Q1)
    summary = call(settings, KEEPER, "build", Q1)
    v_summary = summary.components["palvelutiedot"]
    # P3's separate row (21) takes task 5 from Kanta's II
    assert v_summary["service_task_inferred"] == 1
    with store.opened(settings) as conn:
        register = store.frame(
            conn,
            "SELECT pseudonym, sosiaalipalvelu, palvelutehtava, source "
            "FROM register_palvelutiedot WHERE quarter = ?",
            [str(Q1)],
        )
        decisions = store.frame(
            conn,
            "SELECT sosiaalipalvelu, palvelutehtava, paatospvm FROM register_palvelupaatokset "
            "WHERE quarter = ?",
            [str(Q1)],
        )
    got = sorted(
        register.select("sosiaalipalvelu", "palvelutehtava", "source").rows(),
        key=lambda r: (r[0], r[1] or "", r[2]),
    )
    assert got == [
        ("10", None, "kanta"),
        ("11", None, "kanta"),
        ("21", "5", "both"),  # one service of P3, from both sources, its task inferred
        ("7", None, "separate"),
        ("7", None, "separate"),
        ("7", "2", "separate"),
        ("8", None, "separate"),
        ("9", None, "kanta"),
    ]
    assert v_summary["service_task_unknown"] == 6
    # the decision made in Q1 taking effect in Q2 is in Q1's register, its task inferred
    assert decisions.rows() == [("18", "5", dt.date(2023, 3, 20))]

    # 4. statistics: every service counts as received, task or no task
    with store.opened(settings) as conn:
        received = tables.compute_definition(
            conn, tables.BY_ID["services"], Q1, settings, levels=("county",)
        )[0]
        decided = tables.compute_definition(
            conn, tables.BY_ID["decisions"], Q1, settings, levels=("county",)
        )[0]
    by_service = _totals(received, "sosiaalipalvelu")
    assert by_service == {"7": 3, "8": 1, "9": 1, "10": 1, "11": 1, "21": 1}
    assert _totals(decided, "sosiaalipalvelu") == {TOTAL: 1, "18": 1}


def _totals(table: tables.Table, dimension: str) -> dict[str, int]:
    """Unsuppressed values of the cells that are totals over every dimension but one."""
    others = [d for d in table.dims if d != dimension]
    cells = table.cells.filter(
        pl.all_horizontal(
            pl.col(d) == TOTAL for d in others if table.dimension(d).parents is not None
        )
    )
    return dict(cells.select(dimension, "value").iter_rows())
