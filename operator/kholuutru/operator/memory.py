"""What the operator process remembers between reconciliations, so that a spec change costs only what it changes.

Every reconciliation used to apply every child, list every kind of child to prune, and build an S3 client to check
the bucket — some thirty API calls for a one-field change, each child's apply answered by a watch event and a
handler of its own. A change then waited behind all of that. Now a child whose rendered manifest is the one this
process last applied is not sent again, pruning runs when the set of wanted children changes, and a bucket found
ready or a Secret or ConfigMap found present is not checked again.

Nothing here is trusted for long: the resync timer forgets it all, so drift made by hand (an edited child, a
deleted bucket, Secret or ConfigMap) is noticed and corrected at the next tick as before, and a child deleted by hand is
forgotten at once (its watch event, before the platform is reconciled to recreate it). The bodies kept for applied
children are refreshed from their watch events, so the status read from them (ready replicas) is the one the cluster
last reported.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

Key = tuple[str, str, str, str]
"""(apiVersion, kind, namespace, name) of a child."""


def key_of(obj: dict[str, Any]) -> Key:
    meta = obj["metadata"]
    return obj.get("apiVersion", ""), obj.get("kind", ""), meta.get("namespace", ""), meta["name"]


def _digest(obj: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class Memory:
    """Children applied, children sets pruned, buckets ensured and Secrets and ConfigMaps found by this process,
    until the next resync."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._applied: dict[Key, tuple[str, dict[str, Any]]] = {}
        self._pruned: dict[str, frozenset[Key]] = {}
        self._buckets: set[tuple[str, str]] = set()
        self._references: set[tuple[str, str, str, str]] = set()

    def apply(self, child: dict[str, Any], send: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """The child as the cluster holds it: sent with ``send`` unless this exact manifest was the last sent."""
        key, digest = key_of(child), _digest(child)
        with self._lock:
            known = self._applied.get(key)
        if known is not None and known[0] == digest:
            return known[1]
        applied = send(child)
        with self._lock:
            self._applied[key] = (digest, applied)
        return applied

    def latest(self, child: dict[str, Any], fallback: dict[str, Any]) -> dict[str, Any]:
        """The child's body as last applied or seen in a watch event since (``fallback`` when not kept): a watch
        event handled after the child was applied carries a newer status than the apply's answer."""
        with self._lock:
            known = self._applied.get(key_of(child))
        return known[1] if known is not None else fallback

    def observed(self, body: dict[str, Any]) -> bool:
        """Keep a watch event's body as its child's latest state; whether the child's status differs from the one
        kept (always true for a child not kept: its status is news)."""
        key = key_of(body)
        with self._lock:
            known = self._applied.get(key)
            if known is None:
                return True
            self._applied[key] = (known[0], body)
            return known[1].get("status") != body.get("status")

    def prune_needed(self, owner_uid: str, wanted: list[dict[str, Any]]) -> bool:
        """Whether the children wanted for ``owner_uid`` differ from those it was last pruned against."""
        keys = frozenset(key_of(child) for child in wanted)
        with self._lock:
            return self._pruned.get(owner_uid) != keys

    def pruned(self, owner_uid: str, wanted: list[dict[str, Any]]) -> None:
        with self._lock:
            self._pruned[owner_uid] = frozenset(key_of(child) for child in wanted)

    def bucket_ready(self, endpoint: str, bucket: str) -> bool:
        with self._lock:
            return (endpoint, bucket) in self._buckets

    def bucket_ensured(self, endpoint: str, bucket: str) -> None:
        with self._lock:
            self._buckets.add((endpoint, bucket))

    def reference_known(self, kind: str, namespace: str, name: str, owner_uid: str) -> bool:
        """Whether the Secret or ConfigMap was found (or made and adopted) for this owner since the last resync."""
        with self._lock:
            return (kind, namespace, name, owner_uid) in self._references

    def reference_found(self, kind: str, namespace: str, name: str, owner_uid: str) -> None:
        with self._lock:
            self._references.add((kind, namespace, name, owner_uid))

    def forget_child(self, body: dict[str, Any]) -> None:
        """A child was deleted: it is applied again, and its owner pruned again, at the next reconciliation."""
        key = key_of(body)
        with self._lock:
            self._applied.pop(key, None)
            self._pruned.clear()

    def forget(self) -> None:
        """Everything: the next reconciliation applies, prunes and checks as if it were the first."""
        with self._lock:
            self._applied.clear()
            self._pruned.clear()
            self._buckets.clear()
            self._references.clear()
