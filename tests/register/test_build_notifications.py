"""The build follows submitted delivery-method notifications (real notification store)."""

from __future__ import annotations

import datetime as dt

import pytest

from sosdata.periods import Quarter
from sosdata.register import store, submit
from sosdata.register.kanta_load import Batch, record_batch
from world import call

Q1 = Quarter.parse("2023Q1")
D = dt.date


@pytest.fixture
def notified(db, settings, organiser):
    """Two municipality groups of the organiser, each with its own promised sources."""
    notification = pytest.importorskip("sosdata.notification")
    from sosdata.register.notifications import store as notification_store
    from sosdata.synth import notifications as synth_notifications
    from sosdata.synth.plan import Group, GroupSources

    ctx = notification.FormContext.from_settings(settings)
    municipalities = organiser.municipalities
    half = len(municipalities) // 2
    groups = [
        Group(
            organiser.oid,
            organiser.county,
            "Länsi",
            tuple(municipalities[:half]),
            GroupSources(
                {t: "kanta" for t in "123456"} | {"2": "separate", "3": "kanta_supplemented"},
                "kanta",
                "separate",
            ),
            "mixed",
        ),
        Group(
            organiser.oid,
            organiser.county,
            "Itä",
            tuple(municipalities[half:]),
            GroupSources(dict.fromkeys("123456", "separate"), "separate", "separate"),
            "separate",
        ),
    ]
    for index, group in enumerate(groups):
        saved = notification_store.save(
            db, synth_notifications.notification(group, index, "2023Q1"), ctx, by="keeper"
        )
        with store.transaction(db):
            notification_store.record_submission(
                db,
                saved.notification_id,
                saved.version,
                settings,
                at=dt.datetime(2022, 3, 1),
                confirmed_by="import",
            )
    return {g.name: g.municipalities for g in groups}


def test_build_takes_each_cell_from_its_notified_source(
    db, settings, make_delivery, organiser, notified, hetu
):
    west, east = notified["Länsi"][0], notified["Itä"][0]
    period = {"alkupvm": D(2023, 1, 10)}

    def row(n, task, municipality):
        return {
            "henkilotunnus": hetu(n),
            "palvelutehtava": task,
            "kotikunta": municipality,
            **period,
        }

    kanta_rows = [row(1, "1", west), row(2, "2", west), row(3, "3", west), row(4, "1", east)]
    separate_west = [row(11, "1", west), row(12, "2", west), row(3, "3", west)]
    separate_east = [row(14, "1", east)]
    batch = make_delivery({"asiakkuusjaksot": kanta_rows})
    record_batch(
        db,
        settings,
        Batch(Q1, batch.rows, [organiser.oid], {}),
        sha256="k",
        source_file="extract",
        loaded_by="keeper",
    )
    for group, rows in (("Länsi", separate_west), ("Itä", separate_east)):
        submit.record(
            db,
            settings,
            make_delivery({"asiakkuusjaksot": rows}, group=group),
            sha256=group,
            file_name=group,
            submitted_by="keeper",
        )
    db.close()

    summary = call(settings, "keeper", "build", Q1)
    with store.opened(settings) as conn:
        got = store.frame(
            conn,
            "SELECT kuntaryhma, palvelutehtava, pseudonym, source "
            "FROM register_asiakkuusjaksot ORDER BY ALL",
        )
    from sosdata import keys

    names = {keys.pseudonymizer(settings)(hetu(n)): n for n in (1, 2, 3, 4, 11, 12, 14)}
    seen = sorted(
        (r["kuntaryhma"], r["palvelutehtava"], names[r["pseudonym"]], r["source"])
        for r in got.iter_rows(named=True)
    )
    assert seen == [
        ("Itä", "1", 14, "separate"),  # Itä: separate only; Kanta's person 4 left out
        ("Länsi", "1", 1, "kanta"),  # task 1 Kanta only: separate person 11 left out
        ("Länsi", "2", 12, "separate"),  # task 2 separate only: Kanta person 2 left out
        ("Länsi", "3", 3, "both"),  # task 3 Kanta supplemented: merged
    ]
    assert summary.notifications is True
    left_out = summary.components["asiakkuusjaksot"]["left_out_by_notification"]
    assert sum(r["rows"] for r in left_out) == 3
    assert summary.union_cells == []
