"""The kopf handlers: which events lead to which reconciliation step (``kopf run -m kholuutru.operator.handlers``).

* An ArchivePlatform created, changed, found at start-up, or at every resync tick of an unchanging spec: a full
  reconciliation.
* A child deleted by hand: its platform is reconciled, which recreates it.
* A StatefulSet's or Deployment's status changed: the platform's conditions are recomputed.
* A backup, drill or suspension Job finished: its result goes into the platform's status.
* An ArchivePlatform deleted: the finalizer takes the last backup and keeps what must outlive it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import kopf

from . import crd, metrics, status
from .kube import Kube, api_client
from .memory import Memory
from .naming import MANAGED_BY
from .reconcile import Events, Platform, Waiting, finalize, reconcile, record_job, refresh, status_lock
from .settings import OperatorConfig, configure

CONFIG = OperatorConfig.from_env()
"""Read at import: the resync timer's interval is fixed when its decorator runs."""

MANAGED = {"app.kubernetes.io/managed-by": MANAGED_BY}
CHILD_RESOURCES = [
    ("apps", "v1", "deployments"), ("apps", "v1", "statefulsets"), ("", "v1", "services"), ("", "v1", "configmaps"),
    ("batch", "v1", "cronjobs"), ("networking.k8s.io", "v1", "ingresses"),
    ("networking.k8s.io", "v1", "networkpolicies"), ("policy", "v1", "poddisruptionbudgets"),
]
"""Children the operator recreates when deleted (Secrets and Jobs are not watched: see ``reconcile``)."""
STATUS_SOURCES = {"deployments", "statefulsets"}


def _events(body: dict[str, Any]) -> Events:
    def post(kind: str, reason: str, message: str) -> None:
        kopf.event(body, type=kind, reason=reason, message=message[:1000])

    return post


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _reconcile(kube: Kube, memory: Memory, body: dict[str, Any]) -> None:
    with metrics.RECONCILE_SECONDS.time():
        try:
            reconcile(kube, Platform.from_body(body), CONFIG, _events(body), _now(), memory)
        except Waiting as waiting:
            metrics.RECONCILES.labels("waiting").inc()
            raise kopf.TemporaryError(str(waiting), delay=waiting.delay) from waiting
        except Exception:
            metrics.RECONCILES.labels("error").inc()
            raise
    metrics.RECONCILES.labels("done").inc()


@kopf.on.login()
def login(settings: kopf.OperatorSettings, **_: Any) -> kopf.ConnectionInfo:
    """Kopf connects as the operator's own client does: in-cluster, else the kubeconfig in KUBECONFIG."""
    configuration = api_client().configuration
    header = (configuration.get_api_key_with_prefix("BearerToken")
              or configuration.get_api_key_with_prefix("authorization") or "")
    scheme, _, token = header.rpartition(" ")
    return kopf.ConnectionInfo(
        server=configuration.host,
        ca_path=configuration.ssl_ca_cert,
        insecure=not configuration.verify_ssl,
        username=configuration.username or None,
        password=configuration.password or None,
        scheme=scheme or None,
        token=token or None,
        certificate_path=configuration.cert_file,
        private_key_path=configuration.key_file,
        trust_env=settings.networking.trust_env,
    )


@kopf.on.startup()
def start(settings: kopf.OperatorSettings, memo: kopf.Memo, logger: logging.Logger, **_: Any) -> None:
    configure(settings, CONFIG)
    memo.kube = Kube(api_client())
    memo.memory = Memory()
    metrics.serve(CONFIG.metrics_port)
    logger.info("kholuutru operator: %s", CONFIG)


@kopf.on.resume(crd.GROUP, crd.VERSION, crd.PLURAL)
@kopf.on.create(crd.GROUP, crd.VERSION, crd.PLURAL)
@kopf.on.update(crd.GROUP, crd.VERSION, crd.PLURAL)
def platform_changed(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    _reconcile(memo.kube, memo.memory, dict(body))


@kopf.timer(crd.GROUP, crd.VERSION, crd.PLURAL, interval=CONFIG.resync_seconds, initial_delay=CONFIG.resync_seconds,
            idle=CONFIG.resync_seconds)
def resync(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    """Forget what the process remembers and reconcile from scratch: drift made by hand is corrected here.

    Only once the spec has been left alone for a resync interval (``idle``): while it changes, each change
    reconciles anyway, and a full pass running beside a change's reconciliation would only hold that one up.
    """
    memo.memory.forget()
    _reconcile(memo.kube, memo.memory, dict(body))


@kopf.on.delete(crd.GROUP, crd.VERSION, crd.PLURAL)
def platform_deleted(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    try:
        finalize(memo.kube, Platform.from_body(dict(body)), CONFIG, _events(dict(body)))
    except Waiting as waiting:
        raise kopf.TemporaryError(str(waiting), delay=waiting.delay) from waiting


async def child_changed(event: kopf.RawEvent, body: kopf.Body, resource: kopf.Resource, memo: kopf.Memo,
                        **_: Any) -> None:
    """A child deleted by hand is recreated; a workload's status change updates the platform's conditions.

    Runs in kopf's event loop and returns at once for the events that change nothing — the echo of the operator's
    own applies above all — so they take no worker thread and no API call from a reconciliation in progress.
    """
    memory: Memory = memo.memory
    child = dict(body)
    if event.get("type") == "DELETED":
        memory.forget_child(child)
        await asyncio.to_thread(_child_changed, memo.kube, memory, child, True)
    elif resource.plural in STATUS_SOURCES and memory.observed(child):
        await asyncio.to_thread(_child_changed, memo.kube, memory, child, False)


def _child_changed(kube: Kube, memory: Memory, child: dict[str, Any], deleted: bool) -> None:
    """A deleted child is recreated by a full reconciliation. A workload's new status is read, with the platform,
    under the platform's status lock, so no other status write comes between (``status_lock``); a suspend or resume
    that waited for the platform to come up starts then, with a full reconciliation."""
    meta = child["metadata"]
    namespace, name = meta["namespace"], meta["labels"].get("app.kubernetes.io/instance")
    with status_lock(namespace, name):
        owner = kube.get(crd.API_VERSION, crd.KIND, namespace, name)
        if owner is None or owner["metadata"].get("deletionTimestamp"):
            return
        platform = Platform.from_body(owner)
        if not deleted and not status.waiting_for_platform(platform.conditions):
            refresh(kube, platform, CONFIG, _events(owner), _now())
            return
    _reconcile(kube, memory, owner)


def _deleted(event: kopf.RawEvent, **_: Any) -> bool:
    return event.get("type") == "DELETED"


for _group, _version, _plural in CHILD_RESOURCES:
    # Only a deletion matters for children without a status the platform reports; kopf filters the rest out.
    kopf.on.event(_group, _version, _plural, labels=MANAGED, id=f"child-{_plural}",
                  when=None if _plural in STATUS_SOURCES else _deleted)(child_changed)


@kopf.on.event("batch", "v1", "jobs", labels=MANAGED)
def job_changed(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
    if event.get("type") != "DELETED":
        record_job(memo.kube, dict(body), CONFIG, _events, _now())
