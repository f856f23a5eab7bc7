"""Reminders: an e-mail to each contact person of the notifications about what is still missing.

For a quarter, the contact persons are those named in question 1 of the latest submitted
notification of each municipality group whose round applies to the quarter. A group is
*missing* something when the monitoring matrix expects a separate delivery of a component from
it and none is in force (``pending``, ``missing`` or ``rejected``). Each contact person gets
one e-mail in the notification's language listing their groups' missing components and the
deadline; a contact person of groups in two languages gets one e-mail per language.

Every reminder sent is logged (``reminders``, migration 0062). A reminder whose quarter,
recipient and content (language, groups, components, deadline) were already sent is not sent
again unless forced: running the command twice, or a second click on the page's button, sends
nothing new, while a group that delivered meanwhile changes the content and a new reminder
goes out for what is still missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import duckdb
import polars as pl

from sosdata import i18n
from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.monitoring import OUTSTANDING, Status
from sosdata.notification.email import send
from sosdata.periods import Quarter
from sosdata.register.notifications.db import query_frame

_CONTACTS_SQL = """
SELECT v.organiser, v.group_name AS municipality_group, v.lang,
       v.contact_email AS recipient,
       json_extract_string(v.document, '$.answers.contact.name') AS contact_name
FROM notification_versions v
JOIN notification_submissions s USING (notification_id, version)
JOIN notifications n USING (notification_id)
WHERE n.round <= $quarter
QUALIFY row_number() OVER (
    PARTITION BY v.organiser, v.group_name
    ORDER BY n.round DESC, s.submitted_at DESC, v.version DESC) = 1
"""


def contacts(conn: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    """Per organiser and municipality group: the contact person of its latest submitted
    notification that applies to ``quarter``, and the notification's language."""
    return query_frame(conn, _CONTACTS_SQL, {"quarter": str(quarter)})


@dataclass
class Reminder:
    """One e-mail: a recipient, in one language, about the outstanding components of groups."""

    quarter: str
    recipient: str
    contact_name: str
    lang: str
    deadline: dt.date
    #: [{organiser, organiser_name, municipality_group, components: [name, …]}] in order
    groups: list[dict]

    @property
    def content_sha256(self) -> str:
        content = {
            "quarter": self.quarter,
            "recipient": self.recipient,
            "lang": self.lang,
            "deadline": self.deadline.isoformat(),
            "groups": [
                [g["organiser"], g["municipality_group"], g["components"]] for g in self.groups
            ],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def due(conn: duckdb.DuckDBPyConnection, status: Status) -> list[Reminder]:
    """The reminders the quarter's status calls for, one per recipient and language."""
    outstanding = status.matrix.filter(
        pl.col("separate_expected").fill_null(False) & pl.col("delivery").is_in(OUTSTANDING)
    )
    if outstanding.is_empty():
        return []
    people = contacts(conn, status.quarter)
    order = {name: i for i, name in enumerate(COMPONENTS)}
    joined = (
        outstanding.join(people, on=["organiser", "municipality_group"], how="inner")
        .with_columns(pl.col("component").replace_strict(order, default=99).alias("_o"))
        .sort("recipient", "lang", "organiser", "municipality_group", "_o")
        .group_by(["recipient", "lang", "organiser", "municipality_group"], maintain_order=True)
        .agg(
            pl.col("contact_name").first(),
            pl.col("organiser_name").first(),
            pl.col("component"),
        )
    )
    found: dict[tuple[str, str], Reminder] = {}
    # one row per contact person and group: a few hundred at most, never per data row
    for row in joined.iter_rows(named=True):
        key = (row["recipient"], row["lang"])
        reminder = found.get(key)
        if reminder is None:
            reminder = found[key] = Reminder(
                str(status.quarter),
                row["recipient"],
                row["contact_name"] or "",
                row["lang"] if row["lang"] in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE,
                status.deadline,
                [],
            )
        reminder.groups.append(
            {
                "organiser": row["organiser"],
                "organiser_name": row["organiser_name"] or row["organiser"],
                "municipality_group": row["municipality_group"],
                "components": list(row["component"]),
            }
        )
    return list(found.values())


def compose(reminder: Reminder, settings: Settings, today: dt.date) -> EmailMessage:
    """The reminder as an e-mail in the notification's language (plain text)."""
    t = i18n.translator(reminder.lang)
    lang = reminder.lang
    days = (reminder.deadline - today).days
    if days >= 0:
        when = t(
            "The deadline for the quarter {quarter} is {deadline}.",
            quarter=reminder.quarter,
            deadline=reminder.deadline.isoformat(),
        )
    else:
        when = t(
            "The deadline for the quarter {quarter} was {deadline}: the data is late.",
            quarter=reminder.quarter,
            deadline=reminder.deadline.isoformat(),
        )
    lines = [
        t("Hello {name},", name=reminder.contact_name) if reminder.contact_name else t("Hello,"),
        "",
        t(
            "The social-welfare follow-up register has not yet received the following data for "
            "the quarter {quarter} from the municipality groups of your notification:",
            quarter=reminder.quarter,
        ),
        "",
    ]
    for group in reminder.groups:
        lines.append(f"{group['organiser_name']} – {group['municipality_group']}:")
        lines += [f"  - {COMPONENTS[c].labels[lang]} ({c})" for c in group["components"]]
    lines += [
        "",
        when,
        t("Please send the missing data through the portal or the API."),
        t("If you have already sent it, you can ignore this message."),
    ]
    message = EmailMessage()
    message["Subject"] = t(
        "Sosdata: data missing for the quarter {quarter}", quarter=reminder.quarter
    )
    message["From"] = settings.smtp.sender
    message["To"] = reminder.recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp.sender.rpartition("@")[2] or None)
    message.set_content("\n".join(lines) + "\n")
    # after set_content, which replaces every Content-* header
    message["Content-Language"] = lang
    return message


