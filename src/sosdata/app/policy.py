"""Who may do what: one table, one check.

Every verb of the :class:`~sosdata.app.register.Register` asks :func:`allowed` (or
:func:`require`) before it touches anything. A rule says, per role, whether an action is allowed
on *any* resource, only on the actor's *own* organiser's, or not at all. A resource is the
organiser it belongs to; ``None`` means the register as a whole (a quarter's build, the user
list, the published statistics).

The roles (SPEC §2, §11):

- **organiser**: a user of one organiser (county or Helsinki) — its own deliveries, reports,
  notifications, jobs and self-check figures;
- **keeper**: the register keeper (THL) — everything; reads of person-level data are audited;
- **admin**: manages users and nothing else;
- **public**: anyone, signed in or not — the published statistics and the offline validator.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sosdata.errors import AccessError


class Role(StrEnum):
    ORGANISER = "organiser"
    KEEPER = "keeper"
    ADMIN = "admin"
    PUBLIC = "public"


class Scope(StrEnum):
    ANY = "any"
    OWN = "own"
    NONE = "none"


class Action(StrEnum):
    """Every action a verb of the register asks about; each has one row in :data:`RULES`."""

    VALIDATE = "validate"  # check a file against the format; stores nothing
    SUBMIT = "submit"
    READ_DELIVERIES = "read deliveries"  # list and show: facts and counts, no person-level data
    READ_REPORT = "read a delivery report"  # masked identity codes: person-level, audited
    LOAD_KANTA = "load a Kanta extract"
    BUILD = "build a quarter"
    PUBLISH = "publish statistics"
    MANAGE_QUARTER = "approve or reopen a quarter"
    READ_QUARTER = "read a quarter's state and history"
    SELF_CHECK = "read the self-check of an organiser's figures"
    READ_STATISTICS = "read published statistics"
    READ_STATUS = "read the monitoring status"
    SEND_REMINDERS = "send reminders"  # e-mail the notifications' contact persons; the log
    WRITE_NOTIFICATION = "write a notification"  # save a version, send it for confirmation
    CONFIRM_NOTIFICATION = "confirm a notification"
    READ_NOTIFICATIONS = "read notifications"
    MANAGE_REFERENCE = "manage deadlines and reference data"
    MANAGE_USERS = "manage users"
    READ_AUDIT = "read the audit log"
    EXPORT = "export the register"
    REIDENTIFY = "re-identify persons"
    BACKUP = "back up the register"
    RESTORE = "restore the register from a backup"
    READ_JOB = "follow a job"
    SIGN_IN = "sign in"
    MANAGE_ACCOUNT = "manage one's own account"  # password, language, API tokens


def _rule(organiser: Scope, keeper: Scope, admin: Scope, public: Scope) -> dict[Role, Scope]:
    return {
        Role.ORGANISER: organiser,
        Role.KEEPER: keeper,
        Role.ADMIN: admin,
        Role.PUBLIC: public,
    }


ANY, OWN, _ = Scope.ANY, Scope.OWN, Scope.NONE
RULES: dict[Action, dict[Role, Scope]] = {
    #                                  organiser keeper admin public
    Action.VALIDATE: _rule(ANY, ANY, ANY, ANY),
    Action.SUBMIT: _rule(OWN, ANY, _, _),
    Action.READ_DELIVERIES: _rule(OWN, ANY, _, _),
    Action.READ_REPORT: _rule(OWN, ANY, _, _),
    Action.LOAD_KANTA: _rule(_, ANY, _, _),
    Action.BUILD: _rule(_, ANY, _, _),
    Action.PUBLISH: _rule(_, ANY, _, _),
    Action.MANAGE_QUARTER: _rule(_, ANY, _, _),
    Action.READ_QUARTER: _rule(_, ANY, _, _),
    # the figures the build would publish, restricted to the organiser's own area, suppressed
    Action.SELF_CHECK: _rule(OWN, ANY, _, _),
    Action.READ_STATISTICS: _rule(ANY, ANY, ANY, ANY),
    Action.READ_STATUS: _rule(OWN, ANY, _, _),
    Action.SEND_REMINDERS: _rule(_, ANY, _, _),
    Action.WRITE_NOTIFICATION: _rule(OWN, ANY, _, _),
    Action.CONFIRM_NOTIFICATION: _rule(OWN, ANY, _, _),
    Action.READ_NOTIFICATIONS: _rule(OWN, ANY, _, _),
    Action.MANAGE_REFERENCE: _rule(_, ANY, _, _),
    Action.MANAGE_USERS: _rule(_, ANY, ANY, _),
    Action.READ_AUDIT: _rule(_, ANY, _, _),
    Action.EXPORT: _rule(_, ANY, _, _),
    Action.REIDENTIFY: _rule(_, ANY, _, _),
    Action.BACKUP: _rule(_, ANY, _, _),
    Action.RESTORE: _rule(_, ANY, _, _),
    Action.READ_JOB: _rule(OWN, ANY, _, _),
    Action.SIGN_IN: _rule(ANY, ANY, ANY, ANY),
    # one's own account is no organiser's thing: the verbs check that it is the actor's own
    Action.MANAGE_ACCOUNT: _rule(ANY, ANY, ANY, _),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a register user, or the public (``user_id`` None)."""

    user_id: str | None
    role: Role
    organiser: str | None = None

    @property
    def name(self) -> str:
        return self.user_id or "public"


