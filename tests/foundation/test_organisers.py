"""The organiser register: shipped fictitious list, lookups, import of the real list."""

from __future__ import annotations

import pytest

from sosdata import codes, organisers


def test_shipped_list_covers_the_mainland_once():
    register = organisers.load()
    assert len(register) == 22
    assert all(o.fictitious and o.oid.startswith("1.2.246.10.") for o in register)
    helsinki = register.for_county("90")
    assert helsinki.municipalities == ("091",) and helsinki.name("sv") == "Helsingfors stad"
    assert register.for_municipality("049").county == "03"
    assert register.for_municipality("035") is None  # Åland is outside the reform
    served = sorted(m for o in register for m in o.municipalities)
    assert served == sorted(
        c.code for c in codes.load("kunta") if c.extra.get("county") not in (None, "91")
    )


def test_import_takes_precedence_and_keeps_previous(settings, tmp_path):
    source = tmp_path / "organisers.csv"
    source.write_text(
        "oid;county;fi;sv;en;municipalities\n"
        "1.2.246.10.1234567.10.0;90;Helsinki;Helsingfors;Helsinki;\n"
        "1.2.246.10.7654321.10.0;03;Länsi-Uusimaa;Västra Nyland;West Uusimaa;049,078\n"
    )
    organisers.import_csv(source, settings.data_dir)
    register = organisers.load(settings.data_dir)
    assert len(register) == 2 and not any(o.fictitious for o in register)
    assert register.get("1.2.246.10.7654321.10.0").municipalities == ("049", "078")
    organisers.import_csv(source, settings.data_dir)
    assert (settings.data_dir / "organisers.csv.1").is_file()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1.2.3;90;a;b;c;", "line 2, column 1 \\(oid\\): '1.2.3' is not a SOTE organisation OID"),
        ("1.2.246.10.1;99;a;b;c;", "line 2, column 2 \\(county\\): unknown county code '99'"),
        (
            "1.2.246.10.1;90;a;b;c;091,999",
            "line 2, column 6 \\(municipalities\\): unknown municipalities 999",
        ),
    ],
)
def test_bad_rows_are_named(settings, tmp_path, row, message):
    source = tmp_path / "organisers.csv"
    source.write_text("oid;county;fi;sv;en;municipalities\n" + row + "\n")
    with pytest.raises(organisers.OrganiserError, match=message):
        organisers.import_csv(source, settings.data_dir)
    assert not (settings.data_dir / "organisers.csv").exists()
