"""Submitting: the summary e-mail reaches a real SMTP server on loopback; confirmation by code."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from sosdata.config import SmtpSettings
from sosdata.notification import NotificationError
from sosdata.notification.email import EmailError
from sosdata.register.notifications import store, submission


def _code(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", body).group(1)


def test_the_summary_arrives_by_email_and_the_code_confirms(
    conn, mail_settings, ctx, example, smtp_server
):
    _, _, inbox = smtp_server
    saved = store.save(conn, example, ctx)
    sent = submission.submit(conn, saved.notification_id, mail_settings, ctx)
    assert sent.sent_to == "maija.meikalainen@example.fi"
    assert store.get(conn, 1, mail_settings).status == "awaiting_confirmation"

    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert inbox.envelopes[0] == ("sosdata@thl.example", ["maija.meikalainen@example.fi"])
    assert message["To"] == "maija.meikalainen@example.fi"
    assert "Porvoon seutu" in message["Subject"] and "vahvista" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # the summary: questions and answers in the answerer's language (Finnish)
    assert "17. Miten Sosdata saa kuntaryhmän tiedot" in text
    assert "Lastensuojelu: Kanta-arkistointia täydennetään erillistoimituksella" in text
    assert "638 Porvoo" in text and "Maija Meikäläinen" in text
    assert "Kiitos selkeästä ohjeistuksesta." in text
    assert "<dt>30. Toivotteko erillisiä keskusteluja" in html
    code = _code(message)
    assert code in text and code in html

    done = submission.confirm(conn, 1, code.lower().replace("-", " "), mail_settings, ctx)
    assert (done.version, done.late, done.deadline) == (1, True, dt.date(2022, 4, 4))
    stored = store.get(conn, 1, mail_settings)
    assert stored.status == "submitted" and stored.late is True
    with pytest.raises(NotificationError, match="already submitted"):
        submission.submit(conn, 1, mail_settings, ctx)


def test_the_summary_is_in_the_answerers_language(conn, mail_settings, ctx, example, smtp_server):
    _, _, inbox = smtp_server
    swedish = example.__class__(example.round, "sv", example.answers)
    store.save(conn, swedish, ctx)
    submission.submit(conn, 1, mail_settings, ctx)
    text = inbox.messages[0].get_body(("plain",)).get_content()
    assert "bekräfta" in inbox.messages[0]["Subject"]
    assert "17. Hur får Sosdata kommungruppens uppgifter om serviceuppgifternas" in text
    assert "638 Borgå" in text
    assert "Barnskydd: Kanta-arkiveringen kompletteras med en separat leverans" in text


def test_on_time_when_confirmed_before_the_deadline(conn, mail_settings, ctx, example, smtp_server):
    _, _, inbox = smtp_server
    store.save(conn, example, ctx)
    early = dt.datetime(2022, 3, 30, 9, 0)
    submission.submit(conn, 1, mail_settings, ctx, now=early)
    done = submission.confirm(conn, 1, _code(inbox.messages[0]), mail_settings, ctx, now=early)
    assert done.late is False


def test_wrong_codes_are_counted_and_exhaust_the_code(
    conn, mail_settings, ctx, example, smtp_server
):
    _, _, inbox = smtp_server
    store.save(conn, example, ctx)
    submission.submit(conn, 1, mail_settings, ctx)
    code = _code(inbox.messages[0])
    with pytest.raises(NotificationError, match="4 attempt"):
        submission.confirm(conn, 1, "AAAA-AAAA", mail_settings, ctx)
    for _ in range(3):
        with pytest.raises(NotificationError, match="wrong confirmation code"):
            submission.confirm(conn, 1, "AAAA-AAAA", mail_settings, ctx)
    with pytest.raises(NotificationError, match="too many attempts"):
        submission.confirm(conn, 1, "AAAA-AAAA", mail_settings, ctx)
    with pytest.raises(NotificationError, match="no summary awaiting confirmation"):
        submission.confirm(conn, 1, code, mail_settings, ctx)
    assert store.get(conn, 1, mail_settings).status == "draft"


def test_an_expired_code_does_not_confirm(conn, mail_settings, ctx, example, smtp_server):
    _, _, inbox = smtp_server
    store.save(conn, example, ctx)
    start = dt.datetime(2022, 3, 1)
    submission.submit(conn, 1, mail_settings, ctx, now=start)
    with pytest.raises(NotificationError, match="expired"):
        submission.confirm(
            conn,
            1,
            _code(inbox.messages[0]),
            mail_settings,
            ctx,
            now=start + submission.CODE_VALID + dt.timedelta(seconds=1),
        )


def test_a_change_after_the_summary_needs_a_new_summary(
    conn, mail_settings, ctx, example, change, smtp_server
):
    _, _, inbox = smtp_server
    store.save(conn, example, ctx)
    submission.submit(conn, 1, mail_settings, ctx)
    store.save(conn, change(example, feedback="muutettu"), ctx)
    with pytest.raises(NotificationError, match="has changed since the summary of version 1"):
        submission.confirm(conn, 1, _code(inbox.messages[0]), mail_settings, ctx)
    submission.submit(conn, 1, mail_settings, ctx)
    done = submission.confirm(conn, 1, _code(inbox.messages[1]), mail_settings, ctx)
    assert done.version == 2
    assert store.get(conn, 1, mail_settings, version=1).status == "draft"


def test_an_unreachable_smtp_server_leaves_nothing_pending(
    conn, settings, ctx, example, unused_port
):
    closed = replace(settings, smtp=SmtpSettings(host="127.0.0.1", port=unused_port))
    store.save(conn, example, ctx)
    with pytest.raises(
        EmailError, match=r"could not send the e-mail through the SMTP server 127\.0\.0\.1"
    ):
        submission.submit(conn, 1, closed, ctx)
    assert conn.execute("SELECT count(*) FROM notification_confirmations").fetchone()[0] == 0
    assert store.get(conn, 1, settings).status == "draft"


def test_submit_refuses_a_municipality_already_in_a_submitted_group(
    conn, mail_settings, ctx, example, change, smtp_server
):
    _, _, inbox = smtp_server
    store.save(conn, example, ctx)
    submission.submit(conn, 1, mail_settings, ctx)
    submission.confirm(conn, 1, _code(inbox.messages[0]), mail_settings, ctx)
    other = change(example, group_name="Itä", municipalities=["407", "434", "504", "638"])
    store.save(conn, other, ctx)
    with pytest.raises(NotificationError, match=r"638 Porvoo \(Itä \(#2\), Porvoon seutu \(#1\)\)"):
        submission.submit(conn, 2, mail_settings, ctx)
    assert len(inbox.messages) == 1
