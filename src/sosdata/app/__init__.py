"""The application core: one :class:`Register` object, one access policy, jobs, one writer.

The command line (``sosdata.cli``) and the web application (``sosdata.web``) call this and
nothing else below it.
"""

from sosdata.app.jobs import Job
from sosdata.app.policy import PUBLIC, Action, Actor, Role, allowed, require, require_role
from sosdata.app.register import Register
from sosdata.app.writer import RegisterBusy

__all__ = [
    "PUBLIC",
    "Action",
    "Actor",
    "Job",
    "Register",
    "RegisterBusy",
    "Role",
    "allowed",
    "require",
    "require_role",
]
