"""A real OpenID Connect provider for the single sign-on tests: ``oidc-provider-mock`` in its own process on 127.0.0.1.

It serves discovery, an authorisation form, signed ID tokens and userinfo like a provincial SSO would; people and
their claims are given at start (``--user-claims``) or later (``PUT /users/<sub>``). It accepts any client id and
secret, and requires a nonce (``--require-nonce``), which the console's Authlib client always sends.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import quote

STARTUP_LIMIT = 60  # seconds: a safety net for a hung start, not a speed assertion


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_provider(people: list[dict[str, object]]) -> Iterator[str]:
    """The provider with ``people`` (claims, each with its ``sub``), stopped afterwards; yields its issuer URL."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "oidc-provider-mock"), "--host", "127.0.0.1", "--port", str(port),
               "--require-nonce", "true"]
    for person in people:
        command += ["--user-claims", json.dumps(person)]
    with tempfile.TemporaryFile("w+") as log:  # a file, not a pipe: the provider logs every request
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        issuer = f"http://127.0.0.1:{port}"
        try:
            _wait_for_discovery(process, issuer, log)
            yield issuer
        finally:
            process.terminate()
            process.wait(timeout=30)


def set_claims(issuer: str, sub: str, claims: dict[str, object]) -> None:
    """Give the person ``sub`` these claims from now on (the provider's own user API)."""
    request = urllib.request.Request(f"{issuer}/users/{quote(sub)}", data=json.dumps(claims).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 204


def _wait_for_discovery(process: subprocess.Popen[str], issuer: str, log: IO[str]) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"oidc-provider-mock exited:\n{log.read()}")
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError("oidc-provider-mock did not start")