PUBLIC = Actor(None, Role.PUBLIC)


def allowed(actor: Actor, action: Action, resource: str | None = None) -> bool:
    """May ``actor`` do ``action`` on what belongs to organiser ``resource``?

    ``None`` is the register as a whole: an organiser's user is allowed its *own* actions only
    on its own organiser's things, never on the whole.
    """
    scope = RULES[action][actor.role]
    if scope is Scope.ANY:
        return True
    if scope is Scope.OWN:
        return resource is not None and resource == actor.organiser
    return False


#: who a role is, in the messages that say who may
WHO = {
    Role.ORGANISER: "the organiser's own users",
    Role.KEEPER: "the register keeper",
    Role.ADMIN: "an administrator",
    Role.PUBLIC: "anyone",
}


def require(actor: Actor, action: Action, resource: str | None = None) -> None:
    """:func:`allowed`, or an :class:`AccessError` that says who may."""
    if allowed(actor, action, resource):
        return
    may = [WHO[role] for role, scope in RULES[action].items() if scope is not Scope.NONE]
    whose = f" of organiser {resource}" if resource else ""
    raise AccessError(
        f"{actor.name} ({actor.role}) may not {action}{whose}: only {' or '.join(may)} may"
    )


def require_role(actor: Actor, action: Action) -> None:
    """An :class:`AccessError` when ``actor``'s role may not do ``action`` on anything at all.

    Refusing a role tells it nothing about what exists (it may see none of it), so a thing it
    asks for by number is refused (403); a thing refused to a role that may see its own
    organiser's is answered "not found" by the verb instead, like one that does not exist."""
    if RULES[action][actor.role] is Scope.NONE:
        require(actor, action)


def own_scope(actor: Actor, action: Action) -> str | None:
    """The organiser a listing is limited to: ``None`` for actors who may see all; for an
    organiser's user, its own organiser (and an :class:`AccessError` if it may see none)."""
    if RULES[action][actor.role] is Scope.ANY:
        return None
    require(actor, action, actor.organiser)
    return actor.organiser


def markdown() -> str:
    """The access table as Markdown (``docs/access.md`` is generated from it)."""
    roles = list(Role)
    marks = {Scope.ANY: "yes", Scope.OWN: "own organiser's", Scope.NONE: "—"}
    lines = [
        "# Who may do what",
        "",
        "Generated from `sosdata/app/policy.py` by `make docs`; every verb of the register asks",
        "this table before it does anything, and `tests/register/test_access.py` tries every verb",
        "as every role on its own and on another organiser's data.",
        "",
        "| action | " + " | ".join(str(r) for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action, rule in RULES.items():
        lines.append(f"| {action} | " + " | ".join(marks[rule[r]] for r in roles) + " |")
    return "\n".join(lines) + "\n"
