"""Where document bytes live (ARCHITECTURE §3): a local folder by default, an S3-compatible bucket in production.

Both backends keep one interface (``Storage``) and the same promise: objects are immutable (invariant 3). What the
keys mean — content addresses — is the business of ``document_files``, not of the backends.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import InvalidInput
from ..settings import Settings
from .base import ObjectConflict, ObjectInfo, ObjectMissing, Storage, StorageUnavailable
from .local import LocalStorage
from .s3 import S3Storage


def open_storage(settings: Settings) -> Storage:
    """The storage named by ``KHOLUUTRU_STORAGE_URL`` (or the data dir's documents folder)."""
    url = settings.documents_url
    scheme = urlparse(url).scheme
    if scheme == "file":
        return LocalStorage(Path(unquote(urlparse(url).path)))
    if scheme == "s3":
        return S3Storage.from_url(url, settings)
    raise InvalidInput(
        f"Chưa hỗ trợ kiểu lưu trữ '{scheme}'; hãy dùng file:///đường-dẫn hoặc s3://bucket?endpoint_url=….",
        f"Storage scheme '{scheme}' is not supported; use file:///path or s3://bucket?endpoint_url=….",
        field="storage_url",
    )


__all__ = [
    "LocalStorage",
    "ObjectConflict",
    "ObjectInfo",
    "ObjectMissing",
    "S3Storage",
    "Storage",
    "StorageUnavailable",
    "open_storage",
]
