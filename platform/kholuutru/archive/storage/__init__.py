"""Where document bytes live (ARCHITECTURE §3): a local folder by default, an S3-compatible bucket in production.

Both backends keep one interface (``Storage``) and the same promise: objects are immutable (invariant 3). What the
keys mean — content addresses — is the business of ``document_files``, not of the backends.

The S3 backend is imported only when an ``s3://`` storage is opened (or ``S3Storage`` is asked for): boto3 takes about
a tenth of a second to load, which every run of a command on a local folder (a backup CronJob, a drill) would pay.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from ..errors import InvalidInput
from ..settings import Settings
from .base import ObjectConflict, ObjectInfo, ObjectMissing, Storage, StorageUnavailable
from .local import LocalStorage

if TYPE_CHECKING:
    from .s3 import S3Storage


def open_storage(settings: Settings) -> Storage:
    """The storage named by ``KHOLUUTRU_STORAGE_URL`` (or the data dir's documents folder)."""
    url = settings.documents_url
    scheme = urlparse(url).scheme
    if scheme == "file":
        return LocalStorage(Path(unquote(urlparse(url).path)))
    if scheme == "s3":
        from .s3 import S3Storage

        return S3Storage.from_url(url, settings)
    raise InvalidInput(
        f"Chưa hỗ trợ kiểu lưu trữ '{scheme}'; hãy dùng file:///đường-dẫn hoặc s3://bucket?endpoint_url=….",
        f"Storage scheme '{scheme}' is not supported; use file:///path or s3://bucket?endpoint_url=….",
        field="storage_url",
    )


def __getattr__(name: str) -> Any:
    """``S3Storage`` on first use (PEP 562), so importing this package does not load boto3."""
    if name == "S3Storage":
        from .s3 import S3Storage

        return S3Storage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
