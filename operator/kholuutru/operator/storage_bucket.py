"""The documents' bucket, ensured through boto3 against the spec's S3-compatible endpoint.

Created when missing, never deleted: the operator does not own the documents, only the means to reach them.
"""

from __future__ import annotations

import base64

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .spec import STORAGE_REGION, ObjectStorage

MISSING_CODES = {"404", "NoSuchBucket", "NotFound"}


class StorageUnavailable(RuntimeError):
    """The bucket could not be checked or created; the message says why."""


def credentials(secret: dict | None, name: str) -> tuple[str, str]:
    """Access key id and secret from the Secret's ``access-key-id`` and ``secret-access-key``."""
    data = (secret or {}).get("data") or {}
    try:
        return tuple(base64.b64decode(data[key]).decode() for key in ("access-key-id", "secret-access-key"))
    except KeyError as missing:
        raise StorageUnavailable(f"Secret {name} has no key {missing}") from None


def ensure_bucket(storage: ObjectStorage, access_key_id: str, secret_access_key: str) -> bool:
    """Make sure the bucket exists; True when it had to be created."""
    client = boto3.client(
        "s3",
        endpoint_url=storage.endpoint,
        region_name=STORAGE_REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=Config(s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=20,
                      retries={"max_attempts": 2}),
    )
    try:
        client.head_bucket(Bucket=storage.bucket)
        return False
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in MISSING_CODES:
            raise StorageUnavailable(f"bucket {storage.bucket} at {storage.endpoint}: {error}") from error
    except BotoCoreError as error:
        raise StorageUnavailable(f"{storage.endpoint}: {error}") from error
    try:
        client.create_bucket(Bucket=storage.bucket)
    except (ClientError, BotoCoreError) as error:
        raise StorageUnavailable(f"cannot create bucket {storage.bucket} at {storage.endpoint}: {error}") from error
    return True
