"""The operator's own settings (environment, prefix ``KHOLUUTRU_OPERATOR_``) and how kopf is tuned with them."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

import kopf

from . import crd

PREFIX = "KHOLUUTRU_OPERATOR_"


@dataclass(frozen=True)
class OperatorConfig:
    resync_seconds: float = 60.0
    """How often every platform is reconciled again, whatever happened (and backup staleness re-checked)."""
    retry_seconds: float = 30.0
    """How soon a waiting step (a running Job, a missing Secret) is looked at again."""
    schedule_grace_seconds: float = 4 * 3600.0
    """How long a scheduled backup or drill may take before it counts as missed."""
    metrics_port: int = 9090
    """Port of the Prometheus metrics endpoint; 0 turns it off."""
    peering_priority: int = 0

    @property
    def schedule_grace(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.schedule_grace_seconds)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> OperatorConfig:
        values = {}
        for name, field in cls.__dataclass_fields__.items():
            raw = environ.get(PREFIX + name.upper())
            if raw is not None:
                values[name] = type(field.default)(raw)
        return cls(**values)


def configure(settings: kopf.OperatorSettings, config: OperatorConfig) -> None:
    """Kopf's settings for this operator: its own finalizer and annotation keys, events only for what matters,
    bounded API calls, and peering so that only one replica acts at a time."""
    settings.persistence.finalizer = f"{crd.GROUP}/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=crd.GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=crd.GROUP, key="last-handled-configuration"
    )
    # Kopf would post every log line of a handler as an Event; the reconciler posts its own for significant steps.
    settings.posting.level = logging.WARNING
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.watching.connect_timeout = 30
    settings.networking.request_timeout = 60
    settings.networking.connect_timeout = 10
    settings.execution.max_workers = 8
    settings.peering.name = "kholuutru-operator"
    settings.peering.priority = config.peering_priority
