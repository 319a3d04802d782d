"""Rendering: every child manifest is valid for the supported Kubernetes versions (kubernetes-validate, strict), every
pod meets the restricted Pod Security Standard, and the manifests say what the platform needs."""

from __future__ import annotations

import base64
import itertools

import kubernetes_validate
import pytest

from kholuutru.operator import render, security
from kholuutru.operator.naming import Owner
from kholuutru.operator.render import jobs, secrets
from kholuutru.operator.spec import parse

KUBERNETES_VERSIONS = ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]
OWNER = Owner("tinh", "luutru", "6b1f0a4e-1c4d-4d36-9f43-0d1a2b3c4d5e")
BASE = {
    "image": "registry.tinh.gov.vn/kholuutru:1.0.0",
    "objectStorage": {"endpoint": "https://s3.tinh.gov.vn", "bucket": "tai-lieu",
                      "credentialsSecretRef": {"name": "s3"}},
    "backups": {"repository": "s3:https://sao-luu.example.vn/kholuutru", "credentialsSecretRef": {"name": "restic"}},
}
FULL = {
    **BASE,
    "replicas": 3,
    "suspended": True,
    "suspensionReason": "Sự cố INC-7",
    "database": {"managed": {"storageSize": "50Gi", "storageClassName": "fast", "version": "17"}},
    "sso": {"issuerUrl": "https://sso.tinh.gov.vn/realms/tinh", "clientId": "kholuutru",
            "clientSecretRef": {"name": "sso"}},
    "lgsp": {"url": "https://lgsp.tinh.gov.vn", "clientId": "kholuutru", "clientSecretRef": {"name": "lgsp"}},
    "notifications": {"smtp": {"host": "mail.tinh.gov.vn", "startTLS": True, "caConfigMapRef": {"name": "mail-ca"},
                               "username": "kholuutru", "passwordSecretRef": {"name": "smtp"}},
                      "incidentRecipients": ["vanhanh@tinh.gov.vn"]},
    "signatures": {"trustRootsConfigMapRef": {"name": "trust-roots"}, "tsaUrl": "https://tsa.ca.gov.vn"},
    "resources": {"console": {"limits": {"memory": "2Gi"}}, "jobs": {"requests": {"cpu": 1}},
                  "ingress": {"host": "luutru.tinh.gov.vn", "className": "nginx", "tlsSecretName": "luutru-tls"}},
}
EXTERNAL = {**BASE, "database": {"externalSecretRef": {"name": "pg"}},
            "backups": {**BASE["backups"], "passwordSecretRef": {"name": "restic-password"}}}
SFTP = {**BASE, "backups": {"repository": "sftp:kholuutru@offsite.tinh.gov.vn:/restic",
                             "credentialsSecretRef": {"name": "restic-sftp"}}}
SPECS = {"minimal": BASE, "full": FULL, "external": EXTERNAL, "sftp": SFTP}


def manifests(raw: dict) -> list[dict]:
    spec = parse(raw)
    counter = itertools.count()
    generated = secrets.generated_secrets(OWNER, spec, generate=lambda: f"pw{next(counter)}")
    return [*render.children(OWNER, spec), *generated, jobs.suspension(OWNER, spec, 4), jobs.final_backup(OWNER, spec)]


ALL = [(name, m) for name, raw in SPECS.items() for m in manifests(raw)]


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(("spec", "manifest"), ALL, ids=[f"{n}-{m['kind']}-{m['metadata']['name']}" for n, m in ALL])
def test_manifest_is_valid_for_kubernetes(spec, manifest, kubernetes):
    kubernetes_validate.validate(manifest, kubernetes, strict=True)


PODS = [(n, m) for n, m in ALL if security.pod_template(m) is not None]


@pytest.mark.parametrize(("spec", "manifest"), PODS, ids=[f"{n}-{m['kind']}-{m['metadata']['name']}" for n, m in PODS])
def test_pods_meet_the_restricted_pod_security_standard(spec, manifest):
    template = security.pod_template(manifest)
    assert security.violations(template["spec"], template["metadata"].get("annotations")) == []


@pytest.mark.parametrize("name", SPECS)
def test_every_child_has_owner_reference_and_standard_labels(name):
    for manifest in manifests(SPECS[name]):
        meta = manifest["metadata"]
        assert meta["namespace"] == "luutru"
        assert meta["ownerReferences"] == [OWNER.reference()]
        assert meta["labels"]["app.kubernetes.io/name"] == "kholuutru"
        assert meta["labels"]["app.kubernetes.io/instance"] == "tinh"
        assert meta["labels"]["app.kubernetes.io/part-of"] == "kholuutru"
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "kholuutru-operator"
        assert meta["labels"]["app.kubernetes.io/component"]
        template = security.pod_template(manifest)
        if template is not None:
            assert template["metadata"]["labels"] == meta["labels"]


