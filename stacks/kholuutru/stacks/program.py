"""The stack's program: the operator, the environment's ArchivePlatform, and the monitoring pack where the cluster
runs the Prometheus Operator. ``stacks/__main__.py`` calls :func:`main`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from . import offsite, settings
from .labels import restricted_namespace
from .monitoring import MonitoringPack
from .operator_install import OperatorInstall
from .platform import ArchivePlatform, console_url


@dataclass(frozen=True)
class Deployed:
    """The components of a stack and its exported outputs."""

    operator: OperatorInstall
    platform: ArchivePlatform
    monitoring: MonitoringPack | None
    outputs: dict[str, Any]


def main(monitoring_folder: Path) -> Deployed:
    """Declare every resource of the current stack. Configuration that cannot be deployed — a backup repository
    on the primary storage, a missing secret or trust root — stops it before any resource is declared."""
    config = settings.read()
    platform = config.platform
    storage = platform.spec["objectStorage"]
    offsite.refuse_primary_storage(platform.repository, storage["endpoint"], storage["bucket"])
    values = settings.secrets(platform.secret_keys())
    certificates = settings.certificates(platform)

    namespace = restricted_namespace(platform.namespace, "platform")
    operator = OperatorInstall(
        "operator", image=config.image, namespace=config.operator.namespace, replicas=config.operator.replicas,
        watched_namespace=namespace.metadata["name"],
    )
    # After the operator, and so before it on `pulumi destroy`: the operator still runs to take the platform's last
    # backup and release its finalizer.
    archive = ArchivePlatform(
        platform.name, platform=platform, namespace=namespace.metadata["name"], values=values,
        certificates=certificates, crd=operator.crd,
        opts=pulumi.ResourceOptions(depends_on=[operator]),
    )
    monitoring = None
    if config.monitoring.prometheus_operator:
        monitoring = MonitoringPack(
            "monitoring", folder=monitoring_folder, settings=config.monitoring, platform_name=platform.name,
            namespace=namespace.metadata["name"], operator_namespace=operator.namespace.metadata["name"],
        )

    outputs = {
        "consoleUrl": console_url(platform),
        "namespace": platform.namespace,
        "platform": platform.name,
        "backupRepository": platform.repository,
        # Secret: `pulumi stack output backupPassword --show-secrets` gives it to a restore at another site.
        "backupPassword": values[settings.BACKUP_PASSWORD.key],
    }
    for name, value in outputs.items():
        pulumi.export(name, value)
    return Deployed(operator, archive, monitoring, outputs)
