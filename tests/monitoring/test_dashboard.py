"""The Grafana dashboards of monitoring/dashboards/: what Grafana needs to import one from a ConfigMap (uid, title,
panels placed on the 24-column grid with unique ids, each with a Prometheus datasource and targets), and PromQL
that Prometheus parses (checked by promtool as recording rules)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from monitoring_pack import DASHBOARDS, dashboard, dashboard_panels, promtool

UID = re.compile(r"[A-Za-z0-9_-]{1,40}")
GRID_COLUMNS = 24
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def test_there_is_a_dashboard():
    assert [path.name for path in DASHBOARDS] == ["kholuutru.json"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_dashboard_has_what_grafana_imports(path: Path):
    board = dashboard(path)
    assert UID.fullmatch(board["uid"]) and board["title"]
    assert isinstance(board["schemaVersion"], int)
    variables = {variable["name"]: variable for variable in board["templating"]["list"]}
    assert (variables["datasource"]["type"], variables["datasource"]["query"]) == ("datasource", "prometheus")

    panels = dashboard_panels(board)
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        grid = panel["gridPos"]
        assert all(isinstance(grid[key], int) for key in ("h", "w", "x", "y")), panel["title"]
        assert grid["x"] + grid["w"] <= GRID_COLUMNS, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["title"] and panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE and target["expr"].strip(), panel["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_dashboard_queries_are_valid_promql(path: Path, tmp_path: Path):
    panels = [panel for panel in dashboard_panels(dashboard(path)) if panel["type"] != "row"]
    records = [{"record": f"dashboard:panel_{panel['id']}_{target['refId']}", "expr": target["expr"]}
               for panel in panels for target in panel["targets"]]
    rule_file = tmp_path / "dashboard-queries.yaml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}))
    checked = promtool("check", "rules", str(rule_file))
    assert checked.returncode == 0, checked.stdout + checked.stderr
