"""Handlers of different objects run at once, so their events may be handled in any order: the end must not change.

The events are handed to the handlers one by one, in an order a loaded operator may see them, against a KMock
Kubernetes API; the tests play the StatefulSet and Deployment controllers as in ``test_operator_e2e``.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import kopf
import pytest
from kopf._core.engines import posting

from kholuutru.operator import handlers
from kholuutru.operator.kube import Kube, api_client
from kholuutru.operator.memory import Memory
from kholuutru.operator.reconcile import Platform, reconcile

PLATFORMS = "kholuutru.vn/v1alpha1/archiveplatforms"
NAME = "tinh"

pytestmark = pytest.mark.asyncio


def no_events(kind: str, reason: str, message: str) -> None:
    """Kubernetes Events are not what these tests look at."""


def operator_memo() -> kopf.Memo:
    """What ``kopf run`` sets up before a handler runs: the memo its start-up handler fills, and what ``kopf.event``
    needs — the settings and the queue Events are posted from (here nobody posts them: they are not looked at)."""
    posting.settings_var.set(kopf.OperatorSettings())
    posting.event_queue_var.set(asyncio.Queue())
    posting.event_queue_loop_var.set(asyncio.get_running_loop())
    return kopf.Memo(kube=Kube(api_client()), memory=Memory())


async def workload_event(memo: kopf.Memo, cluster, resource: str, name: str) -> None:
    """The watch event of a workload whose status changed, handed to the operator's handler as kopf does."""
    group_version, plural = resource.rsplit("/", 1)
    group, version = group_version.split("/")
    await handlers.child_changed(event={"type": "MODIFIED"}, body=kopf.Body(cluster.get(resource, name)),
                                 resource=kopf.Resource(group, version, plural), memo=memo)


async def test_a_suspension_held_back_until_the_platform_is_up_starts_when_its_console_comes_up(cluster, spec):
    """The spec asks for a suspension while the console is not yet available (or its event not yet handled): the
    suspend Job waits; the workloads' status events then start it, without waiting for the resync timer."""
    await cluster.add_user_secrets()
    await cluster.create(PLATFORMS, {"metadata": {"name": NAME}, "spec": {**spec, "suspended": True,
                                                                         "suspensionReason": "Sự cố INC-9"}})
    memo = operator_memo()
    platform = Platform.from_body(cluster.get(PLATFORMS, NAME))
    now = dt.datetime.now(dt.UTC)
    await asyncio.to_thread(reconcile, memo.kube, platform, handlers.CONFIG, no_events, now, memo.memory)
    assert cluster.condition(NAME, "Suspended")["reason"] == "WaitingForPlatform"
    assert cluster.get("batch/v1/jobs", "tinh-suspend-g1") is None

    await cluster.mark_running(NAME)
    await workload_event(memo, cluster, "apps/v1/statefulsets", "tinh-db")
    assert cluster.get("batch/v1/jobs", "tinh-suspend-g1") is None, "no console is available yet"
    await workload_event(memo, cluster, "apps/v1/deployments", "tinh-console")
    job = cluster.get("batch/v1/jobs", "tinh-suspend-g1")
    assert job, "the suspend Job starts once the console is up, not at the next resync"
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["suspend", "--reason", "Sự cố INC-9",
                                                                          "--json"]
    assert cluster.condition(NAME, "Suspended")["reason"] == "Suspending"
    assert cluster.condition(NAME, "Ready")["status"] == "True"


async def test_a_reconciliation_of_an_older_body_keeps_the_suspension_a_job_recorded(cluster, spec):
    """kopf may hand the update handler a body read before the operator's own status writes (a second pass of the
    same spec change): the suspend Job's recorded result must survive it, and no second Job is started."""
    await cluster.add_user_secrets()
    await cluster.create(PLATFORMS, {"metadata": {"name": NAME}, "spec": spec})
    memo = operator_memo()
    now = dt.datetime.now(dt.UTC)
    await asyncio.to_thread(reconcile, memo.kube, Platform.from_body(cluster.get(PLATFORMS, NAME)),
                            handlers.CONFIG, no_events, now, memo.memory)
    await cluster.mark_running(NAME)
    await workload_event(memo, cluster, "apps/v1/statefulsets", "tinh-db")
    await workload_event(memo, cluster, "apps/v1/deployments", "tinh-console")
    await cluster.change_spec(NAME, {"suspended": True, "suspensionReason": "Sự cố INC-11"})
    older = cluster.get(PLATFORMS, NAME)  # the spec change's body, before any status written for it

    await asyncio.to_thread(reconcile, memo.kube, Platform.from_body(older), handlers.CONFIG, no_events, now,
                            memo.memory)
    job = cluster.get("batch/v1/jobs", "tinh-suspend-g2")
    assert cluster.condition(NAME, "Suspended")["reason"] == "Suspending"
    await cluster.run_job(job, {"ok": True, "suspended": True, "reason": "Sự cố INC-11"})
    finished = kopf.Body(cluster.get("batch/v1/jobs", "tinh-suspend-g2"))
    await asyncio.to_thread(handlers.job_changed, event={"type": "MODIFIED"}, body=finished, memo=memo)
    assert cluster.condition(NAME, "Suspended")["status"] == "True"

    await asyncio.to_thread(reconcile, memo.kube, Platform.from_body(older), handlers.CONFIG, no_events, now,
                            memo.memory)
    suspended = cluster.condition(NAME, "Suspended")
    assert (suspended["status"], suspended["reason"]) == ("True", "Suspended")
    assert cluster.names("batch/v1/jobs") == {"tinh-suspend-g2"}
