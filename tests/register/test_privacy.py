"""SPEC §11: no identity code readable without the key; re-identification only by a keeper,
with a reason, on the audit log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import duckdb
import pytest

from sosdata import keys
from sosdata.periods import Quarter
from sosdata.register import audit, crypto, store, submit, users
from world import call

Q1 = Quarter.parse("2023Q1")


@pytest.fixture
def loaded(db, settings, make_delivery, hetu):
    """A delivery of 40 persons in all four components, built; returns their codes."""
    codes = [hetu(i, dt.date(1930 + i, 1 + i % 12, 1 + i % 28)) for i in range(40)]
    rows = {
        "asiakkuusjaksot": [
            {"henkilotunnus": c, "palvelutehtava": "1", "alkupvm": dt.date(2022, 1, 1)}
            for c in codes
        ],
        "lastensuojelu": [{"henkilotunnus": c, "alkupvm": dt.date(2022, 1, 1)} for c in codes],
        "palvelupaatokset": [
            {
                "henkilotunnus": c,
                "sosiaalipalvelu": "7",
                "palvelutehtava": "1",
                "voimassa_alkaen": dt.date(2022, 1, 1),
                "paatoksen_tyyppi": "1",
            }
            for c in codes
        ],
        "palvelutiedot": [{"henkilotunnus": c, "sosiaalipalvelu": "7"} for c in codes],
    }
    submit.record(
        db, settings, make_delivery(rows), sha256="x", file_name="x.zip", submitted_by="keeper"
    )
    db.close()
    call(settings, "keeper", "build", Q1)
    return codes


#: anything shaped like an identity code, and any run of nine or more digits
_CODE_SHAPE = re.compile(rb"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]")
_DIGIT_RUN = re.compile(rb"[0-9]{9,}")


def _codes_in(raw: bytes, codes: set[str]) -> set[str]:
    """The given codes found in ``raw`` (UTF-8, as DuckDB stores text), whole or as their nine
    digits without the century sign and check character — one linear pass each."""
    found = {m.group().decode() for m in _CODE_SHAPE.finditer(raw)} & codes
    digits = {c[:6] + c[7:10]: c for c in codes}
    for run in _DIGIT_RUN.finditer(raw):
        text = run.group().decode()
        windows = (text[i : i + 9] for i in range(len(text) - 8))
        found |= {digits[w] for w in windows if w in digits}
    return found


def test_database_files_hold_no_identity_code(settings, loaded):
    files = [p for p in settings.data_dir.iterdir() if p.name.startswith("register.duckdb")]
    assert files, "the database file exists"
    for path in files:
        assert _codes_in(path.read_bytes(), set(loaded)) == set(), path.name


def test_the_scan_finds_a_code_in_clear(loaded):
    """The scan itself works: a code written in clear, or as bare digits, is found."""
    raw = b"\x00" * 100 + loaded[3].encode() + b"\x00" + (loaded[5][:6] + loaded[5][7:10]).encode()
    assert _codes_in(raw, set(loaded)) == {loaded[3], loaded[5]}


def test_no_table_holds_an_identity_code_without_the_key(settings, loaded):
    """Open the file as anyone could (no key) and read every column of every table."""
    conn = duckdb.connect(str(settings.database_path), read_only=True)
    tables = [
        r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
    ]
    assert "persons" in tables and "accepted_asiakkuusjaksot" in tables
    text = []
    for table in tables:
        for row in conn.execute(f"SELECT * FROM {table}").fetchall():
            text.append(repr(row))
    conn.close()
    everything = "\n".join(text)
    assert len(everything) > 10_000
    for code in loaded:
        assert code not in everything
        assert code[:6] + code[7:10] not in everything


def test_keeper_reidentifies_with_reason_and_is_audited(settings, loaded):
    wanted = [keys.pseudonymizer(settings)(c) for c in loaded[:3]]
    found = call(settings, "keeper", "reidentify", wanted, reason="data subject request 17")
    assert sorted(found["henkilotunnus"].to_list()) == sorted(loaded[:3])
    with store.opened(settings) as conn:
        entries = audit.entries(conn, "keeper")
    last = entries.row(-1, named=True)
    assert (last["action"], last["reason"], last["rows"]) == (
        "reidentify",
        "data subject request 17",
        3,
    )


def test_organiser_user_may_not_reidentify(settings, loaded):
    with pytest.raises(users.AccessError):
        call(settings, "uusimaa-data", "reidentify", ["x" * 64], reason="curious")


def test_reidentify_without_reason_is_refused(settings, loaded):
    with pytest.raises(audit.AuditError, match="say why"):
        call(settings, "keeper", "reidentify", ["x" * 64], reason=" ")


def test_wrong_key_cannot_decrypt(settings, loaded):
    other = dataclasses.replace(settings, encryption_key="ab" * 32)
    wanted = [keys.pseudonymizer(settings)(loaded[0])]
    with pytest.raises(crypto.DecryptionError, match="encryption key"):
        call(other, "keeper", "reidentify", wanted, reason="key rotation check")


def test_ciphertext_is_bound_to_its_person(settings):
    cipher = crypto.IdentityCipher(keys.encryption_key(settings))
    blob = cipher.encrypt("010150-9012", "a" * 64)
    assert cipher.decrypt(blob, "a" * 64) == "010150-9012"
    with pytest.raises(crypto.DecryptionError):
        cipher.decrypt(blob, "b" * 64)
    # a fresh nonce each time: the same code never gives the same bytes
    assert cipher.encrypt("010150-9012", "a" * 64) != blob
