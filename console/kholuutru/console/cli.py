"""``kholuutru up``: the whole platform locally, in the foreground (ARCHITECTURE §4).

Registered in the ``kholuutru.cli`` entry-point group, which the archive's command group loads; the archive never
imports the console (ARCHITECTURE §2). Starts (or connects to) the database, migrates it, optionally seeds the demo
province, opens the document storage and serves the console with waitress until SIGINT/SIGTERM — running the backup
and drill schedule (``backup_schedule``) and the LGSP synchronisation schedule (``lgsp_schedule``) beside it — then
closes the database, which stops the embedded PostgreSQL it started.
"""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Any

import click


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the server as Ctrl+C does: waitress stops its loop on KeyboardInterrupt."""
    raise KeyboardInterrupt


def serve(app: Any, host: str, port: int, on_ready: Any = None) -> None:
    """Serve ``app`` with waitress in this (main) thread until SIGINT or SIGTERM; then close the socket."""
    from waitress.server import create_server

    try:
        server = create_server(app, host=host, port=port, threads=8, ident="kholuutru")
    except OSError as error:  # port taken, address not on this machine…
        raise click.ClickException(
            f"Không mở được {host}:{port} ({error.strerror}) / cannot listen on {host}:{port}: {error.strerror}"
        ) from error
    try:
        if on_ready is not None:
            on_ready()
        server.run()  # returns after KeyboardInterrupt, having stopped its worker threads
    except KeyboardInterrupt:
        pass  # a stop that lands after the socket opened but before waitress's loop took over is a stop too
    finally:
        server.close()


@click.command("up")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục dữ liệu / data folder (default: ./.kholuutru).")
@click.option("--host", default=None, help="Địa chỉ lắng nghe / address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Cổng / port (default 8080).")
@click.option("--demo", is_flag=True, help="Tạo dữ liệu mẫu / seed the demo province (idempotent).")
def up(data_dir: Path | None, host: str | None, port: int | None, demo: bool) -> None:
    """Chạy toàn bộ hệ thống tại máy này / run the whole platform locally, in the foreground."""
    from kholuutru.archive import migrations
    from kholuutru.archive.database import Database
    from kholuutru.archive.settings import load_settings
    from kholuutru.archive.storage import open_storage

    from . import backup_schedule, job_worker, lgsp_schedule
    from .app import create_app

    # `kholuutru --data-dir D up` sets the folder on the root group; `up --data-dir D` wins over it
    root = click.get_current_context().find_root().obj
    if data_dir is None and getattr(root, "settings", None) is not None:
        data_dir = root.settings.data_dir
    settings = load_settings(data_dir=data_dir, host=host, port=port)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    database = Database.open(settings)
    try:
        click.echo("Đang cập nhật cơ sở dữ liệu… / Migrating the database…")
        migrations.upgrade(database)
        storage = open_storage(settings)
        if demo:
            from kholuutru.archive.seed import seed_demo

            seed_demo(database, storage, settings, echo=click.echo)
        app = create_app(settings, database, storage)
        url = f"http://{settings.host}:{settings.port}/"

        def announce() -> None:
            click.echo(f"Hệ thống đang chạy tại {url} — nhấn Ctrl+C để dừng.")
            click.echo(f"The platform is running at {url} — press Ctrl+C to stop.")

        with backup_schedule.running(settings, database, storage), job_worker.running(database, storage, settings), \
                lgsp_schedule.running(settings, database):
            serve(app, settings.host, settings.port, on_ready=announce)
        click.echo("Đã dừng. / Stopped.")
    finally:
        database.close()
        signal.signal(signal.SIGTERM, previous)
