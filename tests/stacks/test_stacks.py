"""Each stack (dev, staging, prod) declares the operator, its platform and, where configured, the monitoring pack,
with manifests the Kubernetes API and the ArchivePlatform CRD accept."""

from __future__ import annotations

import json

import jsonschema
import kubernetes_validate
import pytest
import yaml
from stacks_support import REPO, STACKS, Deployment, deploy, stack_config

from kholuutru.operator import crd
from kholuutru.operator.spec import parse

KUBERNETES = "1.30"
OPERATOR_KINDS = {
    "Namespace", "CustomResourceDefinition", "KopfPeering", "ServiceAccount", "Role", "RoleBinding", "ClusterRole",
    "ClusterRoleBinding", "Deployment",
}
MONITORING_KINDS = {"PrometheusRule", "ServiceMonitor", "PodMonitor"}
CUSTOM_KINDS = {"ArchivePlatform", "KopfPeering", *MONITORING_KINDS}
BUILT_IN_GROUPS = ("v1", "apps/", "rbac.authorization.k8s.io/", "apiextensions.k8s.io/")


def test_every_stack_has_its_configuration_file():
    assert sorted(path.name for path in (REPO / "stacks").glob("Pulumi.*.yaml")) == [
        f"Pulumi.{stack}.yaml" for stack in sorted(STACKS)
    ]
    project = yaml.safe_load((REPO / "stacks" / "Pulumi.yaml").read_text())
    assert project["name"] == "kholuutru"
    assert project["runtime"]["name"] == "python"


def test_the_stack_declares_the_operator_and_one_platform(deployed: Deployment):
    monitored = deployed.config.get("monitoring:prometheusOperator", False)
    # No alert files in the folder given: no PrometheusRule, the monitors still come.
    assert deployed.kinds == OPERATOR_KINDS | {"Secret", "ArchivePlatform"} | (
        {"ServiceMonitor", "PodMonitor"} if monitored else set()
    ) | ({"ConfigMap"} if "signatures" in deployed.platform else set())
    assert {ns.inputs["metadata"]["name"] for ns in deployed.of_kind("Namespace")} == {
        deployed.platform["namespace"], deployed.config["kholuutru:operator"]["namespace"]
    }
    for namespace in deployed.of_kind("Namespace"):
        assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_crds_are_the_operators_single_copy(deployed: Deployment):
    installed = {resource.inputs["metadata"]["name"]: resource.inputs for resource in deployed.of_kind(
        "CustomResourceDefinition")}
    sources = [*yaml.safe_load_all((REPO / "operator/crds/archiveplatforms.yaml").read_text()),
               *yaml.safe_load_all((REPO / "operator/crds/kopf-peering.yaml").read_text())]
    assert installed == {document["metadata"]["name"]: document for document in sources if document}


def test_the_archive_platform_is_the_configured_spec(deployed: Deployment):
    platform = deployed.one("ArchivePlatform").inputs
    # Under mocks a CustomResource's apiVersion is checked on its inputs, as the provider receives them.
    assert platform["apiVersion"] == crd.API_VERSION == "kholuutru.vn/v1alpha1"
    assert platform["metadata"]["name"] == deployed.platform["name"]
    assert platform["metadata"]["namespace"] == deployed.platform["namespace"]
    spec = platform["spec"]
    assert spec["image"] == deployed.config["kholuutru:image"]
    for field in ("objectStorage", "backups", "database", "drills", "sso", "lgsp", "resources"):
        configured = deployed.platform.get(field, {})
        assert {key: spec[field][key] for key in configured} == configured
    assert spec["backups"]["passwordSecretRef"] == {"name": f"{deployed.platform['name']}-backup-repository"}
    assert spec["objectStorage"]["credentialsSecretRef"] == {"name": f"{deployed.platform['name']}-object-storage"}


def test_the_spec_validates_against_the_crd_schema(deployed: Deployment):
    spec = deployed.one("ArchivePlatform").inputs["spec"]
    schema = crd.definition()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    jsonschema.validate(deployed.one("ArchivePlatform").inputs, schema)
    # The operator's own reading: defaults, schema, and the rules the schema cannot say (CEL, cron, off-site).
    parsed = parse(spec)
    assert parsed.backups.repository == deployed.platform["backups"]["repository"]