def by_name(items: list[dict], kind: str, name: str) -> dict:
    (found,) = [m for m in items if m["kind"] == kind and m["metadata"]["name"] == name]
    return found


def env_of(container: dict) -> dict:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_console_runs_the_image_with_settings_from_secrets_and_health_probes():
    items = manifests(FULL)
    deployment = by_name(items, "Deployment", "tinh-console")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert deployment["spec"]["replicas"] == 3
    assert container["image"] == FULL["image"]
    assert [*container["command"], *container["args"]] == ["kholuutru", "up", "--host", "0.0.0.0", "--port", "8080"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    env = env_of(container)
    assert env["KHOLUUTRU_DATABASE_URL"] == {"secretKeyRef": {"name": "tinh-db-credentials", "key": "database-url"}}
    assert env["KHOLUUTRU_SECRET_KEY"] == {"secretKeyRef": {"name": "tinh-console-key", "key": "secret-key"}}
    assert env["KHOLUUTRU_STORAGE_URL"].startswith("s3://tai-lieu?endpoint_url=https%3A%2F%2Fs3.tinh.gov.vn")
    assert env["KHOLUUTRU_BACKUP_PASSWORD_FILE"] == "/var/run/secrets/kholuutru/backup/password"
    assert env["KHOLUUTRU_OIDC_CLIENT_SECRET"] == {"secretKeyRef": {"name": "sso", "key": "client-secret"}}
    assert env["KHOLUUTRU_BACKUP_SCHEDULE"] == env["KHOLUUTRU_DRILL_SCHEDULE"] == "", "the CronJobs do that work"
    assert container["resources"]["limits"]["memory"] == "2Gi"
    assert env["KHOLUUTRU_BACKUP_S3_ACCESS_KEY_ID"] == {"secretKeyRef": {"name": "restic", "key": "access-key-id"}}
    assert env["KHOLUUTRU_LGSP_BASE_URL"] == "https://lgsp.tinh.gov.vn"
    assert env["KHOLUUTRU_LGSP_CLIENT_SECRET_FILE"] == "/var/run/secrets/kholuutru/lgsp/client-secret"
    assert "envFrom" not in container
    secret_names = [e for e in container["env"] if any(w in e["name"] for w in ("PASSWORD", "SECRET", "_URL"))]
    inline = {e["name"] for e in secret_names if "value" in e}
    assert inline == {"KHOLUUTRU_STORAGE_URL", "KHOLUUTRU_BACKUP_PASSWORD_FILE", "KHOLUUTRU_LGSP_BASE_URL",
                      "KHOLUUTRU_LGSP_CLIENT_SECRET_FILE", "KHOLUUTRU_SMTP_PASSWORD_FILE",
                      "KHOLUUTRU_TSA_URL"}, "secrets themselves come from Secrets"
    ingress = by_name(items, "Ingress", "tinh-console")
    assert ingress["spec"]["tls"] == [{"hosts": ["luutru.tinh.gov.vn"], "secretName": "luutru-tls"}]


def test_backups_and_drills_keep_running_while_sync_jobs_pause():
    cronjobs = {m["metadata"]["name"]: m["spec"] for m in manifests(FULL) if m["kind"] == "CronJob"}
    assert cronjobs["tinh-backup"]["suspend"] is False and cronjobs["tinh-drill"]["suspend"] is False
    assert all(cronjobs[f"tinh-sync-{kind}"]["suspend"] for kind in ("users", "procedures", "dossiers"))
    job = cronjobs["tinh-backup"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert job["args"] == ["backup", "run", "--json"]
    assert job["command"][:2] == ["/bin/sh", "-c"] and "/dev/termination-log" in job["command"][2]
    drill = cronjobs["tinh-drill"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert drill["args"] == ["drill", "run", "--json"]
    resumed = {m["metadata"]["name"]: m["spec"] for m in manifests({**FULL, "suspended": False})
               if m["kind"] == "CronJob"}
    assert not any(resumed[f"tinh-sync-{kind}"]["suspend"] for kind in ("users", "procedures", "dossiers"))


def test_managed_database_has_a_retained_volume_and_its_roles():
    items = manifests(FULL)
    statefulset = by_name(items, "StatefulSet", "tinh-db")["spec"]
    assert statefulset["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    (claim,) = statefulset["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert claim["spec"]["storageClassName"] == "fast"
    assert statefulset["template"]["spec"]["containers"][0]["image"].endswith("postgres:17")
    script = by_name(items, "ConfigMap", "tinh-db-init")["data"]["10-kholuutru-roles.sh"]
    assert "NOSUPERUSER NOBYPASSRLS" in script and "CREATE DATABASE kholuutru OWNER kholuutru_owner" in script
    credentials = by_name(items, "Secret", "tinh-db-credentials")["data"]
    url = base64.b64decode(credentials["database-url"]).decode()
    assert url.startswith("postgresql://kholuutru_app:") and url.endswith("@tinh-db.luutru.svc:5432/kholuutru")
    policies = [m for m in items if m["kind"] == "NetworkPolicy"]
    assert {p["metadata"]["name"] for p in policies} == {"tinh-default-deny", "tinh-console", "tinh-db"}


def test_external_database_and_given_password_generate_nothing_for_them():
    items = manifests(EXTERNAL)
    assert not [m for m in items if m["kind"] in ("StatefulSet", "ConfigMap")]
    assert {m["metadata"]["name"] for m in items if m["kind"] == "Secret"} == {"tinh-console-key"}
    container = by_name(items, "Deployment", "tinh-console")["spec"]["template"]["spec"]["containers"][0]
    assert env_of(container)["KHOLUUTRU_DATABASE_URL"] == {"secretKeyRef": {"name": "pg", "key": "database-url"}}
    volumes = by_name(items, "Deployment", "tinh-console")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "backup", "secret": {"secretName": "restic-password", "defaultMode": 0o440,
                                                  "items": [{"key": "password", "path": "password"}]}} in volumes


def test_suspension_jobs_carry_the_reason():
    suspend = jobs.suspension(OWNER, parse(FULL), 4)
    assert suspend["metadata"]["name"] == "tinh-suspend-g4"
    assert suspend["spec"]["template"]["spec"]["containers"][0]["args"] == ["suspend", "--reason", "Sự cố INC-7",
                                                                            "--json"]
    resume = jobs.suspension(OWNER, parse({**FULL, "suspended": False}), 5)
    assert resume["metadata"]["name"] == "tinh-resume-g5"
    assert resume["spec"]["template"]["spec"]["containers"][0]["args"][:2] == ["resume", "--reason"]


def test_secrets_kept_after_deletion():
    assert secrets.kept_after_deletion(OWNER, parse(BASE)) == ["tinh-backup-password", "tinh-db-credentials"]
    volume_goes = {**BASE, "database": {"managed": {"deleteVolumeOnDelete": True}}}
    assert secrets.kept_after_deletion(OWNER, parse(volume_goes)) == ["tinh-backup-password"]
    assert secrets.kept_after_deletion(OWNER, parse(EXTERNAL)) == []


def test_mail_password_and_certificates_are_read_only_files_in_every_kholuutru_pod():
    for manifest in manifests(FULL):
        template = security.pod_template(manifest)
        if template is None or manifest["metadata"]["name"] == "tinh-db":
            continue
        pod = template["spec"]
        (container,) = pod["containers"]
        env, volumes = env_of(container), {v["name"]: v for v in pod["volumes"]}
        assert env["KHOLUUTRU_SMTP_HOST"] == "mail.tinh.gov.vn" and env["KHOLUUTRU_SMTP_STARTTLS"] == "true"
        assert env["KHOLUUTRU_SMTP_PASSWORD_FILE"] == "/var/run/secrets/kholuutru/smtp/password"
        assert volumes["smtp"]["secret"] == {"secretName": "smtp", "defaultMode": 0o440,
                                             "items": [{"key": "password", "path": "password"}]}
        assert env["KHOLUUTRU_SMTP_CA_FILE"] == "/etc/kholuutru/smtp-ca/ca.pem"
        assert volumes["smtp-ca"]["configMap"] == {"name": "mail-ca", "defaultMode": 0o444,
                                                   "items": [{"key": "ca.crt", "path": "ca.pem"}]}
        assert env["KHOLUUTRU_SIGNATURE_TRUST_ROOTS_FILE"] == "/etc/kholuutru/signature-trust-roots/trust-roots.pem"
        assert volumes["signature-trust-roots"]["configMap"]["name"] == "trust-roots"
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert all(mounts[name]["readOnly"] is True for name in ("smtp", "smtp-ca", "signature-trust-roots"))
        assert env["KHOLUUTRU_INCIDENT_RECIPIENTS"] == "vanhanh@tinh.gov.vn"
        assert env["KHOLUUTRU_TSA_URL"] == "https://tsa.ca.gov.vn"
        assert "KHOLUUTRU_REQUIRE_SIGNATURES" not in env, "unset: the platform's default holds"


def test_without_notifications_and_signatures_nothing_of_them_is_rendered():
    (container,) = by_name(manifests(BASE), "Deployment", "tinh-console")["spec"]["template"]["spec"]["containers"]
    assert not [name for name in env_of(container) if name.startswith(("KHOLUUTRU_SMTP", "KHOLUUTRU_SIGNATURE",
                                                                         "KHOLUUTRU_TSA", "KHOLUUTRU_INCIDENT"))]
    assert {m["name"] for m in container["volumeMounts"]} == {"tmp", "data", "backup"}
