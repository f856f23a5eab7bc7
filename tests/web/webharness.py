"""What web tests share besides fixtures: the people of the test register, seeding, the server.

Importable from every test (``from webharness import ANNA, csrf_of``): ``tests/web`` is on
pytest's ``pythonpath``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sosdata.app import Register, Role
from sosdata.config import Settings

ORGANISER_A = "1.2.246.10.9999901.10.0"
ORGANISER_B = "1.2.246.10.9999902.10.0"


@dataclass(frozen=True)
class Person:
    user_id: str
    password: str
    organiser: str | None = None


KEEPER = Person("kaisa.keeper", "keeper-password-1")
ANNA = Person("anna.a", "anna-password-12", ORGANISER_A)
BERTIL = Person("bertil.b", "bertil-password-1", ORGANISER_B)
DORA = Person("dora.disabled", "dora-password-12", ORGANISER_A)  # disabled after set-up
PEOPLE = (KEEPER, ANNA, BERTIL, DORA)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Seeded:
    settings: Settings
    #: API tokens made during set-up: name → secret
    tokens: dict[str, str] = field(default_factory=dict)


def seed(data_dir: Path) -> Seeded:
    """A register with a keeper, two organisers' users, a disabled user, and API tokens."""
    settings = Settings(data_dir=data_dir)
    seeded = Seeded(settings)
    with Register(settings, purpose="web test set-up") as register:
        register.initialise(KEEPER.user_id)
        keeper = register.actor(KEEPER.user_id)
        for person in PEOPLE:
            if person is not KEEPER:
                register.add_user(
                    keeper, person.user_id, role=Role.ORGANISER, organiser=person.organiser
                )
            register.set_password(keeper, person.user_id, person.password)
        for person in (ANNA, BERTIL, DORA):
            seeded.tokens[person.user_id] = register.create_token(keeper, person.user_id, "test")[1]
        revoked, seeded.tokens["revoked"] = register.create_token(keeper, ANNA.user_id, "old")
        register.revoke_token(keeper, revoked.token_id)
        register.disable_user(keeper, DORA.user_id)
    return seeded


@dataclass
class Server:
    base_url: str
    seeded: Seeded
    #: the server's own register (the same object its handlers call)
    register: Register

    @property
    def settings(self) -> Settings:
        return self.seeded.settings

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=60, **kw)

    def signed_in(self, person: Person, **kw) -> httpx.Client:
        """An HTTP client with a session of ``person`` (signed in through the form); the
        caller closes it."""
        client = self.client(**kw)
        csrf = csrf_of(client.get("/sign-in").text)
        answer = client.post(
            "/sign-in",
            data={"user_id": person.user_id, "password": person.password, "csrf_token": csrf},
        )
        assert answer.status_code == 303, answer.text
        return client

    @contextmanager
    def signed_in_client(self, person: Person, **kw) -> Iterator[httpx.Client]:
        """:meth:`signed_in` for a ``with`` block."""
        client = self.signed_in(person, **kw)
        try:
            yield client
        finally:
            client.close()


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def free_socket() -> socket.socket:
    # the protocol named: asyncio turns Nagle's algorithm off only for sockets whose protocol is
    # TCP; with it on, every answer after the first on a kept-alive connection waits ~40 ms
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def delivery_zip(
    folder: Path,
    organiser: str,
    *,
    clients: int = 40,
    bad_checksums: int = 3,
    unknown_municipalities: int = 2,
    first: int = 0,
    group: str = "Koko alue",
) -> Path:
    """A one-component ZIP delivery (client periods, 2023Q1) of synthetic clients with temporary
    identity codes, some rows broken on purpose: identity codes with a wrong check character and
    unknown municipality codes (each an error that rejects the row)."""
    import datetime as dt
    import json
    import shutil

    from sosdata import components, identity, organisers

    org = next(o for o in organisers.load() if o.oid == organiser)
    folder.mkdir(parents=True)
    periods = components.get("asiakkuusjaksot")
    manifest = {
        "versio": "1",
        "jarjestaja": org.oid,
        "kuntaryhma": group,
        "seurantajakso": "2023Q1",
        "osat": [periods.name],
        "kuvaus": "Test extraction.",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    lines = [";".join(periods.column_names)]
    for n in range(clients):
        code = identity.make(dt.date(1950, 1, 1) + dt.timedelta(days=n), 900 + (first + n) % 100)
        if n < bad_checksums:
            code = code[:-1] + ("A" if code[-1] != "A" else "B")
        row = {
            "jarjestaja": org.oid,
            "kotikunta": "999"
            if bad_checksums <= n < bad_checksums + unknown_municipalities
            else org.municipalities[0],
            "sukupuoli": "2",
            "palvelutehtava": "1",
            "alkupvm": "2022-05-01",
            "henkilotunnus": code,
        }
        lines.append(";".join(row.get(c, "") for c in periods.column_names))
    (folder / periods.filename).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(shutil.make_archive(str(folder), "zip", folder))
