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
