"""The operator's pods speak the platform's settings: every ``KHOLUUTRU_*`` variable the operator renders is one
``kholuutru.archive.settings`` reads, every secret file it names is mounted read-only from a Secret (certificates from
a ConfigMap), and every part of the spec (SSO, LGSP, notifications, signatures, backups, database, storage) arrives in
the platform's settings with the value the spec gives.

Only this test knows both sides: the operator itself never imports the archive (ARCHITECTURE §2).
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath

import pytest
from pydantic import SecretStr

from kholuutru.archive.incident_mail import recipients
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage.s3 import S3Storage
from kholuutru.operator import render, security
from kholuutru.operator.naming import Owner
from kholuutru.operator.render import jobs
from kholuutru.operator.spec import parse

OWNER = Owner("tinh", "luutru", "6b1f0a4e-1c4d-4d36-9f43-0d1a2b3c4d5e")
SSO = {
    "issuerUrl": "https://sso.tinh.gov.vn/realms/tinh", "clientId": "kholuutru", "clientSecretRef": {"name": "sso"},
    "unitClaim": "ma_don_vi", "rolesClaim": "vai_tro", "provinceRolesFromClaim": True, "localLogin": False,
}
LGSP = {
    "url": "https://lgsp.tinh.gov.vn/api/luutru", "tokenUrl": "https://lgsp.tinh.gov.vn/oauth2/token",
    "clientId": "kholuutru", "clientSecretRef": {"name": "lgsp"}, "timeoutSeconds": 12.5, "retries": 2,
    "backoffSeconds": 0.5, "pageSize": 250, "dossierRetentionYears": 20, "syncSchedule": "15 * * * *",
}
NOTIFICATIONS = {
    "smtp": {"host": "mail.tinh.gov.vn", "port": 587, "startTLS": True,
             "caConfigMapRef": {"name": "mail-ca", "key": "tinh-ca.pem"}, "username": "kholuutru",
             "passwordSecretRef": {"name": "smtp"}, "from": "kholuutru@tinh.gov.vn", "timeoutSeconds": 7.5},
    "incidentRecipients": ["vanhanh@tinh.gov.vn", "truc-ca@tinh.gov.vn"],
}
SIGNATURES = {"trustRootsConfigMapRef": {"name": "trust-roots"}, "revocationMode": "hard-fail",
              "tsaUrl": "https://tsa.ca.gov.vn/tsa", "requireSignatures": False}
STORAGE = {"endpoint": "https://s3.tinh.gov.vn", "bucket": "tai-lieu", "credentialsSecretRef": {"name": "s3"}}
S3_BACKUPS = {
    "repository": "s3:https://sao-luu.example.vn/kholuutru", "credentialsSecretRef": {"name": "restic-s3"},
    "passwordSecretRef": {"name": "restic-password"},
    "retention": {"keepDaily": 1, "keepWeekly": 2, "keepMonthly": 3, "keepYearly": 4},
}
SFTP_BACKUPS = {"repository": "sftp:kholuutru@offsite.tinh.gov.vn:/restic",
                "credentialsSecretRef": {"name": "restic-sftp"}}
SPECS = {
    "external-db-s3-backups": {
        "image": "registry.tinh.gov.vn/kholuutru:1.0.0", "database": {"externalSecretRef": {"name": "pg"}},
        "objectStorage": STORAGE, "backups": S3_BACKUPS, "sso": SSO, "lgsp": LGSP,
        "notifications": NOTIFICATIONS, "signatures": SIGNATURES,
    },
    "managed-db-sftp-backups": {
        "image": "registry.tinh.gov.vn/kholuutru:1.0.0", "suspended": True, "objectStorage": STORAGE,
        "backups": SFTP_BACKUPS, "sso": SSO, "lgsp": LGSP, "notifications": NOTIFICATIONS, "signatures": SIGNATURES,
    },
}


def platform_settings() -> dict[str, str]:
    """Environment name -> field name of every setting the platform reads, from the settings class itself."""
    prefix = Settings.model_config["env_prefix"]
    return {f"{prefix}{name}".upper(): name for name in Settings.model_fields}


def workloads(raw: dict) -> list[dict]:
    """Every workload the operator makes for ``raw``: the children and the one-off Jobs it starts itself."""
    spec = parse(raw)
    children = [*render.children(OWNER, spec), jobs.suspension(OWNER, spec, 1), jobs.final_backup(OWNER, spec)]
    return [m for m in children if security.pod_template(m) is not None]


def containers(raw: dict) -> list[tuple[str, dict, dict]]:
    """(where, pod spec, container) of every container of every workload."""
    found = []
    for manifest in workloads(raw):
        pod = security.pod_template(manifest)["spec"]
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            found.append((f"{manifest['kind']} {manifest['metadata']['name']}/{container['name']}", pod, container))
    return found


def kinds(raw: dict) -> set[str]:
    return {m["kind"] for m in workloads(raw)}


def test_the_specs_cover_every_kind_of_workload():
    covered = set().union(*(kinds(raw) for raw in SPECS.values()))
    assert covered == {"Deployment", "StatefulSet", "Job", "CronJob"}


@pytest.mark.parametrize("name", SPECS)
def test_every_rendered_setting_is_one_the_platform_reads(name):
    known = platform_settings()
    for where, _pod, container in containers(SPECS[name]):
        assert "envFrom" not in container, f"{where}: variables from a whole Secret cannot be checked"
        for variable in container.get("env", []):
            if variable["name"].startswith("KHOLUUTRU_"):
                assert variable["name"] in known, f"{where}: the platform does not read {variable['name']}"


@pytest.mark.parametrize("name", SPECS)
def test_secret_settings_come_from_secrets_never_from_the_manifest(name):
    known = platform_settings()
    for where, _pod, container in containers(SPECS[name]):
        for variable in container.get("env", []):
            field = known.get(variable["name"])
            if field is not None and Settings.model_fields[field].annotation in (SecretStr, SecretStr | None):
                assert "secretKeyRef" in variable.get("valueFrom", {}), f"{where}: {variable['name']} is inline"


PUBLIC_FILES = {"KHOLUUTRU_SMTP_CA_FILE", "KHOLUUTRU_SIGNATURE_TRUST_ROOTS_FILE"}
"""File settings holding certificates, which are public: they may come from a ConfigMap."""


def mounted_file(pod: dict, container: dict, path: str) -> tuple[dict, str]:
    """(volume, key) of the file ``path``, which must be mounted read-only."""
    file = PurePosixPath(path)
    (mount,) = [m for m in container["volumeMounts"] if file.parent == PurePosixPath(m["mountPath"])]
    assert mount.get("readOnly") is True, f"{mount['name']} must be mounted read-only"
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    source = volume.get("secret") or volume.get("configMap")
    assert source is not None, f"{path} must come from a Secret or a ConfigMap"
    (item,) = [i for i in source["items"] if i["path"] == file.name]
    return volume, item["key"]


def secret_file(pod: dict, container: dict, path: str) -> tuple[str, str]:
    """(Secret, key) of the file ``path``, which must be mounted read-only from a Secret volume."""
    volume, key = mounted_file(pod, container, path)
    assert "secret" in volume, f"{path} must come from a Secret"
    assert volume["secret"]["defaultMode"] & 0o007 == 0, "secret files are not world-readable"
    return volume["secret"]["secretName"], key


def config_map_file(pod: dict, container: dict, path: str) -> tuple[str, str]:
    """(ConfigMap, key) of the file ``path``, which must be mounted read-only from a ConfigMap volume."""
    volume, key = mounted_file(pod, container, path)
    assert "configMap" in volume, f"{path} must come from a ConfigMap"
    return volume["configMap"]["name"], key


@pytest.mark.parametrize("name", SPECS)
def test_every_file_setting_is_mounted_read_only_secrets_from_secrets(name):
    for where, pod, container in containers(SPECS[name]):
        for variable in container.get("env", []):
            if variable["name"].startswith("KHOLUUTRU_") and variable["name"].endswith("_FILE"):
                assert "value" in variable, f"{where}: {variable['name']} is a path"
                if variable["name"] in PUBLIC_FILES:
                    config_map_file(pod, container, variable["value"])
                else:
                    secret_file(pod, container, variable["value"])
        assert security.violations(pod) == [], where


def loaded(monkeypatch, container: dict) -> Settings:
    """The settings the platform loads in ``container``: Secret values stand in as ``<secret>/<key>``."""
    for variable in list(os.environ):
        if variable.startswith("KHOLUUTRU_"):
            monkeypatch.delenv(variable)
    for variable in container["env"]:
        if "value" in variable:
            monkeypatch.setenv(variable["name"], variable["value"])
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            monkeypatch.setenv(variable["name"], f"{ref['name']}/{ref['key']}")
    return Settings()


def platform_containers(raw: dict) -> list[tuple[str, dict, dict]]:
    """Containers of the kholuutru image: the console and every Job."""
    return [(where, pod, c) for where, pod, c in containers(raw) if c["image"] == raw["image"]]


@pytest.mark.parametrize("name", SPECS)
def test_sso_and_lgsp_reach_the_platform_in_every_pod(name, monkeypatch):
    for where, pod, container in platform_containers(SPECS[name]):
        settings = loaded(monkeypatch, container)
        assert settings.sso_enabled, where
        assert (settings.oidc_issuer, settings.oidc_client_id) == (SSO["issuerUrl"], SSO["clientId"])
        assert settings.oidc_client_secret.get_secret_value() == "sso/client-secret"
        assert (settings.oidc_unit_claim, settings.oidc_roles_claim) == ("ma_don_vi", "vai_tro")
        assert settings.oidc_province_roles_from_claim is True and settings.oidc_local_login is False
        assert (settings.lgsp_base_url, settings.lgsp_token_url) == (LGSP["url"], LGSP["tokenUrl"])
        assert settings.lgsp_client_id == "kholuutru"
        assert secret_file(pod, container, str(settings.lgsp_client_secret_file)) == ("lgsp", "client-secret")
        assert (settings.lgsp_timeout_seconds, settings.lgsp_retries, settings.lgsp_backoff_seconds) == (12.5, 2, 0.5)
        assert (settings.lgsp_page_size, settings.lgsp_dossier_retention_years) == (250, 20)
        assert settings.lgsp_sync_schedule == "", f"{where}: the sync CronJobs synchronise, not `kholuutru up`"


def test_unset_sso_and_lgsp_options_keep_the_platform_defaults(monkeypatch):
    raw = {**SPECS["external-db-s3-backups"],
           "sso": {k: SSO[k] for k in ("issuerUrl", "clientId", "clientSecretRef")},
           "lgsp": {k: LGSP[k] for k in ("url", "clientId", "clientSecretRef")}}
    defaults = Settings.model_fields
    for _where, _pod, container in platform_containers(raw):
        settings = loaded(monkeypatch, container)
        for field in ("oidc_unit_claim", "oidc_roles_claim", "oidc_province_roles_from_claim", "oidc_local_login",
                      "lgsp_token_url", "lgsp_timeout_seconds", "lgsp_retries", "lgsp_backoff_seconds",
                      "lgsp_page_size", "lgsp_dossier_retention_years"):
            assert getattr(settings, field) == defaults[field].default, field
        assert settings.lgsp_base_url == LGSP["url"]


@pytest.mark.parametrize("name", SPECS)
def test_incident_mail_and_signatures_reach_the_platform_in_every_pod(name, monkeypatch):
    smtp = NOTIFICATIONS["smtp"]
    for where, pod, container in platform_containers(SPECS[name]):
        settings = loaded(monkeypatch, container)
        assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == ("mail.tinh.gov.vn", 587, True)
        assert config_map_file(pod, container, str(settings.smtp_ca_file)) == ("mail-ca", "tinh-ca.pem"), where
        assert settings.smtp_username == smtp["username"]
        assert secret_file(pod, container, str(settings.smtp_password_file)) == ("smtp", "password"), where
        assert (settings.smtp_from, settings.smtp_timeout_seconds) == (smtp["from"], 7.5)
        assert recipients(settings, None) == NOTIFICATIONS["incidentRecipients"], where
        roots = config_map_file(pod, container, str(settings.signature_trust_roots_file))
        assert roots == ("trust-roots", "trust-roots.pem"), where
        assert (settings.signature_revocation_mode, settings.tsa_url) == ("hard-fail", SIGNATURES["tsaUrl"])
        assert settings.require_signatures is False, where


def test_unset_notification_and_signature_options_keep_the_platform_defaults(monkeypatch):
    raw = {**SPECS["external-db-s3-backups"], "notifications": {"smtp": {"host": "mail.tinh.gov.vn"}},
           "signatures": {"trustRootsConfigMapRef": {"name": "trust-roots", "key": "roots.pem"}}}
    defaults = Settings.model_fields
    for _where, pod, container in platform_containers(raw):
        settings = loaded(monkeypatch, container)
        for field in ("smtp_port", "smtp_starttls", "smtp_ca_file", "smtp_username", "smtp_password_file",
                      "smtp_from", "smtp_timeout_seconds", "incident_recipients", "signature_revocation_mode",
                      "tsa_url", "require_signatures"):
            assert getattr(settings, field) == defaults[field].default, field
        assert settings.smtp_host == "mail.tinh.gov.vn"
        assert config_map_file(pod, container, str(settings.signature_trust_roots_file)) == ("trust-roots",
                                                                                            "roots.pem")


def test_without_the_sections_no_mail_is_sent_and_no_signature_is_trusted(monkeypatch):
    raw = {k: v for k, v in SPECS["external-db-s3-backups"].items() if k not in ("notifications", "signatures")}
    for _where, _pod, container in platform_containers(raw):
        settings = loaded(monkeypatch, container)
        assert settings.smtp_host is None and settings.signature_trust_roots_file is None
        assert settings.require_signatures is True


def test_database_storage_and_s3_backups_reach_the_platform(monkeypatch):
    raw = SPECS["external-db-s3-backups"]
    for where, pod, container in platform_containers(raw):
        settings = loaded(monkeypatch, container)
        assert settings.database_url.get_secret_value() == "pg/database-url"
        assert settings.database_owner_url.get_secret_value() == "pg/owner-url"
        assert settings.storage_url.startswith("s3://tai-lieu?endpoint_url=https%3A%2F%2Fs3.tinh.gov.vn")
        storage = S3Storage.from_url(settings.storage_url, settings)
        assert (storage.bucket, storage.client.meta.endpoint_url) == ("tai-lieu", STORAGE["endpoint"])
        assert settings.storage_access_key_id.get_secret_value() == "s3/access-key-id"
        assert settings.storage_secret_access_key.get_secret_value() == "s3/secret-access-key"
        assert settings.backup_repository == S3_BACKUPS["repository"]
        assert secret_file(pod, container, str(settings.backup_password_file)) == ("restic-password", "password")
        assert settings.backup_s3_access_key_id.get_secret_value() == "restic-s3/access-key-id"
        assert settings.backup_s3_secret_access_key.get_secret_value() == "restic-s3/secret-access-key"
        assert settings.backup_sftp_identity_file is None and settings.backup_sftp_known_hosts_file is None
        retention = (settings.backup_keep_daily, settings.backup_keep_weekly, settings.backup_keep_monthly,
                     settings.backup_keep_yearly)
        assert retention == (1, 2, 3, 4), where


def test_sftp_backups_get_their_key_and_known_hosts_as_files(monkeypatch):
    raw = SPECS["managed-db-sftp-backups"]
    for where, pod, container in platform_containers(raw):
        settings = loaded(monkeypatch, container)
        assert settings.database_url.get_secret_value() == "tinh-db-credentials/database-url", where
        assert settings.backup_repository == SFTP_BACKUPS["repository"]
        assert secret_file(pod, container, str(settings.backup_sftp_identity_file)) == ("restic-sftp", "identity")
        assert secret_file(pod, container, str(settings.backup_sftp_known_hosts_file)) == ("restic-sftp",
                                                                                          "known-hosts")
        assert settings.backup_s3_access_key_id is None
        assert secret_file(pod, container, str(settings.backup_password_file)) == ("tinh-backup-password",
                                                                                  "password")


def test_only_the_cronjobs_schedule_backups_drills_and_sync(monkeypatch):
    (console,) = [c for where, _pod, c in platform_containers(SPECS["external-db-s3-backups"])
                  if where.startswith("Deployment")]
    settings = loaded(monkeypatch, console)
    assert (settings.backup_schedule, settings.drill_schedule, settings.lgsp_sync_schedule) == ("", "", "")



def test_the_console_believes_the_ingress_and_nothing_else(monkeypatch):
    """Behind the Ingress the console trusts one hop of forwarded headers (its public https address); without one,
    none: a client talking to the Service straight could otherwise forge them."""
    behind = {**SPECS["external-db-s3-backups"], "resources": {"ingress": {"host": "luutru.tinh.gov.vn"}}}
    for raw, hops in ((behind, 1), (SPECS["external-db-s3-backups"], 0)):
        (console,) = [c for where, _pod, c in platform_containers(raw) if where.startswith("Deployment")]
        assert loaded(monkeypatch, console).trusted_proxies == hops
