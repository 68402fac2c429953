"""The webhook server: Starlette on uvicorn, feeding PTB's update queue (PTB's "customwebhookbot" pattern).

PTB's built-in server reads a whole request body before it checks Telegram's secret header, answers malformed JSON
with 500 and logs an update it cannot read together with its text. This one checks the secret and the declared
size before reading anything, stops reading past `MAX_BODY_BYTES` (Telegram's updates are a few kilobytes), answers
400 to anything that is not an update, and never logs what an update says.

The PTB application lives inside the server's lifespan, so uvicorn's graceful shutdown (SIGTERM) stops it too.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from core.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header's name, not a secret
MAX_BODY_BYTES = 1 << 20  # 1 MiB: far above any real update, far below what could hurt


class _TooLarge(Exception):
    """The body went past MAX_BODY_BYTES."""


async def _read_capped(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _TooLarge
    return bytes(body)


def update_receiver(application: Application, secret: str) -> Callable[[Request], Any]:
    """The endpoint Telegram POSTs updates to."""

    async def receive(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            return Response("forbidden", status_code=403)  # not from Telegram: nothing read
        declared = request.headers.get("content-length", "")
        if declared and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            return Response("too large", status_code=413)
        try:
            data = json.loads(await _read_capped(request))
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except _TooLarge:
            return Response("too large", status_code=413)
        except Exception as problem:  # malformed JSON, or JSON that is not an update: say which, never what
            log.warning("webhook: refused a request that is not a readable update (%s)", type(problem).__name__)
            return Response("not an update", status_code=400)
        if update is None:
            return Response("not an update", status_code=400)
        await application.update_queue.put(update)
        return Response("ok")

    return receive


class WebhookServer(uvicorn.Server):
    """Serves `application` by webhook on `settings.webhook_listen:webhook_port` until SIGTERM/SIGINT (or `stop`).

    `on_ready` is called once the port is open and Telegram has been told the URL."""

    def __init__(self, application: Application, settings: Settings, options: dict[str, Any],
                 on_ready: Callable[[], None] = lambda: None) -> None:
        assert settings.webhook_url and settings.webhook_secret, "checked by bot.app.webhook_options"
        self.application, self._on_ready = application, on_ready
        path = "/" + urlsplit(settings.webhook_url).path.lstrip("/")
        app = Starlette(
            routes=[Route(path, update_receiver(application, settings.webhook_secret), methods=["POST"])],
            lifespan=self._lifespan(settings, options),
        )
        super().__init__(uvicorn.Config(app, host=settings.webhook_listen, port=settings.webhook_port,
                                        access_log=False, log_level="warning", lifespan="on"))

    def _lifespan(self, settings: Settings, options: dict[str, Any]):  # type: ignore[no-untyped-def]
        application = self.application

        @asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            async with application:  # initialize ... shutdown
                if application.post_init:
                    await application.post_init(application)
                await application.bot.set_webhook(
                    settings.webhook_url, secret_token=settings.webhook_secret,
                    allowed_updates=options["allowed_updates"], drop_pending_updates=options["drop_pending_updates"],
                )
                await application.start()
                try:
                    yield
                finally:
                    await application.stop()

        return lifespan

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_ready()

    def stop(self) -> None:
        """Shut down gracefully (as on SIGTERM)."""
        self.should_exit = True
