"""Code sets: shipped values, lookups by code and date, import of a new version."""

from __future__ import annotations

import datetime as dt

import pytest

from sosdata import codes


def test_shipped_sets_have_three_languages_and_metadata():
    for name in codes.NAMES:
        code_set = codes.load(name)
        assert code_set.oid.startswith("1.2.246.")
        assert set(code_set.title) == {"fi", "sv", "en"}
        assert all(all(c.names[lang] for lang in codes.LANGUAGES) for c in code_set)
    assert len(codes.load("sosiaalipalvelu")) == 35
    assert codes.load("sosiaalipalvelu").label("33", "sv") == "Utkomststöd"
    assert codes.load("palvelutehtava").provisional


def test_family_law_is_not_reported():
    tasks = codes.load("palvelutehtava")
    assert tasks.get("7").extra["reported"] == "false"
    assert codes.reported_service_tasks() == ["1", "2", "3", "4", "5", "6"]


def test_municipalities_counties_and_special_codes():
    municipalities = codes.load("kunta")
    assert len(municipalities) == 309 + 3
    assert codes.county_of("091") == "90"  # Helsinki organises its own services
    assert codes.county_of("049") == "03"  # Espoo, West Uusimaa
    assert codes.county_of("035") == "91"  # Brändö, Åland
    assert codes.county_of("199") is None and "199" in municipalities
    counties = codes.load("hyvinvointialue")
    assert len(counties) == 23  # 21 counties, Helsinki, Åland
    assert sum(len(codes.municipalities_of(c.code)) for c in counties) == 309


def test_lookup_by_date(settings, tmp_path):
    source = tmp_path / "tasks.csv"
    source.write_text(
        "code;fi;sv;en;valid_from;valid_to\n"
        "1;Iäkkäät;Äldre;Older;2023-01-01;2023-06-30\n"
        "8;Uusi;Ny;New;2023-07-01;\n",
        encoding="utf-8",
    )
    new = codes.import_csv("palvelutehtava", source, settings.codes_dir, version="2023-2")
    assert new.get("1", on=dt.date(2023, 3, 1)) is not None
    assert new.get("1", on=dt.date(2023, 7, 1)) is None
    assert new.valid_during(dt.date(2023, 4, 1), dt.date(2023, 6, 30)) == ["1"]
    assert new.valid_during(dt.date(2023, 6, 1), dt.date(2023, 9, 30)) == ["1", "8"]
    # the reported flag is carried over for known codes, and defaults to reported for new ones
    assert new.get("1").extra["reported"] == "true"
    assert new.get("8").extra["reported"] == "true"


def test_import_replaces_and_keeps_old_versions(settings, tmp_path):
    source = tmp_path / "sex.csv"
    source.write_text(
        "code;fi;sv;en;valid_from;valid_to\n1;Mies;Man;Male;2000-01-01;\n2;Nainen;Kvinna;Female;2000-01-01;\n"
    )
    codes.import_csv("sukupuoli", source, settings.codes_dir, version="v2")
    assert [c.code for c in codes.load("sukupuoli", settings.codes_dir)] == ["1", "2"]
    assert [s.version for s in codes.versions("sukupuoli", settings.codes_dir)] == [
        "provisional-1",
        "v2",
    ]
    old = codes.load("sukupuoli", settings.codes_dir, version="provisional-1")
    assert "9" in old
    with pytest.raises(codes.CodeSetError, match="already has a version"):
        codes.import_csv("sukupuoli", source, settings.codes_dir, version="v2")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code;fi;sv\n1;a;b\n", "line 1: missing columns en, valid_from, valid_to"),
        ("code;fi;sv;en;valid_from;valid_to\n1;a;b;c;2023-13-01;\n", "line 2: not a date"),
        (
            "code;fi;sv;en;valid_from;valid_to\n1;a;b;c;;\n1;a;b;c;;\n",
            "line 3: code 1 appears twice",
        ),
        ("code;fi;sv;en;valid_from;valid_to\n1;;b;c;;\n", "line 2: code 1 has no Finnish name"),
    ],
)
def test_bad_import_names_file_and_line_and_changes_nothing(settings, tmp_path, text, message):
    source = tmp_path / "bad.csv"
    source.write_text(text)
    with pytest.raises(codes.CodeSetError, match=message) as caught:
        codes.import_csv("sukupuoli", source, settings.codes_dir)
    assert str(source) in str(caught.value)
    assert len(codes.versions("sukupuoli", settings.codes_dir)) == 1


def test_unknown_set_is_named():
    with pytest.raises(codes.CodeSetError, match="unknown code set 'kuntakoodi'"):
        codes.load("kuntakoodi")


def test_code_sets_and_organisers_are_read_from_disk_once_per_process(
    settings, tmp_path, monkeypatch
):
    """Every verb looks code sets and organisers up; the files are parsed once, and again only
    after an import changes them."""
    from sosdata import organisers

    parsed: list[str] = []
    real_codes, real_organisers = codes.parse_codes, organisers.parse
    monkeypatch.setattr(
        codes,
        "parse_codes",
        lambda text, source, **kw: parsed.append(source) or real_codes(text, source, **kw),
    )
    monkeypatch.setattr(
        organisers,
        "parse",
        lambda text, source, d=None: parsed.append(source) or real_organisers(text, source, d),
    )
    source = tmp_path / "sex.csv"
    source.write_text("code;fi;sv;en;valid_from;valid_to\n1;Mies;Man;Male;2000-01-01;\n")
    codes.import_csv("sukupuoli", source, settings.codes_dir, version="once")
    imported = organisers.IMPORTED_FILE
    listing = resources_text("data/organisers.csv")
    (settings.data_dir / imported).write_text(listing, encoding="utf-8")
    parsed.clear()
    for _ in range(3):
        codes.load("sukupuoli", settings.codes_dir)
        organisers.load(settings.data_dir)
    # the imported set may have been read by the import itself: never more than once
    assert len([p for p in parsed if p.startswith(str(settings.codes_dir))]) <= 1
    assert len([p for p in parsed if p.endswith(imported)]) == 1
    codes.import_csv("sukupuoli", source, settings.codes_dir, version="twice")
    assert [c.version for c in codes.versions("sukupuoli", settings.codes_dir)][-1] == "twice"


def resources_text(name: str) -> str:
    from importlib import resources

    return resources.files("sosdata.codes").joinpath(name).read_text("utf-8")
