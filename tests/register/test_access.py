"""Every verb of the register × every role × the actor's own or another organiser's resource.

The expectations below are written out by hand, not read from the policy's table: the test
fails when the policy changes what a role may do, and when the register gains a verb that has
no row here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from sosdata import organisers
from sosdata.app import Actor, Register, Role
from sosdata.errors import AccessError, NotFound
from sosdata.periods import Quarter
from world import two_organisers

Q1 = Quarter.parse("2023Q1")

# who: the organiser's own user acting on its own organiser's thing, the same user acting on
# another organiser's, the keeper, an administrator, the public
OWN, OTHER, KEEPER, ADMIN, PUBLIC = "own", "other", "keeper", "admin", "public"
WHO = (OWN, OTHER, KEEPER, ADMIN, PUBLIC)

#: the methods of Register that are not verbs of the register but its machinery
MACHINERY = {
    "actor",
    "session_actor",
    "sign_out",
    "token_actor",
    "checkpoint",
    "close",
    "connection",
    "cursor",
    "form",
    "initialise",
    "jobs",
    "organisers",
    "settings",
    "start",
    "wait",
}

# verb → (who may, how to call it). A call gets the register, the actor and the world (the
# resources of the organiser it acts on: its delivery, notification, job…).
Call = Callable[[Register, Actor, dict[str, Any]], Any]
ALL = {OWN, OTHER, KEEPER, ADMIN, PUBLIC}
ORGANISERS_AND_KEEPER = {OWN, KEEPER}
KEEPER_ONLY = {KEEPER}

VERBS: dict[str, tuple[set[str], Call]] = {
    "validate": (ALL, lambda r, a, w: r.validate(a, w["package"], Q1)),
    "submit": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.submit(a, w["package"])),
    "deliveries": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: _sees(r.deliveries(a)["delivery_id"], w["delivery"]),
    ),
    "delivery": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.delivery(a, w["delivery"])),
    "delivery_report": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.delivery_report(a, w["delivery"], reason="access test"),
    ),
    "delivery_issues": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.delivery_issues(a, w["delivery"], reason="access test"),
    ),
    "check": (ALL, lambda r, a, w: r.check(a, w["package"])),
    "load_kanta": (KEEPER_ONLY, lambda r, a, w: r.load_kanta(a, w["missing"], Q1)),
    "build": (KEEPER_ONLY, lambda r, a, w: r.build(a, Q1.next())),
    "publish": (KEEPER_ONLY, lambda r, a, w: r.publish(a, Q1.next().next(), w["out"])),
    "quarter_state": (KEEPER_ONLY, lambda r, a, w: r.quarter_state(a, Q1)),
    "quarter_history": (KEEPER_ONLY, lambda r, a, w: r.quarter_history(a, Q1)),
    "approve": (KEEPER_ONLY, lambda r, a, w: r.approve(a, Q1.next())),
    "reopen": (KEEPER_ONLY, lambda r, a, w: r.reopen(a, Q1, reason="access test")),
    "self_check": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.self_check(a, w["oid"], Q1)),
    "publications": (ALL, lambda r, a, w: r.publications(a)),
    "published": (ALL, lambda r, a, w: r.published(a, Q1)),
    "latest_publications": (ALL, lambda r, a, w: r.latest_publications(a)),
    "revision": (ALL, lambda r, a, w: r.revision(a, 1, 2)),
    "status": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: _sees(r.status(a, Q1).matrix["organiser"], w["oid"]),
    ),
    "status_links": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: _sees(r.status_links(a, Q1)["organiser"], w["oid"]),
    ),
    "kanta_batches": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: _sees(r.kanta_batches(a)["organiser"], w["oid"]),
    ),
    "remind": (KEEPER_ONLY, lambda r, a, w: r.remind(a, Q1)),
    "reminders": (KEEPER_ONLY, lambda r, a, w: r.reminders(a, Q1)),
    "save_notification": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.save_notification(a, w["notification_document"]),
    ),
    "import_notification": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.import_notification(a, w["notification_file"]),
    ),
    "send_notification": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.send_notification(a, w["notification"]),
    ),
    "confirm_notification": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.confirm_notification(a, w["notification"], "AAAA-BBBB"),
    ),
    "notification": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.notification(a, w["notification"])),
    "notification_versions": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.notification_versions(a, w["notification"]),
    ),
    "notifications": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: _sees(r.notifications(a)["id"], w["notification"]),
    ),
    "coverage": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.coverage(a, w["county"], "2023Q1")),
    "export_notifications": (
        KEEPER_ONLY,
        lambda r, a, w: r.export_notifications(a, w["out"] / "notifications.csv"),
    ),
    "coverage_matrix": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: _sees(r.coverage_matrix(a, "2023Q1")["county"], w["county"]),
    ),
    # a listing of one's own rows: another organiser's user gets its own (none of theirs)
    "expected_sources": ({OWN, OTHER, KEEPER}, lambda r, a, w: r.expected_sources(a)),
    "save_draft": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: r.save_draft(
            a, {"county": w["county"]}, round_="2023Q1", lang="fi", page="contact"
        ),
    ),
    "drafts": (
        ORGANISERS_AND_KEEPER,
        lambda r, a, w: _sees(pl.Series([d.draft_id for d in r.drafts(a)]), w["draft"]),
    ),
    "draft": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.draft(a, w["draft"])),
    "draft_coverage": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.draft_coverage(a, w["draft"])),
    # the draft lacks mandatory answers: past the policy, storing it refuses
    "file_draft": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.file_draft(a, w["draft"])),
    "notification_deadline": (
        KEEPER_ONLY,
        lambda r, a, w: r.notification_deadline(a, "2024Q1", Q1.start),
    ),
    # no organiser's own: the rounds are everyone's
    "notification_rounds": ({OWN, OTHER, KEEPER}, lambda r, a, w: r.notification_rounds(a)),
    "users": ({KEEPER, ADMIN}, lambda r, a, w: r.users(a)),
    "add_user": ({KEEPER, ADMIN}, lambda r, a, w: r.add_user(a, "new", role=Role.KEEPER)),
    "audit_log": (KEEPER_ONLY, lambda r, a, w: r.audit_log(a)),
    "export": (KEEPER_ONLY, lambda r, a, w: r.export(a, Q1.next(), w["out"], reason="test")),
    "reidentify": (KEEPER_ONLY, lambda r, a, w: r.reidentify(a, ["x" * 64], reason="test")),
    "job": (ORGANISERS_AND_KEEPER, lambda r, a, w: r.job(a, w["job"])),
    # accounts: "own" acts on its own account, "other" on another organiser's user's
    "sign_in": (ALL, lambda r, a, w: r.sign_in(a, f"nobody-{a.role}", "wrong", "test")),
    "set_password": (
        {OWN, KEEPER, ADMIN},
        lambda r, a, w: r.set_password(a, w["user"], "a-long-password-1"),
    ),
    "set_language": ({OWN, OTHER, KEEPER, ADMIN}, lambda r, a, w: r.set_language(a, "sv")),
    "disable_user": (
        {KEEPER, ADMIN},
        lambda r, a, w: r.disable_user(a, w["user"], disabled=False),
    ),
    "create_token": ({OWN, KEEPER, ADMIN}, lambda r, a, w: r.create_token(a, w["user"], "t")),
    "revoke_token": ({OWN, KEEPER, ADMIN}, lambda r, a, w: r.revoke_token(a, w["token"])),
    "tokens": (
        {OWN, KEEPER, ADMIN},
        lambda r, a, w: _sees(pl.Series([t.token_id for t in r.tokens(a)]), w["token"]),
    ),
    "backup": (KEEPER_ONLY, lambda r, a, w: r.backup(a, w["out"] / f"backup-{a.name}")),
    "restore": (KEEPER_ONLY, lambda r, a, w: r.restore(a, w["out"] / "no-backup")),
}


class Unseen(Exception):
    """A listing that leaves the resource out: the listing's way of refusing."""


