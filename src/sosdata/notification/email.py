"""The confirmation e-mail: the summary of the answers and a one-time code, sent over SMTP.

The message is in the answerer's language, plain text with an HTML alternative, and goes to the
contact person (question 1) through the SMTP server of the configuration (``[smtp]``).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sosdata.config import SmtpSettings
from sosdata.errors import UserError
from sosdata.notification import summary
from sosdata.notification.document import Notification
from sosdata.notification.form import FormContext, labels

_SUBJECT = labels(
    "Sosdata: vahvista ilmoitus tiedonantotavasta – {group}",
    "Sosdata: bekräfta anmälan om leveranssätt – {group}",
    "Sosdata: confirm the notification of delivery method – {group}",
)
_INTRO = labels(
    "Alla on yhteenveto kuntaryhmän {group} ilmoituksesta (ilmoitus {id}, versio {version}). "
    "Ilmoitus on lähetetty vasta, kun vahvistat sen. Vahvista avaamalla alla oleva linkki ja "
    "kirjautumalla Sosdataan järjestäjäsi käyttäjänä. Linkki on voimassa {expires} asti (UTC) "
    "ja toimii kerran.",
    "Nedan finns ett sammandrag av anmälan för kommungruppen {group} (anmälan {id}, version "
    "{version}). Anmälan är inlämnad först när du bekräftar den. Bekräfta genom att öppna "
    "länken nedan och logga in i Sosdata som användare hos din anordnare. Länken gäller till "
    "{expires} (UTC) och fungerar en gång.",
    "Below is a summary of the notification for the municipality group {group} (notification "
    "{id}, version {version}). It is submitted only once you confirm it. Confirm it by opening "
    "the link below and signing in to Sosdata as a user of your organiser. The link is valid "
    "until {expires} (UTC) and works once.",
)
#: without a portal address (no link to give): the code, entered on the notification's page
_INTRO_CODE = labels(
    "Alla on yhteenveto kuntaryhmän {group} ilmoituksesta (ilmoitus {id}, versio {version}). "
    "Ilmoitus on lähetetty vasta, kun vahvistat sen koodilla {code} Sosdatan "
    "ilmoitussivulla. Koodi on voimassa {expires} asti (UTC).",
    "Nedan finns ett sammandrag av anmälan för kommungruppen {group} (anmälan {id}, version "
    "{version}). Anmälan är inlämnad först när du bekräftar den med koden {code} på anmälans "
    "sida i Sosdata. Koden gäller till {expires} (UTC).",
    "Below is a summary of the notification for the municipality group {group} (notification "
    "{id}, version {version}). It is submitted only once you confirm it with the code {code} "
    "on the notification's page in Sosdata. The code is valid until {expires} (UTC).",
)
_ROUND = labels(
    "Ilmoituskierros {round}, määräaika {deadline}.",
    "Anmälningsomgång {round}, sista dag {deadline}.",
    "Notification round {round}, deadline {deadline}.",
)
_IGNORE = labels(
    "Jos et tehnyt tätä ilmoitusta, voit jättää viestin huomiotta.",
    "Om du inte gjorde denna anmälan kan du lämna meddelandet utan åtgärd.",
    "If you did not make this notification, you can ignore this message.",
)


class EmailError(UserError, RuntimeError):
    """The SMTP server could not be reached or refused the message."""


def compose(
    notification: Notification,
    ctx: FormContext,
    smtp: SmtpSettings,
    *,
    notification_id: int,
    version: int,
    code: str,
    expires: str,
    deadline: str,
    link: str | None = None,
) -> EmailMessage:
    """The summary e-mail; ``link`` (the portal's one-time confirmation address, holding the
    code) when the portal's address is known, else the code to enter on the notification's page.
    """
    lang = notification.lang
    fields = {
        "group": notification.group_name,
        "id": notification_id,
        "version": version,
        "code": code,
        "expires": expires,
        "round": notification.round,
        "deadline": deadline,
    }
    header = [
        (_INTRO if link else _INTRO_CODE)[lang].format(**fields),
        *([link] if link else []),
        _ROUND[lang].format(**fields),
        _IGNORE[lang],
    ]
    message = EmailMessage()
    message["Subject"] = _SUBJECT[lang].format(**fields)
    message["From"] = smtp.sender
    message["To"] = notification.contact_email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message["Content-Language"] = lang
    message.set_content(summary.render_text(notification, ctx, lang, header))
    html_header = [line for line in header if line != link]
    message.add_alternative(
        summary.render_html(notification, ctx, lang, html_header, link), subtype="html"
    )
    return message


def send(message: EmailMessage, smtp: SmtpSettings, timeout: float = 30) -> None:
    """Deliver through the configured server; any failure is an :class:`EmailError`."""
    where = f"{smtp.host}:{smtp.port}"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                server.login(smtp.username, smtp.password or "")
            refused = server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise EmailError(
            f"could not send the e-mail through the SMTP server {where}: {exc}; check the [smtp] "
            "settings (or SOSDATA_SMTP_HOST / SOSDATA_SMTP_PORT) and try again"
        ) from None
    if refused:
        raise EmailError(f"the SMTP server {where} refused the recipients {sorted(refused)}")
