"""Loaded by ``kopf run`` beside the operator under test (ours or the bare baseline) when it runs against KMock.

KMock 0.8 answers a cluster-wide list of namespaces with a 500, so kopf's scanning is turned off and the namespace is
given on the command line — the same setting the e2e tests give ``KopfRunner``. Nothing else is changed: the operator
keeps its own settings, so what is measured is what runs in a cluster.
"""

from __future__ import annotations

from typing import Any

import kopf


@kopf.on.startup()
def no_scanning(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.scanning.disabled = True
