"""Fixtures for the operator: sample specs, and a KMock Kubernetes API on 127.0.0.1 that the operator (run by
``kopf.testing.KopfRunner``) and the tests share (ARCHITECTURE §7, §8).

KMock stores what it is sent and plays no controllers: the tests play them — they give objects a uid and a
resourceVersion, mark a StatefulSet ready, finish a Job and give its pod a termination message — and they assert
owner references rather than garbage collection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import datetime as dt
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import kmock
import kopf
import pytest
from kopf.testing import KopfRunner
from moto.server import ThreadedMotoServer

from kholuutru.operator import crd, handlers
from kholuutru.operator.settings import OperatorConfig

NAMESPACE = "luutru"
PLATFORMS = f"{crd.API_VERSION}/{crd.PLURAL}"
_versions = itertools.count(1)


@pytest.fixture
def spec(s3_endpoint: str) -> dict[str, Any]:
    """A valid spec with a managed database; every referenced Secret is made by :func:`user_secrets`."""
    return {
        "image": "registry.tinh.gov.vn/kholuutru:1.0.0",
        "objectStorage": {"endpoint": s3_endpoint, "bucket": f"tai-lieu-{uuid.uuid4().hex[:8]}",
                          "credentialsSecretRef": {"name": "s3"}},
        "backups": {"repository": "s3:https://sao-luu.example.vn/kholuutru",
                    "credentialsSecretRef": {"name": "restic-s3"}},
    }


def secret(name: str, **values: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "data": {key.replace("_", "-"): base64.b64encode(value.encode()).decode() for key, value in values.items()},
    }


def user_secrets() -> list[dict[str, Any]]:
    return [
        secret("s3", access_key_id="testing", secret_access_key="testing"),
        secret("restic-s3", access_key_id="restic", secret_access_key="restic"),
    ]


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def decode(obj: dict[str, Any], key: str) -> str:
    return base64.b64decode(obj["data"][key]).decode()


@pytest.fixture(scope="session")
def s3_endpoint() -> AsyncIterator[str]:
    """moto's S3 over real HTTP on 127.0.0.1 for the whole session (ARCHITECTURE §7)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Cluster:
    """The KMock API server seen as a cluster: create and change objects over HTTP (so watchers see them), and
    read what is stored."""

    def __init__(self, server: kmock.KubernetesEmulator) -> None:
        self.server = server

    @staticmethod
    def path(resource: str, name: str | None = None, subresource: str | None = None) -> str:
        group_version, plural = resource.rsplit("/", 1)
        root = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        return "/".join(p for p in [root, "namespaces", NAMESPACE, plural, name, subresource] if p)

    async def create(self, resource: str, obj: dict[str, Any]) -> None:
        """Create as the API server would: with a uid, a resourceVersion and, for the platform, a generation."""
        obj = copy.deepcopy(obj)
        if resource == PLATFORMS:
            obj.setdefault("apiVersion", crd.API_VERSION)
            obj.setdefault("kind", crd.KIND)
        meta = obj.setdefault("metadata", {})
        meta.setdefault("namespace", NAMESPACE)
        meta.setdefault("uid", str(uuid.uuid4()))
        meta["resourceVersion"] = str(next(_versions))
        meta.setdefault("creationTimestamp", now())
        if resource == PLATFORMS:
            meta.setdefault("generation", 1)
        async with self.server.post(self.path(resource), json=obj) as response:
            assert response.status < 300, await response.text()

    async def patch(self, resource: str, name: str, body: dict[str, Any], subresource: str | None = None) -> None:
        body = copy.deepcopy(body)
        body.setdefault("metadata", {})["resourceVersion"] = str(next(_versions))
        async with self.server.patch(self.path(resource, name, subresource), json=body) as response:
            assert response.status < 300, await response.text()

    async def change_spec(self, name: str, spec: dict[str, Any]) -> None:
        """A spec change: the API server bumps the generation."""
        generation = self.get(PLATFORMS, name)["metadata"]["generation"] + 1
        await self.patch(PLATFORMS, name, {"metadata": {"generation": generation}, "spec": spec})

    async def delete(self, resource: str, name: str) -> None:
        async with self.server.delete(self.path(resource, name)) as response:
            assert response.status < 300, await response.text()

    def get(self, resource: str, name: str) -> dict[str, Any] | None:
        key = (kmock.resource(resource), NAMESPACE, name)
        if key not in self.server.objects or self.server.objects[key].deleted:
            return None
        return json.loads(json.dumps(self.server.objects[key], default=dict))

    def names(self, resource: str) -> set[str]:
        return {name for (res, namespace, name), obj in self.server.objects.items()
                if res == kmock.resource(resource) and namespace == NAMESPACE and not obj.deleted}

    def condition(self, name: str, kind: str) -> dict[str, Any] | None:
        platform = self.get(PLATFORMS, name) or {}
        return next((c for c in (platform.get("status") or {}).get("conditions") or [] if c["type"] == kind), None)

    def events(self, reason: str) -> list[dict[str, Any]]:
        """Events posted with this reason, from the request log: KMock 0.8 does not fill ``generateName``, so it
        stores only the first Event of the operator and refuses the others with a conflict."""
        return [request.data for request in self.server[kmock.resource("v1/events")]
                if request.method == "POST" and (request.data or {}).get("reason") == reason]

    async def mark_running(self, name: str, consoles: int = 1) -> None:
        """Play the StatefulSet and Deployment controllers: the database and the consoles are up."""
        await self.patch("apps/v1/statefulsets", f"{name}-db", {"status": {"readyReplicas": 1}})
        await self.patch("apps/v1/deployments", f"{name}-console", {"status": {"availableReplicas": consoles}})

    async def run_job(self, job: dict[str, Any], output: dict[str, Any], succeeded: bool = True) -> None:
        """Play the Job controller and the kubelet: a pod that ran the Job's command, printed ``output`` (its
        termination message) and exited, then the Job's finished condition."""
        name = job["metadata"]["name"]
        if self.get("batch/v1/jobs", name) is None:
            await self.create("batch/v1/jobs", job)
        terminated = {"exitCode": 0 if succeeded else 1, "finishedAt": now(), "message": json.dumps(output) + "\n"}
        await self.create("v1/pods", {
            "metadata": {"name": f"{name}-x7k2p", "labels": {"batch.kubernetes.io/job-name": name}},
            "status": {"phase": "Succeeded" if succeeded else "Failed",
                       "containerStatuses": [{"name": "job", "state": {"terminated": terminated}}]},
        })
        condition = {"type": "Complete" if succeeded else "Failed", "status": "True", "lastTransitionTime": now()}
        status: dict[str, Any] = {"conditions": [condition], "succeeded" if succeeded else "failed": 1}
        if succeeded:
            status["completionTime"] = now()
        await self.patch("batch/v1/jobs", name, {"status": status})

    def job_from_cronjob(self, cronjob: str, suffix: str = "29411040") -> dict[str, Any]:
        """The Job the CronJob controller would start now."""
        template = self.get("batch/v1/cronjobs", cronjob)["spec"]["jobTemplate"]
        return {"metadata": {"name": f"{cronjob}-{suffix}", "labels": template["metadata"]["labels"]},
                "spec": template["spec"]}

    async def add_user_secrets(self) -> None:
        for obj in user_secrets():
            await self.create("v1/secrets", obj)

    @staticmethod
    async def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Poll ``check`` until it returns something truthy without failing an assertion; fail after
        ``timeout`` — a deadline for a broken operator, never a measure of speed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            failure: AssertionError | None = None
            try:
                result = check()
                if result:
                    return result
            except AssertionError as error:
                failure = error
            if loop.time() > deadline:
                raise failure or AssertionError(f"still false after {timeout} s")
            await asyncio.sleep(0.05)

    @contextlib.asynccontextmanager
    async def operator(self) -> AsyncIterator[KopfRunner]:
        """The operator as ``kopf run`` starts it, in a thread; entered and left off the event loop, which KMock
        needs to keep answering while the operator starts and stops."""
        # KMock 0.8 answers a cluster-wide list of namespaces with a 500: no scanning, the namespace is given.
        settings = kopf.OperatorSettings()
        settings.scanning.disabled = True
        # Nothing on a mock needs a grace period to finish: stop the timers and workers at once.
        settings.queueing.exit_timeout = 0.1
        settings.background.instant_exit_timeout = 0.1
        runner = KopfRunner(
            ["run", "--standalone", "--namespace", NAMESPACE, "--module", "kholuutru.operator.handlers"],
            registry=kopf.get_default_registry(),
            settings=settings,
            timeout=60,
        )
        await asyncio.to_thread(runner.__enter__)
        try:
            yield runner
        finally:
            await asyncio.to_thread(runner.__exit__, None, None, None)


@pytest.fixture
def cluster(kmock: kmock.KubernetesEmulator, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Cluster:
    """KMock with the built-in resources and the ArchivePlatform CRD, and a kubeconfig pointing at it — read by
    kopf's login and by the operator's own client alike."""
    kmock.resources.load_bundled()
    info = kmock.resources[PLATFORMS]
    info.kind, info.singular, info.namespaced = crd.KIND, "archiveplatform", True
    info.verbs = {"get", "list", "watch", "create", "patch", "update", "delete"}
    info.shortnames, info.subresources = {"ap"}, {"status"}
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: kmock\n"
        f"clusters:\n- name: kmock\n  cluster:\n    server: {kmock.url}\n"
        "contexts:\n- name: kmock\n  context:\n    cluster: kmock\n    user: kmock\n"
        "users:\n- name: kmock\n  user:\n    token: kmock\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    # Fast retries, no metrics port; the resync timer stays long: the tests never wait for it.
    monkeypatch.setattr(handlers, "CONFIG", OperatorConfig(retry_seconds=0.5, metrics_port=0))
    return Cluster(kmock)
