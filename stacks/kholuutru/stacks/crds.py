"""The CustomResourceDefinitions the stacks install, read from ``operator/crds/`` (the single source, ARCHITECTURE
§6). The package ships them through symlinks to that folder, as the operator's package does, so the stack deploys
exactly the schema the operator validates against."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

ARCHIVE_PLATFORMS = "archiveplatforms.yaml"
KOPF_PEERING = "kopf-peering.yaml"


def documents(filename: str) -> list[dict[str, Any]]:
    """Every YAML document of one of the operator's CRD files."""
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    return [document for document in yaml.safe_load_all(text) if document]


def archive_platform() -> dict[str, Any]:
    """The ArchivePlatform CRD manifest."""
    (definition,) = documents(ARCHIVE_PLATFORMS)
    return definition


def api_version(definition: dict[str, Any]) -> str:
    """``group/version`` of the CRD's storage version: what its custom resources are written as."""
    (version,) = [v["name"] for v in definition["spec"]["versions"] if v.get("storage")]
    return f"{definition['spec']['group']}/{version}"
