"""The component definitions are the delivery format's columns (format v1, stable)."""

from __future__ import annotations

import polars as pl

from sosdata import codes, components

FORMAT_V1 = {
    "asiakkuusjaksot.csv": "jarjestaja;henkilotunnus;kotikunta;sukupuoli;palvelutehtava;"
    "alkupvm;loppupvm",
    "lastensuojelu.csv": "jarjestaja;henkilotunnus;kotikunta;sukupuoli;alkupvm;loppupvm",
    "palvelupaatokset.csv": "jarjestaja;henkilotunnus;kotikunta;sukupuoli;sosiaalipalvelu;"
    "palvelutehtava;paatospvm;voimassa_alkaen;voimassa_asti;paatoksen_tyyppi",
    "palvelutiedot.csv": "jarjestaja;henkilotunnus;kotikunta;sukupuoli;sosiaalipalvelu;"
    "palvelutehtava;alkupvm;loppupvm",
}


def test_columns_are_format_v1():
    assert {
        c.filename: ";".join(c.column_names) for c in components.COMPONENTS.values()
    } == FORMAT_V1


def test_required_flags_follow_the_spec():
    required = {
        n: [c.name for c in comp.columns if c.required] for n, comp in components.COMPONENTS.items()
    }
    identifying = ["jarjestaja", "henkilotunnus", "kotikunta", "sukupuoli"]
    assert required["asiakkuusjaksot"] == [*identifying, "palvelutehtava", "alkupvm"]
    assert required["lastensuojelu"] == [*identifying, "alkupvm"]
    # IV: only the social service is required; the rest have the defaults of SPEC §4
    assert required["palvelupaatokset"] == [*identifying, "sosiaalipalvelu"]
    decisions = components.get("IV")
    assert all(
        decisions.column(c).default
        for c in (
            "palvelutehtava",
            "paatospvm",
            "voimassa_alkaen",
            "voimassa_asti",
            "paatoksen_tyyppi",
        )
    )
    assert required["palvelutiedot"] == [*identifying, "sosiaalipalvelu"]


def test_code_columns_name_real_code_sets_and_types():
    for comp in components.COMPONENTS.values():
        for column in comp.columns:
            if column.kind is components.Kind.CODE:
                assert column.codeset in codes.NAMES
            expected = pl.Date if column.kind is components.Kind.DATE else pl.String
            assert comp.schema[column.name] == expected
    assert components.DEFAULT_DECISION_TYPE in codes.load("paatoksen_tyyppi")
