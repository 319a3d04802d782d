"""``kholuutru up`` is a command of the archive's CLI, reached through the ``kholuutru.cli`` entry points."""

from __future__ import annotations

import socket

import click
import pytest
from click.testing import CliRunner

from kholuutru.archive.cli import main
from kholuutru.console.cli import serve


def test_up_is_registered_with_its_options():
    result = CliRunner().invoke(main, ["up", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--data-dir", "--host", "--port", "--demo"):
        assert option in result.output


def test_a_taken_port_is_a_clear_error_not_a_traceback():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(click.ClickException) as refused:
            serve(lambda environ, start_response: [], "127.0.0.1", port)
    assert f"127.0.0.1:{port}" in refused.value.message


def test_a_stop_before_the_loop_starts_closes_the_socket_and_returns():
    # SIGTERM raises KeyboardInterrupt wherever the main thread is: right after "running at …" is printed, before
    # waitress's loop has begun, it must still be a clean stop (exit 0), with the port given back.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def stopped_at_once() -> None:
        raise KeyboardInterrupt

    serve(lambda environ, start_response: [], "127.0.0.1", port, on_ready=stopped_at_once)
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))
