"""The operator's Deployment: the configured image running ``kholuutru-operator`` for the platform's namespace, under
the restricted Pod Security Standard, with a liveness probe on the endpoint the operator serves."""

from __future__ import annotations

import tomllib
from urllib.parse import urlparse

from stacks_support import REPO, Deployment

from kholuutru.operator import main, security
from kholuutru.operator.render.pods import APP_UID


def pod(deployment: Deployment) -> dict:
    return deployment.one("Deployment").inputs["spec"]["template"]["spec"]


def test_runs_the_operator_command_from_the_configured_image(deployed: Deployment):
    (container,) = pod(deployed)["containers"]
    assert container["image"] == deployed.config["kholuutru:image"]
    assert container["command"] == ["kholuutru-operator"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kholuutru-operator"] == "kholuutru.operator.main:main"
    # Watches the platform's namespace only, where its Role is.
    assert container["args"] == ["--namespace", deployed.platform["namespace"]]
    assert pod(deployed)["serviceAccountName"] == deployed.one("ServiceAccount").inputs["metadata"]["name"]
    spec = deployed.one("Deployment").inputs["spec"]
    assert spec["replicas"] == deployed.config["kholuutru:operator"]["replicas"]


def test_meets_the_restricted_pod_security_standard(deployed: Deployment):
    manifest = deployed.one("Deployment").inputs
    assert security.violations(pod(deployed), manifest["spec"]["template"]["metadata"].get("annotations")) == []
    context = pod(deployed)["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == APP_UID == 10001
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod(deployed)["containers"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # Python's temporary files go to a writable emptyDir, not the read-only root filesystem.
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_the_check_would_see_a_privileged_pod(deployed: Deployment):
    # Guards the test above: the operator's checker is not vacuous on this manifest.
    unsafe = pod(deployed)
    unsafe["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    assert security.violations(unsafe) != []


def test_liveness_probe_is_the_endpoint_the_operator_serves(deployed: Deployment):
    (container,) = pod(deployed)["containers"]
    served = urlparse(main.LIVENESS)
    probe = container["livenessProbe"]["httpGet"]
    assert probe["path"] == served.path
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports[probe["port"]] == served.port
    # The operator is not given a --liveness of its own: it serves main.LIVENESS.
    assert main.arguments(container["args"])[:5] == ["run", "--module", "kholuutru.operator.handlers", "--liveness",
                                                     main.LIVENESS]


def test_exposes_the_metrics_port_it_is_configured_with(deployed: Deployment):
    (container,) = pod(deployed)["containers"]
    env = {item["name"]: item["value"] for item in container["env"]}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert int(env["KHOLUUTRU_OPERATOR_METRICS_PORT"]) == ports["metrics"]
