"""``kholuutru-operator``: ``kopf run`` with this operator's handlers and a liveness endpoint.

Extra arguments go to ``kopf run`` as they are (``--all-namespaces``, ``--namespace NS``, ``--standalone``,
``--verbose`` …). Several replicas may run: where kopf's peering resources are installed, peering
``kholuutru-operator`` (``settings.configure``) keeps one of them active.
"""

from __future__ import annotations

import sys

from kopf import cli

LIVENESS = "http://0.0.0.0:8081/healthz"


def arguments(extra: list[str]) -> list[str]:
    """The ``kopf`` command line: this operator's module and liveness endpoint (unless given), then ``extra``."""
    given = any(arg in ("-L", "--liveness") or arg.startswith("--liveness=") for arg in extra)
    return ["run", "--module", "kholuutru.operator.handlers", *([] if given else ["--liveness", LIVENESS]), *extra]


def main() -> None:
    cli.main(args=arguments(sys.argv[1:]), prog_name="kholuutru-operator")
