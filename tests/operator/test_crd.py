"""The CRD (ARCHITECTURE §6): a valid apiextensions.k8s.io/v1 object with the schema, defaults and validation the
operator relies on — one file, packaged for the operator through a symlink."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from kholuutru.operator import crd

REPO = Path(__file__).resolve().parents[2]
CRD_FILE = REPO / "operator" / "crds" / "archiveplatforms.yaml"
KUBERNETES_VERSIONS = ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]


def version() -> dict:
    (served,) = crd.definition()["spec"]["versions"]
    return served


def test_the_operator_reads_the_one_crd_file():
    packaged = REPO / "operator" / "kholuutru" / "operator" / "archiveplatforms.yaml"
    assert packaged.is_symlink() and packaged.resolve() == CRD_FILE.resolve()
    assert crd.definition() == yaml.safe_load(CRD_FILE.read_text())


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
def test_crd_is_a_valid_custom_resource_definition(kubernetes):
    kubernetes_validate.validate(crd.definition(), kubernetes, strict=True)


def test_identity_names_and_printer_columns():
    spec = crd.definition()["spec"]
    assert crd.definition()["metadata"]["name"] == f"{crd.PLURAL}.{crd.GROUP}"
    assert (spec["group"], spec["scope"], spec["names"]["kind"]) == (crd.GROUP, "Namespaced", crd.KIND)
    assert spec["names"]["plural"] == crd.PLURAL and spec["names"]["shortNames"] == ["ap"]
    assert version()["name"] == crd.VERSION and version()["subresources"] == {"status": {}}
    columns = {c["name"]: c["jsonPath"] for c in version()["additionalPrinterColumns"]}
    assert columns == {
        "Ready": '.status.conditions[?(@.type=="Ready")].status',
        "Suspended": ".spec.suspended",
        "Last backup": ".status.lastBackup.time",
        "Last drill": ".status.lastDrill.time",
        "Age": ".metadata.creationTimestamp",
    }


ARCHITECTURE_SPEC_FIELDS = ["image", "replicas", "suspended", "suspensionReason", "database", "objectStorage",
                            "backups", "drills", "sso", "lgsp", "notifications", "signatures", "resources"]
"""The spec's top level as ARCHITECTURE §6 lists it, in its order, with the platform's two other outside services
(incident mail, signature trust) beside SSO and LGSP; whatever else a component needs nests inside."""


def test_the_spec_top_level_is_exactly_the_architecture_list():
    spec = version()["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert list(spec["properties"]) == ARCHITECTURE_SPEC_FIELDS
    assert not spec.get("x-kubernetes-preserve-unknown-fields"), "the API server prunes fields not listed"
    nested = {"ingress": {"host": "luutru.tinh.gov.vn"}, "console": {"limits": {"memory": "2Gi"}}}
    jsonschema.validate({**MINIMAL, "resources": nested}, crd.spec_schema())
    assert {"deleteVolumeOnDelete"} <= set(spec["properties"]["database"]["properties"]["managed"]["properties"])
    assert {"finalBackupOnDelete"} <= set(spec["properties"]["backups"]["properties"])


def test_spec_and_status_fields_are_those_of_the_architecture():
    schema = version()["schema"]["openAPIV3Schema"]["properties"]
    spec = schema["spec"]["properties"]
    assert list(spec) == ARCHITECTURE_SPEC_FIELDS
    assert set(spec["database"]["properties"]) == {"managed", "externalSecretRef"}
    assert {"storageSize", "storageClassName", "version"} <= set(spec["database"]["properties"]["managed"][
        "properties"])
    assert set(spec["objectStorage"]["properties"]) == {"endpoint", "bucket", "credentialsSecretRef"}
    assert {"schedule", "repository", "passwordSecretRef", "credentialsSecretRef", "retention"} <= set(
        spec["backups"]["properties"])
    status = schema["status"]["properties"]
    assert status["conditions"]["items"]["properties"]["type"]["enum"] == [
        "Ready", "DatabaseReady", "StorageReady", "BackupsHealthy", "DrillPassed", "Suspended"]
    assert {"reason", "message", "lastTransitionTime"} <= set(status["conditions"]["items"]["required"])
    for record in ("lastBackup", "lastDrill"):
        assert {"time", "result", "snapshot", "rtoSeconds"} <= set(status[record]["properties"])


MINIMAL = {
    "image": "registry.tinh.gov.vn/kholuutru:1.0.0",
    "objectStorage": {"endpoint": "https://s3.tinh.gov.vn", "bucket": "tai-lieu",
                      "credentialsSecretRef": {"name": "s3"}},
    "backups": {"repository": "s3:https://sao-luu.example.vn/kholuutru"},
}


def test_defaults_are_applied_as_the_api_server_does():
    spec = crd.with_defaults(MINIMAL)
    assert spec["replicas"] == 2 and spec["suspended"] is False
    assert spec["database"] == {"managed": {"storageSize": "20Gi", "version": "16", "deleteVolumeOnDelete": False}}
    assert spec["backups"]["schedule"] == "0 1 * * *" and spec["backups"]["finalBackupOnDelete"] is True
    assert spec["backups"]["retention"] == {"keepDaily": 7, "keepWeekly": 5, "keepMonthly": 12, "keepYearly": 10}
    assert spec["drills"] == {"schedule": "0 3 * * 0"}
    assert crd.with_defaults({**MINIMAL, "database": {"externalSecretRef": {"name": "pg"}}})["database"] == {
        "externalSecretRef": {"name": "pg"}}
    assert crd.schema_errors(spec) == []


@pytest.mark.parametrize(("path", "value"), [
    (("backups", "schedule"), "every night"),
    (("backups", "schedule"), "0 1 * *"),
    (("drills", "schedule"), "0 3 * * 0 extra"),
    (("database", "managed", "storageSize"), "20 GB"),
    (("database", "managed", "version"), "14"),
    (("objectStorage", "bucket"), "Tai_Lieu"),
    (("objectStorage", "endpoint"), "s3.tinh.gov.vn"),
    (("replicas",), 0),
    (("resources", "console", "limits", "memory"), "lots"),
])
def test_schema_refuses_bad_values(path, value):
    spec = crd.with_defaults(MINIMAL)
    target = spec
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    errors = crd.schema_errors(spec)
    assert errors and errors[0].startswith("spec." + ".".join(path[:1]))


def test_notification_and_signature_sections_are_optional_and_fully_described():
    spec = version()["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert not {"notifications", "signatures"} & set(spec["required"])
    smtp = spec["properties"]["notifications"]["properties"]["smtp"]
    assert set(smtp["properties"]) == {"host", "port", "startTLS", "caConfigMapRef", "username", "passwordSecretRef",
                                       "from", "timeoutSeconds"}
    assert smtp["required"] == ["host"]
    signatures = spec["properties"]["signatures"]
    assert set(signatures["properties"]) == {"trustRootsConfigMapRef", "revocationMode", "tsaUrl",
                                             "requireSignatures"}
    assert signatures["properties"]["revocationMode"]["enum"] == ["soft-fail", "hard-fail"]
    for section in (smtp, signatures):
        for name, field in section["properties"].items():
            assert field.get("description"), f"{name} is described for `kubectl explain`"
    # The CEL rules the API server enforces; the operator checks the same in Python (spec.py).
    rules = [rule["rule"] for rule in smtp["x-kubernetes-validations"]]
    assert rules == ["!has(self.passwordSecretRef) || has(self.username)",
                     "!has(self.caConfigMapRef) || (has(self.startTLS) && self.startTLS)"]


def test_config_map_keys_default_to_the_usual_file_names():
    spec = crd.with_defaults({**MINIMAL, "notifications": {"smtp": {"host": "mail.tinh.gov.vn", "startTLS": True,
                                                                    "caConfigMapRef": {"name": "mail-ca"}}},
                              "signatures": {"trustRootsConfigMapRef": {"name": "roots"}}})
    assert spec["notifications"]["smtp"]["caConfigMapRef"] == {"name": "mail-ca", "key": "ca.crt"}
    assert spec["signatures"]["trustRootsConfigMapRef"] == {"name": "roots", "key": "trust-roots.pem"}
    assert "notifications" not in crd.with_defaults(MINIMAL) and "signatures" not in crd.with_defaults(MINIMAL)
    assert crd.schema_errors(spec) == []


@pytest.mark.parametrize("schedule", ["0 1 * * *", "*/15 2-4 * * 1-5", "@daily", "0 3 * * SUN", "30 2 1,15 * *"])
def test_schema_accepts_cron_schedules(schedule):
    assert crd.schema_errors(crd.with_defaults({**MINIMAL, "drills": {"schedule": schedule}})) == []


@pytest.mark.parametrize("quantity", ["500m", "2", 2, "1.5Gi", "512Mi", "1e3"])
def test_schema_accepts_kubernetes_quantities(quantity):
    spec = crd.with_defaults({**MINIMAL, "resources": {"jobs": {"requests": {"cpu": quantity}}}})
    assert crd.schema_errors(spec) == []


def test_status_schema_accepts_what_the_operator_writes():
    status_schema = version()["schema"]["openAPIV3Schema"]["properties"]["status"]
    jsonschema.validate({
        "observedGeneration": 3,
        "conditions": [{"type": "Ready", "status": "True", "reason": "Ready", "message": "2 console replica(s)",
                        "lastTransitionTime": "2026-03-01T01:00:00Z", "observedGeneration": 3}],
        "lastBackup": {"time": "2026-03-01T01:10:00Z", "result": "Succeeded", "snapshot": "4f2a", "job": "x"},
        "lastDrill": {"time": "2026-03-01T03:40:00Z", "result": "Failed", "rtoSeconds": 840.5},
    }, status_schema)


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
def test_the_peering_crds_are_valid_and_match_the_peering_kopf_uses(kubernetes):
    documents = list(yaml.safe_load_all((REPO / "operator" / "crds" / "kopf-peering.yaml").read_text()))
    assert {d["spec"]["names"]["kind"] for d in documents} == {"KopfPeering", "ClusterKopfPeering"}
    for document in documents:
        assert document["spec"]["group"] == "kopf.dev"  # the group kopf ≥ 1.29 looks for
        kubernetes_validate.validate(document, kubernetes, strict=True)
