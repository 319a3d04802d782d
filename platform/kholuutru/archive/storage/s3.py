"""Documents in an S3-compatible bucket through boto3, the production storage (ARCHITECTURE §3).

The URL is ``s3://bucket?endpoint_url=https://host:port&region=R[&addressing_style=path|virtual]``; credentials come
from the settings, or from boto3's usual chain (environment, shared file, instance or pod role) when those are unset.
Every put is conditional (``If-None-Match: *``), so the bucket itself refuses to replace an object; boto3 errors are
turned into ``ObjectMissing`` (the object is not there) or ``StorageUnavailable`` (anything else), never confused.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import InvalidInput
from ..settings import Settings
from .base import (
    CHUNK,
    ObjectConflict,
    ObjectInfo,
    ObjectMissing,
    Source,
    StorageUnavailable,
    check_key,
    seekable,
    sha256_of,
)

_URL_OPTIONS = {"endpoint_url", "region", "addressing_style"}
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


@dataclass
class S3Storage:
    """One bucket of an S3-compatible service; ``client`` is a boto3 S3 client."""

    bucket: str
    client: Any

    @classmethod
    def from_url(cls, url: str, settings: Settings) -> S3Storage:
        """The bucket named by ``url``, with the credentials of ``settings``."""
        parsed = urlparse(url)
        options = {name: values[-1] for name, values in parse_qs(parsed.query).items()}
        problem = None
        if parsed.username or parsed.password:
            problem = "credentials belong in KHOLUUTRU_STORAGE_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, not in the URL"
        elif not parsed.hostname or parsed.path not in ("", "/"):
            problem = "name the bucket only: s3://bucket?endpoint_url=…"
        elif set(options) - _URL_OPTIONS:
            problem = f"unknown option(s) {', '.join(sorted(set(options) - _URL_OPTIONS))}"
        if problem:
            raise InvalidInput(f"Địa chỉ kho S3 không hợp lệ: {problem}.", f"Invalid S3 storage URL: {problem}.",
                               field="storage_url")
        key_id, secret = settings.storage_access_key_id, settings.storage_secret_access_key
        if (key_id is None) != (secret is None):
            raise InvalidInput(
                "Phải đặt cả mã khóa truy cập lẫn khóa bí mật của kho S3, hoặc không đặt cả hai.",
                "Set both the S3 access key id and the secret access key, or neither.",
                field="storage_secret_access_key",
            )
        credentials = {} if key_id is None or secret is None else {
            "aws_access_key_id": key_id.get_secret_value(),
            "aws_secret_access_key": secret.get_secret_value(),
        }
        endpoint = options.get("endpoint_url")
        config = Config(
            connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
            # Self-hosted S3 (MinIO, Ceph) is usually reached by path; AWS itself by virtual host.
            s3={"addressing_style": options.get("addressing_style", "path" if endpoint else "auto")},
        )
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint, region_name=options.get("region"), config=config, **credentials
        )
        return cls(bucket=parsed.hostname, client=client)

    def put(self, key: str, source: Source) -> None:
        check_key(key)
        with seekable(source) as body:
            start = body.tell()
            if not self.exists(key) and self._put_new(key, body):
                return
            # Already stored (or stored meanwhile): accept the very same bytes only.
            body.seek(start)
            with self.open(key) as stored:
                if sha256_of(stored) != sha256_of(body):
                    raise ObjectConflict(key)

    def _put_new(self, key: str, body: BinaryIO) -> bool:
        """Store a new object; False when the bucket says one appeared under ``key`` in the meantime."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*")
        except ClientError as error:
            if _code(error) == "PreconditionFailed":
                return False
            raise StorageUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error
        return True

    def open(self, key: str) -> BinaryIO:
        with _translated(key):
            response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        return io.BufferedReader(_Body(response["Body"], key), CHUNK)

    def exists(self, key: str) -> bool:
        try:
            with _translated(key):
                self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ObjectMissing:
            return False
        return True

    def delete(self, key: str) -> None:
        with _translated(key):
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def iter_keys(self, prefix: str = "") -> Iterator[ObjectInfo]:
        with _translated(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"], item["LastModified"], item["Size"])

    def ping(self) -> bool:
        """Whether the bucket answers now."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return True
        except (BotoCoreError, ClientError):
            return False


class _Body(io.RawIOBase):
    """An S3 response body whose read failures become ``StorageUnavailable`` (wrapped in a buffered reader)."""

    def __init__(self, body: Any, key: str) -> None:
        self._body, self._key = body, key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with _translated(self._key):
            data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """boto3's errors as the archive's: a missing object, or a storage that failed."""
    try:
        yield
    except ClientError as error:
        if _code(error) in _MISSING_CODES:
            raise ObjectMissing(key) from error
        raise StorageUnavailable(str(error)) from error
    except BotoCoreError as error:
        raise StorageUnavailable(str(error)) from error
