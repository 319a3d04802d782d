"""What the operator remembers between reconciliations: which calls it spares, and when it forgets."""

from __future__ import annotations

import copy
from typing import Any

from kholuutru.operator.memory import Memory


def deployment(replicas: int, ready: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": "tinh-console", "namespace": "luutru"},
                            "spec": {"replicas": replicas}}
    if ready is not None:
        body["status"] = {"availableReplicas": ready}
    return body


class Recorder:
    """Stands for the API server's apply: answers with the manifest plus a status, and counts the calls."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def __call__(self, child: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(child)
        return {**copy.deepcopy(child), "status": {"availableReplicas": 0}}


def test_a_child_is_sent_again_only_when_its_manifest_changes():
    memory, send = Memory(), Recorder()
    first = memory.apply(deployment(2), send)
    assert memory.apply(deployment(2), send) == first
    assert len(send.sent) == 1
    memory.apply(deployment(3), send)
    assert [child["spec"]["replicas"] for child in send.sent] == [2, 3]


def test_watch_events_keep_the_status_fresh_and_tell_whether_it_changed():
    memory, send = Memory(), Recorder()
    memory.apply(deployment(2), send)
    assert memory.observed(deployment(2, ready=0)) is False, "the echo of our own apply is no news"
    assert memory.observed(deployment(2, ready=2)) is True
    assert memory.apply(deployment(2), send)["status"] == {"availableReplicas": 2}
    assert memory.observed(deployment(5, ready=1) | {"metadata": {"name": "other", "namespace": "luutru"}}) is True


def test_a_deleted_child_is_applied_and_pruned_again():
    memory, send = Memory(), Recorder()
    wanted = [deployment(2)]
    memory.apply(wanted[0], send)
    memory.pruned("uid-1", wanted)
    assert not memory.prune_needed("uid-1", wanted)
    assert memory.prune_needed("uid-1", [])
    memory.forget_child(deployment(2))
    assert memory.prune_needed("uid-1", wanted)
    memory.apply(wanted[0], send)
    assert len(send.sent) == 2


def test_forgetting_everything_makes_the_next_pass_a_first_one():
    memory, send = Memory(), Recorder()
    memory.apply(deployment(2), send)
    memory.pruned("uid-1", [deployment(2)])
    memory.bucket_ensured("http://s3", "tai-lieu")
    assert memory.bucket_ready("http://s3", "tai-lieu") and not memory.bucket_ready("http://s3", "other")
    memory.forget()
    assert not memory.bucket_ready("http://s3", "tai-lieu")
    assert memory.prune_needed("uid-1", [deployment(2)])
    memory.apply(deployment(2), send)
    assert len(send.sent) == 2
