"""Where document bytes live (ARCHITECTURE §3): a local folder by default; S3-compatible storage comes with documents.

For now the archive only needs to know that its storage is reachable and writable, which ``/health`` reports.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import InvalidInput
from .settings import Settings


@dataclass
class LocalStorage:
    """Documents in a folder of this machine (``file:///…``)."""

    root: Path

    def ping(self) -> bool:
        """Whether a file can be written and removed in the folder now."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-"):
                pass
            return os.access(self.root, os.W_OK)
        except OSError:
            return False


def open_storage(settings: Settings) -> LocalStorage:
    """The storage named by ``KHOLUUTRU_STORAGE_URL`` (or the data dir's documents folder)."""
    url = urlparse(settings.documents_url)
    if url.scheme == "file":
        return LocalStorage(Path(unquote(url.path)))
    raise InvalidInput(
        f"Chưa hỗ trợ kiểu lưu trữ '{url.scheme}'; hãy dùng file:///đường-dẫn.",
        f"Storage scheme '{url.scheme}' is not supported yet; use file:///path.",
        field="storage_url",
    )
