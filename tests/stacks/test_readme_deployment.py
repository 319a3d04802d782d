"""README's "Deployment with Pulumi" walk-through names what the code really has: the secret keys, the Secrets
they become, the prod stack's namespace, the CronJobs a first backup and drill are started from, the status fields
read."""

from __future__ import annotations

import re

import pytest
from stacks_support import REPO, stack_config

from kholuutru.operator import crd
from kholuutru.operator.naming import Owner
from kholuutru.stacks import settings
from kholuutru.stacks.platform import config_map_plans, secret_plans

SECTION = REPO.joinpath("README.md").read_text().split("## Deployment with Pulumi", 1)[1].split("\n## ", 1)[0]
PROD = stack_config("prod")["kholuutru:platform"]


def test_the_walk_through_starts_at_stack_init_and_ends_at_a_drill():
    assert "pulumi stack init prod" in SECTION
    assert SECTION.index("pulumi up") < SECTION.index("--from=cronjob/") < SECTION.index("status.lastDrill")


def test_every_secret_key_is_set_in_the_walk_through():
    keys = {value.key for value in vars(settings).values() if isinstance(value, settings.SecretKey)}
    assert set(re.findall(r"pulumi config set --secret kholuutru:(\w+)", SECTION)) == keys


def test_every_certificate_key_is_set_from_its_file_in_the_walk_through():
    keys = [value for value in vars(settings).values() if isinstance(value, settings.CertificateKey)]
    assert keys and all(key.set_command() in SECTION for key in keys)


def test_the_certificates_table_names_the_config_maps_and_keys_made():
    plans = config_map_plans({key: "pem" for key in (settings.SIGNATURE_TRUST_ROOTS.key, settings.SMTP_CA.key)})
    assert len(plans) == 2
    for plan in plans:
        assert f"ConfigMap `<name>-{plan.suffix}`, key `{plan.key}`" in SECTION


def test_the_secrets_table_names_the_secrets_and_keys_made():
    platform = settings.PlatformSettings(PROD["name"], PROD["namespace"], True, PROD)
    for plan in secret_plans(platform):
        assert f"Secret `<name>-{plan.suffix}`" in SECTION
        for key in plan.data:
            assert f"`{key}`" in SECTION


@pytest.mark.parametrize("cronjob", ["backup", "drill"])
def test_the_first_jobs_come_from_the_operators_cronjobs(cronjob):
    owner = Owner(PROD["name"], PROD["namespace"], "uid")
    assert f"--from=cronjob/{getattr(owner, cronjob)} -n {PROD['namespace']}" in SECTION


def test_the_status_read_is_the_crds():
    status = crd.definition()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    assert {"lastBackup", "lastDrill"} <= set(status["properties"])
    assert "DrillPassed" in status["properties"]["conditions"]["items"]["properties"]["type"]["enum"]
    assert f"archiveplatform/{PROD['name']} -n {PROD['namespace']}" in SECTION
