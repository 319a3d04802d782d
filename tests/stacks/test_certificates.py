"""Incident mail and signature trust through a stack: the notification and signature sections pass through as
configured, the SMTP password becomes a Secret, and the certificates (public, set from their PEM files) become
ConfigMaps the spec references. A stack validating signatures without trust roots stops before it creates anything.
"""

from __future__ import annotations

import pytest
from stacks_support import CERTIFICATES, Deployment, deploy, stack_config

from kholuutru.operator.spec import parse
from kholuutru.stacks.settings import StackConfigError


def test_notifications_and_signatures_reach_the_operator_as_configured(deployed: Deployment):
    parsed = parse(deployed.one("ArchivePlatform").inputs["spec"])
    notifications, signatures = deployed.platform.get("notifications"), deployed.platform.get("signatures")
    assert (parsed.notifications is None) == (notifications is None)
    assert (parsed.signatures is None) == (signatures is None)
    name = deployed.platform["name"]
    if notifications:
        smtp, parsed_smtp = notifications["smtp"], parsed.notifications.smtp
        assert (parsed_smtp.host, parsed_smtp.port, parsed_smtp.start_tls) == (smtp["host"], smtp.get("port"),
                                                                               smtp.get("startTLS"))
        assert (parsed_smtp.username, parsed_smtp.sender) == (smtp.get("username"), smtp.get("from"))
        assert parsed_smtp.password_secret == f"{name}-smtp"
        assert (parsed_smtp.ca.name, parsed_smtp.ca.key) == (f"{name}-smtp-ca", "ca.crt")
        assert list(parsed.notifications.incident_recipients) == notifications["incidentRecipients"]
    if signatures:
        assert (parsed.signatures.revocation_mode, parsed.signatures.require_signatures) == (
            signatures.get("revocationMode"), signatures.get("requireSignatures"))
        roots = parsed.signatures.trust_roots
        assert (roots.name, roots.key) == (f"{name}-signature-trust-roots", "trust-roots.pem")


def test_the_certificates_become_config_maps_in_the_platforms_namespace(prod: Deployment):
    data = {c.inputs["metadata"]["name"]: c.inputs["data"] for c in prod.of_kind("ConfigMap")}
    assert data == {
        "kholuutru-signature-trust-roots": {"trust-roots.pem": CERTIFICATES["signatureTrustRoots"]},
        "kholuutru-smtp-ca": {"ca.crt": CERTIFICATES["smtpCa"]},
    }
    assert all(c.secret_paths == set() for c in prod.of_kind("ConfigMap")), "certificates are not secrets"


def test_signatures_without_trust_roots_stop_the_stack_naming_the_key(tmp_path):
    with pytest.raises(StackConfigError) as refused:
        deploy("prod", certificates={}, monitoring_folder=tmp_path)
    message = str(refused.value)
    assert "kholuutru:signatureTrustRoots" in message
    assert "pulumi config set kholuutru:signatureTrustRoots < trust-roots.pem" in message


def test_the_mail_servers_ca_is_optional_and_used_only_with_starttls(tmp_path):
    roots_only = {"signatureTrustRoots": CERTIFICATES["signatureTrustRoots"]}
    deployment = deploy("prod", certificates=roots_only, monitoring_folder=tmp_path)
    spec = deployment.one("ArchivePlatform").inputs["spec"]
    assert "caConfigMapRef" not in spec["notifications"]["smtp"]
    assert parse(spec).notifications.smtp.ca is None
    config = stack_config("prod")
    config["kholuutru:platform"]["notifications"]["smtp"]["startTLS"] = False
    deployment = deploy("prod", config=config, monitoring_folder=tmp_path)
    assert {c.inputs["metadata"]["name"] for c in deployment.of_kind("ConfigMap")} == {
        "kholuutru-signature-trust-roots"}
    assert parse(deployment.one("ArchivePlatform").inputs["spec"]).notifications.smtp.ca is None


def test_without_the_sections_no_certificate_or_mail_password_is_needed(tmp_path):
    # dev has neither notifications nor signatures: nothing of them is asked for or made.
    deployment = deploy("dev", certificates={}, monitoring_folder=tmp_path)
    assert deployment.of_kind("ConfigMap") == []
    spec = deployment.one("ArchivePlatform").inputs["spec"]
    assert "notifications" not in spec and "signatures" not in spec
