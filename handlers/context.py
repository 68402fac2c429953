"""What handlers and jobs reach through PTB's `ContextTypes`: typed services, not string keys in `bot_data`."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from core.flood import FloodLimit
from core.runtime import Runtime
from core.settings import Settings
from directory.live import LiveDirectory
from scheduler.engine import FollowUpEngine
from scheduler.hooks import FollowUpPlanner


@dataclass
class Services:
    """Everything a running bot shares between updates and jobs."""

    runtime: Runtime  # settings, database, field cipher
    directory: LiveDirectory  # the search index answering this process's searches
    followups: FollowUpPlanner  # casework's follow-up hooks: plans prompts in the same transaction
    flood: FloodLimit  # per-person flood protection, counted in the database (shared by every process)
    delivery: FollowUpEngine  # sends follow-ups and owed messages (the outbox); scheduled once updates flow


class BotData:
    """`application.bot_data`: holds the `Services`, set once when the application is built."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the bot's services were not installed (see bot.app.build_application)")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services


class SignpostContext(CallbackContext[ExtBot, dict, dict, BotData]):
    """The callback context of every Signpost handler and job."""

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def runtime(self) -> Runtime:
        return self.services.runtime

    @property
    def settings(self) -> Settings:
        return self.services.runtime.settings


CONTEXT_TYPES = ContextTypes(context=SignpostContext, bot_data=BotData)
SignpostApplication = Application[ExtBot, SignpostContext, dict, dict, BotData, object]
