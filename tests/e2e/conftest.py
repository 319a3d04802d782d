"""Shared by the browser tests: ``kholuutru up --demo`` in its own process, and Debian's chromium through Playwright.

The platform starts exactly as a person starts it (its own embedded PostgreSQL in a fresh data dir, migrations,
demo seed, waitress on 127.0.0.1) once per session; the demo accounts' one-time passwords, and that of the demo
signing keys the seed writes into the data dir, are read from its output. Each test module then starts the platform
again, as a person restarts it, on its own copy of that data dir. ``login`` and ``sign`` act as a person does in the
browser.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page

sys.path.insert(0, str(Path(__file__).parents[1] / "shared"))  # the shared test PKI and scans

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
STARTUP_LIMIT = 300  # seconds: a safety net for a hung start, not a speed assertion (first initdb included)
READY = re.compile(r"The platform is running at (http://\S+/)")
DEMO_ACCOUNT = re.compile(r"^\s+(\S+)\s+(\S+)\s+.+$")
KEY_PASSWORD = re.compile(r"signing key password \(shown once\): (\S+)$")


@dataclass
class RunningPlatform:
    process: subprocess.Popen[str]
    url: str
    data_dir: Path
    output: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    key_password: str | None = None

    def demo_key(self, username: str) -> Path:
        """The demo PKCS#12 file of ``canbo`` (personal certificate) or ``vanthu`` (the unit's seal)."""
        return self.data_dir / "demo-pki" / f"{username}.p12"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pump(stream, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    """Settings (``KHOLUUTRU_*``) for the platform a test module starts; a module overrides this to add some."""
    return {}


@contextmanager
def running(data_dir: Path, platform_env: dict[str, str]) -> Iterator[RunningPlatform]:
    """``kholuutru up --demo`` on ``data_dir`` and a free port of 127.0.0.1 until it announces its URL; stopped with
    SIGTERM on leaving. The accounts' and keys' passwords are read from its output when this start made them."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHOLUUTRU_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(platform_env)
    command = [str(Path(sys.executable).parent / "kholuutru"), "up", "--demo", "--data-dir", str(data_dir),
               "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    platform = RunningPlatform(process, url="", data_dir=data_dir)
    try:
        while not platform.url:
            try:
                line = lines.get(timeout=STARTUP_LIMIT)
            except queue.Empty:
                pytest.fail("kholuutru up did not start:\n" + "\n".join(platform.output))
            if line is None:
                pytest.fail(f"kholuutru up exited with {process.wait()}:\n" + "\n".join(platform.output))
            platform.output.append(line)
            if (account := DEMO_ACCOUNT.match(line)) and not line.startswith("    "):
                platform.passwords[account.group(1)] = account.group(2)
            if key := KEY_PASSWORD.search(line):
                platform.key_password = key.group(1)
            if ready := READY.search(line):
                platform.url = ready.group(1)
        yield platform
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        try:
            while (line := lines.get(timeout=10)) is not None:
                platform.output.append(line)
        except queue.Empty:
            pass


def _data_dir() -> Path:
    """A short folder that the embedded server's unprivileged user can reach (pytest's tmp dir is root-only)."""
    data_dir = Path(tempfile.mkdtemp(prefix="khl-e2e-"))
    data_dir.chmod(0o755)
    return data_dir


@pytest.fixture(scope="session")
def first_start() -> Iterator[RunningPlatform]:
    """The platform's first start on an empty data dir, as a person makes it — the embedded PostgreSQL initialised,
    the migrations, the demo seed with its one-time passwords — then stopped with SIGTERM. What it leaves behind is
    the seeded data dir every test module's platform starts again from (a copy each), so the seed runs once."""
    data_dir = _data_dir()
    try:
        with running(data_dir, {}) as first:
            # Stopped once it serves a page: a SIGTERM between its announcement and its serving loop would abort it.
            with urllib.request.urlopen(first.url + "login/", timeout=STARTUP_LIMIT) as page:
                assert page.status == 200, "\n".join(first.output)
        assert first.process.returncode == 0, "\n".join(first.output)  # stopped cleanly: a consistent data dir
        yield first
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def platform(first_start: RunningPlatform, platform_env: dict[str, str]) -> Iterator[RunningPlatform]:
    """``kholuutru up --demo`` started again on a copy of the first start's data dir (its own database, documents
    and demo keys: nothing a module changes is seen by another), stopped with SIGTERM afterwards; the demo passwords
    are those the first start showed."""
    data_dir = _data_dir()
    try:
        # cp -a keeps the owner of the PostgreSQL cluster: the unprivileged user the server runs as under root.
        subprocess.run(["cp", "-a", f"{first_start.data_dir}/.", str(data_dir)], check=True)
        with running(data_dir, platform_env) as again:
            again.passwords = {**first_start.passwords, **again.passwords}
            again.key_password = again.key_password or first_start.key_password
            again.output[:0] = first_start.output
            yield again
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (or apt-get install -y chromium) first.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def login(browser, platform: RunningPlatform):
    """``login(username)``: a page of a fresh browser context, logged in through the login form as a demo account."""

    def make(username: str) -> Page:
        assert username in platform.passwords, "\n".join(platform.output)
        page = browser.new_context(locale="vi-VN").new_page()
        page.goto(platform.url + "login/")
        page.fill("#username", username)
        page.fill("#password", platform.passwords[username])
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_selector("#kholuutru-whoami")
        return page

    return make


@pytest.fixture(scope="module")
def sign(platform: RunningPlatform):
    """``sign(page, dossier_url, order, kind, **fields)``: the signing form of document ``order`` filled with the
    signer's demo PKCS#12 file (canbo's for ``personal``, vanthu's for ``organisation``) and its password."""

    def act(page: Page, dossier_url: str, order: int, kind: str, **fields: str) -> None:
        assert platform.key_password, "\n".join(platform.output)
        page.goto(dossier_url)
        page.click(f"tr[data-order='{order}'] .kholuutru-sign-{kind}")
        page.set_input_files("#pkcs12", str(platform.demo_key("canbo" if kind == "personal" else "vanthu")))
        page.fill("#password", platform.key_password)
        for selector, value in fields.items():
            page.fill(selector, value)
        page.click("#kholuutru-sign-button")
        page.wait_for_url(dossier_url)

    return act
