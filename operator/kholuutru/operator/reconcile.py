"""Reconciliation: make a platform's children what its spec says, and its status what can be observed.

Level-based: every entry point reads the platform as it is now and converges on the same result whatever event
triggered it (creation, a spec change, the operator restarting, a child deleted by hand, a Job finishing, a timer).
The order of steps is what keeps it safe: check the whole spec and every referenced Secret and ConfigMap first (an
invalid spec creates nothing), then generated Secrets (never rewritten), the bucket, the children (each checked
against the restricted Pod Security Standard before it is applied), pruning of children no longer wanted, and the
status last.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import crd, metrics, render, results, security, status
from .kube import Kube
from .memory import Memory
from .naming import Owner, name_problems
from .render import jobs, secrets
from .settings import OperatorConfig
from .spec import InvalidSpec, PlatformSpec, parse
from .status import FALSE, RESUMING, SUSPENDING, TRUE, UNKNOWN, WAITING_FOR_PLATFORM, Condition
from .storage_bucket import StorageUnavailable, credentials, ensure_bucket

Events = Callable[[str, str, str], None]
"""Posts a Kubernetes Event about the platform: (type Normal|Warning, reason, message)."""
EventsFor = Callable[[dict[str, Any]], Events]
"""Gives the :data:`Events` of a platform, from its body."""

PRUNED_KINDS = [
    ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("v1", "Service"), ("v1", "ConfigMap"),
    ("batch/v1", "CronJob"), ("networking.k8s.io/v1", "Ingress"), ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"),
]
"""Kinds of children that disappear when the spec no longer asks for them. Never Secrets, Jobs or volumes."""

SUSPEND_LABEL = f"{crd.GROUP}/suspend"
GENERATION_LABEL = f"{crd.GROUP}/generation"


class Waiting(Exception):
    """The platform cannot go further yet (a Job runs, a Secret is missing); look again after ``delay`` seconds."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True)
class Platform:
    """An ArchivePlatform as read from the API."""

    owner: Owner
    generation: int | None
    raw_spec: dict[str, Any]
    status: dict[str, Any]
    created: dt.datetime
    deleting: bool

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Platform:
        meta = body["metadata"]
        created = status.parse_time(meta.get("creationTimestamp")) or dt.datetime.now(dt.UTC)
        return cls(
            owner=Owner(meta["name"], meta["namespace"], meta.get("uid", "")),
            generation=meta.get("generation"),
            raw_spec=dict(body.get("spec") or {}),
            status=dict(body.get("status") or {}),
            created=created,
            deleting=bool(meta.get("deletionTimestamp")),
        )

    @property
    def conditions(self) -> list[dict[str, Any]]:
        return list(self.status.get("conditions") or [])

    def with_status_of(self, body: dict[str, Any]) -> Platform:
        """This platform (its spec as handled) with the status ``body`` holds now."""
        return dataclasses.replace(self, status=dict(body.get("status") or {}))


_status_locks: dict[tuple[str, str], threading.RLock] = {}
_status_locks_guard = threading.Lock()


@contextmanager
def status_lock(namespace: str, name: str) -> Iterator[None]:
    """One status writer per platform at a time in this process.

    Handlers of different objects run at once (the platform's, a Job's, a workload's), and each writes the whole
    list of conditions: two that read the status, then both write, lose the first one's change — a Job's result, or
    a console found ready overwritten by an older observation that it was not. Whoever holds this lock reads what it
    observes and writes its merge with no other write in between, so the last write is the freshest observation.
    Re-entrant: a step that holds it may write through :func:`write_status`.
    """
    with _status_locks_guard:
        lock = _status_locks.setdefault((namespace, name), threading.RLock())
    with lock:
        yield


