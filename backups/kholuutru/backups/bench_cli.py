"""``kholuutru bench [NAME…] [--json]`` (ARCHITECTURE §4): the benchmarks of the source tree, as ``make bench`` runs.

The benchmarks generate gigabytes of documents, start mock clusters and need the test dependencies, so they live in
the repository's ``benchmarks/`` folder, not in the wheel, and run as their own process. This command only finds that
folder beside the installed code (an editable install from a checkout) and hands it the arguments; it imports no
benchmark, so no component here depends on the operator or on test tooling. Installed from a wheel there is no
such folder, and the command says so (exit 2, bad usage).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

# backups/kholuutru/backups/bench_cli.py → the repository root is three folders up from this one.
SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "run.py"


@click.command("bench", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def bench(arguments: tuple[str, ...]) -> None:
    """Run the benchmarks (all, or those named) and write BENCHMARKS.md; --help lists the options."""
    if not SCRIPT.is_file():
        click.echo(f"kholuutru bench: the benchmarks ship with the source tree only ({SCRIPT} not found); "
                   "run it from a checkout, or `make bench` there.", err=True)
        sys.exit(2)
    sys.exit(subprocess.call([sys.executable, str(SCRIPT), *arguments]))
