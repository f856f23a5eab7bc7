"""Calling one verb of the register the way a command does: open it, act as a user, close it."""

from __future__ import annotations

from typing import Any

from sosdata.app import Register
from sosdata.config import Settings


def call(settings: Settings, user_id: str, verb: str, *args: Any, **kwargs: Any) -> Any:
    """``Register(settings).<verb>(actor of user_id, *args, **kwargs)``."""
    with Register(settings) as register:
        return getattr(register, verb)(register.actor(user_id), *args, **kwargs)
