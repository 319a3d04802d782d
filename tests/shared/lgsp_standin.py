"""A local stand-in of the provincial integration platform (LGSP) on 127.0.0.1, started and stopped by the tests.

It speaks the protocol the archive's client expects: ``POST /oauth2/token`` (client credentials with HTTP Basic,
answering a bearer token that expires after ``token_lifetime`` seconds), and ``GET /<feed>?cursor=C&limit=N`` with
the bearer token, answering ``{"items", "next_cursor", "has_more"}``. A feed is an append-only change log; the cursor
is the position in it, so records appended later are served from the stored cursor on. Faults are injected per
request: a 500 answer on a given page (a number of times), a delay beyond the client's timeout, revoked tokens.
Duplicates and malformed records are simply put in the feed's data by the tests.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_ID = "kholuutru-test"
CLIENT_SECRET = "lgsp-test-secret"


@dataclass
class Faults:
    """Faults still to inject, keyed by (feed, cursor) — the page they hit; each use counts one down."""

    errors: Counter = field(default_factory=Counter)
    delays: Counter = field(default_factory=Counter)
    delay_seconds: float = 2.0


class LgspStandIn:
    """The server and its state; tests change ``feeds`` and ``faults`` between runs."""

    def __init__(self, token_lifetime: int = 3600) -> None:
        self.feeds: dict[str, list[Any]] = {"users": [], "procedures": [], "dossiers": []}
        self.faults = Faults()
        self.token_lifetime = token_lifetime
        self.tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.requests: list[tuple[str, str | None, int]] = []
        """(feed, cursor, status) of every page request, in order; status 0 for one left unanswered (timeout)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="lgsp-stand-in", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LgspStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def page_requests(self, feed: str) -> list[tuple[str | None, int]]:
        return [(cursor, status) for name, cursor, status in self.requests if name == feed]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                if self.path != "/oauth2/token" or form.get("grant_type") != ["client_credentials"]:
                    return self._json(400, {"error": "unsupported_grant_type"})
                if self.headers.get("Authorization") != f"Basic {expected}":
                    return self._json(401, {"error": "invalid_client"})
                token = secrets.token_urlsafe(16)
                standin.tokens[token] = time.monotonic() + standin.token_lifetime
                standin.tokens_issued += 1
                self._json(200, {"access_token": token, "token_type": "Bearer",
                                 "expires_in": standin.token_lifetime})

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                feed = url.path.strip("/")
                query = urllib.parse.parse_qs(url.query)
                cursor = query.get("cursor", [None])[0]
                if feed not in standin.feeds:
                    return self._json(404, {"error": "no such feed"})
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if standin.tokens.get(token, 0) <= time.monotonic():
                    return self._page(feed, cursor, 401, {"error": "invalid_token"})
                key = (feed, cursor)
                if standin.faults.delays[key] > 0:  # answer nothing until the client has given up
                    standin.faults.delays[key] -= 1
                    standin.requests.append((feed, cursor, 0))
                    time.sleep(standin.faults.delay_seconds)
                    return None
                if standin.faults.errors[key] > 0:
                    standin.faults.errors[key] -= 1
                    return self._page(feed, cursor, 500, {"error": "internal error"})
                offset = int(cursor.removeprefix("c")) if cursor else 0
                limit = int(query.get("limit", ["100"])[0])
                items = standin.feeds[feed][offset:offset + limit]
                end = offset + len(items)
                self._page(feed, cursor, 200, {"items": items, "next_cursor": f"c{end}",
                                               "has_more": end < len(standin.feeds[feed])})

            def _page(self, feed: str, cursor: str | None, status: int, body: dict[str, Any]) -> None:
                standin.requests.append((feed, cursor, status))
                self._json(status, body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away

        return Handler
