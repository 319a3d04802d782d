"""The monitoring pack as the tests read it: rule files, their promtool unit tests, the dashboard, and the metric names
their PromQL expressions select.

``conftest.py`` puts this folder on ``sys.path`` (pytest's importlib mode does not let test modules import each
other), so test modules ``from monitoring_pack import …``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "monitoring"
RULE_FILES = sorted((MONITORING / "alerts").glob("*.yaml"))
UNIT_TEST_FILES = sorted((MONITORING / "tests").glob("*.test.yaml"))
DASHBOARDS = sorted((MONITORING / "dashboards").glob("*.json"))
PROMETHEUS_OWN = frozenset({"up"})
"""Series Prometheus itself writes for every scrape target, not any exporter."""

_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{)")
_OUR_METRIC = re.compile(r"\bkholuutru_[a-z0-9_]+\b")


def rules() -> list[dict[str, Any]]:
    """Every alerting rule of every file, in file order."""
    return [rule for path in RULE_FILES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]]


def dashboard(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def dashboard_panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel of ``board``, those nested in collapsed rows included."""
    return [panel for top in board["panels"] for panel in (top, *top.get("panels", []))]


def dashboard_expressions() -> list[str]:
    """The PromQL of every target of every dashboard."""
    return [target["expr"] for path in DASHBOARDS for panel in dashboard_panels(dashboard(path))
            for target in panel.get("targets", [])]


def metric_names(expression: str) -> set[str]:
    """The metric names ``expression`` selects: ours by their prefix, any other by a ``{…}`` matcher after it
    (label names, functions and keywords are never followed by one)."""
    return set(_OUR_METRIC.findall(expression)) | set(_SELECTOR.findall(expression))


def promtool(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run Debian's promtool (package prometheus, installed by `make setup`)."""
    executable = shutil.which("promtool")
    assert executable, "promtool is missing: install Debian's prometheus package (make setup does)"
    return subprocess.run([executable, *arguments], capture_output=True, text=True, timeout=300, check=False)
