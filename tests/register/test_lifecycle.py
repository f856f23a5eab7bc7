"""The quarter's life: built → approved (locked: a later delivery is stored but a rebuild does
not use it) → reopened with a reason (audited) → the next build uses it; publishing approves."""

from __future__ import annotations

from pathlib import Path

import pytest

from sosdata import organisers
from sosdata.app import Register, Role
from sosdata.config import Settings
from sosdata.register import lifecycle
from sosdata.register.lifecycle import LifecycleError
from world import Q1, delivery_package


@pytest.fixture
def register(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    with Register(settings) as register:
        register.initialise("keeper")
        register.add_user(register.actor("keeper"), "admin", role=Role.ADMIN)
        yield register


def _persons(register: Register) -> int:
    row = (
        register.cursor()
        .execute(
            "SELECT count(DISTINCT pseudonym) FROM register_asiakkuusjaksot WHERE quarter = ?",
            [str(Q1)],
        )
        .fetchone()
    )
    return int(row[0])


def test_a_delivery_after_approval_is_stored_but_not_built_until_reopened(
    register: Register, tmp_path: Path
) -> None:
    keeper = register.actor("keeper")
    org = organisers.load().for_county("01")
    assert org is not None
    assert register.quarter_state(keeper, Q1).state == lifecycle.OPEN
    with pytest.raises(LifecycleError, match="has not been built"):
        register.approve(keeper, Q1)
    first = register.submit(keeper, delivery_package(tmp_path / "a", org, first=0))
    register.build(keeper, Q1)
    assert register.quarter_state(keeper, Q1).state == lifecycle.BUILT
    approved = register.approve(keeper, Q1)
    assert approved.state == lifecycle.APPROVED and approved.locked
    # three other persons, replacing the first delivery: stored, in force…
    later = register.submit(keeper, delivery_package(tmp_path / "b", org, first=10))
    assert later.status == "accepted"
    listed = register.deliveries(keeper, period=Q1)
    assert later.delivery_id in listed["delivery_id"].to_list()
    # …but a rebuild of the locked quarter reads the approved build's inputs
    rebuilt = register.build(keeper, Q1)
    assert rebuilt.deliveries == [first.delivery_id]
    assert _persons(register) == 3
    assert register.quarter_state(keeper, Q1).state == lifecycle.APPROVED
    with pytest.raises(LifecycleError, match="say why"):
        register.reopen(keeper, Q1, reason="  ")
    reopened = register.reopen(keeper, Q1, reason="a late correction from the county")
    assert reopened.state == lifecycle.OPEN and not reopened.locked
    audit = register.audit_log(keeper).filter(action="reopen")
    assert audit["reason"].to_list() == ["a late correction from the county"]
    built = register.build(keeper, Q1)
    assert built.deliveries == [later.delivery_id]
    assert _persons(register) == 3  # the later delivery's three persons, numbers 10–12
    history = register.quarter_history(keeper, Q1)
    assert history["action"].to_list() == ["build", "approve", "build", "reopen", "build"]
    assert history["state"].to_list() == ["built", "approved", "approved", "open", "built"]
    assert history["reason"][3] == "a late correction from the county"


def test_publishing_a_built_quarter_approves_and_locks_it(
    register: Register, tmp_path: Path
) -> None:
    keeper = register.actor("keeper")
    org = organisers.load().for_county("01")
    assert org is not None
    register.submit(keeper, delivery_package(tmp_path / "a", org, first=0))
    register.build(keeper, Q1)
    published = register.publish(keeper, Q1)
    state = register.quarter_state(keeper, Q1)
    assert state.state == lifecycle.PUBLISHED and state.locked
    history = register.quarter_history(keeper, Q1)
    assert history["action"].to_list() == ["build", "approve", "publish"]
    assert history["publication_id"][2] == published.publication_id
    with pytest.raises(LifecycleError, match="already published"):
        register.approve(keeper, Q1)
    # a revision of a published quarter is allowed and it stays published
    register.publish(keeper, Q1)
    assert register.quarter_state(keeper, Q1).state == lifecycle.PUBLISHED