def test_sso_and_lgsp_reach_the_operator_as_configured(deployed: Deployment):
    parsed = parse(deployed.one("ArchivePlatform").inputs["spec"])
    sso, lgsp = deployed.platform.get("sso"), deployed.platform.get("lgsp")
    assert (parsed.sso is None) == (sso is None) and (parsed.lgsp is None) == (lgsp is None)
    if sso:
        assert (parsed.sso.issuer_url, parsed.sso.unit_claim, parsed.sso.roles_claim) == (
            sso["issuerUrl"], sso.get("unitClaim"), sso.get("rolesClaim"))
        assert (parsed.sso.province_roles_from_claim, parsed.sso.local_login) == (
            sso.get("provinceRolesFromClaim"), sso.get("localLogin"))
        assert parsed.sso.client_secret == f"{deployed.platform['name']}-sso"
    if lgsp:
        assert (parsed.lgsp.base_url, parsed.lgsp.token_url, parsed.lgsp.sync_schedule) == (
            lgsp["url"], lgsp.get("tokenUrl"), lgsp["syncSchedule"])
        assert (parsed.lgsp.timeout_seconds, parsed.lgsp.retries, parsed.lgsp.page_size) == (
            lgsp.get("timeoutSeconds"), lgsp.get("retries"), lgsp.get("pageSize"))
        assert parsed.lgsp.client_secret == f"{deployed.platform['name']}-lgsp"


def references(section: dict, suffix: str) -> set[str]:
    """Names of every ``…<suffix>`` reference in ``section``, however deep."""
    found = set()
    for key, value in section.items():
        if isinstance(value, dict):
            found |= {value["name"]} if key.endswith(suffix) else references(value, suffix)
    return found


def test_every_secret_the_spec_references_is_created(deployed: Deployment):
    spec = deployed.one("ArchivePlatform").inputs["spec"]
    secrets = {secret.inputs["metadata"]["name"] for secret in deployed.of_kind("Secret")}
    assert references(spec, "SecretRef") == secrets
    assert {s.inputs["metadata"]["namespace"] for s in deployed.of_kind("Secret")} == {deployed.platform["namespace"]}


def test_every_config_map_the_spec_references_is_created(deployed: Deployment):
    spec = deployed.one("ArchivePlatform").inputs["spec"]
    config_maps = {c.inputs["metadata"]["name"] for c in deployed.of_kind("ConfigMap")}
    assert references(spec, "ConfigMapRef") == config_maps
    assert {c.inputs["metadata"]["namespace"] for c in deployed.of_kind("ConfigMap")} <= {
        deployed.platform["namespace"]}


def test_built_in_manifests_validate_against_the_kubernetes_schemas(deployed: Deployment):
    # The custom resources are checked against their own schemas: the ArchivePlatform above, KopfPeering has none.
    built_in = [resource for resource in deployed.resources if resource.kind not in CUSTOM_KINDS]
    assert built_in and all(resource.inputs["apiVersion"].startswith(BUILT_IN_GROUPS) for resource in built_in)
    for resource in built_in:
        kubernetes_validate.validate(resource.inputs, KUBERNETES, strict=True)


def test_outputs_the_console_url_and_the_backup_repository(deployed: Deployment):
    ingress = deployed.platform["resources"]["ingress"]
    assert deployed.outputs["consoleUrl"] == f"https://{ingress['host']}/"
    assert deployed.outputs["backupRepository"] == deployed.platform["backups"]["repository"]
    assert {"consoleUrl", "backupRepository"}.isdisjoint(deployed.secret_outputs)


def test_without_an_ingress_the_console_url_is_the_service(tmp_path):
    config = stack_config("dev")
    del config["kholuutru:platform"]["resources"]["ingress"]
    deployment = deploy("dev", config=config, monitoring_folder=tmp_path)
    assert deployment.outputs["consoleUrl"] == "http://kholuutru-console.kholuutru-dev.svc/"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_files_hold_no_secret(stack):
    text = json.dumps(stack_config(stack))
    assert "secure" not in text
    assert not any(key in text for key in ("backupPassword", "SecretAccessKey", "ClientSecret"))
