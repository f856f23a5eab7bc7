"""Versions, rounds, deadlines and expected sources in a real DuckDB file."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sosdata.notification import NotificationError
from sosdata.notification.sources import sources_of
from sosdata.register.notifications import expected_sources, store

GROUP_EAST = ["407", "434", "504"]  # Lapinjärvi, Loviisa, Myrskylä (county 01)


def _count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _submit(conn, settings, saved, at=dt.datetime(2022, 3, 1, 10, 0)):
    with store.atomic(conn):
        return store.record_submission(
            conn, saved.notification_id, saved.version, settings, at=at, confirmed_by="import"
        )


def test_a_changed_notification_is_a_new_version_and_the_old_stays_readable(
    conn, settings, ctx, example, change
):
    first = store.save(conn, example, ctx, by="maija")
    assert (first.notification_id, first.version, first.created) == (1, 1, True)
    changed = change(example, feedback="Uusi palaute", planned_system=None)
    second = store.save(conn, changed, ctx)
    assert (second.notification_id, second.version, second.created) == (1, 2, True)

    old = store.get(conn, 1, settings, version=1)
    new = store.get(conn, 1, settings)
    assert old.notification.answers["feedback"] == "Kiitos selkeästä ohjeistuksesta."
    assert old.notification.answers["planned_system"] == "Pro Consona"
    assert old.created_by == "maija"
    assert new.version == new.latest_version == 2 == old.latest_version
    assert new.notification.answers["feedback"] == "Uusi palaute"
    assert "planned_system" not in new.notification.answers
    assert store.versions(conn, 1)["version"].to_list() == [1, 2]


def test_the_same_answers_again_add_no_version(conn, ctx, example):
    store.save(conn, example, ctx)
    again = store.save(conn, example, ctx)
    assert (again.version, again.created) == (1, False)
    assert _count(conn, "notification_versions") == 1


def test_a_notification_with_errors_leaves_the_database_as_it_was(conn, ctx, example, change):
    store.save(conn, example, ctx)
    before = {
        t: _count(conn, t)
        for t in (
            "notifications",
            "notification_versions",
            "notification_municipalities",
            "notification_sources",
        )
    }
    bad = change(example, contact={"name": "M", "email": "not-an-address"}, feedback="x")
    with pytest.raises(NotificationError, match="ei ole kelvollinen sähköpostiosoite"):
        store.save(conn, bad, ctx)
    after = {t: _count(conn, t) for t in before}
    assert after == before


def test_other_groups_of_the_county_are_other_notifications(conn, ctx, example, change):
    store.save(conn, example, ctx)
    east = change(example, group_name="Loviisan seutu", municipalities=GROUP_EAST)
    saved = store.save(conn, east, ctx)
    assert (saved.notification_id, saved.version) == (2, 1)


def test_a_group_can_be_renamed_by_id_but_not_onto_another_group(
    conn, settings, ctx, example, change
):
    store.save(conn, example, ctx)
    store.save(conn, change(example, group_name="Itä", municipalities=GROUP_EAST), ctx)
    renamed = store.save(conn, change(example, group_name="Länsi"), ctx, notification_id=1)
    assert (renamed.notification_id, renamed.version) == (1, 2)
    assert store.get(conn, 1, settings).notification.group_name == "Länsi"
    assert store.get(conn, 1, settings, version=1).notification.group_name == "Porvoon seutu"
    with pytest.raises(NotificationError, match="already has the group name 'Itä'"):
        store.save(conn, change(example, group_name="Itä"), ctx, notification_id=1)
    with pytest.raises(NotificationError, match="cannot change them"):
        store.save(
            conn,
            change(example, county="04", municipalities=["092"], group_name="Länsi"),
            ctx,
            notification_id=1,
        )


def test_unknown_id_or_version_is_a_clear_error(conn, settings, ctx, example):
    with pytest.raises(NotificationError, match="no notification 7"):
        store.get(conn, 7, settings)
    store.save(conn, example, ctx)
    with pytest.raises(NotificationError, match="has no version 3; versions 1–1"):
        store.get(conn, 1, settings, version=3)


def test_deadline_per_round_default_and_set_and_late_marking(conn, settings, ctx, example):
    assert store.deadline(conn, "2023Q1", settings) == dt.date(2022, 4, 4)
    saved = store.save(conn, example, ctx)
    # the deadline is a Finnish calendar day: 21:30 UTC on 4.4. is already 5.4. in Finland
    assert _submit(conn, settings, saved, at=dt.datetime(2022, 4, 4, 20, 59)) == (
        dt.date(2022, 4, 4),
        False,
    )
    store.set_deadline(conn, "2024Q1", dt.date(2024, 2, 1))
    assert store.deadline(conn, "2024Q1", settings) == dt.date(2024, 2, 1)
    assert store.deadline(conn, "2023Q1", settings) == dt.date(2022, 4, 4)
    later = store.save(conn, example.__class__("2024Q1", "fi", example.answers), ctx)
    assert _submit(conn, settings, later, at=dt.datetime(2024, 2, 1, 22, 30)) == (
        dt.date(2024, 2, 1),
        True,
    )
    listing = store.listing(conn, settings).sort("id")
    assert listing["late"].to_list() == [False, True]
    assert listing["deadline"].to_list() == [dt.date(2022, 4, 4), dt.date(2024, 2, 1)]
    assert listing["status"].to_list() == ["submitted", "submitted"]


def test_sources_of_maps_answers_17_20_23(example, change):
    promised = sources_of(example)
    assert ("asiakkuusjaksot", "1", "kanta") in promised
    assert ("asiakkuusjaksot", "4", "kanta_supplemented") in promised
    assert ("asiakkuusjaksot", "6", "separate") in promised
    assert ("lastensuojelu", None, "separate") in promised
    assert ("palvelupaatokset", None, "kanta_supplemented") in promised
    assert ("palvelutiedot", None, "kanta_supplemented") in promised
    assert len(promised) == 9
    for answer, expected in [
        ("kanta_structured", "kanta"),
        ("kanta_unstructured", "kanta"),
        ("separate", "separate"),
        ("separate_partial", "separate"),
    ]:
        mapped = sources_of(change(example, social_services_method=answer))
        assert ("palvelupaatokset", None, expected) in mapped
    nothing = sources_of(
        change(example, social_services_method="impossible", child_welfare_source=None)
    )
    assert {c for c, _, _ in nothing} == {"asiakkuusjaksot"}
    kanta = sources_of(change(example, child_welfare_source="new_structure_2023"))
    assert ("lastensuojelu", None, "kanta") in kanta


def test_expected_sources_from_the_latest_submitted_version(conn, settings, ctx, example, change):
    assert expected_sources(conn).is_empty()
    assert expected_sources(conn).columns == [
        "organiser",
        "county",
        "municipality_group",
        "municipality",
        "service_task",
        "component",
        "source",
    ]
    first = store.save(conn, example, ctx)
    assert expected_sources(conn).is_empty()  # a draft promises nothing
    _submit(conn, settings, first)
    # a newer draft does not replace the submitted version
    store.save(conn, change(example, client_periods_source={t: "separate" for t in "123456"}), ctx)
    frame = expected_sources(conn)
    assert frame.height == 4 * 9  # four municipalities × (6 tasks + III + IV + V)
    assert frame["organiser"].unique().to_list() == [ctx.organisers_by_county["01"]]
    assert frame["municipality_group"].unique().to_list() == ["Porvoon seutu"]
    older_people = frame.filter(
        (pl.col("municipality") == "638")
        & (pl.col("component") == "asiakkuusjaksot")
        & (pl.col("service_task") == "1")
    )
    assert older_people["source"].to_list() == ["kanta"]
    assert (
        frame.filter(pl.col("component") != "asiakkuusjaksot")["service_task"].null_count() == 4 * 3
    )

    second = store.save(
        conn, change(example, client_periods_source={t: "separate" for t in "123456"}), ctx
    )
    _submit(conn, settings, second, at=dt.datetime(2022, 3, 2))
    frame = expected_sources(conn)
    tasks = frame.filter(pl.col("component") == "asiakkuusjaksot")
    assert tasks["source"].unique().to_list() == ["separate"]
    assert expected_sources(conn, "2022Q4").is_empty()  # the round applies from 2023Q1
    assert expected_sources(conn, "2023Q1").height == frame.height


def test_expected_sources_newer_round_wins_per_municipality(conn, settings, ctx, example, change):
    _submit(conn, settings, store.save(conn, example, ctx))
    newer = change(example, child_welfare_source="client_relationship_document")
    newer = newer.__class__("2024Q1", "fi", newer.answers)
    _submit(conn, settings, store.save(conn, newer, ctx), at=dt.datetime(2023, 12, 1))
    cw = expected_sources(conn).filter(pl.col("component") == "lastensuojelu")
    assert cw.height == 4 and cw["source"].unique().to_list() == ["kanta"]
    cw_2023 = expected_sources(conn, "2023Q3").filter(pl.col("component") == "lastensuojelu")
    assert cw_2023["source"].unique().to_list() == ["separate"]
