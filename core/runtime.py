"""The ground services every part of Signpost runs on: settings, the database engine and the field cipher."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core.crypto import FieldCipher
from core.settings import Settings


@dataclass(frozen=True)
class Runtime:
    """Settings, database engine and field cipher, shared by the bot, its jobs and the command-line tools."""

    settings: Settings
    engine: Engine
    cipher: FieldCipher
