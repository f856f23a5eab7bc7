"""Fixtures for the notification tests: the example document, the database, an SMTP server."""

from __future__ import annotations

import copy
import socket
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from sosdata.config import Settings, SmtpSettings
from sosdata.notification.document import Notification, from_data
from sosdata.notification.form import FormContext
from sosdata.register.store import connect

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "notification.yaml"


@pytest.fixture
def ctx(settings: Settings) -> FormContext:
    return FormContext.from_settings(settings)


@pytest.fixture
def example_data() -> dict:
    """The documented example as parsed data; each test gets its own copy to change."""
    from sosdata.notification.document import read_file

    data, _ = read_file(EXAMPLE)
    return copy.deepcopy(data)


@pytest.fixture
def example(example_data: dict) -> Notification:
    notification, problems = from_data(example_data)
    assert problems == []
    return notification


@pytest.fixture
def conn(settings: Settings):
    connection = connect(settings)
    yield connection
    connection.close()


class Inbox:
    """Messages received by the SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields (host, port, inbox)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port, inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp_server) -> Settings:
    host, port, _ = smtp_server
    return replace(settings, smtp=SmtpSettings(host=host, port=port, sender="sosdata@thl.example"))


@pytest.fixture
def change():
    """``change(notification, id=value, …)``: a copy with answers changed (None removes)."""
    return with_answers


def with_answers(notification: Notification, **changes) -> Notification:
    """A copy with answers changed; a value None removes the answer."""
    answers = copy.deepcopy(notification.answers)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return Notification(notification.round, notification.lang, answers)
