"""What every handler needs at run time, kept in `application.bot_data["runtime"]`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.config import Settings
from casework.crypto import FieldCipher

RUNTIME_KEY = "runtime"


@dataclass
class Runtime:
    """Settings, database engine and field cipher shared by all handlers and jobs."""

    settings: Settings
    engine: Engine
    cipher: FieldCipher
    extras: dict[str, Any] = field(default_factory=dict)


def get_runtime(context: Any) -> Runtime:
    """The runtime from a PTB `CallbackContext` (or anything with `.application.bot_data`)."""
    return context.application.bot_data[RUNTIME_KEY]
