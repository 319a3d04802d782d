"""Credentials come from Pulumi secret configuration and stay secret: in the Secrets' data, in the outputs, in the
state; the ArchivePlatform and every other resource hold only Secret names. A missing secret stops the stack with
the keys to set."""

from __future__ import annotations

import json

import pytest
from stacks_support import SECRETS, STACKS, Deployment, deploy, stack_config

from kholuutru.operator.spec import parse
from kholuutru.stacks.settings import StackConfigError


def test_the_secrets_data_reach_the_provider_as_secrets(deployed: Deployment):
    for secret in deployed.of_kind("Secret"):
        assert secret.secret_paths == {("stringData",)}, secret.name
        assert "data" not in secret.inputs
        assert set(secret.inputs["stringData"].values()) <= set(SECRETS.values())
    assert deployed.secret_data and all(deployed.secret_data.values())


def test_each_secret_holds_the_keys_its_reader_expects(prod: Deployment):
    data = {s.inputs["metadata"]["name"]: s.inputs["stringData"] for s in prod.of_kind("Secret")}
    assert data == {
        "kholuutru-backup-repository": {"password": SECRETS["backupPassword"]},
        "kholuutru-object-storage": {"access-key-id": SECRETS["objectStorageAccessKeyId"],
                                     "secret-access-key": SECRETS["objectStorageSecretAccessKey"]},
        "kholuutru-backup-credentials": {"access-key-id": SECRETS["backupAccessKeyId"],
                                         "secret-access-key": SECRETS["backupSecretAccessKey"]},
        "kholuutru-sso": {"client-secret": SECRETS["ssoClientSecret"]},
        "kholuutru-lgsp": {"client-secret": SECRETS["lgspClientSecret"]},
        "kholuutru-smtp": {"password": SECRETS["smtpPassword"]},
    }


def test_nothing_else_holds_a_secret_value(deployed: Deployment):
    assert not deployed.spec_is_secret
    for resource in deployed.resources:
        if resource.kind == "Secret":
            continue
        text = json.dumps(resource.inputs)
        assert resource.secret_paths == set(), resource.name
        assert not any(value in text for value in SECRETS.values()), resource.name


def test_the_backup_password_is_a_secret_output(deployed: Deployment):
    assert deployed.secret_outputs == {"backupPassword"}
    assert deployed.outputs["backupPassword"] == SECRETS["backupPassword"]


@pytest.mark.parametrize("stack", STACKS)
def test_a_missing_secret_stops_the_stack_naming_the_key(stack, tmp_path):
    missing = ("backupPassword", "objectStorageAccessKeyId")
    secrets = {key: value for key, value in SECRETS.items() if key not in missing}
    with pytest.raises(StackConfigError) as refused:
        deploy(stack, secrets=secrets, monitoring_folder=tmp_path)
    message = str(refused.value)
    assert "kholuutru:backupPassword, kholuutru:objectStorageAccessKeyId" in message
    assert "pulumi config set --secret kholuutru:backupPassword" in message
    assert "pulumi config set --secret kholuutru:objectStorageAccessKeyId" in message


def test_only_the_secrets_a_stack_uses_are_required(tmp_path):
    # dev has neither SSO, LGSP nor mail: their secrets are not asked for, and no Secret is made for them.
    unused = ("ssoClientSecret", "lgspClientSecret", "smtpPassword", "backupSftpIdentity", "backupSftpKnownHosts")
    secrets = {key: value for key, value in SECRETS.items() if key not in unused}
    deployment = deploy("dev", secrets=secrets, monitoring_folder=tmp_path)
    names = {secret.inputs["metadata"]["name"] for secret in deployment.of_kind("Secret")}
    assert names == {"kholuutru-backup-repository", "kholuutru-object-storage", "kholuutru-backup-credentials"}


def test_an_sftp_repository_gets_the_accounts_key_and_known_hosts(tmp_path):
    config = stack_config("dev")
    config["kholuutru:platform"]["backups"]["repository"] = "sftp:kholuutru@offsite.tinh.gov.vn:/restic"
    unused = ("ssoClientSecret", "lgspClientSecret", "smtpPassword", "backupAccessKeyId", "backupSecretAccessKey")
    secrets = {key: value for key, value in SECRETS.items() if key not in unused}
    deployment = deploy("dev", config=config, secrets=secrets, monitoring_folder=tmp_path)
    data = {s.inputs["metadata"]["name"]: s.inputs["stringData"] for s in deployment.of_kind("Secret")}
    assert data["kholuutru-backup-credentials"] == {"identity": SECRETS["backupSftpIdentity"],
                                                    "known-hosts": SECRETS["backupSftpKnownHosts"]}
    spec = parse(deployment.one("ArchivePlatform").inputs["spec"])
    assert spec.backups.credentials_secret == "kholuutru-backup-credentials"
