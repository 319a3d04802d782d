"""Parsing a spec: the rules the schema cannot say, all reported at once."""

from __future__ import annotations

import pytest

from kholuutru.operator.spec import InvalidSpec, parse

BASE = {
    "image": "registry.tinh.gov.vn/kholuutru:1.0.0",
    "objectStorage": {"endpoint": "https://s3.tinh.gov.vn:9000", "bucket": "tai-lieu",
                      "credentialsSecretRef": {"name": "s3"}},
    "backups": {"repository": "s3:https://sao-luu.example.vn/kholuutru"},
}


def problems(raw: dict) -> list[str]:
    with pytest.raises(InvalidSpec) as raised:
        parse(raw)
    return raised.value.problems


def test_a_minimal_spec_parses_with_defaults():
    spec = parse(BASE)
    assert spec.replicas == 2 and spec.database.managed.version == "16" and spec.database.external_secret is None
    assert spec.backups.password_secret is None and spec.backups.final_backup_on_delete
    assert spec.object_storage.url == ("s3://tai-lieu?endpoint_url=https%3A%2F%2Fs3.tinh.gov.vn%3A9000"
                                       "&region=us-east-1&addressing_style=path")


def test_every_problem_is_reported_at_once():
    found = problems({**BASE, "replicas": 0, "database": {"managed": {}, "externalSecretRef": {"name": "pg"}},
                      "drills": {"schedule": "0 25 * * *"}})
    assert any(p.startswith("spec.replicas") for p in found)
    assert any(p.startswith("spec.database: set exactly one") for p in found)
    assert "spec.drills.schedule: '0 25 * * *' is not a valid cron schedule" in found


def test_missing_required_fields_are_named():
    found = problems({"image": "x"})
    assert any("objectStorage" in p for p in found) and any("backups" in p for p in found)


@pytest.mark.parametrize("repository", ["s3:https://s3.tinh.gov.vn:9000/tai-lieu/restic",
                                        "s3:s3.tinh.gov.vn:9000/tai-lieu"])
def test_a_repository_on_the_primary_bucket_is_refused(repository):
    found = problems({**BASE, "backups": {"repository": repository}})
    assert any("must not live on the primary object storage" in p for p in found)


@pytest.mark.parametrize("repository", ["s3:https://s3.tinh.gov.vn:9000/sao-luu", "sftp:backup@dr.tinh.gov.vn:/srv",
                                        "s3:https://s3.other-site.vn:9000/tai-lieu"])
def test_an_independent_repository_is_accepted(repository):
    backups = {"repository": repository, "credentialsSecretRef": {"name": "restic"}}
    assert parse({**BASE, "backups": backups}).backups.repository == repository


def test_a_repository_the_pods_could_not_keep_or_reach_is_refused():
    # A folder would be the pod's scratch space, gone with it; the platform knows s3: and sftp: repositories.
    assert any(p.startswith("spec.backups.repository") for p in problems(
        {**BASE, "backups": {"repository": "/var/lib/kholuutru/backups"}}))
    # A pod has no ssh key or known_hosts of its own: the Secret holding them is required.
    assert any(p.startswith("spec.backups.credentialsSecretRef: an sftp: repository needs") for p in problems(
        {**BASE, "backups": {"repository": "sftp:backup@dr.tinh.gov.vn:/srv"}}))


SMTP = {"host": "mail.tinh.gov.vn", "username": "kholuutru", "passwordSecretRef": {"name": "smtp"}}


