"""Reminders to the notifications' contact persons, received by a real SMTP server on loopback:
in the notification's language, listing what is still missing and the deadline, logged, and
not sent twice unless forced."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from monitoring_world import GROUPS, Q1, Inbox, seed_quarter, smtp_server
from sosdata.app import Register, Role
from sosdata.components import COMPONENTS
from sosdata.config import SmtpSettings
from sosdata.errors import AccessError
from sosdata.notification.email import EmailError

DEADLINE = dt.date.today() + dt.timedelta(3)


@pytest.fixture
def smtp():
    with smtp_server() as inbox:
        yield inbox.port, inbox


@pytest.fixture
def quarter(settings, smtp, tmp_path):
    """The test quarter, its deadline three days away, e-mail through the loopback server."""
    port, inbox = smtp
    mail = dataclasses.replace(
        settings,
        deadlines={str(Q1): DEADLINE},
        smtp=SmtpSettings(host="127.0.0.1", port=port, sender="sosdata@thl.example"),
    )
    with Register(mail) as register:
        register.initialise("keeper")
    seed_quarter(mail, "keeper", tmp_path / "world", late=False)
    return mail, inbox


def _by_recipient(inbox: Inbox) -> dict:
    return {m["To"]: m for m in inbox.messages}


def test_reminders_in_the_notification_language_once(quarter) -> None:
    settings, inbox = quarter
    with Register(settings) as register:
        keeper = register.actor("keeper")
        early = register.remind(keeper, Q1, days_before=2)
        assert early.not_yet and not early.sent and inbox.messages == []

        outcome = register.remind(keeper, Q1, days_before=5)
        assert {r.recipient for r in outcome.sent} == {"anna@example.fi", "bertil@example.fi"}
        mails = _by_recipient(inbox)
        assert set(mails) == {"anna@example.fi", "bertil@example.fi"}

        anna = mails["anna@example.fi"]  # Swedish notification
        assert anna["Content-Language"] == "sv"
        body = anna.get_content()
        assert "Hej Anna Andersson" in body, body
        assert "Koko alue 01" in body and DEADLINE.isoformat() in body
        assert COMPONENTS["lastensuojelu"].labels["sv"] in body
        # client periods arrived: not asked for again
        assert COMPONENTS["asiakkuusjaksot"].labels["sv"] not in body
        assert "2023Q1" in anna["Subject"] and "saknas" in anna["Subject"]

        bertil = mails["bertil@example.fi"]  # English notification
        assert bertil["Content-Language"] == "en"
        text = bertil.get_content()
        assert "Hello Bertil Berg" in text and "Koko alue 02" in text
        assert COMPONENTS["lastensuojelu"].labels["en"] in text
        assert "Koko alue 01" not in text  # only the recipient's own groups

        again = register.remind(keeper, Q1)
        assert again.sent == [] and len(again.already_sent) == 2
        assert len(inbox.messages) == 2

        log = register.reminders(keeper, Q1)
        assert log.height == 2 and not log["forced"].any()

        forced = register.remind(keeper, Q1, force=True)
        assert len(forced.sent) == 2 and len(inbox.messages) == 4
        assert register.reminders(keeper, Q1)["forced"].sum() == 2


def test_a_delivery_changes_the_content_and_only_keepers_remind(quarter, tmp_path) -> None:
    settings, inbox = quarter
    with Register(settings) as register:
        keeper = register.actor("keeper")
        register.add_user(keeper, "anna", role=Role.ORGANISER, organiser=GROUPS["01"][0])
        with pytest.raises(AccessError):
            register.remind(register.actor("anna"), Q1)
        with pytest.raises(AccessError):
            register.reminders(register.actor("anna"), Q1)
        assert inbox.messages == []
        assert len(register.remind(keeper, Q1).sent) == 2


def test_an_unreachable_server_logs_nothing(quarter, tmp_path) -> None:
    settings, inbox = quarter
    sock_port = settings.smtp.port
    closed = dataclasses.replace(settings, smtp=dataclasses.replace(settings.smtp, port=1))
    with Register(closed) as register:
        keeper = register.actor("keeper")
        with pytest.raises(EmailError):
            register.remind(keeper, Q1)
        assert register.reminders(keeper, Q1).is_empty()
    assert sock_port != 1 and inbox.messages == []


def test_remind_command(quarter, cli, monkeypatch) -> None:
    settings, inbox = quarter
    monkeypatch.setenv("SOSDATA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SOSDATA_SMTP_PORT", str(settings.smtp.port))
    result = cli("remind", "--period", str(Q1), "--as", "keeper")
    assert result.exit_code == 0, result.stderr
    assert "2 reminders sent" in result.stdout
    assert len(inbox.messages) == 2
    result = cli("remind", "--period", str(Q1), "--as", "keeper")
    assert result.exit_code == 0 and "0 reminders sent, 2 already sent" in result.stdout
    assert len(inbox.messages) == 2
