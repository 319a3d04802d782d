"""Invariant 5 (ARCHITECTURE §5) at deployment time: the backup repository must not live on the primary storage.

The console and the operator refuse a repository in the documents' own bucket. A stack can be stricter, because it
describes the site: a repository on the host of the documents' object storage (any bucket, any port, or SFTP on that
host) fails together with the documents, and a local folder is no site at all; both are refused before anything
is deployed. An independent site has its own host.
"""

from __future__ import annotations

from urllib.parse import urlparse

from .settings import StackConfigError


def _host(url: str) -> str:
    return (urlparse(url if "://" in url else "https://" + url).hostname or "").lower()


def repository_host(repository: str) -> str | None:
    """The host a restic repository lives on; None for one on no network host (a local folder, which is never
    independent of the cluster's own nodes)."""
    if repository.startswith("s3:"):
        return _host(repository[len("s3:"):])
    if repository.startswith("sftp:"):
        rest = repository[len("sftp:"):]
        host = urlparse("sftp:" + rest).hostname if rest.startswith("//") else rest.split(":", 1)[0].rpartition("@")[2]
        return (host or "").lower()
    return None


def refuse_primary_storage(repository: str, endpoint: str, bucket: str) -> None:
    """Raise :class:`StackConfigError` when ``repository`` is on the documents' storage (``endpoint``, ``bucket``)
    or on no independent site at all."""
    host = repository_host(repository)
    problem = None
    if host is None:
        problem = "is not on an independent site (use s3:https://host/bucket or sftp:user@host:/path at a second site)"
    elif host == _host(endpoint):
        problem = f"lies on the primary object storage {endpoint} (bucket {bucket})"
    if problem:
        raise StackConfigError(
            f"kholuutru:platform.backups.repository {repository} {problem}; invariant 5: backups must live on "
            "storage independent of the documents. Point it at the off-site repository."
        )