def test_notifications_and_signatures_parse_into_typed_sections():
    spec = parse({**BASE, "notifications": {"smtp": {**SMTP, "startTLS": True, "caConfigMapRef": {"name": "mail-ca"}},
                                            "incidentRecipients": ["vanhanh@tinh.gov.vn"]},
                  "signatures": {"trustRootsConfigMapRef": {"name": "roots"}, "revocationMode": "hard-fail"}})
    smtp = spec.notifications.smtp
    assert (smtp.host, smtp.username, smtp.password_secret, smtp.start_tls) == ("mail.tinh.gov.vn", "kholuutru",
                                                                                 "smtp", True)
    assert (smtp.ca.name, smtp.ca.key) == ("mail-ca", "ca.crt"), "the key defaults as in kube-root-ca.crt"
    assert smtp.port is None and smtp.sender is None, "unset: the platform's defaults hold"
    assert spec.notifications.incident_recipients == ("vanhanh@tinh.gov.vn",)
    roots = spec.signatures.trust_roots
    assert (roots.name, roots.key, spec.signatures.revocation_mode) == ("roots", "trust-roots.pem", "hard-fail")
    assert spec.signatures.require_signatures is None and spec.signatures.tsa_url is None
    assert parse(BASE).notifications is None and parse(BASE).signatures is None


@pytest.mark.parametrize("sender", ["kholuutru@tinh.gov.vn", "Kho lưu trữ tỉnh <kholuutru@tinh.gov.vn>"])
def test_the_sender_may_carry_a_name(sender):
    smtp = {"host": "mail.tinh.gov.vn", "from": sender}
    assert parse({**BASE, "notifications": {"smtp": smtp}}).notifications.smtp.sender == sender


def test_an_smtp_password_without_a_login_name_is_refused():
    smtp = {"host": "mail.tinh.gov.vn", "passwordSecretRef": {"name": "smtp"}}
    assert ("spec.notifications.smtp.passwordSecretRef: a password is used only with a login name; set "
            "spec.notifications.smtp.username") in problems({**BASE, "notifications": {"smtp": smtp}})


@pytest.mark.parametrize("start_tls", [None, False])
def test_an_smtp_ca_without_starttls_is_refused(start_tls):
    smtp = {**SMTP, "caConfigMapRef": {"name": "mail-ca"}}
    if start_tls is not None:
        smtp["startTLS"] = start_tls
    found = problems({**BASE, "notifications": {"smtp": smtp}})
    assert any(p.startswith("spec.notifications.smtp.caConfigMapRef: the CA certificates check") for p in found)


@pytest.mark.parametrize(("section", "value", "field"), [
    ("notifications", {"smtp": {}}, "spec.notifications.smtp"),
    ("notifications", {"smtp": {"host": "mail server"}}, "spec.notifications.smtp.host"),
    ("notifications", {"smtp": {"host": "mail.tinh.gov.vn", "port": 0}}, "spec.notifications.smtp.port"),
    ("notifications", {"smtp": {"host": "mail.tinh.gov.vn", "from": "kholuutru"}}, "spec.notifications.smtp.from"),
    ("notifications", {"smtp": {"host": "mail.tinh.gov.vn", "from": "A, B <kholuutru@tinh.gov.vn>"}},
     "spec.notifications.smtp.from"),
    ("notifications", {"smtp": {"host": "mail.tinh.gov.vn", "passwordSecretRef": {}}},
     "spec.notifications.smtp.passwordSecretRef"),
    ("notifications", {"incidentRecipients": ["vanhanh@tinh.gov.vn,khac@tinh.gov.vn"]},
     "spec.notifications.incidentRecipients.0"),
    ("signatures", {"revocationMode": "ignore"}, "spec.signatures.revocationMode"),
    ("signatures", {"tsaUrl": "tsa.ca.gov.vn"}, "spec.signatures.tsaUrl"),
    ("signatures", {"trustRootsConfigMapRef": {"key": "roots.pem"}}, "spec.signatures.trustRootsConfigMapRef"),
    ("signatures", {"trustRootsConfigMapRef": {"name": "roots", "key": "../roots.pem"}},
     "spec.signatures.trustRootsConfigMapRef.key"),
    ("signatures", {"requireSignatures": "no"}, "spec.signatures.requireSignatures"),
])
def test_bad_notification_and_signature_values_name_the_field(section, value, field):
    found = problems({**BASE, section: value})
    assert any(p.startswith(f"{field}: ") for p in found), found
