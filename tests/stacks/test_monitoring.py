"""The monitoring pack, deployed where the Prometheus Operator runs: every group of every rule file in one
PrometheusRule, monitors for the console's and the operator's /metrics, one labelled ConfigMap per dashboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from stacks_support import REPO, deploy, run_main, stack_config

from kholuutru.stacks.monitoring import config_map_name, dashboards, rule_groups
from kholuutru.stacks.settings import StackConfigError

BACKUPS = {"groups": [
    {"name": "kholuutru-backups", "rules": [
        {"alert": "KholuutruBackupStale", "expr": "time() - kholuutru_backup_last_success_timestamp > 26 * 3600",
         "for": "10m", "labels": {"severity": "critical"}, "annotations": {"summary": "no recent backup"}},
    ]},
    {"name": "kholuutru-drills", "rules": [
        {"alert": "KholuutruDrillFailed", "expr": "kholuutru_drill_last_result == 0",
         "labels": {"severity": "warning"}},
    ]},
]}
CONSOLE = {"groups": [
    {"name": "kholuutru-console", "rules": [
        {"record": "kholuutru:http_errors:rate5m", "expr": "sum(rate(kholuutru_http_requests_total{code=~'5..'}[5m]))"},
    ]},
]}
DASHBOARD = {"title": "kholuutru", "uid": "kholuutru-overview", "panels": [], "schemaVersion": 39}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "backups.yaml").write_text(yaml.safe_dump(BACKUPS))
    (tmp_path / "alerts" / "console.yml").write_text(yaml.safe_dump(CONSOLE))
    (tmp_path / "alerts" / "README.md").write_text("not a rule file")
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "Kholuutru Overview.json").write_text(json.dumps(DASHBOARD))
    return tmp_path


def test_the_loader_gathers_every_group_of_every_rule_file(pack: Path):
    assert rule_groups(pack / "alerts") == [*BACKUPS["groups"], *CONSOLE["groups"]]
    assert json.loads(dashboards(pack / "dashboards")["Kholuutru Overview.json"]) == DASHBOARD


def test_a_missing_or_empty_folder_gives_nothing(tmp_path: Path):
    (tmp_path / "alerts").mkdir()
    assert rule_groups(tmp_path / "alerts") == []
    assert rule_groups(tmp_path / "absent") == []
    assert dashboards(tmp_path / "absent") == {}


def test_bad_rule_files_and_dashboards_are_refused(tmp_path: Path):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(BACKUPS))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({"groups": [BACKUPS["groups"][0]]}))
    with pytest.raises(StackConfigError, match="'kholuutru-backups' is also defined in a.yaml"):
        rule_groups(tmp_path)
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({"rules": []}))
    with pytest.raises(StackConfigError, match="top-level `groups:` list"):
        rule_groups(tmp_path)
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(StackConfigError, match="not a JSON dashboard"):
        dashboards(tmp_path)


def dashboard_config_maps(deployment) -> list:
    """The dashboard ConfigMaps (the platform's certificates are ConfigMaps too)."""
    return [c for c in deployment.of_kind("ConfigMap") if "grafana_dashboard" in c.inputs["metadata"]["labels"]]


def test_prod_deploys_the_pack(pack: Path):
    deployment = deploy("prod", monitoring_folder=pack)
    namespace = deployment.platform["namespace"]
    selected = deployment.config["monitoring:labels"]

    rule = deployment.one("PrometheusRule").inputs
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["spec"]["groups"] == [*BACKUPS["groups"], *CONSOLE["groups"]]
    assert rule["metadata"]["namespace"] == namespace
    assert rule["metadata"]["labels"].items() >= selected.items()

    monitor = deployment.one("ServiceMonitor").inputs
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["namespace"] == namespace
    assert monitor["spec"]["endpoints"] == [{
        "port": "http", "path": "/metrics", "interval": "30s",
        "relabelings": [{"action": "replace", "targetLabel": "job", "replacement": "kholuutru-console"}],
    }]
    assert monitor["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "kholuutru", "app.kubernetes.io/instance": deployment.platform["name"],
        "app.kubernetes.io/component": "console",
    }
    assert monitor["metadata"]["labels"].items() >= selected.items()

    operator_pods = deployment.one("Deployment").inputs["spec"]["template"]["metadata"]["labels"]
    pod_monitor = deployment.one("PodMonitor").inputs
    assert operator_pods.items() >= pod_monitor["spec"]["selector"]["matchLabels"].items()
    assert pod_monitor["metadata"]["namespace"] == deployment.config["kholuutru:operator"]["namespace"]

    (dashboard,) = dashboard_config_maps(deployment)
    assert dashboard.inputs["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard.inputs["metadata"]["name"] == config_map_name("Kholuutru Overview.json")
    assert dashboard.inputs["metadata"]["name"] == "kholuutru-dashboard-kholuutru-overview"
    assert dashboard.inputs["metadata"]["namespace"] == deployment.config["monitoring:dashboardNamespace"]
    assert json.loads(dashboard.inputs["data"]["Kholuutru Overview.json"]) == DASHBOARD


def test_the_console_monitor_selects_the_operators_console_service(prod):
    from kholuutru.operator.naming import Owner
    from kholuutru.operator.render.console import service

    rendered = service(Owner(prod.platform["name"], prod.platform["namespace"], "uid"))
    monitor = prod.one("ServiceMonitor").inputs["spec"]
    assert rendered["metadata"]["labels"].items() >= monitor["selector"]["matchLabels"].items()
    assert monitor["endpoints"][0]["port"] in {port["name"] for port in rendered["spec"]["ports"]}
    # The console alerts watch `up` of this job: the monitor names its targets so.
    watched = yaml.safe_load((REPO / "monitoring" / "alerts" / "console.yaml").read_text())
    expressions = [rule["expr"] for group in watched["groups"] for rule in group["rules"]]
    job = monitor["endpoints"][0]["relabelings"][0]
    assert job["targetLabel"] == "job" and any(f'job="{job["replacement"]}"' in expr for expr in expressions)


def test_an_empty_pack_deploys_no_rule(tmp_path: Path):
    deployment = deploy("prod", monitoring_folder=tmp_path)
    assert "PrometheusRule" not in deployment.kinds
    assert dashboard_config_maps(deployment) == []


def test_without_the_prometheus_operator_nothing_of_it_is_deployed(pack: Path):
    config = stack_config("prod")
    config["monitoring:prometheusOperator"] = False
    deployment = deploy("prod", config=config, monitoring_folder=pack)
    assert not {"PrometheusRule", "ServiceMonitor", "PodMonitor"} & deployment.kinds
    assert dashboard_config_maps(deployment) == []


def test_the_program_deploys_the_repositorys_own_monitoring_folder():
    # stacks/__main__.py, run as `pulumi up` runs it: one rule with every group of the repository's alert files, and
    # a ConfigMap for each of its dashboards.
    resources = run_main("prod")
    expected = rule_groups(REPO / "monitoring" / "alerts")
    rules = [resource.inputs["spec"]["groups"] for resource in resources if resource.kind == "PrometheusRule"]
    assert expected and rules == [expected]
    dashboards = sorted(path.name for path in (REPO / "monitoring" / "dashboards").glob("*.json"))
    shipped = sorted(name for resource in resources if resource.kind == "ConfigMap"
                     for name in (resource.inputs.get("data") or {}))
    assert dashboards and set(dashboards) <= set(shipped), (dashboards, shipped)
    assert {resource.kind for resource in resources} >= {"ArchivePlatform", "Deployment", "ServiceMonitor"}