def _sees(listed: Any, wanted: Any) -> None:
    if wanted not in set(listed.to_list()):
        raise Unseen(wanted)


def test_every_verb_of_the_register_has_a_row():
    verbs = {
        name
        for name, member in inspect.getmembers(Register)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }
    verbs |= {n for n in vars(Register) if not n.startswith("_")}
    assert verbs - MACHINERY == set(VERBS)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A register with two organisers, each with a delivery, a notification and a job."""
    from sosdata.config import Settings

    tmp = tmp_path_factory.mktemp("access")
    settings = Settings(data_dir=tmp / "data")
    registry = organisers.load()
    mine, theirs = registry.for_county("01"), registry.for_county("02")
    assert mine is not None and theirs is not None
    register = Register(settings)
    register.initialise("keeper")
    keeper = register.actor("keeper")
    register.add_user(keeper, "admin", role=Role.ADMIN)
    register.add_user(keeper, "org", role=Role.ORGANISER, organiser=mine.oid)
    register.add_user(keeper, "org-theirs", role=Role.ORGANISER, organiser=theirs.oid)
    worlds = two_organisers(register, tmp)
    yield register, worlds
    register.close()


@pytest.mark.parametrize("verb", sorted(VERBS))
@pytest.mark.parametrize("who", WHO)
def test_verb_role_and_organiser(world, verb, who):
    register, worlds = world
    may, call = VERBS[verb]
    actor = {
        OWN: register.actor("org"),
        OTHER: register.actor("org"),
        KEEPER: register.actor("keeper"),
        ADMIN: register.actor("admin"),
        PUBLIC: Actor(None, Role.PUBLIC),
    }[who]
    target = worlds["theirs" if who == OTHER else "mine"]
    try:
        call(register, actor, target)
    except (AccessError, NotFound, Unseen) as refused:
        assert who not in may, f"{verb} refused to {who}: {refused}"
    except Exception as other:  # past the policy: the verb's own checks may refuse the input
        assert who in may, f"{verb} let {who} through to fail with {other!r}"
    else:
        assert who in may, f"{verb} allowed to {who}"
