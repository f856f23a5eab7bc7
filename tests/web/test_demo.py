"""``sosdata demo``: a register with a history at tiny scale, then the portal serving it, signed
in to with every account the command printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from webharness import Person, Seeded

from sosdata.app import Register
from sosdata.config import Settings

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The command as a newcomer runs it (without the server), in a process of its own."""
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sosdata",
            "demo",
            "--scale",
            "tiny",
            "--no-serve",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    return out, done.stdout


@pytest.fixture(scope="module")
def web_data(demo_run) -> Seeded:
    out, _ = demo_run
    return Seeded(Settings(data_dir=out / "data"))


def _accounts(printed: str) -> list[tuple[str, str, str]]:
    """(user, password, role) of each row of the printed table."""
    rows = re.findall(r"│ (\S+)\s+│ (\S+)\s+│ (\S+)\s+│", printed)
    return [row for row in rows if row[0] != "user"]


def test_every_stage_left_what_it_should(demo_run):
    out, printed = demo_run
    assert "2023Q1: published" in printed and "2023Q2: published" in printed
    assert "2023Q3: built" in printed
    with Register(Settings(data_dir=out / "data")) as register:
        keeper = register.actor("keeper")
        deliveries = register.deliveries(keeper)
        statuses = set(zip(deliveries["status"], deliveries["late"], strict=True))
        assert ("accepted", False) in statuses and ("accepted", True) in statuses
        assert ("rejected", False) in statuses
        # a delivery replaced by a corrected file: accepted, with no component in force
        replaced = deliveries.filter(
            (deliveries["status"] == "accepted") & (deliveries["in_force"] == "")
        )
        assert replaced.height == 1
        rejected = deliveries.filter(deliveries["status"] == "rejected")["delivery_id"][0]
        report = register.delivery_report(keeper, rejected, reason="demo test")
        assert report["counts"].get("HETU_CHECKSUM", 0) > 0
        published = register.publications(keeper)
        assert sorted(set(published["quarter"])) == ["2023Q1", "2023Q2"]
        notifications = register.notifications(keeper)
        assert notifications.height and set(notifications["status"]) == {"submitted"}
        for county in set(notifications["county"]):
            coverage, issues = register.coverage(keeper, county, "2023Q1")
            assert coverage.groups and issues == []
    roles = {role for _, _, role in _accounts(printed)}
    assert roles == {"keeper", "admin", "organiser"}


def test_each_printed_account_signs_in_to_the_served_demo(demo_run, new_page, sign_in):
    _, printed = demo_run
    accounts = _accounts(printed)
    assert len(accounts) >= 4
    for user_id, password, _ in accounts:
        page = new_page()
        sign_in(page, Person(user_id, password))
        assert user_id in page.content()
