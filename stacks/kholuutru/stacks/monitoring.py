"""The monitoring pack on a cluster with the Prometheus Operator: the alert rules of ``monitoring/alerts/`` in one
PrometheusRule, monitors for the console's and the operator's ``/metrics``, and one ConfigMap per Grafana dashboard
of ``monitoring/dashboards/`` (labelled for Grafana's dashboard sidecar).

The rule files are ordinary Prometheus rule files (``groups:``), the same ones ``promtool`` checks; the stack only
gathers their groups. A folder that does not exist, or holds no file, deploys nothing of its kind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from .labels import metadata, standard
from .settings import MonitoringSettings, StackConfigError

API_VERSION = "monitoring.coreos.com/v1"
DASHBOARD_LABEL = {"grafana_dashboard": "1"}


def rule_groups(folder: Path) -> list[dict[str, Any]]:
    """Every group of every ``*.yaml``/``*.yml`` rule file in ``folder``, by file name; group names must be unique
    (Prometheus refuses a rule file with two groups of one name)."""
    groups: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
            raise StackConfigError(f"{path}: a Prometheus rule file has a top-level `groups:` list")
        for group in document["groups"]:
            name = group.get("name")
            if name in seen:
                raise StackConfigError(f"{path}: rule group {name!r} is also defined in {seen[name]}")
            seen[name] = path.name
            groups.append(group)
    return groups


def dashboards(folder: Path) -> dict[str, str]:
    """Dashboard file name -> its JSON text, for every ``*.json`` in ``folder`` (each must parse)."""
    found = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        try:
            json.loads(text)
        except ValueError as error:
            raise StackConfigError(f"{path}: not a JSON dashboard ({error})") from error
        found[path.name] = text
    return found


def config_map_name(filename: str) -> str:
    """A Kubernetes name for a dashboard's ConfigMap, from its file name."""
    stem = "".join(c if c.isalnum() else "-" for c in Path(filename).stem.lower()).strip("-")
    return f"kholuutru-dashboard-{stem}"[:63].rstrip("-")


CONSOLE_JOB = "kholuutru-console"
"""The scrape job of the console's /metrics that monitoring/alerts/console.yaml watches."""


class MonitoringPack(pulumi.ComponentResource):
    """PrometheusRule, ServiceMonitor (console), PodMonitor (operator) and dashboard ConfigMaps."""

    def __init__(self, name: str, *, folder: Path, settings: MonitoringSettings, platform_name: str,
                 namespace: pulumi.Input[str], operator_namespace: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kholuutru:stacks:MonitoringPack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {**standard("monitoring", platform_name), **settings.labels}

        groups = rule_groups(folder / "alerts")
        self.rule = None
        if groups:
            self.rule = k8s.apiextensions.CustomResource(
                f"{name}-rules", api_version=API_VERSION, kind="PrometheusRule",
                metadata=metadata(f"{platform_name}-alerts", namespace, labels), spec={"groups": groups}, opts=child,
            )
        console = {
            "app.kubernetes.io/name": "kholuutru",
            "app.kubernetes.io/instance": platform_name,
            "app.kubernetes.io/component": "console",
        }
        self.console_monitor = k8s.apiextensions.CustomResource(
            f"{name}-console", api_version=API_VERSION, kind="ServiceMonitor",
            metadata=metadata(f"{platform_name}-console", namespace, labels),
            spec={
                "selector": {"matchLabels": console},
                # The pack's alerts and dashboard know the console's targets by this job name, whatever the
                # Service is called (monitoring/alerts/console.yaml).
                "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s",
                               "relabelings": [{"action": "replace", "targetLabel": "job",
                                                "replacement": CONSOLE_JOB}]}],
            },
            opts=child,
        )
        self.operator_monitor = k8s.apiextensions.CustomResource(
            f"{name}-operator", api_version=API_VERSION, kind="PodMonitor",
            metadata=metadata("kholuutru-operator", operator_namespace, labels),
            spec={
                "selector": {"matchLabels": {"app.kubernetes.io/name": "kholuutru",
                                             "app.kubernetes.io/component": "operator"}},
                "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
            },
            opts=child,
        )
        dashboard_namespace = settings.dashboard_namespace or namespace
        self.dashboards = [
            k8s.core.v1.ConfigMap(
                f"{name}-{config_map_name(filename)}",
                metadata=metadata(config_map_name(filename), dashboard_namespace, {**labels, **DASHBOARD_LABEL}),
                data={filename: text},
                opts=child,
            )
            for filename, text in dashboards(folder / "dashboards").items()
        ]
        self.register_outputs({})
