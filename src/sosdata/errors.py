"""The one base class of errors a user can act on.

The command line and the web application show such an error's message (which names the file,
line and column where it applies) and never a traceback. Anything else is a bug.
"""


class UserError(Exception):
    """Bad input or configuration: the message says where, what is wrong and what to do."""


class AccessError(UserError, PermissionError):
    """The acting user may not do what was asked."""


class NotFound(UserError, LookupError):
    """No such thing, or none the acting user may see: the two answers are one on purpose."""
