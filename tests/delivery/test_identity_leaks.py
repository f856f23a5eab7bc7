"""Identity codes never leave a delivery unmasked, whichever column or header position they are
written in and whatever the line ends: a property test over every component, column and header
position scans every form of the report in every language, and the register database's stored
values and bytes after a submission.

The reproduced cases: a code in the home-municipality column was echoed in the message and
stored in ``deliveries.report`` and ``delivery_issues``; a file with CR-only line ends echoed
codes as "duplicate column" names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sosdata import identity
from sosdata.components import COMPONENTS
from sosdata.register import store, users
from world import call

from .conftest import PERIOD, csv_text, manifest, row

#: anything shaped like an identity code, any case (a lower-case a–f sign as a word of its
#: own: hexadecimal pseudonyms are not codes): what must never be found
CODE_SHAPE = re.compile(r"[0-9]{6}[-+A-FU-Yu-y][0-9]{3}|\b[0-9]{6}[a-f][0-9]{3}[0-9a-z]?\b")
LINE_ENDS = ("\n", "\r\n", "\r")
KEEPER = "keeper"
FIXTURES = [HealthCheck.function_scoped_fixture]

codes = st.builds(
    identity.make,
    st.dates(dt.date(1900, 1, 1), dt.date(2022, 12, 31)),
    st.integers(900, 999),
    new_signs=st.integers(0, 5),
).flatmap(lambda code: st.sampled_from([code, code.lower()]))


@st.composite
def planted(draw) -> tuple[str, str, str, str]:
    """(component, where, code, file text): a code in a value or in the header."""
    component = draw(st.sampled_from(list(COMPONENTS)))
    columns = COMPONENTS[component].column_names
    code = draw(codes)
    line_end = draw(st.sampled_from(LINE_ENDS))
    rows = [row(component) for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):  # in a value of any column but the identity code's own
        column = draw(st.sampled_from([c for c in columns if c != "henkilotunnus"]))
        rows[draw(st.integers(0, len(rows) - 1))][column] = code
        where = f"value of {column}"
        text = csv_text(component, rows)
    else:  # in the header, in place of a column name or added anywhere
        header = list(columns)
        position = draw(st.integers(0, len(header)))
        if draw(st.booleans()) and position < len(header):
            header[position] = code
        else:
            header.insert(position, code)
        where = f"header position {position + 1}"
        lines = [";".join(header)] + [";".join(r[c] for c in columns) for r in rows]
        text = "\n".join(lines) + "\n"
    return component, where, code, text.replace("\n", line_end)


def _leaks(text: str) -> list[str]:
    return CODE_SHAPE.findall(text)


def _all_forms(result) -> str:
    return "\n".join(
        result.report.render(fmt, lang)
        for fmt in ("text", "json", "csv", "html")
        for lang in ("fi", "sv", "en")
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=planted())
def test_no_report_form_shows_a_planted_code(deliveries, case) -> None:
    component, where, code, text = case
    path = deliveries.csv(component, text.encode())
    result = deliveries.validate(path, organiser=deliveries.oid)
    shown = _all_forms(result)
    assert code not in shown, where
    assert not _leaks(shown), where


def _database_values(conn) -> list[str]:
    """Every text value stored in any table of the register database."""
    found = []
    tables = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'JSON') AND table_schema = 'main'"
    ).fetchall()
    for table, column in tables:
        found += [
            r[0]
            for r in conn.execute(
                f'SELECT CAST("{column}" AS VARCHAR) FROM "{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall()
        ]
    return found


@pytest.fixture
def keeper_settings(deliveries):
    with store.opened(deliveries.settings) as conn:
        users.add(conn, KEEPER)
    return deliveries.settings


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=planted())
def test_nothing_stored_holds_a_planted_code(deliveries, keeper_settings, tmp_path, case) -> None:
    component, where, code, text = case
    path = deliveries.root / f"{deliveries.count}-{component}.zip"
    deliveries.count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest([component])))
        archive.writestr(COMPONENTS[component].filename, text)
    outcome = call(keeper_settings, KEEPER, "submit", path, period=PERIOD)
    assert outcome.delivery_id
    with store.opened(keeper_settings) as conn:
        values = _database_values(conn)
        conn.execute("CHECKPOINT")
    stored = "\n".join(values)
    assert code not in stored, where
    assert not _leaks(stored), where
    for file in Path(keeper_settings.data_dir).glob("register.duckdb*"):
        data = file.read_bytes()
        for form in {code, code.upper()}:
            assert form.encode() not in data, (where, file.name)


def test_the_reported_cases(deliveries, keeper_settings) -> None:
    """A code in the home-municipality column; CR-only line ends with codes in the rows; the
    same with a lower-case code right after a line end, which quoting turned into ``\\r``."""
    code = identity.make(dt.date(1980, 5, 17), 951)
    in_municipality = deliveries.csv("asiakkuusjaksot", [row("asiakkuusjaksot", kotikunta=code)])
    result = deliveries.validate(in_municipality, organiser=deliveries.oid)
    assert "170580-****" in result.report.render("text", "en")
    assert code not in _all_forms(result)
    text = csv_text("asiakkuusjaksot", [row("asiakkuusjaksot")] * 2).replace("\n", "\r")
    result = deliveries.validate(deliveries.csv("asiakkuusjaksot", text.encode()))
    assert not result.accepted and not _leaks(_all_forms(result))
    lower = identity.make(dt.date(2000, 1, 1), 900).lower()  # 010100a900…
    text = f"jarjestaja;henkilotunnus;kotikunta;sukupuoli;alkupvm;loppupvm\r{lower};{code};186;1;"
    path = deliveries.csv("lastensuojelu", (text + "2022-05-01;\r").encode())
    result = deliveries.validate(path, organiser=deliveries.oid)
    assert lower not in _all_forms(result) and "010100a****" in _all_forms(result)
