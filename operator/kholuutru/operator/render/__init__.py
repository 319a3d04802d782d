"""Pure rendering: an ArchivePlatform's typed spec in, the manifests of its children out.

Nothing here talks to the cluster or reads a clock, so every manifest can be checked offline — against the Kubernetes
OpenAPI schemas and the restricted Pod Security Standard — exactly as the operator will apply it.
"""

from __future__ import annotations

from typing import Any

from ..naming import Owner
from ..spec import PlatformSpec
from . import console, database, network, schedules


def children(owner: Owner, spec: PlatformSpec) -> list[dict[str, Any]]:
    """Every child the platform should have, but the generated Secrets (created once, see ``render.secrets``)."""
    return [
        *database.children(owner, spec),
        *console.children(owner, spec),
        *schedules.children(owner, spec),
        *network.children(owner, with_database=spec.database.managed is not None),
    ]
