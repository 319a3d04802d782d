"""The HTTP client of the provincial integration platform (LGSP): OAuth2 client credentials, cursor pages, retries.

LGSP answers slowly or with 5xx under load, so every request is retried a bounded number of times with exponential
backoff and jitter (timeouts, refused connections and 5xx; never other 4xx, which a retry cannot fix). The bearer
token is cached until shortly before it expires and fetched again once when LGSP answers 401. A feed page is
``GET <base>/<feed>?cursor=C&limit=N`` answering ``{"items": [...], "next_cursor": "...", "has_more": bool}``.
Only the standard library is used: the client runs in the CLI, the console and operator Jobs alike.
"""

from __future__ import annotations

import base64
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ArchiveError, InvalidInput
from .settings import Settings

TOKEN_MARGIN_SECONDS = 30.0
"""A token is renewed this long before LGSP says it expires, so a page request never carries an expired one."""
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class LgspUnavailable(ArchiveError):
    """LGSP could not be reached or kept failing after every retry: the run stops, its cursor stays where it was."""

    http_status = 502


@dataclass(frozen=True)
class Page:
    """One page of a feed: its records and the cursor that follows it."""

    items: list[Any]
    next_cursor: str | None
    has_more: bool


@dataclass(frozen=True)
class LgspConfig:
    """Where LGSP is and who the archive is there (from settings, checked before any request)."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    timeout: float
    retries: int
    backoff: float

    @classmethod
    def from_settings(cls, settings: Settings) -> LgspConfig:
        if not settings.lgsp_base_url:
            raise InvalidInput("Chưa cấu hình kết nối LGSP (KHOLUUTRU_LGSP_BASE_URL).",
                               "LGSP is not configured (KHOLUUTRU_LGSP_BASE_URL).", field="lgsp_base_url")
        if not settings.lgsp_client_id or settings.lgsp_client_secret_file is None:
            raise InvalidInput("Thiếu mã ứng dụng hoặc tệp khóa bí mật LGSP.",
                               "The LGSP client id or client secret file is missing.", field="lgsp_client_id")
        try:
            secret = settings.lgsp_client_secret_file.read_text().splitlines()[0].strip()
        except (OSError, IndexError) as error:
            raise InvalidInput("Không đọc được tệp khóa bí mật LGSP.",
                               f"The LGSP client secret file cannot be read: {error}",
                               field="lgsp_client_secret_file") from error
        base = settings.lgsp_base_url.rstrip("/")
        return cls(base, settings.lgsp_token_url or f"{base}/oauth2/token", settings.lgsp_client_id, secret,
                   settings.lgsp_timeout_seconds, settings.lgsp_retries, settings.lgsp_backoff_seconds)


class LgspClient:
    """Pages of the LGSP feeds, with the token and the retries handled here once."""

    def __init__(self, config: LgspConfig, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self._sleep = sleep
        self._token: str | None = None
        self._token_expires = 0.0
        self.requests = 0
        """Requests sent, retries included (reported in the run summary)."""

    def page(self, feed: str, cursor: str | None, limit: int) -> Page:
        """The page of ``feed`` that starts at ``cursor`` (None: the beginning)."""
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        body = self._authorised_get(f"{self.config.base_url}/{feed}?{urllib.parse.urlencode(query)}")
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise LgspUnavailable("LGSP trả về trang dữ liệu không đúng định dạng.",
                                  f"LGSP answered a {feed} page without an 'items' list.")
        next_cursor = body.get("next_cursor")
        return Page(items, None if next_cursor is None else str(next_cursor), bool(body.get("has_more")))

    def _authorised_get(self, url: str) -> Any:
        try:
            return self._send(self._get(url))
        except urllib.error.HTTPError as error:
            if error.code != 401:
                raise self._refused(error) from error
        self._token = None  # revoked or expired early: one fresh token, then give up
        try:
            return self._send(self._get(url))
        except urllib.error.HTTPError as error:
            raise self._refused(error) from error

    def _get(self, url: str) -> urllib.request.Request:
        return urllib.request.Request(url, headers={"Authorization": f"Bearer {self._bearer()}",
                                                    "Accept": "application/json"})

    def _bearer(self) -> str:
        if self._token is None or time.monotonic() >= self._token_expires:
            credentials = base64.b64encode(f"{self.config.client_id}:{self.config.client_secret}".encode()).decode()
            request = urllib.request.Request(
                self.config.token_url, data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
                headers={"Authorization": f"Basic {credentials}", "Accept": "application/json",
                         "Content-Type": "application/x-www-form-urlencoded"}, method="POST")
            try:
                answer = self._send(request)
            except urllib.error.HTTPError as error:
                raise self._refused(error) from error
            token = answer.get("access_token") if isinstance(answer, dict) else None
            if not token:
                raise LgspUnavailable("LGSP không cấp mã truy cập.", "LGSP's token endpoint gave no access token.")
            self._token = str(token)
            lifetime = float(answer.get("expires_in") or 0)
            self._token_expires = time.monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 0.0)
        return self._token

    def _send(self, request: urllib.request.Request) -> Any:
        """One request with the bounded retries; HTTPError other than a retried status goes to the caller."""
        attempt = 0
        while True:
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as error:
                if error.code not in RETRIED_STATUSES:
                    raise
                problem = f"HTTP {error.code}"
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                problem = str(getattr(error, "reason", None) or error) or type(error).__name__
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise LgspUnavailable("LGSP trả về dữ liệu không phải JSON.",
                                      f"LGSP answered something that is not JSON: {error}") from error
            if attempt >= self.config.retries:
                raise LgspUnavailable(
                    f"LGSP không phản hồi sau {attempt + 1} lần thử ({problem}).",
                    f"LGSP failed {attempt + 1} times ({problem}); the next run resumes from the stored cursor.")
            self._sleep(self.config.backoff * 2 ** attempt + random.uniform(0, self.config.backoff))
            attempt += 1

    @staticmethod
    def _refused(error: urllib.error.HTTPError) -> LgspUnavailable:
        return LgspUnavailable(f"LGSP từ chối yêu cầu (HTTP {error.code}).",
                               f"LGSP refused the request (HTTP {error.code} {error.reason}).")
