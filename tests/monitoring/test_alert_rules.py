"""The alert rules of monitoring/alerts/: valid for Prometheus (`promtool check rules`), each alert unit-tested with
`promtool test rules` to stay quiet before its delay, fire with its labels and annotations, and resolve, and each
carrying what on-call staff route and act on (severity, component, runbook)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from monitoring_pack import RULE_FILES, UNIT_TEST_FILES, promtool, rules

SEVERITIES = {"critical", "warning", "info"}
RUNBOOK_URL = re.compile(r"runbooks/[a-z0-9-]+\.md")
ROOT = Path(__file__).resolve().parents[2]
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(duration: str) -> float:
    """A Prometheus duration (``7d45m``) in seconds."""
    assert _DURATION.sub("", duration) == "", duration
    return sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in _DURATION.findall(duration))


def quiet_fire_resolve(timeline: list[tuple[float, list]]) -> bool:
    """Whether a test's evaluations of one alert, in time order, expect none, then some, then none again."""
    firing = [time for time, expected in timeline if expected]
    return bool(firing) and timeline[0][1] == [] and timeline[-1][1] == [] and timeline[-1][0] > firing[-1]


def test_there_are_rule_files_and_unit_tests():
    assert len(RULE_FILES) >= 5 and len(UNIT_TEST_FILES) >= 5


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda path: path.name)
def test_promtool_accepts_the_rule_file(path: Path):
    checked = promtool("check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


@pytest.mark.parametrize("path", UNIT_TEST_FILES, ids=lambda path: path.name)
def test_promtool_unit_tests_pass(path: Path):
    tested = promtool("test", "rules", str(path))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_rule_file_is_unit_tested():
    loaded = {(path.parent / name).resolve() for path in UNIT_TEST_FILES
              for name in yaml.safe_load(path.read_text())["rule_files"]}
    assert loaded == {path.resolve() for path in RULE_FILES}


def test_each_alert_stays_quiet_then_fires_with_its_labels_then_resolves():
    # alert -> [(eval seconds, expected alerts)] of each unit-test group that evaluates it
    timelines: dict[str, list[list[tuple[float, list]]]] = defaultdict(list)
    for path in UNIT_TEST_FILES:
        for group in yaml.safe_load(path.read_text())["tests"]:
            evaluations: dict[str, list[tuple[float, list]]] = defaultdict(list)
            for check in group.get("alert_rule_test", []):
                evaluations[check["alertname"]].append((seconds(check["eval_time"]), check.get("exp_alerts") or []))
            for alert, timeline in evaluations.items():
                timelines[alert].append(sorted(timeline, key=lambda point: point[0]))
    for rule in rules():
        alert = rule["alert"]
        assert any(quiet_fire_resolve(timeline) for timeline in timelines[alert]), f"{alert}: no such test"
        fired = [expected for timeline in timelines[alert] for _, alerts in timeline for expected in alerts]
        for expected in fired:
            labels = expected["exp_labels"]
            assert (labels["severity"], labels["component"]) == (rule["labels"]["severity"],
                                                                 rule["labels"]["component"]), alert
            assert expected["exp_annotations"]["runbook_url"] == rule["annotations"]["runbook_url"], alert


def test_every_alert_carries_severity_component_summary_and_runbook():
    for rule in rules():
        assert rule["alert"].startswith("Kholuutru"), rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["labels"]["component"], rule["alert"]
        annotations = rule["annotations"]
        assert " / " in annotations["summary"], f"{rule['alert']}: summary in Vietnamese / English"
        assert annotations["description"], rule["alert"]
        runbook = annotations["runbook_url"]
        assert RUNBOOK_URL.fullmatch(runbook) and (ROOT / runbook).is_file(), (rule["alert"], runbook)


def test_alert_and_group_names_are_unique_across_files():
    # The stack loads every file into one PrometheusRule: a name used twice would be two rules no one can tell apart.
    groups = [group["name"] for path in RULE_FILES for group in yaml.safe_load(path.read_text())["groups"]]
    alerts = [rule["alert"] for rule in rules()]
    assert len(groups) == len(set(groups)) and len(alerts) == len(set(alerts))
