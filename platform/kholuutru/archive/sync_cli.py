"""``kholuutru sync users|procedures|dossiers [--full] [--json]``: one LGSP synchronisation run (ARCHITECTURE §4).

Records held for review are not a failure of the run (they are counted as ``rejected`` and listed on the console's
LGSP page); the exit code is 1 only when the run could not complete (LGSP kept failing, the platform is suspended,
another run of the feed is going on), and 2 for bad input such as LGSP not being configured. The command adds itself
to ``main`` (``cli`` imports this module last).
"""

from __future__ import annotations

import sys

import click

from . import lgsp_sync
from .cli import Context, emit, main, reports
from .sync_models import FEEDS


@main.command("sync")
@click.argument("feed", type=click.Choice(FEEDS))
@click.option("--full", is_flag=True, help="Start from the beginning of the feed instead of the stored cursor.")
@reports
def sync_command(context: Context, as_json: bool, feed: str, full: bool) -> None:
    """Synchronise staff (users), the procedure catalogue or procedure dossiers from LGSP."""

    def progress(summary: lgsp_sync.SyncSummary) -> None:
        click.echo(f"\r{feed}: trang / page {summary.pages}, {summary.fetched} bản ghi / records "
                   f"(+{summary.created} ~{summary.updated} ={summary.unchanged} !{summary.rejected})",
                   nl=False, err=True)

    with context.database() as database:
        summary = lgsp_sync.run(database, context.settings, feed, full=full, progress=None if as_json else progress)
    if not as_json:
        click.echo("", err=True)
    result = summary.as_dict()
    human = (f"Đồng bộ / sync {feed}: {summary.state} — nhận / fetched {summary.fetched}, tạo mới / created "
             f"{summary.created}, cập nhật / updated {summary.updated}, không đổi / unchanged {summary.unchanged}, "
             f"chờ xem xét / rejected {summary.rejected}" + (f"\n{summary.error}" if summary.error else ""))
    emit(as_json, result, human)
    if summary.state != "succeeded":
        sys.exit(1)