def write_status(kube: Kube, platform: Platform, updates: list[Condition], now: dt.datetime, events: Events,
                 generation: int | None = None, fields: dict[str, Any] | None = None,
                 current: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Merge ``updates`` into the conditions as they are now (read again: another handler may have written since
    the event this one works on), patch the status subresource, post an Event per transition. ``current``: the
    platform as the caller read it while already holding the status lock, so it needs no second read."""
    with status_lock(platform.owner.namespace, platform.owner.name):
        return _write_status(kube, platform, updates, now, events, generation, fields, current)


def _write_status(kube: Kube, platform: Platform, updates: list[Condition], now: dt.datetime, events: Events,
                  generation: int | None, fields: dict[str, Any] | None,
                  current: dict[str, Any] | None) -> list[dict[str, Any]]:
    owner = platform.owner
    current = current or kube.get(crd.API_VERSION, crd.KIND, owner.namespace, owner.name)
    if current is None:
        return []
    before = list((current.get("status") or {}).get("conditions") or [])
    merged = status.merge(before, updates, now, generation)
    patch: dict[str, Any] = {"conditions": merged, **(fields or {})}
    if generation is not None:
        patch["observedGeneration"] = generation
    written = current.get("status") or {}
    if any(written.get(name) != value for name, value in patch.items()):
        # A patch that changes nothing is not sent: on some API servers it would still wake every watcher.
        kube.patch(crd.API_VERSION, crd.KIND, owner.namespace, owner.name, {"status": patch}, subresource="status")
    for condition in status.transitions(before, merged):
        good = condition["status"] == TRUE or (condition["type"] == "Suspended" and condition["status"] != UNKNOWN)
        events("Normal" if good else "Warning", f"{condition['type']}{condition['status']}",
               f"{condition['reason']}: {condition['message']}")
    ready = status.find(merged, "Ready")
    metrics.PLATFORM_READY.labels(owner.namespace, owner.name).set(
        1 if ready and ready["status"] == TRUE else 0
    )
    return merged


def checked_spec(platform: Platform) -> PlatformSpec:
    """The typed spec, or :class:`InvalidSpec` naming every problem (the name's length included)."""
    problems = name_problems(platform.owner.name)
    try:
        spec = parse(platform.raw_spec)
    except InvalidSpec as invalid:
        problems += invalid.problems
    if problems:
        raise InvalidSpec(problems)
    return spec


def referenced_secrets(spec: PlatformSpec) -> list[str]:
    """Secrets the spec names and the user must provide."""
    smtp = spec.notifications and spec.notifications.smtp
    names = [spec.object_storage.credentials_secret, spec.database.external_secret, spec.backups.password_secret,
             spec.backups.credentials_secret, spec.sso and spec.sso.client_secret,
             spec.lgsp and spec.lgsp.client_secret, smtp and smtp.password_secret]
    return sorted({name for name in names if name})


def referenced_config_maps(spec: PlatformSpec) -> dict[str, set[str]]:
    """ConfigMaps the spec names and the user must provide, with the keys read from each."""
    smtp = spec.notifications and spec.notifications.smtp
    wanted: dict[str, set[str]] = {}
    for file in (smtp and smtp.ca, spec.signatures and spec.signatures.trust_roots):
        if file:
            wanted.setdefault(file.name, set()).add(file.key)
    return dict(sorted(wanted.items()))


def _missing_secrets(kube: Kube, owner: Owner, spec: PlatformSpec, memory: Memory) -> list[str]:
    missing = []
    for name in referenced_secrets(spec):
        if memory.reference_known("Secret", owner.namespace, name, owner.uid):
            continue
        if kube.get("v1", "Secret", owner.namespace, name) is None:
            missing.append(name)
        else:
            memory.reference_found("Secret", owner.namespace, name, owner.uid)
    return missing


def _missing_config_maps(kube: Kube, owner: Owner, spec: PlatformSpec, memory: Memory) -> list[str]:
    """Referenced ConfigMaps that are absent or lack a key: a pod mounting them would never start."""
    missing = []
    for name, keys in referenced_config_maps(spec).items():
        if memory.reference_known("ConfigMap", owner.namespace, name, owner.uid):
            continue
        found = kube.get("v1", "ConfigMap", owner.namespace, name) or {}
        # DER certificates are binary: they sit under binaryData.
        absent = sorted(keys - {*(found.get("data") or {}), *(found.get("binaryData") or {})})
        if not found:
            missing.append(name)
        elif absent:
            missing.append(f"{name} (without key {', '.join(absent)})")
        else:
            memory.reference_found("ConfigMap", owner.namespace, name, owner.uid)
    return missing


def _missing_references(kube: Kube, owner: Owner, spec: PlatformSpec, memory: Memory) -> tuple[str, str] | None:
    """(reason, message) of the Ready condition while a referenced Secret or ConfigMap is missing, else None."""
    secrets_missing = _missing_secrets(kube, owner, spec, memory)
    config_maps_missing = _missing_config_maps(kube, owner, spec, memory)
    if not secrets_missing and not config_maps_missing:
        return None
    missing = [f"{kind}(s) {', '.join(names)}" for kind, names in (("Secret", secrets_missing),
                                                                  ("ConfigMap", config_maps_missing)) if names]
    reason = "MissingSecret" if secrets_missing else "MissingConfigMap"
    return reason, f"{' and '.join(missing)} not found in namespace {owner.namespace}; nothing created yet"


def _ensure_generated_secrets(kube: Kube, owner: Owner, spec: PlatformSpec, events: Events, memory: Memory) -> None:
    """Create each generated Secret once. One that exists keeps its data; it is only (re)adopted, as after its
    platform was deleted with the Secret kept and then created again."""
    for secret in secrets.generated_secrets(owner, spec):
        name = secret["metadata"]["name"]
        if memory.reference_known("Secret", owner.namespace, name, owner.uid):
            continue
        existing = kube.get("v1", "Secret", owner.namespace, name)
        if existing is None:
            kube.create(secret)
            events("Normal", "SecretGenerated", f"generated Secret {name}")
        elif owner.uid not in [ref.get("uid") for ref in existing["metadata"].get("ownerReferences") or []]:
            kube.patch("v1", "Secret", owner.namespace, name,
                       {"metadata": {"labels": secret["metadata"]["labels"],
                                     "ownerReferences": secret["metadata"]["ownerReferences"]}})
            events("Normal", "SecretAdopted", f"kept the existing Secret {name} and its data")
        memory.reference_found("Secret", owner.namespace, name, owner.uid)


def _storage(kube: Kube, owner: Owner, spec: PlatformSpec, events: Events, memory: Memory) -> Condition:
    storage = spec.object_storage
    ready = Condition("StorageReady", TRUE, "BucketReady", f"bucket {storage.bucket} at {storage.endpoint}")
    if memory.bucket_ready(storage.endpoint, storage.bucket):
        return ready
    try:
        secret = kube.get("v1", "Secret", owner.namespace, storage.credentials_secret)
        created = ensure_bucket(storage, *credentials(secret, storage.credentials_secret))
    except StorageUnavailable as error:
        return Condition("StorageReady", FALSE, "BucketUnavailable", str(error))
    if created:
        events("Normal", "BucketCreated", f"created bucket {storage.bucket} at {storage.endpoint}")
    memory.bucket_ensured(storage.endpoint, storage.bucket)
    return ready


def _prune(kube: Kube, owner: Owner, wanted: list[dict[str, Any]], memory: Memory) -> None:
    if not memory.prune_needed(owner.uid, wanted):
        return
    _prune_all(kube, owner, wanted)
    memory.pruned(owner.uid, wanted)


def _prune_all(kube: Kube, owner: Owner, wanted: list[dict[str, Any]]) -> None:
    keep = {(child["apiVersion"], child["kind"], child["metadata"]["name"]) for child in wanted}
    for api_version, kind in PRUNED_KINDS:
        for found in kube.list(api_version, kind, owner.namespace, owner.selector()):
            meta = found["metadata"]
            owned = owner.uid in [ref.get("uid") for ref in meta.get("ownerReferences") or []]
            if owned and (api_version, kind, meta["name"]) not in keep:
                kube.delete(api_version, kind, owner.namespace, meta["name"])


def _suspension(kube: Kube, platform: Platform, spec: PlatformSpec, conditions: list[dict[str, Any]],
                platform_up: bool) -> Condition | None:
    """Bring the platform's suspension state (ARCHITECTURE invariant 4) to ``spec.suspended`` through a
    ``kholuutru suspend``/``resume`` Job. A suspension made in the console is not undone: the operator acts only
    when the spec differs from what it last applied itself."""
    desired = spec.suspended
    applied, in_flight = status.applied_suspension(conditions)
    current = status.find(conditions, "Suspended")
    if current is None and not desired:
        return Condition("Suspended", FALSE, "NotSuspended", "the platform is not suspended by its spec")
    if applied == desired:
        return None
    action = "Suspend" if desired else "Resume"
    if current and current["reason"] == f"{action}Failed" and current.get("observedGeneration") == platform.generation:
        return None  # a failed Job is not retried blindly: a spec change tries again
    if not platform_up:
        return Condition("Suspended", current["status"] if current else FALSE, WAITING_FOR_PLATFORM,
                         f"{action.lower()} runs once the database and a console are ready")
    generation = platform.generation or 0
    job = jobs.suspension(platform.owner, spec, generation)
    job["metadata"]["labels"] |= {SUSPEND_LABEL: str(desired).lower(), GENERATION_LABEL: str(generation)}
    kube.create(job)
    return Condition("Suspended", UNKNOWN, SUSPENDING if desired else RESUMING,
                     f"Job {job['metadata']['name']} runs `kholuutru {action.lower()}`")


def reconcile(kube: Kube, platform: Platform, config: OperatorConfig, events: Events,
              now: dt.datetime, memory: Memory | None = None) -> list[dict[str, Any]]:
    """One full pass; returns the conditions written. Raises :class:`Waiting` when a referenced Secret or ConfigMap
    is missing.

    ``memory`` (the process's, see ``memory``) spares the calls whose answer is already known; without it every
    child is applied and every check made.
    """
    memory = memory or Memory()
    owner = platform.owner
    try:
        spec = checked_spec(platform)
    except InvalidSpec as invalid:
        message = "invalid spec, nothing changed: " + "; ".join(invalid.problems)
        return write_status(kube, platform, [Condition("Ready", FALSE, "InvalidSpec", message)], now, events,
                            platform.generation)
    missing = _missing_references(kube, owner, spec, memory)
    if missing:
        reason, message = missing
        write_status(kube, platform, [Condition("Ready", FALSE, reason, message)], now, events, platform.generation)
        raise Waiting(message, config.retry_seconds)

    _ensure_generated_secrets(kube, owner, spec, events, memory)
    storage = _storage(kube, owner, spec, events, memory)
    wanted = render.children(owner, spec)
    applied = {}
    for child in wanted:
        security.check(child)
        applied[child["kind"], child["metadata"]["name"]] = memory.apply(child, kube.apply)
    _prune(kube, owner, wanted, memory)

    with status_lock(owner.namespace, owner.name):
        # The status as it is now, not as the event's body had it: a Job's result or a suspension written since
        # would otherwise be judged from an older status, and undone by this pass's write.
        current = kube.get(crd.API_VERSION, crd.KIND, owner.namespace, owner.name)
        if current is None:
            return []
        platform = platform.with_status_of(current)
        # The workloads as last seen: a watch event handled since they were applied (and the refresh it made,
        # which held this lock before us) reports a newer status than the apply's answer.
        rendered = {(child["kind"], child["metadata"]["name"]): child for child in wanted}
        statefulset, deployment = (memory.latest(rendered[key], applied[key]) if key in applied else None
                                   for key in (("StatefulSet", owner.database), ("Deployment", owner.console)))
        updates = [storage, *observed(platform, spec, statefulset, config, now)]
        interim = status.merge(platform.conditions, updates, now, platform.generation)
        available = status.console_available(deployment)
        up = all((status.find(interim, kind) or {}).get("status") == TRUE
                 for kind in ("DatabaseReady", "StorageReady"))
        suspension = _suspension(kube, platform, spec, interim, up and available >= 1)
        updates += [suspension] if suspension else []
        updates.append(status.ready(status.merge(platform.conditions, updates, now, None), available))
        return write_status(kube, platform, updates, now, events, platform.generation, current=current)


def observed(platform: Platform, spec: PlatformSpec, statefulset: dict[str, Any] | None, config: OperatorConfig,
             now: dt.datetime) -> list[Condition]:
    """The conditions that follow from the database's state and the last backup and drill."""
    return [
        status.database_ready(spec.database.managed is not None, statefulset),
        status.backups_healthy(platform.status.get("lastBackup"), spec.backups.schedule, platform.created, now,
                               config.schedule_grace),
        status.drill_passed(platform.status.get("lastDrill"), spec.drill_schedule, platform.created, now,
                            config.schedule_grace),
    ]


def refresh(kube: Kube, platform: Platform, config: OperatorConfig, events: Events, now: dt.datetime) -> None:
    """Recompute the observed conditions without applying anything (a child's status changed); write only when
    a condition's status changes."""
    try:
        spec = checked_spec(platform)
    except InvalidSpec:
        return
    owner = platform.owner
    statefulset = kube.get("apps/v1", "StatefulSet", owner.namespace, owner.database)
    deployment = kube.get("apps/v1", "Deployment", owner.namespace, owner.console)
    updates = observed(platform, spec, statefulset, config, now)
    updates.append(status.ready(status.merge(platform.conditions, updates, now, None),
                                status.console_available(deployment)))
    if status.transitions(platform.conditions, status.merge(platform.conditions, updates, now, None)):
        write_status(kube, platform, updates, now, events)


def record_job(kube: Kube, job: dict[str, Any], config: OperatorConfig, events_for: EventsFor,
               now: dt.datetime) -> None:
    """Take a finished backup, drill or suspension Job's result into its platform's status (once)."""
    labels = job["metadata"].get("labels") or {}
    namespace, name = job["metadata"]["namespace"], labels.get("app.kubernetes.io/instance", "")
    with status_lock(namespace, name):
        # Read and judged under the lock: a reconciliation that read the status first would write it back
        # without this result.
        _record_job(kube, job, namespace, name, config, events_for, now)


def _record_job(kube: Kube, job: dict[str, Any], namespace: str, name: str, config: OperatorConfig,
                events_for: EventsFor, now: dt.datetime) -> None:
    labels = job["metadata"].get("labels") or {}
    body = kube.get(crd.API_VERSION, crd.KIND, namespace, name)
    if body is None or body["metadata"].get("deletionTimestamp"):
        return
    pods = kube.list("v1", "Pod", namespace, {results.JOB_NAME_LABEL: job["metadata"]["name"]})
    outcome = results.outcome(job, pods)
    if outcome is None:
        return
    platform = Platform.from_body(body)
    events = events_for(body)
    component = labels.get("app.kubernetes.io/component")
    if component in ("backup", "drill"):
        _record_schedule_result(kube, platform, component, outcome, config, events, now)
    elif component == "suspension":
        _record_suspension(kube, platform, job, outcome, events, now)
    metrics.JOB_RESULTS.labels(component or "", outcome.result).inc()


def _record_schedule_result(kube: Kube, platform: Platform, component: str, outcome: results.JobOutcome,
                            config: OperatorConfig, events: Events, now: dt.datetime) -> None:
    key = "lastBackup" if component == "backup" else "lastDrill"
    current = platform.status.get(key) or {}
    finished = status.parse_time(outcome.time) or now
    recorded = status.parse_time(current.get("time"))
    if current.get("job") == outcome.job or (recorded is not None and finished <= recorded):
        return  # already recorded, or an older Job than the one recorded
    entry = results.record(outcome)
    what = component.capitalize()
    detail = f"Job {outcome.job}" + (f", snapshot {entry['snapshot']}" if "snapshot" in entry else "")
    events("Normal" if outcome.result == results.SUCCEEDED else "Warning", f"{what}{outcome.result}", detail)
    try:
        spec = checked_spec(platform)
    except InvalidSpec:
        write_status(kube, platform, [], now, events, fields={key: entry})
        return
    if component == "backup":
        condition = status.backups_healthy(entry, spec.backups.schedule, platform.created, now, config.schedule_grace)
    else:
        condition = status.drill_passed(entry, spec.drill_schedule, platform.created, now, config.schedule_grace)
    write_status(kube, platform, [condition], now, events, fields={key: entry})


def _record_suspension(kube: Kube, platform: Platform, job: dict[str, Any], outcome: results.JobOutcome,
                       events: Events, now: dt.datetime) -> None:
    labels = job["metadata"]["labels"]
    suspend = labels.get(SUSPEND_LABEL) == "true"
    generation = int(labels.get(GENERATION_LABEL, "0"))
    current = status.find(platform.conditions, "Suspended") or {}
    awaited = SUSPENDING if suspend else RESUMING
    if current.get("reason") != awaited or current.get("observedGeneration", 0) != generation:
        return  # superseded by a later change of spec.suspended, or already recorded
    reported = (outcome.output or {}).get("suspended")
    if outcome.result == results.SUCCEEDED and reported in (None, suspend):
        state = (outcome.output or {}).get("reason") or ""
        condition = Condition("Suspended", TRUE if suspend else FALSE, "Suspended" if suspend else "Resumed",
                              f"{'suspended' if suspend else 'resumed'} by Job {outcome.job}"
                              + (f": {state}" if state else ""))
    else:
        action = "Suspend" if suspend else "Resume"
        condition = Condition("Suspended", FALSE if suspend else TRUE, f"{action}Failed",
                              f"Job {outcome.job} failed; change the spec to try again")
    write_status(kube, platform, [condition], now, events, generation)


def finalize(kube: Kube, platform: Platform, config: OperatorConfig, events: Events) -> None:
    """Before the platform goes: the last backup when the spec asks, then orphan what must be kept (the backup
    password, the database credentials while the volume stays) and delete the volume only when asked. The off-site
    repository and the bucket are never touched. Raises :class:`Waiting` while the last backup runs."""
    owner = platform.owner
    try:
        spec = checked_spec(platform)
    except InvalidSpec as invalid:
        events("Warning", "DeletedWithoutBackup", f"the spec is invalid, no last backup: {invalid}")
        return
    if spec.backups.final_backup_on_delete:
        _final_backup(kube, owner, spec, config, events)
    kept = secrets.kept_after_deletion(owner, spec)
    for name in kept:
        kube.patch("v1", "Secret", owner.namespace, name, {"metadata": {"ownerReferences": None}})
    volumes = [claim["metadata"]["name"]
               for claim in kube.list("v1", "PersistentVolumeClaim", owner.namespace, owner.selector("database"))]
    managed = spec.database.managed
    if managed is not None and managed.delete_volume_on_delete:
        for name in volumes:
            kube.delete("v1", "PersistentVolumeClaim", owner.namespace, name)
        events("Normal", "VolumesDeleted", f"deleted {', '.join(volumes) or 'no volume'} as the spec asks")
        volumes = []
    kept_things = [*(f"Secret {name}" for name in kept), *(f"volume {name}" for name in volumes),
                   f"bucket {spec.object_storage.bucket}", f"off-site repository {spec.backups.repository}"]
    events("Normal", "Finalized", f"kept: {', '.join(kept_things)}")


def _final_backup(kube: Kube, owner: Owner, spec: PlatformSpec, config: OperatorConfig, events: Events) -> None:
    job = kube.get("batch/v1", "Job", owner.namespace, owner.final_backup)
    if job is None:
        kube.create(jobs.final_backup(owner, spec))
        events("Normal", "FinalBackupStarted", f"Job {owner.final_backup} takes the last backup before deletion")
        raise Waiting("the last backup runs", config.retry_seconds)
    pods = kube.list("v1", "Pod", owner.namespace, {results.JOB_NAME_LABEL: owner.final_backup})
    outcome = results.outcome(job, pods)
    if outcome is None:
        raise Waiting("the last backup runs", config.retry_seconds)
    if outcome.result != results.SUCCEEDED:
        message = (f"the last backup (Job {owner.final_backup}) failed: delete the Job to try again, or set "
                   "spec.backups.finalBackupOnDelete to false to delete without it")
        events("Warning", "FinalBackupFailed", message)
        raise Waiting(message, config.retry_seconds)
    snapshot = results.record(outcome).get("snapshot")
    events("Normal", "FinalBackupSucceeded", "last backup taken" + (f": snapshot {snapshot}" if snapshot else ""))
