"""The notification of delivery method (SPEC §9): form, checks, versions, summary e-mail.

Each county tells the register, per municipality group, where its data will come from. The
form's model (:mod:`.form`) drives the interactive prompt, the checks, the e-mailed summary, the
export and the JSON Schema; :func:`expected_sources` gives the register's build and monitoring
the promised source per municipality, service task and component.
"""

from sosdata.notification.document import Notification, NotificationError
from sosdata.notification.form import FormContext

__all__ = ["FormContext", "Notification", "NotificationError"]
