"""A quarter for the monitoring and reminder tests: two organisers' submitted notifications
(in Swedish and in English, each naming its contact person), one delivery on time, one late,
and the child-welfare component missing for both."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import yaml
from webharness import ORGANISER_A, ORGANISER_B, delivery_zip

from sosdata.app import Register
from sosdata.config import Settings
from sosdata.periods import Quarter

Q1 = Quarter.parse("2023Q1")
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "notification.yaml"
#: county → (organiser, group, language, contact person)
GROUPS = {
    "01": (
        ORGANISER_A,
        "Koko alue 01",
        "sv",
        {"name": "Anna Andersson", "email": "anna@example.fi"},
    ),
    "02": (
        ORGANISER_B,
        "Koko alue 02",
        "en",
        {"name": "Bertil Berg", "email": "bertil@example.fi"},
    ),
}


def notification_file(county: str, folder: Path) -> Path:
    from sosdata import codes

    _organiser, group, lang, contact = GROUPS[county]
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["lang"] = lang
    data["answers"]["contact"] = contact
    data["answers"]["county"] = county
    data["answers"]["municipalities"] = codes.municipalities_of(county)
    data["answers"]["group_name"] = group
    path = folder / f"notification-{county}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def seed_quarter(settings: Settings, keeper: str, folder: Path, *, late: bool) -> None:
    """Notifications submitted for both counties; organiser A's client periods delivered on
    time, organiser B's on time too or, with ``late``, after the deadline."""
    folder.mkdir(parents=True, exist_ok=True)
    early = dataclasses.replace(settings, deadlines={str(Q1): dt.date.today() + dt.timedelta(30)})
    passed = dataclasses.replace(settings, deadlines={str(Q1): dt.date(2023, 5, 1)})
    with Register(early, purpose="monitoring test set-up") as register:
        actor = register.actor(keeper)
        for county in GROUPS:
            register.import_notification(
                actor, notification_file(county, folder), submitted_at=dt.datetime(2022, 3, 1)
            )
        on_time = delivery_zip(folder / "a", ORGANISER_A, group=GROUPS["01"][1])
        assert register.submit(actor, on_time).status == "accepted"
    with Register(passed if late else early, purpose="monitoring test set-up") as register:
        other = delivery_zip(folder / "b", ORGANISER_B, group=GROUPS["02"][1], first=50)
        outcome = register.submit(register.actor(keeper), other)
        assert outcome.status == "accepted" and outcome.late is late
