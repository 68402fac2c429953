"""Real HTTP servers on 127.0.0.1 for ORUK tests: the Signpost API under uvicorn, and a plain feed of JSON pages."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvicorn
from starlette.applications import Starlette


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Run `app` under a real uvicorn server on a free 127.0.0.1 port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # start-up, not behaviour: the tests never wait on what they check
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@contextmanager
def static_feed(services: list[dict[str, Any]], full: bool = True) -> Iterator[tuple[str, list[str]]]:
    """A minimal ORUK feed: `/feed/services?page&per_page` pages of one-to-one fields and, when `full`,
    `/feed/services/{id}`. Yields the base URL and the list of paths it was asked for."""
    asked: list[str] = []
    by_id = {service["id"]: service for service in services}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            asked.append(self.path)
            query = parse_qs(url.query)
            if url.path == "/feed/services":
                number, per_page = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["2"])[0])
                chunk = services[(number - 1) * per_page:number * per_page]
                pages = max(1, -(-len(services) // per_page))
                summaries = [{key: value for key, value in item.items() if not isinstance(value, list)}
                             for item in chunk]
                self._send(200, {"total_items": len(services), "total_pages": pages, "page_number": number,
                                 "size": len(chunk), "first_page": number == 1, "last_page": number >= pages,
                                 "empty": not chunk, "contents": summaries})
            elif full and url.path.startswith("/feed/services/") and url.path.rsplit("/", 1)[1] in by_id:
                self._send(200, by_id[url.path.rsplit("/", 1)[1]])
            else:
                self._send(404, {"error": "not found"})

        def _send(self, status: int, body: Any) -> None:
            content = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)
