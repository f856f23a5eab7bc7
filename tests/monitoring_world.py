"""A quarter for the monitoring and reminder tests: two organisers' submitted notifications
(in Swedish and in English, each naming its contact person), one delivery on time, one late,
and the child-welfare component missing for both."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
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

#: one row of 40 with a wrong check character: accepted, with a rejected row
CLEAN = {"bad_checksums": 1, "unknown_municipalities": 0}


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


def kanta_extract(folder: Path) -> Path:
    """A small Kanta extract: client cases of organiser A's clients in the quarter."""
    import polars as pl

    from sosdata import identity
    from sosdata.kanta.extract import EXTRACT_SCHEMA, conform, write_extract

    records = [
        {
            "document_id": f"doc-{n}",
            "set_id": f"set-{n}",
            "version": 1,
            "version_time": dt.datetime(2023, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(hours=n),
            "status": "active",
            "document_type": "case",
            "organiser": ORGANISER_A,
            "identity_code": (code := identity.make(dt.date(1960, 1, 1 + n), 950 + n)),
            "home_municipality": "091",
            "sex": identity.parse(code).sex,
            "service_tasks": ["1"],
            "case_id": f"case-{n}",
            "case_opened": dt.date(2023, 1, 2 + n),
            "case_closed": None,
        }
        for n in range(6)
    ]
    present = set(records[0])
    overrides = {k: t for k, t in EXTRACT_SCHEMA.items() if k in present}
    frame = conform(pl.DataFrame(records, schema_overrides=overrides))
    return write_extract(frame, folder / "extract.jsonl")


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
        on_time = delivery_zip(folder / "a", ORGANISER_A, group=GROUPS["01"][1], **CLEAN)
        assert register.submit(actor, on_time).status == "accepted"
    with Register(passed if late else early, purpose="monitoring test set-up") as register:
        other = delivery_zip(folder / "b", ORGANISER_B, group=GROUPS["02"][1], first=50, **CLEAN)
        outcome = register.submit(register.actor(keeper), other)
        assert outcome.status == "accepted" and outcome.late is late
        loaded = register.load_kanta(register.actor(keeper), kanta_extract(folder), Q1)
        assert loaded.stored_rows, loaded


class Inbox:
    """The messages a real SMTP server on loopback received, parsed; ``port`` is its port."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """An aiosmtpd server on a free loopback port for the duration."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
