"""The ArchivePlatform CRD as the operator reads it: identity, schema and the defaults the API server applies.

The one copy is ``operator/crds/archiveplatforms.yaml`` (ARCHITECTURE §6); the package ships it through a symlink,
so the operator defaults and validates a spec with exactly the schema the cluster enforces. That matters where the
API server did not do it first — an older copy of the CRD, or a test server that stores objects as given.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources
from typing import Any

import jsonschema
import yaml

GROUP = "kholuutru.vn"
VERSION = "v1alpha1"
PLURAL = "archiveplatforms"
KIND = "ArchivePlatform"
API_VERSION = f"{GROUP}/{VERSION}"


@functools.cache
def definition() -> dict[str, Any]:
    """The CustomResourceDefinition manifest."""
    text = resources.files(__package__).joinpath("archiveplatforms.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _served_version() -> dict[str, Any]:
    (version,) = [v for v in definition()["spec"]["versions"] if v["name"] == VERSION]
    return version


def spec_schema() -> dict[str, Any]:
    """The OpenAPI schema of ``spec``."""
    return _served_version()["schema"]["openAPIV3Schema"]["properties"]["spec"]


def with_defaults(value: Any, schema: dict[str, Any] | None = None) -> Any:
    """A copy of ``value`` with the schema's defaults filled in, as the API server's structural defaulting does:
    a missing property with a default gets it, and defaults inside a defaulted object apply too."""
    schema = spec_schema() if schema is None else schema
    value = copy.deepcopy(value)
    if isinstance(value, dict):
        for name, child in schema.get("properties", {}).items():
            if name not in value and "default" in child:
                value[name] = copy.deepcopy(child["default"])
            if name in value:
                value[name] = with_defaults(value[name], child)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            known = schema.get("properties", {})
            for name in value:
                if name not in known:
                    value[name] = with_defaults(value[name], extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        value = [with_defaults(item, schema["items"]) for item in value]
    return value


def schema_errors(spec: dict[str, Any]) -> list[str]:
    """Every way ``spec`` breaks the CRD's OpenAPI schema, as ``spec.path: message`` lines.

    CEL rules (``x-kubernetes-validations``) are not evaluated here; :mod:`.spec` checks them in Python.
    """
    validator = jsonschema.Draft7Validator(spec_schema())
    errors = sorted(validator.iter_errors(spec), key=lambda error: list(map(str, error.absolute_path)))
    return [f"{'.'.join(['spec', *map(str, error.absolute_path)])}: {error.message}" for error in errors]
