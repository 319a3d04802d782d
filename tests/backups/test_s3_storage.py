"""Documents in an S3 bucket (moto): objects are copied into the backup while re-hashed, the drill passes, and a
repository in the documents' own bucket is refused (invariant 5)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from kholuutru.archive.seed import seed_demo
from kholuutru.archive.settings import Settings
from kholuutru.archive.storage import Storage, open_storage
from kholuutru.backups.drill import run_drill
from kholuutru.backups.errors import BadBackupSetting
from kholuutru.backups.repository import open_repository
from kholuutru.backups.run import run_backup

KEYS = {"storage_access_key_id": SecretStr("testing"), "storage_secret_access_key": SecretStr("testing")}


@pytest.fixture(scope="module")
def on_s3(settings, s3_endpoint, make_bucket) -> Settings:
    url = f"s3://{make_bucket()}?endpoint_url={s3_endpoint}&region=us-east-1"
    return settings.model_copy(update={"storage_url": url, **KEYS})


@pytest.fixture(scope="module")
def s3_archive(database, on_s3) -> Storage:
    storage = open_storage(on_s3)
    seed_demo(database, storage, on_s3, echo=lambda _line: None)
    return storage


def test_backup_of_s3_documents_then_drill_passes(on_s3, database, s3_archive):
    first = run_backup(on_s3, database, s3_archive)
    second = run_backup(on_s3, database, s3_archive)
    assert first.objects > 0 and second.parent == first.snapshot_id
    drill = run_drill(on_s3, database)
    assert drill["verdict"] == "passed", drill["checks"]


def test_a_repository_in_the_documents_bucket_is_refused(on_s3, s3_endpoint):
    bucket = on_s3.storage_url.split("?")[0].removeprefix("s3://")
    same = on_s3.model_copy(update={"backup_repository": f"s3:{s3_endpoint}/{bucket}/restic"})
    with pytest.raises(BadBackupSetting) as refused:
        open_repository(same)
    assert refused.value.field == "backup_repository"
    assert "KHOLUUTRU_STORAGE_URL" in refused.value.message_en
    other = on_s3.model_copy(update={"backup_repository": f"s3:{s3_endpoint}/another-bucket/restic"})
    assert open_repository(other).location.endswith("another-bucket/restic")
