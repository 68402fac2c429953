"""How the bot talks HTTP to the Telegram Bot API: PTB's `BaseRequest` over aiohttp, with JSON bodies.

PTB's default, `HTTPXRequest`, costs about 1 ms more CPU per request here (httpx, httpcore, h11 and anyio layers; the
form body is percent-encoded byte by byte): a bot that only echoes messages costs 4.9 ms an update over it and 2.7 ms
over this class (`benchmarks/load_bench.py` prints both). PTB supports other HTTP clients through `BaseRequest`;
the PTB team's own aiohttp implementation lives in ptbcontrib, which is not published on PyPI, hence this small
class. Bodies are JSON (`application/json`, which the Bot API accepts for every method), except uploads, which stay
multipart form data.
Timeouts and errors map to PTB's: `TimedOut` for any timeout, `NetworkError` for anything else that fails on the
way. Proxies come from the environment (HTTPS_PROXY, NO_PROXY and friends), as they did with httpx: looked up once
per host, since aiohttp's own `trust_env` reads the environment and ~/.netrc again for every request (a third of a
millisecond of CPU each).
"""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One pool of keep-alive connections to the Bot API, opened in `initialize` on the running event loop."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_proxies", "_read", "_session", "_write")

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect = read_timeout, write_timeout, connect_timeout
        self._pool, self._media_write = pool_timeout, media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}  # (scheme, host) -> the proxy the environment names

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                timeout=aiohttp.ClientTimeout(total=None),
                json_serialize=json.dumps,
            )
            self._proxies.clear()  # the environment is read afresh for a new session

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        uploading = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._read)
        write = _given(write_timeout, self._media_write if uploading else self._write)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(_given(pool_timeout, self._pool), _given(connect_timeout, self._connect)),
            sock_connect=_given(connect_timeout, self._connect),
            # aiohttp has no write timeout: an upload's time to send counts towards the wait for the answer
            sock_read=_sum(read, write) if uploading else read,
        )
        body: dict[str, object] = {}
        if uploading:
            assert request_data is not None
            body["data"] = _multipart(request_data)
        elif request_data is not None and request_data.parameters:
            body["json"] = request_data.parameters
        try:
            async with self._session.request(
                method, url, headers={"User-Agent": self.USER_AGENT}, timeout=timeout, proxy=self._proxy_for(url),
                **body,  # type: ignore[arg-type]
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's pool, connect and read timeouts are all TimeoutErrors
            raise TimedOut from error
        except aiohttp.ClientError as error:  # the message never quotes the URL, which holds the bot's token
            detail = "" if isinstance(error, aiohttp.InvalidURL) else f": {error}"
            raise NetworkError(f"aiohttp.{type(error).__name__}{detail}") from error

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment names for `url`'s scheme and host (None: go direct), looked up once each."""
        parts = urlsplit(url)
        where = (parts.scheme, parts.hostname or "")
        if where not in self._proxies:
            bypass = urllib.request.proxy_bypass(where[1]) if where[1] else True
            self._proxies[where] = None if bypass else urllib.request.getproxies().get(where[0])
        return self._proxies[where]


def _given(value: float | object | None, default: float | None) -> float | None:
    """A timeout PTB passed, or ours when it passed its "use the default" marker."""
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]


def _sum(first: float | None, second: float | None) -> float | None:
    """Two timeouts in a row; None (no limit) if either is unlimited."""
    return None if first is None or second is None else first + second


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """An upload: the other parameters as JSON-encoded form fields, each file as a part of its own."""
    form = aiohttp.FormData(request_data.json_parameters)
    for field, part in request_data.multipart_data.items():
        filename, content, *content_type = part
        form.add_field(field, content, filename=filename, content_type=content_type[0] if content_type else None)
    return form
