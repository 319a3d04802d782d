"""The restricted Pod Security Standard checker catches each rule it is written from."""

from __future__ import annotations

import copy

import pytest

from kholuutru.operator import security

COMPLIANT = {
    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{
        "name": "app",
        "image": "kholuutru",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }],
    "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "key", "secret": {"secretName": "k"}}],
}


def changed(path: str, value) -> dict:
    pod = copy.deepcopy(COMPLIANT)
    *parents, last = path.split(".")
    target = pod
    for key in parents:
        target = target[int(key)] if key.isdigit() else target.setdefault(key, {})
    target[last] = value
    return pod


def test_a_compliant_pod_passes():
    assert security.violations(COMPLIANT) == []


@pytest.mark.parametrize(("path", "value", "rule"), [
    ("hostNetwork", True, "hostNetwork"),
    ("hostPID", True, "hostPID"),
    ("hostIPC", True, "hostIPC"),
    ("volumes", [{"name": "root", "hostPath": {"path": "/"}}], "hostPath"),
    ("volumes", [{"name": "nfs", "nfs": {"server": "x", "path": "/"}}], "nfs"),
    ("containers.0.securityContext.privileged", True, "privileged"),
    ("containers.0.securityContext.allowPrivilegeEscalation", True, "allowPrivilegeEscalation"),
    ("containers.0.securityContext.capabilities", {"drop": ["NET_RAW"]}, "drop must include ALL"),
    ("containers.0.securityContext.capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]}, "SYS_ADMIN"),
    ("containers.0.securityContext.runAsNonRoot", False, "runAsNonRoot"),
    ("containers.0.securityContext.runAsUser", 0, "runAsUser"),
    ("securityContext.runAsNonRoot", None, "runAsNonRoot must be true"),
    ("securityContext.seccompProfile", {"type": "Unconfined"}, "Unconfined"),
    ("securityContext.seccompProfile", None, "seccompProfile.type must be RuntimeDefault"),
    ("securityContext.sysctls", [{"name": "kernel.msgmax", "value": "1"}], "kernel.msgmax"),
    ("securityContext.seLinuxOptions", {"type": "spc_t"}, "seLinuxOptions"),
    ("containers.0.securityContext.appArmorProfile", {"type": "Unconfined"}, "appArmorProfile"),
    ("containers.0.securityContext.procMount", "Unmasked", "procMount"),
    ("containers.0.ports", [{"containerPort": 80, "hostPort": 80}], "hostPort"),
    ("securityContext.windowsOptions", {"hostProcess": True}, "hostProcess"),
    ("initContainers", [{"name": "init", "image": "x"}], "container init"),
])
def test_each_rule_is_enforced(path, value, rule):
    problems = security.violations(changed(path, value))
    assert any(rule in problem for problem in problems), problems


def test_container_level_settings_may_stand_in_for_the_pod():
    pod = changed("securityContext", {})
    pod["containers"][0]["securityContext"] |= {"runAsNonRoot": True, "seccompProfile": {"type": "Localhost"}}
    assert security.violations(pod) == []


def test_apparmor_annotations():
    key = "container.apparmor.security.beta.kubernetes.io/app"
    assert security.violations(COMPLIANT, {key: "runtime/default"}) == []
    assert security.violations(COMPLIANT, {key: "unconfined"})


def test_check_names_the_workload():
    deployment = {"kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"template": {"metadata": {}, "spec": changed("hostPID", True)}}}
    with pytest.raises(security.PodSecurityViolation, match="Deployment web .*hostPID"):
        security.check(deployment)
    security.check({"kind": "Service", "metadata": {"name": "web"}, "spec": {}})
