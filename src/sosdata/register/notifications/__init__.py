"""Notifications of delivery method as the register stores them: versions, submissions and
their e-mail confirmation, import and export, and the sources they promise.

The notification itself — form, checks, document, summary — is a format (``sosdata.notification``)
that knows nothing of the database.
"""

from sosdata.register.notifications.expected import expected_sources

__all__ = ["expected_sources"]