@dataclass
class Outcome:
    quarter: str
    deadline: dt.date
    #: the reminders e-mailed now
    sent: list[Reminder] = field(default_factory=list)
    #: the reminders already sent with the same content (not sent again)
    already_sent: list[Reminder] = field(default_factory=list)
    #: why nothing was sent at all (too early), or None
    not_yet: str | None = None

    def to_dict(self) -> dict:
        def brief(r: Reminder) -> dict:
            return {"recipient": r.recipient, "lang": r.lang, "groups": r.groups}

        return {
            "quarter": self.quarter,
            "deadline": self.deadline.isoformat(),
            "sent": [brief(r) for r in self.sent],
            "already_sent": [brief(r) for r in self.already_sent],
            "not_yet": self.not_yet,
        }


def _sent_before(conn: duckdb.DuckDBPyConnection, reminder: Reminder) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM reminders WHERE quarter = ? AND recipient = ? AND content_sha256 = ?",
        [reminder.quarter, reminder.recipient, reminder.content_sha256],
    ).fetchone()
    return bool(row and row[0])


def _log(conn: duckdb.DuckDBPyConnection, reminder: Reminder, by: str, forced: bool) -> None:
    conn.execute(
        "INSERT INTO reminders (reminder_id, quarter, recipient, lang, groups, deadline, "
        "content_sha256, sent_at, sent_by, forced) VALUES (nextval('reminder_id_seq'), "
        "?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            reminder.quarter,
            reminder.recipient,
            reminder.lang,
            json.dumps(reminder.groups, ensure_ascii=False),
            reminder.deadline,
            reminder.content_sha256,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            by,
            forced,
        ],
    ).fetchall()  # leaves no unfinished result on the connection for its next query


def remind(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    status: Status,
    *,
    sent_by: str,
    days_before: int | None = None,
    force: bool = False,
    today: dt.date | None = None,
) -> Outcome:
    """Send the reminders ``status`` calls for, each logged as it is sent.

    ``days_before``: send only from that many days before the deadline on (a daily scheduled
    run then starts reminding in time, and keeps reminding after the deadline for what is
    still missing, once per change of content). ``force`` sends again what was already sent.
    """
    today = today or dt.date.today()
    outcome = Outcome(str(status.quarter), status.deadline)
    if days_before is not None and (status.deadline - today).days > days_before:
        outcome.not_yet = (
            f"the deadline {status.deadline.isoformat()} is more than {days_before} days away"
        )
        return outcome
    for reminder in due(conn, status):
        if not force and _sent_before(conn, reminder):
            outcome.already_sent.append(reminder)
            continue
        # sent first, logged once the server took it: a failure sends and logs nothing more
        send(compose(reminder, settings, today), settings.smtp)
        _log(conn, reminder, sent_by, force)
        outcome.sent.append(reminder)
    return outcome


def log(conn: duckdb.DuckDBPyConnection, quarter: Quarter | None = None) -> pl.DataFrame:
    """The reminders sent (of one quarter), newest first."""
    return query_frame(
        conn,
        "SELECT reminder_id, quarter, recipient, lang, groups::VARCHAR AS groups, deadline, "
        "sent_at, sent_by, forced FROM reminders "
        "WHERE $quarter IS NULL OR quarter = $quarter ORDER BY reminder_id DESC",
        {"quarter": str(quarter) if quarter else None},
    )
