"""Invariant 5 at deployment: every stack refuses a backup repository on the primary storage, before it declares
anything."""

from __future__ import annotations

import copy

import pytest
from stacks_support import STACKS, deploy, stack_config

from kholuutru.operator.spec import InvalidSpec, parse
from kholuutru.stacks.offsite import refuse_primary_storage
from kholuutru.stacks.settings import StackConfigError


def with_repository(stack: str, repository: str) -> dict:
    config = copy.deepcopy(stack_config(stack))
    config["kholuutru:platform"]["backups"]["repository"] = repository
    return config


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_refuses_the_documents_bucket_as_backup_repository(stack, tmp_path):
    storage = stack_config(stack)["kholuutru:platform"]["objectStorage"]
    repository = f"s3:{storage['endpoint']}/{storage['bucket']}/restic"
    with pytest.raises(StackConfigError, match="invariant 5") as refused:
        deploy(stack, config=with_repository(stack, repository), monitoring_folder=tmp_path)
    assert f"lies on the primary object storage {storage['endpoint']}" in str(refused.value)


def test_prod_refuses_another_bucket_on_the_same_object_storage(tmp_path):
    storage = stack_config("prod")["kholuutru:platform"]["objectStorage"]
    repository = f"s3:{storage['endpoint']}/kholuutru-prod-backups"
    with pytest.raises(StackConfigError, match="lies on the primary object storage"):
        deploy("prod", config=with_repository("prod", repository), monitoring_folder=tmp_path)


def test_the_operator_refuses_the_same_bucket_too(prod):
    # The stack is stricter than the operator, never looser: the same bucket is refused by both.
    spec = copy.deepcopy(prod.one("ArchivePlatform").inputs["spec"])
    storage = spec["objectStorage"]
    spec["backups"]["repository"] = f"s3:{storage['endpoint']}/{storage['bucket']}"
    with pytest.raises(InvalidSpec, match="primary object storage"):
        parse(spec)


@pytest.mark.parametrize("repository, refused", [
    ("s3:https://s3.dc1.tinh.gov.vn/documents", True),
    ("s3:s3.dc1.tinh.gov.vn/backups", True),
    ("s3:https://S3.DC1.tinh.gov.vn:443/backups", True),
    ("sftp:restic@s3.dc1.tinh.gov.vn:/srv/restic", True),
    ("sftp://restic@s3.dc1.tinh.gov.vn:2222//srv/restic", True),
    ("/var/backups/restic", True),
    ("local:/var/backups/restic", True),
    ("s3:https://s3.dc1.tinh.gov.vn:9000/backups", True),
    ("s3:https://s3.dc2.tinh.gov.vn/backups", False),
    ("sftp:restic@backup.dc2.tinh.gov.vn:/srv/restic", False),
    ("sftp://restic@backup.dc2.tinh.gov.vn:2222//srv/restic", False),
])
def test_what_counts_as_the_primary_storage(repository, refused):
    def check():
        refuse_primary_storage(repository, "https://s3.dc1.tinh.gov.vn", "documents")

    if refused:
        with pytest.raises(StackConfigError, match="invariant 5"):
            check()
    else:
        check()
